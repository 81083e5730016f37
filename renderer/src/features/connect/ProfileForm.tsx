import { useId, useState, type FormEvent } from 'react';
import type { ProfileView } from '../../../../shared/contract';
import type { MeshErrorInfo } from '../../../../shared/types';
import { toApiError } from '../../api';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useApp } from '../../store';
import {
  defaultName,
  draftFromProfile,
  emptyDraft,
  hasTopologyOrTls,
  validateDraft,
  type DraftErrors,
  type ProfileDraft,
  type TopologyMode,
} from './profile-form-model';
import { Field, SecretField, TextField } from './fields';

/** The draft's plain text fields: each is an input of the same name. */
type TextKey = { [K in keyof ProfileDraft]: string extends ProfileDraft[K] ? (ProfileDraft[K] extends string ? K : never) : never }[keyof ProfileDraft];

interface Props {
  /** The saved profile being edited, or null for a new one. */
  editing: ProfileView | null;
  onDone(saved: ProfileView | null): void;
  /**
   * Saved, but the connection failed (the reason is shown above the form): the form stays on the
   * saved profile so the user fixes it there instead of making a second one.
   */
  onSavedNotConnected?(saved: ProfileView): void;
}

/**
 * Create or edit a connection profile. The password is never shown or prefilled: the core keeps
 * it and tells the renderer only whether one is saved (PRODUCT.md feature 1).
 */
export function ProfileForm({ editing, onDone, onSavedNotConnected }: Props) {
  const saveProfile = useApp((s) => s.saveProfile);
  const openProfile = useApp((s) => s.openProfile);
  const tryProfile = useApp((s) => s.tryProfile);
  const clearConnectionError = useApp((s) => s.clearConnectionError);
  /** The last "Save and connect" of a new profile failed: nothing was saved. */
  const [notSaved, setNotSaved] = useState(false);
  const busy = useApp((s) => s.connectionBusy);
  const [draft, setDraft] = useState<ProfileDraft>(() => (editing ? draftFromProfile(editing) : emptyDraft()));
  const [errors, setErrors] = useState<DraftErrors>({});
  const [submitted, setSubmitted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<MeshErrorInfo | null>(null);
  const uid = useId();
  const id = (f: string) => `${uid}-${f}`;

  const update = <K extends keyof ProfileDraft>(key: K, value: ProfileDraft[K]) => {
    const next = { ...draft, [key]: value };
    setDraft(next);
    // Validate as the user types only after a first submit: no red before they have finished.
    if (submitted) {
      const r = validateDraft(next);
      setErrors(r.ok ? {} : r.errors);
    }
  };

  const submit = async (connect: boolean) => {
    setSubmitted(true);
    const r = validateDraft(draft);
    if (!r.ok) {
      setErrors(r.errors);
      return;
    }
    setErrors({});
    setSaving(true);
    setSaveError(null);
    setNotSaved(false);
    try {
      if (connect && !editing) {
        // A new profile is saved only once Redis answered (connection:try); on failure the form
        // keeps what was typed, the reason is shown above it, and "Save anyway" saves it as is.
        const saved = await tryProfile(r.input);
        if (saved) onDone(saved);
        else setNotSaved(true);
        return;
      }
      const saved = await saveProfile(r.input);
      setDraft(draftFromProfile(saved));
      if (connect && !(await openProfile(saved.id)) && onSavedNotConnected) onSavedNotConnected(saved);
      else onDone(saved);
    } catch (e) {
      setSaveError(toApiError(e).toInfo());
    } finally {
      setSaving(false);
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit(true);
  };

  /** The id, name, value and change handler that tie an input to its draft field. */
  const bind = (key: TextKey) => ({ id: id(key), name: key, value: draft[key], onChange: (value: string) => update(key, value) });
  const hasPassword = editing?.hasPassword === true;
  const hasSentinelPassword = editing?.hasSentinelPassword === true;
  const disabled = saving || busy !== null;

  return (
    <form className="profile-form" onSubmit={onSubmit} noValidate aria-label={editing ? 'Edit profile' : 'New profile'}>
      <div className="form-grid">
        <TextField {...bind('url')} label="Redis URL" error={errors.url} hint="redis:// or rediss:// (TLS), optional user and /db" mono inputMode="url" placeholder="redis://127.0.0.1:6379" autoFocus={!editing} />
        <TextField {...bind('name')} label="Name" error={errors.name} hint="Shown in the profile list" placeholder={defaultName(draft.url) || 'production bus'} />
        <SecretField
          {...bind('password')}
          label="Password"
          error={errors.password}
          hint="Kept by the app, never shown again"
          saved={hasPassword}
          savedText="Password saved. Leave blank to keep it."
          savedMarker="data-password-saved"
          forget={draft.forgetPassword}
          forgetName="forgetPassword"
          onForget={(v) => update('forgetPassword', v)}
        />
        <div className="form-row-2">
          <TextField {...bind('prefix')} label="Stream prefix" error={errors.prefix} hint={<>Keys <code>{`${draft.prefix.trim() || 'net'}:shard:<n>`}</code></>} mono />
          <TextField {...bind('commandTimeoutMs')} label="Command timeout" error={errors.commandTimeoutMs} hint="ms, net-mesh default 1000" mono className="input-num" inputMode="numeric" />
        </div>
        <label className="check">
          <input type="checkbox" name="readOnly" checked={draft.readOnly} onChange={(e) => update('readOnly', e.target.checked)} />
          <span>
            Read-only
            <span className="check-hint">Never publish or delete through this profile</span>
          </span>
        </label>
        <details className="form-section" data-section="topology-tls" open={hasTopologyOrTls(draft) || errors.sentinels !== undefined || errors.masterName !== undefined || errors.tls !== undefined}>
          <summary>Topology &amp; TLS</summary>
          <div className="form-grid">
            <Field
              id={id('topologyMode')}
              label="Topology"
              hint={
                draft.topologyMode === 'sentinel'
                  ? 'The sentinels name the master; the URL then gives only the user, password, db and scheme'
                  : draft.topologyMode === 'auto'
                    ? 'A Redis Cluster is detected on connect (INFO cluster)'
                    : undefined
              }
            >
              {(control) => (
                <select {...control} name="topologyMode" className="input" value={draft.topologyMode} onChange={(e) => update('topologyMode', e.target.value as TopologyMode)}>
                  <option value="auto">Auto-detect</option>
                  <option value="standalone">Standalone</option>
                  <option value="cluster">Redis Cluster</option>
                  <option value="sentinel">Sentinel</option>
                </select>
              )}
            </Field>
            {draft.topologyMode === 'sentinel' ? (
              <>
                <TextField {...bind('sentinels')} label="Sentinels" error={errors.sentinels} hint="host:port, comma-separated; asked again on every reconnect" mono placeholder="10.0.0.1:26379, 10.0.0.2:26379, 10.0.0.3:26379" />
                <div className="form-row-2">
                  <TextField {...bind('masterName')} label="Master name" error={errors.masterName} hint="As in sentinel monitor <name>" mono placeholder="mymaster" />
                  <SecretField
                    {...bind('sentinelPassword')}
                    label="Sentinel password"
                    error={errors.sentinelPassword}
                    hint="The sentinels' own requirepass, if any"
                    saved={hasSentinelPassword}
                    savedText="Saved. Leave blank to keep it."
                    savedMarker="data-sentinel-password-saved"
                    forget={draft.forgetSentinelPassword}
                    forgetName="forgetSentinelPassword"
                    onForget={(v) => update('forgetSentinelPassword', v)}
                  />
                </div>
              </>
            ) : null}
            <TextField
              {...bind('tlsCaFile')}
              label="TLS CA certificate file"
              error={errors.tls}
              hint="rediss:// only. Paths are read by the app's main process (serve's machine in browser mode); certificate and host name are always verified"
              mono
              placeholder="/etc/redis/ca.pem"
            />
            <div className="form-row-2">
              <TextField {...bind('tlsCertFile')} label="Client certificate file" mono placeholder="none" />
              <TextField {...bind('tlsKeyFile')} label="Client key file" mono placeholder="none" />
            </div>
            <TextField {...bind('tlsServername')} label="TLS server name" hint="When the certificate names another host than the URL (SNI and host name check)" mono placeholder="from the URL" />
          </div>
        </details>
      </div>

      {saveError ? <ErrorNotice error={saveError} title="Could not save the profile" onDismiss={() => setSaveError(null)} /> : null}
      {notSaved && !editing ? (
        <div className="form-not-saved" data-not-saved>
          <span className="muted small">Not saved: a profile is kept once it has connected. Fix it above, or keep it as it is.</span>
          <button
            type="button"
            className="btn btn-sm"
            onClick={() => {
              clearConnectionError();
              void submit(false);
            }}
            disabled={disabled}
            data-action="save-anyway"
          >
            Save anyway
          </button>
        </div>
      ) : null}

      <div className="form-actions">
        {editing ? (
          <button type="button" className="btn btn-ghost" onClick={() => onDone(null)} disabled={saving}>
            Cancel
          </button>
        ) : null}
        <span className="spacer" />
        <button type="button" className="btn" onClick={() => void submit(false)} disabled={disabled} data-action="save">
          Save
        </button>
        <button type="submit" className="btn btn-primary" disabled={disabled} data-action="save-connect">
          {saving || busy === 'opening' ? 'Connecting…' : 'Save and connect'}
        </button>
      </div>
    </form>
  );
}

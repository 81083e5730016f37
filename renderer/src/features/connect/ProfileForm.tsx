import { useId, useState, type FormEvent, type ReactNode } from 'react';
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
  type DraftField,
  type ProfileDraft,
  type TopologyMode,
} from './profile-form-model';

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

function Field({ id, label, hint, error, children }: { id: string; label: string; hint?: ReactNode; error?: string; children: ReactNode }) {
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {children}
      {error ? (
        <div className="field-error" id={`${id}-error`} data-field-error>
          {error}
        </div>
      ) : hint ? (
        <div className="field-hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
    </div>
  );
}

/**
 * Create or edit a connection profile. The password is never shown or prefilled: the core keeps
 * it and tells the renderer only whether one is saved (PRODUCT.md feature 1).
 */
export function ProfileForm({ editing, onDone, onSavedNotConnected }: Props) {
  const saveProfile = useApp((s) => s.saveProfile);
  const openProfile = useApp((s) => s.openProfile);
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
    try {
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

  const describedBy = (f: DraftField) => (errors[f] ? `${id(f)}-error` : `${id(f)}-hint`);
  const hasPassword = editing?.hasPassword === true;
  const hasSentinelPassword = editing?.hasSentinelPassword === true;
  const disabled = saving || busy !== null;

  return (
    <form className="profile-form" onSubmit={onSubmit} noValidate aria-label={editing ? 'Edit profile' : 'New profile'}>
      <div className="form-grid">
        <Field id={id('url')} label="Redis URL" error={errors.url} hint="redis:// or rediss:// (TLS), optional user and /db">
          <input
            id={id('url')}
            name="url"
            className="input input-mono"
            type="text"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            placeholder="redis://127.0.0.1:6379"
            value={draft.url}
            onChange={(e) => update('url', e.target.value)}
            aria-invalid={errors.url ? true : undefined}
            aria-describedby={describedBy('url')}
            autoFocus={!editing}
          />
        </Field>
        <Field id={id('name')} label="Name" error={errors.name} hint="Shown in the profile list">
          <input
            id={id('name')}
            name="name"
            className="input"
            type="text"
            autoComplete="off"
            placeholder={defaultName(draft.url) || 'production bus'}
            value={draft.name}
            onChange={(e) => update('name', e.target.value)}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={describedBy('name')}
          />
        </Field>
        <Field
          id={id('password')}
          label="Password"
          error={errors.password}
          hint={
            hasPassword ? (
              <span className="password-saved" data-password-saved>
                Password saved. Leave blank to keep it.
              </span>
            ) : (
              'Kept by the app, never shown again'
            )
          }
        >
          <div className="input-row">
            <input
              id={id('password')}
              name="password"
              className="input"
              type="password"
              autoComplete="new-password"
              placeholder={hasPassword ? '•••••••• saved' : 'none'}
              value={draft.password}
              disabled={draft.forgetPassword}
              onChange={(e) => update('password', e.target.value)}
              aria-describedby={describedBy('password')}
            />
            {hasPassword ? (
              <label className="check check-inline">
                <input type="checkbox" checked={draft.forgetPassword} onChange={(e) => update('forgetPassword', e.target.checked)} />
                Forget
              </label>
            ) : null}
          </div>
        </Field>
        <div className="form-row-2">
          <Field id={id('prefix')} label="Stream prefix" error={errors.prefix} hint={<>Keys <code>{`${draft.prefix.trim() || 'net'}:shard:<n>`}</code></>}>
            <input
              id={id('prefix')}
              name="prefix"
              className="input input-mono"
              type="text"
              autoComplete="off"
              spellCheck={false}
              value={draft.prefix}
              onChange={(e) => update('prefix', e.target.value)}
              aria-invalid={errors.prefix ? true : undefined}
              aria-describedby={describedBy('prefix')}
            />
          </Field>
          <Field id={id('timeout')} label="Command timeout" error={errors.commandTimeoutMs} hint="ms, net-mesh default 1000">
            <input
              id={id('timeout')}
              name="commandTimeoutMs"
              className="input input-mono input-num"
              type="text"
              inputMode="numeric"
              autoComplete="off"
              value={draft.commandTimeoutMs}
              onChange={(e) => update('commandTimeoutMs', e.target.value)}
              aria-invalid={errors.commandTimeoutMs ? true : undefined}
              aria-describedby={errors.commandTimeoutMs ? `${id('timeout')}-error` : `${id('timeout')}-hint`}
            />
          </Field>
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
              id={id('topology')}
              label="Topology"
              hint={
                draft.topologyMode === 'sentinel'
                  ? 'The sentinels name the master; the URL then gives only the user, password, db and scheme'
                  : draft.topologyMode === 'auto'
                    ? 'A Redis Cluster is detected on connect (INFO cluster)'
                    : undefined
              }
            >
              <select
                id={id('topology')}
                name="topologyMode"
                className="input"
                value={draft.topologyMode}
                onChange={(e) => update('topologyMode', e.target.value as TopologyMode)}
                aria-describedby={`${id('topology')}-hint`}
              >
                <option value="auto">Auto-detect</option>
                <option value="standalone">Standalone</option>
                <option value="cluster">Redis Cluster</option>
                <option value="sentinel">Sentinel</option>
              </select>
            </Field>
            {draft.topologyMode === 'sentinel' ? (
              <>
                <Field id={id('sentinels')} label="Sentinels" error={errors.sentinels} hint="host:port, comma-separated; asked again on every reconnect">
                  <input
                    id={id('sentinels')}
                    name="sentinels"
                    className="input input-mono"
                    type="text"
                    autoComplete="off"
                    spellCheck={false}
                    placeholder="10.0.0.1:26379, 10.0.0.2:26379, 10.0.0.3:26379"
                    value={draft.sentinels}
                    onChange={(e) => update('sentinels', e.target.value)}
                    aria-invalid={errors.sentinels ? true : undefined}
                    aria-describedby={describedBy('sentinels')}
                  />
                </Field>
                <div className="form-row-2">
                  <Field id={id('masterName')} label="Master name" error={errors.masterName} hint="As in sentinel monitor <name>">
                    <input
                      id={id('masterName')}
                      name="masterName"
                      className="input input-mono"
                      type="text"
                      autoComplete="off"
                      spellCheck={false}
                      placeholder="mymaster"
                      value={draft.masterName}
                      onChange={(e) => update('masterName', e.target.value)}
                      aria-invalid={errors.masterName ? true : undefined}
                      aria-describedby={describedBy('masterName')}
                    />
                  </Field>
                  <Field
                    id={id('sentinelPassword')}
                    label="Sentinel password"
                    error={errors.sentinelPassword}
                    hint={
                      hasSentinelPassword ? (
                        <span className="password-saved" data-sentinel-password-saved>
                          Saved. Leave blank to keep it.
                        </span>
                      ) : (
                        "The sentinels' own requirepass, if any"
                      )
                    }
                  >
                    <div className="input-row">
                      <input
                        id={id('sentinelPassword')}
                        name="sentinelPassword"
                        className="input"
                        type="password"
                        autoComplete="new-password"
                        placeholder={hasSentinelPassword ? '•••••••• saved' : 'none'}
                        value={draft.sentinelPassword}
                        disabled={draft.forgetSentinelPassword}
                        onChange={(e) => update('sentinelPassword', e.target.value)}
                        aria-invalid={errors.sentinelPassword ? true : undefined}
                        aria-describedby={describedBy('sentinelPassword')}
                      />
                      {hasSentinelPassword ? (
                        <label className="check check-inline">
                          <input
                            type="checkbox"
                            name="forgetSentinelPassword"
                            checked={draft.forgetSentinelPassword}
                            onChange={(e) => update('forgetSentinelPassword', e.target.checked)}
                          />
                          Forget
                        </label>
                      ) : null}
                    </div>
                  </Field>
                </div>
              </>
            ) : null}
            <Field
              id={id('tlsCa')}
              label="TLS CA certificate file"
              error={errors.tls}
              hint="rediss:// only. Paths are read by the app's main process (serve's machine in browser mode); certificate and host name are always verified"
            >
              <input
                id={id('tlsCa')}
                name="tlsCaFile"
                className="input input-mono"
                type="text"
                autoComplete="off"
                spellCheck={false}
                placeholder="/etc/redis/ca.pem"
                value={draft.tlsCaFile}
                onChange={(e) => update('tlsCaFile', e.target.value)}
                aria-invalid={errors.tls ? true : undefined}
                aria-describedby={errors.tls ? `${id('tlsCa')}-error` : `${id('tlsCa')}-hint`}
              />
            </Field>
            <div className="form-row-2">
              <Field id={id('tlsCert')} label="Client certificate file">
                <input
                  id={id('tlsCert')}
                  name="tlsCertFile"
                  className="input input-mono"
                  type="text"
                  autoComplete="off"
                  spellCheck={false}
                  placeholder="none"
                  value={draft.tlsCertFile}
                  onChange={(e) => update('tlsCertFile', e.target.value)}
                />
              </Field>
              <Field id={id('tlsKey')} label="Client key file">
                <input
                  id={id('tlsKey')}
                  name="tlsKeyFile"
                  className="input input-mono"
                  type="text"
                  autoComplete="off"
                  spellCheck={false}
                  placeholder="none"
                  value={draft.tlsKeyFile}
                  onChange={(e) => update('tlsKeyFile', e.target.value)}
                />
              </Field>
            </div>
            <Field id={id('tlsServername')} label="TLS server name" hint="When the certificate names another host than the URL (SNI and host name check)">
              <input
                id={id('tlsServername')}
                name="tlsServername"
                className="input input-mono"
                type="text"
                autoComplete="off"
                spellCheck={false}
                placeholder="from the URL"
                value={draft.tlsServername}
                onChange={(e) => update('tlsServername', e.target.value)}
                aria-describedby={`${id('tlsServername')}-hint`}
              />
            </Field>
          </div>
        </details>
      </div>

      {saveError ? <ErrorNotice error={saveError} title="Could not save the profile" onDismiss={() => setSaveError(null)} /> : null}

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

import { useEffect } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice';
import { BrandMark, Icon } from '../../components/Icon';
import { ThemeToggle } from '../../components/ThemeToggle';
import { useApp } from '../../store';
import './connect.css';
import { connectFailureTitle } from './connect-failure';
import { useConnectUi } from './connect-ui';
import { ProfileForm } from './ProfileForm';
import { ProfileList } from './ProfileList';

const errorTitles = { open: 'Could not connect', close: 'Could not disconnect', demo: 'Could not start the demo' } as const;

/** Where the app starts when it is not connected: saved profiles, a profile form, the demo. */
export function ConnectScreen() {
  const info = useApp((s) => s.info);
  const error = useApp((s) => s.connectionError);
  const errorAction = useApp((s) => s.connectionErrorAction);
  const profilesError = useApp((s) => s.profilesError);
  const clearError = useApp((s) => s.clearConnectionError);
  const startDemo = useApp((s) => s.startDemo);
  const busy = useApp((s) => s.connectionBusy);
  // Remounting the form (formKey) resets it after a save or cancel.
  const { editingId, formKey, edit } = useConnectUi();
  const profiles = useApp((s) => s.profiles);
  const profilesLoaded = useApp((s) => s.profilesLoaded);
  const editing = editingId !== null ? (profiles.find((p) => p.id === editingId) ?? null) : null;

  // The profile being edited was deleted: back to a new one rather than resurrecting it on save.
  useEffect(() => {
    if (editingId !== null && profilesLoaded && editing === null) edit(null);
  }, [editingId, editing, profilesLoaded, edit]);

  const done = () => edit(null);

  return (
    <div className="connect" data-screen="connect">
      <header className="connect-bar">
        <div className="brand">
          <BrandMark />
          <span className="brand-name">Mesh Inspector</span>
        </div>
        <span className="spacer" />
        {info ? (
          <span className="muted small">
            v{info.version} · {info.transport === 'serve' ? 'browser mode' : 'desktop'}
          </span>
        ) : null}
        <ThemeToggle />
      </header>

      <main className="connect-main">
        <div className="connect-intro">
          <h1>Connect to a net-mesh bus</h1>
          <p className="muted">Browse shard streams, find corrupt entries and duplicate ids, and watch Redis health. Reads are bounded; nothing is written unless you publish.</p>
        </div>

        {error ? (
          <ErrorNotice error={error} title={(errorAction ?? 'open') === 'open' ? connectFailureTitle(error) : errorTitles[errorAction ?? 'open']} onDismiss={clearError} />
        ) : null}

        <div className="connect-grid">
          <section className="card panel" aria-labelledby="profiles-heading">
            <div className="panel-head">
              <h2 id="profiles-heading">Saved profiles</h2>
              <span className="spacer" />
              {info?.demoAvailable ? (
                <button type="button" className="btn btn-sm" onClick={() => void startDemo()} disabled={busy !== null} data-action="demo">
                  <Icon name="flask" />
                  {busy === 'demo' ? 'Starting demo…' : 'Try with demo data'}
                </button>
              ) : null}
            </div>
            {profilesError ? <ErrorNotice error={profilesError} compact /> : null}
            <ProfileList
              editingId={editing?.id ?? null}
              onEdit={(p) => edit(p.id)}
            />
          </section>

          <section className="card panel" aria-labelledby="form-heading">
            <div className="panel-head">
              <h2 id="form-heading">{editing ? `Edit ${editing.name}` : 'New profile'}</h2>
            </div>
            <ProfileForm
              key={formKey}
              editing={editing}
              onDone={done}
              onSavedNotConnected={(p) => edit(p.id)}
            />
          </section>
        </div>
      </main>
    </div>
  );
}

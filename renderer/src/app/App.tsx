import { useEffect } from 'react';
import { ErrorNotice } from '../components/ErrorNotice';
import { BrandMark } from '../components/Icon';
import { ConnectScreen } from '../features/connect/ConnectScreen';
import { AppShell } from '../features/shell/AppShell';
import { useApp } from '../store';
import './app.css';

function BootScreen() {
  const error = useApp((s) => s.bootError);
  const link = useApp((s) => s.link);
  const boot = useApp((s) => s.boot);
  return (
    <div className="boot" data-screen="boot">
      <div className="boot-card">
        <div className="brand brand-lg">
          <BrandMark />
          <span className="brand-name">Mesh Inspector</span>
        </div>
        {error ? (
          <>
            <ErrorNotice error={error} title="The inspector core did not answer" />
            <button type="button" className="btn btn-primary" onClick={() => void boot()}>
              Try again
            </button>
          </>
        ) : (
          <div className="boot-status muted">
            <span className="spinner" aria-hidden="true" />
            {link === 'open' ? 'Loading…' : 'Connecting to the inspector…'}
          </div>
        )}
      </div>
    </div>
  );
}

/**
 * The root. `data-app-ready="true"` appears once the api link is up and `app:info` answered:
 * tests and the Electron smoke test wait for it instead of sleeping.
 */
export function App() {
  const ready = useApp((s) => s.ready);
  const link = useApp((s) => s.link);
  const state = useApp((s) => s.connection?.state ?? 'disconnected');
  const boot = useApp((s) => s.boot);
  const target = useApp((s) => (s.connection?.url && s.connection.state !== 'disconnected' ? `${s.connection.prefix ?? ''} @ ${s.connection.url}` : null));

  useEffect(() => {
    void boot();
  }, [boot]);

  // Several inspectors open at once during an incident: the window title says which bus.
  useEffect(() => {
    document.title = target ? `${target} · Mesh Inspector` : 'Mesh Inspector';
  }, [target]);

  return (
    <div className="app" data-app-ready={ready ? 'true' : 'false'} data-link={link} data-connection-state={state}>
      {!ready ? <BootScreen /> : state === 'disconnected' ? <ConnectScreen /> : <AppShell />}
    </div>
  );
}

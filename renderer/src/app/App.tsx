import { useEffect } from 'react';
import { ErrorNotice } from '../components/ErrorNotice';
import { BrandMark } from '../components/Icon';
import { ConnectScreen } from '../features/connect/ConnectScreen';
import { AppShell } from '../features/shell/AppShell';
import { useApp } from '../store';
import './app.css';

/**
 * Browser mode without a valid token (opened without the printed URL, or `serve` restarted with a
 * new one): what happened and what to do, nothing else to try.
 */
export function OpenPrintedUrl() {
  return (
    <div className="boot-help" role="alert" data-screen="unauthorized">
      <h1 className="boot-help-title">Open the link that serve printed</h1>
      <p>
        This page has no valid key to the inspector server. Every start of <code>mesh-inspector serve</code> makes a new one, so an old link or a bookmark
        stops working.
      </p>
      <p>In the terminal where serve runs, open the URL on the line that starts with</p>
      <pre className="boot-help-line">Mesh Inspector UI: http://{window.location.host}/?token=…</pre>
    </div>
  );
}

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
        {link === 'unauthorized' ? (
          <OpenPrintedUrl />
        ) : error ? (
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
  // A first connect asked from the connect screen stays there until it is ready or failed (issue 13).
  const firstConnect = useApp((s) => s.connectionBusy === 'opening' && s.connection?.state !== 'ready');
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
      {/* The connect screen holds nothing worth keeping: an unauthorized link replaces it with the
          help. The shell keeps its (stale) data under a banner instead. */}
      {!ready || (link === 'unauthorized' && state === 'disconnected') ? <BootScreen /> : state === 'disconnected' || firstConnect ? <ConnectScreen /> : <AppShell />}
    </div>
  );
}

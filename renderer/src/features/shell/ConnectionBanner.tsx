import { ErrorNotice } from '../../components/ErrorNotice';
import { KindBadge } from '../../components/KindBadge';
import { formatClock } from '../../lib/format';
import { useNow } from '../../lib/use-now';
import { useApp } from '../../store';

/**
 * Says loudly when what is on screen may be stale: Redis is down or reconnecting (the data stays,
 * marked), or the link to the inspector server itself dropped (browser mode).
 */
export function ConnectionBanner() {
  const connection = useApp((s) => s.connection);
  const link = useApp((s) => s.link);
  const error = useApp((s) => s.connectionError);
  const clear = useApp((s) => s.clearConnectionError);
  const staleSince = useApp((s) => s.staleSince);

  if (link === 'unauthorized') {
    return (
      <div className="banner banner-danger" role="alert" data-banner="unauthorized">
        <span className="banner-dot banner-dot-still" aria-hidden="true" />
        <span>
          The inspector server no longer accepts this page: <code>serve</code> was restarted and made a new key. What you see is stale; open the new URL it
          printed.
        </span>
      </div>
    );
  }
  if (link === 'reconnecting' || link === 'connecting') {
    return (
      <div className="banner banner-warn" role="status" data-banner="link" data-stale-since={staleSince ?? undefined}>
        <span className="banner-dot" aria-hidden="true" />
        <span>
          Lost the link to the inspector server; reconnecting. What you see may be stale
          {staleSince !== null ? (
            <>
              {' '}
              since <b className="mono">{formatClock(new Date(staleSince))}</b>
            </>
          ) : null}
          . If <code>serve</code> was restarted, open the new URL it printed.
        </span>
      </div>
    );
  }
  if (connection && (connection.state === 'down' || connection.state === 'reconnecting')) {
    return <RedisBanner />;
  }
  if (error) {
    return (
      <div className="banner-notice">
        <ErrorNotice error={error} compact onDismiss={clear} />
      </div>
    );
  }
  return null;
}

/**
 * Redis is down or reconnecting: since when the data on screen is stale, why (class, code, Redis'
 * words), what the client is doing about it, and a way to the health view.
 */
function RedisBanner() {
  const connection = useApp((s) => s.connection);
  const staleSince = useApp((s) => s.staleSince);
  const cause = useApp((s) => s.health?.cause ?? null);
  const reconnect = useApp((s) => s.health?.reconnect ?? null);
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  const now = useNow(1000);
  if (!connection) return null;
  const down = connection.state === 'down';
  const since = staleSince ?? connection.since;
  const error = cause ?? connection.error ?? null;
  const nextIn = reconnect?.nextAttemptAt ? Math.max(0, Math.ceil((reconnect.nextAttemptAt - now) / 1000)) : null;
  return (
    <div className={`banner ${down ? 'banner-danger' : 'banner-warn'}`} role="status" data-banner="redis" data-state={connection.state} data-stale-since={since}>
      <span className="banner-dot" aria-hidden="true" />
      <span>
        Redis is {down ? 'unreachable' : 'reconnecting'}; data below is <b>stale since</b> <b className="mono">{formatClock(new Date(since))}</b>. It recovers by itself when Redis is back.
      </span>
      {error ? (
        <span className="banner-error">
          <KindBadge kind={error.kind} />
          {error.code ? <code>{error.code}</code> : null}
          <span className="banner-message">{error.message}</span>
        </span>
      ) : null}
      <span className="banner-actions">
        {reconnect ? (
          <span className="banner-retry" data-reconnect-attempt={reconnect.attempt}>
            attempt {reconnect.attempt}
            {nextIn !== null ? (nextIn > 0 ? `, next in ${nextIn} s` : ', trying now') : ''}
          </span>
        ) : null}
        {view !== 'health' ? (
          <button type="button" className="btn btn-sm" onClick={() => setView('health')} data-action="open-health">
            Health
          </button>
        ) : null}
      </span>
    </div>
  );
}

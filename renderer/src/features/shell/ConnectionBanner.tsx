import { ErrorNotice } from '../../components/ErrorNotice';
import { formatClock } from '../../lib/format';
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

  if (link === 'reconnecting' || link === 'connecting') {
    return (
      <div className="banner banner-warn" role="status" data-banner="link">
        <span className="banner-dot" aria-hidden="true" />
        Lost the link to the inspector server; reconnecting. What you see may be stale. If <code>serve</code> was restarted, open the new URL it printed.
      </div>
    );
  }
  if (connection && (connection.state === 'down' || connection.state === 'reconnecting')) {
    const since = formatClock(new Date(connection.since));
    return (
      <div className={`banner ${connection.state === 'down' ? 'banner-danger' : 'banner-warn'}`} role="status" data-banner="redis">
        <span className="banner-dot" aria-hidden="true" />
        <span>
          Redis is {connection.state === 'down' ? 'unreachable' : 'reconnecting'}; data below is stale since <b className="mono">{since}</b>. It recovers by itself when Redis is back.
        </span>
        {connection.error ? (
          <span className="banner-error">
            <span className={`kind-badge kind-${connection.error.kind}`}>{connection.error.kind}</span>
            {connection.error.code ? <code>{connection.error.code}</code> : null}
            <span className="banner-message">{connection.error.message}</span>
          </span>
        ) : null}
      </div>
    );
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

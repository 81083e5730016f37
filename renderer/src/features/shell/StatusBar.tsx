import { formatClock } from '../../lib/format';
import { useApp } from '../../store';

/** The quiet facts at the bottom: app version, transport, link, when data was last fetched. */
export function StatusBar() {
  const info = useApp((s) => s.info);
  const link = useApp((s) => s.link);
  const staleSince = useApp((s) => s.staleSince);
  const shardsAt = useApp((s) => s.shards?.at ?? null);
  const pageAt = useApp((s) => s.lastPageAt);
  return (
    <footer className="statusbar">
      <span>Mesh Inspector {info?.version}</span>
      <span className="statusbar-sep" aria-hidden="true" />
      <span>{info?.transport === 'serve' ? 'browser mode' : 'desktop'}</span>
      <span className="statusbar-sep" aria-hidden="true" />
      <span className={`link-state link-${link}`} data-link-state={link}>
        <span className="link-dot" aria-hidden="true" />
        {link === 'open' ? 'linked' : link === 'unauthorized' ? 'not authorized' : link}
      </span>
      <span className="spacer" />
      {staleSince !== null ? (
        <>
          <span className="stale-chip" data-stale-marker title="Redis or the link to the inspector is away: what is on screen is what was last read">
            stale since {formatClock(new Date(staleSince))}
          </span>
          <span className="statusbar-sep" aria-hidden="true" />
        </>
      ) : null}
      {shardsAt ? <span>shards at {formatClock(new Date(shardsAt))}</span> : null}
      {pageAt ? (
        <>
          <span className="statusbar-sep" aria-hidden="true" />
          <span>page at {formatClock(new Date(pageAt))}</span>
        </>
      ) : null}
    </footer>
  );
}

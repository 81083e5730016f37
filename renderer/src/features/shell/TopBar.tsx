import { BrandMark, Icon } from '../../components/Icon';
import { StatusPill } from '../../components/StatusPill';
import { ThemeToggle } from '../../components/ThemeToggle';
import { useApp } from '../../store';
import { FindButton } from '../find/FindDialog';
import { ViewTabs } from './ViewTabs';

/** Which bus this window looks at and whether it can be trusted right now. */
export function TopBar() {
  const connection = useApp((s) => s.connection);
  const closeConnection = useApp((s) => s.closeConnection);
  const busy = useApp((s) => s.connectionBusy);
  const link = useApp((s) => s.link);
  const profile = useApp((s) => s.profiles.find((p) => p.id === s.connection?.profileId));
  if (!connection) return null;
  // Behind Sentinel the URL's host is not where the app goes: show the master and its sentinels.
  const sentinel = profile?.topology?.mode === 'sentinel' ? profile.topology : null;
  const target = sentinel ? `${sentinel.masterName ?? 'master'} via ${sentinel.sentinels ?? 'sentinels'}` : (connection.url ?? '—');
  return (
    <header className="topbar" data-region="topbar">
      <div className="brand">
        <BrandMark />
        <span className="brand-name">Mesh Inspector</span>
      </div>
      <span className="topbar-sep" aria-hidden="true" />
      <StatusPill state={connection.state} stale={link !== 'open'} />
      {/* Elided at its start when the bar is narrow: host, port and db stay readable. */}
      <span className="topbar-url mono" title={target} data-connection-url>
        <bdi className="topbar-url-text">{target}</bdi>
      </span>
      {connection.topology && connection.topology !== 'standalone' ? (
        <span className="chip" title="How the app reaches Redis" data-connection-topology={connection.topology}>
          {connection.topology === 'cluster' ? 'Cluster' : 'Sentinel'}
        </span>
      ) : null}
      {connection.prefix ? (
        <span className="chip" title="Stream prefix">
          <span className="chip-label">prefix</span>
          <code data-connection-prefix>{connection.prefix}</code>
        </span>
      ) : null}
      {connection.readOnly ? (
        <span className="badge" data-tone="warn" data-read-only title="This profile never publishes or deletes">
          <Icon name="lock" className="icon-xs" />
          read-only
        </span>
      ) : null}
      {connection.serverVersion ? <span className="muted small topbar-version">Redis {connection.serverVersion}</span> : null}
      <span className="spacer" />
      <FindButton />
      <ViewTabs />
      <ThemeToggle />
      <button type="button" className="btn btn-sm topbar-disconnect" onClick={() => void closeConnection()} disabled={busy !== null} title="Disconnect from this Redis" aria-label={busy === 'closing' ? 'Disconnecting' : 'Disconnect'} data-action="disconnect">
        <Icon name="unplug" />
        <span className="topbar-label">{busy === 'closing' ? 'Disconnecting…' : 'Disconnect'}</span>
      </button>
    </header>
  );
}

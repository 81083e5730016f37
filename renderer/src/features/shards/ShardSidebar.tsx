import type { ShardSummary } from '../../../../shared/contract';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon } from '../../components/Icon';
import { formatAge, formatCount, formatTimestamp } from '../../lib/format';
import { streamIdTime } from '../../lib/stream-id';
import { useNow } from '../../lib/use-now';
import { useApp } from '../../store';

function ShardItem({ shard, selected, now, onSelect }: { shard: ShardSummary; selected: boolean; now: number; onSelect(): void }) {
  const last = shard.lastId ? streamIdTime(shard.lastId) : null;
  return (
    <li>
      <button
        type="button"
        className={`shard-item${selected ? ' is-selected' : ''}`}
        onClick={onSelect}
        aria-current={selected ? 'true' : undefined}
        data-shard={shard.shard}
        title={shard.key}
      >
        <span className="shard-row">
          <span className="shard-id mono">
            <span className="shard-hash">#</span>
            {shard.shard}
          </span>
          <span className="shard-key mono">{shard.key}</span>
          <span className="shard-length mono" data-length={shard.length}>
            {formatCount(shard.length)}
          </span>
        </span>
        <span className="shard-row shard-row-sub">
          {last ? (
            <>
              <span className="shard-last mono" title={`Last entry ${shard.lastId}`}>
                {formatTimestamp(last)}
              </span>
              <span className="shard-age">{formatAge(last.getTime(), now)}</span>
            </>
          ) : (
            <span className="shard-last">empty stream</span>
          )}
        </span>
      </button>
    </li>
  );
}

/** Every shard of the prefix (sparse ids as they are), and the keys that look like shards but are not. */
export function ShardSidebar() {
  const result = useApp((s) => s.shards);
  const loading = useApp((s) => s.shardsLoading);
  const error = useApp((s) => s.shardsError);
  const selected = useApp((s) => s.selectedShard);
  const select = useApp((s) => s.selectShard);
  const load = useApp((s) => s.loadShards);
  const now = useNow(5000);

  return (
    <nav className="sidebar" aria-label="Shards" data-region="sidebar">
      <div className="sidebar-head">
        <Icon name="layers" />
        <span className="sidebar-title">Shards</span>
        {result ? <span className="count-badge">{result.shards.length}</span> : null}
        <span className="spacer" />
        <button type="button" className={`btn btn-ghost btn-icon btn-sm${loading ? ' is-spinning' : ''}`} onClick={() => void load()} disabled={loading} aria-label="Refresh shards" title="Refresh shards">
          <Icon name="refresh" />
        </button>
      </div>
      {error ? (
        <div className="sidebar-notice">
          <ErrorNotice error={error} compact title="Shard discovery failed" />
        </div>
      ) : null}
      <div className="sidebar-scroll">
        {result === null ? (
          loading ? (
            <ul className="shard-list" aria-hidden="true">
              {[0, 1, 2, 3].map((i) => (
                <li key={i} className="shard-skeleton">
                  <span className="skeleton skeleton-line" />
                  <span className="skeleton skeleton-line skeleton-short" />
                </li>
              ))}
            </ul>
          ) : null
        ) : result.shards.length === 0 ? (
          <div className="sidebar-empty">
            No <code>{result.prefix}:shard:&lt;n&gt;</code> streams on this server. Check the prefix.
          </div>
        ) : (
          <ul className="shard-list" data-shard-list>
            {result.shards.map((s) => (
              <ShardItem key={s.shard} shard={s} selected={s.shard === selected} now={now} onSelect={() => select(s.shard)} />
            ))}
          </ul>
        )}
        {result && result.skipped.length > 0 ? (
          <details className="skipped" data-skipped open>
            <summary>
              <Icon name="alert" className="icon-xs" />
              Skipped keys
              <span className="count-badge count-badge-warn">{result.skipped.length}</span>
            </summary>
            <ul className="skipped-list">
              {result.skipped.map((k) => (
                <li key={k.key} data-skipped-key={k.key}>
                  <span className="skipped-key mono">{k.key}</span>
                  <span className="skipped-reason">{k.reason}</span>
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </div>
    </nav>
  );
}

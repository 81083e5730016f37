import { useEffect, useRef, type MouseEvent } from 'react';
import type { ShardSummary } from '../../../../shared/contract';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon } from '../../components/Icon';
import { formatAge, formatClock, formatCount, formatDate, formatTime } from '../../lib/format';
import { streamIdTime } from '../../lib/stream-id';
import { useNow } from '../../lib/use-now';
import { factsTooltip } from '../../models/stream-facts-model';
import { useApp } from '../../store';
import { MAX_LANES } from '../../store/events-slice';
import './sidebar.css';

/** Auto-refresh period while the window is visible; longer after a failure or a slow answer. */
const REFRESH_MS = 5000;
const SLOW_REFRESH_MS = 30_000;

function formatRate(rate: number | null): string {
  if (rate === null) return '';
  if (rate === 0) return 'idle';
  if (rate < 1) return `${rate.toFixed(2)}/s`;
  if (rate < 100) return `${rate.toFixed(1)}/s`;
  return `${formatCount(Math.round(rate))}/s`;
}

function ShardItem(p: { shard: ShardSummary; selected: boolean; inLane: boolean; now: number; canAdd: boolean; onOpen(e: MouseEvent): void; onAdd(): void }) {
  const { shard } = p;
  // The tooltip carries the stream facts (issue 17), read when the pointer or focus arrives.
  const facts = useApp((s) => s.shardFacts[shard.shard]?.facts ?? null);
  const loadFacts = useApp((s) => s.loadShardFacts);
  const first = shard.firstId ? streamIdTime(shard.firstId) : null;
  const last = shard.lastId ? streamIdTime(shard.lastId) : null;
  const ageMs = last ? p.now - last.getTime() : null;
  const fresh = ageMs !== null && ageMs < 10_000;
  return (
    <li className={`shard-li${p.selected ? ' is-selected' : ''}${p.inLane ? ' in-lane' : ''}`}>
      <button
        type="button"
        className={`shard-item${p.selected ? ' is-selected' : ''}`}
        onClick={p.onOpen}
        aria-current={p.selected ? 'true' : undefined}
        data-shard={shard.shard}
        title={`${shard.key}: click to open, Shift+click to open in a new lane${facts ? `\n\n${factsTooltip(facts)}` : ''}`}
        onMouseEnter={() => void loadFacts(shard.shard)}
        onFocus={() => void loadFacts(shard.shard)}
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
        {last && first ? (
          <>
            <span className="shard-row shard-row-sub">
              <span className="shard-span mono" title={`First entry ${shard.firstId} · last entry ${shard.lastId}`}>
                {formatDate(first) === formatDate(last) ? (
                  <>
                    {formatDate(first)} {formatTime(first).slice(0, 8)} → {formatTime(last).slice(0, 8)}
                  </>
                ) : (
                  <>
                    {formatDate(first)} → {formatDate(last)} {formatTime(last).slice(0, 8)}
                  </>
                )}
              </span>
            </span>
            <span className="shard-row shard-row-sub">
              <span className={`shard-age${fresh ? ' is-fresh' : ''}`} data-age title="Age of the last entry">
                <span className="age-dot" aria-hidden="true" />
                last {formatAge(last.getTime(), p.now)}
              </span>
              {shard.appendRate !== null ? (
                <span className={`shard-rate mono${shard.appendRate > 0 ? ' is-growing' : ''}`} data-rate title="Appended per second since the previous refresh">
                  {formatRate(shard.appendRate)}
                </span>
              ) : null}
            </span>
          </>
        ) : (
          <span className="shard-row shard-row-sub">
            <span className="shard-span">empty stream</span>
          </span>
        )}
      </button>
      {p.canAdd ? (
        <button type="button" className="shard-add" onClick={p.onAdd} aria-label={`Open shard ${shard.shard} in a new lane`} title="Open in a new lane" data-add-lane={shard.shard}>
          <Icon name="plus" className="icon-xs" />
        </button>
      ) : null}
    </li>
  );
}

/**
 * Every shard of the prefix (sparse ids as they are), with length, first and last entry time,
 * append rate and the age of the last entry, refreshed every few seconds while the window is
 * visible; and the keys that look like shards but are not, with the reason.
 */
export function ShardSidebar() {
  const result = useApp((s) => s.shards);
  const loading = useApp((s) => s.shardsLoading);
  const error = useApp((s) => s.shardsError);
  const selected = useApp((s) => s.selectedShard);
  const lanes = useApp((s) => s.lanes);
  const mode = useApp((s) => s.browseMode);
  const openShard = useApp((s) => s.openShard);
  const addLane = useApp((s) => s.addLane);
  const load = useApp((s) => s.loadShards);
  const ready = useApp((s) => s.connection?.state === 'ready' && s.link === 'open');
  const now = useNow(1000);
  // The sidebar is on screen in every view, so it stays fresh in every view (one bounded SCAN every few seconds).
  useAutoRefresh(ready, () => load({ quiet: true }));
  // A failover moves shards to another node: discover again at once rather than at the next
  // (possibly slowed-down) tick, so a "SCAN on cluster master ...: Connection is closed" from the
  // dead master clears as soon as the cluster has a new one.
  const api = useApp((s) => s.api);
  useEffect(() => api.on('topology:changed', () => void load({ quiet: true })), [api, load]);

  const inLanes = new Set(mode === 'lanes' ? lanes.map((l) => l.shard) : []);
  const canAdd = lanes.length > 0 && lanes.length < MAX_LANES;

  return (
    <nav className="sidebar" aria-label="Shards" data-region="sidebar">
      <div className="sidebar-head">
        <Icon name="layers" />
        <span className="sidebar-title">Shards</span>
        {result ? <span className="badge badge-count">{result.shards.length}</span> : null}
        <span className="spacer" />
        {result ? (
          <span className="sidebar-at muted" title="Shards refresh every few seconds while this window is visible">
            {formatClock(new Date(result.at))}
          </span>
        ) : null}
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
              <ShardItem
                key={s.shard}
                shard={s}
                selected={mode === 'lanes' && s.shard === selected}
                inLane={inLanes.has(s.shard)}
                now={now}
                canAdd={canAdd}
                onOpen={(e) => openShard(s.shard, { newLane: e.shiftKey })}
                onAdd={() => addLane(s.shard)}
              />
            ))}
          </ul>
        )}
        {result && result.skipped.length > 0 ? (
          <details className="skipped" data-skipped open>
            <summary>
              <Icon name="alert" className="icon-xs" />
              Skipped keys
              <span className="badge badge-count" data-tone="warn">{result.skipped.length}</span>
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

/**
 * Calls `refresh` every REFRESH_MS while `active` and the document is visible; one call at a time,
 * and every SLOW_REFRESH_MS instead after a failure or an answer slower than a second (a
 * struggling server is not polled harder).
 */
function useAutoRefresh(active: boolean, refresh: () => Promise<void>): void {
  const fn = useRef(refresh);
  fn.current = refresh;
  useEffect(() => {
    if (!active) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let stopped = false;
    const schedule = (ms: number) => {
      timer = setTimeout(tick, ms);
    };
    const tick = async () => {
      if (stopped) return;
      if (document.visibilityState !== 'visible') return schedule(REFRESH_MS);
      const t0 = performance.now();
      let slow = false;
      try {
        await fn.current();
      } catch {
        slow = true;
      }
      if (performance.now() - t0 > 1000) slow = true;
      if (!stopped) schedule(slow ? SLOW_REFRESH_MS : REFRESH_MS);
    };
    schedule(REFRESH_MS);
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [active]);
}

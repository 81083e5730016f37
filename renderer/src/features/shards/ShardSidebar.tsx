import { useVirtualizer } from '@tanstack/react-virtual';
import { flushSync } from 'react-dom';
import { memo, useCallback, useDeferredValue, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { ShardSummary } from '../../../../shared/contract';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon } from '../../components/Icon';
import { ProblemBadges } from '../../components/ProblemBadge';
import { useAgeLabel } from '../../lib/age-ticker';
import { formatClock, formatCount, formatDate, formatTime } from '../../lib/format';
import { streamIdTime } from '../../lib/stream-id';
import { countWithProblems, isEmptyQuery, parseShardQuery, SHARD_SORTS, viewShards, type ShardProblems, type ShardSort } from '../../models/shard-list-model';
import { factsTooltip } from '../../models/stream-facts-model';
import { useApp } from '../../store';
import { MAX_LANES } from '../../store/events-slice';
import { useShardProblems } from '../../lib/use-shard-problems';
import './sidebar.css';

/** Auto-refresh period while the window is visible; longer after a failure or a slow answer. */
const REFRESH_MS = 5000;
const SLOW_REFRESH_MS = 30_000;
/** Every row has the same height (three lines), so 65,536 rows are positioned without measuring. */
export const SHARD_ROW_H = 66;
/** Skipped keys listed (the rest are counted). */
const MAX_SKIPPED_SHOWN = 200;

export function formatRate(rate: number | null): string {
  if (rate === null) return '';
  if (rate === 0) return 'idle';
  if (rate < 1) return `${rate.toFixed(2)}/s`;
  if (rate < 100) return `${rate.toFixed(1)}/s`;
  return `${formatCount(Math.round(rate))}/s`;
}

interface ItemProps {
  shard: ShardSummary;
  index: number;
  /** The row's offset in the list (px), from the virtualizer. */
  start: number;
  selected: boolean;
  inLane: boolean;
  canAdd: boolean;
  problems: ShardProblems | undefined;
  onOpen(shard: number, newLane: boolean): void;
  onAdd(shard: number): void;
}

/** One shard row; mounted only while on screen. Its age label ticks outside React (lib/age-ticker.ts). */
const ShardItem = memo(function ShardItem(p: ItemProps) {
  const { shard } = p;
  // The tooltip carries the stream facts (issue 17), read when the pointer or focus arrives.
  const facts = useApp((s) => s.shardFacts[shard.shard]?.facts ?? null);
  const loadFacts = useApp((s) => s.loadShardFacts);
  const first = shard.firstId ? streamIdTime(shard.firstId) : null;
  const last = shard.lastId ? streamIdTime(shard.lastId) : null;
  const ageRef = useRef<HTMLSpanElement>(null);
  useAgeLabel(ageRef, last ? last.getTime() : null);
  return (
    <div role="listitem" className={`shard-slot shard-li${p.selected ? ' is-selected' : ''}${p.inLane ? ' in-lane' : ''}`} style={{ transform: `translateY(${p.start}px)` }} data-shard-row={shard.shard}>
      <button
        type="button"
        className={`shard-item${p.selected ? ' is-selected' : ''}`}
        onClick={(e: MouseEvent) => p.onOpen(shard.shard, e.shiftKey)}
        aria-current={p.selected ? 'true' : undefined}
        data-shard={shard.shard}
        data-index={p.index}
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
              <span className="shard-age" data-age ref={ageRef} title="Age of the last entry">
                <span className="age-dot" aria-hidden="true" />
                <span data-age-text />
              </span>
              <ProblemBadges problems={p.problems} max={3} />
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
            <ProblemBadges problems={p.problems} max={3} />
          </span>
        )}
      </button>
      {p.canAdd ? (
        <button type="button" className="shard-add" onClick={() => p.onAdd(shard.shard)} aria-label={`Open shard ${shard.shard} in a new lane`} title="Open in a new lane" data-add-lane={shard.shard} tabIndex={-1}>
          <Icon name="plus" className="icon-xs" />
        </button>
      ) : null}
    </div>
  );
});

/** Why the problem toggle and sort have nothing to work with (tester report #11). */
const NO_COUNTS = 'No problem counts yet: run an analysis (Analysis tab) or open shards to count problems';

const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);

/**
 * Every shard of the prefix (sparse ids as they are, up to 65,536), with length, first and last
 * entry time, append rate, the age of the last entry and problem badges (issue 13), refreshed every
 * few seconds while the window is visible; a filter box (id, id prefix or range, key substring,
 * `has:problems`), a sort (id, length, rate, problems first) and keyboard navigation; and the keys
 * that look like shards but are not, with the reason. Only the rows on screen are in the DOM.
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
  const problems = useShardProblems();
  // The sidebar is on screen in every view, so it stays fresh in every view (one bounded SCAN every few seconds).
  useAutoRefresh(ready, () => load({ quiet: true }));
  // A failover moves shards to another node: discover again at once rather than at the next
  // (possibly slowed-down) tick, so a "SCAN on cluster master ...: Connection is closed" from the
  // dead master clears as soon as the cluster has a new one.
  const api = useApp((s) => s.api);
  useEffect(() => api.on('topology:changed', () => void load({ quiet: true })), [api, load]);

  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<ShardSort>('id');
  const [problemsOnly, setProblemsOnly] = useState(false);
  // Typing stays responsive at 65,536 shards: the list follows the box a frame later. A key that
  // acts on the list (↓, Enter) first brings the list up to the box's text (`keyFilter`, rendered
  // at once with flushSync), so it never acts on the rows of an older filter (tester report #1:
  // "#60000", ↓, Enter opened #0 from the stale, unfiltered list).
  const deferredFilter = useDeferredValue(filter);
  const [keyFilter, setKeyFilter] = useState<string | null>(null);
  const listFilter = keyFilter === filter ? filter : deferredFilter;
  const all = result?.shards;
  const view = useMemo(() => {
    if (!all) return [];
    const q = parseShardQuery(problemsOnly ? `${listFilter} has:problems` : listFilter);
    return viewShards(all, q, sort, problems);
  }, [all, listFilter, sort, problems, problemsOnly]);
  // The list as last rendered, for key handlers that run right after a flushSync.
  const viewRef = useRef(view);
  viewRef.current = view;
  /** Renders the list for exactly the filter box's text now, if it is behind. */
  const catchUp = () => {
    if (listFilter !== filter) flushSync(() => setKeyFilter(filter));
  };
  const filtered = !isEmptyQuery(parseShardQuery(filter)) || problemsOnly;
  const withProblems = useMemo(() => countWithProblems(problems), [problems]);

  const inLanes = useMemo(() => new Set(mode === 'lanes' ? lanes.map((l) => l.shard) : []), [mode, lanes]);
  const canAdd = lanes.length > 0 && lanes.length < MAX_LANES;
  const onOpen = useCallback((shard: number, newLane: boolean) => openShard(shard, { newLane }), [openShard]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const filterRef = useRef<HTMLInputElement>(null);
  const virtualizer = useVirtualizer({
    count: view.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => SHARD_ROW_H,
    overscan: 4,
    getItemKey: (i) => view[i]?.shard ?? i,
  });

  // Keyboard: Ctrl/⌘+G ("go to shard") focuses the filter from anywhere (Ctrl+K is Find's).
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && (e.key === 'g' || e.key === 'G')) {
        e.preventDefault();
        filterRef.current?.focus();
        filterRef.current?.select();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Arrow keys move the focus row by row; the row is scrolled in first, then focused once mounted.
  const pendingFocus = useRef<number | null>(null);
  const focusRow = useCallback(
    (index: number) => {
      const length = viewRef.current.length;
      if (length === 0) return;
      const i = Math.max(0, Math.min(length - 1, index));
      pendingFocus.current = i;
      virtualizer.scrollToIndex(i, { align: 'auto' });
      const el = scrollRef.current?.querySelector<HTMLButtonElement>(`button.shard-item[data-index="${i}"]`);
      if (el) {
        pendingFocus.current = null;
        el.focus({ preventScroll: true });
      }
    },
    [virtualizer],
  );
  const items = virtualizer.getVirtualItems();
  useLayoutEffect(() => {
    const i = pendingFocus.current;
    if (i === null) return;
    const el = scrollRef.current?.querySelector<HTMLButtonElement>(`button.shard-item[data-index="${i}"]`);
    if (el) {
      pendingFocus.current = null;
      el.focus({ preventScroll: true });
    }
  });

  const onListKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const target = e.target as HTMLElement;
    const at = Number(target.closest<HTMLElement>('button.shard-item')?.dataset.index ?? NaN);
    if (Number.isNaN(at)) return;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? SHARD_ROW_H) / SHARD_ROW_H) - 1);
    let next: number | null = null;
    if (e.key === 'ArrowDown' || e.key === 'j') next = at + 1;
    else if (e.key === 'ArrowUp' || e.key === 'k') {
      if (at === 0) {
        e.preventDefault();
        filterRef.current?.focus();
        return;
      }
      next = at - 1;
    } else if (e.key === 'PageDown') next = at + page;
    else if (e.key === 'PageUp') next = at - page;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = view.length - 1;
    else if (e.key === 'Enter') {
      // Exactly the highlighted row's shard.
      const shard = Number(target.closest<HTMLElement>('button.shard-item')?.dataset.shard ?? NaN);
      if (!Number.isNaN(shard)) {
        e.preventDefault();
        openShard(shard, { newLane: e.shiftKey });
      }
      return;
    }
    if (next === null || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    focusRow(next);
  };

  const onFilterKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      catchUp();
      focusRow(0);
    } else if (e.key === 'Enter') {
      catchUp();
      const s = viewRef.current[0];
      if (s) {
        e.preventDefault();
        openShard(s.shard, { newLane: e.shiftKey });
      }
    } else if (e.key === 'Escape') {
      if (filter !== '') {
        e.preventDefault();
        setFilter('');
      } else filterRef.current?.blur();
    }
  };

  // A shard opened from elsewhere (Analysis, a link, the lane picker) is scrolled into view, once per change.
  const shownSelected = useRef<number | null>(null);
  useEffect(() => {
    if (mode !== 'lanes' || selected === null || shownSelected.current === selected) return;
    shownSelected.current = selected;
    const i = view.findIndex((s) => s.shard === selected);
    if (i >= 0) virtualizer.scrollToIndex(i, { align: 'auto' });
  }, [mode, selected, view, virtualizer]);

  // Back to the top when the filter or the order changes (the first match is what Enter opens).
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [listFilter, sort, problemsOnly]);

  const skipped = result?.skipped ?? [];
  const total = result?.shards.length ?? 0;

  return (
    <nav className="sidebar" aria-label="Shards" data-region="sidebar">
      <div className="sidebar-head">
        <Icon name="layers" />
        <span className="sidebar-title">Shards</span>
        {result ? (
          <span className="badge badge-count" data-shard-count={total} data-shown={view.length}>
            {filtered ? `${formatCount(view.length)} / ${formatCount(total)}` : formatCount(total)}
          </span>
        ) : null}
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
      {result && total > 0 ? (
        <div className="sidebar-tools">
          <div className="search-field sidebar-filter">
            <Icon name="search" className="icon-xs search-field-icon" />
            <input
              ref={filterRef}
              className="input input-sm search-field-input sidebar-filter-input"
              type="search"
              placeholder="Filter id, range, key"
              aria-label="Filter shards"
              title={'Shard id prefix (12), exact id (#12), range (10-20), key substring, or has:problems.\nSpaces: all must match; commas: any may.\n↓ moves to the list, Enter opens the first match.'}
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
              onKeyDown={onFilterKey}
              spellCheck={false}
              autoComplete="off"
              data-shard-filter
            />
            {filter === '' ? <kbd className="keycap sidebar-filter-key">{isMac ? '⌘G' : 'Ctrl G'}</kbd> : null}
          </div>
          <div className="sidebar-tools-row">
            <select className="input input-sm select sidebar-sort" value={sort} onChange={(e) => setSort(e.target.value as ShardSort)} aria-label="Sort shards" data-shard-sort>
              {SHARD_SORTS.map((o) => (
                <option key={o.value} value={o.value} title={o.value === 'problems' && problems.size === 0 ? NO_COUNTS : undefined}>
                  {o.value === 'problems' && problems.size === 0 ? `${o.label} (no counts yet)` : o.label}
                </option>
              ))}
            </select>
            <button
              type="button"
              className={`btn btn-sm sidebar-problems${problemsOnly ? ' is-on' : ''}`}
              aria-pressed={problemsOnly}
              onClick={() => setProblemsOnly((v) => !v)}
              disabled={problems.size === 0}
              title={problems.size === 0 ? `${NO_COUNTS} (corrupt, duplicate, collision, gap and misrouted entries per shard)` : `Only shards with problems (${withProblems} of ${problems.size} analysed)`}
              data-shard-problems-only
            >
              <Icon name="alert" className="icon-xs" />
              Problems
              {problems.size > 0 ? (
                <span className="badge badge-count badge-xs" data-tone={withProblems > 0 ? 'danger' : 'ok'}>
                  {withProblems}
                </span>
              ) : null}
            </button>
          </div>
          {problems.size === 0 && (sort === 'problems' || problemsOnly) ? (
            <p className="sidebar-hint" data-shard-sort-hint>
              <Icon name="alert" className="icon-xs" />
              No problem counts yet: run an analysis or open shards to count problems. Sorted by shard id meanwhile.
            </p>
          ) : null}
        </div>
      ) : null}
      {error ? (
        <div className="sidebar-notice">
          <ErrorNotice error={error} compact title="Shard discovery failed" />
        </div>
      ) : null}
      <div className="sidebar-scroll" ref={scrollRef} onKeyDown={onListKey}>
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
        ) : total === 0 ? (
          <div className="sidebar-empty">
            No <code>{result.prefix}:shard:&lt;n&gt;</code> streams on this server. Check the prefix.
          </div>
        ) : view.length === 0 ? (
          <div className="sidebar-empty" data-shard-none>
            No shard matches{filter.trim() !== '' ? <> “{filter.trim()}”</> : null}
            {problemsOnly ? ' with problems' : ''}.{' '}
            <button
              type="button"
              className="btn btn-ghost btn-sm"
              onClick={() => {
                setFilter('');
                setProblemsOnly(false);
              }}
            >
              Clear filter
            </button>
          </div>
        ) : (
          <div className="shard-list" data-shard-list role="list" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((vi) => {
              const s = view[vi.index];
              if (!s) return null;
              return (
                <ShardItem
                  key={vi.key}
                  shard={s}
                  index={vi.index}
                  start={vi.start}
                  selected={mode === 'lanes' && s.shard === selected}
                  inLane={inLanes.has(s.shard)}
                  canAdd={canAdd}
                  problems={problems.get(s.shard)}
                  onOpen={onOpen}
                  onAdd={addLane}
                />
              );
            })}
          </div>
        )}
        {skipped.length > 0 ? (
          <details className="skipped" data-skipped open={skipped.length <= 20}>
            <summary>
              <Icon name="alert" className="icon-xs" />
              Skipped keys
              <span className="badge badge-count" data-tone="warn">{skipped.length}</span>
            </summary>
            <ul className="skipped-list">
              {skipped.slice(0, MAX_SKIPPED_SHOWN).map((k) => (
                <li key={k.key} data-skipped-key={k.key}>
                  <span className="skipped-key mono">{k.key}</span>
                  <span className="skipped-reason">{k.reason}</span>
                </li>
              ))}
              {skipped.length > MAX_SKIPPED_SHOWN ? <li className="skipped-more muted">and {formatCount(skipped.length - MAX_SKIPPED_SHOWN)} more (`mesh-inspector shards --json` lists them all)</li> : null}
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

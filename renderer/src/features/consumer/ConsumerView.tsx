import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { CONSUMER_FILTERS, type ConsumerCounts, type ConsumerFilter, type ConsumerProgress, type ConsumerRow, type ConsumerVerdict } from '../../../../shared/consumer';
import { DEFAULT_DEDUP_CAPACITY, MAX_DEDUP_CAPACITY } from '../../../../shared/dedup-window';
import type { MeshErrorInfo } from '../../../../shared/types';
import { toApiError } from '../../api';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon } from '../../components/Icon';
import { ShardCombobox } from '../../components/ShardCombobox';
import { formatCount } from '../../lib/format';
import { useApp } from '../../store';
import { useConsumerRows } from './use-consumer-rows';
import './consumer.css';

const ROW_HEIGHT = 30;
const DEFAULT_LIMIT = 1000;

const FILTER_LABELS: Record<ConsumerFilter, string> = {
  all: 'All',
  delivered: 'Delivered',
  dropped: 'Dropped',
  'let-through': 'Let through',
  skipped: 'Skipped',
};

const VERDICTS: Record<ConsumerVerdict, { label: string; tone?: 'ok' | 'warn' | 'danger' | 'accent'; help: string }> = {
  delivered: { label: 'delivered', tone: 'ok', help: 'First copy of its dedup_id: delivered' },
  'no-id': { label: 'delivered · no id', help: 'No dedup_id field: delivered, a consumer cannot dedup it' },
  dropped: { label: 'dropped dup', tone: 'accent', help: 'Its dedup_id was still in the window: dropped as a duplicate' },
  'let-through': { label: 'let through', tone: 'danger', help: 'A duplicate whose first copy the window had already evicted: delivered twice' },
  skipped: { label: 'skipped corrupt', tone: 'warn', help: 'Corrupt: poll_shard skips it and moves the cursor past it' },
};

function filterCount(c: ConsumerCounts, f: ConsumerFilter): number {
  switch (f) {
    case 'all':
      return c.entries;
    case 'delivered':
      return c.delivered + c.noId + c.letThrough;
    case 'dropped':
      return c.dropped;
    case 'let-through':
      return c.letThrough;
    case 'skipped':
      return c.skipped;
  }
}

function parseIntField(text: string, min: number, max: number): number | null {
  if (!/^\d{1,9}$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= min && n <= max ? n : null;
}

/**
 * The consumer view (issue 13): "what did a consumer see?". Replays a shard from a cursor the way
 * net-mesh's `poll_shard` reads it, with a chosen `limit`, through a dedup window of a chosen
 * capacity, and lists every entry with its fate: delivered, dropped as a duplicate, let through
 * (copies farther apart than the window), skipped as corrupt. Alt+5 opens it on the selected shard.
 * The core keeps the verdicts (one byte an entry); this view fetches only the rows on screen.
 */
const NO_SHARDS: never[] = [];

export function ConsumerView() {
  const api = useApp((s) => s.api);
  const shards = useApp((s) => s.shards?.shards ?? null);
  const selectedShard = useApp((s) => s.selectedShard);
  const view = useApp((s) => s.view);
  const target = useApp((s) => (s.connection ? `${s.connection.profileId ?? ''}|${s.connection.url ?? ''}|${s.connection.prefix ?? ''}` : ''));

  const [shard, setShardOnly] = useState<number | null>(selectedShard);
  // The picker's text: the chosen id, or what is being typed (a searchable, virtualized
  // combobox: one DOM node per shard on screen, not per shard — tester report #4).
  const [shardText, setShardText] = useState(selectedShard === null ? '' : String(selectedShard));
  const setShard = useCallback((n: number | null) => {
    setShardOnly(n);
    setShardText(n === null ? '' : String(n));
  }, []);
  const onShardText = (text: string) => {
    setShardText(text);
    // Typing a discovered shard's exact id chooses it; anything else waits for a pick.
    const t = text.trim().replace(/^#/, '');
    const n = /^\d{1,5}$/.test(t) ? Number(t) : NaN;
    setShardOnly(shards?.some((s) => s.shard === n) ? n : null);
  };
  const [from, setFrom] = useState('');
  const [limit, setLimit] = useState(String(DEFAULT_LIMIT));
  const [capacity, setCapacity] = useState(String(DEFAULT_DEDUP_CAPACITY));
  const [job, setJob] = useState<ConsumerProgress | null>(null);
  const [error, setError] = useState<MeshErrorInfo | null>(null);
  const [starting, setStarting] = useState(false);
  const [filter, setFilter] = useState<ConsumerFilter>('all');
  const [selected, setSelected] = useState<number | null>(null);
  const jobIdRef = useRef<string | null>(null);
  const listRef = useRef<HTMLDivElement>(null);

  // Opening the view (Alt+5) follows the shard selected in the sidebar, unless a replay runs; the
  // last replay stays on screen, named by its shard, until the next one starts.
  const runningNow = job?.state === 'running';
  useEffect(() => {
    if (view === 'consumer' && !runningNow && selectedShard !== null) setShard(selectedShard);
  }, [view, selectedShard, runningNow, setShard]);

  // Another connection: the core dropped the replay.
  useEffect(() => {
    jobIdRef.current = null;
    setJob(null);
    setSelected(null);
  }, [target]);

  useEffect(
    () =>
      api.on('consumer:progress', (p) => {
        if (p.jobId === jobIdRef.current) setJob(p);
      }),
    [api],
  );

  const limitN = parseIntField(limit, 1, 10_000);
  const capacityN = parseIntField(capacity, 1, MAX_DEDUP_CAPACITY);
  const fromOk = from.trim() === '' || /^\d{1,20}-\d{1,20}$/.test(from.trim());
  const running = job?.state === 'running';
  const canStart = shard !== null && limitN !== null && capacityN !== null && fromOk && !starting && !running;

  const start = useCallback(async () => {
    if (shard === null || limitN === null || capacityN === null || !fromOk) return;
    setStarting(true);
    setError(null);
    setSelected(null);
    try {
      const p = await api.invoke('consumer:start', { shard, from: from.trim() === '' ? null : from.trim(), limit: limitN, capacity: capacityN });
      jobIdRef.current = p.jobId;
      setJob(p);
      // A fast replay may have finished before its id was known here.
      const now = await api.invoke('consumer:status', { jobId: p.jobId });
      if (jobIdRef.current === p.jobId) setJob((cur) => (cur && cur.counts.entries > now.counts.entries && cur.state !== 'running' ? cur : now));
    } catch (e) {
      setError(toApiError(e).toInfo());
    } finally {
      setStarting(false);
    }
  }, [api, shard, from, limitN, capacityN, fromOk]);

  const cancel = useCallback(() => {
    if (job && job.state === 'running') void api.invoke('consumer:cancel', { jobId: job.jobId }).catch(() => {});
  }, [api, job]);

  const counts = job?.counts ?? null;
  const total = counts ? filterCount(counts, filter) : 0;
  const virtualizer = useVirtualizer({ count: total, getScrollElement: () => listRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  const rowAt = useConsumerRows(api, job?.jobId ?? null, filter, total, items[0]?.index ?? 0, items[items.length - 1]?.index ?? -1);
  const selectedRow = selected !== null ? rowAt(selected) : undefined;

  const changeFilter = (f: ConsumerFilter) => {
    setFilter(f);
    setSelected(null);
    virtualizer.scrollToOffset(0);
  };

  /** Shows replay position `index` in the All list (the previous copy of a duplicate). */
  const reveal = async (index: number) => {
    if (!job) return;
    setFilter('all');
    setSelected(index);
    requestAnimationFrame(() => virtualizer.scrollToIndex(index, { align: 'center' }));
  };

  const onListKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (total === 0) return;
    const cur = selected ?? -1;
    let next: number | null = null;
    if (e.key === 'ArrowDown' || e.key === 'j') next = Math.min(total - 1, cur + 1);
    else if (e.key === 'ArrowUp' || e.key === 'k') next = Math.max(0, cur - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = total - 1;
    else if (e.key === 'PageDown') next = Math.min(total - 1, cur + Math.max(1, items.length - 4));
    else if (e.key === 'PageUp') next = Math.max(0, cur - Math.max(1, items.length - 4));
    else if (e.key === 'p' && selectedRow?.prevIndex !== undefined) {
      e.preventDefault();
      void reveal(selectedRow.prevIndex);
      return;
    }
    if (next === null) return;
    e.preventDefault();
    setSelected(next);
    virtualizer.scrollToIndex(next);
  };

  // Digits 1-5 pick a filter, Escape cancels a running replay (not while typing in a field).
  useEffect(() => {
    if (view !== 'consumer') return;
    const onKey = (e: globalThis.KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.altKey || e.ctrlKey || e.metaKey || (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA'))) return;
      const k = Number(e.key);
      if (Number.isInteger(k) && k >= 1 && k <= CONSUMER_FILTERS.length && job) {
        e.preventDefault();
        changeFilter(CONSUMER_FILTERS[k - 1]!);
      } else if (e.key === 'Escape' && running) {
        cancel();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (canStart) void start();
  };

  const done = counts?.entries ?? 0;
  const frac = job && job.total > 0 ? Math.min(1, done / job.total) : running ? 0 : 1;

  return (
    <main className="pane cv" data-view="consumer" aria-label="Consumer replay">
      <div className="pane-head">
        <div className="pane-title">
          <span className="pane-title-main">Consumer replay</span>
          <span className="pane-key">what a poll_shard consumer with a dedup window delivered</span>
        </div>
      </div>
      <div className="pane-body cv-body">
        <form className="card cv-form" onSubmit={onSubmit} aria-label="Replay options" data-consumer-form>
          <div className="field cv-field cv-shard">
            <label className="field-label" htmlFor="cv-shard">
              Shard
            </label>
            <ShardCombobox
              id="cv-shard"
              className="cv-shard-combo"
              shards={shards ?? NO_SHARDS}
              value={shardText}
              onValueChange={onShardText}
              onPick={(n) => setShard(n)}
              placeholder="Type or pick a shard"
              ariaLabel="Shard to replay"
              disabled={running}
              invalid={shardText.trim() !== '' && shard === null}
              inputData={{ 'data-consumer-shard': true }}
            />
          </div>
          <label className={`field cv-field cv-from${fromOk ? '' : ' field-invalid'}`}>
            <span className="field-label">After cursor</span>
            <input className="input input-sm input-mono" value={from} onChange={(e) => setFrom(e.target.value)} placeholder="oldest entry (XRANGE -)" disabled={running} spellCheck={false} data-consumer-from />
          </label>
          <label className={`field cv-field cv-num${limitN === null ? ' field-invalid' : ''}`}>
            <span className="field-label" title="poll_shard's limit: XRANGE … COUNT limit+1, at most limit entries a page">
              Limit
            </span>
            <input className="input input-sm input-num" value={limit} onChange={(e) => setLimit(e.target.value)} inputMode="numeric" disabled={running} data-consumer-limit />
          </label>
          <label className={`field cv-field cv-num${capacityN === null ? ' field-invalid' : ''}`}>
            <span className="field-label" title="RedisStreamDedup capacity: FIFO by insertion, default 4096, at most 16,777,216">
              Dedup window
            </span>
            <input className="input input-sm input-num" value={capacity} onChange={(e) => setCapacity(e.target.value)} inputMode="numeric" disabled={running} data-consumer-capacity />
          </label>
          <span className="spacer" />
          {running ? (
            <button type="button" className="btn btn-sm" onClick={cancel} data-action="cancel-consumer" title="Cancel (Esc)">
              Cancel
            </button>
          ) : null}
          <button type="submit" className="btn btn-sm btn-primary" disabled={!canStart} data-action="run-consumer" title="Replay (Enter)">
            <Icon name="refresh" />
            {job ? 'Replay again' : 'Replay'}
          </button>
        </form>

        {error ? <ErrorNotice error={error} title="Could not replay the shard" onDismiss={() => setError(null)} /> : null}
        {job?.error ? <ErrorNotice error={job.error} title="The replay stopped" /> : null}

        {job === null ? (
          <section className="card empty-card cv-empty" data-consumer-empty>
            <Icon name="flask" className="empty-icon" />
            <span className="empty-title">What did a consumer see?</span>
            <span className="muted small">
              Reads the shard page by page exactly as net-mesh&apos;s <code>poll_shard</code> does (exclusive cursor, <code>COUNT limit+1</code>, corrupt entries skipped) and
              passes each event through a <code>RedisStreamDedup</code> window. Every entry is listed with what the consumer did with it.
            </span>
          </section>
        ) : (
          <>
            <section className="card cv-summary" aria-label="Replay summary" data-consumer-state={job.state} data-consumer-entries={done} data-consumer-job={job.jobId}>
              <div className="cv-progress">
                {running ? <span className="spinner" aria-hidden="true" /> : null}
                <span className="cv-progress-text">
                  <b className="mono">{formatCount(done)}</b>
                  {job.total > 0 ? (
                    <>
                      {' '}
                      of <span className="mono">{formatCount(job.total)}</span>
                    </>
                  ) : null}{' '}
                  entries in <b className="mono">{formatCount(counts?.pages ?? 0)}</b> polls of {formatCount(job.limit)} · shard <span className="mono">#{job.shard}</span> · window{' '}
                  <span className="mono">{formatCount(job.capacity)}</span>
                  {job.entriesPerSec > 0 ? (
                    <>
                      {' '}
                      · <span className="mono">{formatCount(job.entriesPerSec)}</span>/s
                    </>
                  ) : null}
                </span>
                <span className="spacer" />
                <span className="badge badge-sm" data-tone={job.state === 'done' ? 'ok' : job.state === 'failed' ? 'danger' : job.state === 'cancelled' ? 'warn' : 'accent'} data-consumer-job-state>
                  {job.state}
                </span>
              </div>
              <div className="progress progress-sm" role="progressbar" aria-label="Replay progress" aria-valuemin={0} aria-valuemax={job.total} aria-valuenow={done}>
                <div className="progress-fill" style={{ transform: `scaleX(${frac})` }} />
              </div>
              {counts ? (
                <div className="cv-tiles">
                  <Tile id="delivered" label="Delivered" value={counts.delivered + counts.noId} sub={counts.noId > 0 ? `first copies; ${formatCount(counts.noId)} without dedup_id` : 'first copies, each id once'} />
                  <Tile id="dropped" label="Dropped" value={counts.dropped} sub="caught by the window" />
                  <Tile id="let-through" label="Let through" value={counts.letThrough} sub="duplicates delivered again" tone="danger" />
                  <Tile id="skipped" label="Skipped" value={counts.skipped} sub="corrupt, cursor moves on" tone="warn" />
                  <Tile id="default-let-through" label="Default consumer" value={counts.defaultLetThrough} sub={`delivers twice (${formatCount(DEFAULT_DEDUP_CAPACITY)} ids)`} tone="danger" />
                  <Tile id="window-needed" label="Window for all" value={counts.windowNeeded} sub={counts.windowNeeded === 0 ? 'no duplicates' : 'ids catch them all'} />
                </div>
              ) : null}
            </section>

            <section className="card cv-list-card" aria-label="Entries as the consumer saw them">
              <div className="card-head">
                <div className="seg seg-sm" role="radiogroup" aria-label="Show">
                  {CONSUMER_FILTERS.map((f, k) => (
                    <button
                      key={f}
                      type="button"
                      role="radio"
                      aria-checked={filter === f}
                      className={filter === f ? 'seg-btn active' : 'seg-btn'}
                      onClick={() => changeFilter(f)}
                      title={`${FILTER_LABELS[f]} (${k + 1})`}
                      data-consumer-filter={f}
                      data-count={counts ? filterCount(counts, f) : 0}
                    >
                      {FILTER_LABELS[f]}
                      <span className="badge badge-count badge-xs">{formatCount(counts ? filterCount(counts, f) : 0)}</span>
                    </button>
                  ))}
                </div>
                <span className="spacer" />
                <span className="muted small cv-keys">
                  <kbd className="kbd">j</kbd>/<kbd className="kbd">k</kbd> move · <kbd className="kbd">p</kbd> previous copy · <kbd className="kbd">1</kbd>–<kbd className="kbd">5</kbd> filter
                </span>
              </div>
              <div className="trow trow-head cv-row cv-head" role="row">
                <span role="columnheader" className="cv-num">
                  #
                </span>
                <span role="columnheader">Stream id</span>
                <span role="columnheader">dedup_id</span>
                <span role="columnheader">Consumer</span>
                <span role="columnheader">Previous copy</span>
                <span role="columnheader" className="cv-num" title="Duplicates: the smallest dedup window that catches this copy">
                  Window ≥
                </span>
              </div>
              <div className="cv-scroll" ref={listRef} tabIndex={0} onKeyDown={onListKey} role="grid" aria-label="Replayed entries" aria-rowcount={total} data-consumer-list data-total={total}>
                {total === 0 ? (
                  <div className="card-empty muted">{running ? 'Reading…' : 'No entry matches this filter.'}</div>
                ) : (
                  <div className="cv-spacer" style={{ height: virtualizer.getTotalSize() }}>
                    {items.map((it) => (
                      <ConsumerRowView key={it.key} position={it.index} start={it.start} row={rowAt(it.index)} selected={selected === it.index} onSelect={() => setSelected(it.index)} onPrev={reveal} />
                    ))}
                  </div>
                )}
              </div>
              {selectedRow ? <RowDetail row={selectedRow} shard={job.shard} capacity={job.capacity} onPrev={reveal} /> : null}
            </section>
          </>
        )}
      </div>
    </main>
  );
}

function Tile({ id, label, value, sub, tone }: { id: string; label: string; value: number; sub: string; tone?: 'warn' | 'danger' }) {
  return (
    <div className={`cv-tile${value > 0 && tone ? ` tone-${tone}` : ''}`} data-consumer-total={id} data-value={value}>
      <span className="caps-label" title={label}>
        {label}
      </span>
      <span className="cv-tile-value mono">{formatCount(value)}</span>
      <span className="cv-tile-sub" title={sub}>
        {sub}
      </span>
    </div>
  );
}

function VerdictBadge({ verdict }: { verdict: ConsumerVerdict }) {
  const v = VERDICTS[verdict];
  return (
    <span className="badge badge-sm" data-tone={v.tone} title={v.help}>
      {v.label}
    </span>
  );
}

function ConsumerRowView({ position, start, row, selected, onSelect, onPrev }: { position: number; start: number; row: ConsumerRow | undefined; selected: boolean; onSelect(): void; onPrev(index: number): void }) {
  return (
    <div
      className={`trow cv-row cv-item${selected ? ' is-selected' : ''}`}
      role="row"
      aria-selected={selected}
      style={{ transform: `translateY(${start}px)` }}
      onClick={onSelect}
      data-consumer-row={row?.index}
      data-verdict={row?.verdict}
      data-position={position}
    >
      {row ? (
        <>
          <span role="cell" className="cv-num mono muted">
            {formatCount(row.index)}
          </span>
          <span role="cell" className="mono cv-ellipsis">
            {row.id}
          </span>
          <span role="cell" className={`mono cv-ellipsis${row.dedupId === undefined ? ' muted' : ''}`}>
            {row.dedupId ?? '—'}
          </span>
          <span role="cell">
            <VerdictBadge verdict={row.verdict} />
          </span>
          <span role="cell" className="cv-ellipsis">
            {row.prevIndex !== undefined ? (
              <button
                type="button"
                className="cv-link mono"
                onClick={(e) => {
                  e.stopPropagation();
                  onPrev(row.prevIndex!);
                }}
                title="Show the previous copy (p)"
              >
                {row.prevId} <span className="muted">({formatCount(row.index - row.prevIndex)} earlier)</span>
              </button>
            ) : null}
          </span>
          <span role="cell" className="cv-num mono">
            {row.windowNeeded !== undefined ? formatCount(row.windowNeeded) : ''}
          </span>
        </>
      ) : (
        <span role="cell" className="muted cv-loading">
          …
        </span>
      )}
    </div>
  );
}

function RowDetail({ row, shard, capacity, onPrev }: { row: ConsumerRow; shard: number; capacity: number; onPrev(index: number): void }) {
  const api = useApp((s) => s.api);
  const v = VERDICTS[row.verdict];
  // A skipped entry: why net-mesh's reader refuses it (read from the entry itself, on demand).
  const [reason, setReason] = useState<{ id: string; text: string } | null>(null);
  useEffect(() => {
    if (row.verdict !== 'skipped') return;
    let live = true;
    api
      .invoke('events:entry', { shard, id: row.id })
      .then((e) => {
        if (live) setReason({ id: row.id, text: e === null ? 'the entry is gone (trimmed or deleted since the replay)' : e.status === 'corrupt' ? e.reason : 'it decodes now' });
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [api, shard, row.id, row.verdict]);
  let why = v.help + '.';
  if (row.verdict === 'skipped' && reason?.id === row.id) why += ` Reason: ${reason.text}.`;
  if (row.windowNeeded !== undefined) {
    why +=
      row.verdict === 'dropped'
        ? ` A window of ${formatCount(capacity)} still held the previous copy, ${formatCount(row.index - (row.prevIndex ?? row.index))} entries earlier.`
        : ` A window of ${formatCount(capacity)} had already evicted the previous copy, ${formatCount(row.index - (row.prevIndex ?? row.index))} entries earlier; catching it takes a window of at least ${formatCount(row.windowNeeded)}.`;
    if (row.defaultVerdict) why += ` A default consumer (${formatCount(DEFAULT_DEDUP_CAPACITY)}) ${row.defaultVerdict === 'dropped' ? 'drops it' : 'delivers it again'}.`;
  }
  return (
    <div className="cv-detail" data-consumer-detail={row.index} aria-live="polite">
      <VerdictBadge verdict={row.verdict} />
      <span className="mono">{row.id}</span>
      {row.dedupId !== undefined ? <span className="mono muted cv-ellipsis">{row.dedupId}</span> : null}
      <span className="cv-why">{why}</span>
      {row.prevIndex !== undefined ? (
        <button type="button" className="btn btn-sm" onClick={() => onPrev(row.prevIndex!)} data-action="consumer-prev">
          Previous copy
        </button>
      ) : null}
    </div>
  );
}

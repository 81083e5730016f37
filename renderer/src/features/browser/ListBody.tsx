import { useCallback, useEffect, useRef, useSyncExternalStore } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatCount } from '../../lib/format';
import { useApp } from '../../store';
import { EntryList, type EntryListHandle, type RowSource } from './EntryList';
import { FollowState, NewPill } from './LaneParts';
import { MAX_ROWS, type ListModel } from './list-model';

/**
 * A growing list (merged shards, or a shard's filter matches): rows in stream-id order, read on
 * as the view nears the end, with the scan's progress and a way to stop it.
 */
export function ListBody({ laneKey, model, stream, streamLength }: { laneKey: string; model: ListModel; stream: number | null; streamLength: number }) {
  const version = useSyncExternalStore(model.subscribe, model.getVersion);
  const select = useApp((s) => s.select);
  const selection = useApp((s) => (s.selection?.lane === laneKey ? s.selection : null));
  const detailOpen = useApp((s) => s.detailOpen);
  const setDetailOpen = useApp((s) => s.setDetailOpen);
  const listRef = useRef<EntryListHandle>(null);
  const rows = model.rows;
  const newest = model.order === 'newest';
  const liveEdge = model.live ? 'top' : null;

  const rowAt: RowSource = (i) => {
    const item = model.itemAt(i);
    if (item !== undefined && typeof item !== 'number') return { key: item.key, entry: undefined, shard: stream ?? 0, mark: undefined, position: null, state: 'ready', marker: item };
    const r = item === undefined ? undefined : rows[item];
    if (!r) return { key: `p${i}`, entry: undefined, shard: stream ?? 0, mark: undefined, position: null, state: 'loading' };
    return { key: `${r.shard}:${r.entry.id}`, entry: r.entry, shard: r.shard, mark: model.markOf(r), position: r.position ?? null, state: 'ready' };
  };
  const rowOfItem = (i: number): number | null => {
    const item = model.itemAt(i);
    return typeof item === 'number' ? item : null;
  };
  const onRange = useCallback((_first: number, last: number) => model.ensure(last - (model.itemCount - model.rows.length)), [model]);
  const onFollow = useCallback((at: boolean) => model.setFollowing(at), [model]);

  // The selected row's index, by id (rows shift when the tail inserts above).
  let selectedIndex: number | null = null;
  if (selection?.id) {
    const hint = selectedHint.get(model);
    if (hint !== undefined && rows[hint]?.entry.id === selection.id && rows[hint]?.shard === selection.shard) selectedIndex = hint;
    else {
      const found = rows.findIndex((r) => r.entry.id === selection.id && r.shard === selection.shard);
      selectedIndex = found >= 0 ? found : null;
      if (found >= 0) selectedHint.set(model, found);
    }
    if (selectedIndex !== null) selectedIndex = model.itemOf(selectedIndex);
  }
  const itemCount = model.itemCount;

  useEffect(() => {
    listRef.current?.scrollToIndex(0, 'start');
  }, [model]);
  // Back to the live end; a selected row (which pins the list) is let go.
  const resume = () => {
    if (selectedIndex !== null) select(null);
    listRef.current?.scrollToIndex(0, 'start');
  };

  const done = model.done;
  const filtered = model.filter !== null;
  const fromIndex = model.filter?.status !== undefined;
  const ix = model.indexStatus;
  const indexing = fromIndex && ix !== null && ix.state !== 'ready' && rows.length === 0 && !done;
  const total = filtered ? (fromIndex ? (model.matchTotal ?? 0) : streamLength) : 0;
  const pct = indexing
    ? Math.min(100, Math.floor((ix.indexed / Math.max(1, ix.total)) * 100))
    : total > 0
      ? Math.min(100, Math.floor(((fromIndex ? rows.length : model.scanned) / total) * 100))
      : 0;

  return (
    <>
      {filtered ? (
        <div className="scan" data-scan-state={done ? 'done' : model.stopped ? 'stopped' : 'scanning'} data-scan-filter={encodeURIComponent(JSON.stringify(model.filter))} data-scan-matches={rows.length}>
          {/* Index-served lists know their size: the bar shows the index's progress while it builds, or the scan's. */}
          {!fromIndex || indexing ? (
            <span className="ibar ibar-wide">
              <span className="ibar-fill" style={{ width: `${done ? 100 : pct}%` }} />
            </span>
          ) : null}
          {indexing ? (
            <span data-index-wait>
              {ix.state === 'failed' ? 'The shard index failed: ' : 'Indexing the shard: '}
              <b className="mono">{formatCount(ix.indexed)}</b> of {formatCount(ix.total)} entries · this filter answers from the index when it is ready
            </span>
          ) : fromIndex ? (
            <span data-index-served>
              <b className="mono">{formatCount(model.matchTotal ?? rows.length)}</b> {(model.matchTotal ?? rows.length) === 1 ? 'entry' : 'entries'} from the shard&apos;s index
              {!done ? <> · {formatCount(rows.length)} read (scroll for more)</> : null}
            </span>
          ) : (
            <span>
              {done ? 'Scanned all' : model.stopped ? 'Stopped after' : 'Scanning'} <b className="mono">{formatCount(model.scanned)}</b>
              {total > 0 && !done ? <> of {formatCount(total)}</> : null} entries in the core · <b className="mono">{formatCount(rows.length)}</b>{' '}
              {rows.length === 1 ? 'match' : 'matches'}
              {!done && !model.stopped && !model.loading ? ' so far (scroll for more)' : ''}
            </span>
          )}
          <span className="spacer" />
          {!model.duplicatesReady && !fromIndex ? <span className="muted small">index still building: duplicates may be missed</span> : null}
          {!done ? (
            model.stopped ? (
              <button type="button" className="btn btn-soft btn-sm" onClick={() => model.resume()} disabled={model.capped} data-action="resume-scan">
                Resume
              </button>
            ) : (
              <button type="button" className="btn btn-sm" onClick={() => model.cancel()} data-action="stop-scan">
                Stop
              </button>
            )
          ) : null}
        </div>
      ) : null}
      {model.error ? (
        <div className="lane-notice">
          <ErrorNotice error={model.error} compact title="Could not read" />
        </div>
      ) : null}
      <div className="lane-list">
        {rows.length === 0 && done ? (
          <div className="lane-empty" data-empty-list>
            <div className="empty-title">{filtered ? 'No entry matches' : 'No entries'}</div>
            <div className="empty-text">{fromIndex ? "The shard's index found none." : filtered ? `The core looked at ${formatCount(model.scanned)} entries.` : 'These streams are empty.'}</div>
          </div>
        ) : rows.length === 0 && filtered ? (
          <div className="lane-empty">
            <div className="empty-text">{indexing ? 'Waiting for the shard index: the matches come from it.' : model.stopped ? 'Stopped before a match was found.' : 'No match yet: the core is reading the shard.'}</div>
          </div>
        ) : null}
        <EntryList
          listRef={listRef}
          // Placeholder rows below the last match only while more are on their way.
          count={itemCount + (rows.length > 0 && model.loading && !model.stopped ? Math.min(8, MAX_ROWS - rows.length) : 0)}
          rowAt={rowAt}
          version={version}
          liveEdge={liveEdge}
          topInserted={model.topInserted}
          selectedIndex={selectedIndex}
          showShard={stream === null}
          label={filtered ? 'Filter matches' : `All shards, ${newest ? 'newest' : 'oldest'} first`}
          onRange={onRange}
          onFollow={onFollow}
          onSelect={(at, open) => {
            // The keyboard steps over a marker row to the row beyond it.
            let ri = rowOfItem(at);
            if (ri === null && at < itemCount) ri = rowOfItem(selectedIndex !== null && at < selectedIndex ? at - 1 : at + 1);
            const r = ri === null ? undefined : rows[ri];
            if (r) select({ lane: laneKey, shard: r.shard, id: r.entry.id, position: null }, open ?? detailOpen);
          }}
          onEscape={() => setDetailOpen(false)}
        />
        {liveEdge ? <NewPill count={model.newCount} edge="top" onClick={resume} /> : null}
      </div>
      <footer className="lane-foot">
        <span className={`live-dot${model.live ? ' is-live' : ''}`} data-live={model.live ? 'on' : 'off'} />
        <FollowState
          live={model.live}
          newCount={model.newCount}
          paused={selectedIndex !== null}
          idle={filtered ? 'filtered: no live tail' : newest ? 'starting the live tail…' : 'oldest first: no live tail'}
          onResume={resume}
        />
        <span className="foot-sep" />
        <span title="This list holds what has been read so far, in stream-id order; it reads more as you scroll.">
          {formatCount(rows.length)} loaded{model.capped ? ` (capped at ${formatCount(MAX_ROWS)})` : ''} · page by page, not positioned
        </span>
      </footer>
    </>
  );
}

/** Last known index of the selected row per list: selection lookups stay O(1) while rows only grow. */
const selectedHint = new WeakMap<ListModel, number>();

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore, type RefObject } from 'react';
import type { FilterQuery } from '../../../../shared/contract';
import { toApiError } from '../../api';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon } from '../../components/Icon';
import { formatCount } from '../../lib/format';
import type { JumpTarget } from '../../lib/jump-target';
import { shardById } from '../../models/shard-list-model';
import { useApp } from '../../store';
import type { LaneSpec } from '../../store/events-slice';
import { EntryList, type EntryListHandle, type RowSource } from './EntryList';
import { FilterBar, FollowState, IndexBadge, InvalidFilter, JumpBox, NewPill, OrderToggle } from './LaneParts';
import { ListModel } from './list-model';
import { PAGE_SIZE, PREVIEW_CHARS, StreamModel } from './stream-model';
import { ListBody } from './ListBody';
import { StreamFacts } from './StreamFacts';
import { GapRows, gapMarkers, type GapMarker } from './lane-rows';
import { runFind } from '../../lib/find-run';
import { parseDedupId } from '../../../../shared/dedup-id';

/**
 * One shard lane: the whole stream as a positioned list (StreamModel), or, with a filter, the
 * matches the core finds (ListModel over events:filter). Its own order, jump box, filter and
 * scroll; the lane that was last clicked is the focused one (the sidebar opens shards there).
 */
export function StreamLane({ spec, lanes, filterRef }: { spec: LaneSpec; lanes: number; filterRef: RefObject<HTMLInputElement | null> | null }) {
  const api = useApp((s) => s.api);
  const summary = useApp((s) => (s.shards ? shardById(s.shards.shards, spec.shard) : undefined));
  const focused = useApp((s) => s.focusedLane === spec.key);
  const focusLane = useApp((s) => s.focusLane);
  const removeLane = useApp((s) => s.removeLane);
  const setOrder = useApp((s) => s.setLaneOrder);
  const setFilter = useApp((s) => s.setLaneFilter);
  const reloadToken = useApp((s) => s.reloadToken);
  // One model per shard shown: opening another shard in this lane starts a fresh one.
  const initialLength = summary?.length ?? 0;
  const initialLengthRef = useRef(initialLength);
  initialLengthRef.current = initialLength;
  const model = useMemo(() => new StreamModel(api, spec.shard, initialLengthRef.current), [api, spec.shard]);
  // Only what the header shows: the lane itself does not re-render for every page or tail batch.
  const length = useSyncExternalStore(model.subscribe, () => model.length);
  const index = useSyncExternalStore(model.subscribe, () => model.index);
  const error = useSyncExternalStore(model.subscribe, () => model.error);
  const [listModel, setListModel] = useState<ListModel | null>(null);
  const [rescan, setRescan] = useState(0);
  const [factsOpen, setFactsOpen] = useState(false);
  const [invalidFilter, setInvalidFilter] = useState<string | null>(null);

  // A layout effect: the first reads leave before the browser paints the new lane.
  useLayoutEffect(() => {
    model.start();
    return () => model.stop();
  }, [model]);

  const seenReload = useRef(reloadToken);
  useEffect(() => {
    if (reloadToken === seenReload.current) return;
    seenReload.current = reloadToken;
    model.reload();
  }, [model, reloadToken]);

  // A filter turns the lane into the list of matches, read by the core page by page.
  const filterKey = spec.filter ? JSON.stringify(spec.filter) : null;
  useEffect(() => {
    if (!spec.filter) {
      setListModel(null);
      return;
    }
    const m = new ListModel(api, [spec.shard], spec.order, spec.filter, model.length);
    setListModel(m);
    m.start();
    return () => m.stop();
    // filterKey stands for spec.filter's content; the length is only the progress bar's total.
  }, [api, spec.shard, spec.order, filterKey, rescan, reloadToken]);

  const key = summary?.key ?? `shard ${spec.shard}`;
  const jump = useJump(spec, model);

  return (
    <section
      className={`lane${focused && lanes > 1 ? ' is-focused' : ''}`}
      data-lane={spec.key}
      data-lane-shard={spec.shard}
      data-lane-order={spec.order}
      data-lane-filtered={spec.filter ? 'true' : undefined}
      onMouseDownCapture={() => focusLane(spec.key)}
      onFocusCapture={() => focusLane(spec.key)}
    >
      <header className="lane-head">
        <div className="lane-title">
          <span className="lane-name">
            <span className="shard-hash">#</span>
            {spec.shard}
          </span>
          <code className="lane-key" title={key}>
            {key}
          </code>
        </div>
        <div className="lane-stats">
          <span data-lane-length={length}>
            <b className="mono">{formatCount(length)}</b> {length === 1 ? 'entry' : 'entries'}
          </span>
          <IndexBadge index={index} />
        </div>
        <span className="spacer" />
        <button
          type="button"
          className={`btn btn-ghost btn-sm lane-facts-btn${factsOpen ? ' is-active' : ''}`}
          aria-pressed={factsOpen}
          onClick={() => setFactsOpen((o) => !o)}
          title="What Redis keeps about this stream: entries added ever, removed, deleted ids, memory, consumer groups"
          data-action="stream-facts"
        >
          <Icon name="layers" className="icon-xs" />
          Facts
        </button>
        <OrderToggle order={spec.order} onChange={(o) => setOrder(spec.key, o)} />
        <button
          type="button"
          className="btn btn-ghost btn-icon btn-sm"
          onClick={() => (listModel ? setRescan((x) => x + 1) : model.reload())}
          aria-label="Reload page"
          title="Re-read what is shown"
        >
          <Icon name="refresh" />
        </button>
        {lanes > 1 ? (
          <button type="button" className="btn btn-ghost btn-icon btn-sm" onClick={() => removeLane(spec.key)} aria-label="Close lane" title="Close this lane">
            ×
          </button>
        ) : null}
      </header>
      {factsOpen ? <StreamFacts shard={spec.shard} /> : null}
      <div className="lane-tools">
        <FilterBar filter={spec.filter} onApply={(f: FilterQuery | null) => setFilter(spec.key, f)} inputRef={focused ? filterRef : undefined} onInvalid={setInvalidFilter} />
        <JumpBox key={spec.shard} onJump={jump} disabled={spec.filter !== null} />
      </div>
      {error && !listModel ? (
        <div className="lane-notice">
          <ErrorNotice error={error} compact title={`Could not read shard ${spec.shard}`} />
        </div>
      ) : null}
      {invalidFilter !== null ? (
        <InvalidFilter message={invalidFilter} />
      ) : listModel ? (
        <ListBody laneKey={spec.key} model={listModel} stream={spec.shard} streamLength={length} />
      ) : (
        <StreamBody spec={spec} model={model} key={`${spec.shard}:${spec.order}`} />
      )}
    </section>
  );
}

/**
 * The shard's gaps with where they lie (`gaps:list`), as markers: read when the index becomes
 * ready and again when it has grown by a step since (a live tail), never per row.
 */
function useGapMarkers(shard: number, ready: boolean, indexed: number): Array<GapMarker & { slot: number }> {
  const api = useApp((s) => s.api);
  const reloadToken = useApp((s) => s.reloadToken);
  const [markers, setMarkers] = useState<Array<GapMarker & { slot: number }>>(NO_MARKERS);
  // Re-read at most once per 4,096 newly indexed entries.
  const epoch = ready ? Math.floor(indexed / 4096) : -1;
  useEffect(() => {
    if (epoch < 0) return;
    let live = true;
    void api
      .invoke('gaps:list', { shard })
      .then((res) => {
        if (!live || !res.ready) return;
        const next = gapMarkers(res.gaps, res.places, res.headGaps, res.headPlaces);
        // The same (or no) gaps again: keep the rows as they are, nothing re-renders.
        setMarkers((prev) => (next.length === prev.length && next.every((m, k) => m.key === prev[k]?.key && m.slot === prev[k]?.slot) ? prev : next.length === 0 ? NO_MARKERS : next));
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [api, shard, epoch, reloadToken]);
  return markers;
}

const NO_MARKERS: Array<GapMarker & { slot: number }> = [];

/** How long a jump waits for its page before showing placeholders there. */
const REVEAL_WAIT_MS = 150;

/** Jump box → events:locate (ids, times) or a position → the lane scrolls there and selects it. */
function useJump(spec: LaneSpec, model: StreamModel): (t: JumpTarget) => Promise<string | null> {
  const api = useApp((s) => s.api);
  const revealAt = useApp((s) => s.revealAt);
  const revealId = useApp((s) => s.revealId);
  return useCallback(
    async (t: JumpTarget) => {
      if (t.kind === 'position') {
        if (t.position >= model.length) return `The stream has ${formatCount(model.length)} entries (#0 to #${formatCount(Math.max(0, model.length - 1))})`;
        revealAt(spec.key, t.position);
        return null;
      }
      if (t.kind === 'dedup') {
        // A dedup_id (issue 13): its copies in this shard, through the shard's index when it is ready.
        try {
          const run = await runFind(api, t.dedupId, { shards: [spec.shard] });
          const first = run.hits[0];
          if (!first) {
            const home = parseDedupId(t.dedupId)?.shard;
            const where = home !== undefined && home !== spec.shard ? ` (it names shard ${home})` : '';
            return `No entry with dedup_id ${t.dedupId} in shard ${spec.shard}${where}: Find (Ctrl+K) searches every shard`;
          }
          if (first.position !== undefined && first.position < model.length) revealAt(spec.key, first.position);
          else revealId(spec.key, first.id);
          return null;
        } catch (e) {
          return toApiError(e).message;
        }
      }
      try {
        // The page around the entry comes with the answer: the jump paints after one round trip.
        const gen = model.generation;
        const page = { size: PAGE_SIZE, previewChars: PREVIEW_CHARS };
        const res = await api.invoke('events:locate', t.kind === 'id' ? { shard: spec.shard, id: t.id, page } : { shard: spec.shard, timeMs: t.ms, page });
        if (res.page) model.accept(res.page, gen);
        if (res.id === null) {
          revealAt(spec.key, Math.max(0, model.length - 1));
          return t.kind === 'id' ? 'No entry at or after that id: showing the newest' : 'No entry at or after that time: showing the newest';
        }
        revealAt(spec.key, res.position);
        if (t.kind === 'id' && !res.found) return `No entry ${t.id}: showing the next one, ${res.id}`;
        return null;
      } catch (e) {
        return toApiError(e).message;
      }
    },
    [api, spec.key, spec.shard, model, revealAt, revealId],
  );
}

/** The whole stream, positioned: row i is position i (oldest first) or length-1-i (newest first). */
function StreamBody({ spec, model }: { spec: LaneSpec; model: StreamModel }) {
  const version = useSyncExternalStore(model.subscribe, model.getVersion);
  const setPageAt = useApp((s) => s.notePageAt);
  useEffect(() => {
    if (model.lastPageAt !== null) setPageAt(model.lastPageAt);
  }, [version, model, setPageAt]);
  const select = useApp((s) => s.select);
  const selection = useApp((s) => (s.selection?.lane === spec.key ? s.selection : null));
  const detailOpen = useApp((s) => s.detailOpen);
  const setDetailOpen = useApp((s) => s.setDetailOpen);
  const reveal = useApp((s) => (s.reveal?.lane === spec.key ? s.reveal : null));
  const api = useApp((s) => s.api);
  const listRef = useRef<EntryListHandle>(null);
  const newest = spec.order === 'newest';
  const n = model.length;
  // Gap markers between the entries that bound each gap (lane-rows.ts), once the index is ready.
  const markers = useGapMarkers(spec.shard, model.index?.state === 'ready', model.index?.indexed ?? 0);
  const rowsView = useMemo(() => new GapRows(markers, n, newest), [markers, n, newest]);
  const toPos = useCallback((i: number) => rowsView.positionNear(i), [rowsView]);
  const toIndex = (pos: number) => rowsView.indexOf(pos);

  const rowAt: RowSource = (i) => {
    const lr = rowsView.at(i);
    if (lr.kind === 'marker') return { key: lr.marker.key, entry: undefined, shard: spec.shard, mark: undefined, position: null, state: 'ready', marker: lr.marker };
    const r = model.rowAt(lr.position);
    // Keyed by position: a row keeps its element when its page arrives (placeholder to entry).
    return { key: String(r.position), entry: r.entry, shard: spec.shard, mark: r.mark, position: r.position, state: r.state };
  };

  // A reveal on its way (below) owns the model's view until it has moved the list there (at
  // most REVEAL_WAIT_MS): a re-render meanwhile must not send the model back to the old rows,
  // which would leave the revealed page unwanted when it arrives.
  const pending = useRef<{ position: number; select: boolean; at: number } | null>(null);
  const onRange = useCallback(
    (first: number, last: number) => {
      if (pending.current && performance.now() - pending.current.at < REVEAL_WAIT_MS) return;
      if (last <= first) return model.setView(0, -1);
      const a = toPos(first);
      const b = toPos(last - 1);
      model.setView(Math.min(a, b), Math.max(a, b));
    },
    [model, toPos],
  );
  const onFollow = useCallback((at: boolean) => model.setFollowing(at), [model]);

  // A selected placeholder gets its id once its page arrives.
  useEffect(() => {
    if (!selection || selection.id !== null || selection.position === null) return;
    const r = model.rowAt(selection.position);
    if (r.entry) select({ ...selection, id: r.entry.id });
  }, [version, selection, model, select]);

  // Reveal requests: jump box, links between duplicate copies, "show in shard". The page is asked
  // for at once (a layout effect: the read leaves before the next paint), and the view moves when
  // it has arrived (or after REVEAL_WAIT_MS), so a jump paints its rows once instead of painting
  // placeholders first; and only once the list is long enough to hold the position.
  const [, settle] = useState(0);
  useLayoutEffect(() => {
    if (!reveal) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const go = (position: number) => {
      if (!live) return;
      model.setView(Math.max(0, position - 20), position + 20);
      pending.current = { position, select: reveal.select, at: performance.now() };
      settle((x) => x + 1);
      timer = setTimeout(() => settle((x) => x + 1), REVEAL_WAIT_MS);
    };
    if (reveal.position !== undefined) go(reveal.position);
    else if (reveal.id !== undefined) {
      const gen = model.generation;
      void api
        .invoke('events:locate', { shard: spec.shard, id: reveal.id, page: { size: PAGE_SIZE, previewChars: PREVIEW_CHARS } })
        .then((res) => {
          if (res.page && live) model.accept(res.page, gen);
          go(res.position);
        })
        .catch(() => {});
    }
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // Only a new reveal request (its token) moves the view.
  }, [reveal?.token]);
  useLayoutEffect(() => {
    const p = pending.current;
    if (!p || n <= p.position) return;
    if (model.rowAt(p.position).state === 'loading' && performance.now() - p.at < REVEAL_WAIT_MS) return;
    pending.current = null;
    listRef.current?.scrollToIndex(toIndex(p.position), 'center');
    if (p.select) select({ lane: spec.key, shard: spec.shard, id: model.rowAt(p.position).entry?.id ?? null, position: p.position });
    listRef.current?.focus();
  });

  // Re-opening a lane in the other order: keep the selected entry in view.
  const initialSelection = useRef(selection?.position ?? null);
  useEffect(() => {
    const pos = initialSelection.current;
    if (pos !== null) listRef.current?.scrollToIndex(toIndex(pos), 'center');
  }, [model, newest]);

  const liveEdge = newest ? 'top' : 'bottom';
  const selectedIndex = selection?.position != null ? toIndex(selection.position) : null;
  // Back to the live end; a selected row (which pins the list) is let go.
  const resume = () => {
    if (selectedIndex !== null) select(null);
    listRef.current?.scrollToIndex(newest ? 0 : rowsView.count - 1, newest ? 'start' : 'end');
    model.setFollowing(true);
  };

  return (
    <>
      {n === 0 && model.index?.state === 'ready' ? (
        <div className="lane-empty">
          <div className="empty-title">This stream is empty</div>
          <div className="empty-text">New entries appear here as they are written.</div>
        </div>
      ) : null}
      <div className="lane-list">
        <EntryList
          listRef={listRef}
          count={rowsView.count}
          rowAt={rowAt}
          version={version}
          liveEdge={liveEdge}
          topInserted={newest ? n : 0}
          selectedIndex={selectedIndex}
          showShard={false}
          label={`Shard ${spec.shard}, ${newest ? 'newest' : 'oldest'} first`}
          onRange={onRange}
          onFollow={onFollow}
          onSelect={(at, open) => {
            // The keyboard steps over a marker row to the entry beyond it.
            const i = rowsView.at(at).kind === 'marker' ? (selectedIndex !== null && at < selectedIndex ? at - 1 : at + 1) : at;
            if (i < 0 || i >= rowsView.count || rowsView.at(i).kind === 'marker') return;
            const position = toPos(i);
            select({ lane: spec.key, shard: spec.shard, id: model.rowAt(position).entry?.id ?? null, position }, open ?? detailOpen);
          }}
          onEscape={() => setDetailOpen(false)}
        />
        <NewPill count={model.newCount} edge={liveEdge} onClick={resume} />
      </div>
      <footer className="lane-foot">
        <span className={`live-dot${model.tailActive ? ' is-live' : ''}`} data-live={model.tailActive ? 'on' : 'off'} />
        <FollowState live={model.tailActive} newCount={model.newCount} paused={selectedIndex !== null} idle="not live" onResume={resume} />
        <span className="foot-sep" />
        <span title="Positions count from the oldest entry (#0)">
          {model.exact ? 'positions exact' : 'positions estimated while indexing'}
        </span>
        <span className="spacer" />
        {model.lastPageMs !== null ? (
          <span className="muted" data-page-ms={Math.round(model.lastPageMs)} title="Request to answer of the last page read (500 entries)">
            page {Math.round(model.lastPageMs)} ms
          </span>
        ) : null}
      </footer>
    </>
  );
}

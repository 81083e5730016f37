/**
 * The shard browser's layout (issue 4): which shards are open in lanes (one to four, side by
 * side, each with its own order and filter), or the merged all-shards view; which entry is
 * selected and whether its detail is open; and "reveal" requests (jump to a position in a lane).
 * The entries themselves live in per-lane models (features/browser), never in this store, so a
 * live tail never re-renders anything but the rows it changes.
 */
import type { FilterQuery } from '../../../shared/contract';
import type { Slice } from './types';

export type LaneOrder = 'newest' | 'oldest';
export const MAX_LANES = 4;

export interface LaneSpec {
  /** Stable per lane (a shard can be open in two lanes, e.g. newest and oldest first). */
  key: string;
  shard: number;
  order: LaneOrder;
  filter: FilterQuery | null;
}

/** The selected entry: in which lane, and where (position is null in the merged or a filtered list until located). */
export interface Selection {
  lane: string;
  shard: number;
  id: string | null;
  position: number | null;
}

export interface RevealRequest {
  lane: string;
  /** Where to go: a position, or a stream id the lane locates first. */
  position?: number;
  id?: string;
  /** Select the entry there once it is loaded. */
  select: boolean;
  token: number;
}

export const MERGED_LANE = 'merged';

export interface EventsSlice {
  browseMode: 'lanes' | 'merged';
  lanes: LaneSpec[];
  focusedLane: string | null;
  merged: { order: LaneOrder; filter: FilterQuery | null };
  selection: Selection | null;
  detailOpen: boolean;
  reveal: RevealRequest | null;
  /** Epoch ms of the last page any lane received (status bar). */
  lastPageAt: number | null;
  /** Bumped to make every open lane re-read what it shows (after Redis or the link came back). */
  reloadToken: number;
  /** Opens a shard in the focused lane (or a new lane when asked and there is room). */
  openShard(shard: number, opts?: { newLane?: boolean }): void;
  addLane(shard: number): void;
  removeLane(key: string): void;
  focusLane(key: string): void;
  setLaneOrder(key: string, order: LaneOrder): void;
  setLaneFilter(key: string, filter: FilterQuery | null): void;
  setBrowseMode(mode: 'lanes' | 'merged'): void;
  setMergedOrder(order: LaneOrder): void;
  setMergedFilter(filter: FilterQuery | null): void;
  select(selection: Selection | null, open?: boolean): void;
  setDetailOpen(open: boolean): void;
  /** Scrolls a lane to a position (centred), selecting the entry there when `select`. */
  revealAt(lane: string, position: number, select?: boolean): void;
  /** Scrolls a lane to a stream id (located through the index), selecting it. */
  revealId(lane: string, id: string): void;
  /**
   * For other views ("show in browser"): switches to the Browse view, opens the shard in the
   * focused lane, optionally with a status filter, and scrolls to an entry (selected, detail open)
   * when `entryId` is given. A lane that already showed the shard re-reads it first, so what the
   * caller just wrote (a publish, a delete) is there.
   */
  showInBrowser(shard: number, opts?: { entryId?: string; filter?: 'corrupt' | 'duplicate'; position?: number }): void;
  /** Every open lane re-reads what it shows. */
  reloadLanes(): void;
  /** Opens the shard (as `selectShard`) and re-reads it: kept for callers written before the lanes. */
  loadFirstPage(shard: number): Promise<void>;
  notePageAt(at: number): void;
  clearEvents(): void;
}

let nextLane = 1;
let nextReveal = 1;
const laneKey = () => `lane-${nextLane++}`;

export const createEventsSlice: Slice<EventsSlice> = (set, get) => {
  const syncSelectedShard = () => {
    const s = get();
    const lane = s.lanes.find((l) => l.key === s.focusedLane) ?? s.lanes[0];
    const shard = s.browseMode === 'lanes' ? (lane?.shard ?? null) : s.selectedShard;
    if (shard !== s.selectedShard) set({ selectedShard: shard });
  };
  const patchLane = (key: string, patch: Partial<LaneSpec>) => set({ lanes: get().lanes.map((l) => (l.key === key ? { ...l, ...patch } : l)) });

  return {
    browseMode: 'lanes',
    lanes: [],
    focusedLane: null,
    merged: { order: 'newest', filter: null },
    selection: null,
    detailOpen: false,
    reveal: null,
    lastPageAt: null,
    reloadToken: 0,
    openShard(shard, opts = {}) {
      const s = get();
      if (s.browseMode !== 'lanes') set({ browseMode: 'lanes' });
      const lanes = get().lanes;
      const focused = lanes.find((l) => l.key === get().focusedLane) ?? lanes[0];
      if ((opts.newLane && lanes.length < MAX_LANES) || !focused) {
        get().addLane(shard);
        return;
      }
      if (focused.shard !== shard || focused.filter !== null) {
        // Same lane, new shard: the lane's frame stays; its list, cache and scroll start fresh.
        set({
          lanes: lanes.map((l) => (l.key === focused.key ? { key: l.key, shard, order: focused.order, filter: null } : l)),
          selection: s.selection?.lane === focused.key ? null : s.selection,
          detailOpen: s.selection?.lane === focused.key ? false : s.detailOpen,
        });
      }
      syncSelectedShard();
    },
    addLane(shard) {
      const lanes = get().lanes;
      if (lanes.length >= MAX_LANES) return;
      const key = laneKey();
      set({ lanes: [...lanes, { key, shard, order: 'newest', filter: null }], focusedLane: key, browseMode: 'lanes' });
      syncSelectedShard();
    },
    removeLane(key) {
      const s = get();
      const lanes = s.lanes.filter((l) => l.key !== key);
      set({
        lanes,
        focusedLane: s.focusedLane === key ? (lanes[0]?.key ?? null) : s.focusedLane,
        selection: s.selection?.lane === key ? null : s.selection,
        detailOpen: s.selection?.lane === key ? false : s.detailOpen,
      });
      syncSelectedShard();
    },
    focusLane(key) {
      if (get().focusedLane === key) return;
      set({ focusedLane: key });
      syncSelectedShard();
    },
    setLaneOrder(key, order) {
      patchLane(key, { order });
    },
    setLaneFilter(key, filter) {
      patchLane(key, { filter });
    },
    setBrowseMode(mode) {
      if (get().browseMode === mode) return;
      set({ browseMode: mode, selection: null, detailOpen: false });
      syncSelectedShard();
    },
    setMergedOrder(order) {
      set({ merged: { ...get().merged, order } });
    },
    setMergedFilter(filter) {
      set({ merged: { ...get().merged, filter } });
    },
    select(selection, open) {
      set({ selection, ...(open === undefined ? {} : { detailOpen: open && selection !== null }) });
      if (selection === null) set({ detailOpen: false });
    },
    setDetailOpen(open) {
      set({ detailOpen: open && get().selection !== null });
    },
    revealAt(lane, position, select = true) {
      set({ reveal: { lane, position, select, token: nextReveal++ } });
    },
    revealId(lane, id) {
      set({ reveal: { lane, id, select: true, token: nextReveal++ } });
    },
    showInBrowser(shard, opts = {}) {
      get().setView('browse');
      const s0 = get();
      const before = s0.browseMode === 'lanes' ? s0.lanes.find((l) => l.key === s0.focusedLane)?.shard : undefined;
      get().openShard(shard);
      const lane = get().focusedLane;
      if (!lane) return;
      // Already open: what it shows may predate what the caller just did (a publish, a delete).
      if (before === shard) get().reloadLanes();
      if (opts.filter) get().setLaneFilter(lane, { status: opts.filter });
      if (opts.entryId) {
        // `position` (Find, issue 13: counted exactly by the search) goes straight there; otherwise the id is located.
        const at = opts.position !== undefined ? { position: opts.position } : { id: opts.entryId };
        set({ reveal: { lane, ...at, select: true, token: nextReveal++ }, detailOpen: true });
      }
    },
    reloadLanes() {
      set({ reloadToken: get().reloadToken + 1 });
    },
    async loadFirstPage(shard) {
      get().openShard(shard);
      get().reloadLanes();
    },
    notePageAt(at) {
      const prev = get().lastPageAt;
      // The status bar shows seconds: no need to re-render it for every page.
      if (prev === null || at - prev > 1000) set({ lastPageAt: at });
    },
    clearEvents() {
      set({ lanes: [], focusedLane: null, selection: null, detailOpen: false, reveal: null, browseMode: 'lanes', lastPageAt: null, merged: { order: 'newest', filter: null } });
    },
  };
};

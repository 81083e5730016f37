/**
 * A list that grows page by page from one or more shards, merged by stream id: the merged
 * all-shards view, and a shard filtered on the server (`events:filter`). Unlike StreamModel it is
 * not positioned over the whole stream: it holds what has been read so far, in order, and reads
 * on as the view nears its end (the UI says so).
 *
 * The merge is a k-way merge over per-shard cursors: an entry is shown only once every shard that
 * may still have a newer (newest first) or older (oldest first) entry has one buffered to compare
 * with, so the order is exactly the stream-id order across shards, never "as the pages arrived".
 * Filter steps are bounded on the server (about 250 ms each); stopping a scan is simply not
 * asking for the next step.
 */
import type { ApiClient } from '../../api';
import { toApiError } from '../../api';
import type { DuplicateMark, EventPayloadOf, FilterQuery, IndexStatus, PageEntry } from '../../../../shared/contract';
import { compareStreamIds, streamIdPredecessor, streamIdSuccessor } from '../../../../shared/stream-id';
import type { MeshErrorInfo } from '../../../../shared/types';
import { frameBatcher } from '../../lib/frame-batch';
import { gapMarkers, type GapMarker, type RowMarker } from './lane-rows';
import { MergeHeap } from './merge-heap';
import { PREVIEW_CHARS, type Order } from './stream-model';
import { ViewModel } from './view-model';

/** The most rows one list keeps; past it the view says so and stops reading. */
export const MAX_ROWS = 100_000;
/** Entries a filter step may look at (the server also stops after ~250 ms). */
const FILTER_SCAN = 20_000;
const FILTER_MATCHES = 250;
/**
 * Page reads in flight at once: with 5,000 shards every shard needs a page before the first row
 * is certain, and 5,000 answers at once would arrive as one burst of tasks (and 5,000 pages
 * buffered). Sixty-four keep the core busy without flooding the link.
 */
const MAX_IN_FLIGHT = 64;

export interface ListRow {
  shard: number;
  entry: PageEntry;
  /** Its stream position, when the core said (status filters served from the index). */
  position?: number;
}

/** A list item: a row (by its index in `rows`) or a marker between rows (lane-rows.ts). */
export type ListItem = number | RowMarker;

interface Source {
  shard: number;
  cursor: string | null;
  done: boolean;
  buffer: PageEntry[];
  /** Positions of the buffered entries, when the core gave them. */
  positions: number[] | null;
  loading: boolean;
  /** The core is building the shard's index: ask again when it is ready. */
  waitingIndex: boolean;
  scanned: number;
  error: MeshErrorInfo | null;
  /** A read has succeeded once (its newest or oldest entry is known). */
  answered: boolean;
  /** Its place in the shard list: ties between shards go to the earlier one. */
  rank: number;
}

type TailBatch = EventPayloadOf<'tail:entries'>;

export class ListModel extends ViewModel {
  rows: ListRow[] = [];
  error: MeshErrorInfo | null = null;
  /** Stopped by the user (a filter scan) or by the row cap. */
  stopped = false;
  capped = false;
  /** Signed count of rows inserted above the first row since creation (the list keeps its place). */
  topInserted = 0;
  duplicatesReady = true;
  /** Status filters: the shard index's progress while it builds, and the number of matches it found. */
  indexStatus: IndexStatus | null = null;
  matchTotal: number | null = null;
  /** With gap or duplicate filters: the rows with marker rows between them; null when there are none. */
  items: ListItem[] | null = null;
  private itemOfRow: Map<number, number> | null = null;
  private gapAfter = new Map<number, GapMarker[]>();
  private gapBefore = new Map<number, GapMarker[]>();

  private sources: Source[];
  private want = 200;
  private marks = new Map<number, Map<string, DuplicateMark>>();
  private lookupQueue = new Map<number, Set<string>>();
  private lookupBusy = false;
  private tailIds = new Set<string>();
  private pendingTail: TailBatch[] = [];
  private offs: Array<() => void> = [];
  private readonly tailBatcher = frameBatcher(() => this.flushTail());
  /** Progress that does not move rows (a page buffered, a mark found): one notification per frame. */
  private readonly progressBatcher = frameBatcher(() => this.changed());

  // The merge's bookkeeping, kept as counts so no step walks every shard (5,000 of them):
  /** Sources with an entry buffered, by that entry's id (not used when grouped: shard after shard). */
  private readonly heap: MergeHeap<Source>;
  /** Sources with nothing buffered that may still hold more: the merge waits for them. */
  private waiting: number;
  /** Sources to read next, in the order they ran dry. */
  private readonly needRead = new Set<Source>();
  private inFlight = 0;
  private notDone: number;
  private buffered = 0;
  private unanswered: number;
  private scannedTotal = 0;
  /** Grouped: the first source that is not done and emptied (earlier ones are finished). */
  private groupAt = 0;
  private readonly grouped: boolean;

  constructor(
    private readonly api: ApiClient,
    shards: number[],
    readonly order: Order,
    readonly filter: FilterQuery | null,
    /** Stream lengths when the view opened, for the scan's progress. */
    readonly totalEntries: number,
    /**
     * Start here instead of at the newest (or oldest) entry: the list begins with this stream id
     * (inclusive) in every shard and reads on in its order; no live tail (the merged view's jump box, issue 13).
     */
    readonly anchor: string | null = null,
  ) {
    super();
    // Cursors are exclusive: forward reads after the predecessor, backward before the successor.
    const cursor = anchor === null ? null : order === 'newest' ? streamIdSuccessor(anchor) : streamIdPredecessor(anchor);
    this.sources = shards.map((shard) => ({ shard, cursor, done: false, buffer: [], positions: null, loading: false, waitingIndex: false, scanned: 0, error: null, answered: false, rank: 0 }));
    this.sources.forEach((s, i) => (s.rank = i));
    const newest = order === 'newest';
    this.heap = new MergeHeap<Source>((a, b) => {
      const c = compareStreamIds((a.buffer[0] as PageEntry).id, (b.buffer[0] as PageEntry).id);
      // Ties (the same id in two shards) in shard order, as the pass over the shards had it.
      return c === 0 ? a.rank < b.rank : newest ? c > 0 : c < 0;
    });
    const st = filter?.status;
    this.grouped = st === 'duplicate' || st === 'retry' || st === 'collision';
    this.waiting = this.sources.length;
    this.notDone = this.sources.length;
    this.unanswered = this.sources.length;
    for (const s of this.sources) this.needRead.add(s);
  }

  get shards(): number[] {
    return this.sources.map((s) => s.shard);
  }

  get done(): boolean {
    return this.notDone === 0 && this.buffered === 0;
  }

  get loading(): boolean {
    return this.inFlight > 0;
  }

  get scanned(): number {
    return this.scannedTotal;
  }

  get live(): boolean {
    return this.tailIds.size > 0;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.offs.push(this.api.on('tail:entries', (b) => this.onTailEvent(b)));
    if (this.filter?.status !== undefined) {
      this.offs.push(this.api.on('index:changed', (st) => this.onIndex(st)));
      // Gap rows in one shard's lane; the merged view lists the bounding entries without them.
      if (this.filter.status === 'gap' && this.sources.length === 1) void this.readGaps();
    }
    this.fill();
  }

  /** The number of list items (rows and markers). */
  get itemCount(): number {
    return this.items ? this.items.length : this.rows.length;
  }

  /** Item `i`: a row index, or a marker. */
  itemAt(i: number): ListItem | undefined {
    return this.items ? this.items[i] : i < this.rows.length ? i : undefined;
  }

  /** The item index of row `r`. */
  itemOf(r: number): number {
    return this.itemOfRow ? (this.itemOfRow.get(r) ?? r) : r;
  }

  private onIndex(st: IndexStatus): void {
    if (!this.sources.some((s) => s.shard === st.shard)) return;
    this.indexStatus = st;
    if (st.state === 'ready') {
      let woke = false;
      for (const s of this.sources) {
        if (s.shard === st.shard && s.waitingIndex) {
          s.waitingIndex = false;
          this.needRead.add(s);
          woke = true;
        }
      }
      if (woke && this.filter?.status === 'gap' && this.sources.length === 1) void this.readGaps();
      if (woke) this.fill();
    }
    this.changed();
  }

  /** Gap filter: where each gap lies, for the marker rows between its bounding entries. */
  private async readGaps(): Promise<void> {
    const shard = this.sources[0]?.shard;
    if (shard === undefined) return;
    try {
      const res = await this.api.invoke('gaps:list', { shard });
      if (!this.started || !res.ready) return;
      this.gapAfter.clear();
      this.gapBefore.clear();
      for (const m of gapMarkers(res.gaps, res.places, res.headGaps, res.headPlaces)) {
        const { before, after } = m.place;
        if (before !== null) this.gapAfter.set(before, [...(this.gapAfter.get(before) ?? []), m]);
        else if (after !== null) this.gapBefore.set(after, [...(this.gapBefore.get(after) ?? []), m]);
      }
      this.rebuildItems();
      this.changed();
    } catch {
      // Markers are an overlay: without them the bounding entries are still listed.
    }
  }

  /**
   * Gap filter: a marker after the entry before each gap (above it newest first); duplicates: a
   * header above each dedup_id's copies, naming the section (collisions, retries) at its first.
   */
  private rebuildItems(): void {
    const st = this.filter?.status;
    const grouped = st === 'duplicate' || st === 'retry' || st === 'collision';
    if (st !== 'gap' && !grouped) return;
    const items: ListItem[] = [];
    const itemOfRow = new Map<number, number>();
    const newest = this.order === 'newest';
    let lastId: string | undefined;
    let lastKind: string | undefined;
    this.rows.forEach((r, k) => {
      if (grouped && r.entry.dedupId !== lastId) {
        lastId = r.entry.dedupId;
        const mark = this.markOf(r);
        const dedupId = r.entry.dedupId ?? '';
        const section = mark?.kind !== lastKind;
        lastKind = mark?.kind;
        items.push({ kind: 'group', key: `grp:${dedupId}:${k}`, dedupId, dup: mark?.kind, copies: mark?.copies, section });
      }
      const p = r.position;
      const after = p === undefined ? undefined : this.gapAfter.get(p);
      const before = p === undefined ? undefined : this.gapBefore.get(p);
      if (before && !newest) items.push(...before);
      if (after && newest) items.push(...after);
      itemOfRow.set(k, items.length);
      items.push(k);
      if (after && !newest) items.push(...after);
      if (before && newest) items.push(...before);
    });
    this.items = items;
    this.itemOfRow = itemOfRow;
  }

  stop(): void {
    this.started = false;
    for (const off of this.offs.splice(0)) off();
    this.tailBatcher.cancel();
    this.progressBatcher.cancel();
    for (const id of this.tailIds) void this.api.invoke('tail:unsubscribe', { subscriptionId: id }).catch(() => {});
    this.tailIds.clear();
  }

  markOf(row: ListRow): DuplicateMark | undefined {
    const id = row.entry.dedupId;
    return id === undefined ? undefined : this.marks.get(row.shard)?.get(id);
  }

  /** The view shows rows up to `lastVisible`: keep at least a screenful more read ahead. */
  ensure(lastVisible: number): void {
    const want = Math.min(MAX_ROWS, lastVisible + 250);
    if (want > this.want) this.want = want;
    this.fill();
  }

  /** Stops a scan: no further step is asked for; what was found stays. */
  cancel(): void {
    this.stopped = true;
    this.changed();
  }

  resume(): void {
    if (this.capped) return;
    this.stopped = false;
    this.fill();
    this.changed();
  }

  // ---------- reading ----------

  private fill(): void {
    if (!this.started) return;
    this.drain();
    this.maybeStartTail();
    if (this.stopped || this.rows.length >= this.want) return;
    for (const s of this.needRead) {
      if (this.inFlight >= MAX_IN_FLIGHT) break;
      this.needRead.delete(s);
      // Only an empty source that may hold more is read (a failed one stays as it is, as before).
      if (!s.done && !s.loading && !s.waitingIndex && s.buffer.length === 0 && s.error === null) void this.read(s);
    }
  }

  private async read(s: Source): Promise<void> {
    s.loading = true;
    this.inFlight++;
    if (this.inFlight === 1) this.changed();
    const direction = this.order === 'newest' ? 'backward' : 'forward';
    try {
      if (this.filter) {
        const res = await this.api.invoke('events:filter', {
          shard: s.shard,
          direction,
          cursor: s.cursor,
          query: this.filter,
          limit: FILTER_MATCHES,
          scanLimit: FILTER_SCAN,
          previewChars: PREVIEW_CHARS,
        });
        if (!this.started) return;
        s.buffer.push(...res.entries);
        if (res.positions) (s.positions ??= []).push(...res.positions);
        s.cursor = res.cursor;
        s.done = res.done;
        s.scanned += res.scanned;
        this.scannedTotal += res.scanned;
        if (res.pending) {
          // The index is being built: its progress shows, and `index:changed` asks again.
          s.waitingIndex = res.index?.state !== 'ready';
          if (res.index) this.indexStatus = res.index;
        } else {
          if (!res.duplicatesReady) this.duplicatesReady = false;
          if (res.matchTotal !== undefined) this.matchTotal = res.matchTotal;
        }
      } else {
        // Many shards: small pages (each shard needs only a few buffered to be merged), so 5,000
        // shards buffer 40,000 entries rather than 250,000.
        const limit = Math.max(8, Math.min(500, Math.ceil(1000 / this.sources.length)));
        const res = await this.api.invoke('events:page', { shard: s.shard, direction, cursor: s.cursor, limit, previewChars: PREVIEW_CHARS });
        if (!this.started) return;
        s.buffer.push(...res.entries);
        if (res.nextId !== null) s.cursor = res.nextId;
        s.done = !res.hasMore;
        s.scanned += res.entries.length;
        this.scannedTotal += res.entries.length;
      }
      s.error = null;
      this.error = null;
      if (!s.answered) {
        s.answered = true;
        this.unanswered--;
      }
    } catch (e) {
      s.error = toApiError(e).toInfo();
      this.error = s.error;
    } finally {
      s.loading = false;
      this.inFlight--;
    }
    if (!this.started) return;
    this.settle(s);
    this.fill();
    // Rows moved (drain) notify at once; a page that only filled a buffer shows with the next frame.
    if (this.inFlight === 0 || s.error !== null) this.changed();
    else this.progressBatcher.schedule();
  }

  /** A read of `s` (empty before it) ended: update the merge's counts. */
  private settle(s: Source): void {
    if (s.done) this.notDone--;
    if (s.buffer.length > 0) {
      this.buffered++;
      this.waiting--;
      if (!this.grouped) this.heap.push(s);
    } else if (s.done) this.waiting--;
    else if (s.error === null && !s.waitingIndex) this.needRead.add(s);
  }

  /** `s` gave its last buffered entry to the rows. */
  private ranDry(s: Source): void {
    this.buffered--;
    if (!s.done) {
      this.waiting++;
      this.needRead.add(s);
    }
  }

  /** Moves entries from the per-shard buffers to the rows while the next one is certain. */
  private drain(): void {
    const added: ListRow[] = [];
    while (this.rows.length + added.length < MAX_ROWS) {
      let best: Source | undefined;
      if (this.grouped) {
        // Duplicates come grouped by dedup_id, not in id order: shard after shard, never interleaved.
        while (this.groupAt < this.sources.length) {
          const s = this.sources[this.groupAt] as Source;
          if (s.buffer.length > 0 || !s.done) break;
          this.groupAt++;
        }
        best = this.sources[this.groupAt];
        if (!best || best.buffer.length === 0) break;
      } else {
        // A shard with nothing buffered may still hold the next entry: wait for its page.
        if (this.waiting > 0) break;
        best = this.heap.pop();
        if (!best) break;
      }
      const row: ListRow = { shard: best.shard, entry: best.buffer.shift() as PageEntry };
      const position = best.positions?.shift();
      if (position !== undefined) row.position = position;
      added.push(row);
      if (best.buffer.length > 0) {
        if (!this.grouped) this.heap.push(best);
      } else this.ranDry(best);
    }
    if (added.length === 0) return;
    for (const r of added) this.rows.push(r);
    this.rebuildItems();
    if (this.rows.length >= MAX_ROWS) {
      this.capped = true;
      this.stopped = true;
    }
    this.queueLookups(added);
    this.changed();
  }

  // ---------- live tail (newest first, unfiltered) ----------

  private maybeStartTail(): void {
    if (this.filter || this.anchor !== null || this.order !== 'newest' || this.tailIds.size > 0 || this.tailStarting) return;
    // Every shard's newest entry must be known first, so the tail starts exactly after it.
    if (this.unanswered > 0) return;
    if (this.rows.length === 0 && this.sources.some((s) => !s.done)) return;
    this.tailStarting = true;
    const newestOf = new Map<number, string | null>();
    for (const s of this.sources) newestOf.set(s.shard, null);
    for (const r of this.rows) if (newestOf.get(r.shard) === null) newestOf.set(r.shard, r.entry.id);
    for (const s of this.sources) if (newestOf.get(s.shard) === null && s.buffer[0]) newestOf.set(s.shard, s.buffer[0].id);
    const shards = this.sources.map((s) => s.shard);
    void (async () => {
      for (let i = 0; i < shards.length; i += 64) {
        const chunk = shards.slice(i, i + 64);
        const after: Record<string, string | null> = {};
        for (const sh of chunk) after[String(sh)] = newestOf.get(sh) ?? null;
        try {
          const { subscriptionId } = await this.api.invoke('tail:subscribe', { shards: chunk, after, previewChars: PREVIEW_CHARS });
          if (!this.started) {
            void this.api.invoke('tail:unsubscribe', { subscriptionId }).catch(() => {});
            return;
          }
          this.tailIds.add(subscriptionId);
        } catch (e) {
          this.error = toApiError(e).toInfo();
        }
      }
      this.changed();
    })();
  }

  private tailStarting = false;

  private onTailEvent(b: TailBatch): void {
    if (!this.tailIds.has(b.subscriptionId)) return;
    this.pendingTail.push(b);
    this.tailBatcher.schedule();
  }

  /** Newest first: new entries go on top, each placed by id (shards' batches arrive in any order). */
  private flushTail(): void {
    const batches = this.pendingTail.splice(0);
    const incoming: ListRow[] = [];
    for (const b of batches) for (const e of b.entries) incoming.push({ shard: b.shard, entry: e });
    if (incoming.length === 0) return;
    incoming.sort((x, y) => compareStreamIds(y.entry.id, x.entry.id));
    let top = 0;
    const merged: ListRow[] = [];
    // Both lists are newest first: merge the incoming ones into the top of the rows.
    for (const r of incoming) {
      while (top < this.rows.length && compareStreamIds((this.rows[top] as ListRow).entry.id, r.entry.id) > 0) merged.push(this.rows[top++] as ListRow);
      merged.push(r);
    }
    this.rows = merged.concat(this.rows.slice(top));
    if (this.rows.length > MAX_ROWS) this.rows.length = MAX_ROWS;
    this.topInserted += incoming.length;
    if (!this.following) this.newCount += incoming.length;
    this.queueLookups(incoming);
    this.changed();
  }

  // ---------- duplicate marks ----------

  private queueLookups(rows: ListRow[]): void {
    for (const r of rows) {
      if (r.entry.dedupId === undefined) continue;
      let set = this.lookupQueue.get(r.shard);
      if (!set) this.lookupQueue.set(r.shard, (set = new Set()));
      set.add(r.entry.dedupId);
    }
    void this.lookup();
  }

  private async lookup(): Promise<void> {
    if (this.lookupBusy || !this.started) return;
    const next = this.lookupQueue.entries().next();
    if (next.done) return;
    const [shard, set] = next.value;
    const ids = [...set].slice(0, 1000);
    for (const id of ids) set.delete(id);
    if (set.size === 0) this.lookupQueue.delete(shard);
    this.lookupBusy = true;
    try {
      const res = await this.api.invoke('duplicates:lookup', { shard, dedupIds: ids });
      let m = this.marks.get(shard);
      if (!m) this.marks.set(shard, (m = new Map()));
      for (const mark of res.marks) m.set(mark.dedupId, mark);
      if (!res.ready) this.duplicatesReady = false;
      if (res.marks.length > 0) {
        this.rebuildItems();
        this.progressBatcher.schedule();
      }
    } catch {
      // Marks are an overlay; a failed lookup leaves rows unmarked.
    } finally {
      this.lookupBusy = false;
      if (this.lookupQueue.size > 0) void this.lookup();
    }
  }
}

/**
 * One shard as a whole-stream list: any position of a million-entry stream, loaded on demand in
 * pages of PAGE_SIZE through `events:at` (the core's sparse index), kept in a bounded LRU, with
 * duplicate marks for what is on screen and a live tail at the end.
 *
 * Positions are oldest-first (0 = the oldest entry) and stable while the stream grows, so the
 * pages stay valid and the tail simply writes at the end. The end of the stream is an *anchor*
 * (the newest known entry's position and id): page reads that reach the end and tail entries
 * move it forward by id, so a page answered while the tail runs is never counted twice. While the
 * index is still being built, pages far from its tip are estimates (`exact: false`); when it is
 * ready the model re-reads what it shows, and re-anchors the end (re-subscribing the tail) if the
 * end was an estimate.
 *
 * Not React: components read it through `subscribe`/`version` (ViewModel), and the tail is
 * folded in once per animation frame, so 20,000 entries/s is a few renders per second.
 */
import type { ApiClient } from '../../api';
import { toApiError } from '../../api';
import type { DuplicateMark, EventPayloadOf, IndexStatus, PageEntry, PositionedPage } from '../../../../shared/contract';
import { compareStreamIds } from '../../../../shared/stream-id';
import type { MeshErrorInfo } from '../../../../shared/types';
import { frameBatcher } from '../../lib/frame-batch';
import { Lru } from '../../lib/lru';
import { ViewModel } from './view-model';

export const PAGE_SIZE = 500;
/** Payload characters a page carries per entry; the detail view fetches the whole entry. */
export const PREVIEW_CHARS = 2048;
/** 40 pages: at most 20,000 entries (about 10 MB with previews) per lane. */
const MAX_PAGES = 40;
const MAX_IN_FLIGHT = 2;
/** Rows beyond the viewport loaded ahead, so a short scroll never shows placeholders. */
const MARGIN_ROWS = 120;
const MARKS_THROTTLE_MS = 400;

export type Order = 'newest' | 'oldest';

export interface RowData {
  position: number;
  entry: PageEntry | undefined;
  mark: DuplicateMark | undefined;
  /** 'missing': the page was read but nothing is known at this position (an estimate left a gap). */
  state: 'ready' | 'loading' | 'missing' | 'error';
}

interface Page {
  no: number;
  entries: Array<PageEntry | undefined>;
  filled: number;
  loading: boolean;
  /** Generation of the last completed read; -1 when only the tail wrote here. */
  fetchedGen: number;
  /** Generation in which the tail last wrote entries here at exact positions; -1 when it has not. */
  tailGen: number;
  exact: boolean;
  error: MeshErrorInfo | null;
  marksGen: number;
  marksDirty: boolean;
  lastLookupAt: number;
}

interface Anchor {
  position: number;
  /** The newest known id; null for an empty stream. Entries the tail skipped may follow it (then `exact` is false). */
  id: string | null;
  exact: boolean;
}

type TailBatch = EventPayloadOf<'tail:entries'>;

export class StreamModel extends ViewModel {
  length: number;
  index: IndexStatus | null = null;
  /** The last failed read, until a read succeeds. */
  error: MeshErrorInfo | null = null;
  /** Wall-clock ms of the last page that arrived (the status bar's "page at"). */
  lastPageAt: number | null = null;
  /** Milliseconds from request to response of the last page (shown quietly in the lane footer). */
  lastPageMs: number | null = null;

  private pages: Lru<number, Page>;
  private queue: number[] = [];
  private inFlight = 0;
  private gen = 0;
  private marksGen = 0;
  private marks = new Map<string, DuplicateMark>();
  private marksBusy = false;
  private marksTimer: ReturnType<typeof setTimeout> | null = null;
  private view: [number, number] = [0, -1];
  private anchor: Anchor | null = null;
  private sawInexact = false;
  private tailId: string | null = null;
  /**
   * The tail's own count: the position of the last entry it has accounted for (delivered, or
   * counted as skipped), from the anchor it subscribed at. Skipped counts are relative to the
   * tail's cursor, not to the anchor (a page read may have moved the anchor past it). `id` is the
   * tail's cursor id (what it subscribed after, then the last entry it delivered), null when unknown.
   */
  private tailAt: { position: number; exact: boolean; id: string | null } | null = null;
  private tailToken = 0;
  private claiming = false;
  private unclaimed: TailBatch[] = [];
  private pendingTail: TailBatch[] = [];
  private endTimer: ReturnType<typeof setTimeout> | null = null;
  private offs: Array<() => void> = [];
  private readonly tailBatcher = frameBatcher(() => this.flushTail());

  constructor(
    private readonly api: ApiClient,
    readonly shard: number,
    initialLength: number,
  ) {
    super();
    this.length = initialLength;
    this.pages = new Lru<number, Page>(MAX_PAGES, (no) => this.isWanted(no));
  }

  // ---------- lifecycle ----------

  start(): void {
    if (this.started) return;
    this.started = true;
    this.offs.push(
      this.api.on('index:changed', (st) => {
        if (st.shard === this.shard) this.onIndex(st);
      }),
      // A link back after an outage re-reads the lane once, through the store's recovery
      // (recovery.ts → reloadLanes → StreamLane calls reload()): the tail serve dropped included.
      this.api.on('tail:entries', (b) => this.onTailEvent(b)),
    );
    void this.api
      .invoke('index:status', { shard: this.shard })
      .then((st) => this.onIndex(st))
      .catch(() => {});
    this.requestEnd();
    this.pump();
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    for (const off of this.offs.splice(0)) off();
    this.tailBatcher.cancel();
    if (this.marksTimer) clearTimeout(this.marksTimer);
    if (this.endTimer) clearTimeout(this.endTimer);
    this.marksTimer = null;
    this.endTimer = null;
    this.dropTail();
    this.anchor = null;
    this.queue = [];
  }

  /** Re-reads what is shown, re-anchors the end and re-subscribes the tail (reload button, link back). */
  reload(): void {
    if (!this.started) return;
    this.gen++;
    this.marksGen++;
    this.error = null;
    this.anchor = null;
    this.dropTail();
    void this.api
      .invoke('index:status', { shard: this.shard })
      .then((st) => this.onIndex(st))
      .catch(() => {});
    this.requestEnd();
    this.setView(this.view[0], this.view[1]);
    this.changed();
  }

  // ---------- what the view reads ----------

  rowAt(position: number): RowData {
    const no = Math.floor(position / PAGE_SIZE);
    const page = this.pages.peek(no);
    const entry = page?.entries[position - no * PAGE_SIZE];
    if (entry) {
      const mark = entry.dedupId !== undefined && page && page.marksGen >= 0 ? this.marks.get(entry.dedupId) : undefined;
      return { position, entry, mark, state: 'ready' };
    }
    let state: RowData['state'] = 'loading';
    if (page?.error && !page.loading) state = 'error';
    else if (page && !page.loading && page.fetchedGen === this.gen) state = 'missing';
    return { position, entry: undefined, mark: undefined, state };
  }

  /** True when every row the model holds for the current view came with an exact position. */
  get exact(): boolean {
    return this.index?.state === 'ready' && !this.sawInexact;
  }

  get tailActive(): boolean {
    return this.tailId !== null;
  }

  // ---------- what the view tells ----------

  /** The positions on screen (inclusive); pages around them are loaded, the rest of the queue dropped. */
  setView(first: number, last: number): void {
    this.view = [first, last];
    if (this.length === 0 || last < first) {
      this.queue = [];
      return;
    }
    const lastNo = Math.floor((this.length - 1) / PAGE_SIZE);
    const clampNo = (p: number) => Math.max(0, Math.min(lastNo, Math.floor(p / PAGE_SIZE)));
    const visible: number[] = [];
    for (let no = clampNo(first); no <= clampNo(last); no++) visible.push(no);
    const around: number[] = [];
    for (let no = clampNo(first - MARGIN_ROWS); no <= clampNo(last + MARGIN_ROWS); no++) if (!visible.includes(no)) around.push(no);
    for (const no of visible) this.pages.get(no);
    // Queued pages that scrolled away are never requested: only the latest view is.
    const end = this.endNo !== null && !visible.includes(this.endNo) && !around.includes(this.endNo) ? [this.endNo] : [];
    this.queue = [...end, ...visible, ...around].filter((no) => this.needsRead(no));
    this.pump();
    this.scheduleMarks();
  }

  // ---------- reading pages ----------

  private isWanted(no: number): boolean {
    const [first, last] = this.view;
    if (last < first) return false;
    return no >= Math.floor((first - MARGIN_ROWS) / PAGE_SIZE) && no <= Math.floor((last + MARGIN_ROWS) / PAGE_SIZE);
  }

  private needsRead(no: number): boolean {
    const page = this.pages.peek(no);
    if (!page) return true;
    if (page.loading) return false;
    if (page.fetchedGen !== this.gen) return !this.tailComplete(page);
    return page.error !== null;
  }

  /**
   * A page the live tail has filled completely, at exact positions, in this generation: nothing
   * to read (issue 16: at 20,000 entries/s, reading back every page the tail had just delivered
   * doubled the work of the core and of this renderer). A page the tail left holes in (skipped
   * entries) is read as usual.
   */
  private tailComplete(page: Page): boolean {
    if (page.tailGen !== this.gen || !page.exact) return false;
    const slots = Math.min(PAGE_SIZE, this.length - page.no * PAGE_SIZE);
    return slots > 0 && page.filled >= slots;
  }

  private page(no: number): Page {
    let page = this.pages.get(no);
    if (!page) {
      page = { no, entries: [], filled: 0, loading: false, fetchedGen: -1, tailGen: -1, exact: true, error: null, marksGen: -1, marksDirty: false, lastLookupAt: 0 };
      this.pages.set(no, page);
    }
    return page;
  }

  private pump(): void {
    while (this.started && this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const no = this.queue[0] as number;
      if (!this.needsRead(no)) {
        this.queue.shift();
        continue;
      }
      // Pages around the view wait until the pages on screen have arrived: they would only
      // compete with them (server, socket, parsing) on the way to the first paint.
      if (no !== this.endNo && !this.onScreen(no) && this.screenLoading()) return;
      this.queue.shift();
      this.read(no);
    }
  }

  private onScreen(no: number): boolean {
    const [first, last] = this.view;
    return last >= first && no >= Math.floor(first / PAGE_SIZE) && no <= Math.floor(last / PAGE_SIZE);
  }

  private screenLoading(): boolean {
    const [first, last] = this.view;
    if (last < first) return false;
    for (let no = Math.floor(Math.max(0, first) / PAGE_SIZE); no <= Math.floor(last / PAGE_SIZE); no++) {
      if (this.pages.peek(no)?.loading) return true;
    }
    return false;
  }

  private read(no: number): void {
    const page = this.page(no);
    page.loading = true;
    this.inFlight++;
    const gen = this.gen;
    const t0 = performance.now();
    this.api
      .invoke('events:at', { shard: this.shard, position: no * PAGE_SIZE, limit: PAGE_SIZE, previewChars: PREVIEW_CHARS })
      .then((res) => {
        if (!this.started) return;
        this.lastPageMs = performance.now() - t0;
        page.loading = false;
        this.received(no, page, res, gen);
      })
      .catch((e: unknown) => {
        if (!this.started) return;
        page.loading = false;
        page.error = toApiError(e).toInfo();
        this.error = page.error;
        this.changed();
      })
      .finally(() => {
        this.inFlight--;
        this.pump();
      });
  }

  /** A page answer for page `no`, asked for at generation `gen`. */
  private received(no: number, page: Page, res: PositionedPage, gen: number): void {
    this.lastPageAt = Date.now();
    this.error = null;
    page.error = null;
    page.fetchedGen = gen;
    const lengthBefore = this.length;
    this.place(res);
    if (res.length !== undefined) {
      if (no === this.endNo) this.endNo = null;
      this.noteEnd(res);
    } else if (no === this.endNo && res.exact) {
      // The stream is longer than we knew (it grew): look further on.
      this.setLength(Math.max(this.length, res.position + res.entries.length + 1));
      this.requestEnd();
    }
    // Answered for an older generation (a reload, the index became ready): read it again if shown.
    if (gen !== this.gen && this.isWanted(no) && !this.queue.includes(no)) this.queue.push(no);
    // A page the view has already scrolled past is kept, but re-renders nothing.
    if (this.isWanted(no) || this.length !== lengthBefore) this.changed();
  }

  /** The generation a page asked for now belongs to (for `accept`). */
  get generation(): number {
    return this.gen;
  }

  /**
   * A page that came with another answer (a jump's `events:locate`), asked for at generation
   * `gen`: kept exactly as if this model had read it, so the jump needs no read of its own.
   */
  accept(res: PositionedPage, gen: number): void {
    if (!this.started) return;
    const no = Math.floor(res.position / PAGE_SIZE);
    const page = this.pages.peek(no);
    if (res.position !== no * PAGE_SIZE || res.entries.length === 0 || page?.loading) {
      // Not one of our pages (an estimate placed elsewhere), or our own read is on its way: only
      // its entries are kept; the page is still read as usual.
      this.place(res);
      this.changed();
      return;
    }
    this.received(no, this.page(no), res, gen);
  }

  /** Writes a page answer at its positions (an estimate may start elsewhere than asked, or run on). */
  private place(res: PositionedPage): void {
    if (!res.exact) this.sawInexact = true;
    res.entries.forEach((e, k) => this.putAt(res.position + k, e, res.exact));
    this.scheduleMarks();
  }

  private putAt(position: number, e: PageEntry, exact: boolean): Page {
    const no = Math.floor(position / PAGE_SIZE);
    const page = this.page(no);
    const slot = position - no * PAGE_SIZE;
    if (page.entries[slot] === undefined) page.filled++;
    page.entries[slot] = e;
    if (!exact) page.exact = false;
    page.marksDirty = true;
    return page;
  }

  // ---------- the end of the stream and the live tail ----------

  /** Reads the page holding the newest entry: it anchors the end and starts the tail. */
  private requestEnd(): void {
    const no = this.length > 0 ? Math.floor((this.length - 1) / PAGE_SIZE) : 0;
    this.endNo = no;
    const page = this.pages.peek(no);
    if (page?.loading) return;
    if (page) {
      // Read it even if the tail filled it: the point is to see where the end is now.
      page.fetchedGen = -2;
      page.tailGen = -1;
    }
    this.queue = [no, ...this.queue.filter((q) => q !== no)];
    this.pump();
  }

  /** The page asked for to find the end, until an answer reaches it (it stays first in the queue). */
  private endNo: number | null = null;

  /** A page read reached the end of the stream: move the anchor if it saw further than we knew. */
  private noteEnd(res: PositionedPage): void {
    const n = res.entries.length;
    const last = n > 0 ? (res.entries[n - 1] as PageEntry) : null;
    if (!last) {
      // Nothing at or after this position: the stream is empty, or shorter than we thought.
      const length = res.length ?? res.position;
      if (this.anchor) {
        // The end was overestimated (the tail's skipped count): an exact read says where it is.
        if (res.exact && !this.anchor.exact && length < this.anchor.position + 1) {
          this.anchor.position = length - 1;
          this.setLength(length);
          this.requestEnd();
        }
        return;
      }
      if (length === 0) {
        this.anchor = { position: -1, id: null, exact: true };
        this.setLength(0);
        void this.subscribeTail(null);
      } else if (length !== this.length) {
        this.setLength(length);
        this.requestEnd();
      }
      return;
    }
    const end: Anchor = { position: res.position + n - 1, id: last.id, exact: res.exact };
    const a = this.anchor;
    if (!a) {
      this.anchor = end;
      this.setLength(end.position + 1);
      void this.subscribeTail(end.id);
    } else if (end.exact && !a.exact) {
      // The end was an estimate (index building, or the tail skipped entries): rebase on an exact
      // read, re-read what is shown, and let the tail continue from exactly there.
      this.anchor = end;
      this.setLength(end.position + 1);
      this.gen++;
      void this.subscribeTail(end.id);
      this.setView(this.view[0], this.view[1]);
    } else if (a.id === null || compareStreamIds(end.id as string, a.id) > 0) {
      this.anchor = end.exact || !a.exact ? end : { ...end, exact: false };
      this.setLength(end.position + 1);
    }
  }

  private setLength(n: number): void {
    if (n !== this.length) this.length = Math.max(0, n);
  }

  private async subscribeTail(after: string | null): Promise<void> {
    this.dropTail();
    const token = ++this.tailToken;
    this.claiming = true;
    // An exact anchor tells the core where `after` is, so whatever the tail skips is counted exactly.
    const a = this.anchor;
    // Without `after` the core starts at its own live end, which may be past what this model saw.
    const exact = after !== null && a !== null && a.exact && a.id === after;
    const lengths = after !== null && exact ? { lengths: { [String(this.shard)]: (a as Anchor).position + 1 } } : {};
    this.tailAt = { position: a?.position ?? -1, exact, id: after };
    try {
      const { subscriptionId } = await this.api.invoke('tail:subscribe', {
        shards: [this.shard],
        after: { [String(this.shard)]: after },
        ...lengths,
        previewChars: PREVIEW_CHARS,
      });
      if (token !== this.tailToken || !this.started) {
        void this.api.invoke('tail:unsubscribe', { subscriptionId }).catch(() => {});
        return;
      }
      this.tailId = subscriptionId;
      for (const b of this.unclaimed.splice(0)) if (b.subscriptionId === subscriptionId) this.onTailEvent(b);
      this.changed();
    } catch (e) {
      if (token === this.tailToken) this.error = toApiError(e).toInfo();
    } finally {
      if (token === this.tailToken) this.claiming = false;
      this.unclaimed = [];
    }
  }

  private dropTail(): void {
    this.tailToken++;
    this.tailAt = null;
    this.pendingTail = [];
    this.unclaimed = [];
    if (this.tailId !== null) {
      void this.api.invoke('tail:unsubscribe', { subscriptionId: this.tailId }).catch(() => {});
      this.tailId = null;
    }
  }

  private onTailEvent(b: TailBatch): void {
    if (b.subscriptionId === this.tailId) {
      this.pendingTail.push(b);
      this.tailBatcher.schedule();
    } else if (this.claiming && this.unclaimed.length < 64) {
      // Our subscribe call has not answered yet: this batch may be ours.
      this.unclaimed.push(b);
    }
  }

  /** Once per frame: every tail batch since the last frame, written after the anchor. */
  private flushTail(): void {
    const batches = this.pendingTail.splice(0);
    const a = this.anchor;
    const t = this.tailAt;
    if (!a || !t || batches.length === 0) return;
    let added = 0;
    let dropped = 0;
    let inexact = false;
    for (const b of batches) {
      // Entries before this batch's were skipped (the writer outran the tail, or the link was
      // slow): they exist but were not sent; their rows are read when shown. When the core could
      // not count them exactly, positions from here on are estimates until an exact read re-anchors.
      t.position += b.dropped;
      dropped += b.dropped;
      if (!(b.exact === true || (b.exact === undefined && b.dropped === 0))) {
        t.exact = false;
        a.exact = false;
        inexact = true;
      }
      for (const e of b.entries) {
        // Not past the tail's own cursor (a batch repeating what it already delivered): it holds
        // no new position, so it neither moves the count nor is placed.
        if (t.id !== null && compareStreamIds(e.id, t.id) <= 0) continue;
        t.id = e.id;
        t.position++;
        // Already known (a page read reached further than the tail): placed there, at this same
        // position when both are exact; never counted twice.
        if (a.id !== null && compareStreamIds(e.id, a.id) <= 0) continue;
        const page = this.putAt(t.position, e, t.exact);
        if (t.exact) page.tailGen = this.gen;
        a.position = t.position;
        a.id = e.id;
        a.exact = t.exact;
        added++;
      }
    }
    this.setLength(Math.max(a.position, t.position) + 1);
    if (!this.following) this.newCount += added + dropped;
    if (inexact || !t.exact) this.scheduleEndCheck();
    this.scheduleMarks();
    this.changed();
  }

  private scheduleEndCheck(): void {
    if (this.endTimer) return;
    this.endTimer = setTimeout(() => {
      this.endTimer = null;
      this.requestEnd();
    }, 1000);
  }

  // ---------- the index ----------

  private onIndex(st: IndexStatus): void {
    const was = this.index?.state;
    const before = this.index?.indexed ?? 0;
    this.index = st;
    if (st.indexed < before && st.state === 'building') {
      // The index started over: the stream was trimmed or recreated, so positions moved.
      this.reload();
      return;
    }
    if (!this.anchor && st.total > this.length) {
      this.setLength(st.total);
      this.requestEnd();
    }
    if (st.state === 'ready' && was !== 'ready') {
      // The whole shard is known now: duplicate marks may have changed, estimates can be exact.
      this.marksGen++;
      if (this.sawInexact || (this.anchor && !this.anchor.exact)) {
        this.sawInexact = false;
        this.gen++;
        this.requestEnd();
        this.setView(this.view[0], this.view[1]);
      }
      this.scheduleMarks();
    }
    this.changed();
  }

  // ---------- duplicate marks ----------

  private scheduleMarks(): void {
    if (this.marksBusy || this.marksTimer || !this.started) return;
    const [first, last] = this.view;
    if (last < first) return;
    const now = performance.now();
    let wait = Infinity;
    let pick: Page | null = null;
    for (let no = Math.floor(Math.max(0, first) / PAGE_SIZE); no <= Math.floor(last / PAGE_SIZE); no++) {
      const page = this.pages.peek(no);
      if (!page || page.filled === 0 || (page.marksGen === this.marksGen && !page.marksDirty)) continue;
      const due = page.lastLookupAt + MARKS_THROTTLE_MS - now;
      if (due <= 0) {
        pick = page;
        break;
      }
      wait = Math.min(wait, due);
    }
    if (pick) void this.lookupMarks(pick);
    else if (wait !== Infinity) {
      this.marksTimer = setTimeout(() => {
        this.marksTimer = null;
        this.scheduleMarks();
      }, wait);
    }
  }

  private async lookupMarks(page: Page): Promise<void> {
    const ids = new Set<string>();
    for (const e of page.entries) if (e?.dedupId !== undefined) ids.add(e.dedupId);
    page.marksDirty = false;
    page.lastLookupAt = performance.now();
    const gen = this.marksGen;
    this.marksBusy = true;
    try {
      if (ids.size > 0) {
        const res = await this.api.invoke('duplicates:lookup', { shard: this.shard, dedupIds: [...ids].slice(0, 1000) });
        for (const m of res.marks) this.marks.set(m.dedupId, m);
      }
      page.marksGen = gen;
      this.changed();
    } catch {
      // Marks are an overlay: a failed lookup leaves the rows unmarked and is retried with the page.
      page.marksDirty = true;
    } finally {
      this.marksBusy = false;
      this.scheduleMarks();
    }
  }
}

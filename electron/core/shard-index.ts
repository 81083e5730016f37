/**
 * The background index of one shard: a sparse list of stream ids (one per `step` entries, oldest
 * first) so any position of a million-entry stream can be opened with one bounded XRANGE, and the
 * shard's dedup analysis so a row's duplicate status is right even when the other copy is far
 * away. Built page by page (the scan's byte-level reader on the session's scan connection, or the
 * adapter's poll: the same decisions as every other read), paced so it never monopolises a
 * struggling server, and extended incrementally as the stream grows.
 */
import type { IndexStatus, DuplicateMark, FilterStatus, GapPlace } from '../../shared/contract';
import { MeshError, toErrorInfo } from '../../shared/errors';
import { ShardAnalyzer } from '../../shared/analysis';
import { deletedBetween, explainGap, explainHeadGap, type DeletionEvidence } from '../../shared/gap-cause';
import { compareStreamIds, exclusiveStart } from '../../shared/stream-id';
import type { GapRange, MeshEntry } from '../../shared/types';
import { storedPayload, type MeshAdapter } from './adapter';
import { isCommandTimeout } from './classify';
import { DedupHints, hashDedupId } from './dedup-hints';
import { LaneMarks, U32List } from './lane-marks';
import type { ScanConnection } from './scan-connection';
import { entryVerdict } from './scan-page';
import { readDeletionEvidence } from './stream-facts';
import { D_END, D_START, ENTRY_WORDS, entryIdText, X_END, X_START, type XrangePage } from './xrange-reply';

/**
 * Where an index may read pages with the scan's byte-level reader (a scan connection of the
 * session's); null when there is none to be had (then it reads through the adapter's poll).
 */
export interface IndexPageSource {
  connection(key: string): Promise<ScanConnection | null>;
}

export const INDEX_STEP = 256;
const PAGE = 2000;

export class ShardIndex {
  readonly step = INDEX_STEP;
  /** ids[k] is the id of the entry at position k * step. */
  private ids: string[] = [];
  private count = 0;
  private lastId: string | null = null;
  private firstId: string | null = null;
  private analyzer: ShardAnalyzer;
  private state: IndexStatus['state'] = 'idle';
  private error: IndexStatus['error'];
  private total = 0;
  private running: Promise<void> | null = null;
  private stopped = false;
  private lastGrowthRefresh = 0;
  /** A hash of each position's dedup_id, to find a duplicate's copies (dedup-hints.ts). */
  private hints = new DedupHints();
  /**
   * Gap causes: the stream's deletion record when this build started (XINFO STREAM, read once per
   * full build), and whether the build has passed its max-deleted-entry-id (entries come oldest
   * first, so the analyzer's `atOrBelowMaxDeleted` flips once).
   */
  private evidence: DeletionEvidence | null = null;
  private pastMaxDeleted = true;
  /** Entries were deleted since the build began (gapReport saw it): the build loop starts over. */
  private restartPending = false;
  /** Corrupt and misrouted positions, where gaps lie (lane-marks.ts). */
  private marks: LaneMarks;
  /** The last position list built per status filter, valid while `count` is unchanged. */
  private lists = new Map<string, FilterList>();

  constructor(
    private readonly adapter: MeshAdapter,
    readonly shard: number,
    readonly key: string,
    private readonly onChange: (s: IndexStatus) => void,
    /** Awaited between pages: lets the service pause indexing while Redis is unhealthy. */
    private readonly pace: () => Promise<void> = () => Promise.resolve(),
    /**
     * Pages read in place from the reply bytes when given (issue 16: the index reads every entry
     * of a shard, and every new one while a tail runs; the decoded entries poll builds cost the
     * core four times as much). Same entries, same analysis either way.
     */
    private readonly pages: IndexPageSource | null = null,
  ) {
    this.analyzer = new ShardAnalyzer(shard, key);
    this.marks = new LaneMarks(shard);
  }

  /**
   * The shard's problem counts as far as it is indexed (the sidebar's badges, shard-problems.ts):
   * the same analysis a scan makes, so a complete index counts what a scan of the shard reports.
   */
  problemCounts(): { entries: number; corrupt: number; duplicateGroups: number; collisionGroups: number; gaps: number; misrouted: number } {
    const r = this.analyzer.result();
    return {
      entries: r.entries,
      corrupt: r.corrupt,
      duplicateGroups: r.duplicateGroups,
      collisionGroups: r.collisionGroups,
      gaps: r.gaps.length + this.analyzer.headGaps().length,
      misrouted: r.misrouted,
    };
  }

  status(): IndexStatus {
    const s: IndexStatus = { shard: this.shard, state: this.state, indexed: this.count, total: Math.max(this.total, this.count), step: this.step };
    if (this.error) s.error = this.error;
    return s;
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  /**
   * Whether the status filters can answer from it: ready, or extending an index that was complete
   * (a live shard's growth, every couple of seconds) — what it knew then is still exact.
   */
  get servable(): boolean {
    return this.state === 'ready' || (this.state === 'building' && this.complete);
  }

  /** The index covered the whole stream once since it was last started over. */
  private complete = false;

  get indexedCount(): number {
    return this.count;
  }

  /** Starts (or continues) indexing up to the current end of the stream. */
  refresh(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  stop(): void {
    this.stopped = true;
  }

  /**
   * The id to start an inclusive XRANGE from for `position`, and how many entries to skip after
   * it. Null when the position is not indexed yet.
   */
  locate(position: number): { startId: string; skip: number } | null {
    if (position >= this.count) return null;
    const k = Math.floor(position / this.step);
    const startId = this.ids[k];
    if (startId === undefined) return null;
    return { startId, skip: position - k * this.step };
  }

  /** Position of the entry with the greatest id <= `id` among indexed anchors (for jump-to-id). */
  anchorBefore(compare: (a: string, b: string) => number, id: string): { startId: string; position: number } | null {
    let lo = 0;
    let hi = this.ids.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (compare(this.ids[mid] as string, id) <= 0) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return null;
    return { startId: this.ids[found] as string, position: found * this.step };
  }

  /** The last indexed entry and its position: exact positions continue from it past the indexed part. */
  tip(): { id: string; position: number } | null {
    return this.lastId === null || this.count === 0 ? null : { id: this.lastId, position: this.count - 1 };
  }

  /** Indexed positions that may carry `dedupId` (every real copy among them); read them to confirm. */
  copyCandidates(dedupId: string, max?: number): number[] {
    return this.hints.candidates(dedupId, max);
  }

  duplicateMarks(dedupIds: string[]): DuplicateMark[] {
    const marks: DuplicateMark[] = [];
    const seen = new Set<string>();
    for (const id of dedupIds) {
      if (seen.has(id)) continue;
      seen.add(id);
      const info = this.analyzer.duplicateInfo(id);
      if (info) marks.push({ dedupId: id, kind: info.kind, copies: info.copies });
    }
    return marks;
  }

  /**
   * The shard's gaps with their causes (gap-cause.ts), for Browse: `ready` false while the index is
   * still being built (the gaps found so far are returned) or when entries were deleted since it
   * was built, which also moved positions: the index then starts over, and a later call answers.
   */
  async gapReport(): Promise<{ ready: boolean; gaps: GapRange[]; headGaps: GapRange[]; places?: GapPlace[]; headPlaces?: GapPlace[] }> {
    const now = await readDeletionEvidence(this.adapter.client, this.key, this.adapter.serverVersion, this.adapter.secretTexts);
    const built = this.evidence;
    if (built && deletedBetween(built, now) !== undefined) {
      // Started over by the build loop itself, so a build in progress never mixes two records.
      this.restartPending = true;
      if (this.running) void this.running.then(() => (this.restartPending ? this.refresh() : undefined));
      else void this.refresh();
      return { ready: false, gaps: [], headGaps: [] };
    }
    const result = this.analyzer.result();
    const evidence = built ?? now;
    return {
      ready: this.ready,
      gaps: result.gaps.map((g) => explainGap(g, evidence, this.analyzer.seenAtOrBelowMaxDeleted(g.nonce, g.from - 1))),
      headGaps: this.analyzer.headGaps().map((g) => explainHeadGap(g, now.known ? now : evidence)),
      places: this.marks.gapPlaces(result.gaps),
      headPlaces: this.marks.headPlaces(this.analyzer.headGaps()),
    };
  }

  /**
   * The positions a status filter shows, in the order it shows them (oldest first; duplicates
   * grouped by dedup_id, collisions first), from what the index met: no read of Redis. A snapshot:
   * the same list object is handed out until the index grows (paging through it stays consistent).
   * Only meaningful once `ready`.
   */
  filterList(status: FilterStatus, newestFirst = false): FilterList {
    const grouped = status === 'duplicate' || status === 'retry' || status === 'collision';
    const cacheKey = grouped && newestFirst ? `${status}:newest` : status;
    const cached = this.lists.get(cacheKey);
    if (cached && cached.builtAt === this.count) return cached;
    let positions: Uint32Array;
    let places: GapPlace[] | undefined;
    if (status === 'corrupt') positions = this.marks.corrupt.view().slice();
    else if (status === 'misrouted') positions = this.marks.misrouted.view().slice();
    else if (status === 'gap') {
      places = [...this.marks.gapPlaces(this.analyzer.result().gaps), ...this.marks.headPlaces(this.analyzer.headGaps())];
      positions = this.marks.gapBoundPositions(places);
    } else positions = this.duplicatePositions(status, newestFirst);
    const list: FilterList = { status, builtAt: this.count, positions, grouped, resume: new Map() };
    this.lists.set(cacheKey, list);
    return list;
  }

  /** Shard each misrouted position belongs to (its dedup_id's shard part, else its payload's `s`). */
  misroutedShard(position: number): number | undefined {
    const v = this.marks.misrouted.view();
    let lo = 0;
    let hi = v.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (v[mid]! < position) lo = mid + 1;
      else if (v[mid]! > position) hi = mid - 1;
      else return this.marks.misroutedTo.at(mid);
    }
    return undefined;
  }

  /**
   * Every copy of every duplicated dedup_id (of one kind, or both), grouped: collisions before
   * retries whatever the order, groups in order of their first copy (newest first: the latest
   * first copy first), copies in position order. Found with one pass over the per-position hashes
   * (a hash shared by another id is weeded out when read).
   */
  private duplicatePositions(kind: 'duplicate' | 'retry' | 'collision', newestFirst: boolean): Uint32Array {
    const scan = this.duplicateScan();
    const { collision, first, matchPos, matchGroup } = scan;
    const groups = collision.length;
    const wanted = (g: number) => kind === 'duplicate' || (kind === 'collision') === (collision[g] === 1);
    const counts = new Uint32Array(groups);
    let total = 0;
    for (let k = 0; k < matchGroup.length; k++) {
      const g = matchGroup[k]!;
      if (!wanted(g)) continue;
      counts[g]!++;
      total++;
    }
    const order: number[] = [];
    for (let g = 0; g < groups; g++) if (counts[g]! > 0) order.push(g);
    order.sort((a, b) => collision[b]! - collision[a]! || (newestFirst ? first[b]! - first[a]! : first[a]! - first[b]!));
    const start = new Uint32Array(groups);
    let at = 0;
    for (const g of order) {
      start[g] = at;
      at += counts[g]!;
    }
    const out = new Uint32Array(total);
    for (let k = 0; k < matchGroup.length; k++) {
      const g = matchGroup[k]!;
      if (counts[g]! > 0) out[start[g]!++] = matchPos[k]!;
    }
    return out;
  }

  /**
   * One pass for every duplicate filter: each duplicated id's hash in a small open-addressing
   * table (typed arrays: a Map keyed by 32-bit hashes boxes most of them), then every position
   * whose hash is in it, with its group. Cached until the index grows.
   */
  private dupScanCache: { builtAt: number; collision: Uint8Array; first: Float64Array; matchPos: Uint32Array; matchGroup: Uint32Array } | null = null;
  private duplicateScan() {
    if (this.dupScanCache && this.dupScanCache.builtAt === this.count) return this.dupScanCache;
    const hashes: number[] = [];
    const kinds: number[] = [];
    for (const g of this.analyzer.duplicates()) {
      hashes.push(hashDedupId(g.dedupId));
      kinds.push(g.kind === 'collision' ? 1 : 0);
    }
    let size = 16;
    while (size < hashes.length * 2) size *= 2;
    const keys = new Uint32Array(size);
    const vals = new Int32Array(size).fill(-1);
    const mask = size - 1;
    const collision: number[] = [];
    for (let k = 0; k < hashes.length; k++) {
      const h = hashes[k]!;
      let s = Math.imul(h, 0x9e3779b1) & mask;
      while (vals[s]! >= 0 && keys[s] !== h) s = (s + 1) & mask;
      if (vals[s]! >= 0) continue; // two ids, one hash: one group (reads tell them apart)
      keys[s] = h;
      vals[s] = collision.length;
      collision.push(kinds[k]!);
    }
    const first = new Float64Array(collision.length).fill(-1);
    const pos = new U32List();
    const grp = new U32List();
    this.hints.forEachHash((p, h) => {
      let s = Math.imul(h, 0x9e3779b1) & mask;
      for (;;) {
        const v = vals[s]!;
        if (v < 0) return;
        if (keys[s] === h) {
          if (first[v]! < 0) first[v] = p;
          pos.push(p);
          grp.push(v);
          return;
        }
        s = (s + 1) & mask;
      }
    });
    this.dupScanCache = { builtAt: this.count, collision: Uint8Array.from(collision), first, matchPos: pos.view(), matchGroup: grp.view() };
    return this.dupScanCache;
  }

  /** Bytes the index holds (sparse ids excluded): the duplicate index, the per-position hashes, the marks. */
  memoryBytes(): number {
    return this.analyzer.memoryBytes() + this.hints.memoryBytes() + this.marks.memoryBytes();
  }

  private async run(): Promise<void> {
    this.state = 'building';
    this.error = undefined;
    try {
      const len = await this.adapter.client.xlen(this.key);
      const first = await this.adapter.client.xrange(this.key, '-', '+', 'COUNT', 1);
      const firstId = first[0]?.[0] ?? null;
      if (this.firstId !== null && firstId !== this.firstId) {
        // The stream was trimmed (MAXLEN) or recreated: positions moved, start over.
        this.reset();
      }
      this.firstId = firstId;
      this.total = len;
      // Sized once for the whole stream: growing by doubling leaves each old table to the
      // allocator (most of what a lane's index cost the process beyond the index itself).
      if (this.count === 0) this.analyzer = new ShardAnalyzer(this.shard, this.key, { expectedEntries: len });
      this.onChange(this.status());
      let lastEmit = Date.now();
      while (!this.stopped) {
        if (this.restartPending) {
          this.restartPending = false;
          this.reset();
        }
        if (this.count === 0 && this.evidence === null) {
          this.evidence = await readDeletionEvidence(this.adapter.client, this.key, this.adapter.serverVersion, this.adapter.secretTexts);
          this.pastMaxDeleted = !this.evidence.known || compareStreamIds(this.evidence.record.maxDeletedId, '0-0') === 0;
        }
        await this.pace();
        const conn = this.pages ? await this.pages.connection(this.key) : null;
        const more = (conn ? await this.readRaw(conn) : null) ?? (await this.readPoll());
        if (this.count > this.total) this.total = this.count;
        if (!more) break;
        if (Date.now() - lastEmit > 250) {
          lastEmit = Date.now();
          this.onChange(this.status());
        }
      }
      this.state = this.stopped ? 'idle' : 'ready';
      if (this.state === 'ready') this.complete = true;
    } catch (e) {
      this.state = 'failed';
      this.error = toErrorInfo(e);
    }
    this.onChange(this.status());
  }

  /**
   * The stream grew (live tail saw new entries): extend the index from where it stopped, at most
   * every couple of seconds, reading only the new entries.
   */
  noteGrowth(): void {
    if (this.state !== 'ready' || this.stopped) return;
    const now = Date.now();
    if (now - this.lastGrowthRefresh < 2000) return;
    this.lastGrowthRefresh = now;
    void this.refresh();
  }

  /** One page through the adapter's poll; whether more may follow. */
  private async readPoll(): Promise<boolean> {
    const page = await this.adapter.poll(this.shard, this.lastId, PAGE);
    this.addPage(page.entries);
    if (page.nextId !== null) this.lastId = page.nextId;
    return page.hasMore;
  }

  /**
   * One page on a scan connection, each entry decided in place exactly as `poll` decides it (the
   * scan's reader: scan-page.ts) and marked for gap causes exactly as {@link addPage} marks it;
   * whether more may follow, or null when the connection could not read it (it failed, Redis
   * answered an error): the caller then reads it through poll, which reports what it always
   * reports. A timeout is reported as poll reports one.
   */
  private async readRaw(conn: ScanConnection): Promise<boolean | null> {
    let start = '-';
    if (this.lastId !== null) {
      try {
        start = exclusiveStart(this.lastId, this.adapter.exclusiveRanges);
      } catch {
        return false; // Pre-6.2 and the largest possible id: nothing can follow it.
      }
    }
    let page: XrangePage;
    try {
      page = await conn.range(this.key, start, '+', PAGE);
    } catch (e) {
      if (isCommandTimeout(e)) {
        throw new MeshError('transient', `Redis XRANGE timeout (no reply within ${this.adapter.commandTimeoutMs} ms)`, { command: 'XRANGE' });
      }
      return null;
    }
    if (page.error !== null) return null;
    const { buf, offsets, count } = page;
    // Gap causes, as addPage: nothing to mark once past max-deleted-entry-id; one comparison for a
    // page wholly at or below it; per entry only on the page that crosses it.
    const m = this.pastMaxDeleted || !this.evidence?.known ? null : this.evidence.record.maxDeletedId;
    const crosses = m !== null && count > 0 && compareStreamIds(entryIdText(page, count - 1), m) > 0;
    for (let k = 0, o = 0; k < count; k++, o += ENTRY_WORDS) {
      if (m !== null) {
        if (crosses && !this.pastMaxDeleted && compareStreamIds(entryIdText(page, k), m) > 0) this.pastMaxDeleted = true;
        this.analyzer.atOrBelowMaxDeleted = !this.pastMaxDeleted;
      }
      const xStart = offsets[o + X_START]!;
      const xEnd = offsets[o + X_END]!;
      this.hints.pushBytes(buf, xStart, xEnd);
      if (this.count % this.step === 0) this.ids.push(entryIdText(page, k));
      const dStart = offsets[o + D_START]!;
      const dEnd = offsets[o + D_END]!;
      const s = entryVerdict(buf, dStart, dEnd);
      this.marks.noteBytes(this.count, s >= 0, s, buf, xStart, xEnd);
      this.count++;
      // No `d`: an empty payload, as `add` passes for it.
      this.analyzer.addRange(s >= 0, s, buf, xStart, xEnd, dStart < 0 ? 0 : dStart, dStart < 0 ? 0 : dEnd);
    }
    this.analyzer.atOrBelowMaxDeleted = false;
    if (count > 0) this.lastId = entryIdText(page, count - 1);
    conn.recycle(page);
    return count === PAGE;
  }

  /** Adds a page (oldest first), marking the entries at or below max-deleted-entry-id for gap causes. */
  private addPage(entries: MeshEntry[]): void {
    const m = this.evidence?.known ? this.evidence.record.maxDeletedId : null;
    const last = entries[entries.length - 1];
    if (this.pastMaxDeleted || m === null || last === undefined) {
      for (const entry of entries) this.add(entry);
      return;
    }
    // One comparison for a page wholly at or below it; per entry only on the page that crosses it.
    const crosses = compareStreamIds(last.id, m) > 0;
    for (const entry of entries) {
      if (crosses && !this.pastMaxDeleted && compareStreamIds(entry.id, m) > 0) this.pastMaxDeleted = true;
      this.analyzer.atOrBelowMaxDeleted = !this.pastMaxDeleted;
      this.add(entry);
    }
    this.analyzer.atOrBelowMaxDeleted = false;
  }

  private add(entry: MeshEntry): void {
    this.hints.push(entry.dedupId);
    if (this.count % this.step === 0) this.ids.push(entry.id);
    this.marks.noteText(this.count, entry.status === 'ok', entry.status === 'ok' ? entry.s : -1, entry.dedupId);
    this.count++;
    this.analyzer.add(entry, storedPayload(entry) ?? NO_PAYLOAD);
  }

  private reset(): void {
    this.ids = [];
    this.count = 0;
    this.lastId = null;
    this.hints.clear();
    this.analyzer = new ShardAnalyzer(this.shard, this.key);
    this.marks = new LaneMarks(this.shard);
    this.complete = false;
    this.lists.clear();
    this.dupScanCache = null;
    this.evidence = null;
    this.pastMaxDeleted = true;
  }
}

const NO_PAYLOAD = new Uint8Array(0);

/** One status filter's positions (ShardIndex.filterList). */
export interface FilterList {
  status: FilterStatus;
  /** The index's entry count when it was built. */
  builtAt: number;
  /** Positions in the order shown. */
  positions: Uint32Array;
  /** Duplicates: grouped by dedup_id, not in position order. */
  grouped: boolean;
  /** Where to go on after a served cursor (stream id → next index in this list, per direction). */
  resume: Map<string, number>;
}


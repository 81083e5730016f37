/**
 * "What did a consumer see?" (issue 13): replays one shard from a cursor exactly as a net-mesh
 * consumer reads it (`poll_shard`: `XRANGE key (cursor + COUNT limit+1`, at most `limit` entries a
 * page, the cursor moved to the last raw entry looked at, corrupt entries skipped; contract
 * 3.16-3.23) and filters what it reads through a `RedisStreamDedup` window of a chosen capacity
 * (contract section 5, shared/dedup-window.ts), the way the contract's consumer pattern does it:
 * the cursor advances before the duplicate check, and only decoded (ok) entries with a dedup_id
 * reach the window.
 *
 * Per entry it keeps one verdict byte, the previous copy's position and the window a duplicate
 * needed, plus the entry's id and dedup_id as bytes in one arena: 18 bytes + the id texts + the
 * seen-id table (about 150 bytes in all with growth slack for producer-shaped ids, measured in
 * test/unit/consumer-replay.test.ts), never an object per entry, so a million-entry shard replays
 * in about 150 MB of typed arrays. Whether a dedup_id was ever seen is decided by a 64-bit digest of
 * its text in an open-addressing table (two independent 32-bit hashes; a false "seen before" needs
 * both to collide, about 1 in 2^64 per pair); the window itself compares exact strings.
 */
import {
  VERDICT_DELIVERED,
  VERDICT_DROPPED,
  VERDICT_LET_THROUGH,
  VERDICT_NO_ID,
  VERDICT_SKIPPED,
  CONSUMER_VERDICTS,
  verdictMatches,
  type ConsumerCounts,
  type ConsumerFilter,
  type ConsumerRow,
} from '../../shared/consumer';
import { DEFAULT_DEDUP_CAPACITY, MAX_DEDUP_CAPACITY, RedisStreamDedup } from '../../shared/dedup-window';
import { compareStreamIds } from '../../shared/stream-id';
import type { MeshEntry, ShardPage } from '../../shared/types';

/** Verdict byte: bits 0-2 the verdict; these bits say what a default (4096) consumer did with a duplicate. */
const DEFAULT_DROPPED_BIT = 0x10;
const DEFAULT_LET_BIT = 0x20;
const VERDICT_MASK = 0x07;

/** Clamps a capacity as `RedisStreamDedup::with_capacity` does. */
export function clampCapacity(c: number): number {
  return Math.min(Math.max(Math.trunc(c), 1), MAX_DEDUP_CAPACITY);
}

/**
 * Dedup ids seen so far, by 64-bit digest: per id the order in which it was first seen among
 * distinct ids (for {@link ConsumerCounts.windowNeeded}) and the replay position of its latest copy.
 * 4 words per slot, load at most 1/2.
 */
class SeenIds {
  private cap = 1 << 12;
  private used = 0;
  private slots = new Uint32Array(this.cap * 4);

  get size(): number {
    return this.used;
  }

  /**
   * Looks `(a, b)` up; when absent inserts it with `ordinal` and `index` and returns -1. When present
   * returns the slot (for {@link ordinalAt}/{@link lastAt}) after which the caller updates it.
   */
  find(a: number, b: number, ordinal: number, index: number): number {
    if ((this.used + 1) * 2 > this.cap) this.grow();
    const mask = this.cap - 1;
    const slots = this.slots;
    // Slot key words hold a+1 / b so that an all-zero slot means empty even for a digest of 0.
    const ka = (a + 1) >>> 0 || 1;
    let s = (Math.imul(a ^ (b >>> 7), 0x9e3779b1) >>> 0) & mask;
    for (;;) {
      const at = 4 * s;
      const w = slots[at]!;
      if (w === 0) {
        slots[at] = ka;
        slots[at + 1] = b;
        slots[at + 2] = ordinal;
        slots[at + 3] = index;
        this.used++;
        return -1;
      }
      if (w === ka && slots[at + 1] === b) return s;
      s = (s + 1) & mask;
    }
  }

  ordinalAt(slot: number): number {
    return this.slots[4 * slot + 2]!;
  }

  lastAt(slot: number): number {
    return this.slots[4 * slot + 3]!;
  }

  setLast(slot: number, index: number): void {
    this.slots[4 * slot + 3] = index;
  }

  private grow(): void {
    const old = this.slots;
    this.cap *= 2;
    this.slots = new Uint32Array(this.cap * 4);
    const mask = this.cap - 1;
    for (let at = 0; at < old.length; at += 4) {
      const w = old[at]!;
      if (w === 0) continue;
      const a = (w - 1) >>> 0;
      const b = old[at + 1]!;
      let s = (Math.imul(a ^ (b >>> 7), 0x9e3779b1) >>> 0) & mask;
      while (this.slots[4 * s] !== 0) s = (s + 1) & mask;
      this.slots.set(old.subarray(at, at + 4), 4 * s);
    }
  }

  /** Bytes held. */
  bytes(): number {
    return this.slots.byteLength;
  }
}

/** Two independent 32-bit hashes of a string's UTF-16 code units into `out`. */
function digestText(text: string, out: Uint32Array): void {
  let h1 = 0x811c9dc5;
  let h2 = 0x5bd1e995 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0xcc9e2d51);
    h2 = (h2 << 15) | (h2 >>> 17);
    h2 = Math.imul(h2, 0x1b873593);
  }
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 ^= h2 >>> 16;
  h2 = Math.imul(h2, 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  out[0] = h1 >>> 0;
  out[1] = h2 >>> 0;
}

function grown<T extends Uint8Array | Uint32Array | Int32Array | Uint16Array>(arr: T, need: number): T {
  if (need <= arr.length) return arr;
  let n = Math.max(arr.length * 2, 1024);
  while (n < need) n *= 2;
  const next = new (arr.constructor as new (n: number) => T)(n);
  next.set(arr);
  return next;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The replay's state: feed it every page in order ({@link addPage}); it decides each entry and
 * keeps the compact per-entry record. Pure (no Redis): the unit tests drive it with pages directly.
 */
export class ConsumerReplayState {
  readonly capacity: number;
  private window: RedisStreamDedup;
  /** A default consumer beside the chosen one; null when the chosen capacity is the default. */
  private defaultWindow: RedisStreamDedup | null;
  private seen = new SeenIds();
  /** The replay ended and {@link seal} dropped what deciding needed: no more entries. */
  private sealed = false;
  private readonly digest = new Uint32Array(2);

  private n = 0;
  private verdicts = new Uint8Array(1024);
  private prev = new Int32Array(1024);
  private need = new Uint32Array(1024);
  /** Arena offset of entry i's stream id; its dedup_id follows it. */
  private textAt = new Uint32Array(1024);
  private idLen = new Uint8Array(1024);
  /** Byte length of the dedup_id; -1 when the entry has none. */
  private dedupLen = new Int32Array(1024);
  private arena = new Uint8Array(1 << 16);
  private arenaUsed = 0;

  readonly counts: ConsumerCounts = { entries: 0, pages: 0, delivered: 0, noId: 0, dropped: 0, letThrough: 0, skipped: 0, defaultLetThrough: 0, windowNeeded: 0 };

  /** Per filter: the replay positions matching it, built up to `upTo` entries. */
  private readonly filtered = new Map<ConsumerFilter, { list: Uint32Array; len: number; upTo: number }>();

  constructor(capacity: number = DEFAULT_DEDUP_CAPACITY) {
    this.capacity = clampCapacity(capacity);
    this.window = new RedisStreamDedup(this.capacity);
    this.defaultWindow = this.capacity === DEFAULT_DEDUP_CAPACITY ? null : new RedisStreamDedup(DEFAULT_DEDUP_CAPACITY);
  }

  get length(): number {
    return this.n;
  }

  /** One polled page (its entries are at most `limit`, in stream order). */
  addPage(page: Pick<ShardPage, 'entries'>): void {
    this.counts.pages++;
    for (const e of page.entries) this.add(e);
  }

  /**
   * The replay ended (done, failed or cancelled): drops what only deciding further entries needed
   * (the dedup windows, up to 2^24 ids each, and the seen-id table) and the per-entry arrays'
   * growth slack. Every row, count and filter stays exactly as it was (tester report item 10: a
   * finished million-entry replay kept all of it for as long as the connection lived).
   */
  seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    this.window = new RedisStreamDedup(1);
    this.defaultWindow = null;
    this.seen = new SeenIds();
    const n = this.n;
    this.verdicts = this.verdicts.slice(0, n);
    this.prev = this.prev.slice(0, n);
    this.need = this.need.slice(0, n);
    this.textAt = this.textAt.slice(0, n);
    this.idLen = this.idLen.slice(0, n);
    this.dedupLen = this.dedupLen.slice(0, n);
    this.arena = this.arena.slice(0, this.arenaUsed);
  }

  /** Decides one entry, in stream order. */
  add(e: MeshEntry): void {
    if (this.sealed) throw new Error('the replay ended: no entry can be added');
    const i = this.n;
    this.reserve(i + 1);
    const c = this.counts;
    c.entries++;
    let v: number;
    let prev = -1;
    let need = 0;
    if (e.status !== 'ok') {
      v = VERDICT_SKIPPED;
      c.skipped++;
    } else if (e.dedupId === undefined) {
      v = VERDICT_NO_ID;
      c.noId++;
    } else {
      const id = e.dedupId;
      digestText(id, this.digest);
      const slot = this.seen.find(this.digest[0]!, this.digest[1]!, this.seen.size, i);
      const dup = this.window.isDuplicate(id);
      if (slot < 0) {
        // Never seen: the window cannot hold it either.
        v = VERDICT_DELIVERED;
        c.delivered++;
        this.defaultWindow?.isDuplicate(id);
      } else {
        prev = this.seen.lastAt(slot);
        this.seen.setLast(slot, i);
        // Distinct ids first seen after this one's first copy, plus itself (see ConsumerCounts.windowNeeded).
        need = this.seen.size - this.seen.ordinalAt(slot);
        if (need > c.windowNeeded) c.windowNeeded = need;
        if (dup) {
          v = VERDICT_DROPPED;
          c.dropped++;
        } else {
          v = VERDICT_LET_THROUGH;
          c.letThrough++;
        }
        if (this.defaultWindow) {
          if (this.defaultWindow.isDuplicate(id)) v |= DEFAULT_DROPPED_BIT;
          else {
            v |= DEFAULT_LET_BIT;
            c.defaultLetThrough++;
          }
        } else if (!dup) c.defaultLetThrough++;
      }
    }
    this.verdicts[i] = v;
    this.prev[i] = prev;
    this.need[i] = need;
    this.keepText(i, e.id, e.dedupId);
    this.n = i + 1;
  }

  private reserve(n: number): void {
    if (n <= this.verdicts.length) return;
    this.verdicts = grown(this.verdicts, n);
    this.prev = grown(this.prev, n);
    this.need = grown(this.need, n);
    this.textAt = grown(this.textAt, n);
    this.idLen = grown(this.idLen, n);
    this.dedupLen = grown(this.dedupLen, n);
  }

  private keepText(i: number, id: string, dedupId: string | undefined): void {
    // Stream ids are ASCII (at most 41 characters); a dedup_id is at most 3 bytes per code unit.
    const max = id.length + (dedupId === undefined ? 0 : dedupId.length * 3);
    if (this.arenaUsed + max > this.arena.length) {
      let size = this.arena.length * 2;
      while (size < this.arenaUsed + max) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = next;
    }
    const at = this.arenaUsed;
    this.textAt[i] = at;
    const idBytes = Math.min(id.length, 255);
    for (let k = 0; k < idBytes; k++) this.arena[at + k] = id.charCodeAt(k);
    this.idLen[i] = idBytes;
    if (dedupId === undefined) {
      this.dedupLen[i] = -1;
      this.arenaUsed = at + idBytes;
    } else {
      const { written } = encoder.encodeInto(dedupId, this.arena.subarray(at + idBytes));
      this.dedupLen[i] = written;
      this.arenaUsed = at + idBytes + written;
    }
  }

  /** The verdict of entry `i` (one of CONSUMER_VERDICTS' positions). */
  verdictAt(i: number): number {
    return this.verdicts[i]! & VERDICT_MASK;
  }

  idAt(i: number): string {
    const at = this.textAt[i]!;
    return String.fromCharCode(...this.arena.subarray(at, at + this.idLen[i]!));
  }

  dedupIdAt(i: number): string | undefined {
    const len = this.dedupLen[i]!;
    if (len < 0) return undefined;
    const at = this.textAt[i]! + this.idLen[i]!;
    return decoder.decode(this.arena.subarray(at, at + len));
  }

  /** One row for the view. */
  row(i: number): ConsumerRow {
    const raw = this.verdicts[i]!;
    const row: ConsumerRow = { index: i, id: this.idAt(i), verdict: CONSUMER_VERDICTS[raw & VERDICT_MASK]! };
    const dedupId = this.dedupIdAt(i);
    if (dedupId !== undefined) row.dedupId = dedupId;
    const prev = this.prev[i]!;
    if (prev >= 0) {
      row.prevIndex = prev;
      row.prevId = this.idAt(prev);
      row.windowNeeded = this.need[i]!;
      if (raw & DEFAULT_DROPPED_BIT) row.defaultVerdict = 'dropped';
      else if (raw & DEFAULT_LET_BIT) row.defaultVerdict = 'let-through';
    }
    return row;
  }

  /** How many entries match `filter` so far. */
  matching(filter: ConsumerFilter): number {
    return this.index(filter).len;
  }

  /** Rows `offset..offset+count` of those matching `filter`. */
  rows(filter: ConsumerFilter, offset: number, count: number): ConsumerRow[] {
    const f = this.index(filter);
    const out: ConsumerRow[] = [];
    const end = Math.min(f.len, offset + count);
    for (let k = Math.max(0, offset); k < end; k++) out.push(this.row(filter === 'all' ? k : f.list[k]!));
    return out;
  }

  /** Where replay position `index` falls among the rows of `filter` (-1 when it does not match). */
  positionOf(filter: ConsumerFilter, index: number): number {
    if (filter === 'all') return index < this.n ? index : -1;
    const f = this.index(filter);
    let lo = 0;
    let hi = f.len - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = f.list[mid]!;
      if (v === index) return mid;
      if (v < index) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private index(filter: ConsumerFilter): { list: Uint32Array; len: number; upTo: number } {
    if (filter === 'all') return { list: new Uint32Array(0), len: this.n, upTo: this.n };
    let f = this.filtered.get(filter);
    if (!f) {
      f = { list: new Uint32Array(1024), len: 0, upTo: 0 };
      this.filtered.set(filter, f);
    }
    for (let i = f.upTo; i < this.n; i++) {
      if (!verdictMatches(this.verdicts[i]! & VERDICT_MASK, filter)) continue;
      f.list = grown(f.list, f.len + 1);
      f.list[f.len++] = i;
    }
    f.upTo = this.n;
    return f;
  }

  /** Bytes held for the per-entry record (for the README's figure and the tests). */
  memoryBytes(): number {
    let filters = 0;
    for (const f of this.filtered.values()) filters += f.list.byteLength;
    return (
      this.verdicts.byteLength + this.prev.byteLength + this.need.byteLength + this.textAt.byteLength + this.idLen.byteLength + this.dedupLen.byteLength + this.arena.byteLength + this.seen.bytes() + filters
    );
  }
}

/** What the replay reads pages through: `MeshAdapter.poll` (poll_shard semantics). */
export interface PageSource {
  poll(shard: number, after: string | null, limit: number): Promise<ShardPage>;
}

export interface ReplayOptions {
  shard: number;
  /** Exclusive cursor to start after; null starts at the oldest entry (`XRANGE key - +`). */
  from: string | null;
  /** poll_shard's limit, 1..10,000. */
  limit: number;
  /** Stop after this id (the stream's last entry when the replay started), so a live shard ends. */
  until: string | null;
  signal?: AbortSignal;
  /** Called after every page. */
  onPage?(state: ConsumerReplayState, cursor: string | null): void;
}

/**
 * Polls pages from `from` until a page says nothing follows (`hasMore` false) or the cursor passes
 * `until`, feeding each to `state`. Entries after `until` in the last page are still decided (a
 * consumer polling then would have read them too); nothing later is read. Throws what `poll`
 * throws; an aborted signal stops it between pages with an AbortError.
 */
export async function replayShard(source: PageSource, state: ConsumerReplayState, opts: ReplayOptions): Promise<string | null> {
  let cursor = opts.from;
  for (;;) {
    if (opts.signal?.aborted) throw Object.assign(new Error('consumer replay cancelled'), { name: 'AbortError' });
    const page = await source.poll(opts.shard, cursor, opts.limit);
    state.addPage(page);
    // poll_shard's next_id: the last raw entry looked at; null on an empty page (the cursor stays).
    if (page.nextId !== null) cursor = page.nextId;
    opts.onPage?.(state, cursor);
    if (!page.hasMore || page.nextId === null) return cursor;
    if (opts.until !== null && cursor !== null && compareStreamIds(cursor, opts.until) >= 0) return cursor;
  }
}

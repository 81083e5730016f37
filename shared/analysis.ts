/**
 * Whole-shard data-quality analysis, exactly as cli.md `scan` defines it: entry counts, duplicate
 * dedup_ids (retry duplicates vs collisions), sequence gaps per producer nonce, misrouted entries.
 *
 * Pure and streaming: entries are fed one at a time and nothing per entry is kept but a compact
 * duplicate-index slot (PRODUCT.md budget: under 48 bytes per entry, so a 10,000,000-entry scan
 * stays under 1 GB RSS). Payloads are never retained: each is reduced to a 64-bit hash.
 */
import { DigestWindow, idDigestBytes, idDigestText } from './consumer-window';
import { ordinalAfterPrefix, ordinalAfterTextPrefix, parseDedupId, storedIdText } from './dedup-id';
import type { GapRange, MeshEntry, ShardAnalysis } from './types';

/** How a dedup_id carried by several entries of one shard looks. */
export type DuplicateKind = 'retry' | 'collision';

/** One duplicated dedup_id of a shard, as `ShardAnalyzer.duplicates()` lists it. */
export interface DuplicateGroup {
  dedupId: string;
  /** Number of entries carrying this id (at least 2). */
  count: number;
  kind: DuplicateKind;
}

// ---------- payload hashing ----------

/**
 * Two independent 32-bit hashes of a payload, together a 64-bit digest: murmur3's block mix, and
 * a multiply/xorshift lane (murmur2-style) with its own seed, both over 32-bit words. "Byte-
 * identical" in cli.md's collision rule is decided by this 64-bit digest: two different payloads
 * under one id are reported as a retry only if both hashes collide (about 1 in 2^64 per pair).
 *
 * Bytes are hashed 4 at a time, text 2 UTF-16 code units at a time, so a payload given as text
 * and the same payload given as bytes do NOT hash alike: one analyzer must be fed one
 * representation per payload (the scan always passes the stored bytes; for text, equal text
 * means equal UTF-8 bytes).
 */
function hashBytes(bytes: Uint8Array, start: number, stop: number, out: Uint32Array): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  const n = stop - start;
  const end = start + (n & ~3);
  let k = start;
  for (; k < end; k += 4) {
    const w = bytes[k]! | (bytes[k + 1]! << 8) | (bytes[k + 2]! << 16) | (bytes[k + 3]! << 24);
    let x = Math.imul(w, 0xcc9e2d51);
    x = Math.imul((x << 15) | (x >>> 17), 0x1b873593);
    a ^= x;
    a = (Math.imul((a << 13) | (a >>> 19), 5) + 0xe6546b64) | 0;
    b = Math.imul(b ^ w, 0x5bd1e995);
    b ^= b >>> 15;
  }
  if (k < stop) {
    let w = 0;
    for (let shift = 0; k < stop; k++, shift += 8) w |= bytes[k]! << shift;
    const x = Math.imul(w, 0xcc9e2d51);
    a ^= Math.imul((x << 15) | (x >>> 17), 0x1b873593);
    b = Math.imul(b ^ w, 0x5bd1e995);
    b ^= b >>> 15;
  }
  out[0] = fmix32(a ^ n) >>> 0;
  out[1] = fmix32(b ^ n) >>> 0;
}

/**
 * The digest the analyzer keeps of a stored `d` given as bytes (`bytes[start..stop)`; an empty
 * range for an entry without `d`): two 32-bit words in `out`. For readers that hash in another
 * thread and hand the digest to {@link ShardAnalyzer.addDigested}.
 */
export function payloadDigest(bytes: Uint8Array, start: number, stop: number, out: Uint32Array): void {
  hashBytes(bytes, start, stop, out);
}

function hashText(text: string, out: Uint32Array): void {
  // Different seeds from hashBytes: text and bytes are different representations (see above).
  let a = 0x3c6ef372;
  let b = 0xa54ff53a;
  const n = text.length;
  const end = n & ~1;
  let k = 0;
  for (; k < end; k += 2) {
    const w = text.charCodeAt(k) | (text.charCodeAt(k + 1) << 16);
    const x = Math.imul(w, 0xcc9e2d51);
    a ^= Math.imul((x << 15) | (x >>> 17), 0x1b873593);
    a = (Math.imul((a << 13) | (a >>> 19), 5) + 0xe6546b64) | 0;
    b = Math.imul(b ^ w, 0x5bd1e995);
    b ^= b >>> 15;
  }
  if (k < n) {
    const w = text.charCodeAt(k);
    const x = Math.imul(w, 0xcc9e2d51);
    a ^= Math.imul((x << 15) | (x >>> 17), 0x1b873593);
    b = Math.imul(b ^ w, 0x5bd1e995);
    b ^= b >>> 15;
  }
  out[0] = fmix32(a ^ n) >>> 0;
  out[1] = fmix32(b ^ n) >>> 0;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

// ---------- the duplicate index ----------

/*
 * Open addressing with linear probing over one interleaved Uint32Array (4 words per slot, so a
 * probe touches one cache line) plus one Uint16 per slot:
 *   slots[4s]      key word: bits 0-20 `i` + 1 (0 = empty slot); bits 21-29 the group's low 9
 *                  bits; bit 30: seen more than once; bit 31: payloads differ (collision)
 *   slots[4s + 1]  low 32 bits of `seq`
 *   slots[4s + 2], slots[4s + 3]  64-bit digest of the first payload seen under this id
 *   extra[s]       high byte: the group's high 8 bits; low byte: copies - 1, written only for
 *                  duplicates, 255 = saturated (exact count in `bigCounts`)
 * A group is one (nonce, shard part, seq >> 32) triple, interned, so `(group, seqLo, i)` is the
 * whole dedup_id tuple. parseDedupId accepts canonical text only, so ids map 1:1 to tuples and
 * comparing tuples is comparing the exact strings consumers' dedup compares (contract section 5).
 * Up to 131,071 groups, so a stream keeps the compact index through thousands of producer
 * restarts (each restart without a nonce file is a new nonce). Ids that do not fit (`i` >= 2^20,
 * more groups, seq past 2^53) go to an exact Map; net-mesh batches are at most 1,000,000 events
 * (contract 2), so `i` < 2^20 for real producers.
 *
 * 18 bytes per slot. Growth doubles the table when it is 80% full, so between growths the load
 * factor stays in [0.4, 0.8]: at most 18 / 0.4 = 45 bytes per distinct id, hence per entry
 * (PRODUCT.md budget: under 48).
 */
const I_LIMIT = 1 << 20;
const I_FIELD = 0x1fffff;
const GROUP_SHIFT = 21;
const GROUP_LOW_MASK = 0x1ff;
const GROUP_LIMIT = (1 << 17) - 1;
const KEY_MASK = 0x3fffffff;
const DUP_BIT = 0x40000000;
const COLLISION_BIT = 0x80000000;
const COPIES_MASK = 0xff;
const SATURATED = 255;
const MAX_LOAD = 0.8;
const INITIAL_CAPACITY = 1024;
/** Pre-sizing stops here (a 2^25-slot table, 570 MB); a bigger stream grows the table as it goes. */
const MAX_PRESIZE_ENTRIES = 2 ** 25 * MAX_LOAD;
const TWO_32 = 4294967296;
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
/** Rough heap cost of one exact-map entry (Map slot, key string header, record), for memoryBytes(). */
const EXACT_ENTRY_OVERHEAD = 120;

interface ExactRecord {
  a: number;
  b: number;
  count: number;
  collision: boolean;
}

interface Group {
  nonce: string;
  shard: number;
  seqHigh: number;
}

/**
 * A set of ordinals as sorted, disjoint, non-adjacent inclusive ranges [from[k], to[k]]. Ordinals
 * of one producer arrive almost in order (contract 3.8), so the last range is checked first and
 * extending it is O(1). Out-of-order ordinals are buffered and merged in bulk (sort + one linear
 * merge when the buffer reaches half the number of ranges), so even a shuffled stream costs
 * O(n log n) in all, never a splice per entry.
 */
class Intervals {
  from: number[] = [];
  to: number[] = [];
  private pending: number[] = [];

  add(x: number): void {
    const n = this.from.length;
    if (n === 0) {
      this.from.push(x);
      this.to.push(x);
      return;
    }
    const lastTo = this.to[n - 1]!;
    if (x === lastTo + 1) {
      this.to[n - 1] = x;
      return;
    }
    if (x > lastTo + 1) {
      this.from.push(x);
      this.to.push(x);
      return;
    }
    if (x >= this.from[n - 1]!) return;
    this.pending.push(x);
    if (this.pending.length >= Math.max(4096, n >> 1)) this.flush();
  }

  /** Merges the buffered out-of-order ordinals into the ranges. */
  flush(): void {
    if (this.pending.length === 0) return;
    const points = Float64Array.from(this.pending).sort();
    this.pending = [];
    const from: number[] = [];
    const to: number[] = [];
    const emit = (f: number, t: number) => {
      const last = to.length - 1;
      if (last >= 0 && f <= to[last]! + 1) {
        if (t > to[last]!) to[last] = t;
      } else {
        from.push(f);
        to.push(t);
      }
    };
    let i = 0;
    let j = 0;
    const n = this.from.length;
    while (i < n || j < points.length) {
      if (j >= points.length || (i < n && this.from[i]! <= points[j]!)) {
        emit(this.from[i]!, this.to[i]!);
        i++;
      } else {
        emit(points[j]!, points[j]!);
        j++;
      }
    }
    this.from = from;
    this.to = to;
  }

  /** Ranges plus buffered ordinals, for memory accounting. */
  get size(): number {
    return this.from.length + this.pending.length / 2;
  }

  /** Whether `x` was added (binary search over the ranges, after merging the buffer). */
  has(x: number): boolean {
    this.flush();
    let lo = 0;
    let hi = this.from.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (x < this.from[mid]!) hi = mid - 1;
      else if (x > this.to[mid]!) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

interface NonceGaps {
  nonceValue: bigint;
  ranges: Intervals;
  /** Ordinals added while `ShardAnalyzer.atOrBelowMaxDeleted` was set (gap causes); null until one was. */
  below: Intervals | null;
}

/**
 * Streaming analysis of one shard stream. Feed every entry of the stream with `add` (any order,
 * each entry once), then call `result()`.
 *
 * Guarantees (cli.md `scan`):
 * - `entries`/`ok`/`corrupt` count what was added.
 * - Dedup analysis covers every entry whose `dedupId` parses (`parseDedupId`), corrupt or not;
 *   dedup_ids are compared as exact strings, as consumers' dedup does (contract section 5).
 * - `duplicateGroups` = ids carried by 2+ entries; `duplicateEntries` = sum of (entries - 1) over
 *   them; `collisionGroups` = those whose payloads are not all identical (64-bit digest, see
 *   hashBytes). The payload passed to `add` must be the entry's whole stored `d` (bytes, or text
 *   for every entry; empty when there is no `d`).
 * - `gaps`: per nonce, the missing ordinals (seq + i) between the lowest and highest seen, as
 *   inclusive ranges sorted by nonce value then `from`. Only dedup_ids whose shard part is this
 *   stream's shard take part: the ordinal counter is per (nonce, shard) (contract item 6), so a
 *   misrouted id's ordinal belongs to another sequence and would invent gaps. Ordinals above
 *   2^53 - 1 are left out (they cannot be reported as JSON numbers).
 * - `misrouted`: entries whose payload `s` (ok entries; a missing `s` reads as 0, contract item 24)
 *   or dedup_id shard part differs from the stream's shard; each entry counted once.
 * - Memory: `memoryBytes()` / entries stays under 48 (PRODUCT.md) for canonical ids of up to
 *   131,071 (nonce, shard part, seq >> 32) groups. Gap ranges add 16 bytes per range: nothing
 *   for a producer-shaped stream, up to 16 per entry for one whose every ordinal is isolated.
 * - Time: O(1) per entry in a producer-shaped stream; a shuffled stream costs O(log n) per entry
 *   amortized (buffered range merges), never a quadratic blow-up.
 */
export class ShardAnalyzer {
  private entries = 0;
  private ok = 0;
  private corrupt = 0;
  private misrouted = 0;
  private duplicateGroups = 0;
  private duplicateEntries = 0;
  private collisionGroups = 0;

  private capacity = INITIAL_CAPACITY;
  private used = 0;
  private slots = new Uint32Array(INITIAL_CAPACITY * 4);
  private extra = new Uint16Array(INITIAL_CAPACITY);
  /** Exact counts of slots whose count byte saturated, keyed by `${group}:${seqLo}:${i}`. */
  private readonly bigCounts = new Map<string, number>();

  private readonly groups: Group[] = [];
  private readonly groupIndex = new Map<string, number>();
  private lastGroupNonce = '';
  private lastGroupShard = -1;
  private lastGroupSeqHigh = -1;
  private lastGroup = -1;

  private readonly exact = new Map<string, ExactRecord>();
  private exactKeyChars = 0;

  private readonly gapsByNonce = new Map<string, NonceGaps>();
  private lastGapNonce = '';
  private lastGap: NonceGaps | null = null;

  /**
   * Gap causes (shared/gap-cause.ts, issue 17): the caller sets this while it adds the entries whose
   * stream ids are at or below the stream's `max-deleted-entry-id` (the scan reads that range
   * first, then the rest with it cleared), so {@link seenAtOrBelowMaxDeleted} can tell whether the
   * entry before a gap is older than the newest XDEL. Off by default: nothing extra is recorded.
   */
  atOrBelowMaxDeleted = false;

  private readonly digest = new Uint32Array(2);
  /** Set by fastKey: the slot key word (without flags), seqLo and group high bits of the id just parsed. */
  private fastKeyW = 0;
  private fastSeqLo = 0;
  private fastGroupHigh = 0;
  /** The text up to the last ':' of the last id parsed in full, and the same as bytes. */
  private cachePrefix = '';
  private cachePrefixBytes = new Uint8Array(0);
  /** Set by parseId/parseIdBytes: the parts of the id just parsed. */
  private pNonce = '';
  private pNonceValue = 0n;
  private pShard = 0;
  private pSeq = 0;
  private pSeqHigh = 0;
  private pI = 0;
  private finished: ShardAnalysis | null = null;
  /** Opt-in (`defaultConsumer`): a default consumer's window over the ok entries, in stream order. */
  private readonly consumer: DigestWindow | null;
  private redeliveries = 0;
  /** Digests of ids whose copies so far were all corrupt (see noteConsumer). */
  private readonly corruptFirst = new Set<number>();
  /** Entries were fed out of stream order (parallel readers): the consumer figure is unknown. */
  private unordered = false;

  /**
   * `expectedEntries` (e.g. the stream's XLEN) sizes the duplicate index up front, to the size it
   * would grow to anyway, so a scan does not rehash it ten times on the way.
   */
  constructor(
    readonly shard: number,
    readonly key: string,
    opts: { expectedEntries?: number; defaultConsumer?: boolean } = {},
  ) {
    this.consumer = opts.defaultConsumer ? new DigestWindow() : null;
    const expected = Math.min(opts.expectedEntries ?? 0, MAX_PRESIZE_ENTRIES);
    if (expected > INITIAL_CAPACITY * MAX_LOAD) {
      let capacity = INITIAL_CAPACITY;
      while (capacity * MAX_LOAD < expected) capacity *= 2;
      this.capacity = capacity;
      this.slots = new Uint32Array(capacity * 4);
      this.extra = new Uint16Array(capacity);
    }
  }

  /**
   * Adds one stream entry; `payload` is its whole stored `d`, '' when it has none. Pass bytes or
   * text, the same kind for every entry of one analyzer (see hashBytes).
   */
  add(entry: MeshEntry, payload: string | Uint8Array): void {
    this.addParts(entry.status === 'ok', entry.status === 'ok' ? entry.s : -1, entry.dedupId, payload);
  }

  /**
   * `add` without building a MeshEntry, for readers that decode entries themselves (the scan):
   * `ok` and `s` as the reader decided them (`s` is ignored for corrupt entries); `dedupId` as
   * text or as the stored bytes (a dedup_id that is not ASCII can never parse, so bytes lose
   * nothing).
   */
  addParts(ok: boolean, s: number, dedupId: string | Uint8Array | undefined, payload: string | Uint8Array): void {
    if (typeof dedupId !== 'string' && typeof payload !== 'string') {
      // Bytes: the reply-buffer path with whole-array ranges (one code path for bytes).
      if (dedupId === undefined) this.addRange(ok, s, payload, -1, -1, 0, payload.length);
      else this.addSeparate(ok, s, dedupId, payload);
      return;
    }
    this.finished = null;
    this.entries++;
    let misrouted = false;
    if (ok) {
      this.ok++;
      if (s !== this.shard) misrouted = true;
    } else {
      this.corrupt++;
    }
    if (dedupId !== undefined && (typeof dedupId === 'string' ? this.parseId(dedupId) : this.parseIdBytes(dedupId, 0, dedupId.length))) {
      const shard = this.pShard;
      if (shard !== this.shard) misrouted = true;
      if (typeof payload === 'string') hashText(payload, this.digest);
      else hashBytes(payload, 0, payload.length, this.digest);
      const dups = this.duplicateEntries;
      this.index(dedupId, 0, dedupId.length);
      if (this.consumer !== null) this.noteConsumer(ok, typeof dedupId === 'string' ? idDigestText(dedupId) : idDigestBytes(dedupId, 0, dedupId.length), this.duplicateEntries > dups);
      if (shard === this.shard && this.pSeq >= 0 && this.pI >= 0 && this.pSeq + this.pI <= Number.MAX_SAFE_INTEGER) {
        this.addOrdinal(this.pNonce, this.pNonceValue, this.pSeq + this.pI);
      }
    }
    if (misrouted) this.misrouted++;
  }

  /**
   * `addParts` for an entry decoded in place inside one reply buffer (the scan's RESP reader): its
   * dedup_id is `buf[idStart..idEnd)` (`idStart` -1: none) and its stored `d` is
   * `buf[dStart..dEnd)` (an empty range when it has none). Nothing is copied or decoded to text
   * on the common path (ids of one batch share their text up to the last ':').
   */
  addRange(ok: boolean, s: number, buf: Uint8Array, idStart: number, idEnd: number, dStart: number, dEnd: number): void {
    this.addWith(ok, s, buf, idStart, idEnd, buf, dStart, dEnd, 0, 0);
  }

  /**
   * {@link addRange} for a reader that hashed the stored `d` itself ({@link payloadDigest}, e.g.
   * in another thread): `a`/`b` is its digest; nothing of `d` is needed here.
   */
  addDigested(ok: boolean, s: number, buf: Uint8Array, idStart: number, idEnd: number, a: number, b: number): void {
    this.addWith(ok, s, buf, idStart, idEnd, null, 0, 0, a, b);
  }

  /** The body of addRange/addDigested: `payload` null means the digest is `a`/`b`. */
  private addWith(ok: boolean, s: number, buf: Uint8Array, idStart: number, idEnd: number, payload: Uint8Array | null, dStart: number, dEnd: number, a: number, b: number): void {
    this.finished = null;
    this.entries++;
    let misrouted = false;
    if (ok) {
      this.ok++;
      if (s !== this.shard) misrouted = true;
    } else {
      this.corrupt++;
    }
    if (idStart >= 0 && this.parseIdBytes(buf, idStart, idEnd)) {
      const shard = this.pShard;
      if (shard !== this.shard) misrouted = true;
      if (payload !== null) {
        hashBytes(payload, dStart, dEnd, this.digest);
      } else {
        this.digest[0] = a;
        this.digest[1] = b;
        // Only the worker-thread readers hand digests, and they feed ranges out of order.
        this.unordered = true;
      }
      const dups = this.duplicateEntries;
      this.index(buf, idStart, idEnd);
      if (this.consumer !== null) this.noteConsumer(ok, idDigestBytes(buf, idStart, idEnd), this.duplicateEntries > dups);
      if (shard === this.shard && this.pSeq >= 0 && this.pI >= 0 && this.pSeq + this.pI <= Number.MAX_SAFE_INTEGER) {
        this.addOrdinal(this.pNonce, this.pNonceValue, this.pSeq + this.pI);
      }
    }
    if (misrouted) this.misrouted++;
  }

  /** Bytes in two separate arrays: copied into one so {@link addRange} decides (rare: tests, callers with views). */
  private addSeparate(ok: boolean, s: number, dedupId: Uint8Array, payload: Uint8Array): void {
    const both = new Uint8Array(dedupId.length + payload.length);
    both.set(dedupId, 0);
    both.set(payload, dedupId.length);
    this.addRange(ok, s, both, 0, dedupId.length, dedupId.length, both.length);
  }

  /**
   * A default consumer's decision on one entry whose dedup_id parsed (`seenBefore`: the index had
   * it already). Corrupt entries never reach a consumer; an id first carried by corrupt entries is
   * remembered apart (they are rare) so that its first ok copy is not taken for a re-delivery.
   */
  private noteConsumer(ok: boolean, key: number, seenBefore: boolean): void {
    if (!ok) {
      if (!seenBefore) this.corruptFirst.add(key);
      return;
    }
    const earlierOk = seenBefore && !(this.corruptFirst.size > 0 && this.corruptFirst.delete(key));
    if (!this.consumer!.isDuplicate(key) && earlierOk) this.redeliveries++;
  }

  /**
   * Ok entries a default consumer (a 4096-id window, FIFO) would deliver a second time: an earlier
   * ok entry carried their dedup_id and it had left the window. Null unless the analyzer was made
   * with `defaultConsumer` and fed in stream order.
   */
  defaultConsumerRedeliveries(): number | null {
    return this.consumer === null || this.unordered ? null : this.redeliveries;
  }

  /** The shard's figures so far (cli.md `scan` shape, fields in the documented order). */
  result(): ShardAnalysis {
    if (this.finished) return this.finished;
    const gaps: GapRange[] = [];
    for (const [nonce, g] of this.noncesByValue()) {
      g.ranges.flush();
      const { from, to } = g.ranges;
      for (let k = 1; k < from.length; k++) gaps.push({ nonce, from: to[k - 1]! + 1, to: from[k]! - 1 });
    }
    this.finished = {
      shard: this.shard,
      key: this.key,
      entries: this.entries,
      ok: this.ok,
      corrupt: this.corrupt,
      duplicateGroups: this.duplicateGroups,
      duplicateEntries: this.duplicateEntries,
      collisionGroups: this.collisionGroups,
      gaps,
      misrouted: this.misrouted,
    };
    return this.finished;
  }

  /**
   * Whether `dedupId` is carried by more than one entry added so far, and if so whether all of
   * them carry the same payload (`retry`) or not (`collision`). `undefined` for ids seen at most
   * once or that do not parse.
   */
  duplicateStatus(dedupId: string): DuplicateKind | undefined {
    return this.duplicateInfo(dedupId)?.kind;
  }

  /** As {@link duplicateStatus}, with the number of entries carrying the id (`copies` >= 2). */
  duplicateInfo(dedupId: string): { kind: DuplicateKind; copies: number } | undefined {
    if (!this.parseId(dedupId)) return undefined;
    if (!this.fastKey(false)) {
      const rec = this.exact.get(dedupId);
      if (!rec || rec.count < 2) return undefined;
      return { kind: rec.collision ? 'collision' : 'retry', copies: rec.count };
    }
    const s = this.find(this.fastKeyW, this.fastSeqLo, this.fastGroupHigh);
    if (s < 0 || !(this.slots[4 * s]! & DUP_BIT)) return undefined;
    return { kind: this.slots[4 * s]! & COLLISION_BIT ? 'collision' : 'retry', copies: this.copies(s) };
  }

  /** Every duplicated dedup_id with its entry count and kind; order unspecified. */
  *duplicates(): IterableIterator<DuplicateGroup> {
    for (let s = 0; s < this.capacity; s++) {
      const w = this.slots[4 * s]!;
      if (!(w & DUP_BIT)) continue;
      const g = this.groups[groupOf(w, this.extra[s]!)]!;
      const seq = BigInt(g.seqHigh) * BigInt(TWO_32) + BigInt(this.slots[4 * s + 1]!);
      yield {
        dedupId: `${g.nonce}:${g.shard}:${seq}:${(w & I_FIELD) - 1}`,
        count: this.copies(s),
        kind: w & COLLISION_BIT ? 'collision' : 'retry',
      };
    }
    for (const [dedupId, rec] of this.exact) {
      if (rec.count >= 2) yield { dedupId, count: rec.count, kind: rec.collision ? 'collision' : 'retry' };
    }
  }

  /**
   * Head gaps: per nonce whose lowest ordinal seen is above 0, the range 0..lowest-1 (producers
   * count each shard's ordinals from 0, contract item 6), sorted by nonce value. Same ordinals as
   * `gaps` (this shard's own dedup_ids, at most 2^53 - 1); no cause (gap-cause.ts adds it).
   */
  headGaps(): GapRange[] {
    const out: GapRange[] = [];
    for (const [nonce, g] of this.noncesByValue()) {
      g.ranges.flush();
      const lowest = g.ranges.from[0];
      if (lowest !== undefined && lowest > 0) out.push({ nonce, from: 0, to: lowest - 1 });
    }
    return out;
  }

  /** Whether `ordinal` of `nonce` was added while {@link atOrBelowMaxDeleted} was set. */
  seenAtOrBelowMaxDeleted(nonce: string, ordinal: number): boolean {
    return this.gapsByNonce.get(nonce)?.below?.has(ordinal) ?? false;
  }

  /**
   * Approximate bytes held by the analyzer: the duplicate index's typed arrays exactly, plus
   * estimates for the exact-map fallback, interned groups and gap ranges. Used by the benchmark to
   * check the 48-bytes-per-entry budget.
   */
  memoryBytes(): number {
    let bytes = this.slots.byteLength + this.extra.byteLength;
    bytes += this.exact.size * EXACT_ENTRY_OVERHEAD + this.exactKeyChars * 2;
    bytes += this.bigCounts.size * 64;
    bytes += this.groups.length * 96;
    for (const g of this.gapsByNonce.values()) bytes += 96 + (g.ranges.size + (g.below?.size ?? 0)) * 16;
    return bytes;
  }

  // ---------- internals ----------

  private noncesByValue(): Array<[string, NonceGaps]> {
    return [...this.gapsByNonce.entries()].sort((x, y) => (x[1].nonceValue < y[1].nonceValue ? -1 : x[1].nonceValue > y[1].nonceValue ? 1 : 0));
  }

  /**
   * Parses a dedup_id into `pNonce`, `pNonceValue`, `pShard`, `pSeq`, `pSeqHigh`, `pI`; false when
   * it does not parse. `pSeq`/`pI` are -1 when the value passes 2^53 - 1 (such ids go to the exact
   * map and take no part in gaps).
   *
   * parseDedupId is the authority on the format; the ids of one batch share everything up to the
   * last ':', so that prefix's parse is cached and only the index `i` is read per entry (the full
   * parse with its BigInts was most of the analysis time).
   */
  private parseId(s: string): boolean {
    const i = ordinalAfterTextPrefix(s, this.cachePrefix);
    if (i >= 0) {
      this.pI = i;
      return true;
    }
    const parsed = parseDedupId(s);
    if (parsed === null) return false;
    const prefix = s.slice(0, s.lastIndexOf(':') + 1);
    this.cachePrefix = prefix;
    this.cachePrefixBytes = new Uint8Array(prefix.length);
    for (let k = 0; k < prefix.length; k++) this.cachePrefixBytes[k] = prefix.charCodeAt(k);
    this.pNonce = parsed.nonce;
    this.pNonceValue = parsed.nonceValue;
    this.pShard = parsed.shard;
    this.pSeq = parsed.seq <= MAX_SAFE_BIG ? Number(parsed.seq) : -1;
    this.pSeqHigh = this.pSeq >= 0 ? Math.floor(this.pSeq / TWO_32) : -1;
    this.pI = parsed.i <= MAX_SAFE_BIG ? Number(parsed.i) : -1;
    return true;
  }

  /** parseId on the stored bytes `b[start..end)`, without making a string on the common path (same prefix). */
  private parseIdBytes(b: Uint8Array, start: number, end: number): boolean {
    const i = ordinalAfterPrefix(b, start, end, this.cachePrefixBytes);
    if (i >= 0) {
      this.pI = i;
      return true;
    }
    const text = storedIdText(b, start, end);
    return text !== null && this.parseId(text);
  }

  /**
   * Puts the compact tuple key of the id just parsed in `fastKeyW`/`fastSeqLo`; false when the
   * id must go to the exact map. `intern` false: only look up groups (for queries), never create.
   */
  private fastKey(intern: boolean): boolean {
    const seq = this.pSeq;
    const i = this.pI;
    if (seq < 0 || i < 0 || i >= I_LIMIT) return false;
    const nonce = this.pNonce;
    const shard = this.pShard;
    const seqHigh = this.pSeqHigh;
    let group: number;
    if (nonce === this.lastGroupNonce && shard === this.lastGroupShard && seqHigh === this.lastGroupSeqHigh) {
      group = this.lastGroup;
    } else {
      const gk = `${nonce}:${shard}:${seqHigh}`;
      const found = this.groupIndex.get(gk);
      if (found !== undefined) {
        group = found;
      } else {
        if (!intern || this.groups.length >= GROUP_LIMIT) return false;
        group = this.groups.length;
        this.groups.push({ nonce, shard, seqHigh });
        this.groupIndex.set(gk, group);
      }
      this.lastGroupNonce = nonce;
      this.lastGroupShard = shard;
      this.lastGroupSeqHigh = seqHigh;
      this.lastGroup = group;
    }
    this.fastKeyW = ((group & GROUP_LOW_MASK) << GROUP_SHIFT) | (i + 1);
    this.fastGroupHigh = group >>> 9;
    this.fastSeqLo = seq - seqHigh * TWO_32;
    return true;
  }

  /** Records the id just parsed (`dedupId`, or its bytes at `start..end`) with the payload digest in `digest`. */
  private index(dedupId: string | Uint8Array, start: number, end: number): void {
    const a = this.digest[0]!;
    const b = this.digest[1]!;
    if (!this.fastKey(true)) {
      const id = typeof dedupId === 'string' ? dedupId : storedIdText(dedupId, start, end)!;
      const rec = this.exact.get(id);
      if (!rec) {
        this.exact.set(id, { a, b, count: 1, collision: false });
        this.exactKeyChars += id.length;
        return;
      }
      rec.count++;
      const differs = !rec.collision && (rec.a !== a || rec.b !== b);
      if (differs) rec.collision = true;
      this.noteDuplicate(rec.count, differs);
      return;
    }
    const key = this.fastKeyW;
    const lo = this.fastSeqLo;
    const gh = this.fastGroupHigh;
    if (this.used + 1 > this.capacity * MAX_LOAD) this.grow();
    const slots = this.slots;
    const mask = this.capacity - 1;
    let s = slotHash(key, lo, gh) & mask;
    for (;;) {
      const at = 4 * s;
      const w = slots[at]!;
      if (w === 0) {
        slots[at] = key;
        slots[at + 1] = lo;
        slots[at + 2] = a;
        slots[at + 3] = b;
        if (gh !== 0) this.extra[s] = gh << 8;
        this.used++;
        return;
      }
      if ((w & KEY_MASK) === key && slots[at + 1] === lo && this.extra[s]! >>> 8 === gh) {
        const count = this.bumpCopies(s);
        const differs = !(w & COLLISION_BIT) && (slots[at + 2] !== a || slots[at + 3] !== b);
        slots[at] = (w | DUP_BIT | (differs ? COLLISION_BIT : 0)) >>> 0;
        this.noteDuplicate(count, differs);
        return;
      }
      s = (s + 1) & mask;
    }
  }

  /** Adds one copy to slot `s` and returns its new number of copies (at least 2). */
  private bumpCopies(s: number): number {
    const x = this.extra[s]!;
    const e = x & COPIES_MASK;
    if (e < SATURATED - 1) {
      this.extra[s] = x + 1;
      return e + 2;
    }
    const bk = this.bigCountKey(s);
    const count = (this.bigCounts.get(bk) ?? e + 1) + 1;
    this.bigCounts.set(bk, count);
    this.extra[s] = (x & ~COPIES_MASK) | SATURATED;
    return count;
  }

  private copies(s: number): number {
    const e = this.extra[s]! & COPIES_MASK;
    if (e !== SATURATED) return e + 1;
    return this.bigCounts.get(this.bigCountKey(s)) ?? e + 1;
  }

  private bigCountKey(s: number): string {
    const w = this.slots[4 * s]!;
    return `${groupOf(w, this.extra[s]!)}:${this.slots[4 * s + 1]!}:${w & I_FIELD}`;
  }

  /** Updates the shard's duplicate figures for an id that now has `count` entries. */
  private noteDuplicate(count: number, newlyColliding: boolean): void {
    if (count === 2) this.duplicateGroups++;
    this.duplicateEntries++;
    if (newlyColliding) this.collisionGroups++;
  }

  private find(key: number, lo: number, gh: number): number {
    const slots = this.slots;
    const mask = this.capacity - 1;
    let s = slotHash(key, lo, gh) & mask;
    for (;;) {
      const w = slots[4 * s]!;
      if (w === 0) return -1;
      if ((w & KEY_MASK) === key && slots[4 * s + 1] === lo && this.extra[s]! >>> 8 === gh) return s;
      s = (s + 1) & mask;
    }
  }

  private grow(): void {
    const oldCap = this.capacity;
    const oldSlots = this.slots;
    const oldExtra = this.extra;
    this.capacity = oldCap * 2;
    this.slots = new Uint32Array(this.capacity * 4);
    this.extra = new Uint16Array(this.capacity);
    const slots = this.slots;
    const mask = this.capacity - 1;
    for (let o = 0; o < oldCap; o++) {
      const w = oldSlots[4 * o]!;
      if (w === 0) continue;
      const lo = oldSlots[4 * o + 1]!;
      const x = oldExtra[o]!;
      let s = slotHash(w & KEY_MASK, lo, x >>> 8) & mask;
      while (slots[4 * s] !== 0) s = (s + 1) & mask;
      slots[4 * s] = w;
      slots[4 * s + 1] = lo;
      slots[4 * s + 2] = oldSlots[4 * o + 2]!;
      slots[4 * s + 3] = oldSlots[4 * o + 3]!;
      this.extra[s] = x;
    }
  }

  private addOrdinal(nonce: string, nonceValue: bigint, ordinal: number): void {
    let g = this.lastGap;
    if (g === null || nonce !== this.lastGapNonce) {
      g = this.gapsByNonce.get(nonce) ?? null;
      if (g === null) {
        g = { nonceValue, ranges: new Intervals(), below: null };
        this.gapsByNonce.set(nonce, g);
      }
      this.lastGap = g;
      this.lastGapNonce = nonce;
    }
    g.ranges.add(ordinal);
    if (this.atOrBelowMaxDeleted) (g.below ??= new Intervals()).add(ordinal);
  }
}

/**
 * Home slot of a key. The ids of a batch arrive in order (contract 3.8), so ids `i` = 4m..4m+3
 * of one batch share a 4-slot block, i.e. one 64-byte cache line: a scan touches a new line every
 * fourth entry instead of every entry. Blocks are spread over the table by a full hash of
 * (group, seq, i >> 2).
 */
function slotHash(key: number, lo: number, groupHigh: number): number {
  const i = (key & I_FIELD) - 1;
  const group = ((key >>> GROUP_SHIFT) & GROUP_LOW_MASK) | (groupHigh << 9);
  const block = fmix32(((lo ^ Math.imul(group + 1, 0x9e3779b1)) + Math.imul(i >>> 2, 0x85ebca6b)) | 0);
  return ((block & ~3) | (i & 3)) >>> 0;
}

/** The group index of a slot from its key word and extra. */
function groupOf(w: number, extra: number): number {
  return ((w >>> GROUP_SHIFT) & GROUP_LOW_MASK) | ((extra >>> 8) << 9);
}

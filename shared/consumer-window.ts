/**
 * What a default net-mesh consumer (a 4096-id `RedisStreamDedup`, contract section 5) would do, for
 * the whole-shard analysis (issue 13: "duplicates a default consumer would deliver twice"). A FIFO
 * window by insertion like RedisStreamDedup, keyed by a 53-bit digest of the dedup_id's bytes so
 * the scan's byte reader needs no string per entry: constant memory (a ring of 4096 keys and a
 * 16,384-slot table, about 160 KB), O(1) per entry. A digest collision inside the window (about 4096 / 2^53) could hide one
 * re-delivery; the consumer view (`consumer:*`) replays with exact strings.
 */
import { DEFAULT_DEDUP_CAPACITY } from './dedup-window';

export class DigestWindow {
  /** Open addressing, linear probing, at most 1/4 full: `hi`/`lo` words per slot, hi 0 = empty. */
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  private readonly mask: number;
  /** Insertion order (FIFO): the keys, as hi/lo words. */
  private readonly ringHi: Uint32Array;
  private readonly ringLo: Uint32Array;
  private head = 0;
  private size = 0;

  constructor(readonly capacity: number = DEFAULT_DEDUP_CAPACITY) {
    let slots = 16;
    while (slots < capacity * 4) slots *= 2;
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.mask = slots - 1;
    this.ringHi = new Uint32Array(capacity);
    this.ringLo = new Uint32Array(capacity);
  }

  /** Test-and-insert, as RedisStreamDedup.isDuplicate, of the key `key` (see idDigestBytes). */
  isDuplicate(key: number): boolean {
    // hi: the top 21 bits + 1 (never 0); lo: the low 32 bits.
    const h = Math.floor(key / 0x100000000) + 1;
    const l = key >>> 0;
    const mask = this.mask;
    let s = (Math.imul(l ^ h, 0x9e3779b1) >>> 0) & mask;
    for (;;) {
      const w = this.hi[s]!;
      if (w === 0) break;
      if (w === h && this.lo[s] === l) return true;
      s = (s + 1) & mask;
    }
    if (this.size >= this.capacity) {
      this.remove(this.ringHi[this.head]!, this.ringLo[this.head]!);
      // The removal may have shifted entries: find the free slot again.
      s = (Math.imul(l ^ h, 0x9e3779b1) >>> 0) & mask;
      while (this.hi[s] !== 0) s = (s + 1) & mask;
      this.ringHi[this.head] = h;
      this.ringLo[this.head] = l;
      this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    } else {
      this.ringHi[this.size] = h;
      this.ringLo[this.size] = l;
      this.size++;
    }
    this.hi[s] = h;
    this.lo[s] = l;
    return false;
  }

  /** Removes a key, shifting later entries of its probe run back (no tombstones). */
  private remove(h: number, l: number): void {
    const mask = this.mask;
    let s = (Math.imul(l ^ h, 0x9e3779b1) >>> 0) & mask;
    while (!(this.hi[s] === h && this.lo[s] === l)) s = (s + 1) & mask;
    let hole = s;
    for (let j = (hole + 1) & mask; this.hi[j] !== 0; j = (j + 1) & mask) {
      const home = (Math.imul(this.lo[j]! ^ this.hi[j]!, 0x9e3779b1) >>> 0) & mask;
      // Move j into the hole when its home is not within (hole, j] (cyclically).
      const inRun = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRun) {
        this.hi[hole] = this.hi[j]!;
        this.lo[hole] = this.lo[j]!;
        hole = j;
      }
    }
    this.hi[hole] = 0;
    this.lo[hole] = 0;
  }
}

/** A 53-bit digest of `buf[start..end)` (two multiplicative hashes, one cut to 21 bits). */
export function idDigestBytes(buf: Uint8Array, start: number, end: number): number {
  let a = 0x811c9dc5;
  let b = 0x27d4eb2f ^ (end - start);
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x85ebca6b);
    b ^= b >>> 13;
  }
  return (a >>> 11) * 0x100000000 + (b >>> 0);
}

/** {@link idDigestBytes} of a text whose characters are bytes (canonical dedup_ids are ASCII). */
export function idDigestText(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x27d4eb2f ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x85ebca6b);
    b ^= b >>> 13;
  }
  return (a >>> 11) * 0x100000000 + (b >>> 0);
}

/**
 * What a default net-mesh consumer (a 4096-id `RedisStreamDedup`, contract section 5) would do, for
 * the whole-shard analysis (issue 13: "duplicates a default consumer would deliver twice"). A FIFO
 * window by insertion like RedisStreamDedup, keyed by a 53-bit digest of the dedup_id's bytes so
 * the scan's byte reader needs no string per entry: constant memory (a ring and a set of 4096
 * numbers), O(1) per entry. A digest collision inside the window (about 4096 / 2^53) could hide one
 * re-delivery; the consumer view (`consumer:*`) replays with exact strings.
 */
import { DEFAULT_DEDUP_CAPACITY } from './dedup-window';

export class DigestWindow {
  private readonly seen = new Set<number>();
  private readonly ring: Float64Array;
  private head = 0;

  constructor(readonly capacity: number = DEFAULT_DEDUP_CAPACITY) {
    this.ring = new Float64Array(capacity);
  }

  /** Test-and-insert, as RedisStreamDedup.isDuplicate. */
  isDuplicate(key: number): boolean {
    if (this.seen.has(key)) return true;
    if (this.seen.size >= this.capacity) {
      this.seen.delete(this.ring[this.head]!);
      this.ring[this.head] = key;
      this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    } else {
      this.ring[this.seen.size] = key;
    }
    this.seen.add(key);
    return false;
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

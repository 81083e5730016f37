/**
 * Where the copies of a dedup_id are, without keeping any dedup_id: one 32-bit hash per stream
 * position (4 bytes per entry, so 4 MB for a million-entry shard). The duplicate index knows *that*
 * an id has copies and how many; this answers *where* they are: the positions whose hash matches
 * are the candidates, and the caller reads those few entries to confirm (a hash can collide, so a
 * candidate is never reported without reading it). The other copy of a retry can be 500,000
 * entries away (contract 3.10: a restarted producer reuses its ids), which rules out scanning.
 */

const CHUNK = 1 << 16;
/** Positions without a dedup_id. Real ids never hash to it (see hashDedupId). */
const NONE = 0;

/** FNV-1a over the UTF-16 code units, never 0. */
export function hashDedupId(id: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < id.length; k++) {
    h ^= id.charCodeAt(k);
    h = Math.imul(h, 0x01000193);
  }
  h >>>= 0;
  return h === NONE ? 1 : h;
}

export class DedupHints {
  private chunks: Uint32Array[] = [];
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** Records the dedup_id (or its absence) of the next position. */
  push(dedupId: string | undefined): void {
    this.pushHash(dedupId === undefined ? NONE : hashDedupId(dedupId));
  }

  /**
   * {@link push} for a dedup_id given as its stored bytes `buf[start..end)` (`start` -1: none),
   * hashed exactly as `push` hashes the text the adapter decodes from them (UTF-8, invalid
   * sequences replaced): byte by byte when they are ASCII, through that text otherwise.
   */
  pushBytes(buf: Uint8Array, start: number, end: number): void {
    if (start < 0) {
      this.pushHash(NONE);
      return;
    }
    let h = 0x811c9dc5;
    for (let k = start; k < end; k++) {
      const c = buf[k]!;
      if (c >= 0x80) {
        // The adapter's own decoding of a dedup_id (invalid UTF-8 becomes U+FFFD).
        this.pushHash(hashDedupId(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8')));
        return;
      }
      h ^= c;
      h = Math.imul(h, 0x01000193);
    }
    h >>>= 0;
    this.pushHash(h === NONE ? 1 : h);
  }

  private pushHash(h: number): void {
    const at = this.count & (CHUNK - 1);
    if (at === 0) this.chunks.push(new Uint32Array(CHUNK));
    (this.chunks[this.chunks.length - 1] as Uint32Array)[at] = h;
    this.count++;
  }

  clear(): void {
    this.chunks = [];
    this.count = 0;
  }

  /** Positions whose dedup_id may be `dedupId` (every true copy, plus rare hash collisions), at most `max`. */
  candidates(dedupId: string, max = 256): number[] {
    const h = hashDedupId(dedupId);
    const out: number[] = [];
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as Uint32Array;
      const n = Math.min(CHUNK, this.count - c * CHUNK);
      for (let k = 0; k < n; k++) {
        if (chunk[k] === h) {
          out.push(c * CHUNK + k);
          if (out.length >= max) return out;
        }
      }
    }
    return out;
  }

  /** Calls `visit` with every position that has a dedup_id and its hash, in position order. */
  forEachHash(visit: (position: number, hash: number) => void): void {
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as Uint32Array;
      const n = Math.min(CHUNK, this.count - c * CHUNK);
      const base = c * CHUNK;
      for (let k = 0; k < n; k++) {
        const h = chunk[k]!;
        if (h !== NONE) visit(base + k, h);
      }
    }
  }

  memoryBytes(): number {
    return this.chunks.length * CHUNK * 4;
  }
}

/**
 * The session's shard indexes, bounded (tester report item 10: `serve` kept every shard index it
 * ever built, a million-entry one costing tens of MB, for as long as the connection lived).
 *
 * Least recently used first out: an index is "used" each time the session hands it to a request
 * (Browse, filters, gaps, duplicates); the live tail's growth and Find's look-ups do not count.
 * Bounds: at most `maxIndexes` indexes and `maxBytes` of index memory (checked when one is
 * created and on every sweep; the one in use is never dropped), and none left unused for `idleMs`
 * (a sweep the session runs every minute) unless `pinned` says its shard is in view (a live tail
 * reads it: an open lane that is just quiet keeps its index). A dropped index is stopped and forgotten; the next use
 * of its shard builds it again (`index:changed` tells the lane, which shows the build's progress).
 */

export interface IndexLimits {
  maxIndexes: number;
  maxBytes: number;
  idleMs: number;
}

export const DEFAULT_INDEX_LIMITS: IndexLimits = {
  maxIndexes: 8,
  maxBytes: 384 * 1024 * 1024,
  idleMs: 10 * 60_000,
};

/** What the cache needs of an index. */
export interface CachedIndex {
  stop(): void;
  memoryBytes(): number;
}

export class IndexCache<T extends CachedIndex> {
  /** Oldest use first (a Map keeps insertion order; a use re-inserts). */
  private readonly entries = new Map<number, { index: T; usedAt: number }>();
  /** Indexes dropped so far (for tests and the bench). */
  dropped = 0;

  constructor(
    private readonly limits: IndexLimits = DEFAULT_INDEX_LIMITS,
    private readonly now: () => number = Date.now,
    private readonly pinned: (shard: number) => boolean = () => false,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The shard's index, created with `create` when there is none; marks it used. */
  use(shard: number, create: () => T): T {
    const e = this.entries.get(shard);
    if (e) {
      this.entries.delete(shard);
      e.usedAt = this.now();
      this.entries.set(shard, e);
      return e.index;
    }
    const index = create();
    this.entries.set(shard, { index, usedAt: this.now() });
    this.trim(shard);
    return index;
  }

  /** The shard's index when there is one, without marking it used. */
  peek(shard: number): T | undefined {
    return this.entries.get(shard)?.index;
  }

  values(): T[] {
    return [...this.entries.values()].map((e) => e.index);
  }

  /** Stops and forgets the shard's index. */
  delete(shard: number): void {
    const e = this.entries.get(shard);
    if (!e) return;
    e.index.stop();
    this.entries.delete(shard);
  }

  /** Drops the indexes unused for `idleMs`, then trims to the bounds. */
  sweep(): void {
    const cutoff = this.now() - this.limits.idleMs;
    for (const [shard, e] of this.entries) {
      if (e.usedAt > cutoff) break; // oldest use first: the rest are newer
      if (!this.pinned(shard)) this.drop(shard);
    }
    this.trim(null);
  }

  stopAll(): void {
    for (const e of this.entries.values()) e.index.stop();
    this.entries.clear();
  }

  /** Drops the least recently used until within both bounds; `keep` (the one in use) stays. */
  private trim(keep: number | null): void {
    let bytes = 0;
    for (const e of this.entries.values()) bytes += e.index.memoryBytes();
    for (const [shard, e] of this.entries) {
      if (this.entries.size <= this.limits.maxIndexes && bytes <= this.limits.maxBytes) break;
      if (shard === keep) continue;
      bytes -= e.index.memoryBytes();
      this.drop(shard);
    }
  }

  private drop(shard: number): void {
    this.delete(shard);
    this.dropped++;
  }
}

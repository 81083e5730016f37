/**
 * A TypeScript twin of net-mesh's `RedisStreamDedup` (contract section 5): a bounded window of
 * recently seen dedup ids for consumer-side filtering.
 */

/** Largest window net-mesh allows (`MAX_CAPACITY = 1 << 24`). */
export const MAX_DEDUP_CAPACITY = 1 << 24;
/** Capacity of `RedisStreamDedup::new()` / `Default`. */
export const DEFAULT_DEDUP_CAPACITY = 4096;

/**
 * Test-and-insert dedup window with net-mesh semantics: FIFO eviction by insertion order, not
 * LRU (seeing a tracked id again does not refresh it), an evicted id counts as new again, ids
 * compared as exact strings (the empty string is an ordinary id). O(1) per call.
 */
export class RedisStreamDedup {
  readonly #capacity: number;
  readonly #seen = new Set<string>();
  // Insertion order. Until the window first fills it only grows; from then on it is a ring
  // whose slot #head holds the oldest id. Items leave only by eviction, which happens only when
  // full, so a non-full window is always ring[0..len) in order.
  #ring: string[] = [];
  #head = 0;

  /**
   * Creates a window of `capacity` ids (default 4096), clamped to [1, 2^24] as
   * `with_capacity` does, so 0 and negative values give 1. Fractions are truncated.
   * Throws RangeError for NaN.
   */
  constructor(capacity: number = DEFAULT_DEDUP_CAPACITY) {
    if (Number.isNaN(capacity)) throw new RangeError('dedup capacity must be a number');
    this.#capacity = Math.min(Math.max(Math.trunc(capacity), 1), MAX_DEDUP_CAPACITY);
  }

  /**
   * True when `id` is currently tracked (and nothing changes). Otherwise records it, evicting
   * the oldest inserted id first when the window is full, and returns false.
   */
  isDuplicate(id: string): boolean {
    if (this.#seen.has(id)) return true;
    if (this.#seen.size >= this.#capacity) {
      const oldest = this.#ring[this.#head]!;
      this.#seen.delete(oldest);
      this.#ring[this.#head] = id;
      this.#head = this.#head + 1 === this.#capacity ? 0 : this.#head + 1;
    } else {
      this.#ring.push(id);
    }
    this.#seen.add(id);
    return false;
  }

  /** Number of ids currently tracked (at most `capacity`). */
  get len(): number {
    return this.#seen.size;
  }

  /** The clamped capacity. */
  get capacity(): number {
    return this.#capacity;
  }

  /** True when no id is tracked. */
  get isEmpty(): boolean {
    return this.#seen.size === 0;
  }

  /** Forgets every id; the capacity stays. */
  clear(): void {
    this.#seen.clear();
    this.#ring = [];
    this.#head = 0;
  }
}

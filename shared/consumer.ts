/**
 * The consumer view's vocabulary (issue 13): what a net-mesh consumer that polls one shard with
 * `poll_shard` and filters with a `RedisStreamDedup` window did with each entry. Shared by the core
 * (electron/core/consumer-replay.ts), the contract (`consumer:*` channels) and the renderer.
 */

/**
 * The verdict on one entry, as a small integer (kept one byte per entry by the core):
 * - `delivered`: an ok entry whose dedup_id the window had not seen (the first copy);
 * - `no-id`: an ok entry without a dedup_id: delivered, a consumer cannot dedup it;
 * - `dropped`: an ok entry whose dedup_id was in the window: dropped as a duplicate;
 * - `let-through`: an ok entry whose dedup_id an earlier entry carried but the window had already
 *   evicted (copies farther apart than the window): delivered a second time;
 * - `skipped`: a corrupt entry (net-mesh's reader skips it and moves the cursor past it, contract
 *   3.19-3.23); it never reaches the dedup window.
 */
export const CONSUMER_VERDICTS = ['delivered', 'no-id', 'dropped', 'let-through', 'skipped'] as const;
export type ConsumerVerdict = (typeof CONSUMER_VERDICTS)[number];

export const VERDICT_DELIVERED = 0;
export const VERDICT_NO_ID = 1;
export const VERDICT_DROPPED = 2;
export const VERDICT_LET_THROUGH = 3;
export const VERDICT_SKIPPED = 4;

/** Row filters of the consumer view: `delivered` covers every delivered entry (first copies, no-id, let-through). */
export const CONSUMER_FILTERS = ['all', 'delivered', 'dropped', 'let-through', 'skipped'] as const;
export type ConsumerFilter = (typeof CONSUMER_FILTERS)[number];

/** Whether an entry with verdict `v` passes `filter`. */
export function verdictMatches(v: number, filter: ConsumerFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'delivered':
      return v === VERDICT_DELIVERED || v === VERDICT_NO_ID || v === VERDICT_LET_THROUGH;
    case 'dropped':
      return v === VERDICT_DROPPED;
    case 'let-through':
      return v === VERDICT_LET_THROUGH;
    case 'skipped':
      return v === VERDICT_SKIPPED;
  }
}

/** Counts of one replay (so far). */
export interface ConsumerCounts {
  /** Entries looked at (every raw entry the polls returned within `limit`). */
  entries: number;
  /** XRANGE calls made (pages polled). */
  pages: number;
  /** First copies delivered (ok, with a dedup_id the window had not seen). */
  delivered: number;
  /** Ok entries without a dedup_id (delivered; nothing to dedup on). */
  noId: number;
  /** Duplicates the window caught. */
  dropped: number;
  /** Duplicates the window let through (delivered again). */
  letThrough: number;
  /** Corrupt entries skipped. */
  skipped: number;
  /**
   * Duplicates a default consumer (a 4096-id window) would deliver again. Equal to `letThrough`
   * when the chosen capacity is 4096.
   */
  defaultLetThrough: number;
  /**
   * The smallest window that catches every duplicate seen so far (0 when there was none): with
   * it, no copy is ever evicted before its duplicate arrives.
   */
  windowNeeded: number;
}

export type ConsumerJobState = 'running' | 'done' | 'cancelled' | 'failed';

/** `consumer:progress` and the answer of `consumer:status`. */
export interface ConsumerProgress {
  jobId: string;
  shard: number;
  state: ConsumerJobState;
  /** The options the replay runs with (capacity clamped as RedisStreamDedup clamps it). */
  from: string | null;
  limit: number;
  capacity: number;
  counts: ConsumerCounts;
  /** XLEN when the replay started: an estimate of what it will look at. */
  total: number;
  /** The id the replay stops after: the stream's last entry when it started (null: empty stream). */
  until: string | null;
  /** The cursor the next poll would use (the last raw entry looked at). */
  cursor: string | null;
  entriesPerSec: number;
  startedAt: number;
  finishedAt?: number;
  error?: { kind: 'transient' | 'fatal' | 'usage'; message: string; code?: string };
}

/** One row of the consumer view (`consumer:rows`). */
export interface ConsumerRow {
  /** Position in the replay (0 = the first entry looked at). */
  index: number;
  id: string;
  /** Absent when the entry has none. */
  dedupId?: string;
  verdict: ConsumerVerdict;
  /** Duplicates: the replay position and stream id of the previous copy of this dedup_id. */
  prevIndex?: number;
  prevId?: string;
  /**
   * Duplicates: the smallest window that holds the first copy at this point when no earlier
   * duplicate was let through (a lower bound otherwise: copies let through take window slots too).
   */
  windowNeeded?: number;
  /** Duplicates: what a default (4096) consumer did with it, when the chosen capacity differs. */
  defaultVerdict?: 'dropped' | 'let-through';
}

export interface ConsumerRowsPage {
  jobId: string;
  filter: ConsumerFilter;
  /** Rows matching the filter so far. */
  total: number;
  offset: number;
  rows: ConsumerRow[];
}

/**
 * Live tail: new entries of subscribed shards, pushed to the UI in coalesced batches (one push per
 * shard per tick, a few ticks per second) so 20,000 entries/s never turns into 20,000 messages/s.
 * Every read is a bounded exclusive-cursor XRANGE through the adapter; when a writer outruns the
 * bound, the tail skips ahead to the live end and says how many entries it did not deliver.
 */
import { randomUUID } from 'node:crypto';
import type { EventSink } from '../../shared/contract';
import type { MeshEntry } from '../../shared/types';
import type { MeshAdapter } from './adapter';

export const TAIL_TICK_MS = 250;
const PAGE = 1000;
/** At most this many entries per shard per tick (40,000/s at 4 ticks/s). */
const MAX_PER_TICK = 10_000;
const MAX_SUBSCRIPTIONS = 16;

interface Subscription {
  id: string;
  cursors: Map<number, string | null>;
  /** Stream length seen at the previous tick, for counting skipped entries. */
  lengths: Map<number, number>;
  started: boolean;
}

export class TailManager {
  private subs = new Map<string, Subscription>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;

  constructor(
    private readonly adapter: MeshAdapter,
    private readonly sink: EventSink,
    private readonly keyOf: (shard: number) => string,
    /** Called with every delivered batch (the shard index extends itself from it). */
    private readonly onEntries: (shard: number, entries: MeshEntry[]) => void = () => {},
    /** While this says false (Redis unhealthy) ticks are skipped: no extra load on a sick server. */
    private readonly healthy: () => boolean = () => true,
  ) {}

  /**
   * Subscribes to new entries of `shards`. A shard without a cursor starts at its live end as of
   * this call (resolved before returning), so nothing written after the subscription is missed.
   */
  async subscribe(shards: number[], after?: Record<string, string | null>): Promise<string> {
    if (this.subs.size >= MAX_SUBSCRIPTIONS) {
      // The oldest subscription is the one a closed view forgot to end.
      const oldest = this.subs.keys().next().value as string;
      this.subs.delete(oldest);
    }
    const id = randomUUID();
    const cursors = new Map<number, string | null>();
    for (const s of shards) cursors.set(s, after?.[String(s)] ?? null);
    const sub: Subscription = { id, cursors, lengths: new Map(), started: false };
    await this.start(sub);
    this.subs.set(id, sub);
    this.ensureTimer();
    return id;
  }

  unsubscribe(id: string): void {
    this.subs.delete(id);
    if (this.subs.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  dispose(): void {
    this.subs.clear();
    this.stop();
  }

  private ensureTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), TAIL_TICK_MS);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    if (this.ticking || !this.healthy()) return;
    this.ticking = true;
    try {
      for (const sub of [...this.subs.values()]) {
        if (!this.subs.has(sub.id)) continue;
        if (!sub.started) await this.start(sub);
        for (const shard of sub.cursors.keys()) await this.drain(sub, shard);
      }
    } catch {
      // A failed tick is retried on the next one; health reporting shows the cause.
    } finally {
      this.ticking = false;
    }
  }

  /** Without an explicit cursor, a tail begins at the live end: only entries newer than now. */
  private async start(sub: Subscription): Promise<void> {
    for (const [shard, cursor] of sub.cursors) {
      if (cursor !== null) continue;
      const key = this.keyOf(shard);
      const last = await this.adapter.client.xrevrange(key, '+', '-', 'COUNT', 1);
      sub.cursors.set(shard, last[0]?.[0] ?? '0-0');
    }
    sub.started = true;
  }

  private async drain(sub: Subscription, shard: number): Promise<void> {
    let cursor = sub.cursors.get(shard) ?? '0-0';
    const batch: MeshEntry[] = [];
    let more = true;
    while (more && batch.length < MAX_PER_TICK) {
      const page = await this.adapter.poll(shard, cursor, PAGE);
      for (const e of page.entries) batch.push(e);
      if (page.nextId !== null) cursor = page.nextId;
      more = page.hasMore;
    }
    let dropped = 0;
    if (more) {
      // The writer outruns what a person can read: jump to the live end and count what was skipped.
      const key = this.keyOf(shard);
      const [len, last] = await Promise.all([
        this.adapter.client.xlen(key),
        this.adapter.client.xrevrange(key, '+', '-', 'COUNT', 1),
      ]);
      const prevLen = sub.lengths.get(shard);
      if (prevLen !== undefined) dropped = Math.max(0, len - prevLen - batch.length);
      sub.lengths.set(shard, len);
      cursor = last[0]?.[0] ?? cursor;
    }
    if (!this.subs.has(sub.id)) return;
    sub.cursors.set(shard, cursor);
    if (batch.length > 0 || dropped > 0) {
      this.onEntries(shard, batch);
      this.sink('tail:entries', { subscriptionId: sub.id, shard, entries: batch, dropped });
    }
  }
}

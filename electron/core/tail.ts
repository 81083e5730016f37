/**
 * Live tail: new entries of subscribed shards, pushed to the UI in coalesced batches (one push per
 * shard per tick: 4 ticks per second when idle, 25 while entries keep coming) so 20,000 entries/s
 * never turns into 20,000 messages/s.
 * Every read is a bounded exclusive-cursor XRANGE through the adapter; when a writer outruns the
 * bound, the tail skips ahead to the live end and says how many entries it did not deliver.
 */
import { randomUUID } from 'node:crypto';
import type { EventSink } from '../../shared/contract';
import { compareStreamIds, streamIdSuccessor } from '../../shared/stream-id';
import type { MeshEntry } from '../../shared/types';
import type { MeshAdapter } from './adapter';

/** Poll interval of an idle tail (nothing new on the last tick). */
export const TAIL_TICK_MS = 250;
/**
 * Poll interval while entries keep arriving: the newest entry reaches the screen within about this
 * much of being written (issue 16: 100 ms at 20,000 entries/s), and each push stays small enough
 * to parse and paint within a frame or two. It applies until TAIL_ACTIVE_FOR_MS after a tick last
 * found something (writers write in bursts: one empty tick between two bursts must not slow the
 * next one down), so an idle tail still costs one bounded XRANGE per shard every TAIL_TICK_MS.
 */
export const TAIL_ACTIVE_TICK_MS = 40;
export const TAIL_ACTIVE_FOR_MS = 1000;
const PAGE = 1000;
/**
 * At most this many entries per shard per tick (25,000/s at the active pace). A tick further
 * behind than this sends the newest ones and counts the rest as skipped: a person at the live end
 * wants the newest entries, and a bounded push keeps each tick, and each frame that shows it, short.
 */
export const MAX_PER_TICK = 1000;
const MAX_SUBSCRIPTIONS = 16;

interface Subscription {
  id: string;
  cursors: Map<number, string | null>;
  /**
   * Per shard: the stream's length up to and including its cursor, when known (from XLEN at the
   * live end, then advanced by every entry delivered), for counting the entries a skip leaves out.
   */
  lengthAtCursor: Map<number, number>;
  /** Shards whose last tick was further behind than MAX_PER_TICK. */
  behind: Set<number>;
  started: boolean;
}

export class TailManager {
  private subs = new Map<string, Subscription>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  /** When a tick last delivered anything (then the next ones come sooner); -Infinity: never. */
  private lastDelivery = -Infinity;

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
   * `lengths` gives, for a shard with a cursor, the stream's length up to and including it (the
   * caller's exact position): skipped entries are then counted exactly from the first batch on;
   * without it they are counted from the first skip on (the first one reports 0).
   */
  async subscribe(shards: number[], after?: Record<string, string | null>, lengths?: Record<string, number>): Promise<string> {
    if (this.subs.size >= MAX_SUBSCRIPTIONS) {
      // The oldest subscription is the one a closed view forgot to end.
      const oldest = this.subs.keys().next().value as string;
      this.subs.delete(oldest);
    }
    const id = randomUUID();
    const cursors = new Map<number, string | null>();
    for (const s of shards) cursors.set(s, after?.[String(s)] ?? null);
    const sub: Subscription = { id, cursors, lengthAtCursor: new Map(), behind: new Set(), started: false };
    for (const shard of shards) {
      const n = lengths?.[String(shard)];
      if (n !== undefined && cursors.get(shard) !== null) sub.lengthAtCursor.set(shard, n);
    }
    await this.start(sub);
    this.subs.set(id, sub);
    this.ensureTimer();
    return id;
  }

  /** Whether a live tail reads `shard` now (an open lane: index-cache.ts keeps its index through the idle sweep). */
  tails(shard: number): boolean {
    for (const sub of this.subs.values()) if (sub.cursors.has(shard)) return true;
    return false;
  }

  unsubscribe(id: string): void {
    this.subs.delete(id);
    if (this.subs.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  dispose(): void {
    this.subs.clear();
    this.stop();
  }

  /** The next tick: soon while entries keep coming, at the idle pace otherwise. One timer at a time. */
  private ensureTimer(): void {
    if (this.timer || this.subs.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick().finally(() => this.ensureTimer());
    }, performance.now() - this.lastDelivery < TAIL_ACTIVE_FOR_MS ? TAIL_ACTIVE_TICK_MS : TAIL_TICK_MS);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    if (!this.healthy()) {
      this.lastDelivery = -Infinity;
      return;
    }
    this.ticking = true;
    let delivered = false;
    try {
      for (const sub of [...this.subs.values()]) {
        if (!this.subs.has(sub.id)) continue;
        if (!sub.started) await this.start(sub);
        for (const shard of sub.cursors.keys()) if (await this.drain(sub, shard)) delivered = true;
      }
    } catch {
      // A failed tick is retried on the next one (at the idle pace); health reporting shows the cause.
      delivered = false;
    } finally {
      this.ticking = false;
      if (delivered) this.lastDelivery = performance.now();
    }
  }

  /** Without an explicit cursor, a tail begins at the live end: only entries newer than now. */
  private async start(sub: Subscription): Promise<void> {
    for (const [shard, cursor] of sub.cursors) {
      if (cursor !== null) continue;
      const end = await this.liveEnd(shard);
      sub.cursors.set(shard, end.last ?? '0-0');
      if (end.length !== null) sub.lengthAtCursor.set(shard, end.length);
    }
    sub.started = true;
  }

  /**
   * The newest MAX_PER_TICK entries after `from` up to and including `last`, oldest first: one
   * bounded XREVRANGE that ends exactly at `last`, so entries written since are left for the
   * next tick (and counted there) rather than crowding out the ones counted now.
   */
  private async newestUpTo(shard: number, from: string, last: string): Promise<MeshEntry[]> {
    const after = streamIdSuccessor(last);
    const page = after === null ? await this.adapter.pollReverse(shard, null, MAX_PER_TICK) : await this.adapter.pollReverse(shard, after, MAX_PER_TICK);
    return newerThan(page.entries, from, last);
  }

  /**
   * The newest id and the length of a shard's stream, read together (one MULTI, so no entry can
   * land between them and be counted on the wrong side); length null when the reply is not one.
   */
  private async liveEnd(shard: number): Promise<{ last: string | null; length: number | null }> {
    const key = this.keyOf(shard);
    const replies = await this.adapter.client.multi().xrevrange(key, '+', '-', 'COUNT', 1).xlen(key).exec();
    const [revErr, rev] = replies?.[0] ?? [null, []];
    const [lenErr, len] = replies?.[1] ?? [null, null];
    if (revErr) throw revErr;
    const last = Array.isArray(rev) ? ((rev[0] as [string, string[]] | undefined)?.[0] ?? null) : null;
    return { last, length: !lenErr && typeof len === 'number' ? len : null };
  }

  /** Reads what is new on one shard of a subscription and pushes it; true when it pushed anything. */
  private async drain(sub: Subscription, shard: number): Promise<boolean> {
    const from = sub.cursors.get(shard) ?? '0-0';
    const known = sub.lengthAtCursor.get(shard);
    let batch: MeshEntry[] = [];
    let cursor = from;
    let more = true;
    let dropped = 0;
    let length: number | undefined;
    /** False when entries were skipped without being counted. */
    let exact = true;
    // A shard that was far behind on its last tick most likely still is: measure the live end and
    // read the newest entries in the same round trip (pipelined), so the oldest page is not read
    // only to be skipped.
    let newest: Promise<MeshEntry[]> | null = null;
    let end: { last: string | null; length: number | null } | null = null;
    if (sub.behind.has(shard) && known !== undefined) {
      const measuring = this.liveEnd(shard);
      newest = this.adapter.pollReverse(shard, null, MAX_PER_TICK).then((p) => p.entries);
      newest.catch(() => {});
      end = await measuring;
    }
    if (end === null || end.length === null || end.length - known! <= MAX_PER_TICK) {
      const first = await this.adapter.poll(shard, from, PAGE);
      batch = first.entries;
      cursor = first.nextId ?? from;
      more = first.hasMore;
    }
    if (known !== undefined) length = known + batch.length;
    sub.behind.delete(shard);
    if (more) {
      const now = end ?? (await this.liveEnd(shard));
      const behind = known !== undefined && now.length !== null ? now.length - known : null;
      if (behind !== null && now.last !== null && behind > MAX_PER_TICK) {
        // Far behind: send the newest entries up to the live end as of `now`; the older ones are
        // skipped, and they come before what is sent (`dropped`, contract 'tail:entries').
        batch = newest !== null ? newerThan(await newest, from, now.last) : await this.newestUpTo(shard, from, now.last);
        dropped = Math.max(0, behind - batch.length);
        cursor = now.last;
        length = now.length as number;
        sub.behind.add(shard);
      } else {
        while (more && batch.length < MAX_PER_TICK) {
          const page = await this.adapter.poll(shard, cursor, PAGE);
          for (const e of page.entries) batch.push(e);
          if (page.nextId !== null) cursor = page.nextId;
          more = page.hasMore;
        }
        if (known !== undefined) {
          // Counted: whatever is left waits for the next tick (which comes soon), nothing skipped.
          length = known + batch.length;
        } else if (more) {
          // Over the bound with no known position (a cursor given without its length): skip to the
          // live end. What was skipped cannot be counted this once; from now on it can.
          const now = await this.liveEnd(shard);
          cursor = now.last ?? cursor;
          length = now.length ?? undefined;
          exact = false;
        }
      }
    }
    if (!this.subs.has(sub.id)) return false;
    sub.cursors.set(shard, cursor);
    if (length !== undefined) sub.lengthAtCursor.set(shard, length);
    else sub.lengthAtCursor.delete(shard);
    if (batch.length === 0 && dropped === 0 && exact) return false;
    this.onEntries(shard, batch);
    this.sink('tail:entries', { subscriptionId: sub.id, shard, entries: batch, dropped, exact });
    return true;
  }
}

/** Of `newestFirst` (an XREVRANGE page), the entries after `from` up to and including `last`, oldest first. */
function newerThan(newestFirst: MeshEntry[], from: string, last: string): MeshEntry[] {
  const out: MeshEntry[] = [];
  for (const e of newestFirst) {
    if (compareStreamIds(e.id, from) <= 0) break;
    if (compareStreamIds(e.id, last) <= 0) out.push(e);
  }
  return out.reverse();
}

/**
 * The live tail (electron/core/tail.ts) against a real redis-server: what it delivers and what it
 * says it skipped add up to exactly what was written, however often the writer outruns it.
 */
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshAdapter } from '../../electron/core/adapter';
import { MAX_PER_TICK, TailManager } from '../../electron/core/tail';
import type { EventPayloadOf } from '../../shared/contract';
import { encodePayload } from '../../shared/wire';
import { startRedis, type TestRedis } from '../helpers/redis-server';

let server: TestRedis;
let redis: Redis;
let adapter: MeshAdapter;

beforeAll(async () => {
  server = await startRedis();
  redis = server.admin();
  adapter = new MeshAdapter({ url: server.url, prefix: 'tl', commandTimeoutMs: 5000, readOnly: true });
  await adapter.init();
});

afterAll(async () => {
  await adapter.shutdown();
  await server.stop();
});

/** Appends `n` entries to `shard` in one pipeline; resolves with their ids once Redis has them all. */
async function write(n: number, from: number, shard = 1): Promise<string[]> {
  const p = redis.pipeline();
  for (let k = from; k < from + n; k++) p.xadd(`tl:shard:${shard}`, '*', 'd', encodePayload(`{"k":${k}}`, BigInt(k + 1), shard), 'dedup_id', `ab:${shard}:${k}:0`);
  const replies = await p.exec();
  return (replies ?? []).map(([, id]) => id as string);
}

type Batch = EventPayloadOf<'tail:entries'>;

/**
 * A tail whose ticks can be held (`hold`) while a burst is written, so a burst past the tick's
 * bound is always complete before the tail looks; `until(n)` waits for n entries delivered or
 * counted as skipped.
 */
function heldTail() {
  let reading = true;
  const batches: Batch[] = [];
  let waiter: { done: () => boolean; resolve: () => void } | null = null;
  const count = () => batches.reduce((n, b) => n + b.entries.length + b.dropped, 0);
  const tail = new TailManager(
    adapter,
    (event, payload) => {
      if (event !== 'tail:entries') return;
      batches.push(payload as Batch);
      if (waiter?.done()) waiter.resolve();
    },
    (shard) => `tl:shard:${shard}`,
    () => {},
    () => reading,
  );
  /** Resolves on the first batch after which `done()` holds (at once if it already does). */
  const when = (done: () => boolean) => new Promise<void>((resolve) => (waiter = done() ? (resolve(), null) : { done, resolve }));
  return {
    tail,
    batches,
    hold: (on: boolean) => (reading = !on),
    until: (total: number) => when(() => count() >= total),
    when,
  };
}

describe('TailManager', () => {
  it('counts exactly what it skips when a writer outruns it, again and again, with pushes in between', async () => {
    await write(10, 0);
    const t = heldTail();
    try {
      await t.tail.subscribe([1]);
      // More than a tick's bound at once: a skip. Then a few that are simply delivered, then
      // another burst past the bound: a second skip, counted from where the pushes left off.
      let total = 0;
      for (const burst of [25_000, 30, 40, 22_000]) {
        t.hold(true);
        const ids = await write(burst, 10 + total);
        t.hold(false);
        total += burst;
        await t.until(total);
        const last = t.batches.at(-1)!;
        // Whatever happened, the newest entry written is the last one sent.
        expect(last.entries.at(-1)?.id).toBe(ids.at(-1));
        if (burst > MAX_PER_TICK) {
          // Far behind: the newest MAX_PER_TICK entries, the older ones counted as skipped before them.
          expect(last).toMatchObject({ dropped: burst - MAX_PER_TICK, exact: true });
          expect(last.entries.map((e) => e.id)).toEqual(ids.slice(-MAX_PER_TICK));
        }
      }
      expect(t.batches.reduce((n, b) => n + b.entries.length + b.dropped, 0)).toBe(total);
      expect(t.batches.filter((b) => b.dropped > 0)).toHaveLength(2);
      expect(t.batches.every((b) => b.exact === true)).toBe(true);
    } finally {
      t.tail.dispose();
    }
  });

  it('counts from the first batch on when the subscriber says where its cursor is, and says when it could not count', async () => {
    const before = await write(5, 0, 2);
    const known = await redis.xlen('tl:shard:2');
    for (const withLength of [true, false]) {
      const t = heldTail();
      try {
        const cursor = (await redis.xrevrange('tl:shard:2', '+', '-', 'COUNT', 1))[0]![0];
        const length = await redis.xlen('tl:shard:2');
        await t.tail.subscribe([2], { '2': cursor }, withLength ? { '2': length } : undefined);
        t.hold(true);
        const ids = await write(12_000, 100, 2);
        t.hold(false);
        if (withLength) {
          await t.until(12_000);
          expect(t.batches).toHaveLength(1);
          expect(t.batches[0]).toMatchObject({ dropped: 12_000 - MAX_PER_TICK, exact: true });
          expect(t.batches[0]!.entries.at(-1)?.id).toBe(ids.at(-1));
        } else {
          // Without its position the first overflow cannot be counted: it says so, and the next one can be.
          await t.when(() => t.batches.some((b) => b.exact === false));
          expect(t.batches.find((b) => b.exact === false)).toMatchObject({ dropped: 0 });
        }
      } finally {
        t.tail.dispose();
      }
    }
    expect(before).toHaveLength(5);
    expect(known).toBe(5);
  });
});

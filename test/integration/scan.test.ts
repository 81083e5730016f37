import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshAdapter } from '../../electron/core/adapter';
import { scanShards } from '../../electron/core/scan';
import { encodePayload } from '../../shared/wire';
import { startRedis, type TestRedis } from '../helpers/redis-server';

let server: TestRedis;
let redis: Redis;
let adapter: MeshAdapter;

const A = 0xaan;
const B = 0xbbn;

/** One batch through the adapter with a fixed `t`, so publishing it again repeats the same bytes (a retry). */
async function publish(shard: number, nonce: bigint, seq: number, events: string[], tBase = 5000n): Promise<void> {
  await adapter.publish({ shard, events, nonce, sequenceStart: BigInt(seq), t: (i) => tBase + BigInt(i) });
}

beforeAll(async () => {
  server = await startRedis();
  redis = server.admin();
  adapter = new MeshAdapter({ url: server.url, prefix: 'net', commandTimeoutMs: 5000 });
  await adapter.init();

  // Shard 1, producer A: ordinals 0..9 (published, then retried), 10 (a collision), 11 (corrupt),
  // 12..19 lost, 20..24.
  const first = Array.from({ length: 10 }, (_, i) => `{"n":${i}}`);
  await publish(1, A, 0, first);
  await publish(1, A, 0, first);
  await publish(1, A, 10, ['{"n":"original"}']);
  await publish(1, A, 10, ['{"n":"reused id"}']);
  await redis.xadd('net:shard:1', '*', 'd', 'not json', 'dedup_id', 'aa:1:11:0');
  await redis.xadd('net:shard:1', '*', 'dedup_id', 'aa:1:11:0');
  await publish(1, A, 20, ['1', '2', '3', '4', '5']);
  // Misrouted: payload s says shard 2; dedup_id shard part says 2; both at once.
  await redis.xadd('net:shard:1', '*', 'd', encodePayload('{"m":1}', 1n, 2), 'dedup_id', 'bb:1:0:0');
  await redis.xadd('net:shard:1', '*', 'd', encodePayload('{"m":2}', 1n, 1), 'dedup_id', 'bb:2:7:0');
  await redis.xadd('net:shard:1', '*', 'd', encodePayload('{"m":3}', 1n, 2), 'dedup_id', 'bb:2:8:0');
  // Entries without dedup_id, and a non-UTF-8 d twice under one id (a retry of corrupt bytes).
  await redis.xadd('net:shard:1', '*', 'd', encodePayload('{"free":1}', 1n, 1));
  const notUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
  await redis.xadd('net:shard:1', '*', 'd', notUtf8, 'dedup_id', 'bb:1:1:0');
  await redis.xadd('net:shard:1', '*', 'd', notUtf8, 'dedup_id', 'bb:1:1:0');
  // Same id, d differing only in bytes hidden behind U+FFFD when read as text: a collision.
  await redis.xadd('net:shard:1', '*', 'd', Buffer.from([0x7b, 0xff, 0x7d]), 'dedup_id', 'bb:1:2:0');
  await redis.xadd('net:shard:1', '*', 'd', Buffer.from([0x7b, 0xfe, 0x7d]), 'dedup_id', 'bb:1:2:0');

  // Shard 7, clean: B ordinals 0..99 in batches of 10, no faults.
  for (let seq = 0; seq < 100; seq += 10) await publish(7, B, seq, Array.from({ length: 10 }, (_, i) => `{"k":${seq + i}}`));
  await redis.set('net:shard:9', 'not a stream');
});

afterAll(async () => {
  await adapter.shutdown();
  await server.stop();
});

const SHARD1 = {
  shard: 1,
  key: 'net:shard:1',
  entries: 37,
  ok: 31,
  corrupt: 6,
  // ids aa:1:0:0..9 (10), aa:1:10:0, aa:1:11:0, bb:1:1:0, bb:1:2:0
  duplicateGroups: 14,
  duplicateEntries: 14,
  collisionGroups: 3,
  // Nothing was ever deleted or trimmed: the batch was never written (issue 17).
  gaps: [{ nonce: 'aa', from: 12, to: 19, cause: 'lost', reason: expect.stringMatching(/^Never written: nothing was ever deleted/) as unknown as string }],
  misrouted: 3,
  headGaps: [],
};

describe('scanShards', () => {
  it('reports exact counts for retries, a collision, corrupt entries, a lost batch and misrouted entries', async () => {
    const result = await scanShards(adapter);
    expect(result).toEqual({
      prefix: 'net',
      shards: [
        SHARD1,
        { shard: 7, key: 'net:shard:7', entries: 100, ok: 100, corrupt: 0, duplicateGroups: 0, duplicateEntries: 0, collisionGroups: 0, gaps: [], misrouted: 0, headGaps: [] },
      ],
      skipped: [{ key: 'net:shard:9', reason: 'not a stream (string)' }],
    });
  });

  it('classifies every entry exactly as MeshAdapter.poll does', async () => {
    let after: string | null = null;
    let ok = 0;
    let corrupt = 0;
    let misroutedBySOrId = 0;
    for (;;) {
      const page = await adapter.poll(1, after, 7);
      for (const e of page.entries) {
        if (e.status === 'ok') ok++;
        else corrupt++;
        const idShard = e.dedupId?.split(':')[1];
        if ((e.status === 'ok' && e.s !== 1) || (idShard !== undefined && idShard !== '1')) misroutedBySOrId++;
      }
      if (!page.hasMore) break;
      after = page.nextId;
    }
    expect({ ok, corrupt, misrouted: misroutedBySOrId }).toEqual({ ok: SHARD1.ok, corrupt: SHARD1.corrupt, misrouted: SHARD1.misrouted });
  });

  it('gives the same figures whatever the page size', async () => {
    for (const pageSize of [1, 3, 36, 37, 38, 10_000]) {
      const result = await scanShards(adapter, { shards: [1], pageSize });
      expect(result.shards).toEqual([SHARD1]);
    }
  });

  it('scans only the given shards and reports missing ids as skipped', async () => {
    const result = await scanShards(adapter, { shards: [7, 4, 9] });
    expect(result.shards.map((s) => s.shard)).toEqual([7]);
    expect(result.skipped).toEqual([
      { key: 'net:shard:4', reason: 'no such shard stream' },
      { key: 'net:shard:9', reason: 'not a stream (string)' },
    ]);
  });

  it('reports progress per page and reads only the entries present when the shard was discovered', async () => {
    const progress: Array<{ done: number; total: number }> = [];
    let appended: Promise<string | null> | undefined;
    const result = await scanShards(adapter, {
      shards: [7],
      pageSize: 30,
      onProgress: (p) => {
        progress.push({ done: p.done, total: p.total });
        expect(p.shard).toBe(7);
        expect(p.entriesPerSec).toBeGreaterThanOrEqual(0);
        // A producer keeps writing while the scan runs.
        appended ??= redis.xadd('net:shard:7', '*', 'd', encodePayload('{"late":1}', 1n, 7), 'dedup_id', 'bb:7:100:0');
      },
    });
    expect(progress).toEqual([
      { done: 30, total: 100 },
      { done: 60, total: 100 },
      { done: 90, total: 100 },
      { done: 100, total: 100 },
    ]);
    expect(result.shards[0]?.entries).toBe(100);
    expect(await redis.xlen('net:shard:7')).toBe(101);
    await redis.xdel('net:shard:7', (await appended)!);
  });

  it('stops at the next page when cancelled through its AbortSignal', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const scan = scanShards(adapter, {
      pageSize: 5,
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p.done);
        if (p.done >= 10) controller.abort();
      },
    });
    await expect(scan).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([5, 10]);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(scanShards(adapter, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

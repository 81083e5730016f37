/**
 * The session keeps a bounded number of shard indexes (index-cache.ts, tester report item 10):
 * through the real gate and service against a real redis-server, opening lanes on more shards than
 * the bound never keeps more indexes than it, the least recently used goes first, and a dropped
 * index is built again on its shard's next use and serves the same answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRedis, type TestRedis } from '../helpers/redis-server';
import { createService } from '../../electron/core/service';
import type { MeshService } from '../../electron/core/service-api';
import { IndexCache } from '../../electron/core/index-cache';
import { encodePayload } from '../../shared/wire';
import { MemorySecrets, serviceGate } from '../helpers/service-gate';
import { waitFor } from '../helpers/wait';

const PREFIX = 'ibound';
const SHARDS = 5;

let redis: TestRedis;
let home: string;
let service: MeshService;
const { ok } = serviceGate(() => service);

beforeAll(async () => {
  redis = await startRedis();
  const admin = redis.admin();
  const p = admin.pipeline();
  for (let s = 0; s < SHARDS; s++) {
    for (let i = 0; i < 500; i++) p.xadd(`${PREFIX}:shard:${s}`, '*', 'd', i % 50 === s ? 'not json' : encodePayload(`{"i":${i}}`, 1n, s), 'dedup_id', `a1:${s}:0:${i}`);
  }
  await p.exec();
  home = mkdtempSync(path.join(tmpdir(), 'mesh-home-'));
  service = createService({
    transport: 'serve',
    secrets: new MemorySecrets(),
    home,
    appVersion: '0.0.0-test',
    sink: () => {},
    indexLimits: { maxIndexes: 2, maxBytes: 1 << 30, idleMs: 1 << 30 },
  });
  await service.connectUrl(redis.url, PREFIX);
});

afterAll(async () => {
  await service?.dispose();
  await redis?.stop();
  rmSync(home, { recursive: true, force: true });
});

/** The Corrupt filter of a shard, once its index is ready (a use of the index). */
async function corrupt(shard: number): Promise<number[]> {
  let positions: number[] | undefined;
  await waitFor(`shard ${shard} filter served`, async () => {
    const page = await ok('events:filter', { shard, direction: 'forward', cursor: null, query: { status: 'corrupt' }, limit: 50, scanLimit: 100 });
    if (page.pending) return false;
    positions = page.positions ?? [];
    return true;
  });
  return positions!;
}

const indexed = async () => (await ok('shards:problems', {})).shards.map((x) => x.shard);

describe('shard index bounds', () => {
  it('never keeps more indexes than the bound, drops the least recently used, and rebuilds a dropped one on use', async () => {
    const first = await corrupt(0);
    expect(first).toEqual(Array.from({ length: 10 }, (_, k) => k * 50));
    await corrupt(1);
    expect(await indexed()).toEqual([0, 1]);
    await corrupt(0); // 0 is now the most recently used
    await corrupt(2);
    expect(await indexed()).toEqual([0, 2]);
    for (let s = 3; s < SHARDS; s++) {
      await corrupt(s);
      expect((await indexed()).length).toBeLessThanOrEqual(2);
    }
    expect(await indexed()).toEqual([3, 4]);
    // Shard 0's index was dropped: its next use builds it again, with the same answer.
    expect(await corrupt(0)).toEqual(first);
    expect(await indexed()).toEqual([0, 4]);
  });
});

describe('IndexCache', () => {
  const fake = (bytes: number) => ({ stopped: false, bytes, stop() { this.stopped = true; }, memoryBytes() { return this.bytes; } });

  it('drops indexes unused for the idle time on a sweep, and trims by bytes keeping the one in use', () => {
    let now = 0;
    const cache = new IndexCache<ReturnType<typeof fake>>({ maxIndexes: 10, maxBytes: 100, idleMs: 1000 }, () => now);
    const a = cache.use(1, () => fake(40));
    now = 500;
    const b = cache.use(2, () => fake(40));
    now = 1200;
    cache.sweep();
    expect(a.stopped).toBe(true);
    expect(cache.peek(1)).toBeUndefined();
    expect(cache.peek(2)).toBe(b);
    // Bytes: a third index over the budget drops the oldest, never the one just made.
    cache.use(3, () => fake(40));
    const big = cache.use(4, () => fake(500));
    expect(cache.values()).toEqual([big]);
    expect(cache.dropped).toBe(3);
  });

  it('keeps a pinned (live-tailed) index through the idle sweep, not past the count bound', () => {
    let now = 0;
    const pinned = new Set([1]);
    const cache = new IndexCache<ReturnType<typeof fake>>({ maxIndexes: 2, maxBytes: 1e9, idleMs: 1000 }, () => now, (s) => pinned.has(s));
    cache.use(1, () => fake(1));
    cache.use(2, () => fake(1));
    now = 5000;
    cache.sweep();
    expect(cache.values().length).toBe(1);
    expect(cache.peek(1)).toBeDefined();
    cache.use(3, () => fake(1));
    cache.use(4, () => fake(1));
    expect(cache.size).toBe(2);
    expect(cache.peek(1)).toBeUndefined();
  });
});

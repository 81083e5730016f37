import type Redis from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeShards, discoverShards } from '../../electron/core/discovery';
import { startRedis, type TestRedis } from '../helpers/redis-server';

let server: TestRedis;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = server.admin();
});

afterAll(async () => {
  await server.stop();
});

beforeEach(async () => {
  await redis.flushall();
});

async function addEntries(key: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let k = 0; k < n; k++) ids.push((await redis.xadd(key, '*', 'd', `{"r":${k},"t":0,"s":0}`)) as string);
  return ids;
}

describe('discoverShards', () => {
  it('finds sparse shard ids, sorted by id, with length and first/last ids', async () => {
    const ids65535 = await addEntries('net:shard:65535', 3);
    const ids17 = await addEntries('net:shard:17', 1);
    const ids0 = await addEntries('net:shard:0', 2);
    const ids3 = await addEntries('net:shard:3', 4);
    const found = await discoverShards(redis, 'net');
    expect(found).toEqual({
      prefix: 'net',
      shards: [
        { shard: 0, key: 'net:shard:0', length: 2, firstId: ids0[0], lastId: ids0[1] },
        { shard: 3, key: 'net:shard:3', length: 4, firstId: ids3[0], lastId: ids3[3] },
        { shard: 17, key: 'net:shard:17', length: 1, firstId: ids17[0], lastId: ids17[0] },
        { shard: 65535, key: 'net:shard:65535', length: 3, firstId: ids65535[0], lastId: ids65535[2] },
      ],
      skipped: [],
    });
  });

  it('an empty stream is a shard of length 0 with null ids', async () => {
    await addEntries('net:shard:5', 1);
    const [only] = await redis.xrange('net:shard:5', '-', '+');
    await redis.xdel('net:shard:5', only![0]);
    const found = await discoverShards(redis, 'net');
    expect(found.shards).toEqual([{ shard: 5, key: 'net:shard:5', length: 0, firstId: null, lastId: null }]);
  });

  it('takes glob characters in the prefix literally and never lists a neighbour prefix', async () => {
    const prefix = 'my*app[1]?';
    await addEntries(`${prefix}:shard:2`, 1);
    // Each of these would match if the prefix were used as a raw glob pattern.
    await addEntries('myXXapp1Z:shard:1', 1);
    await addEntries('my-app1!:shard:4', 1);
    await addEntries('myapp1x:shard:6', 1);
    const found = await discoverShards(redis, prefix);
    expect(found.shards.map((s) => s.key)).toEqual([`${prefix}:shard:2`]);
    expect(found.skipped).toEqual([]);
  });

  it('skips a non-stream key under the prefix with its type as the reason', async () => {
    await addEntries('net:shard:1', 1);
    await redis.set('net:shard:12', 'x');
    await redis.hset('net:shard:13', 'f', 'v');
    const found = await discoverShards(redis, 'net');
    expect(found.shards.map((s) => s.shard)).toEqual([1]);
    expect(found.skipped).toEqual([
      { key: 'net:shard:12', reason: 'not a stream (string)' },
      { key: 'net:shard:13', reason: 'not a stream (hash)' },
    ]);
  });

  it('skips non-canonical shard ids with a reason each', async () => {
    for (const id of ['007', '-1', '70000', 'x', '', '1:extra']) await addEntries(`net:shard:${id}`, 1);
    await addEntries('net:shard:7', 1);
    const found = await discoverShards(redis, 'net');
    expect(found.shards.map((s) => s.shard)).toEqual([7]);
    const reasons = Object.fromEntries(found.skipped.map((s) => [s.key, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual(
      ['net:shard:', 'net:shard:-1', 'net:shard:007', 'net:shard:1:extra', 'net:shard:70000', 'net:shard:x'].sort(),
    );
    expect(reasons['net:shard:007']).toMatch(/leading zeros/);
    expect(reasons['net:shard:-1']).toMatch(/not a decimal number/);
    expect(reasons['net:shard:70000']).toMatch(/out of range 0\.\.65535/);
    expect(reasons['net:shard:x']).toMatch(/not a decimal number/);
    expect(reasons['net:shard:']).toMatch(/empty/);
  });

  it('skips a key that is not valid UTF-8, shown as base64', async () => {
    await redis.xadd(Buffer.concat([Buffer.from('net:shard:'), Buffer.from([0xff])]), '*', 'd', 'x');
    const found = await discoverShards(redis, 'net');
    expect(found.shards).toEqual([]);
    expect(found.skipped).toEqual([{ key: `base64:${Buffer.from('net:shard:\xff', 'latin1').toString('base64')}`, reason: 'key is not valid UTF-8' }]);
  });

  it('does not list keys of another prefix or other keys of the same prefix', async () => {
    await addEntries('net:shard:1', 1);
    await addEntries('other:shard:2', 1);
    await addEntries('network:shard:3', 1);
    await redis.set('net:config', 'x');
    const found = await discoverShards(redis, 'net');
    expect(found.shards.map((s) => s.key)).toEqual(['net:shard:1']);
    expect(found.skipped).toEqual([]);
  });

  it('walks a large keyspace with a small SCAN COUNT and finds every shard exactly once', async () => {
    const pipeline = redis.pipeline();
    for (let k = 0; k < 3000; k++) pipeline.set(`noise:${k}`, 'x');
    const shardIds = Array.from({ length: 300 }, (_, k) => k * 7);
    for (const s of shardIds) pipeline.xadd(`net:shard:${s}`, '*', 'd', 'x');
    await pipeline.exec();
    let scans = 0;
    const counting = new Proxy(redis, {
      get(target, prop, receiver) {
        if (prop === 'scanBuffer') {
          return (...args: unknown[]) => {
            scans++;
            expect(args).toContain('COUNT');
            expect(args[args.indexOf('COUNT') + 1]).toBe(10);
            return (target.scanBuffer as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const found = await discoverShards(counting, 'net', { count: 10 });
    expect(found.shards.map((s) => s.shard)).toEqual(shardIds);
    expect(found.shards.every((s) => s.length === 1)).toBe(true);
    expect(scans).toBeGreaterThan(10);
  });

  it('skips a key deleted between SCAN and TYPE as vanished', async () => {
    await addEntries('net:shard:1', 1);
    await addEntries('net:shard:2', 1);
    const deleting = new Proxy(redis, {
      get(target, prop, receiver) {
        if (prop === 'scanBuffer') {
          return async (...args: unknown[]) => {
            const reply = await (target.scanBuffer as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            await target.del('net:shard:2');
            return reply;
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const found = await discoverShards(deleting, 'net');
    expect(found.shards.map((s) => s.shard)).toEqual([1]);
    expect(found.skipped).toEqual([{ key: 'net:shard:2', reason: 'key vanished during discovery' }]);
  });

  it('stops when aborted', async () => {
    await addEntries('net:shard:1', 1);
    const controller = new AbortController();
    controller.abort();
    await expect(discoverShards(redis, 'net', { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('describeShards', () => {
  it('describes the given ids and skips missing ones and non-streams with a reason', async () => {
    const ids = await addEntries('net:shard:4', 2);
    await redis.set('net:shard:9', 'x');
    const found = await describeShards(redis, 'net', [9, 4, 8, 4]);
    expect(found).toEqual({
      prefix: 'net',
      shards: [{ shard: 4, key: 'net:shard:4', length: 2, firstId: ids[0], lastId: ids[1] }],
      skipped: [
        { key: 'net:shard:8', reason: 'no such shard stream' },
        { key: 'net:shard:9', reason: 'not a stream (string)' },
      ],
    });
  });
});

/**
 * Find (issue 13) and the scan's evidence against a real redis-server: a dedup_id is found on its
 * own shard and wherever a misrouted copy went, with exact positions; the shard index's path gives
 * what a scan gives; prefixes stop at part boundaries; a stream id is found on every shard that
 * holds it; `scan --details` lists every corrupt, duplicated and misrouted entry by stream id.
 */
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshAdapter } from '../../electron/core/adapter';
import { FindJob, FindJobs, type FindSource } from '../../electron/core/find';
import { scanShards } from '../../electron/core/scan';
import { ShardIndex } from '../../electron/core/shard-index';
import type { BrowseContext } from '../../electron/core/browse';
import { labelHits, parseFindQuery, type FindHit, type FindQuery } from '../../shared/find';
import { streamKey } from '../../shared/stream-key';
import { encodePayload } from '../../shared/wire';
import { startRedis, type TestRedis } from '../helpers/redis-server';

let server: TestRedis;
let redis: Redis;
let adapter: MeshAdapter;
/** Stream ids by label, as XADD returned them. */
const ids: Record<string, string> = {};

async function add(label: string, shard: number, fields: Array<string | Buffer>): Promise<void> {
  ids[label] = (await redis.xadd(`net:shard:${shard}`, '*', ...fields)) as string;
}

beforeAll(async () => {
  server = await startRedis();
  redis = server.admin();
  adapter = new MeshAdapter({ url: server.url, prefix: 'net', commandTimeoutMs: 5000 });
  await adapter.init();
  // Shard 3 (home of nonce aa's shard-3 ids): ordinals 0..4, then 5 twice (a retry), then filler.
  for (let i = 0; i < 5; i++) await add(`home${i}`, 3, ['d', encodePayload(`{"n":${i}}`, 1n, 3), 'dedup_id', `aa:3:${i}:0`]);
  await add('copyA', 3, ['d', encodePayload('{"n":5}', 1n, 3), 'dedup_id', 'aa:3:5:0']);
  for (let i = 0; i < 3000; i++) await redis.xadd('net:shard:3', '*', 'd', encodePayload(`{"fill":${i}}`, 1n, 3), 'dedup_id', `cc:3:${i}:0`);
  await add('copyB', 3, ['d', encodePayload('{"n":5}', 1n, 3), 'dedup_id', 'aa:3:5:0']);
  // Shard 4: a replay tool copied aa:3:5:0 here with another payload (misrouted, and a collision).
  await add('filler4', 4, ['d', encodePayload('{"x":1}', 1n, 4), 'dedup_id', 'dd:4:0:0']);
  await add('misrouted', 4, ['d', encodePayload('{"n":"replayed"}', 1n, 3), 'dedup_id', 'aa:3:5:0']);
  // Shard 5: a corrupt entry under nonce aa, and an id whose nonce merely starts like aa's.
  await add('corrupt', 5, ['d', 'not json', 'dedup_id', 'aa:5:0:0']);
  await add('lookalike', 5, ['d', encodePayload('{"y":1}', 1n, 5), 'dedup_id', 'aab:5:0:0']);
});

afterAll(async () => {
  await adapter.shutdown();
  await server.stop();
});

function source(browse: Map<number, BrowseContext> = new Map()): FindSource {
  return { adapter, prefix: 'net', openBrowse: (shard) => browse.get(shard), redis: (_c, fn) => fn() };
}

async function runAll(jobs: FindJobs, src: FindSource, text: string, shards?: number[]): Promise<{ query: FindQuery; hits: FindHit[] }> {
  const started = await jobs.start(src, text, shards);
  const hits: FindHit[] = [];
  for (;;) {
    const step = await jobs.next(started.findId);
    hits.push(...step.hits);
    if (step.done) return { query: started.query, hits };
  }
}

const brief = (h: FindHit) => ({ shard: h.shard, id: h.id, position: h.position, misrouted: h.misrouted, status: h.status });

describe('find', () => {
  it('finds every copy of a dedup_id: its own shard first, then the misrouted copy elsewhere, with positions', async () => {
    const { query, hits } = await runAll(new FindJobs(), source(), 'aa:3:5:0');
    expect(query).toMatchObject({ kind: 'dedup-id', dedupId: 'aa:3:5:0', home: 3 });
    expect(hits.map(brief)).toEqual([
      { shard: 3, id: ids.copyA, position: 5, misrouted: false, status: 'ok' },
      { shard: 3, id: ids.copyB, position: 3006, misrouted: false, status: 'ok' },
      { shard: 4, id: ids.misrouted, position: 1, misrouted: true, status: 'ok' },
    ]);
    // The shard-4 copy's payload differs: the group is a collision; it is misrouted too.
    expect(labelHits(hits)).toEqual([['collision'], ['collision'], ['misrouted', 'collision']]);
    expect(hits[2]!.reason).toContain('shard 3');
  });

  it('gives the same copies through a ready shard index as through a scan', async () => {
    const index = new ShardIndex(adapter, 3, streamKey('net', 3), () => {});
    await index.refresh();
    expect(index.ready).toBe(true);
    const ctx: BrowseContext = { adapter, index, shard: 3, key: streamKey('net', 3), run: (_c, fn) => fn() };
    const viaIndex = await runAll(new FindJobs(), source(new Map([[3, ctx]])), 'aa:3:5:0');
    const viaScan = await runAll(new FindJobs(), source(), 'aa:3:5:0');
    expect(viaIndex.hits.map(brief)).toEqual(viaScan.hits.map(brief));
    expect(viaIndex.hits.map((h) => h.digest)).toEqual(viaScan.hits.map((h) => h.digest));
    index.stop();
  });

  it('finds by prefix at part boundaries only (aa, aa:3, aa:3:5), corrupt entries included', async () => {
    const jobs = new FindJobs();
    const nonce = await runAll(jobs, source(), 'aa');
    expect(nonce.hits.map((h) => h.id).sort()).toEqual([ids.home0, ids.home1, ids.home2, ids.home3, ids.home4, ids.copyA, ids.copyB, ids.misrouted, ids.corrupt].sort());
    expect(nonce.hits.some((h) => h.dedupId === 'aab:5:0:0')).toBe(false);
    const corrupt = nonce.hits.find((h) => h.id === ids.corrupt)!;
    expect(corrupt.status).toBe('corrupt');
    expect(corrupt.reason).toMatch(/JSON|json/);
    const shard = await runAll(jobs, source(), 'aa:3');
    expect(shard.hits).toHaveLength(8);
    const seq = await runAll(jobs, source(), 'aa:3:5:');
    expect(seq.query).toMatchObject({ kind: 'dedup-prefix', prefix: 'aa:3:5', home: 3 });
    expect(seq.hits.map((h) => h.id)).toEqual([ids.copyA, ids.copyB, ids.misrouted]);
  });

  it('finds a stream id on the shards that hold it, and only those', async () => {
    const { query, hits } = await runAll(new FindJobs(), source(), ids.misrouted!);
    expect(query.kind).toBe('stream-id');
    // Stream ids are per stream: the same id can exist in several shards, and each is listed.
    const holders: number[] = [];
    for (const shard of [3, 4, 5]) if ((await redis.xrange(`net:shard:${shard}`, ids.misrouted!, ids.misrouted!)).length > 0) holders.push(shard);
    expect(hits.map((h) => h.shard)).toEqual(holders);
    expect(hits.every((h) => h.id === ids.misrouted)).toBe(true);
    expect(hits.find((h) => h.shard === 4)?.dedupId).toBe('aa:3:5:0');
  });

  it('searches only the shards asked for (the jump box: one lane)', async () => {
    const { hits } = await runAll(new FindJobs(), source(), 'aa:3:5:0', [4]);
    expect(hits.map((h) => h.shard)).toEqual([4]);
  });

  it('steps are bounded and a cancelled search is gone', async () => {
    const jobs = new FindJobs();
    const started = await jobs.start(source(), 'cc');
    const step = await jobs.next(started.findId);
    expect(step.shardsTotal).toBe(3);
    expect(jobs.cancel(started.findId)).toBe(true);
    await expect(jobs.next(started.findId)).rejects.toThrow(/no search/);
  });

  it('refuses what is not a stream id nor a dedup_id, naming the problem', async () => {
    await expect(new FindJobs().start(source(), 'AA:3:5:0')).rejects.toThrow(/lowercase/);
    await expect(new FindJobs().start(source(), 'hello world')).rejects.toThrow(/not a nonce/);
    expect(parseFindQuery('aa:3:5:0:1')).toHaveProperty('error');
  });

  it('a job reads the shards it was given in home-first order', () => {
    const q = parseFindQuery('aa:4:0:0') as FindQuery;
    const job = new FindJob(source(), q, [3, 4, 5].map((shard) => ({ shard, key: streamKey('net', shard), length: 1, firstId: '1-0', lastId: '1-0' })));
    expect(job.shardsTotal).toBe(3);
  });
});

describe('scan --details evidence', () => {
  it('lists every corrupt, duplicated and misrouted entry by stream id, with reasons', async () => {
    const plain = await scanShards(adapter, { shards: [3, 4, 5] });
    expect(plain.shards.every((s) => s.anomalies === undefined)).toBe(true);
    const result = await scanShards(adapter, { shards: [3, 4, 5], details: true });
    const [s3, s4, s5] = result.shards;
    expect(s3!.anomalies).toEqual([{ kind: 'duplicate', ids: [ids.copyA, ids.copyB], dedupId: 'aa:3:5:0', reason: expect.stringContaining('2 entries carry this dedup_id with identical payloads') }]);
    expect(s4!.anomalies).toEqual([{ kind: 'misrouted', ids: [ids.misrouted], dedupId: 'aa:3:5:0', reason: expect.stringContaining('shard 3') }]);
    expect(s5!.anomalies).toEqual([{ kind: 'corrupt', ids: [ids.corrupt], dedupId: 'aa:5:0:0', reason: expect.any(String) }]);
    // The counts are the same with or without the evidence.
    expect(result.shards.map(({ anomalies: _a, ...rest }) => rest)).toEqual(plain.shards);
    // The byte-level reader (big shards) and the client (small ones) list the same records.
    expect(await scanShards(adapter, { shards: [3, 4, 5], details: true, reader: 'raw' })).toEqual(result);
  });

  it("the byte-level reader gives the client reader's records on every kind of damaged entry", async () => {
    // Every corrupt shape the adapter knows, misrouted ones and duplicates, on a shard of their own.
    const k = 'net:shard:6';
    await redis.xadd(k, '*', 'dedup_id', 'ee:6:0:0');
    await redis.xadd(k, '*', 'd', Buffer.from([0x7b, 0xff, 0x7d]), 'dedup_id', 'ee:6:1:0');
    await redis.xadd(k, '*', 'd', '{"r":1,"r":2}', 'dedup_id', 'ee:6:2:0');
    await redis.xadd(k, '*', 'd', '{"r":1,"s":70000}', 'dedup_id', 'ee:6:3:0');
    await redis.xadd(k, '*', 'd', encodePayload('{"a":1}', 1n, 9), 'dedup_id', 'ee:6:4:0');
    await redis.xadd(k, '*', 'd', encodePayload('{"a":2}', 1n, 6), 'dedup_id', 'ee:9:0:0');
    await redis.xadd(k, '*', 'd', encodePayload('{"a":3}', 1n, 6), 'dedup_id', 'ee:6:5:0');
    await redis.xadd(k, '*', 'd', encodePayload('{"a":3}', 1n, 6), 'dedup_id', 'ee:6:5:0');
    await redis.xadd(k, '*', 'd', encodePayload('{"a":4}', 1n, 6), 'dedup_id', Buffer.from([0x65, 0xff, 0x3a, 0x36]));
    const client = await scanShards(adapter, { shards: [6], details: true, reader: 'client' });
    const raw = await scanShards(adapter, { shards: [6], details: true, reader: 'raw' });
    expect(raw).toEqual(client);
    expect(client.shards[0]!.anomalies!.map((a) => a.kind)).toEqual(['corrupt', 'corrupt', 'corrupt', 'corrupt', 'duplicate', 'misrouted', 'misrouted']);
  });
});

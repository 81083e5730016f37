/**
 * The publisher's contract in the service, against a real redis-server: `publish:nonce` tells the
 * nonce and next sequence start before anything is sent; a preview's nonce, sequence start and
 * `tStart` passed back make the publish send exactly the previewed bytes; the batch limits refuse
 * with clear messages before anything is sent; the sequence counter never rewinds; a batch is only
 * replayed or deleted through the profile that published it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../electron/core/service';
import type { MeshService } from '../../electron/core/service-api';
import { MAX_BATCH_EVENTS } from '../../shared/contract';
import { startRedis, type TestRedis } from '../helpers/redis-server';
import { MemorySecrets, serviceGate } from '../helpers/service-gate';

let redis: TestRedis;
let admin: Redis;
let home: string;
let service: MeshService;

const { call, ok } = serviceGate(() => service);

async function connect(prefix: string, readOnly = false): Promise<string> {
  const view = await ok('profiles:save', { name: prefix, url: redis.url, prefix, commandTimeoutMs: 1000, readOnly });
  await ok('connection:open', { profileId: view.id });
  return view.id;
}

beforeAll(async () => {
  redis = await startRedis();
  admin = redis.admin();
  home = mkdtempSync(path.join(tmpdir(), 'mesh-pub-home-'));
  service = createService({ transport: 'serve', secrets: new MemorySecrets(), home, appVersion: '0.0.0-test', sink: () => {} });
});

afterAll(async () => {
  await service?.dispose();
  await redis?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('publish:nonce', () => {
  it('tells the persistent nonce and the next sequence start, and a custom nonce normalised', async () => {
    await connect('pn');
    const app = await ok('publish:nonce', { shard: 4 });
    expect(app).toEqual({ nonce: expect.stringMatching(/^[0-9a-f]{1,16}$/), persistent: true, sequenceStart: '0' });
    expect(await ok('publish:nonce', {})).toEqual({ nonce: app.nonce, persistent: true, sequenceStart: null });
    expect(await ok('publish:nonce', { shard: 4, nonce: '0x00DEADBEEF' })).toEqual({ nonce: 'deadbeef', persistent: false, sequenceStart: '0' });
    await ok('publish:batch', { shard: 4, events: ['1', '2', '3'] });
    expect((await ok('publish:nonce', { shard: 4 })).sequenceStart).toBe('3');
  });
});

describe('exactly the previewed bytes', () => {
  it('publishes with the preview nonce, sequence start and tStart: the stored d equals the previewed one', async () => {
    await connect('px');
    const events = ['{"a": 1}', '[1,2]'];
    const preview = await ok('publish:preview', { shard: 2, events });
    expect(preview.tStart).toMatch(/^\d{19}$/);
    const batch = await ok('publish:batch', { shard: 2, events, nonce: preview.nonce, sequenceStart: preview.sequenceStart, tStart: preview.tStart });
    const raw = await admin.xrange('px:shard:2', '-', '+');
    const shown = preview.commands.slice(1, -1).map((c) => /^XADD \S+ \* d (.*) dedup_id (\S+)$/.exec(c)!.slice(1, 3));
    expect(raw.map((e) => [e[1][1], e[1][3]])).toEqual(shown);
    expect(raw[1]?.[1][1]).toBe(`{"r":[1,2],"t":${BigInt(preview.tStart) + 1n},"s":2}`);
    expect(batch.dedupIds).toEqual([`${preview.nonce}:2:0:0`, `${preview.nonce}:2:0:1`]);
    // An explicit sequence start still advances the counter: the next default batch does not reuse ids.
    expect((await ok('publish:nonce', { shard: 2 })).sequenceStart).toBe('2');
  });

  it('never rewinds the counter when a lower sequence start is reused on purpose', async () => {
    await connect('pr');
    await ok('publish:batch', { shard: 1, events: ['1', '2', '3', '4'] });
    await ok('publish:batch', { shard: 1, events: ['1'], sequenceStart: '0' });
    expect((await ok('publish:nonce', { shard: 1 })).sequenceStart).toBe('4');
  });
});

describe('limits, before anything is sent', () => {
  it('refuses more than 100,000 events with a clear message', async () => {
    await connect('pl');
    const env = await call('publish:batch', { shard: 1, events: Array.from({ length: MAX_BATCH_EVENTS + 1 }, () => '1') });
    expect(env.ok).toBe(false);
    if (!env.ok) {
      expect(env.error.kind).toBe('usage');
      expect(env.error.message).toContain('at most 100,000 events');
    }
    expect(await admin.exists('pl:shard:1')).toBe(0);
  });

  it('refuses a tStart that would pass 2^64 - 1', async () => {
    const env = await call('publish:batch', { shard: 1, events: ['1', '2'], tStart: '18446744073709551615' });
    expect(env.ok).toBe(false);
    if (!env.ok) expect(env.error.message).toContain('u64');
    expect(await admin.exists('pl:shard:1')).toBe(0);
  });
});

describe('batches belong to their profile', () => {
  it('refuses to replay or delete a batch published through another profile', async () => {
    await connect('pa');
    const batch = await ok('publish:batch', { shard: 3, events: ['{"x":1}'] });
    await connect('pb');
    for (const channel of ['publish:again', 'publish:delete'] as const) {
      const env = await call(channel, { batchId: batch.batchId });
      expect(env.ok).toBe(false);
      if (!env.ok) expect(env.error.message).toContain('another connection profile');
    }
    expect(await admin.exists('pb:shard:3')).toBe(0);
    expect(await admin.xlen('pa:shard:3')).toBe(1);
  });

  it('keeps the history across a restart of the service', async () => {
    const before = (await ok('publish:history', {})).batches.map((b) => b.batchId);
    await service.dispose();
    service = createService({ transport: 'serve', secrets: new MemorySecrets(), home, appVersion: '0.0.0-test', sink: () => {} });
    expect((await ok('publish:history', {})).batches.map((b) => b.batchId)).toEqual(before);
  });
});

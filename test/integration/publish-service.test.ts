/**
 * The publisher's contract in the service, against a real redis-server: `publish:nonce` tells the
 * nonce and next sequence start before anything is sent; a preview's nonce, sequence start and
 * `tStart` passed back make the publish send exactly the previewed bytes; the batch limits refuse
 * with clear messages before anything is sent; the sequence counter never rewinds; a batch is only
 * replayed or deleted through the profile that published it; a replay asks for the number of
 * duplicates it will write and a read-only profile refuses it in the service; a publish the
 * server never got consumes no ordinals; an unconfirmed batch is re-checked after a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../electron/core/service';
import type { MeshService } from '../../electron/core/service-api';
import { MAX_BATCH_EVENTS, type EventName, type EventPayloadOf } from '../../shared/contract';
import { startRedis, type TestRedis } from '../helpers/redis-server';
import { startRecordingProxy } from '../helpers/redis-wire';
import { MemorySecrets, serviceGate } from '../helpers/service-gate';

let redis: TestRedis;
let admin: Redis;
let home: string;
let service: MeshService;

const { call, ok } = serviceGate(() => service);
const listeners = new Set<(event: string, payload: unknown) => void>();
const sink = (event: string, payload: unknown) => {
  for (const l of [...listeners]) l(event, payload);
};

/** Resolves with the first event of that name for which `match` holds. */
function nextEvent<E extends EventName>(event: E, match: (p: EventPayloadOf<E>) => boolean = () => true): Promise<EventPayloadOf<E>> {
  return new Promise((resolve) => {
    const l = (name: string, payload: unknown) => {
      if (name === event && match(payload as EventPayloadOf<E>)) {
        listeners.delete(l);
        resolve(payload as EventPayloadOf<E>);
      }
    };
    listeners.add(l);
  });
}

async function connect(prefix: string, readOnly = false): Promise<string> {
  const view = await ok('profiles:save', { name: prefix, url: redis.url, prefix, commandTimeoutMs: 1000, readOnly });
  await ok('connection:open', { profileId: view.id });
  return view.id;
}

beforeAll(async () => {
  redis = await startRedis();
  admin = redis.admin();
  home = mkdtempSync(path.join(tmpdir(), 'mesh-pub-home-'));
  service = createService({ transport: 'serve', secrets: new MemorySecrets(), home, appVersion: '0.0.0-test', sink });
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
    service = createService({ transport: 'serve', secrets: new MemorySecrets(), home, appVersion: '0.0.0-test', sink });
    expect((await ok('publish:history', {})).batches.map((b) => b.batchId)).toEqual(before);
  });
});

describe('publish again with the same ids (a deliberate retry duplicate)', () => {
  it('asks for the number of duplicates it will write, naming the server; the right number publishes them', async () => {
    await connect('rq');
    const batch = await ok('publish:batch', { shard: 1, events: ['{"a":1}', '{"a":2}', '{"a":3}'] });
    for (const confirm of [undefined, 2]) {
      const env = await call('publish:again', confirm === undefined ? { batchId: batch.batchId } : { batchId: batch.batchId, confirmDuplicates: confirm });
      expect(env.ok).toBe(false);
      if (!env.ok) {
        expect(env.error.code).toBe('CONFIRM_DUPLICATES');
        expect(env.error.message).toContain(`writes 3 duplicate entries (the same dedup_ids) to rq:shard:1 on redis://127.0.0.1:${redis.port}`);
      }
    }
    expect(await admin.xlen('rq:shard:1')).toBe(3);
    const again = await ok('publish:again', { batchId: batch.batchId, confirmDuplicates: 3 });
    expect(again).toMatchObject({ dedupIds: batch.dedupIds, replayOf: batch.batchId, outcome: 'landed' });
    expect(await admin.xlen('rq:shard:1')).toBe(6);
    // A replay uses its batch's ordinals: the counter does not move.
    expect((await ok('publish:nonce', { shard: 1 })).sequenceStart).toBe('3');
  });

  it('a read-only profile refuses it in the service, whatever the UI sends', async () => {
    const view = await ok('profiles:save', { name: 'ro-later', url: redis.url, prefix: 'rl', commandTimeoutMs: 1000, readOnly: false });
    await ok('connection:open', { profileId: view.id });
    const batch = await ok('publish:batch', { shard: 2, events: ['{"a":1}'] });
    await ok('profiles:save', { id: view.id, name: 'ro-later', url: redis.url, prefix: 'rl', commandTimeoutMs: 1000, readOnly: true });
    await ok('connection:open', { profileId: view.id });
    const env = await call('publish:again', { batchId: batch.batchId, confirmDuplicates: 1 });
    expect(env.ok).toBe(false);
    if (!env.ok) expect([env.error.kind, env.error.code]).toEqual(['fatal', 'READ_ONLY_PROFILE']);
    expect(await admin.xlen('rl:shard:2')).toBe(1);
  });
});

describe('the ids a preview showed', () => {
  it('are refused (SEQUENCE_MOVED) once another batch took them, instead of being reused', async () => {
    await connect('pm');
    const preview = await ok('publish:preview', { shard: 0, events: ['{"a":1}'] });
    expect(preview.sequenceStart).toBe('0');
    await ok('publish:batch', { shard: 0, events: ['{"other":1}'] });
    const env = await call('publish:batch', { shard: 0, events: ['{"a":1}'], nonce: preview.nonce, expectedSequenceStart: preview.sequenceStart, tStart: preview.tStart });
    expect(env.ok).toBe(false);
    if (!env.ok) {
      expect(env.error.code).toBe('SEQUENCE_MOVED');
      expect(env.error.message).toContain('moved from 0 to 1');
    }
    expect(await admin.xlen('pm:shard:0')).toBe(1);
    const fresh = await ok('publish:preview', { shard: 0, events: ['{"a":1}'] });
    const batch = await ok('publish:batch', { shard: 0, events: ['{"a":1}'], nonce: fresh.nonce, expectedSequenceStart: fresh.sequenceStart, tStart: fresh.tStart });
    expect(batch.sequenceStart).toBe('1');
  });
});

describe('a long-lived session through a Redis outage', () => {
  it('a publish while Redis is down says nothing was sent and consumes no ordinals: no gap once it is back', async () => {
    const own = await startRedis();
    try {
      const view = await ok('profiles:save', { name: 'down', url: own.url, prefix: 'dn', commandTimeoutMs: 500, readOnly: false });
      await ok('connection:open', { profileId: view.id });
      await ok('publish:batch', { shard: 0, events: ['1', '2'] });
      await own.kill();
      const env = await call('publish:batch', { shard: 0, events: ['3', '4', '5'] });
      expect(env.ok).toBe(false);
      if (!env.ok) {
        expect(env.error.kind).toBe('transient');
        expect(env.error.message).toMatch(/nothing was sent.*publishing it again is safe/);
      }
      expect((await ok('publish:nonce', { shard: 0 })).sequenceStart).toBe('2');
      const ready = nextEvent('connection:changed', (st) => st.state === 'ready');
      await own.restart();
      await ready;
      const next = await ok('publish:batch', { shard: 0, events: ['3', '4', '5'] });
      expect(next.sequenceStart).toBe('2');
    } finally {
      await own.stop();
    }
  });

  it('Redis killed right after EXEC: the batch is recorded unconfirmed; after a restart publish:recheck tells what the stream holds', async () => {
    const own = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    const proxy = await startRecordingProxy(own.port);
    try {
      const view = await ok('profiles:save', { name: 'killed', url: proxy.url, prefix: 'kx', commandTimeoutMs: 1000, readOnly: false });
      await ok('connection:open', { profileId: view.id });
      const exec = Buffer.from('*1\r\n$4\r\nexec\r\n');
      let killed: Promise<void> | undefined;
      proxy.intercept((_conn, chunk) => {
        if (!killed && chunk.subarray(-exec.length).equals(exec)) return { forward: chunk, after: () => (killed = own.kill()) };
        return { forward: chunk };
      });
      const batch = await ok('publish:batch', { shard: 3, events: Array.from({ length: 3000 }, (_, i) => `{"i":${i}}`) });
      await killed;
      proxy.intercept(null);
      expect(batch).toMatchObject({ outcome: 'unconfirmed', ids: [], count: 3000 });
      expect(batch.note).toContain(`look for the dedup_ids ${batch.nonce}:3:0:0 .. ${batch.nonce}:3:0:2999`);
      const listed = (await ok('publish:history', {})).batches.find((b) => b.batchId === batch.batchId);
      expect(listed).toMatchObject({ outcome: 'unconfirmed', count: 3000, idsTruncated: true });
      // Unknown whether it landed: a replay is refused until a re-check says.
      const replay = await call('publish:again', { batchId: batch.batchId, confirmDuplicates: 3000 });
      expect(replay.ok).toBe(false);
      if (!replay.ok) expect(replay.error.message).toMatch(/re-check it first/);

      const ready = nextEvent('connection:changed', (st) => st.state === 'ready');
      await own.restart();
      await ready;
      const len = await own.admin().xlen('kx:shard:3');
      expect([0, 3000]).toContain(len);
      const checked = await ok('publish:recheck', { batchId: batch.batchId });
      if (len === 3000) {
        expect(checked).toMatchObject({ outcome: 'landed', verifiedBy: 'recheck' });
        expect(checked.ids).toEqual((await own.admin().xrange('kx:shard:3', '-', '+')).map((e) => e[0]));
      } else {
        expect(checked).toMatchObject({ outcome: 'not-landed', verifiedBy: 'recheck', ordinalsReleased: true });
        // Not landed: publishing it again is the retry, not a duplicate: no confirmation needed.
        const retry = await ok('publish:again', { batchId: batch.batchId });
        expect(retry).toMatchObject({ sequenceStart: '0', outcome: 'landed' });
        expect(await own.admin().xlen('kx:shard:3')).toBe(3000);
      }
    } finally {
      await proxy.close();
      await own.stop();
    }
  }, 60_000);
});

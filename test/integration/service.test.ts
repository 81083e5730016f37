/**
 * The contract end to end over an in-memory transport: requests and events are JSON round-tripped
 * (as both real transports do) through the same gate (dispatch) into the real service, against a
 * real redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { freePort, startRedis, type TestRedis } from '../helpers/redis-server';
import { createService } from '../../electron/core/service';
import { dispatch } from '../../electron/core/dispatch';
import type { MeshService } from '../../electron/core/service-api';
import type { EventName, EventPayloadOf } from '../../shared/contract';
import { encodePayload } from '../../shared/wire';
import { MemorySecrets, serviceGate, wire } from '../helpers/service-gate';


let redis: TestRedis;
let admin: Redis;
let home: string;
let service: MeshService;
const secrets = new MemorySecrets();
const listeners = new Set<(event: string, payload: unknown) => void>();

const { call, ok } = serviceGate(() => service);

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

async function seedShard(prefix: string, shard: number, n: number, opts: { nonce?: string; seqStart?: number } = {}): Promise<string[]> {
  const key = `${prefix}:shard:${shard}`;
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1000) {
    const p = admin.pipeline();
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      p.xadd(key, '*', 'd', encodePayload(`{"n":${j}}`, BigInt(j + 1), shard), 'dedup_id', `${opts.nonce ?? 'abc'}:${shard}:${(opts.seqStart ?? 0) + j}:0`);
    }
    const res = await p.exec();
    for (const [, id] of res ?? []) ids.push(id as string);
  }
  return ids;
}

beforeAll(async () => {
  redis = await startRedis();
  admin = redis.admin();
  home = mkdtempSync(path.join(tmpdir(), 'mesh-home-'));
  service = createService({
    transport: 'serve',
    secrets,
    home,
    appVersion: '0.0.0-test',
    sink: (event, payload) => {
      const p = wire(payload);
      for (const l of [...listeners]) l(event, p);
    },
  });
});

afterAll(async () => {
  await service?.dispose();
  await redis?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('the gate', () => {
  it('refuses an unknown channel as a usage error', async () => {
    const env = await dispatch(service.handlers, 'keys:all', {});
    expect(env).toEqual({ ok: false, error: { kind: 'usage', message: 'unknown channel "keys:all"' } });
  });

  it('refuses an invalid payload naming the field, before any handler runs', async () => {
    const env = await dispatch(service.handlers, 'events:page', { shard: 70000, direction: 'forward', cursor: null, limit: 10 });
    expect(env.ok).toBe(false);
    if (!env.ok) {
      expect(env.error.kind).toBe('usage');
      expect(env.error.message).toContain('at shard');
    }
  });

  it('refuses extra fields and wrong types', async () => {
    const extra = await dispatch(service.handlers, 'connection:status', { sneaky: 1 });
    expect(extra.ok).toBe(false);
    const wrongType = await dispatch(service.handlers, 'events:page', { shard: '1', direction: 'forward', cursor: null, limit: 10 });
    expect(wrongType.ok).toBe(false);
  });

  it('answers "not connected" as data when no session is open', async () => {
    const env = await call('shards:list', {});
    expect(env.ok).toBe(false);
    if (!env.ok) expect(env.error.message).toContain('not connected');
  });
});

describe('profiles and connection', () => {
  it('keeps the password out of profiles.json and out of what the renderer sees', async () => {
    const view = await ok('profiles:save', {
      name: 'secret one',
      url: `redis://alice:hunter2-secret@127.0.0.1:${redis.port}/0`,
      prefix: 'net',
      commandTimeoutMs: 1000,
      readOnly: false,
    });
    expect(view.hasPassword).toBe(true);
    expect(JSON.stringify(view)).not.toContain('hunter2-secret');
    expect(view.url).toBe(`redis://[REDACTED]@127.0.0.1:${redis.port}`);
    expect(view.username).toBe('alice');
    const onDisk = readdirSync(home)
      .filter((f) => f.endsWith('.json'))
      .map((f) => readFileSync(path.join(home, f), 'utf8'))
      .join('\n');
    expect(onDisk).not.toContain('hunter2-secret');
    expect(secrets.map.get(view.id)).toBe('hunter2-secret');
    const list = await ok('profiles:list', {});
    expect(JSON.stringify(list)).not.toContain('hunter2-secret');
    await ok('profiles:delete', { id: view.id });
    expect(secrets.map.has(view.id)).toBe(false);
  });

  it('reports a wrong password as fatal without the password in any message', async () => {
    const protectedRedis = await startRedis({ args: ['--requirepass', 'right-pass'] });
    try {
      const view = await ok('profiles:save', {
        name: 'wrong pw',
        url: `redis://:wrong-pass-xyz@127.0.0.1:${protectedRedis.port}`,
        prefix: 'net',
        commandTimeoutMs: 1000,
        readOnly: false,
      });
      const status = await ok('connection:open', { profileId: view.id });
      expect(status.state).toBe('down');
      expect(status.error?.kind).toBe('fatal');
      expect(JSON.stringify(status)).not.toContain('wrong-pass-xyz');
      await ok('connection:close', {});
      await ok('profiles:delete', { id: view.id });
    } finally {
      await protectedRedis.stop();
    }
  });

  it('answers a view that asks before the first connection succeeded with "not connected yet", naming the server, never the adapter', async () => {
    const port = await freePort();
    const view = await ok('profiles:save', { name: 'dead', url: `redis://127.0.0.1:${port}`, prefix: 'net', commandTimeoutMs: 1000, readOnly: false });
    try {
      const status = await ok('connection:open', { profileId: view.id });
      expect(status.state).not.toBe('ready');
      const env = await call('shards:list', {});
      expect(env.ok).toBe(false);
      if (!env.ok) {
        expect(env.error.kind).toBe('transient');
        expect(env.error.code).toBe('NOT_CONNECTED');
        expect(env.error.message).toBe(`not connected yet: the first connection to redis://127.0.0.1:${port} has not succeeded`);
      }
    } finally {
      await ok('connection:close', {});
      await ok('profiles:delete', { id: view.id });
    }
  });

  it('opens a profile and reports ready with the server version', async () => {
    const view = await ok('profiles:save', { name: 'local', url: redis.url, prefix: 'svc', commandTimeoutMs: 1000, readOnly: false });
    const status = await ok('connection:open', { profileId: view.id });
    expect(status.state).toBe('ready');
    expect(status.serverVersion).toMatch(/^\d+\.\d+/);
    // The core decides whether the server is on this machine (the Publish view asks it, never the URL).
    expect(status.local).toBe(true);
    expect((await ok('connection:status', {})).state).toBe('ready');
  });
});

describe('browsing', () => {
  let ids: string[];
  beforeAll(async () => {
    ids = await seedShard('svc', 4, 3000);
    await seedShard('svc', 9, 10);
  });

  it('lists the shards of the prefix with lengths and first/last ids', async () => {
    const res = await ok('shards:list', {});
    expect(res.shards.map((s) => s.shard)).toEqual([4, 9]);
    expect(res.shards[0]).toMatchObject({ shard: 4, key: 'svc:shard:4', length: 3000, firstId: ids[0], lastId: ids[2999] });
  });

  it('pages forward and backward with exclusive cursors', async () => {
    const first = await ok('events:page', { shard: 4, direction: 'forward', cursor: null, limit: 100 });
    expect(first.entries.map((e) => e.id)).toEqual(ids.slice(0, 100));
    expect(first.hasMore).toBe(true);
    const second = await ok('events:page', { shard: 4, direction: 'forward', cursor: first.nextId, limit: 100 });
    expect(second.entries[0]?.id).toBe(ids[100]);
    const newest = await ok('events:page', { shard: 4, direction: 'backward', cursor: null, limit: 5 });
    expect(newest.entries.map((e) => e.id)).toEqual(ids.slice(-5).reverse());
    const older = await ok('events:page', { shard: 4, direction: 'backward', cursor: newest.nextId, limit: 5 });
    expect(older.entries.map((e) => e.id)).toEqual(ids.slice(-10, -5).reverse());
  });

  it('opens any position exactly once the sparse index is ready', async () => {
    const ready = nextEvent('index:changed', (s) => s.shard === 4 && s.state === 'ready');
    await ok('index:status', { shard: 4 });
    const st = await ready;
    expect(st.indexed).toBe(3000);
    for (const pos of [0, 255, 256, 1234, 2999]) {
      const page = await ok('events:at', { shard: 4, position: pos, limit: 3 });
      expect(page.exact).toBe(true);
      expect(page.entries[0]?.id).toBe(ids[pos]);
    }
  });

  it('fetches one entry with its full payload', async () => {
    const e = await ok('events:entry', { shard: 4, id: ids[7] as string });
    expect(e).toMatchObject({ id: ids[7], status: 'ok', r: '{"n":7}', t: '8', s: 4, dedupId: 'abc:4:7:0' });
  });

  it('delivers new entries to a live tail, coalesced per tick', async () => {
    const { subscriptionId } = await ok('tail:subscribe', { shards: [9], after: { '9': null } });
    // The tail starts at the live end; entries written after that are delivered.
    const got: string[] = [];
    const done = new Promise<void>((resolve) => {
      const l = (name: string, payload: unknown) => {
        const p = payload as EventPayloadOf<'tail:entries'>;
        if (name !== 'tail:entries' || p.subscriptionId !== subscriptionId) return;
        for (const e of p.entries) got.push(e.id);
        if (got.length >= 50) {
          listeners.delete(l);
          resolve();
        }
      };
      listeners.add(l);
    });
    // Give the tail its starting point first: wait until it has looked at the live end.
    const pre = await admin.xlen('svc:shard:9');
    expect(pre).toBe(10);
    let written: string[] = [];
    const writes: Promise<unknown>[] = [];
    const writer = setInterval(() => {
      writes.push(seedShard('svc', 9, 10, { seqStart: 1000 + written.length }).then((w) => (written = written.concat(w))));
    }, 20);
    await done;
    clearInterval(writer);
    // A batch can be delivered before its writer's reply is back here: wait for every reply.
    await Promise.all(writes);
    await ok('tail:unsubscribe', { subscriptionId });
    // Every delivered id was written by the writer, in order, with no repeats.
    expect(new Set(got).size).toBe(got.length);
    const sorted = [...got].sort((a, b) => written.indexOf(a) - written.indexOf(b));
    expect(got).toEqual(sorted);
    for (const id of got) expect(written).toContain(id);
  });
});

describe('duplicate marks from the background index', () => {
  it('calls copies with the same stored bytes a retry and copies whose stored d differs a collision, even when only the layout of d differs', async () => {
    const key = 'svc:shard:11';
    await admin.xadd(key, '*', 'd', '{"r":{"a":1},"t":5,"s":11}', 'dedup_id', 'beef:11:0:0');
    await admin.xadd(key, '*', 'd', '{"r":{"a":1},"t":5,"s":11}', 'dedup_id', 'beef:11:0:0');
    await admin.xadd(key, '*', 'd', '{"r":{"a":2},"t":6,"s":11}', 'dedup_id', 'beef:11:1:0');
    // Same r, t and s as the entry above, but a different stored layout: consumers compare bytes.
    await admin.xadd(key, '*', 'd', '{"t":6,"r":{"a":2},"s":11}', 'dedup_id', 'beef:11:1:0');
    const ready = nextEvent('index:changed', (s) => s.shard === 11 && s.state === 'ready');
    await ok('index:status', { shard: 11 });
    await ready;
    const res = await ok('duplicates:lookup', { shard: 11, dedupIds: ['beef:11:0:0', 'beef:11:1:0'] });
    expect(res.marks).toEqual([
      { dedupId: 'beef:11:0:0', kind: 'retry', copies: 2 },
      { dedupId: 'beef:11:1:0', kind: 'collision', copies: 2 },
    ]);
  });
});

describe('publishing', () => {
  it('refuses to publish on a read-only profile in the service, whatever the UI shows', async () => {
    const view = await ok('profiles:save', { name: 'ro', url: redis.url, prefix: 'ro', commandTimeoutMs: 1000, readOnly: true });
    await ok('connection:open', { profileId: view.id });
    const env = await call('publish:batch', { shard: 1, events: ['{"a":1}'] });
    expect(env.ok).toBe(false);
    if (!env.ok) {
      expect(env.error.kind).toBe('fatal');
      expect(env.error.message).toContain('read-only');
    }
    expect(await admin.exists('ro:shard:1')).toBe(0);
  });

  it('publishes, publishes again with the same ids (a retry duplicate), and deletes exactly that batch', async () => {
    const view = await ok('profiles:save', { name: 'rw', url: redis.url, prefix: 'pub', commandTimeoutMs: 1000, readOnly: false });
    await ok('connection:open', { profileId: view.id });
    const preview = await ok('publish:preview', { shard: 2, events: ['{"a":1}', '{"a":2}'] });
    expect(preview.commands[0]).toBe('MULTI');
    expect(preview.commands[1]).toMatch(/^XADD pub:shard:2 \* d \{"r":\{"a":1\},"t":\d+,"s":2\} dedup_id [0-9a-f]+:2:0:0$/);
    expect(preview.commands.at(-1)).toBe('EXEC');

    const batch = await ok('publish:batch', { shard: 2, events: ['{"a":1}', '{"a":2}'] });
    expect(batch.dedupIds).toEqual([`${batch.nonce}:2:0:0`, `${batch.nonce}:2:0:1`]);
    const again = await ok('publish:again', { batchId: batch.batchId, confirmDuplicates: 2 });
    expect(again.dedupIds).toEqual(batch.dedupIds);
    expect(again.ids).not.toEqual(batch.ids);

    // The replay is byte-identical: a retry duplicate, not a collision.
    const raw = await admin.xrange('pub:shard:2', '-', '+');
    expect(raw).toHaveLength(4);
    expect(raw[2]?.[1]).toEqual(raw[0]?.[1]);

    const ready = nextEvent('index:changed', (s) => s.shard === 2 && s.state === 'ready');
    await ok('index:status', { shard: 2 });
    await ready;
    const dup = await ok('duplicates:lookup', { shard: 2, dedupIds: batch.dedupIds });
    expect(dup.ready).toBe(true);
    expect(dup.marks).toEqual(batch.dedupIds.map((d) => ({ dedupId: d, kind: 'retry', copies: 2 })));

    // The next batch continues the sequence: no reuse of ids unless asked.
    const next = await ok('publish:batch', { shard: 2, events: ['{"b":1}'] });
    expect(next.sequenceStart).toBe('2');

    const del = await ok('publish:delete', { batchId: again.batchId });
    expect(del.deleted).toBe(2);
    const left = (await admin.xrange('pub:shard:2', '-', '+')).map((e) => e[0]);
    expect(left).toEqual([...batch.ids, ...next.ids]);
    const history = await ok('publish:history', {});
    expect(history.batches.find((b) => b.batchId === again.batchId)?.deleted).toBe(true);
  });

  it('names the event that is not JSON and publishes nothing', async () => {
    const before = await admin.xlen('pub:shard:3');
    const env = await call('publish:batch', { shard: 3, events: ['{"ok":1}', '{oops'] });
    expect(env.ok).toBe(false);
    if (!env.ok) {
      expect(env.error.kind).toBe('usage');
      expect(env.error.message).toContain('event 2');
    }
    expect(await admin.xlen('pub:shard:3')).toBe(before);
  });
});

describe('analysis and health', () => {
  it('runs a whole-bus analysis with progress and a report with provenance', async () => {
    const view = await ok('profiles:save', { name: 'an', url: redis.url, prefix: 'an', commandTimeoutMs: 1000, readOnly: false });
    await ok('connection:open', { profileId: view.id });
    await seedShard('an', 0, 500);
    await seedShard('an', 0, 10, { seqStart: 0 }); // 10 duplicated dedup_ids with other payload bytes? same bytes: retry
    const done = nextEvent('analysis:done');
    const { jobId } = await ok('analysis:start', {});
    const report = await done;
    expect(report.jobId).toBe(jobId);
    expect(report.state).toBe('done');
    expect(report.provenance.prefix).toBe('an');
    expect(report.provenance.server).toBe(redis.url);
    expect(report.shards[0]).toMatchObject({ shard: 0, entries: 510, duplicateGroups: 10, duplicateEntries: 10, collisionGroups: 0 });
  });

  it('cancels an analysis job', async () => {
    await seedShard('an', 1, 20000);
    const done = nextEvent('analysis:done');
    const progressed = nextEvent('analysis:progress');
    const { jobId } = await ok('analysis:start', { shards: [1] });
    await progressed;
    expect((await ok('analysis:cancel', { jobId })).cancelled).toBe(true);
    const report = await done;
    expect(report.state).toBe('cancelled');
  });

  it('probes health and reports latency', async () => {
    const snap = await nextEvent('health:changed', (s) => s.latest !== null && s.latest.ok);
    expect(snap.state).toBe('ready');
    expect(snap.latest?.latencyMs).toBeGreaterThanOrEqual(0);
  });
});

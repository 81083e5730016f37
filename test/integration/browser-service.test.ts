/**
 * The shard browser's core reads (issue 4) through the real gate and service against a real
 * redis-server: previews capped in pages, pages past the index's tip exact, locate by id and by
 * time, server-side filters that resume exactly, and the copies of a duplicated dedup_id found
 * even when they are thousands of entries apart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { startRedis, type TestRedis } from '../helpers/redis-server';
import { createService } from '../../electron/core/service';
import type { MeshService } from '../../electron/core/service-api';
import type { EventName, EventPayloadOf, PageEntry, RequestOf, ResponseOf } from '../../shared/contract';
import { encodePayload } from '../../shared/wire';
import { MemorySecrets, serviceGate, wire } from '../helpers/service-gate';

const PREFIX = 'brw';
const N = 5000;
/** Entry k gets id (BASE + k)-(k % 3), so ids and times are known without reading them back. */
const BASE = 1_700_000_000_000;
const idOf = (k: number) => `${BASE + k}-${k % 3}`;

let redis: TestRedis;
let admin: Redis;
let home: string;
let service: MeshService;
const listeners = new Set<(event: string, payload: unknown) => void>();

const { call, ok } = serviceGate(() => service);

function nextEvent<E extends EventName>(event: E, match: (p: EventPayloadOf<E>) => boolean): Promise<EventPayloadOf<E>> {
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

/** Entry k: {"k":k,"order":{"id":"<k>"}}; entry 10 and 4000 share a dedup_id (a retry), 20 and 4500 collide. */
function raw(k: number): string {
  return k === 4500 ? '{"k":"different"}' : k === 4000 ? '{"k":10,"order":{"id":"10"}}' : `{"k":${k},"order":{"id":"${k}"}}`;
}
function dedupOf(k: number): string {
  if (k === 4000) return 'beef:1:10:0';
  if (k === 4500) return 'beef:1:20:0';
  return `beef:1:${k}:0`;
}

beforeAll(async () => {
  redis = await startRedis();
  admin = redis.admin();
  home = mkdtempSync(path.join(tmpdir(), 'mesh-home-'));
  service = createService({
    transport: 'serve',
    secrets: new MemorySecrets(),
    home,
    appVersion: '0.0.0-test',
    sink: (event, payload) => {
      const p = wire(payload);
      for (const l of [...listeners]) l(event, p);
    },
  });
  const key = `${PREFIX}:shard:1`;
  for (let i = 0; i < N; i += 1000) {
    const p = admin.pipeline();
    for (let k = i; k < i + 1000; k++) {
      const d = k === 777 ? '{"r":{"k":777},"t":-1}' : encodePayload(k === 3 ? `{"blob":"${'x'.repeat(300_000)}"}` : raw(k), BigInt(k + 1), 1);
      p.xadd(key, idOf(k), 'd', d, 'dedup_id', dedupOf(k));
    }
    await p.exec();
  }
  await service.connectUrl(redis.url, PREFIX);
  const ready = nextEvent('index:changed', (s) => s.shard === 1 && s.state === 'ready');
  await ok('index:status', { shard: 1 });
  await ready;
});

afterAll(async () => {
  await service?.dispose();
  await redis?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('pages for the browser', () => {
  it('caps big payloads in pages when asked, and says how long they are', async () => {
    const page = await ok('events:at', { shard: 1, position: 0, limit: 10, previewChars: 100 });
    const big = page.entries[3] as PageEntry & { status: 'ok' };
    expect(big.r).toHaveLength(100);
    expect(big.truncated).toBe(300_000 + '{"blob":""}'.length);
    expect((page.entries[4] as PageEntry).truncated).toBeUndefined();
    const full = await ok('events:entry', { shard: 1, id: idOf(3) });
    expect(full?.status === 'ok' && full.r.length).toBe(big.truncated);
    const uncapped = await ok('events:page', { shard: 1, direction: 'forward', cursor: null, limit: 5 });
    expect((uncapped.entries[3] as PageEntry & { status: 'ok' }).r.length).toBe(big.truncated);
  });

  it('reads exactly past the indexed part of a growing stream, and reports the length at the end', async () => {
    const key = `${PREFIX}:shard:1`;
    await admin.xadd(key, idOf(N), 'd', encodePayload(raw(N), BigInt(N + 1), 1), 'dedup_id', dedupOf(N));
    const page = await ok('events:at', { shard: 1, position: N - 2, limit: 10 });
    expect(page.exact).toBe(true);
    expect(page.entries.map((e) => e.id)).toEqual([idOf(N - 2), idOf(N - 1), idOf(N)]);
    expect(page.length).toBe(N + 1);
    await admin.xdel(key, idOf(N));
  });
});

describe('events:locate', () => {
  it('places an existing id, a missing id and a time exactly', async () => {
    expect(await ok('events:locate', { shard: 1, id: idOf(2600) })).toEqual({ position: 2600, exact: true, id: idOf(2600), found: true });
    // Between two entries: the next one.
    expect(await ok('events:locate', { shard: 1, id: `${BASE + 1234}-2` })).toMatchObject({ position: 1235, id: idOf(1235), found: false });
    expect(await ok('events:locate', { shard: 1, timeMs: BASE + 4321 })).toMatchObject({ position: 4321, id: idOf(4321) });
    expect(await ok('events:locate', { shard: 1, timeMs: 1 })).toMatchObject({ position: 0, id: idOf(0) });
    expect(await ok('events:locate', { shard: 1, timeMs: BASE + 10 * N })).toMatchObject({ position: N, id: null });
  });

  it('answers with the aligned page around the entry when asked, as events:at would', async () => {
    const res = await ok('events:locate', { shard: 1, id: idOf(2600), page: { size: 500, previewChars: 64 } });
    expect(res).toMatchObject({ position: 2600, id: idOf(2600), found: true });
    const at = await ok('events:at', { shard: 1, position: 2500, limit: 500, previewChars: 64 });
    expect(res.page).toEqual(at);
    expect(res.page?.entries[100]?.id).toBe(idOf(2600));
    // The newest entry's page; past the newest entry there is no page.
    const end = await ok('events:locate', { shard: 1, timeMs: BASE + N - 1, page: { size: 500 } });
    expect(end.page).toMatchObject({ position: 4500, exact: true });
    expect(end.page?.entries.at(-1)?.id).toBe(idOf(N - 1));
    expect((await ok('events:locate', { shard: 1, timeMs: BASE + 10 * N, page: { size: 500 } })).page).toBeUndefined();
  });

  it('refuses a request with neither or both targets', async () => {
    const env = await call('events:locate', { shard: 1 });
    expect(env.ok).toBe(false);
  });
});

describe('events:filter', () => {
  async function scanAll(query: RequestOf<'events:filter'>['query'], direction: 'forward' | 'backward' = 'forward', limit = 3) {
    const found: string[] = [];
    let cursor: string | null = null;
    let scanned = 0;
    for (let step = 0; step < 100; step++) {
      const page: ResponseOf<'events:filter'> = await ok('events:filter', { shard: 1, direction, cursor, query, limit, scanLimit: 700, previewChars: 64 });
      found.push(...page.entries.map((e) => e.id));
      scanned += page.scanned;
      cursor = page.cursor;
      if (page.done) return { found, scanned };
    }
    throw new Error('filter did not finish');
  }

  it('finds substrings, smart-case, resuming exactly across bounded steps in both directions', async () => {
    const { found, scanned } = await scanAll({ text: '"k":12' });
    expect(found).toEqual([12, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, ...Array.from({ length: 100 }, (_, i) => 1200 + i)].map(idOf));
    expect(scanned).toBe(N);
    const back = await scanAll({ text: '"k":12' }, 'backward');
    expect(back.found).toEqual([...found].reverse());
    expect((await scanAll({ text: 'DIFFERENT' })).found).toEqual([]);
    expect((await scanAll({ text: 'different' })).found).toEqual([idOf(4500)]);
  });

  it('matches JSON-path equals on the raw text, and the status filters', async () => {
    expect((await scanAll({ pathEquals: '$.order.id == "4321"' })).found).toEqual([idOf(4321)]);
    expect((await scanAll({ pathEquals: '$.k == 10' })).found).toEqual([idOf(10), idOf(4000)]);
    expect((await scanAll({ status: 'corrupt' })).found).toEqual([idOf(777)]);
    // Grouped by dedup_id (issue 13). Both pairs differ in their stored `d` (its `t`), so both are
    // collisions by the byte rule; lane-filters.test.ts separates retries from collisions.
    expect((await scanAll({ status: 'duplicate' })).found).toEqual([10, 4000, 20, 4500].map(idOf));
    expect((await scanAll({ status: 'collision' })).found).toEqual([10, 4000, 20, 4500].map(idOf));
    expect((await scanAll({ status: 'retry' })).found).toEqual([]);
    // Newest first: the group whose first copy is newest first; copies stay oldest first within it.
    expect((await scanAll({ status: 'duplicate' }, 'backward')).found).toEqual([20, 4500, 10, 4000].map(idOf));
    expect((await scanAll({ status: 'corrupt', text: 'nothing' })).found).toEqual([]);
    // Analysis evidence (issue 13): the entries carrying one producer ordinal (a gap's bounding entry), scanned.
    expect((await scanAll({ ordinal: { nonce: 'beef', value: 42 } })).found).toEqual([idOf(42)]);
    expect((await scanAll({ ordinal: { nonce: 'beef', value: 10 } }, 'backward')).found).toEqual([4000, 10].map(idOf));
    const bad = await call('events:filter', { shard: 1, direction: 'forward', cursor: null, query: { pathEquals: 'order.id == 1' }, limit: 5, scanLimit: 10 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.kind).toBe('usage');
  });
});

describe('duplicates:copies', () => {
  it('finds both copies of a retry and of a collision, far apart', async () => {
    expect(await ok('duplicates:copies', { shard: 1, dedupId: 'beef:1:10:0' })).toEqual({
      dedupId: 'beef:1:10:0',
      ready: true,
      copies: [
        { id: idOf(10), position: 10 },
        { id: idOf(4000), position: 4000 },
      ],
    });
    expect((await ok('duplicates:copies', { shard: 1, dedupId: 'beef:1:20:0' })).copies.map((c) => c.position)).toEqual([20, 4500]);
    expect((await ok('duplicates:copies', { shard: 1, dedupId: 'beef:1:33:0' })).copies).toEqual([{ id: idOf(33), position: 33 }]);
    expect((await ok('duplicates:copies', { shard: 1, dedupId: 'nope' })).copies).toEqual([]);
  });
});

describe('tail previews', () => {
  it('cuts big payloads in tail batches for a subscription that asked', async () => {
    const { subscriptionId } = await ok('tail:subscribe', { shards: [1], after: { '1': idOf(N - 1) }, previewChars: 50 });
    const got = nextEvent('tail:entries', (p) => p.subscriptionId === subscriptionId && p.entries.length > 0);
    await admin.xadd(`${PREFIX}:shard:1`, `${BASE + 2 * N}-0`, 'd', encodePayload(`{"blob":"${'y'.repeat(10_000)}"}`, 1n, 1), 'dedup_id', 'beef:1:99999:0');
    const batch = await got;
    const e = batch.entries[0] as PageEntry & { status: 'ok' };
    expect(e.r).toHaveLength(50);
    expect(e.truncated).toBe(10_000 + '{"blob":""}'.length);
    await ok('tail:unsubscribe', { subscriptionId });
  });
});

/**
 * Issue 17's notifications through the real service and redis-server: off by default and kept in
 * the config folder; once on, a burst of corrupt entries and a lost batch on a live-tailed shard is
 * one `notify:show`, the app's own test batches never notify, and Redis going down and coming
 * back is said once each. (The folding rules themselves: test/unit/notify-rules.test.ts.)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../electron/core/service';
import type { MeshService } from '../../electron/core/service-api';
import type { EventName, EventPayloadOf } from '../../shared/contract';
import { encodePayload } from '../../shared/wire';
import { startRedis, type TestRedis } from '../helpers/redis-server';
import { MemorySecrets, serviceGate, wire } from '../helpers/service-gate';

let server: TestRedis;
let redis: Redis;
let home: string;
let service: MeshService;
const listeners = new Set<(event: string, payload: unknown) => void>();
const shown: Array<EventPayloadOf<'notify:show'>> = [];
const { ok } = serviceGate(() => service);

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

function makeService(): MeshService {
  return createService({
    transport: 'serve',
    secrets: new MemorySecrets(),
    home,
    appVersion: '0.0.0-test',
    // No wait between notices, so the test does not wait 30 s; the burst window is the default.
    notifyRules: { foldMs: 2000, minGapMs: 0 },
    sink: (event, payload) => {
      const p = wire(payload);
      if (event === 'notify:show') shown.push(p as EventPayloadOf<'notify:show'>);
      for (const l of [...listeners]) l(event, p);
    },
  });
}

beforeAll(async () => {
  server = await startRedis();
  redis = server.admin();
  await redis.xadd('net:shard:3', '*', 'd', encodePayload('{}', 1n, 3), 'dedup_id', 'abc:3:0:0');
  home = mkdtempSync(path.join(tmpdir(), 'mesh-notify-home-'));
  service = makeService();
  await service.connectUrl(server.url, 'net');
});

afterAll(async () => {
  await service?.dispose();
  await server?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('notifications', () => {
  it('are off by default; turning them on is kept in the config folder', async () => {
    expect(await ok('notify:configure', {})).toEqual({ enabled: false });
    expect(await ok('notify:configure', { enabled: true })).toEqual({ enabled: true });
    expect(JSON.parse(readFileSync(path.join(home, 'notifications.json'), 'utf8'))).toEqual({ enabled: true });
    const again = makeService();
    try {
      const gate = serviceGate(() => again);
      expect(await gate.ok('notify:configure', {})).toEqual({ enabled: true });
    } finally {
      await again.dispose();
    }
  });

  it('a burst on a live-tailed shard is one notification; the app\'s own test batches are never one', async () => {
    const { subscriptionId } = await ok('tail:subscribe', { shards: [3] });
    // The app's own batches, with a jump in its ordinals: no notification.
    await ok('publish:batch', { shard: 3, events: ['{"own":1}'], nonce: 'f00d', sequenceStart: '0' });
    const own = nextEvent('tail:entries', (b) => b.entries.some((e) => e.dedupId === 'f00d:3:5:0'));
    await ok('publish:batch', { shard: 3, events: ['{"own":2}'], nonce: 'f00d', sequenceStart: '5' });
    await own;
    expect(shown).toEqual([]);
    // Someone else's, over three tail ticks: ordinal 1, then 6 corrupt entries (2..7), then
    // ordinal 20 (a lost batch: 8..19).
    const notice = nextEvent('notify:show');
    const ticks = [
      [['d', encodePayload('{}', 2n, 3), 'dedup_id', 'abc:3:1:0'], ['d', 'not json', 'dedup_id', 'abc:3:2:0'], ['dedup_id', 'abc:3:3:0']],
      [['d', 'not json', 'dedup_id', 'abc:3:4:0'], ['d', '{"r":1', 'dedup_id', 'abc:3:5:0']],
      [['d', 'null', 'dedup_id', 'abc:3:6:0'], ['d', '[]', 'dedup_id', 'abc:3:7:0'], ['d', encodePayload('{}', 3n, 3), 'dedup_id', 'abc:3:20:0']],
    ];
    for (const tick of ticks) {
      const last = tick[tick.length - 1]!;
      const seen = nextEvent('tail:entries', (b) => b.entries.some((e) => e.dedupId === last[last.length - 1]));
      for (const fields of tick) await redis.xadd('net:shard:3', '*', ...fields);
      await seen;
    }
    const n = await notice;
    expect(n).toMatchObject({ category: 'data', title: 'New problem on a live-tailed shard' });
    // Several tail deliveries folded into this one notice.
    expect(n.signals).toBeGreaterThanOrEqual(3);
    expect(n.body).toBe('Shard 3: 6 corrupt entries, 12 missing events (ordinals 8–19 of nonce abc).');
    expect(shown).toHaveLength(1);
    await ok('tail:unsubscribe', { subscriptionId });
  });

  it('Redis going down and coming back is said once each', async () => {
    shown.length = 0;
    const down = nextEvent('notify:show', (n) => n.category === 'connection');
    await server.kill();
    expect(await down).toMatchObject({ title: 'Redis is down' });
    const back = nextEvent('notify:show', (n) => n.category === 'connection');
    await server.restart();
    const up = await back;
    expect(up.title).toBe('Redis is back');
    expect(up.body).toMatch(/^redis:\/\/127\.0\.0\.1:\d+ answers again after \d+(\.\d+)? (ms|s) down\.$/);
    expect(shown.map((x) => `${x.title}: ${x.body}`)).toEqual([expect.stringMatching(/^Redis is down/), expect.stringMatching(/^Redis is back/)]);
  });

  it('turned off, nothing more is shown', async () => {
    await ok('notify:configure', { enabled: false });
    shown.length = 0;
    const { subscriptionId } = await ok('tail:subscribe', { shards: [3] });
    const seen = nextEvent('tail:entries', (b) => b.shard === 3);
    await (server.admin()).xadd('net:shard:3', '*', 'd', 'not json');
    await seen;
    await ok('tail:unsubscribe', { subscriptionId });
    expect(shown).toEqual([]);
  });
});

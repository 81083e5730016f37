/**
 * Incident safety (PRODUCT.md feature 13): whatever a person does in a full session (browse,
 * jump, look up duplicates, tail, publish and delete, analyse the whole bus, watch health, export),
 * the app never sends KEYS or MONITOR (or any other command that can stall or change a server it
 * only inspects), every SCAN carries a bounded COUNT and every XRANGE/XREVRANGE a bounded COUNT.
 *
 * Seen on the wire, not by trusting the code: the service talks to Redis through a recording TCP
 * proxy, and every byte each of its connections sent is split into RESP commands afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../electron/core/dispatch';
import { RAW_READER_MIN_ENTRIES } from '../../electron/core/scan';
import { createService } from '../../electron/core/service';
import type { MeshService, SecretStore } from '../../electron/core/service-api';
import type { ChannelName, EventName, EventPayloadOf, RequestOf, ResponseOf } from '../../shared/contract';
import { encodePayload } from '../../shared/wire';
import { startRedis, type TestRedis } from '../helpers/redis-server';
import { splitRespFrames, startRecordingProxy, type RecordingProxy } from '../helpers/redis-wire';

class MemorySecrets implements SecretStore {
  readonly map = new Map<string, string>();
  async get(id: string) {
    return this.map.get(id);
  }
  async set(id: string, s: string) {
    this.map.set(id, s);
  }
  async delete(id: string) {
    this.map.delete(id);
  }
}

/** Never acceptable from an inspector: blocks the server, dumps traffic, or changes what it inspects. */
const FORBIDDEN = new Set(['KEYS', 'MONITOR', 'FLUSHALL', 'FLUSHDB', 'DEBUG', 'SHUTDOWN', 'CONFIG', 'SYNC', 'PSYNC', 'REPLICAOF', 'SLAVEOF', 'SAVE', 'BGSAVE', 'BGREWRITEAOF', 'SCRIPT', 'EVAL', 'EVALSHA', 'FUNCTION', 'SWAPDB', 'MIGRATE', 'DEL', 'UNLINK']);
/** The largest COUNT any read may ask for: a page of 10,000 plus the one that tells "there is more". */
const MAX_RANGE_COUNT = 10_001;
const MAX_SCAN_COUNT = 10_000;

/** The arguments of one RESP command frame, as text. */
function frameArgs(frame: Buffer): string[] {
  const args: string[] = [];
  let i = frame.indexOf('\r\n') + 2;
  while (i < frame.length) {
    const eol = frame.indexOf('\r\n', i);
    const len = Number(frame.subarray(i + 1, eol).toString());
    args.push(frame.subarray(eol + 2, eol + 2 + len).toString('utf8'));
    i = eol + 2 + len + 2;
  }
  return args;
}

function countOf(args: string[]): number | null {
  const k = args.findIndex((a, i) => i > 0 && a.toUpperCase() === 'COUNT');
  if (k < 0) return null;
  const n = Number(args[k + 1]);
  return Number.isSafeInteger(n) ? n : null;
}

let redis: TestRedis;
let proxy: RecordingProxy;
let service: MeshService;
let home: string;
const listeners = new Set<(event: string, payload: unknown) => void>();

async function ok<C extends ChannelName>(channel: C, req: RequestOf<C>): Promise<ResponseOf<C>> {
  const env = await dispatch(service.handlers, channel, JSON.parse(JSON.stringify(req)), () => service.knownSecrets());
  if (!env.ok) throw new Error(`${channel} failed: ${env.error.kind} ${env.error.message}`);
  return env.value as ResponseOf<C>;
}

function next<E extends EventName>(event: E, match: (p: EventPayloadOf<E>) => boolean = () => true): Promise<EventPayloadOf<E>> {
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

beforeAll(async () => {
  redis = await startRedis();
  const admin = redis.admin();
  for (const shard of [0, 4, 9]) {
    const p = admin.pipeline();
    // Shard 9 is long enough for the analysis to read it on a scan connection of its own
    // (RAW_READER_MIN_ENTRIES), whose XRANGEs go through the proxy like every other command.
    for (let i = 0; i < (shard === 9 ? RAW_READER_MIN_ENTRIES + 100 : 3000); i++) {
      p.xadd(`safe:shard:${shard}`, '*', 'd', encodePayload(`{"i":${i}}`, BigInt(i + 1), shard), 'dedup_id', `5eed:${shard}:${i % 2900}:0`);
    }
    await p.exec();
  }
  await admin.set('safe:shard:77', 'not a stream');
  for (let i = 0; i < 200; i++) await admin.set(`unrelated:${i}`, 'x');
  proxy = await startRecordingProxy(redis.port);
  home = mkdtempSync(path.join(tmpdir(), 'mesh-safety-home-'));
  service = createService({
    transport: 'serve',
    secrets: new MemorySecrets(),
    home,
    appVersion: '0.0.0-safety',
    sink: (event, payload) => {
      for (const l of [...listeners]) l(event, payload);
    },
  });
});

afterAll(async () => {
  await service?.dispose();
  await proxy?.close();
  await redis?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('a full session through a recording proxy', () => {
  it('sends no KEYS, no MONITOR, and bounds every SCAN and XRANGE', async () => {
    const firstProbe = next('health:changed', (s) => s.latest?.ok === true);
    const view = await ok('profiles:save', { name: 'safety', url: proxy.url, prefix: 'safe', commandTimeoutMs: 2000, readOnly: false });
    expect((await ok('connection:open', { profileId: view.id })).state).toBe('ready');
    await firstProbe;

    // Browse: discovery, pages both ways, a position (index), one entry, duplicates, a tail.
    const shards = await ok('shards:list', {});
    expect(shards.shards.map((s) => s.shard)).toEqual([0, 4, 9]);
    expect(shards.skipped.map((s) => s.key)).toEqual(['safe:shard:77']);
    const newest = await ok('events:page', { shard: 0, direction: 'backward', cursor: null, limit: 500 });
    const oldest = await ok('events:page', { shard: 0, direction: 'forward', cursor: null, limit: 500 });
    await ok('events:page', { shard: 0, direction: 'forward', cursor: oldest.nextId, limit: 1000 });
    const indexed = next('index:changed', (s) => s.shard === 4 && s.state === 'ready');
    await ok('index:status', { shard: 4 });
    await indexed;
    await ok('events:at', { shard: 4, position: 2500, limit: 100 });
    await ok('events:at', { shard: 9, position: 1200, limit: 100 });
    const entryId = newest.entries[0]?.id as string;
    const entryIdOf = (page: typeof oldest, i: number) => page.entries[i]?.id as string;
    expect((await ok('events:entry', { shard: 0, id: entryId }))?.id).toBe(entryId);
    await ok('duplicates:lookup', { shard: 4, dedupIds: ['5eed:4:0:0', '5eed:4:2899:0'] });
    await ok('duplicates:copies', { shard: 4, dedupId: '5eed:4:0:0' });
    // Jump to an id and to a time, and filter (text, status), as the shard browser does.
    await ok('events:locate', { shard: 0, id: entryIdOf(oldest, 100) });
    await ok('events:locate', { shard: 0, timeMs: Date.now() - 1000 });
    await ok('events:filter', { shard: 0, direction: 'forward', cursor: null, query: { text: '"i":12' }, limit: 50, scanLimit: 2000 });
    await ok('events:filter', { shard: 9, direction: 'backward', cursor: null, query: { status: 'corrupt' }, limit: 50, scanLimit: 2000 });
    await ok('topology:status', {});
    // From an explicit cursor: without one the tail starts at the live end of its first tick.
    const { subscriptionId } = await ok('tail:subscribe', { shards: [0, 4], after: { '0': entryId } });
    const tailed = next('tail:entries', (e) => e.subscriptionId === subscriptionId && e.entries.length > 0);

    // Publish: preview, a batch (which the tail sees), the same ids again, delete both.
    await ok('publish:preview', { shard: 0, events: ['{"p":1}', '{"p":2}'] });
    const batch = await ok('publish:batch', { shard: 0, events: ['{"p":1}', '{"p":2}'] });
    await tailed;
    const again = await ok('publish:again', { batchId: batch.batchId, confirmDuplicates: 2 });
    await ok('publish:history', {});
    expect((await ok('publish:delete', { batchId: batch.batchId })).deleted).toBe(2);
    expect((await ok('publish:delete', { batchId: again.batchId })).deleted).toBe(2);
    await ok('tail:unsubscribe', { subscriptionId });

    // Analysis of the whole bus.
    const done = next('analysis:done');
    await ok('analysis:start', {});
    expect((await done).state).toBe('done');

    // Health: snapshot, history, rate control, export; and one shard-growth sample (XLEN), which
    // the sampler takes at most every 5 s.
    const grown = next('health:changed', (s) => (s.shardGrowth?.shards.length ?? 0) === 3);
    await ok('health:snapshot', {});
    await ok('health:history', {});
    await ok('health:configure', { probeIntervalMs: 2000 });
    await ok('health:configure', { probeIntervalMs: 1000 });
    const growth = (await grown).shardGrowth;
    expect(growth?.shards.map((s) => s.shard)).toEqual([0, 4, 9]);
    // Issue 17: stream facts, Browse's gaps, the incident panels (also read by the export).
    await ok('shards:facts', { shard: 4 });
    await ok('gaps:list', { shard: 4 });
    expect((await ok('health:incident', {})).nodes).toHaveLength(1);
    const doc = await ok('health:export', {});
    expect(doc.summary.probes).toBeGreaterThan(0);
    expect(doc.incident?.nodes).toHaveLength(1);
    await ok('connection:close', {});

    // What went over the wire, every connection of the session.
    const commands = proxy.sent().flatMap((bytes) => splitRespFrames(bytes).map(frameArgs));
    const names = new Set(commands.map((a) => (a[0] ?? '').toUpperCase()));
    // The exercise did reach every kind of read and write the checks below are about.
    for (const n of ['SCAN', 'XRANGE', 'XREVRANGE', 'XLEN', 'MULTI', 'XADD', 'EXEC', 'XDEL', 'PING', 'INFO', 'XINFO', 'MEMORY', 'SLOWLOG', 'CLIENT', 'LATENCY']) expect(names, n).toContain(n);
    // ... including the analysis' own scan connection (its XRANGEs are checked below with the rest).
    expect(commands.some((a) => (a[0] ?? '').toUpperCase() === 'CLIENT' && /:scan$/.test(a[2] ?? ''))).toBe(true);

    // CONFIG GET only reads (the latency panel asks for latency-monitor-threshold); any other CONFIG is forbidden.
    const forbidden = commands.filter((a) => FORBIDDEN.has((a[0] ?? '').toUpperCase()) && !((a[0] ?? '').toUpperCase() === 'CONFIG' && (a[1] ?? '').toUpperCase() === 'GET'));
    expect(forbidden.map((a) => a.slice(0, 3).join(' '))).toEqual([]);

    const unbounded = commands.filter((a) => {
      const name = (a[0] ?? '').toUpperCase();
      if (name === 'SCAN') {
        const n = countOf(a);
        return n === null || n < 1 || n > MAX_SCAN_COUNT;
      }
      if (name === 'XRANGE' || name === 'XREVRANGE') {
        const n = countOf(a);
        return n === null || n < 1 || n > MAX_RANGE_COUNT;
      }
      // Blocking reads would hold a connection: none, and never without COUNT.
      if (name === 'XREAD' || name === 'XREADGROUP') return true;
      // The slow log is read with a count; MEMORY USAGE with a fixed number of samples.
      if (name === 'SLOWLOG') return (a[1] ?? '').toUpperCase() === 'GET' && !(Number(a[2]) >= 1 && Number(a[2]) <= 128);
      if (name === 'MEMORY') return !(a[3]?.toUpperCase() === 'SAMPLES' && Number(a[4]) >= 1 && Number(a[4]) <= 10);
      return false;
    });
    expect(unbounded.map((a) => a.join(' ').slice(0, 120))).toEqual([]);
  });
});

/**
 * Issue 17, gap causes and stream facts against a real redis-server 7: a shard with one batch
 * written then XDELed (possibly deleted), a later batch never written (lost) and its oldest part
 * trimmed by XTRIM (a trimmed head gap). The scan, the analysis job, Browse's `gaps:list` and
 * `scan --json` must all say so; the stream facts must equal XINFO STREAM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshAdapter } from '../../electron/core/adapter';
import { scanShards } from '../../electron/core/scan';
import { createService } from '../../electron/core/service';
import type { MeshService } from '../../electron/core/service-api';
import type { EventName, EventPayloadOf } from '../../shared/contract';
import type { GapRange, ShardAnalysis } from '../../shared/types';
import { encodePayload } from '../../shared/wire';
import { buildCli, jsonDoc, runCli } from '../helpers/cli-run';
import { startRedis, type TestRedis } from '../helpers/redis-server';
import { MemorySecrets, serviceGate, wire } from '../helpers/service-gate';

let server: TestRedis;
let redis: Redis;
let adapter: MeshAdapter;
let home: string;
let service: MeshService;
const listeners = new Set<(event: string, payload: unknown) => void>();
const { ok } = serviceGate(() => service);

const NONCE = 'c0ffee';
/** The XDELed batch's last id: the stream's max-deleted-entry-id. */
let deletedUpTo = '';

/** One batch of `n` events of NONCE at `seq` on `shard`, as the bus writes it (one MULTI/EXEC). */
async function batch(shard: number, seq: number, n: number): Promise<string[]> {
  const m = redis.multi();
  for (let i = 0; i < n; i++) m.xadd(`net:shard:${shard}`, '*', 'd', encodePayload(`{"n":${seq + i}}`, BigInt(seq + i + 1), shard), 'dedup_id', `${NONCE}:${shard}:${seq}:${i}`);
  const res = await m.exec();
  return (res ?? []).map(([, id]) => id as string);
}

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

beforeAll(async () => {
  buildCli();
  server = await startRedis();
  redis = server.admin();
  // Shard 3: ordinals 0..9 and 10..19 (then trimmed away up to ordinal 4), 20..29 written then
  // deleted, 30..39, 40..49 never written, 50..59.
  const first = await batch(3, 0, 10);
  await batch(3, 10, 10);
  const deleted = await batch(3, 20, 10);
  await batch(3, 30, 10);
  await batch(3, 50, 10);
  await redis.xdel('net:shard:3', ...deleted);
  deletedUpTo = deleted[deleted.length - 1]!;
  await redis.xtrim('net:shard:3', 'MINID', first[5]!);
  // Shard 4: nothing ever removed; ordinals 3..5 and 8..9 (a lost head 0..2, a lost gap 6..7).
  await batch(4, 3, 3);
  await batch(4, 8, 2);

  adapter = new MeshAdapter({ url: server.url, prefix: 'net', commandTimeoutMs: 5000 });
  await adapter.init();
  home = mkdtempSync(path.join(tmpdir(), 'mesh-gaps-home-'));
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
  await service.connectUrl(server.url, 'net');
});

afterAll(async () => {
  await service?.dispose();
  await adapter?.shutdown();
  await server?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** What every surface must report for shards 3 and 4 (reasons checked apart). */
function expectCauses(shards: ShardAnalysis[] | Array<{ shard: number; gaps: GapRange[]; headGaps?: GapRange[] }>): void {
  const s3 = shards.find((s) => s.shard === 3)!;
  expect(s3.gaps.map((g) => [g.from, g.to, g.cause, g.maxDeletedId])).toEqual([
    [20, 29, 'possibly-deleted', deletedUpTo],
    [40, 49, 'lost', undefined],
  ]);
  expect(s3.headGaps?.map((g) => [g.nonce, g.from, g.to, g.cause])).toEqual([[NONCE, 0, 4, 'trimmed']]);
  const s4 = shards.find((s) => s.shard === 4)!;
  expect(s4.gaps.map((g) => [g.from, g.to, g.cause])).toEqual([[6, 7, 'lost']]);
  expect(s4.headGaps?.map((g) => [g.from, g.to, g.cause])).toEqual([[0, 2, 'lost']]);
  for (const g of [...s3.gaps, ...(s3.headGaps ?? []), ...s4.gaps, ...(s4.headGaps ?? [])]) expect(g.reason).toMatch(/^[A-Z][^\n]+\.$/);
}

describe('gap causes', () => {
  it('the scan tells a deleted batch from a never-written one and reports the trimmed head apart', async () => {
    const result = await scanShards(adapter, { shards: [3, 4] });
    expectCauses(result.shards);
    const s3 = result.shards[0]!;
    expect(s3.gaps[0]!.reason).toContain(`XDEL`);
    expect(s3.gaps[1]!.reason).toMatch(/^Never written/);
    expect(s3.headGaps![0]!.reason).toMatch(/^Trimmed or deleted: 15 entries were removed/);
    expect(result.shards[1]!.gaps[0]!.reason).toContain('nothing was ever deleted');
  });

  it('gives the same causes whatever the page size (the read is cut at max-deleted-entry-id)', async () => {
    for (const pageSize of [1, 3, 7, 10_000]) expectCauses((await scanShards(adapter, { shards: [3, 4], pageSize })).shards);
  });

  it('the analysis job and Browse (gaps:list) give the same causes', async () => {
    const done = nextEvent('analysis:done', () => true);
    await ok('analysis:start', { shards: [3, 4] });
    const report = await done;
    expect(report.state).toBe('done');
    expectCauses(report.shards);

    const ready = nextEvent('index:changed', (s) => s.shard === 3 && s.state === 'ready');
    const first = await ok('gaps:list', { shard: 3 });
    if (!first.ready) await ready;
    const ready4 = nextEvent('index:changed', (s) => s.shard === 4 && s.state === 'ready');
    if (!(await ok('gaps:list', { shard: 4 })).ready) await ready4;
    const browse = [await ok('gaps:list', { shard: 3 }), await ok('gaps:list', { shard: 4 })];
    expect(browse.every((b) => b.ready)).toBe(true);
    expectCauses(browse);
  });

  it('Browse starts its index over when entries are deleted after it was built, then says possibly deleted', async () => {
    await batch(5, 0, 5);
    const gone = await batch(5, 5, 5);
    await batch(5, 10, 5);
    const ready = nextEvent('index:changed', (s) => s.shard === 5 && s.state === 'ready');
    if (!(await ok('gaps:list', { shard: 5 })).ready) await ready;
    expect((await ok('gaps:list', { shard: 5 })).gaps).toEqual([]);
    await redis.xdel('net:shard:5', ...gone);
    const rebuilt = nextEvent('index:changed', (s) => s.shard === 5 && s.state === 'ready');
    expect((await ok('gaps:list', { shard: 5 })).ready).toBe(false);
    await rebuilt;
    const after = await ok('gaps:list', { shard: 5 });
    expect(after.gaps.map((g) => [g.from, g.to, g.cause])).toEqual([[5, 9, 'possibly-deleted']]);
  });

  it('scan --json carries cause, reason and maxDeletedId on each gap and headGaps per shard (additive)', async () => {
    const doc = jsonDoc(await runCli(['scan', '--url', server.url, '--shard', '3', '--shard', '4', '--json'], home));
    const shards = doc.shards as Array<ShardAnalysis & Record<string, unknown>>;
    expectCauses(shards);
    // The documented fields first, in order; the additive ones after.
    expect(Object.keys(shards[0]!)).toEqual(['shard', 'key', 'entries', 'ok', 'corrupt', 'duplicateGroups', 'duplicateEntries', 'collisionGroups', 'gaps', 'misrouted', 'headGaps']);
    expect(Object.keys(shards[0]!.gaps[0]!)).toEqual(['nonce', 'from', 'to', 'cause', 'reason', 'maxDeletedId']);
    const human = await runCli(['scan', '--url', server.url, '--shard', '3'], home);
    expect(human.stdout).toMatch(/c0ffee\s+20\s+29\s+10\s+possibly deleted \(XDEL up to /);
    expect(human.stdout).toMatch(/c0ffee\s+40\s+49\s+10\s+lost/);
    expect(human.stdout).toMatch(/missing first ordinals[^\n]*\n[^\n]*\n\s*3\s+c0ffee\s+0\s+4\s+5\s+trimmed/);
  });
});

describe('stream facts', () => {
  /** XINFO STREAM as a field → value map (first/last entry reduced to their ids). */
  async function xinfo(key: string): Promise<Record<string, unknown>> {
    const flat = (await redis.call('XINFO', 'STREAM', key)) as unknown[];
    const out: Record<string, unknown> = {};
    for (let i = 0; i < flat.length; i += 2) {
      const v = flat[i + 1];
      out[String(flat[i])] = Array.isArray(v) ? v[0] : v;
    }
    return out;
  }

  it('shards:facts and shards --json equal XINFO STREAM, with memory and consumer groups', async () => {
    await redis.xgroup('CREATE', 'net:shard:3', 'billing', '0');
    await redis.xreadgroup('GROUP', 'billing', 'worker-1', 'COUNT', 3, 'STREAMS', 'net:shard:3', '>');
    const x = await xinfo('net:shard:3');
    const facts = await ok('shards:facts', { shard: 3 });
    expect(facts).toMatchObject({
      shard: 3,
      key: 'net:shard:3',
      length: x.length,
      entriesAdded: x['entries-added'],
      removed: (x['entries-added'] as number) - (x.length as number),
      lastGeneratedId: x['last-generated-id'],
      recordedFirstEntryId: x['recorded-first-entry-id'],
      maxDeletedEntryId: deletedUpTo,
      firstEntryId: x['first-entry'],
      lastEntryId: x['last-entry'],
      groupCount: 1,
      groups: [{ name: 'billing', consumers: 1, pending: 3 }],
    });
    // entries-read and lag as XINFO GROUPS says them (Redis answers nil for both once an XDEL makes them uncertain).
    const g = (await redis.call('XINFO', 'GROUPS', 'net:shard:3')) as unknown[][];
    const field = (name: string) => g[0]![g[0]!.indexOf(name) + 1];
    expect([facts.groups[0]!.lastDeliveredId, facts.groups[0]!.entriesRead, facts.groups[0]!.lag]).toEqual([field('last-delivered-id'), field('entries-read'), field('lag')]);
    expect(facts.removed).toBe(15);
    expect(x['max-deleted-entry-id']).toBe(deletedUpTo);
    expect(facts.memoryBytes).toBeGreaterThan(0);
    expect(facts.memorySamples).toBe(5);

    const doc = jsonDoc(await runCli(['shards', '--url', server.url, '--json'], home));
    const s3 = (doc.shards as Array<Record<string, unknown>>).find((s) => s.shard === 3)!;
    expect(Object.keys(s3)).toEqual(['shard', 'key', 'length', 'firstId', 'lastId', 'facts']);
    expect(s3.facts).toMatchObject({
      entriesAdded: x['entries-added'],
      removed: 15,
      lastGeneratedId: x['last-generated-id'],
      recordedFirstEntryId: x['recorded-first-entry-id'],
      maxDeletedEntryId: deletedUpTo,
      groupCount: 1,
    });
    const human = await runCli(['shards', '--url', server.url], home);
    expect(human.stdout).toMatch(/ADDED\s+REMOVED\s+MAX DELETED ID\s+MEMORY\s+GROUPS/);
  });
});

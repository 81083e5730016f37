/**
 * The consumer replay and the first connection against real redis-server processes, through the
 * real service and its gate. The expected verdicts are computed here from what the test wrote, with
 * a dedup window written in this file from the contract's words (section 5), not the app's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { freePort, startRedis, type TestRedis } from '../helpers/redis-server';
import { createService } from '../../electron/core/service';
import type { MeshService } from '../../electron/core/service-api';
import type { ConsumerProgress } from '../../shared/consumer';
import { MemorySecrets, serviceGate, wire } from '../helpers/service-gate';
import { buildCli, jsonDoc, runCli } from '../helpers/cli-run';

const PREFIX = 'cr';
let redis: TestRedis;
let locked: TestRedis;
let admin: Redis;
let home: string;
let service: MeshService;
const progress: ConsumerProgress[] = [];
const waiters: Array<() => void> = [];
const { ok, call } = serviceGate(() => service);

/** `d` as net-mesh writes it, by hand. */
const d = (n: number, shard: number) => `{"r":{"n":${n}},"t":${n},"s":${shard}}`;

interface Written {
  id: string;
  corrupt: boolean;
  dedupId?: string;
}

/**
 * Shard 2: 3,000 entries. Every 7th is a retry of the entry 5 back (near: any window catches it),
 * every 97th a copy of the entry 600 back (far: a window of 100 lets it through), every 50th is
 * corrupt (some carry a dedup_id that a good entry repeats later), every 333rd has no dedup_id.
 */
async function seed(): Promise<Written[]> {
  const key = `${PREFIX}:shard:2`;
  const out: Written[] = [];
  const ids: string[] = [];
  const p = admin.pipeline();
  for (let i = 0; i < 3000; i++) {
    let dedupId: string | undefined = `feed:2:0:${i}`;
    if (i % 7 === 6 && i >= 5) dedupId = ids[i - 5];
    if (i % 97 === 96 && i >= 600) dedupId = ids[i - 600];
    if (i % 333 === 332) dedupId = undefined;
    const corrupt = i % 50 === 49;
    ids.push(dedupId ?? `none-${i}`);
    const id = `${1_700_000_000_000 + i}-0`;
    const fields = [corrupt ? 'd' : 'd', corrupt ? `{"r":{"n":${i}}` : d(i, 2)];
    if (dedupId !== undefined) fields.push('dedup_id', dedupId);
    p.xadd(key, id, ...fields);
    out.push(dedupId === undefined ? { id, corrupt } : { id, corrupt, dedupId });
  }
  await p.exec();
  return out;
}

/** The contract's window, naively: FIFO by insertion, test-and-insert. */
function naive(entries: Written[], capacity: number) {
  const order: string[] = [];
  const ever = new Set<string>();
  const c = { delivered: 0, noId: 0, dropped: 0, letThrough: 0, skipped: 0 };
  const verdicts: string[] = [];
  for (const e of entries) {
    if (e.corrupt) {
      c.skipped++;
      verdicts.push('skipped');
    } else if (e.dedupId === undefined) {
      c.noId++;
      verdicts.push('no-id');
    } else {
      const dup = order.includes(e.dedupId);
      if (!dup) {
        if (order.length >= capacity) order.shift();
        order.push(e.dedupId);
      }
      const seen = ever.has(e.dedupId);
      ever.add(e.dedupId);
      const v = dup ? 'dropped' : seen ? 'let-through' : 'delivered';
      c[v === 'dropped' ? 'dropped' : v === 'let-through' ? 'letThrough' : 'delivered']++;
      verdicts.push(v);
    }
  }
  return { counts: c, verdicts };
}

function finished(jobId: string): Promise<ConsumerProgress> {
  return new Promise((resolve) => {
    const check = () => {
      const last = progress.filter((p) => p.jobId === jobId && p.state !== 'running').at(-1);
      if (last) resolve(last);
      else waiters.push(check);
    };
    check();
  });
}

let written: Written[];

beforeAll(async () => {
  redis = await startRedis();
  locked = await startRedis({ args: ['--requirepass', 'right-one'] });
  admin = redis.admin();
  written = await seed();
  home = mkdtempSync(path.join(tmpdir(), 'mesh-home-'));
  service = createService({
    transport: 'serve',
    secrets: new MemorySecrets(),
    home,
    appVersion: '0.0.0-test',
    sink: (event, payload) => {
      if (event !== 'consumer:progress') return;
      progress.push(wire(payload) as ConsumerProgress);
      for (const w of waiters.splice(0)) w();
    },
  });
});

afterAll(async () => {
  await service?.dispose();
  await redis?.stop();
  await locked?.stop();
  rmSync(home, { recursive: true, force: true });
});

const profileInput = (url: string, name = 'bus') => ({ name, url, prefix: PREFIX, commandTimeoutMs: 1000, readOnly: false });

describe('first connection (connection:try)', () => {
  it('a dead port: nothing saved, down with ECONNREFUSED, no session left behind', async () => {
    const port = await freePort();
    const r = await ok('connection:try', profileInput(`redis://127.0.0.1:${port}`, 'dead'));
    expect(r.saved).toBeNull();
    expect(r.status.state).toBe('down');
    expect(r.status.error).toMatchObject({ code: 'ECONNREFUSED' });
    expect((await ok('profiles:list', {})).profiles).toEqual([]);
    expect((await ok('connection:status', {})).state).toBe('disconnected');
  });

  it('a wrong password: nothing saved, WRONGPASS named', async () => {
    const r = await ok('connection:try', { ...profileInput(locked.url, 'locked'), password: 'wrong-one' });
    expect(r.saved).toBeNull();
    expect(r.status.error).toMatchObject({ kind: 'fatal', code: 'WRONGPASS' });
    expect((await ok('profiles:list', {})).profiles).toEqual([]);
  });

  it('"Save anyway" is profiles:save: the dead profile is kept when asked for', async () => {
    const port = await freePort();
    const saved = await ok('profiles:save', profileInput(`redis://127.0.0.1:${port}`, 'kept anyway'));
    expect((await ok('profiles:list', {})).profiles.map((p) => p.name)).toEqual(['kept anyway']);
    await ok('profiles:delete', { id: saved.id });
  });

  it('a live one connects and is saved once, with its password in the secret store, and stays the active profile', async () => {
    const r = await ok('connection:try', { ...profileInput(locked.url, 'live'), password: 'right-one' });
    expect(r.status.state).toBe('ready');
    expect(r.saved).toMatchObject({ name: 'live', hasPassword: true });
    const list = await ok('profiles:list', {});
    expect(list.profiles.map((p) => p.name)).toEqual(['live']);
    expect(list.activeProfileId).toBe(r.saved!.id);
    // The saved profile opens again from disk with its password.
    await ok('connection:close', {});
    expect((await ok('connection:open', { profileId: r.saved!.id })).state).toBe('ready');
    await ok('profiles:delete', { id: r.saved!.id });
  });
});

describe('consumer replay', () => {
  beforeAll(async () => {
    const r = await ok('connection:try', profileInput(redis.url));
    expect(r.status.state).toBe('ready');
  });

  it.each([
    { limit: 100, capacity: 4096 },
    { limit: 7, capacity: 100 },
    { limit: 10_000, capacity: 3 },
  ])('counts every verdict as an independent consumer would (limit $limit, window $capacity)', async ({ limit, capacity }) => {
    const started = await ok('consumer:start', { shard: 2, from: null, limit, capacity });
    expect(started).toMatchObject({ state: 'running', total: 3000, until: written.at(-1)!.id, capacity });
    const done = await finished(started.jobId);
    const want = naive(written, capacity);
    expect(done.state).toBe('done');
    expect(done.counts).toMatchObject({ entries: 3000, ...want.counts, defaultLetThrough: naive(written, 4096).counts.letThrough });
    // poll_shard pages: ceil(3000 / limit) polls, the last one saying nothing follows.
    expect(done.counts.pages).toBe(Math.ceil(3000 / limit));
    expect(done.cursor).toBe(written.at(-1)!.id);
    const rows = await ok('consumer:rows', { jobId: started.jobId, filter: 'all', offset: 0, count: 1000 });
    expect(rows.total).toBe(3000);
    expect(rows.rows.map((r) => r.verdict)).toEqual(want.verdicts.slice(0, 1000));
    expect(rows.rows.map((r) => r.id)).toEqual(written.slice(0, 1000).map((w) => w.id));
    const let1 = await ok('consumer:rows', { jobId: started.jobId, filter: 'let-through', offset: 0, count: 1000 });
    expect(let1.total).toBe(want.counts.letThrough);
    // A let-through copy's first copy had left the window; the smallest window that catches all is larger.
    for (const r of let1.rows) expect(written[r.prevIndex!]!.dedupId).toBe(r.dedupId);
    if (want.counts.letThrough > 0) expect(done.counts.windowNeeded).toBeGreaterThan(capacity);
  });

  it('starts after a cursor (exclusive) as poll_shard does', async () => {
    const from = written[1999]!.id;
    const started = await ok('consumer:start', { shard: 2, from, limit: 250, capacity: 4096 });
    const done = await finished(started.jobId);
    expect(done.counts.entries).toBe(1000);
    const first = await ok('consumer:rows', { jobId: started.jobId, filter: 'all', offset: 0, count: 1 });
    expect(first.rows[0]!.id).toBe(written[2000]!.id);
    // The window starts empty at the cursor: a copy of an id from before it is delivered.
    const want = naive(written.slice(2000), 4096);
    expect(done.counts).toMatchObject(want.counts);
  });

  it('locates a previous copy among a filter, and refuses a replaced job by name', async () => {
    const started = await ok('consumer:start', { shard: 2, from: null, limit: 500, capacity: 4096 });
    await finished(started.jobId);
    const dropped = await ok('consumer:rows', { jobId: started.jobId, filter: 'dropped', offset: 0, count: 1 });
    const prev = dropped.rows[0]!.prevIndex!;
    expect(written[prev]!.dedupId).toBe(dropped.rows[0]!.dedupId);
    expect((await ok('consumer:locate', { jobId: started.jobId, filter: 'all', index: prev })).position).toBe(prev);
    const next = await ok('consumer:start', { shard: 2, from: null, limit: 500, capacity: 4096 });
    await finished(next.jobId);
    const env = await call('consumer:rows', { jobId: started.jobId, filter: 'all', offset: 0, count: 1 });
    expect(env.ok).toBe(false);
    if (!env.ok) expect(env.error.message).toMatch(/no consumer replay/);
  });

  it('a replay can be cancelled and keeps what it decided', async () => {
    // 60,000 entries read 1 at a time: far longer than the cancel takes to arrive.
    const p = admin.pipeline();
    for (let i = 0; i < 60_000; i++) p.xadd(`${PREFIX}:shard:5`, '*', 'd', d(i, 5), 'dedup_id', `big:5:0:${i}`);
    await p.exec();
    const started = await ok('consumer:start', { shard: 5, from: null, limit: 1, capacity: 4096 });
    expect(await ok('consumer:cancel', { jobId: started.jobId })).toEqual({ cancelled: true });
    const done = await finished(started.jobId);
    expect(done.state).toBe('cancelled');
    expect(done.counts.entries).toBeLessThan(60_000);
    expect(done.counts.delivered).toBe(done.counts.entries);
  });

  it('a non-stream key is refused with Redis reason', async () => {
    await admin.set(`${PREFIX}:shard:9`, 'not a stream');
    const env = await call('consumer:start', { shard: 9, from: null, limit: 10, capacity: 4096 });
    expect(env.ok).toBe(false);
    if (!env.ok) expect(env.error.message).toMatch(/WRONGTYPE/);
  });
});

describe('mesh-inspector consumer-replay', () => {
  beforeAll(() => buildCli());

  it('--json: the same counts as an independent consumer, and the let-through list', async () => {
    const run = await runCli(['consumer-replay', '--url', redis.url, '--prefix', PREFIX, '--shard', '2', '--limit', '7', '--window', '100', '--list', '5', '--json'], home);
    const doc = jsonDoc(run) as { counts: Record<string, number>; letThrough: Array<{ id: string; dedupId: string; prevId: string }>; until: string; window: number };
    const want = naive(written, 100);
    expect(doc).toMatchObject({ shard: 2, key: `${PREFIX}:shard:2`, after: null, limit: 7, window: 100, until: written.at(-1)!.id });
    expect(doc.counts).toMatchObject({ entries: 3000, pages: Math.ceil(3000 / 7), ...want.counts });
    expect(doc.letThrough).toHaveLength(Math.min(5, want.counts.letThrough));
    const firstLet = want.verdicts.indexOf('let-through');
    expect(doc.letThrough[0]).toMatchObject({ id: written[firstLet]!.id, dedupId: written[firstLet]!.dedupId });
  });

  it('human output names every count; a bad window is a usage error', async () => {
    const run = await runCli(['consumer-replay', '--url', redis.url, '--prefix', PREFIX, '--shard', '2', '--after', written[2499]!.id], home);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('500 entries');
    expect(run.stdout).toMatch(/dropped as duplicate/);
    expect(run.stdout).toMatch(/default 4,096-id consumer delivers twice/);
    const bad = await runCli(['consumer-replay', '--url', redis.url, '--shard', '2', '--window', '0'], home);
    expect(bad.code).toBe(64);
  });
});

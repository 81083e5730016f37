/**
 * The incident view's core (PRODUCT.md features 12-13, issue 6) against real redis-server processes
 * with real faults: the connection state machine (killed → down within 2 s, restarted → ready by
 * itself; paused → transient timeouts, resumed → ready), Redis' own refusals classified as net-mesh
 * does (BUSY and READONLY transient, OOM and WRONGPASS fatal) in the error log, the probe rate
 * control, per-shard growth, the app's own command rate and the post-mortem export.
 *
 * Everything waits on events the service pushes (`connection:changed`, `health:changed`), never
 * on sleeps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MeshAdapter } from '../../electron/core/adapter';
import { dispatch } from '../../electron/core/dispatch';
import { HealthMonitor } from '../../electron/core/health';
import { latencySummary, outagesOf } from '../../shared/health';
import { createService } from '../../electron/core/service';
import type { MeshService, SecretStore } from '../../electron/core/service-api';
import type { ChannelName, Envelope, EventName, EventPayloadOf, HealthSnapshot, RequestOf, ResponseOf } from '../../shared/contract';
import { encodePayload } from '../../shared/wire';
import { freePort, startRedis, type TestRedis } from '../helpers/redis-server';

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

const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** One service with an in-memory transport; every event it pushed is kept (as JSON text too). */
function harness() {
  const home = mkdtempSync(path.join(tmpdir(), 'mesh-health-home-'));
  const listeners = new Set<(event: string, payload: unknown) => void>();
  const pushed: string[] = [];
  const service: MeshService = createService({
    transport: 'serve',
    secrets: new MemorySecrets(),
    home,
    appVersion: '9.9.9-test',
    sink: (event, payload) => {
      const text = JSON.stringify(payload);
      pushed.push(`${event} ${text}`);
      for (const l of [...listeners]) l(event, JSON.parse(text));
    },
  });
  const call = <C extends ChannelName>(channel: C, req: RequestOf<C>): Promise<Envelope<ResponseOf<C>>> =>
    dispatch(service.handlers, channel, wire(req), () => service.knownSecrets()).then((e) => wire(e) as Envelope<ResponseOf<C>>);
  const ok = async <C extends ChannelName>(channel: C, req: RequestOf<C>): Promise<ResponseOf<C>> => {
    const env = await call(channel, req);
    if (!env.ok) throw new Error(`${channel} failed: ${env.error.kind} ${env.error.message}`);
    return env.value;
  };
  /** The first event (from now on) for which `match` holds. */
  const next = <E extends EventName>(event: E, match: (p: EventPayloadOf<E>) => boolean = () => true, timeoutMs = 15_000): Promise<EventPayloadOf<E>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(l);
        reject(new Error(`no ${event} event matched within ${timeoutMs} ms`));
      }, timeoutMs);
      const l = (name: string, payload: unknown) => {
        if (name === event && match(payload as EventPayloadOf<E>)) {
          clearTimeout(timer);
          listeners.delete(l);
          resolve(payload as EventPayloadOf<E>);
        }
      };
      listeners.add(l);
    });
  return {
    service,
    call,
    ok,
    next,
    pushed,
    async connect(url: string, prefix: string, commandTimeoutMs = 500, password?: string) {
      const view = await ok('profiles:save', { name: `p-${prefix}`, url, prefix, commandTimeoutMs, readOnly: false, ...(password ? { password } : {}) });
      const ready = next('health:changed', (s) => s.state === 'ready' && s.latest?.ok === true);
      const status = await ok('connection:open', { profileId: view.id });
      if (status.state === 'ready') await ready;
      return status;
    },
    async close() {
      await service.dispose();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

type Harness = ReturnType<typeof harness>;

async function seed(admin: Redis, prefix: string, shard: number, n: number, from = 0): Promise<void> {
  const p = admin.pipeline();
  for (let i = from; i < from + n; i++) {
    p.xadd(`${prefix}:shard:${shard}`, '*', 'd', encodePayload(`{"n":${i}}`, BigInt(i + 1), shard), 'dedup_id', `abc:${shard}:${i}:0`);
  }
  await p.exec();
}

function lastEntry(snap: HealthSnapshot, command?: string) {
  const list = command ? snap.errors.filter((e) => e.command === command) : snap.errors;
  return list[list.length - 1];
}

describe('killed and restarted on the same port', () => {
  let redis: TestRedis;
  let h: Harness;
  beforeAll(async () => {
    redis = await startRedis();
    h = harness();
  });
  afterAll(async () => {
    await h?.close();
    await redis?.stop();
  });

  it('reads down within 2 s, keeps serving the log and the export, and is ready again with no action', async () => {
    const admin = redis.admin();
    await seed(admin, 'kill', 0, 20);
    await seed(admin, 'kill', 3, 5);
    await h.connect(redis.url, 'kill');
    const listed = await h.ok('shards:list', {});
    expect(listed.shards.map((s) => s.shard)).toEqual([0, 3]);

    const seen: string[] = [];
    const down = h.next('connection:changed', (s) => {
      seen.push(s.state);
      return s.state === 'down';
    });
    const killedAt = Date.now();
    await redis.kill();
    const status = await down;
    expect(Date.now() - killedAt).toBeLessThan(2000);
    expect(seen[0]).toBe('reconnecting');
    expect(status.error).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED' });

    // Reads fail fast and transient while it is down; nothing hangs.
    const page = await h.call('events:page', { shard: 0, direction: 'backward', cursor: null, limit: 10 });
    expect(page.ok).toBe(false);
    if (!page.ok) expect(page.error.kind).toBe('transient');

    const snap = await h.ok('health:snapshot', {});
    expect(snap.state).toBe('down');
    expect(snap.cause).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED', command: 'connection' });
    expect(snap.transitions.map((t) => t.to).slice(-2)).toEqual(['reconnecting', 'down']);
    expect(snap.reconnect?.attempt).toBeGreaterThanOrEqual(1);

    // The export is answered from memory while Redis is away.
    const during = await h.ok('health:export', {});
    expect(during.summary.state).toBe('down');
    expect(during.summary.outages.at(-1)).toMatchObject({ to: null, state: 'down' });

    // The probe keeps recording while Redis is away (failed samples, no PING sent).
    await h.next('health:changed', (s) => s.latest?.ok === false);
    const ready = h.next('connection:changed', (s) => s.state === 'ready');
    await redis.restart();
    expect((await ready).error).toBeUndefined();
    await h.next('health:changed', (s) => s.state === 'ready' && s.latest?.ok === true);

    // Fresh data with no user action beyond asking: the same session serves again.
    await seed(redis.admin(), 'kill', 5, 2);
    const after = await h.ok('shards:list', {});
    expect(after.shards.map((s) => s.shard)).toEqual([5]);

    const doc = wire(await h.ok('health:export', {}));
    expect(doc).toMatchObject({ format: 'mesh-inspector/health-snapshot', formatVersion: 1, appVersion: '9.9.9-test' });
    expect(doc.connection).toMatchObject({ url: redis.url, prefix: 'kill', state: 'ready', commandTimeoutMs: 500 });
    const outage = doc.summary.outages.at(-1);
    expect(outage?.to).toBeGreaterThan(outage?.from ?? Infinity);
    expect(doc.errors.some((e) => e.code === 'ECONNREFUSED' && e.kind === 'transient')).toBe(true);
    expect(doc.timeline.some((s) => !s.ok)).toBe(true);
    expect(doc.timeline.at(-1)?.ok).toBe(true);
    expect(doc.server.info?.redis_version).toMatch(/^\d+\./);
    expect(doc.summary.latencyMs.p50).not.toBeNull();
  });
});

describe('unreachable at the first connect', () => {
  it('reads reconnecting, then down while it keeps retrying, and ready once Redis starts: no action needed', async () => {
    const port = await freePort();
    const h = harness();
    let redis: TestRedis | undefined;
    try {
      const view = await h.ok('profiles:save', { name: 'late', url: `redis://127.0.0.1:${port}`, prefix: 'late', commandTimeoutMs: 500, readOnly: false });
      const down = h.next('connection:changed', (s) => s.state === 'down');
      const first = await h.ok('connection:open', { profileId: view.id });
      // Transient: the session stays and retries (a fatal first connect would be `down` at once).
      expect(first.state).toBe('reconnecting');
      expect(first.error).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED' });
      expect((await down).error?.kind).toBe('transient');
      const ready = h.next('connection:changed', (s) => s.state === 'ready');
      redis = await startRedis({ port });
      await ready;
      await h.next('health:changed', (s) => s.state === 'ready' && s.latest?.ok === true);
    } finally {
      await h.close();
      await redis?.stop();
    }
  });
});

describe('paused with SIGSTOP, busy, read-only, out of memory', () => {
  let redis: TestRedis;
  let admin: Redis;
  let h: Harness;
  beforeAll(async () => {
    redis = await startRedis();
    admin = redis.admin();
    await seed(admin, 'flt', 1, 10);
    h = harness();
    await h.connect(redis.url, 'flt', 400);
  });
  afterEach(async () => {
    // Each case leaves the server healthy for the next.
    if (redis.process.signalCode === null && redis.process.exitCode === null) redis.resume();
  });
  afterAll(async () => {
    await h?.close();
    await redis?.stop();
  });

  it('SIGSTOP: PING timeouts are logged transient, the state goes down; SIGCONT: ready by itself', async () => {
    const down = h.next('connection:changed', (s) => s.state === 'down');
    redis.pause();
    const status = await down;
    expect(status.error).toMatchObject({ kind: 'transient' });
    expect(status.error?.message).toMatch(/PING timeout/);
    const snap = await h.ok('health:snapshot', {});
    expect(lastEntry(snap, 'PING')).toMatchObject({ kind: 'transient', command: 'PING' });
    // The service still answers at once while Redis is frozen.
    expect((await h.ok('connection:status', {})).state).toBe('down');

    const ready = h.next('connection:changed', (s) => s.state === 'ready');
    redis.resume();
    await ready;
  });

  it('BUSY (a long script past busy-reply-threshold) is transient', async () => {
    await admin.config('SET', 'busy-reply-threshold', '100');
    const runner = redis.admin();
    // Connected before the script starts: a new client's ready check (INFO) would get BUSY too.
    const killer = redis.admin();
    await Promise.all([runner.ping(), killer.ping()]);
    const busy = h.next('health:changed', (s) => s.errors.some((e) => e.code === 'BUSY'));
    const script = runner.eval('while true do end', 0).catch((e: Error) => e);
    const snap = await busy;
    expect(snap.errors.find((e) => e.code === 'BUSY')).toMatchObject({ kind: 'transient', command: 'PING' });
    expect(snap.state).not.toBe('ready');
    const ready = h.next('connection:changed', (s) => s.state === 'ready');
    await killer.call('SCRIPT', 'KILL');
    expect(String(await script)).toMatch(/killed/i);
    await ready;
  });

  it('READONLY (REPLICAOF): a publish fails transient with the reason, in the error log', async () => {
    const deadMaster = await freePort();
    await admin.call('REPLICAOF', '127.0.0.1', String(deadMaster));
    try {
      const r = await h.call('publish:batch', { shard: 1, events: ['{"a":1}'] });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error).toMatchObject({ kind: 'transient', code: 'READONLY' });
      expect(r.error.message).toMatch(/^READONLY/);
      const snap = await h.ok('health:snapshot', {});
      expect(lastEntry(snap, 'MULTI/EXEC')).toMatchObject({ kind: 'transient', code: 'READONLY' });
      // Reads keep working on a replica: the connection stays ready.
      expect(snap.state).toBe('ready');
    } finally {
      await admin.call('REPLICAOF', 'NO', 'ONE');
    }
  });

  it('OOM (maxmemory reached): a publish fails fatal with the reason, nothing written', async () => {
    const before = await admin.xlen('flt:shard:1');
    await admin.config('SET', 'maxmemory', '1');
    try {
      const r = await h.call('publish:batch', { shard: 1, events: ['{"a":1}', '{"a":2}'] });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error).toMatchObject({ kind: 'fatal', code: 'OOM' });
      expect(r.error.message).toMatch(/^OOM/);
      const snap = await h.ok('health:snapshot', {});
      expect(lastEntry(snap, 'MULTI/EXEC')).toMatchObject({ kind: 'fatal', code: 'OOM' });
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    expect(await admin.xlen('flt:shard:1')).toBe(before);
  });

  it('repeats of one error are counted on one log entry, not listed again', async () => {
    await admin.config('SET', 'maxmemory', '1');
    try {
      for (let i = 0; i < 3; i++) await h.call('publish:batch', { shard: 1, events: ['{"a":1}'] });
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    const snap = await h.ok('health:snapshot', {});
    const oom = snap.errors.filter((e) => e.code === 'OOM');
    expect(oom).toHaveLength(1);
    expect(oom[0]?.count).toBeGreaterThanOrEqual(4);
    expect(oom[0]?.lastAt).toBeGreaterThan(oom[0]?.at ?? Infinity);
  });

  it('the probe rate can be lowered (1-60 s) and the choice is checked at the gate', async () => {
    const snap = await h.ok('health:configure', { probeIntervalMs: 10_000 });
    expect(snap.probeIntervalMs).toBe(10_000);
    expect((await h.ok('health:snapshot', {})).probeIntervalMs).toBe(10_000);
    for (const bad of [999, 60_001, 1500.5]) {
      const r = await h.call('health:configure', { probeIntervalMs: bad });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe('usage');
    }
    await h.ok('health:configure', { probeIntervalMs: 1000 });
  });
});

describe('wrong password', () => {
  it('is fatal, down, and the password appears in no message the service pushes or returns', async () => {
    const PASSWORD = 'correct-horse-battery';
    const WRONG = 'wrong-staple-9f3k';
    const redis = await startRedis({ args: ['--requirepass', PASSWORD] });
    const h = harness();
    try {
      const status = await h.connect(redis.url, 'pw', 500, WRONG);
      expect(status.state).toBe('down');
      expect(status.error).toMatchObject({ kind: 'fatal', code: 'WRONGPASS' });
      const snap = await h.ok('health:snapshot', {});
      expect(snap.errors.at(-1)).toMatchObject({ kind: 'fatal', code: 'WRONGPASS', command: 'connect' });
      const doc = await h.ok('health:export', {});
      const everything = [...h.pushed, JSON.stringify(status), JSON.stringify(snap), JSON.stringify(doc)].join('\n');
      expect(everything).toContain('WRONGPASS');
      expect(everything).not.toContain(WRONG);
      expect(everything).not.toContain(PASSWORD);
    } finally {
      await h.close();
      await redis.stop();
    }
  });
});

describe('the monitor itself', () => {
  let redis: TestRedis;
  let adapter: MeshAdapter;
  beforeAll(async () => {
    redis = await startRedis();
    adapter = new MeshAdapter({ url: redis.url, prefix: 'grow', commandTimeoutMs: 500, readOnly: true });
    await adapter.init();
  });
  afterAll(async () => {
    await adapter?.shutdown();
    await redis?.stop();
  });

  it('measures per-shard growth from XLEN deltas of discovered shards only, and the own command rate', async () => {
    const admin = redis.admin();
    await seed(admin, 'grow', 0, 10);
    await seed(admin, 'grow', 2, 4);
    let commands = 0;
    const snaps: HealthSnapshot[] = [];
    const m = new HealthMonitor(adapter, { onChange: (s) => snaps.push(s), takeCommandCount: () => commands, trendEveryMs: 0 });
    m.noteShards([
      { shard: 0, key: 'grow:shard:0' },
      { shard: 2, key: 'grow:shard:2' },
    ]);
    commands = 10;
    await m.probe();
    const first = m.snapshot();
    expect(first.shardGrowth?.shards).toEqual([
      { shard: 0, length: 10, perSec: null },
      { shard: 2, length: 4, perSec: null },
    ]);
    expect(first.infoSample?.role).toBe('master');
    expect(first.infoSample?.connectedClients).toBeGreaterThanOrEqual(1);
    expect(first.ownCommandsPerSec).toBeGreaterThan(0);

    await seed(admin, 'grow', 0, 30, 10);
    await seed(admin, 'grow', 9, 3); // not discovered: never read
    await m.probe();
    const second = m.snapshot().shardGrowth;
    expect(second?.shards.map((s) => s.shard)).toEqual([0, 2]);
    expect(second?.shards[0]?.length).toBe(40);
    expect(second?.shards[0]?.perSec).toBeGreaterThan(0);
    expect(second?.shards[1]?.perSec).toBe(0);
    expect(m.history().shards).toHaveLength(2);
    expect(m.history().samples.every((s) => s.ok)).toBe(true);
    m.stop();
  });

  it('whenReady is a signal: it waits through a failed connect, resolves on ready, and is refused once stopped', async () => {
    const snaps: HealthSnapshot[] = [];
    const m = new HealthMonitor(adapter, { onChange: (s) => snaps.push(s), takeCommandCount: () => 0 });
    let settled: 'ready' | Error | null = null;
    const waiting = m.whenReady().then(
      () => (settled = 'ready'),
      (e: Error) => (settled = e),
    );
    m.noteConnectFailure({ kind: 'transient', message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' }, 0);
    expect(m.currentState).toBe('reconnecting');
    expect(m.causeOf).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED' });
    m.noteConnectFailure({ kind: 'transient', message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' }, 1);
    expect(m.currentState).toBe('down');
    expect(snaps.at(-1)?.errors.at(-1)).toMatchObject({ command: 'connect', count: 2 });
    await Promise.resolve();
    expect(settled).toBeNull();
    m.start();
    await waiting;
    expect(settled).toBe('ready');
    expect(m.causeOf).toBeNull();
    await expect(m.whenReady()).resolves.toBeUndefined();
    m.stop();
    await expect(m.whenReady()).rejects.toThrow(/connection closed/);

    const other = new HealthMonitor(adapter, { onChange: () => {}, takeCommandCount: () => 0 });
    const pending = other.whenReady();
    other.stop();
    await expect(pending).rejects.toThrow(/connection closed/);
  });

  it('summarizes latencies and outages for the export', () => {
    expect(latencySummary([])).toEqual({ p50: null, p95: null, p99: null, max: null });
    const l = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(latencySummary(l)).toEqual({ p50: 50, p95: 95, p99: 99, max: 100 });
    expect(
      outagesOf([
        { at: 1, from: 'connecting', to: 'ready', reason: 'connected' },
        { at: 2, from: 'ready', to: 'reconnecting', reason: 'connection closed' },
        { at: 3, from: 'reconnecting', to: 'down', reason: 'reconnect failed' },
        { at: 9, from: 'down', to: 'ready', reason: 'connection ready' },
        { at: 10, from: 'ready', to: 'reconnecting', reason: 'PING failed' },
      ]),
    ).toEqual([
      { from: 2, to: 9, state: 'down', reason: 'connection closed' },
      { from: 10, to: null, state: 'reconnecting', reason: 'PING failed' },
    ]);
  });
});

/**
 * Real failure states against real redis-server processes: kill, SIGSTOP, restart, wrong
 * password, READONLY replica, BUSY script, OOM, NOPERM, WRONGTYPE, LOADING. Each error must come
 * back as a MeshError with net-mesh's class (contract section 4) and the Redis reason, and the
 * same adapter must recover by itself when Redis does. No sleeps: every wait is for an event.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import { MeshAdapter } from '../../electron/core/adapter';
import type { ConnectionProfile } from '../../electron/core/connection';
import { MeshError, toErrorInfo } from '../../shared/errors';
import { startRedis, type TestRedis } from '../helpers/redis-server';
import { startRecordingProxy, type RecordingProxy } from '../helpers/redis-wire';

const servers: TestRedis[] = [];
const adapters: MeshAdapter[] = [];
const proxies: RecordingProxy[] = [];

afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.shutdown()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function server(args: string[] = []): Promise<TestRedis> {
  const s = await startRedis({ args });
  servers.push(s);
  return s;
}

function adapter(profile: Partial<ConnectionProfile> & { url: string }): MeshAdapter {
  const a = new MeshAdapter({ prefix: 'net', commandTimeoutMs: 1000, ...profile });
  adapters.push(a);
  return a;
}

async function rejection(p: Promise<unknown>): Promise<MeshError> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MeshError);
  return e as MeshError;
}

/** Resolves on the client's next `ready` (or at once when it is ready). */
function ready(client: Pick<Redis, 'status' | 'once'> | Pick<Cluster, 'status' | 'once'> | undefined): Promise<void> {
  if (!client || client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => client.once('ready', () => resolve()));
}

/** Repeats `op` until it fails (each attempt is a real round trip; Redis decides when). */
async function firstFailure(op: () => Promise<unknown>, attempts = 200): Promise<MeshError> {
  for (let k = 0; k < attempts; k++) {
    try {
      await op();
    } catch (e) {
      expect(e).toBeInstanceOf(MeshError);
      return e as MeshError;
    }
  }
  throw new Error(`no failure after ${attempts} attempts`);
}

const events = (n: number) => Array.from({ length: n }, (_, i) => `{"i":${i}}`);
const EXEC_FRAME = Buffer.from('*1\r\n$4\r\nexec\r\n');

describe('atomicity of a batch (contract 1.2, 3.3)', () => {
  it('a 50,000-event batch is never visible in part: concurrent XLEN only ever sees 0 or 50,000', async () => {
    const r = await server();
    const a = adapter({ url: r.url, commandTimeoutMs: 20_000 });
    await a.init();
    const observer = r.admin();
    await observer.ping();
    const lens: number[] = [];
    let done = false;
    const publishing = a.publish({ shard: 0, events: events(50_000), nonce: 1n, sequenceStart: 0n }).finally(() => {
      done = true;
    });
    while (!done) lens.push(await observer.xlen('net:shard:0'));
    const out = await publishing;
    expect(out.ids).toHaveLength(50_000);
    expect(lens.length).toBeGreaterThan(1);
    expect(lens.every((n) => n === 0 || n === 50_000)).toBe(true);
    expect(await observer.xlen('net:shard:0')).toBe(50_000);
  });

  it('server killed the moment EXEC reaches it: publish fails transient, and after restart (AOF, fsync always) the stream holds all or nothing', async () => {
    const r = await server(['--appendonly', 'yes', '--appendfsync', 'always']);
    const proxy = await startRecordingProxy(r.port);
    proxies.push(proxy);
    const a = adapter({ url: proxy.url, commandTimeoutMs: 20_000 });
    await a.init();
    let tail = Buffer.alloc(0);
    let killed: Promise<void> | undefined;
    proxy.intercept((_conn, chunk) => {
      tail = Buffer.concat([tail, chunk]).subarray(-EXEC_FRAME.length);
      if (!killed && tail.equals(EXEC_FRAME)) return { forward: chunk, after: () => (killed = r.kill()) };
      return { forward: chunk };
    });
    const e = await rejection(a.publish({ shard: 0, events: events(50_000), nonce: 1n, sequenceStart: 0n }));
    expect(e.kind).toBe('transient');
    await killed;
    await r.restart();
    const len = await r.admin().xlen('net:shard:0');
    expect([0, 50_000]).toContain(len);
  });

  it('server killed with the batch queued but EXEC not yet received: nothing of the batch is applied', async () => {
    const r = await server(['--appendonly', 'yes', '--appendfsync', 'always']);
    const proxy = await startRecordingProxy(r.port);
    proxies.push(proxy);
    const a = adapter({ url: proxy.url, commandTimeoutMs: 20_000 });
    await a.init();
    const admin = r.admin();
    await admin.xadd('net:shard:0', '*', 'd', '{"r":"before"}');
    let tail = Buffer.alloc(0);
    let killed: Promise<void> | undefined;
    proxy.intercept((_conn, chunk) => {
      const joined = Buffer.concat([tail, chunk]);
      tail = joined.subarray(-EXEC_FRAME.length);
      if (!killed && tail.equals(EXEC_FRAME)) {
        // Forward everything but the EXEC frame (it may straddle chunks: only this chunk's part is held back).
        const keep = Math.max(0, chunk.length - EXEC_FRAME.length);
        return { forward: chunk.subarray(0, keep), after: () => (killed = r.kill()) };
      }
      return { forward: chunk };
    });
    expect((await rejection(a.publish({ shard: 0, events: events(20_000), nonce: 1n, sequenceStart: 0n }))).kind).toBe('transient');
    await killed;
    await r.restart();
    expect(await r.admin().xlen('net:shard:0')).toBe(1);
  });
});

describe('paused and killed servers', () => {
  it('SIGSTOP → publish and poll fail transient within about the command timeout, publish saying nothing was sent; after SIGCONT the same adapter recovers', async () => {
    const r = await server();
    const a = adapter({ url: r.url, commandTimeoutMs: 300 });
    await a.init();
    r.pause();
    try {
      let t0 = performance.now();
      const pub = await rejection(a.publish({ shard: 1, events: events(3), nonce: 1n, sequenceStart: 0n }));
      const pubMs = performance.now() - t0;
      // The read of the stream's last id before MULTI got no answer, so MULTI was never written.
      expect(pub.kind).toBe('transient');
      expect(pub.message).toMatch(/^Redis XREVRANGE timeout \(no reply within 300 ms\); nothing of the batch was sent$/);
      t0 = performance.now();
      const poll = await rejection(a.poll(1, null, 10));
      const pollMs = performance.now() - t0;
      expect([poll.kind, poll.message]).toEqual(['transient', 'Redis XRANGE timeout (no reply within 300 ms)']);
      const health = await a.health();
      expect(health).toMatchObject({ healthy: false, latencyMs: null, error: { kind: 'transient' } });
      // "about the command timeout": not before it, and not much later.
      for (const ms of [pubMs, pollMs]) {
        expect(ms).toBeGreaterThanOrEqual(290);
        expect(ms).toBeLessThan(300 + 1500);
      }
    } finally {
      r.resume();
    }
    // The same adapter, no reconnect needed: the late replies are matched and dropped.
    expect((await a.poll(1, null, 10)).entries).toEqual([]);
    const again = await a.publish({ shard: 1, events: events(1), nonce: 1n, sequenceStart: 0n });
    expect(again.ids).toHaveLength(1);
    expect((await a.health()).healthy).toBe(true);
  });

  it('3.13: EXEC held past the timeout (CLIENT PAUSE WRITE) → publish fails transient "may still have executed it", and Redis applies the batch once unpaused', async () => {
    const r = await server();
    const a = adapter({ url: r.url, commandTimeoutMs: 300 });
    await a.init();
    const admin = r.admin();
    await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE');
    try {
      const t0 = performance.now();
      const pub = await rejection(a.publish({ shard: 1, events: events(3), nonce: 1n, sequenceStart: 0n }));
      const pubMs = performance.now() - t0;
      expect(pub.kind).toBe('transient');
      expect(pub.message).toMatch(/^Redis command timeout: no reply to MULTI\/EXEC within 30\d ms; Redis may still have executed it/);
      expect(pubMs).toBeGreaterThanOrEqual(290);
      expect(await admin.xlen('net:shard:1')).toBe(0);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE');
    }
    // Contract 3.13: Redis executed the MULTI/EXEC that the client had given up on.
    const page = await a.poll(1, null, 10);
    expect(page.entries.map((e) => e.status === 'ok' && e.r)).toEqual(['{"i":0}', '{"i":1}', '{"i":2}']);
  });

  it('killed → poll, publish and health fail transient; restarted → the same adapter works again by itself', async () => {
    const r = await server();
    const a = adapter({ url: r.url, commandTimeoutMs: 500 });
    await a.init();
    await a.publish({ shard: 0, events: events(2), nonce: 1n, sequenceStart: 0n });
    await r.kill();
    expect((await rejection(a.poll(0, null, 10))).kind).toBe('transient');
    expect((await rejection(a.publish({ shard: 0, events: events(1), nonce: 1n, sequenceStart: 2n }))).kind).toBe('transient');
    const h = await a.health();
    expect(h.healthy).toBe(false);
    expect(h.error?.kind).toBe('transient');

    await r.restart();
    await Promise.all([ready(a.client), ready(a.publishClient)]);
    // No persistence: the restarted server is empty, and the adapter writes and reads again.
    const out = await a.publish({ shard: 0, events: events(1), nonce: 1n, sequenceStart: 2n });
    const page = await a.poll(0, null, 10);
    expect(page.entries.map((e) => e.id)).toEqual(out.ids);
    expect((await a.health()).healthy).toBe(true);
  });

  it('unreachable at init → transient, with the connection refused reason', async () => {
    const r = await server();
    const url = r.url;
    await r.kill();
    const a = adapter({ url });
    const e = await rejection(a.init());
    expect(e.kind).toBe('transient');
    expect(e.message).toMatch(/ECONNREFUSED/);
    // A failed init leaves nothing retrying in the background...
    expect(a.client.status).toBe('end');
    // ...and init can simply be called again once Redis is there.
    servers.push(await startRedis({ port: r.port }));
    await a.init();
    expect((await a.health()).healthy).toBe(true);
  });
});

describe('credentials (cli.md: passwords never appear in any output)', () => {
  it('wrong password → init fails fatal WRONGPASS, and the password appears in no error, log line or redacted URL', async () => {
    const password = 'Wr0ng-S3cret@x';
    const encoded = encodeURIComponent(password);
    const r = await server(['--requirepass', 'right-pass-123']);
    const logged: string[] = [];
    const capture = (...args: unknown[]) => void logged.push(args.map((x) => (x instanceof Error ? `${x.message} ${x.stack}` : String(x))).join(' '));
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m).mockImplementation(capture));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    });
    try {
      const a = adapter({ url: `redis://:${encoded}@127.0.0.1:${r.port}` });
      expect(a.redactedUrl).toBe(`redis://[REDACTED]@127.0.0.1:${r.port}`);
      const e = await rejection(a.init());
      expect(e.kind).toBe('fatal');
      expect(e.code).toBe('WRONGPASS');
      expect(e.message).toMatch(/^WRONGPASS invalid username-password pair/);
      const h = await a.health();
      const texts = [e.message, String(e), e.stack ?? '', JSON.stringify(toErrorInfo(e)), JSON.stringify(h), a.redactedUrl, ...logged];
      for (const t of texts) {
        expect(t).not.toContain(password);
        expect(t).not.toContain(encoded);
        expect(t).not.toContain('Wr0ng');
      }
    } finally {
      spies.forEach((s) => s.mockRestore());
      stderr.mockRestore();
    }
  });

  it('the right password (in the URL or kept apart) connects; later errors still never show it', async () => {
    const r = await server(['--requirepass', 'right-pass-123']);
    const inUrl = adapter({ url: `redis://:right-pass-123@127.0.0.1:${r.port}`, commandTimeoutMs: 300 });
    const apart = adapter({ url: `redis://127.0.0.1:${r.port}`, password: 'right-pass-123', commandTimeoutMs: 300 });
    await Promise.all([inUrl.init(), apart.init()]);
    expect((await inUrl.health()).healthy).toBe(true);
    expect((await apart.health()).healthy).toBe(true);
    await r.kill();
    for (const a of [inUrl, apart]) {
      const e = await rejection(a.poll(0, null, 1));
      const h = await a.health();
      expect(e.kind).toBe('transient');
      expect(JSON.stringify([e.message, h])).not.toContain('right-pass-123');
    }
  });
});

describe('server replies (contract section 4)', () => {
  it('READONLY replica → publish is transient with the READONLY reason; reads still work', async () => {
    // Diskless sync without its default 5 s batching delay: the replica links at once.
    const primary = await server(['--repl-diskless-sync-delay', '0']);
    const replica = await server(['--replicaof', '127.0.0.1', String(primary.port)]);
    const p = primary.admin();
    await p.set('sync-marker', '1');
    // WAIT returns once the replica has acknowledged the write: it is linked and past loading.
    expect(await p.wait(1, 10_000)).toBe(1);
    await p.xadd('net:shard:0', '*', 'd', '{"r":"from primary"}');
    expect(await p.wait(1, 10_000)).toBe(1);
    const a = adapter({ url: replica.url });
    await a.init();
    const e = await rejection(a.publish({ shard: 0, events: events(2), nonce: 1n, sequenceStart: 0n }));
    expect(e.kind).toBe('transient');
    expect(e.code).toBe('READONLY');
    expect(e.message).toMatch(/^READONLY You can't write against a read only replica\./);
    const page = await a.poll(0, null, 10);
    expect(page.entries.map((x) => x.status === 'ok' && x.r)).toEqual(['"from primary"']);
  });

  it('BUSY from a long Lua script → poll and publish are transient with the BUSY reason; SCRIPT KILL recovers', async () => {
    const r = await server(['--busy-reply-threshold', '50']);
    const a = adapter({ url: r.url, commandTimeoutMs: 2000 });
    await a.init();
    const blocker = r.admin();
    const killer = r.admin();
    await Promise.all([blocker.ping(), killer.ping()]);
    const script = blocker.eval('while true do end', 0).then(
      () => 'finished',
      (err: Error) => err.message,
    );
    const e = await firstFailure(() => a.poll(0, null, 1));
    expect(e.kind).toBe('transient');
    expect(e.code).toBe('BUSY');
    expect(e.message).toMatch(/^BUSY Redis is busy running a script/);
    const p = await rejection(a.publish({ shard: 0, events: events(1), nonce: 1n, sequenceStart: 0n }));
    expect([p.kind, p.code]).toEqual(['transient', 'BUSY']);
    const h = await a.health();
    expect(h.healthy).toBe(false);
    expect(h.error).toMatchObject({ kind: 'transient', code: 'BUSY' });
    await killer.script('KILL');
    expect(await script).toMatch(/killed by user/i);
    expect((await a.poll(0, null, 1)).entries).toEqual([]);
    expect((await a.publish({ shard: 0, events: events(1), nonce: 1n, sequenceStart: 0n })).ids).toHaveLength(1);
  });

  it('OOM (maxmemory, noeviction) → publish is fatal with the OOM reason; reads still work', async () => {
    const r = await server(['--maxmemory-policy', 'noeviction']);
    const admin = r.admin();
    // Fill first, then lower the limit under what is used: a SET sent under the limit can itself be
    // refused (its 2 MB query buffer counts as used memory), leaving memory below the limit again.
    await admin.set('filler', 'x'.repeat(2 * 1024 * 1024));
    await admin.config('SET', 'maxmemory', '1mb');
    const a = adapter({ url: r.url });
    await a.init();
    const e = await rejection(a.publish({ shard: 0, events: events(3), nonce: 1n, sequenceStart: 0n }));
    expect(e.kind).toBe('fatal');
    expect(e.code).toBe('OOM');
    expect(e.message).toMatch(/^OOM command not allowed when used memory > 'maxmemory'/);
    expect(e.message).toMatch(/EXECABORT/);
    expect(await admin.xlen('net:shard:0')).toBe(0);
    expect((await a.poll(0, null, 1)).entries).toEqual([]);
  });

  it('NOPERM: an ACL user without write rights → publish fatal NOPERM (nothing written), reads work; a user without PING → init fatal', async () => {
    const r = await server();
    const admin = r.admin();
    await admin.call('ACL', 'SETUSER', 'reader', 'on', '>reader-pw', '~*', '+@read', '+@connection', '+info', '+multi', '+exec');
    await admin.call('ACL', 'SETUSER', 'strict', 'on', '>strict-pw', '~*', '+@read');
    await admin.xadd('net:shard:0', '*', 'd', '{"r":1}');
    const a = adapter({ url: `redis://reader:reader-pw@127.0.0.1:${r.port}` });
    await a.init();
    const e = await rejection(a.publish({ shard: 0, events: events(2), nonce: 1n, sequenceStart: 0n }));
    expect(e.kind).toBe('fatal');
    expect(e.code).toBe('NOPERM');
    expect(e.message).not.toContain('reader-pw');
    expect(await admin.xlen('net:shard:0')).toBe(1);
    expect((await a.poll(0, null, 10)).entries).toHaveLength(1);

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {}); // ioredis: "Skipping the ready check" (INFO refused)
    try {
      const s = adapter({ url: `redis://strict:strict-pw@127.0.0.1:${r.port}` });
      const f = await rejection(s.init());
      expect([f.kind, f.code]).toEqual(['fatal', 'NOPERM']);
    } finally {
      warn.mockRestore();
    }
  });

  it('WRONGTYPE: a non-stream key at a shard key → poll fatal (net-mesh would say transient, 3.30), publish fatal before anything is sent', async () => {
    const r = await server();
    const admin = r.admin();
    await admin.set('net:shard:5', 'not a stream');
    const a = adapter({ url: r.url });
    await a.init();
    const p = await rejection(a.poll(5, null, 10));
    expect([p.kind, p.code, p.command]).toEqual(['fatal', 'WRONGTYPE', 'XRANGE']);
    expect(p.message).toMatch(/^WRONGTYPE Operation against a key holding the wrong kind of value/);
    const q = await rejection(a.publish({ shard: 5, events: events(2), nonce: 1n, sequenceStart: 0n }));
    expect([q.kind, q.code]).toEqual(['fatal', 'WRONGTYPE']);
    // The read of the stream's last id before MULTI is refused, so MULTI is never sent.
    expect(q.message).toMatch(/; nothing was sent$/);
    expect(await admin.get('net:shard:5')).toBe('not a stream');
  });

  it('LOADING (DEBUG RELOAD with a slow load) → poll transient with the LOADING reason; works again once loaded', async () => {
    const r = await server(['--enable-debug-command', 'yes']);
    const admin = r.admin();
    const fill = admin.pipeline();
    for (let i = 0; i < 2000; i++) fill.set(`k${i}`, 'v');
    await fill.exec();
    await admin.xadd('net:shard:0', '*', 'd', '{"r":1}');
    // Hidden test knobs of redis-server: slow the load down and keep serving (LOADING) while it runs.
    await admin.config('SET', 'key-load-delay', '200');
    await admin.config('SET', 'loading-process-events-interval-bytes', '1024');
    const a = adapter({ url: r.url, commandTimeoutMs: 3000 });
    await a.init();
    const reload = admin.debug('RELOAD');
    const e = await firstFailure(() => a.poll(0, null, 1));
    expect([e.kind, e.code]).toEqual(['transient', 'LOADING']);
    expect(e.message).toMatch(/^LOADING Redis is loading the dataset in memory/);
    await reload;
    expect((await a.poll(0, null, 1)).entries).toHaveLength(1);
  });
});

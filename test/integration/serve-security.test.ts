/**
 * `serve` as a transport, in-process, against a fake service: every refusal (token, Host, Origin,
 * path, method, frame) with its status, and the protocol's behaviour for an authenticated client.
 * The fake service answers deterministically; the contract's own schemas still run at the gate.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';
import { channelNames, type ContractHandlers, type EventName } from '../../shared/contract';
import { MeshError } from '../../shared/errors';
import type { CreateService, ServiceOptions } from '../../electron/core/service-api';
import type { ServerMessage } from '../../shared/serve-protocol';
import { FileSecretStore } from '../../electron/serve/file-secret-store';
import { startServe, type ServeHandle } from '../../electron/serve/server';

const SECRET = 'hunter2-very-secret';
const INDEX = '<!doctype html><title>Mesh Inspector</title><div id="root">INDEX-PAGE</div>';
const OUTSIDE = 'TOP-SECRET-OUTSIDE-THE-BUILD';

let base: string;
let staticDir: string;
let serve: ServeHandle;

/** What one fake service saw, and signals the tests wait on. */
interface FakeRecord {
  options?: ServiceOptions;
  disposed: number;
  unsubscribed: string[];
  onUnsubscribe?: (id: string) => void;
}

/** A service whose handlers echo what the gate let through; a few channels misbehave on purpose. */
function fakeService(record: FakeRecord): CreateService {
  let nextSubscription = 0;
  return (opts) => {
    record.options = opts;
    const handlers = Object.fromEntries(channelNames.map((c) => [c, async (req: unknown) => ({ channel: c, request: req })])) as unknown as ContractHandlers;
    handlers['app:info'] = async () => ({ version: opts.appVersion, transport: opts.transport, demoAvailable: false });
    handlers['shards:list'] = async () => {
      throw new MeshError('transient', `could not reach redis://:${SECRET}@10.0.0.1:6379`);
    };
    // A BigInt cannot be JSON-encoded: the server must answer with an error, not crash.
    handlers['health:snapshot'] = async () => ({ big: 10n }) as never;
    handlers['tail:subscribe'] = async () => ({ subscriptionId: `sub-${++nextSubscription}` });
    handlers['tail:unsubscribe'] = async (req) => {
      record.unsubscribed.push(req.subscriptionId);
      record.onUnsubscribe?.(req.subscriptionId);
      return { ok: true };
    };
    return {
      handlers,
      knownSecrets: () => [SECRET],
      connectUrl: async () => {
        throw new Error('not used by these tests');
      },
      dispose: async () => {
        record.disposed++;
      },
    };
  };
}

const main: FakeRecord = { disposed: 0, unsubscribed: [] };

beforeAll(async () => {
  base = mkdtempSync(path.join(tmpdir(), 'mi-serve-sec-'));
  staticDir = path.join(base, 'renderer');
  mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
  writeFileSync(path.join(staticDir, 'index.html'), INDEX);
  writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(path.join(staticDir, 'assets', 'style.css'), 'body{}');
  writeFileSync(path.join(base, 'package.json'), OUTSIDE);
  writeFileSync(path.join(base, 'secret.txt'), OUTSIDE);
  if (process.platform !== 'win32') symlinkSync(path.join(base, 'secret.txt'), path.join(staticDir, 'assets', 'link.txt'));
  serve = await startServe({ staticDir, createService: fakeService(main), appVersion: '9.9.9-test', home: path.join(base, 'home'), port: 0, maxBufferedBytes: 1024 * 1024, authTimeoutMs: 500 });
});

afterAll(async () => {
  await serve?.close();
  rmSync(base, { recursive: true, force: true });
});

// ---------- helpers ----------

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request: the path goes on the wire exactly as given (fetch would normalize `..`). */
function http(pathAndQuery: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: serve.port, path: pathAndQuery, method: opts.method ?? 'GET', headers: { Host: `127.0.0.1:${serve.port}`, ...opts.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const origin = () => `http://127.0.0.1:${serve.port}`;
const tokenQuery = () => `?token=${serve.token}`;

/** Tries a WebSocket upgrade; resolves with the refusal's HTTP status, or 101 when it opened. */
function upgradeStatus(pathAndQuery: string, options: ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${serve.port}${pathAndQuery}`, options);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode!);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (e) => reject(e));
  });
}

/** An authenticated socket that queues every server message for `next`. */
class Client {
  readonly ws: WebSocket;
  private queue: ServerMessage[] = [];
  private waiters: Array<(m: ServerMessage) => void> = [];
  private id = 0;

  constructor(options: ClientOptions = {}) {
    this.ws = new WebSocket(`ws://127.0.0.1:${serve.port}/ws${tokenQuery()}`, { origin: origin(), ...options });
    this.ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as ServerMessage;
      const w = this.waiters.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
  }

  next(): Promise<ServerMessage> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The next message that satisfies `pred`, skipping others. */
  async nextWhere(pred: (m: ServerMessage) => boolean): Promise<ServerMessage> {
    for (;;) {
      const m = await this.next();
      if (pred(m)) return m;
    }
  }

  async open(): Promise<ServerMessage> {
    const hello = await this.next();
    expect(hello.type).toBe('hello');
    return hello;
  }

  sendRaw(text: string | Buffer): void {
    this.ws.send(text);
  }

  async invoke(channel: string, payload?: unknown): Promise<Extract<ServerMessage, { type: 'result' }>> {
    const id = ++this.id;
    this.ws.send(JSON.stringify({ type: 'invoke', id, channel, payload }));
    const m = await this.nextWhere((x) => x.type === 'result' && x.id === id);
    return m as Extract<ServerMessage, { type: 'result' }>;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** A socket opened without a token (pending authentication): its frames, and how it closed. */
async function pendingSocket(options: ClientOptions) {
  const ws = new WebSocket(`ws://127.0.0.1:${serve.port}/ws`, options);
  const frames: unknown[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)));
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; frames: unknown[] }>((resolve) => ws.once('close', (code) => resolve({ code, frames })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    closed,
    async firstFrames(n: number): Promise<unknown[]> {
      while (frames.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
      return frames.slice(0, n);
    },
  };
}

const openClients: Client[] = [];
async function connect(options: ClientOptions = {}): Promise<Client> {
  const c = new Client(options);
  openClients.push(c);
  await c.open();
  return c;
}
afterEach(async () => {
  await Promise.all(openClients.splice(0).map((c) => c.close()));
});

/** Pushes an event from the (fake) core, as the real service does through its sink. */
function emit<E extends EventName>(event: E, payload: unknown): void {
  main.options!.sink(event, payload as never);
}

function expectSecurityHeaders(headers: IncomingHttpHeaders): void {
  const csp = String(headers['content-security-policy']);
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-eval');
  expect(csp).not.toContain('unsafe-inline');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(headers['cross-origin-resource-policy']).toBe('same-origin');
}

// ---------- HTTP ----------

describe('serve HTTP', () => {
  it('creates one service for the serve transport, with a file secret store in the home folder', () => {
    expect(main.options?.transport).toBe('serve');
    expect(main.options?.appVersion).toBe('9.9.9-test');
    expect(main.options?.home).toBe(path.join(base, 'home'));
    expect(main.options?.secrets).toBeInstanceOf(FileSecretStore);
    expect(serve.url).toBe(`http://127.0.0.1:${serve.port}/?token=${serve.token}`);
  });

  it('serves the page and its assets without a token (they carry no data), and never sets a cookie', async () => {
    const page = await http('/');
    expect(page.status).toBe(200);
    expect(page.body).toBe(INDEX);
    expect(page.headers['set-cookie']).toBeUndefined();
    expectSecurityHeaders(page.headers);
    const js = await http('/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('console.log("app")');
    expectSecurityHeaders(js.headers);
    expect((await http('/assets/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await http('/assets/missing.js')).status).toBe(404);
  });

  it('answers a wrong or truncated token with a 401 page saying to open the printed URL', async () => {
    for (const t of ['wrong', serve.token.slice(0, -1), `${serve.token}A`]) {
      const r = await http(`/?token=${encodeURIComponent(t)}`);
      expect(r.status, t).toBe(401);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.body).not.toContain('INDEX-PAGE');
      expect(r.body).toContain('Open the URL that <code>serve</code> printed');
      expect(r.body).not.toMatch(/<script|style=/i);
      expectSecurityHeaders(r.headers);
    }
  });

  it('serves the page for the right token, never cached, with no cookie', async () => {
    const r = await http(`/${tokenQuery()}`);
    expect(r.status).toBe(200);
    expect(r.body).toBe(INDEX);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-store');
    expectSecurityHeaders(r.headers);
    expect(String(r.headers['content-security-policy'])).toContain(`connect-src 'self' ws://127.0.0.1:${serve.port}`);
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('expires a token cookie an older serve left in the browser, whatever its port', async () => {
    const r = await http('/assets/app.js', { headers: { Cookie: `theme=dark; mesh_inspector_token_${serve.port}=old; mesh_inspector_token_1234=other` } });
    expect(r.status).toBe(200);
    expect(r.headers['set-cookie']).toEqual([
      `mesh_inspector_token_${serve.port}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict`,
      'mesh_inspector_token_1234=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict',
    ]);
  });

  it.each(['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/assets/..%2f..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '//etc/passwd', '/..\\secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/.%2e/secret.txt'])(
    'never serves a file outside the build for %s',
    async (target) => {
      const r = await http(`${target}${target.includes('?') ? '&' : '?'}token=${serve.token}`);
      expect([400, 404]).toContain(r.status);
      expect(r.body).not.toContain(OUTSIDE);
      expect(r.body).not.toMatch(/root:.*:0:0/);
    },
  );

  it.runIf(process.platform !== 'win32')('refuses a symlink inside the build that points outside it', async () => {
    const r = await http(`/assets/link.txt${tokenQuery()}`);
    expect(r.status).toBe(404);
    expect(r.body).not.toContain(OUTSIDE);
  });

  it('refuses a foreign Host with 421 even with a valid token (DNS rebinding)', async () => {
    for (const host of [`evil.example:${serve.port}`, `127.0.0.1:${serve.port + 1}`, 'localhost', `localhost.evil.example:${serve.port}`]) {
      const r = await http(`/${tokenQuery()}`, { headers: { Host: host } });
      expect((await http('/assets/app.js', { headers: { Host: host } })).status, host).toBe(421);
      expect(r.status, host).toBe(421);
      expect(r.body).not.toContain('INDEX-PAGE');
      expect(r.headers['set-cookie']).toBeUndefined();
    }
  });

  it('accepts the other loopback names as Host', async () => {
    for (const host of [`localhost:${serve.port}`, `[::1]:${serve.port}`]) {
      expect((await http(`/${tokenQuery()}`, { headers: { Host: host } })).status, host).toBe(200);
    }
  });

  it('refuses a cross-origin request with 403 even with a valid token', async () => {
    const r = await http(`/${tokenQuery()}`, { headers: { Origin: 'http://evil.example' } });
    expect(r.status).toBe(403);
    expect(r.body).not.toContain('INDEX-PAGE');
    expect((await http(`/${tokenQuery()}`, { headers: { Origin: origin() } })).status).toBe(200);
  });

  it('answers methods other than GET and HEAD with 405', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const r = await http(`/${tokenQuery()}`, { method });
      expect(r.status, method).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
      expectSecurityHeaders(r.headers);
    }
  });

  it('answers HEAD with the headers and no body', async () => {
    const r = await http(`/${tokenQuery()}`, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(INDEX));
  });

  it('answers a plain GET of /ws with 426', async () => {
    expect((await http(`/ws${tokenQuery()}`)).status).toBe(426);
  });
});

// ---------- WebSocket upgrade ----------

describe('serve WebSocket upgrade', () => {
  it('opens with the token in the query and our Origin', async () => {
    expect(await upgradeStatus(`/ws${tokenQuery()}`, { origin: origin() })).toBe(101);
  });

  it('refuses a cookie-only upgrade (right Host and Origin, no token): no hello, nothing answered, closed 4401', async () => {
    const cookie = `mesh_inspector_token_${serve.port}=${serve.token}`;
    // Silent: closed when the time to authenticate is up.
    const silent = await pendingSocket({ origin: origin(), headers: { Cookie: cookie } });
    expect(await silent.closed).toMatchObject({ code: 4401, frames: [] });
    // Invoking straight away: closed, the invoke never answered.
    const eager = await pendingSocket({ origin: origin(), headers: { Cookie: cookie } });
    eager.ws.send(JSON.stringify({ type: 'invoke', id: 1, channel: 'app:info', payload: {} }));
    expect(await eager.closed).toMatchObject({ code: 4401, frames: [] });
  });

  it('authenticates by the token as the first frame, then says hello and serves', async () => {
    const p = await pendingSocket({ origin: origin() });
    p.ws.send(JSON.stringify({ type: 'auth', token: serve.token }));
    p.ws.send(JSON.stringify({ type: 'invoke', id: 7, channel: 'app:info', payload: {} }));
    const frames = await p.firstFrames(2);
    expect(frames[0]).toMatchObject({ type: 'hello', protocol: 1 });
    expect(frames[1]).toMatchObject({ type: 'result', id: 7, envelope: { ok: true } });
    p.ws.close();
  });

  it('closes 4401 on a wrong token, a binary frame or garbage as the first frame', async () => {
    for (const first of [JSON.stringify({ type: 'auth', token: 'nope' }), JSON.stringify({ type: 'auth', token: serve.token.slice(1) }), Buffer.from(serve.token), 'not json', JSON.stringify({ type: 'auth' })]) {
      const p = await pendingSocket({ origin: origin() });
      p.ws.send(first);
      expect(await p.closed, String(first)).toMatchObject({ code: 4401, frames: [] });
    }
  });

  it('refuses an upgrade with a wrong token in the query with 401', async () => {
    expect(await upgradeStatus('/ws?token=nope', { origin: origin() })).toBe(401);
  });

  it('refuses a foreign Origin with 403 even with a valid token (cross-site WebSocket hijacking)', async () => {
    for (const o of ['http://evil.example', `http://evil.example:${serve.port}`, `https://127.0.0.1:${serve.port}`, 'null']) {
      expect(await upgradeStatus(`/ws${tokenQuery()}`, { origin: o }), o).toBe(403);
    }
  });

  it('refuses an upgrade without an Origin with 403', async () => {
    expect(await upgradeStatus(`/ws${tokenQuery()}`)).toBe(403);
  });

  it('refuses a foreign Host with 421 even with a valid token and Origin', async () => {
    expect(await upgradeStatus(`/ws${tokenQuery()}`, { origin: origin(), headers: { Host: `evil.example:${serve.port}` } })).toBe(421);
  });

  it('refuses an upgrade on another path with 404', async () => {
    expect(await upgradeStatus(`/other${tokenQuery()}`, { origin: origin() })).toBe(404);
  });
});

// ---------- protocol ----------

describe('serve protocol', () => {
  it('says hello first, with the app version and the transport', async () => {
    const c = new Client();
    openClients.push(c);
    expect(await c.next()).toEqual({ type: 'hello', version: '9.9.9-test', transport: 'serve', protocol: 1 });
  });

  it('answers an invoke with the handler result in an envelope', async () => {
    const c = await connect();
    expect((await c.invoke('app:info', {})).envelope).toEqual({ ok: true, value: { version: '9.9.9-test', transport: 'serve', demoAvailable: false } });
    const page = await c.invoke('events:page', { shard: 3, direction: 'forward', cursor: null, limit: 10 });
    expect(page.envelope).toEqual({ ok: true, value: { channel: 'events:page', request: { shard: 3, direction: 'forward', cursor: null, limit: 10 } } });
  });

  it('refuses an invalid payload with a usage error naming the field, before any handler runs', async () => {
    const c = await connect();
    const r = await c.invoke('events:page', { shard: 'three', direction: 'forward', cursor: null, limit: 10 });
    expect(r.envelope.ok).toBe(false);
    if (!r.envelope.ok) {
      expect(r.envelope.error.kind).toBe('usage');
      expect(r.envelope.error.message).toContain('events:page');
      expect(r.envelope.error.message).toContain('shard');
    }
    const extra = await c.invoke('app:info', { sneaky: true });
    expect(extra.envelope).toMatchObject({ ok: false, error: { kind: 'usage' } });
  });

  it('refuses an unknown channel with a usage error', async () => {
    const c = await connect();
    const r = await c.invoke('redis:eval', { script: 'FLUSHALL' });
    expect(r.envelope).toMatchObject({ ok: false, error: { kind: 'usage' } });
    if (!r.envelope.ok) expect(r.envelope.error.message).toContain('unknown channel');
    const proto = await c.invoke('__proto__', {});
    expect(proto.envelope).toMatchObject({ ok: false, error: { kind: 'usage' } });
  });

  it('returns a handler error as data, with secrets scrubbed', async () => {
    const c = await connect();
    const r = await c.invoke('shards:list', {});
    expect(r.envelope).toMatchObject({ ok: false, error: { kind: 'transient' } });
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });

  it('turns a result JSON cannot encode into a fatal error result', async () => {
    const c = await connect();
    const r = await c.invoke('health:snapshot', {});
    expect(r.envelope).toMatchObject({ ok: false, error: { kind: 'fatal' } });
  });

  it('answers garbage frames with an error and keeps serving the socket', async () => {
    const c = await connect();
    const garbage: Array<[string | Buffer, number | null]> = [
      ['not json at all', null],
      ['', null],
      ['[1,2,3]', null],
      ['null', null],
      ['{"type":"invoke","id":1e400,"channel":"app:info"}', null],
      ['{"type":"invoke","id":9007199254740993,"channel":"app:info"}', null],
      ['{"type":"invoke","id":-5,"channel":"app:info"}', null],
      ['{"type":"invoke","id":"7","channel":"app:info"}', null],
      ['{"type":"invoke","channel":"app:info"}', null],
      ['{"type":"subscribe","id":41}', 41],
      ['{"id":42}', 42],
      [Buffer.from([0xff, 0x00, 0x01]), null],
    ];
    for (const [frame, id] of garbage) {
      c.sendRaw(frame);
      const m = await c.next();
      expect(m, String(frame)).toMatchObject({ type: 'error', id, error: { kind: 'usage' } });
    }
    // An invoke with a valid id but no channel settles that id as a result.
    c.sendRaw('{"type":"invoke","id":43,"channel":17}');
    expect(await c.next()).toMatchObject({ type: 'result', id: 43, envelope: { ok: false, error: { kind: 'usage' } } });
    expect((await c.invoke('app:info', {})).envelope.ok).toBe(true);
    // Other sockets were never affected.
    const other = await connect();
    expect((await other.invoke('app:info', {})).envelope.ok).toBe(true);
  });

  it('broadcasts events to every authenticated socket', async () => {
    const a = await connect();
    const b = await connect();
    const status = { state: 'ready', profileId: 'p', url: 'redis://127.0.0.1:6379', prefix: 'net', readOnly: false, since: 1 };
    emit('connection:changed', status);
    expect(await a.next()).toEqual({ type: 'event', event: 'connection:changed', payload: status });
    expect(await b.next()).toEqual({ type: 'event', event: 'connection:changed', payload: status });
  });

  it('sends a tail batch only to the socket that subscribed, and unsubscribes when it closes', async () => {
    const owner = await connect();
    const other = await connect();
    const sub = await owner.invoke('tail:subscribe', { shards: [1] });
    expect(sub.envelope.ok).toBe(true);
    const subscriptionId = (sub.envelope as { value: { subscriptionId: string } }).value.subscriptionId;
    emit('tail:entries', { subscriptionId, shard: 1, entries: [], dropped: 0 });
    // A marker event after the batch: when `other` sees it, it would already have seen the batch.
    emit('index:changed', { shard: 1, state: 'ready', indexed: 0, total: 0, step: 1000 });
    expect(await owner.next()).toMatchObject({ type: 'event', event: 'tail:entries', payload: { subscriptionId } });
    expect(await other.next()).toMatchObject({ type: 'event', event: 'index:changed' });
    const released = new Promise<string>((resolve) => (main.onUnsubscribe = resolve));
    await owner.close();
    expect(await released).toBe(subscriptionId);
    expect(main.unsubscribed).toEqual([subscriptionId]);
  });

  it('skips droppable events for a slow socket, counts them, and reports skipped tail entries in the next batch', async () => {
    const slow = await connect();
    slow.ws.pause();
    const filler = 'x'.repeat(256 * 1024);
    const before = serve.stats().droppedEvents;
    // Fill the kernel buffers and then the server's own queue until the bound is crossed.
    for (let i = 0; i < 2000 && serve.stats().droppedEvents === before; i++) emit('health:changed', { filler });
    expect(serve.stats().droppedEvents).toBeGreaterThan(before);
    emit('tail:entries', { subscriptionId: 'unowned', shard: 2, entries: [{ id: '1-0' }, { id: '2-0' }, { id: '3-0' }], dropped: 4 });
    emit('connection:changed', { marker: true });
    slow.ws.resume();
    await slow.nextWhere((m) => m.type === 'event' && m.event === 'connection:changed');
    emit('tail:entries', { subscriptionId: 'unowned', shard: 2, entries: [{ id: '4-0' }], dropped: 0 });
    const next = await slow.nextWhere((m) => m.type === 'event' && m.event === 'tail:entries');
    expect(next).toMatchObject({ payload: { subscriptionId: 'unowned', entries: [{ id: '4-0' }], dropped: 7 } });
  });
});

describe('serve shutdown', () => {
  it('closes sockets with 1001, disposes the service once, and refuses connections afterwards', async () => {
    const record: FakeRecord = { disposed: 0, unsubscribed: [] };
    const local = await startServe({ staticDir, createService: fakeService(record), appVersion: 'x', home: path.join(base, 'home2'), port: 0 });
    const ws = new WebSocket(`ws://127.0.0.1:${local.port}/ws?token=${local.token}`, { origin: `http://127.0.0.1:${local.port}` });
    await new Promise((r) => ws.once('message', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    await Promise.all([local.close(), local.close()]);
    expect(await closed).toBe(1001);
    expect(record.disposed).toBe(1);
    await expect(fetch(local.url)).rejects.toThrow();
  });
});

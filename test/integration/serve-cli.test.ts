/**
 * `mesh-inspector serve` as a command: in-process through `runServe` with a fake service (output
 * format, warnings, errors and their exit kinds, shutdown), then the built binary as a child
 * process with the real service (first line, page, contract over the socket, SIGTERM → exit 0).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { channelNames, type ContractHandlers } from '../../shared/contract';
import { MeshError } from '../../shared/errors';
import { DEFAULT_PREFIX, DEFAULT_TIMEOUT_MS, DEFAULT_URL, type GlobalOptions, type OptionValue } from '../../electron/cli/args';
import type { CommandContext } from '../../electron/cli/commands';
import type { CreateService } from '../../electron/core/service-api';
import { packageRoot, runServe, serveCommand, UI_LINE_PREFIX } from '../../electron/cli/cmd-serve';
import { buildCli } from '../helpers/cli-run';

const root = packageRoot();
const UI_LINE = /^Mesh Inspector UI: http:\/\/127\.0\.0\.1:(\d{1,5})\/\?token=([A-Za-z0-9_-]{43})$/;
let base: string;

beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), 'mi-serve-cli-'));
});
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

// ---------- in-process ----------

/** A writable that collects text and lets a test wait for the first complete line. */
class Capture extends Writable {
  text = '';
  private lineWaiters: Array<(line: string) => void> = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    const nl = this.text.indexOf('\n');
    if (nl >= 0) for (const w of this.lineWaiters.splice(0)) w(this.text.slice(0, nl));
    cb();
  }
  firstLine(): Promise<string> {
    const nl = this.text.indexOf('\n');
    if (nl >= 0) return Promise.resolve(this.text.slice(0, nl));
    return new Promise((resolve) => this.lineWaiters.push(resolve));
  }
}

interface Harness {
  ctx: CommandContext;
  stdout: Capture;
  stderr: Capture;
  stop: AbortController;
  disposed: () => number;
  connected: () => Array<{ url: string; prefix: string }>;
}

const PASSWORD = 'pa55-word-never-printed';

/**
 * `connect`: how the fake service's `connectUrl` fails: by throwing (a fatal error), or, as the
 * real service does for a transient one, by resolving with the failure in `connection:status`.
 */
function harness(
  options: Record<string, OptionValue>,
  global: Partial<GlobalOptions> = {},
  env: Record<string, string> = {},
  connect: 'throw' | 'status' = 'throw',
): Harness & { createService: CreateService } {
  const stdout = new Capture();
  const stderr = new Capture();
  const stop = new AbortController();
  let disposed = 0;
  const connected: Array<{ url: string; prefix: string }> = [];
  let lastUrl = '';
  const createService: CreateService = () => ({
    handlers: {
      ...Object.fromEntries(channelNames.map((c) => [c, async () => ({})])),
      'connection:status': async () => ({
        state: 'reconnecting',
        profileId: 'p',
        url: 'redis://[REDACTED]@127.0.0.1:1',
        prefix: 'net',
        readOnly: false,
        since: 1,
        error: { kind: 'transient', message: `connect ECONNREFUSED 127.0.0.1:1 (${lastUrl})`, code: 'ECONNREFUSED' },
      }),
    } as unknown as ContractHandlers,
    knownSecrets: () => [],
    connectUrl: async (url, prefix) => {
      connected.push({ url, prefix });
      lastUrl = url;
      if (connect === 'throw') throw new MeshError('fatal', `WRONGPASS for ${url}`, { code: 'WRONGPASS' });
    },
    dispose: async () => {
      disposed++;
    },
  });
  const ctx: CommandContext = {
    global: { url: DEFAULT_URL, prefix: DEFAULT_PREFIX, timeoutMs: DEFAULT_TIMEOUT_MS, json: false, cluster: false, tls: {}, ...global },
    options,
    env: { MESH_INSPECTOR_HOME: path.join(base, 'home'), ...env },
    stdout,
    stderr,
    signal: stop.signal,
    secrets: [PASSWORD],
  };
  return { ctx, stdout, stderr, stop, createService, disposed: () => disposed, connected: () => connected };
}

function emptyStaticDir(): string {
  const dir = mkdtempSync(path.join(base, 'static-'));
  return dir;
}

describe('serve command (in-process)', () => {
  it('prints exactly the UI line first, serves until aborted, then closes and returns exit 0', async () => {
    const h = harness({ port: 0 });
    const staticDir = emptyStaticDir();
    writeFileSync(path.join(staticDir, 'index.html'), '<p>UI</p>');
    const running = runServe(h.ctx, { createService: h.createService, staticDir, appVersion: '1.2.3' });
    const line = await h.stdout.firstLine();
    const m = UI_LINE.exec(line);
    expect(m, line).not.toBeNull();
    const res = await fetch(line.slice(UI_LINE_PREFIX.length));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<p>UI</p>');
    expect(h.connected()).toEqual([]);
    expect(h.stderr.text).toBe('');
    h.stop.abort();
    expect(await running).toEqual({ done: true, exitCode: 0 });
    expect(h.disposed()).toBe(1);
    expect(h.stdout.text).toBe(`${line}\n`);
    await expect(fetch(line.slice(UI_LINE_PREFIX.length))).rejects.toThrow();
  });

  it('serves a plain 503 page when the renderer is not built', async () => {
    const h = harness({});
    const running = runServe(h.ctx, { createService: h.createService, staticDir: path.join(base, 'missing'), appVersion: '1' });
    const url = (await h.stdout.firstLine()).slice(UI_LINE_PREFIX.length);
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('renderer not built: run npm run build');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    h.stop.abort();
    await running;
  });

  it('opens the UI connected for --url, and on failure still serves and prints the error redacted on stderr', async () => {
    const url = `redis://:${PASSWORD}@127.0.0.1:1/0`;
    const h = harness({}, { url, prefix: 'bus' });
    const running = runServe(h.ctx, { createService: h.createService, staticDir: emptyStaticDir(), appVersion: '1' });
    const line = await h.stdout.firstLine();
    expect(line).toMatch(UI_LINE);
    expect(h.connected()).toEqual([{ url, prefix: 'bus' }]);
    expect(h.stderr.text).toContain('could not connect to redis://[REDACTED]@127.0.0.1:1/0');
    expect(h.stderr.text).toContain('WRONGPASS');
    expect(h.stderr.text + h.stdout.text).not.toContain(PASSWORD);
    h.stop.abort();
    expect(await running).toEqual({ done: true, exitCode: 0 });
  });

  it('reports a connection the service is still retrying (no throw) on stderr too, redacted', async () => {
    const url = `redis://:${PASSWORD}@127.0.0.1:1`;
    const h = harness({}, { url }, {}, 'status');
    const running = runServe(h.ctx, { createService: h.createService, staticDir: emptyStaticDir(), appVersion: '1' });
    expect(await h.stdout.firstLine()).toMatch(UI_LINE);
    expect(h.stderr.text).toMatch(/could not connect to redis:\/\/\[REDACTED\]@127\.0\.0\.1:1: connect ECONNREFUSED/);
    expect(h.stderr.text).not.toContain(PASSWORD);
    h.stop.abort();
    await running;
  });

  it('connects to MESH_REDIS_URL when it is set', async () => {
    const h = harness({}, { url: 'redis://10.1.2.3:6390' }, { MESH_REDIS_URL: 'redis://10.1.2.3:6390' });
    const running = runServe(h.ctx, { createService: h.createService, staticDir: emptyStaticDir(), appVersion: '1' });
    await h.stdout.firstLine();
    expect(h.connected()).toEqual([{ url: 'redis://10.1.2.3:6390', prefix: 'net' }]);
    h.stop.abort();
    await running;
  });

  it('prints one JSON line instead with --json', async () => {
    const h = harness({}, { json: true });
    const running = runServe(h.ctx, { createService: h.createService, staticDir: emptyStaticDir(), appVersion: '1' });
    const doc = JSON.parse(await h.stdout.firstLine()) as { url: string; host: string; port: number; connectError: unknown };
    expect(doc.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(doc).toMatchObject({ host: '127.0.0.1', connectError: null });
    expect(doc.url).toContain(`:${doc.port}/`);
    h.stop.abort();
    await running;
  });

  it('warns on stderr when binding a non-loopback address', async () => {
    const h = harness({ host: '0.0.0.0' });
    const running = runServe(h.ctx, { createService: h.createService, staticDir: emptyStaticDir(), appVersion: '1' });
    expect(await h.stdout.firstLine()).toMatch(UI_LINE);
    expect(h.stderr.text).toMatch(/^warning: serving on 0\.0\.0\.0: .*reachable from the network/);
    h.stop.abort();
    await running;
  });

  it('fails with a fatal EADDRINUSE error naming the port when it is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const h = harness({ port });
      const err = await runServe(h.ctx, { createService: h.createService, staticDir: emptyStaticDir(), appVersion: '1' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MeshError);
      expect(err).toMatchObject({ kind: 'fatal', code: 'EADDRINUSE' });
      expect((err as Error).message).toContain(`port ${port}`);
      expect(h.stdout.text).toBe('');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('opens the UI connection with the topology and TLS options it was given', async () => {
    const seen: unknown[] = [];
    const h = harness({ port: 0 }, { url: 'rediss://127.0.0.1:6380', tls: { caFile: '/x/ca.pem', servername: 'redis.test' }, sentinel: 'a:1,b:2', masterName: 'm' }, {}, 'status');
    const createService: CreateService = (o) => {
      const svc = h.createService(o);
      return {
        ...svc,
        connectUrl: async (url, prefix, opts) => {
          seen.push({ url, prefix, topology: opts?.topology, tls: opts?.tls });
          await svc.connectUrl(url, prefix, opts);
        },
      };
    };
    const running = runServe(h.ctx, { createService, staticDir: emptyStaticDir(), appVersion: '1' });
    expect(await h.stdout.firstLine()).toMatch(/^Mesh Inspector UI: /);
    expect(seen).toEqual([
      { url: 'rediss://127.0.0.1:6380', prefix: 'net', topology: { mode: 'sentinel', sentinels: 'a:1,b:2', masterName: 'm' }, tls: { caFile: '/x/ca.pem', servername: 'redis.test' } },
    ]);
    h.stop.abort();
    await running;
  });

  it('declares --host and --port for the command table', () => {
    const cmd = serveCommand({ createService: harness({}).createService });
    expect(cmd.name).toBe('serve');
    expect(cmd.options.map((o) => [o.name, o.kind])).toEqual([
      ['host', 'string'],
      ['port', 'port'],
    ]);
  });
});

// ---------- the built binary ----------

describe('mesh-inspector serve (child process)', () => {
  const bin = path.join(root, 'bin', 'mesh-inspector.js');
  let home: string;

  beforeAll(() => {
    buildCli();
    home = path.join(base, 'child-home');
    mkdirSync(home);
  }, 120_000);

  function start(args: string[]): {
    child: ChildProcess;
    firstLine: Promise<string>;
    stderr: () => string;
    stderrMatching: (re: RegExp) => Promise<string>;
    exit: Promise<number | null>;
  } {
    const child = spawn(process.execPath, [bin, 'serve', ...args], {
      cwd: root,
      env: { ...process.env, MESH_INSPECTOR_HOME: home, MESH_REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const firstLine = new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(out.slice(0, nl));
      });
      child.once('exit', (code) => reject(new Error(`serve exited (${code}) before printing a line; stderr: ${err}`)));
    });
    // A test that expects an early exit never awaits the line; that rejection is not a failure.
    firstLine.catch(() => undefined);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const stderrMatching = (re: RegExp) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          if (!re.test(err)) return false;
          child.stderr!.off('data', check);
          resolve(err);
          return true;
        };
        if (check()) return;
        child.stderr!.on('data', check);
        child.once('exit', () => (re.test(err) ? resolve(err) : reject(new Error(`stderr never matched ${re}: ${err}`))));
      });
    return { child, firstLine, stderr: () => err, stderrMatching, exit };
  }

  it('prints the UI line first, serves the page and the contract, and exits 0 on SIGTERM', async () => {
    const s = start(['--port', '0']);
    try {
      const line = await s.firstLine;
      const m = UI_LINE.exec(line);
      expect(m, line).not.toBeNull();
      const [, port, token] = m!;
      const res = await fetch(line.slice(UI_LINE_PREFIX.length));
      if (existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(await res.text()).toMatch(/<html/i);
      } else {
        expect(res.status).toBe(503);
        expect(await res.text()).toContain('renderer not built: run npm run build');
      }
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`, { origin: `http://127.0.0.1:${port}` });
      const messages: unknown[] = [];
      const got = (n: number) =>
        new Promise<void>((resolve) => {
          const check = () => (messages.length >= n ? resolve() : ws.once('message', (d) => (messages.push(JSON.parse(d.toString())), check())));
          check();
        });
      await got(1);
      expect(messages[0]).toMatchObject({ type: 'hello', transport: 'serve', protocol: 1 });
      ws.send(JSON.stringify({ type: 'invoke', id: 1, channel: 'app:info', payload: {} }));
      await got(2);
      expect(messages[1]).toMatchObject({ type: 'result', id: 1, envelope: { ok: true, value: { transport: 'serve' } } });
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      s.child.kill('SIGTERM');
      expect(await s.exit).toBe(0);
      expect(await closed).toBe(1001);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('opens with --url, and when Redis cannot be reached still serves and says so on stderr, redacted', async () => {
    const s = start(['--port', '0', '--url', `redis://:${PASSWORD}@127.0.0.1:1`, '--timeout-ms', '300']);
    try {
      const line = await s.firstLine;
      expect(line).toMatch(UI_LINE);
      const err = await s.stderrMatching(/could not connect to/);
      expect(err).toContain('could not connect to redis://[REDACTED]@127.0.0.1:1');
      expect(err).not.toContain(PASSWORD);
      expect((await fetch(line.slice(UI_LINE_PREFIX.length))).status).not.toBe(401);
      s.child.kill('SIGTERM');
      expect(await s.exit).toBe(0);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('exits 64 for a bad --port value and 1 for a port in use', async () => {
    const bad = start(['--port', '70000']);
    expect(await bad.exit).toBe(64);
    expect(bad.stderr()).toContain('--port');

    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const taken = start(['--port', String(port)]);
      expect(await taken.exit).toBe(1);
      expect(taken.stderr()).toContain('already in use');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});

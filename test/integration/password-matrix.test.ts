/**
 * Issue 12, item 1: a password holding any of `/ ? # @ : %` never appears in any output, log line
 * or reply, whatever path reports the failure: every CLI command (human and `--json`), `serve`'s
 * start-up (stdout, stderr, and what its socket answers), the service's connect, health and status
 * replies and events, and the desktop host's launch log line.
 *
 * Each password is `lEfT7kq<c>rIgHt4mw`: the assertion is that neither half appears anywhere, so a
 * display form that cuts the password at the special character (the bug this guards against:
 * `redis://:pa/ss@host` shown unredacted because the authority "ended" at `/`) is caught too.
 * The URLs are given as written by a user (unencoded), percent-encoded, and with an ACL user; the
 * servers are real: one refusing the password, one without any password, and a closed port.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { registerCommand } from '../../electron/cli/commands';
import { healthCommand } from '../../electron/cli/cmd-health';
import { publishCommand } from '../../electron/cli/cmd-publish';
import { readCommand } from '../../electron/cli/cmd-read';
import { scanCommand } from '../../electron/cli/cmd-scan';
import { shardsCommand } from '../../electron/cli/cmd-shards';
import { runCli } from '../../electron/cli/run';
import { createService } from '../../electron/core/service';
import { launchConnectFailure } from '../../electron/main/lifecycle';
import { defaultServeCommand, UI_LINE_PREFIX } from '../../electron/cli/cmd-serve';
import type { ChannelName } from '../../shared/contract';
import { freePort, startRedis, type TestRedis } from '../helpers/redis-server';
import { MemorySecrets, serviceGate } from '../helpers/service-gate';

const SPECIALS = ['/', '?', '#', '@', ':', '%'] as const;
const LEFT = 'lEfT7kq';
const RIGHT = 'rIgHt4mw';
const passwordWith = (c: string) => `${LEFT}${c}${RIGHT}`;

let wrongPass: TestRedis;
let noPass: TestRedis;
let closedPort: number;
let home: string;
let batchFile: string;

/** Everything written anywhere during a test: console, process streams, CLI streams, replies. */
let seen: string[] = [];
const restores: Array<() => void> = [];

beforeAll(async () => {
  for (const command of [shardsCommand, readCommand, scanCommand, publishCommand, healthCommand, defaultServeCommand()]) registerCommand(command);
  [wrongPass, noPass] = await Promise.all([startRedis({ args: ['--requirepass', 'the-right-one-0'] }), startRedis()]);
  closedPort = await freePort();
  home = mkdtempSync(path.join(tmpdir(), 'mesh-pw-matrix-'));
  process.env.MESH_INSPECTOR_HOME = home;
  batchFile = path.join(home, 'batch.ndjson');
  writeFileSync(batchFile, '{"k":1}\n');
});

afterAll(async () => {
  await Promise.all([wrongPass?.stop(), noPass?.stop()]);
  delete process.env.MESH_INSPECTOR_HOME;
  if (home) rmSync(home, { recursive: true, force: true });
});

beforeEach(() => {
  seen = [];
  const capture = (...args: unknown[]) => void seen.push(args.map((x) => (x instanceof Error ? `${x.message}\n${x.stack}` : typeof x === 'string' ? x : JSON.stringify(x))).join(' '));
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const spy = vi.spyOn(console, m).mockImplementation(capture);
    restores.push(() => spy.mockRestore());
  }
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      seen.push(String(chunk));
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restores.push(() => (stream.write = original));
  }
});

afterEach(() => {
  for (const r of restores.splice(0)) r();
});

function expectNoPassword(texts: readonly string[], password: string, where: string): void {
  const all = texts.join('\n');
  for (const piece of [password, encodeURIComponent(password), LEFT, RIGHT]) {
    const at = all.indexOf(piece);
    if (at >= 0) throw new Error(`${where}: "${piece}" appears in output: ...${all.slice(Math.max(0, at - 120), at + 60)}...`);
  }
}

/** The URL forms a user writes: as typed (unencoded), percent-encoded, and with an ACL user. */
function urlForms(password: string, port: number): Array<[string, string]> {
  return [
    ['unencoded', `redis://:${password}@127.0.0.1:${port}`],
    ['encoded', `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}/0`],
    ['user', `redis://app:${password}@127.0.0.1:${port}`],
  ];
}

class Collector extends Writable {
  text = '';
  private waiters: Array<{ test: (t: string) => boolean; resolve: () => void }> = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    seen.push(String(chunk));
    this.waiters = this.waiters.filter((w) => (w.test(this.text) ? (w.resolve(), false) : true));
    done();
  }
  until(test: (t: string) => boolean): Promise<void> {
    if (test(this.text)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<number> {
  const stdout = new Collector();
  const stderr = new Collector();
  return runCli(args, { stdout, stderr, env: { MESH_INSPECTOR_HOME: home, ...env } });
}

const COMMANDS: string[][] = [['shards'], ['read', '--shard', '0'], ['scan', '--shard', '0'], ['publish', '--shard', '0', '--file', '<batch>'], ['health']];

describe.each(SPECIALS)('a password with %j', (c) => {
  const password = passwordWith(c);

  it('never appears in what any CLI command prints (human and --json), for every failure', async () => {
    // A wrong password, a closed port, and a server without any password (ioredis then warns and
    // goes on: the commands succeed, and their output must not quote the URL either). The runs
    // are independent, so they run at once: each mostly waits on a socket or a timeout.
    const runs: Array<Promise<void>> = [];
    for (const port of [wrongPass.port, closedPort, noPass.port]) {
      for (const [form, url] of urlForms(password, port)) {
        for (const command of port === noPass.port ? COMMANDS.filter((x) => x[0] === 'shards' || x[0] === 'health') : COMMANDS) {
          for (const json of command[0] === 'shards' || command[0] === 'health' ? [false, true] : [false]) {
            const args = [...command.map((a) => (a === '<batch>' ? batchFile : a)), '--url', url, '--timeout-ms', '200', ...(json ? ['--json'] : [])];
            runs.push(
              cli(args).then((code) => {
                if (port !== noPass.port) expect(code, `${form} ${command[0]}`).not.toBe(0);
              }),
            );
          }
        }
      }
    }
    await Promise.all(runs);
    // A query, a URL given without --url, and the sentinels' own password.
    await cli(['shards', '--url', `redis://127.0.0.1:${noPass.port}/0?password=${password}`]);
    await cli(['shards', '--json', '--url', `redis://127.0.0.1:${noPass.port}/0?password=${encodeURIComponent(password)}`]);
    await cli(['shards', `redis://:${password}@127.0.0.1:${noPass.port}`]);
    await cli(['shards', '--url', `redis://:${password}@127.0.0.1`, '--timeout-ms', 'x']);
    await cli(['health', '--json', '--sentinel', `127.0.0.1:${closedPort}`, '--master-name', 'm', '--timeout-ms', '300'], { MESH_SENTINEL_PASSWORD: password });
    expectNoPassword(seen, password, 'CLI');
  });

  it('never appears in serve start-up output, nor in any reply or event on its socket', async () => {
    const starts: Array<Promise<void>> = [];
    for (const port of [wrongPass.port, closedPort]) {
      for (const [form, url] of urlForms(password, port)) {
        starts.push(
          (async () => {
            const stdout = new Collector();
            const stderr = new Collector();
            const abort = new AbortController();
            const done = runCli(['serve', '--port', '0', '--url', url, '--timeout-ms', '300'], { stdout, stderr, env: { MESH_INSPECTOR_HOME: home }, signal: abort.signal });
            await Promise.race([stdout.until((t) => t.includes('\n')), done]);
            const line = stdout.text.split('\n')[0] ?? '';
            expect(line.startsWith(UI_LINE_PREFIX), form).toBe(true);
            expect(stderr.text, form).toContain('could not connect to');
            seen.push(...(await askEverything(line.slice(UI_LINE_PREFIX.length))));
            abort.abort();
            expect(await done, form).toBe(0);
          })(),
        );
      }
    }
    await Promise.all(starts);
    expectNoPassword(seen, password, 'serve');
  });

  it('never appears in the service’s replies, status, health or events, from a URL or from the form', async () => {
    for (const port of [wrongPass.port, closedPort]) {
      const events: string[] = [];
      const serviceHome = mkdtempSync(path.join(home, 'service-'));
      const service = createService({ transport: 'serve', secrets: new MemorySecrets(), sink: (e, p) => void events.push(`${e} ${JSON.stringify(p)}`), appVersion: 't', home: serviceHome });
      const { call } = serviceGate(() => service);
      const replies: string[] = [];
      const ask = async (channel: ChannelName, req: unknown) => replies.push(JSON.stringify(await call(channel as never, req as never)));
      try {
        // The form: the password in its own field (no encoding needed there), the user in the URL.
        for (const url of [`redis://127.0.0.1:${port}`, `redis://app@127.0.0.1:${port}`]) {
          await ask('profiles:save', { name: 'p', url, password, prefix: 'net', commandTimeoutMs: 150, readOnly: false });
        }
        // A URL holding the password, saved as a profile.
        for (const [, url] of urlForms(password, port)) await ask('profiles:save', { name: 'u', url, prefix: 'net', commandTimeoutMs: 150, readOnly: false });
        const list = await call('profiles:list', {});
        replies.push(JSON.stringify(list));
        const ids = list.ok ? list.value.profiles.map((p) => p.id) : [];
        for (const profileId of ids) {
          await ask('connection:open', { profileId });
          await statusEverything(ask);
        }
        // The host's own path: serve --url and the desktop's --url.
        for (const [, url] of urlForms(password, port)) {
          const failure = await service.connectUrl(url, 'net', { commandTimeoutMs: 150 }).then(
            () => null,
            (e: unknown) => e,
          );
          if (failure) replies.push(launchConnectFailure(url, failure, service.knownSecrets()));
          replies.push(launchConnectFailure(url, new Error(`connect to ${url} failed`), service.knownSecrets()));
          await statusEverything(ask);
        }
      } finally {
        await service.dispose();
      }
      seen.push(...replies, ...events);
    }
    expectNoPassword(seen, password, 'service');
  });
});

/** Every read-only request a UI makes about the connection, for their replies. */
async function statusEverything(ask: (channel: ChannelName, req: unknown) => Promise<unknown>): Promise<void> {
  for (const [channel, req] of [
    ['connection:status', {}],
    ['health:snapshot', {}],
    ['health:history', {}],
    ['health:export', {}],
    ['topology:status', {}],
    ['shards:list', {}],
    ['events:page', { shard: 0, direction: 'forward', cursor: null, limit: 10 }],
  ] as Array<[ChannelName, unknown]>) {
    await ask(channel, req);
  }
}

/** Opens serve's socket with the printed URL's token and collects everything it says. */
async function askEverything(uiUrl: string): Promise<string[]> {
  const u = new URL(uiUrl);
  const ws = new WebSocket(`ws://${u.host}/ws${u.search}`, { origin: u.origin });
  const got: string[] = [];
  const pending = new Map<number, () => void>();
  ws.on('message', (data) => {
    const text = String(data);
    got.push(text);
    const m = JSON.parse(text) as { type: string; id?: number };
    if (m.type === 'result' && m.id !== undefined) pending.get(m.id)?.();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let id = 0;
  const ask = (channel: ChannelName, payload: unknown) =>
    new Promise<void>((resolve) => {
      const n = ++id;
      pending.set(n, resolve);
      ws.send(JSON.stringify({ type: 'invoke', id: n, channel, payload }));
    });
  await ask('profiles:list', {});
  await statusEverything(ask);
  ws.close();
  return got;
}

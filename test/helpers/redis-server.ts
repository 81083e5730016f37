/**
 * Real redis-server processes for tests: each on a free loopback port, in its own temporary
 * directory, killed when the test file ends. Faults are real: SIGKILL, SIGSTOP/SIGCONT, restart
 * on the same port. Readiness is the server's own "Ready to accept connections" line, never a
 * sleep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';

export interface RedisServerOptions {
  /** Extra `redis-server` arguments, e.g. ['--requirepass', 'pw'] or ['--maxmemory', '2mb']. */
  args?: string[];
  port?: number;
}

export interface TestRedis {
  port: number;
  host: string;
  /** `redis://127.0.0.1:<port>` (no credentials). */
  url: string;
  process: ChildProcess;
  /** A plain ioredis client for seeding and checking; closed by stop(). */
  admin(): Redis;
  kill(): Promise<void>;
  pause(): void;
  resume(): void;
  /** Kills (if running) and starts again on the same port with the same arguments. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function launch(port: number, dir: string, args: string[]): Promise<ChildProcess> {
  return spawnRedisUntil(
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', '', ...args],
    'Ready to accept connections',
    'redis-server',
  );
}

/**
 * Starts `redis-server args` and resolves once its log prints `marker` (a signal, not a sleep);
 * rejects with the log when it exits first.
 */
export function spawnRedisUntil(args: string[], marker: string, what: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(marker)) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready:\n${out}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startRedis(opts: RedisServerOptions = {}): Promise<TestRedis> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), 'mesh-redis-'));
  const args = opts.args ?? [];
  let child = await launch(port, dir, args);
  const admins: Redis[] = [];
  const handle: TestRedis = {
    port,
    host: '127.0.0.1',
    url: `redis://127.0.0.1:${port}`,
    get process() {
      return child;
    },
    admin() {
      const password = passwordFrom(args);
      const c = new Redis({ port, host: '127.0.0.1', password, maxRetriesPerRequest: 1, lazyConnect: false });
      c.on('error', () => {});
      admins.push(c);
      return c;
    },
    async kill() {
      child.stdout?.destroy();
      child.kill('SIGKILL');
      await exited(child);
    },
    pause() {
      child.kill('SIGSTOP');
    },
    resume() {
      child.kill('SIGCONT');
    },
    async restart() {
      if (child.exitCode === null && child.signalCode === null) await handle.kill();
      child = await launch(port, dir, args);
    },
    async stop() {
      for (const c of admins) c.disconnect();
      if (child.signalCode === 'SIGSTOP' || child.exitCode === null) child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
  } as TestRedis;
  return handle;
}

function passwordFrom(args: string[]): string | undefined {
  const i = args.indexOf('--requirepass');
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * The demo sandbox (issue 3, item 5): a throwaway `redis-server` from the system, seeded with a
 * realistic net-mesh bus (./seed.ts) that shows every data-quality problem the inspector knows
 * about, plus live traffic trickling in (./trickle.ts). Used by `mesh-inspector demo`
 * (electron/cli/cmd-demo.ts) and by the UI's "Try with demo data" (the service's `demo:start`).
 *
 * This file owns the server process only: finding the binary, starting it on a free loopback
 * port, reading its readiness, and removing it and its directory again.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DemoSandboxError, REDIS_SERVER_NOT_FOUND_MESSAGE } from './errors';
import { seedDemoBus, type DemoManifest } from './seed';
import { startTrickle, type TrickleHandle } from './trickle';

export interface DemoSandboxOptions {
  /** Stream prefix of the demo bus; default `net` (net-mesh's default, contract 1.1). */
  prefix?: string;
  /** Write the demo bus (`seedDemoBus`) before returning; default true. */
  seed?: boolean;
  /** Start live traffic (`startTrickle`) once the bus is seeded; default false. */
  trickle?: boolean;
  /** Events per second of the live traffic; default `DEFAULT_TRICKLE_RATE` (./trickle.ts). */
  trickleRatePerSec?: number;
  /** Milliseconds between live batches; default `DEFAULT_TRICKLE_INTERVAL_MS` (./trickle.ts). */
  trickleIntervalMs?: number;
  /** A specific `redis-server` binary; default: the first one on PATH. */
  redisServerPath?: string;
}

export interface DemoSandbox {
  /** `redis://127.0.0.1:<port>`, no credentials. */
  url: string;
  prefix: string;
  port: number;
  /** The redis-server process id. */
  pid: number;
  /** The server's working directory (removed by `stop`). */
  dir: string;
  /** What was written, when the sandbox seeded the bus; null with `seed: false`. */
  manifest: DemoManifest | null;
  /** The live traffic, when `trickle` was asked; null otherwise. */
  trickle: TrickleHandle | null;
  /**
   * Stops the live traffic, kills the server and removes its directory. Idempotent; every call
   * returns the same promise. Guarantee: when it resolves the process has exited and the
   * directory is gone.
   */
  stop(): Promise<void>;
}

/** Oldest server the inspector can read: the exclusive `(id` XRANGE start is Redis 6.2+ (contract 1.5). */
const MIN_REDIS_VERSION: readonly [number, number] = [6, 2];
/** The free-port probe can race with another process; retry a few times on "Address already in use". */
const PORT_ATTEMPTS = 5;
/** How much of the server's output is kept for error messages. */
const OUTPUT_TAIL_CHARS = 8192;

/**
 * Starts a throwaway `redis-server` for the demo.
 *
 * Guarantees:
 * - The server listens on 127.0.0.1 only, on a free port, with no persistence (`--save ""`,
 *   `--appendonly no`) and a fresh temporary directory as its working directory.
 * - The promise resolves only after the server printed "Ready to accept connections" (no timed
 *   waits), and after the bus is seeded / the trickle started when asked.
 * - Rejects with a {@link DemoSandboxError} naming the problem when `redis-server` is missing
 *   (`REDIS_SERVER_NOT_FOUND`), exits before it is ready (`REDIS_SERVER_FAILED`, with its
 *   output), or is older than 6.2 (`REDIS_SERVER_TOO_OLD`). Nothing is left running or on disk
 *   when it rejects.
 * - The server never outlives this process when it exits normally: a synchronous `exit` hook
 *   kills it and removes the directory. Node runs no `exit` hook when a signal's default action
 *   kills it, so hosts must turn SIGINT/SIGTERM into an orderly exit (the CLI aborts its
 *   context's signal; Electron quits through `dispose`). The server is spawned attached
 *   (`detached: false`), in our process group, so a terminal's Ctrl-C reaches it as well.
 * - On Linux with util-linux `setpriv`, the server is also started with a parent-death signal
 *   (SIGKILL), so it dies even if this process is SIGKILLed or crashes. Node itself cannot set
 *   PR_SET_PDEATHSIG on a child; without `setpriv` (macOS, Windows, minimal Linux images) a
 *   SIGKILLed parent leaves the server running on its loopback port until someone kills it.
 *   PDEATHSIG fires when the *thread* that spawned the child exits; Node spawns from the thread
 *   that calls this, so start the sandbox from the main thread, not a worker. Either way a
 *   SIGKILLed parent leaves the (empty) temporary directory behind.
 */
export async function startDemoSandbox(opts: DemoSandboxOptions = {}): Promise<DemoSandbox> {
  const prefix = opts.prefix ?? 'net';
  const binary = resolveRedisServer(opts.redisServerPath);
  // Loaded here, not at the top (and before a server is started, so a failure leaves nothing
  // behind): whatever reaches this module for its types or constants does not pay for the Redis client.
  const { default: Redis } = await import('ioredis');
  const pdeathsig = await setprivSupportsPdeathsig();
  const dir = mkdtempSync(path.join(tmpdir(), 'mesh-demo-redis-'));

  let server: LaunchedServer;
  try {
    server = await launchOnFreePort(binary, dir, pdeathsig);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const { child, port } = server;

  // Synchronous on purpose: 'exit' listeners cannot await. SIGKILL is enough for a server that
  // holds nothing worth flushing.
  const onProcessExit = (): void => {
    killQuietly(child);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onProcessExit);

  const client = new Redis({
    host: '127.0.0.1',
    port,
    connectionName: 'mesh-inspector-demo',
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  });
  // The server is killed under this client on stop(); that must not surface as an unhandled error.
  client.on('error', () => {});

  let trickle: TrickleHandle | null = null;
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (trickle) await trickle.stop();
      client.disconnect();
      killQuietly(child);
      await exited(child);
      process.off('exit', onProcessExit);
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    if (server.version && compareVersion(server.version, MIN_REDIS_VERSION) < 0) {
      throw new DemoSandboxError(
        'REDIS_SERVER_TOO_OLD',
        `redis-server ${server.version} is too old for the demo; the inspector needs Redis ${MIN_REDIS_VERSION.join('.')} or newer (exclusive XRANGE starts)`,
      );
    }
    await client.connect();
    const manifest = opts.seed === false ? null : await seedDemoBus(client, prefix);
    if (opts.trickle) {
      trickle = startTrickle(client, prefix, {
        ratePerSec: opts.trickleRatePerSec,
        intervalMs: opts.trickleIntervalMs,
      });
    }
    return {
      url: `redis://127.0.0.1:${port}`,
      prefix,
      port,
      pid: child.pid as number,
      dir,
      manifest,
      trickle,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The binary to run: an explicit path (checked), or `redis-server` looked up on PATH. */
function resolveRedisServer(explicit: string | undefined): string {
  if (explicit !== undefined) {
    if (!isExecutableFile(explicit)) {
      throw new DemoSandboxError(
        'REDIS_SERVER_NOT_FOUND',
        `redis-server was not found at ${explicit} (not an executable file); install it (e.g. apt-get install redis-server) to use the demo`,
      );
    }
    return path.resolve(explicit);
  }
  // Resolved here rather than left to spawn: under `setpriv` a missing binary would surface as
  // setpriv's exit status 127 instead of a clear ENOENT.
  const exts = process.platform === 'win32' ? ['', ...(process.env.PATHEXT ?? '.EXE').split(';')] : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    for (const ext of exts) {
      const candidate = path.join(dir, 'redis-server' + ext);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  throw new DemoSandboxError('REDIS_SERVER_NOT_FOUND', REDIS_SERVER_NOT_FOUND_MESSAGE);
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let setprivProbe: Promise<boolean> | null = null;

/** Whether util-linux `setpriv --pdeathsig` is available (Linux only); probed once per process. */
function setprivSupportsPdeathsig(): Promise<boolean> {
  if (process.platform !== 'linux') return Promise.resolve(false);
  setprivProbe ??= new Promise((resolve) => {
    execFile('setpriv', ['--help'], { timeout: 5000 }, (err, stdout) => {
      resolve(!err && stdout.includes('--pdeathsig'));
    });
  });
  return setprivProbe;
}

interface LaunchedServer {
  child: ChildProcess;
  port: number;
  /** From the server's startup banner (`Redis version=7.0.15`), when it printed one. */
  version: string | null;
}

async function launchOnFreePort(binary: string, dir: string, pdeathsig: boolean): Promise<LaunchedServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freeLoopbackPort();
    try {
      return await launch(binary, port, dir, pdeathsig);
    } catch (e) {
      lastError = e;
      if (pdeathsig && e instanceof DemoSandboxError && /^setpriv:/m.test(e.message)) {
        // setpriv is present but refused (e.g. a seccomp policy forbids prctl): run without the
        // parent-death signal rather than not at all.
        pdeathsig = false;
        continue;
      }
      if (!(e instanceof PortInUse)) throw e;
    }
  }
  throw lastError;
}

class PortInUse extends Error {}

function launch(binary: string, port: number, dir: string, pdeathsig: boolean): Promise<LaunchedServer> {
  const serverArgs = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--protected-mode', 'yes',
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--daemonize', 'no',
    // An empty logfile means stdout, which is where readiness is read from.
    '--logfile', '',
  ];
  const [command, args] = pdeathsig
    ? ['setpriv', ['--pdeathsig', 'KILL', '--', binary, ...serverArgs]]
    : [binary, serverArgs];

  return new Promise((resolve, reject) => {
    // detached: false keeps the server in our process group, so a terminal's Ctrl-C (SIGINT to
    // the foreground group) reaches it too.
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false, cwd: dir });
    let output = '';
    let ready = false;
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (!ready && output.includes('Ready to accept connections')) {
        ready = true;
        child.off('exit', onEarlyExit);
        resolve({ child, port, version: /Redis version=(\d+\.\d+(?:\.\d+)?)/.exec(output)?.[1] ?? null });
      }
      if (output.length > OUTPUT_TAIL_CHARS * 2) output = output.slice(-OUTPUT_TAIL_CHARS);
    };
    // Both pipes stay drained for the server's whole life: a full pipe would block its logging.
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (/Address already in use/i.test(output)) {
        reject(new PortInUse(`port ${port} is in use`));
        return;
      }
      const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      reject(
        new DemoSandboxError(
          'REDIS_SERVER_FAILED',
          `redis-server ${how} before it was ready to accept connections:\n${output.trim().slice(-2000)}`,
        ),
      );
    };
    child.once('exit', onEarlyExit);
    child.once('error', (err: NodeJS.ErrnoException) => {
      child.off('exit', onEarlyExit);
      if (err.code === 'ENOENT' && !pdeathsig) reject(new DemoSandboxError('REDIS_SERVER_NOT_FOUND', REDIS_SERVER_NOT_FOUND_MESSAGE));
      else reject(new DemoSandboxError('REDIS_SERVER_FAILED', `redis-server could not be started: ${err.message}`));
    });
  });
}

function freeLoopbackPort(): Promise<number> {
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

function killQuietly(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    child.kill('SIGKILL');
  } catch {
    // Already gone.
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function compareVersion(version: string, min: readonly [number, number]): number {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major !== min[0] ? major - min[0] : minor - min[1];
}

/**
 * The demo sandbox (issue 3, item 5): a throwaway `redis-server` from the system, seeded with a
 * realistic net-mesh bus that shows every data-quality problem the inspector knows about, plus
 * live traffic trickling in. Used by `mesh-inspector demo` and by the UI's "Try with demo data".
 *
 * Everything written here goes through the same wire codec the inspector reads with
 * (`encodePayload`, `formatDedupId`, `streamKey`) and the producer's exact command shape
 * (contract 1.2: one MULTI/EXEC per batch, `XADD key * d <payload> dedup_id <id>`), except the
 * entries that are corrupt on purpose, which are written raw.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { formatDedupId, formatNonce } from '../../shared/dedup-id';
import { streamKey } from '../../shared/stream-key';
import type { GapRange, SkippedKey } from '../../shared/types';
import { MeshError } from '../../shared/errors';
import { encodePayload } from '../../shared/wire';
import type { CliCommand, CommandContext, CommandResult } from '../cli/commands';

// =============================================================================================
// Errors
// =============================================================================================

export type DemoErrorCode =
  | 'REDIS_SERVER_NOT_FOUND'
  | 'REDIS_SERVER_FAILED'
  | 'REDIS_SERVER_TOO_OLD'
  | 'PREFIX_NOT_EMPTY';

/**
 * Why the sandbox could not start or be seeded; `message` is written for a person. Always of
 * kind `fatal`: retrying the same thing fails the same way until something is installed or fixed.
 */
export class DemoSandboxError extends MeshError {
  declare readonly code: DemoErrorCode;

  constructor(code: DemoErrorCode, message: string) {
    super('fatal', message, { code });
    this.name = 'DemoSandboxError';
  }
}

export const REDIS_SERVER_NOT_FOUND_MESSAGE =
  'redis-server was not found on PATH; install it (e.g. apt-get install redis-server) to use the demo';

// =============================================================================================
// The sandbox
// =============================================================================================

export interface DemoSandboxOptions {
  /** Stream prefix of the demo bus; default `net` (net-mesh's default, contract 1.1). */
  prefix?: string;
  /** Write the demo bus (`seedDemoBus`) before returning; default true. */
  seed?: boolean;
  /** Start live traffic (`startTrickle`) once the bus is seeded; default false. */
  trickle?: boolean;
  /** Events per second of the live traffic; default {@link DEFAULT_TRICKLE_RATE}. */
  trickleRatePerSec?: number;
  /** Milliseconds between live batches; default {@link DEFAULT_TRICKLE_INTERVAL_MS}. */
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

  // Loaded here, not at the top: the command line registers `demo` from this module, and
  // `--help` or `health` must not pay for loading the Redis client through it.
  const { default: Redis } = await import('ioredis');
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

// =============================================================================================
// The seeded bus
// =============================================================================================

/** What `seedDemoBus` wrote to one shard stream, in the shape of the `scan` result (cli.md). */
export interface DemoShardManifest {
  shard: number;
  key: string;
  /** XLEN right after seeding. */
  entries: number;
  ok: number;
  corrupt: number;
  duplicateGroups: number;
  duplicateEntries: number;
  /** Duplicate groups whose payloads differ (subset of `duplicateGroups`). */
  collisionGroups: number;
  gaps: GapRange[];
  misrouted: number;
}

export type DemoCorruptKind =
  | 'invalid-json'
  | 'invalid-utf8'
  | 'missing-r'
  | 'negative-t'
  | 's-out-of-range'
  | 'duplicate-key'
  | 'no-d';

/** One entry worth pointing at (in the UI tour or a test), found by its `dedup_id`. */
export interface DemoSample {
  key: string;
  dedupId: string;
  /** The exact `d` bytes written; absent for the entry without `d`. */
  d?: Buffer;
}

export interface DemoProducer {
  /** What kind of producer it stands for. */
  name: string;
  /** Rendered as in dedup_ids. */
  nonce: string;
  shards: number[];
}

export interface DemoManifest {
  prefix: string;
  /** Every canonical shard stream written, sorted by shard id. */
  shards: DemoShardManifest[];
  /** Keys under `{prefix}:shard:*` that discovery must skip (cli.md `shards`). */
  skipped: SkippedKey[];
  producers: DemoProducer[];
  /** Entries written to the canonical shard streams. */
  totalEntries: number;
  samples: {
    /** A batch published twice with identical bytes (contract 3.13): each id twice, same `d`. */
    retry: { shard: number; key: string; dedupIds: string[] };
    /** A restarted producer reusing ids (contract 3.10): each id twice, different `d`. */
    collision: { shard: number; key: string; dedupIds: string[] };
    /** A batch cut but never written (contract 3.7). */
    gap: { shard: number; key: string; nonce: string; from: number; to: number };
    misrouted: DemoSample & { payloadShard: number };
    corrupt: Array<DemoSample & { kind: DemoCorruptKind }>;
    /** Script and markup inside event text: must render as text, never as HTML. */
    html: DemoSample & { r: string };
    /** Integers past 2^53 and 2^64 in `r`: must be shown as written, not rounded. */
    bigIntegers: DemoSample & { r: string };
    /** `r: null` (accepted by net-mesh's reader, contract 3.26). */
    nullEvent: DemoSample;
    /** A payload of about 300 KB. */
    large: DemoSample & { bytes: number };
    /** An entry with t above 2^53 (the long-running producer's shard clock, contract 7.7). */
    hugeT: DemoSample & { t: string };
  };
}

export interface SeedOptions {
  /** Wall-clock "now" (ms) for the timestamps inside event bodies; default Date.now(). */
  now?: number;
  /** PRNG seed for event bodies; the same seed and `now` write the same bytes. */
  seed?: number;
}

/** The long-running producer: ingests `serde_json::Value`s, so its events have sorted keys (contract 1.4). */
const NONCE_CHECKOUT = 0x9f3a12c4d5e6f708n;
/** The raw-ingesting gateway; its nonce renders with 15 hex digits (no zero padding, contract 1.3). */
const NONCE_GATEWAY = 0x0c0ffee5ca1ab1e5n;
/** An operator's replay tool that wrote to the wrong key. */
const NONCE_REPLAY = 0x2b7e15n;
/** A hand-written bridge in another language that gets the payload format wrong. */
const NONCE_BRIDGE = 0xd15ea5en;

const NS_PER_DAY = 86_400_000_000_000n;
const NS_PER_HOUR = 3_600_000_000_000n;

/** A `d` value (text, or raw bytes when it must not be UTF-8) and the fields of its XADD. */
type Fields = Array<string | Buffer>;

interface Tally {
  entries: number;
  ok: number;
  corrupt: number;
  duplicateGroups: number;
  duplicateEntries: number;
  collisionGroups: number;
  gaps: GapRange[];
  misrouted: number;
}

/**
 * Writes the demo bus under `prefix` and returns what it wrote.
 *
 * The bus tells a story an operator would recognise. Shards 0, 1, 3, 7 and 12 survive a
 * scale-down (ids are sparse, contract 2 "Dynamic scaling"). Two producer processes share the
 * prefix (contract 1.1): a checkout service that has run for 120 days (so its `t` is past 2^53)
 * and a telemetry gateway that ingests raw bytes. On shard 3 the checkout service's batch was
 * retried after a timeout (retry duplicates, contract 3.13); on shard 7 one of its batches was
 * dropped after being cut (a gap, contract 3.7); the gateway restarted with a persisted nonce and
 * reused its ids on shard 1 (collisions, contract 3.10). The gateway forwarded a truncated event
 * and a Latin-1 one (corrupt, contract 1.4: raw ingestion does not validate); a hand-written
 * bridge wrote malformed payloads to shard 12; a replay tool wrote a shard-7 event into shard 12
 * (misrouted, contract 3.25); `{prefix}:shard:99` is a leftover string and `{prefix}:shard:007` a
 * zero-padded stream, both to be skipped by discovery.
 *
 * Guarantees:
 * - Every well-formed entry is written exactly as net-mesh's `on_batch` writes it: one
 *   MULTI/EXEC per batch, `XADD key * d <payload> dedup_id <id>` per event in batch order, `d`
 *   from `encodePayload`, the id from `formatDedupId` (contract 1.2-1.4).
 * - The manifest's per-shard figures are what cli.md's `scan` must report for the bus as written
 *   (they are counted from the plan, not by re-reading Redis).
 * - Refuses (`PREFIX_NOT_EMPTY`, nothing written) when any key it would write already exists,
 *   so it never mixes with a real bus and its figures stay exact.
 * - Event bodies are deterministic for a given `opts.seed` and `opts.now`.
 */
export async function seedDemoBus(client: Redis, prefix: string, opts: SeedOptions = {}): Promise<DemoManifest> {
  const now = opts.now ?? Date.now();
  const rng = new Rng(opts.seed ?? 0x5eed);
  const shards = [0, 1, 3, 7, 12];
  const key = (shard: number): string => streamKey(prefix, shard);
  const paddedKey = `${prefix}:shard:007`;
  const stringKey = `${prefix}:shard:99`;

  const taken = await client.exists(...shards.map(key), paddedKey, stringKey);
  if (taken > 0) {
    throw new DemoSandboxError(
      'PREFIX_NOT_EMPTY',
      `the demo bus needs an empty prefix, but ${taken} of its keys already exist under "${prefix}:shard:*"; nothing was written`,
    );
  }

  const tallies = new Map<number, Tally>(
    shards.map((s) => [s, { entries: 0, ok: 0, corrupt: 0, duplicateGroups: 0, duplicateEntries: 0, collisionGroups: 0, gaps: [], misrouted: 0 }]),
  );
  const tally = (shard: number): Tally => tallies.get(shard)!;
  // Event bodies carry wall-clock times spread over the last 30 minutes, in write order.
  const clock = { ms: now - 30 * 60_000 };
  const tick = (): string => {
    clock.ms += rng.int(50, 900);
    return new Date(Math.min(clock.ms, now)).toISOString();
  };

  const checkout = new Producer(NONCE_CHECKOUT, (shard) => 120n * NS_PER_DAY + BigInt(shard) * 7_919_000n, rng);
  const gateway = new Producer(NONCE_GATEWAY, () => 3n * NS_PER_HOUR + 2_718_000_000n, rng);

  /** Writes one producer batch of well-formed events; returns its dedup_ids. */
  const publish = async (p: Producer, shard: number, raws: string[], o: { replayTwice?: boolean } = {}): Promise<string[]> => {
    const batch = p.cut(shard, raws);
    await execBatch(client, key(shard), batch.entries);
    const t = tally(shard);
    t.entries += batch.entries.length;
    t.ok += batch.entries.length;
    if (o.replayTwice) {
      // The same bytes again (contract 3.13: EXEC ran, the reply timed out, the bus retried).
      // Contract 3.8: the retry lands right after the original in the producer's sequence.
      await execBatch(client, key(shard), batch.entries);
      t.entries += batch.entries.length;
      t.ok += batch.entries.length;
      t.duplicateGroups += batch.entries.length;
      t.duplicateEntries += batch.entries.length;
    }
    return batch.dedupIds;
  };

  const checkoutEvent = (): string => sortedJson(commerceEvent(rng, tick()));
  const gatewayEvent = (): string => gatewayRaw(rng, tick());
  const many = (n: number, make: () => string): string[] => Array.from({ length: n }, make);

  // ---- special events ----
  const htmlRaw =
    '{"type":"user.profile_updated","user_id":"u_31337","display_name":"<script>alert(\\"xss\\")</script>",' +
    '"bio":"<img src=x onerror=alert(1)></textarea><b>bold</b> & \\u003cdiv\\u003e","website":"javascript:alert(document.cookie)"}';
  const bigIntRaw =
    '{"type":"ledger.entry","entry_id":18446744073709551615,"amount_minor":123456789012345678901234567890,' +
    '"balance_minor":-9223372036854775808,"fx_rate":1.0000000000000002,"avogadro":6.02214076e23,"order_id":9007199254740993}';

  // ---- the timeline: rounds of batches, interleaved across producers and shards ----
  const checkoutPlan: Record<number, number[]> = { 0: [250, 180, 300, 220], 1: [200, 240, 160], 3: [180, 25, 240], 7: [300, 250, 50, 200, 150], 12: [140, 110] };
  const gatewayPlan: Record<number, number[]> = { 0: [120, 160, 140], 1: [150, 130, 120], 3: [110, 90] };
  const RETRY = { shard: 3, round: 1 };
  const LOST = { shard: 7, round: 2 };
  const LARGE = { shard: 7, round: 4, index: 10 };

  const samples: Partial<DemoManifest['samples']> = {};
  const corrupt: DemoManifest['samples']['corrupt'] = [];

  for (let round = 0; round < 5; round++) {
    for (const shard of shards) {
      const size = checkoutPlan[shard]?.[round];
      if (size === undefined) continue;
      if (shard === LOST.shard && round === LOST.round) {
        // Cut (ordinals consumed, contract 3.7) but dropped after a failed dispatch: never written.
        const seq = checkout.skip(shard, size);
        tally(shard).gaps.push({ nonce: formatNonce(NONCE_CHECKOUT), from: Number(seq), to: Number(seq) + size - 1 });
        samples.gap = { shard, key: key(shard), nonce: formatNonce(NONCE_CHECKOUT), from: Number(seq), to: Number(seq) + size - 1 };
        continue;
      }
      const raws = many(size, checkoutEvent);
      if (shard === LARGE.shard && round === LARGE.round) raws[LARGE.index] = sortedJson(waveformEvent(rng, tick()));
      const retry = shard === RETRY.shard && round === RETRY.round;
      const ids = await publish(checkout, shard, raws, { replayTwice: retry });
      if (retry) samples.retry = { shard, key: key(shard), dedupIds: ids };
      if (round === 0 && shard === 0) {
        const d = checkout.lastPayloads.get(ids[0]!)!;
        samples.hugeT = { key: key(shard), dedupId: ids[0]!, d: Buffer.from(d), t: tAt(d) };
      }
      if (shard === LARGE.shard && round === LARGE.round) {
        const id = ids[LARGE.index]!;
        const d = checkout.lastPayloads.get(id)!;
        samples.large = { key: key(shard), dedupId: id, d: Buffer.from(d), bytes: Buffer.byteLength(d) };
      }
    }
    for (const shard of [0, 1, 3]) {
      const size = gatewayPlan[shard]?.[round];
      if (size === undefined) continue;
      const raws = many(size, gatewayEvent);
      if (shard === 0 && round === 0) raws[7] = htmlRaw;
      if (shard === 0 && round === 1) raws[3] = bigIntRaw;
      // net-mesh accepts `null` as an event (contract 3.26): a heartbeat with no body.
      if (shard === 0 && round === 2) raws[0] = 'null';
      if (shard === 3 && round === 0) {
        await publishGatewayWithCorrupt(raws);
        continue;
      }
      const ids = await publish(gateway, shard, raws);
      const sampleOf = (index: number): DemoSample => {
        const d = gateway.lastPayloads.get(ids[index]!)!;
        return { key: key(shard), dedupId: ids[index]!, d: Buffer.from(d) };
      };
      if (shard === 0 && round === 0) samples.html = { ...sampleOf(7), r: htmlRaw };
      if (shard === 0 && round === 1) samples.bigIntegers = { ...sampleOf(3), r: bigIntRaw };
      if (shard === 0 && round === 2) samples.nullEvent = sampleOf(0);
    }
    if (round === 1) {
      await writeMisrouted();
      await writeBridge();
    }
  }

  // ---- leftovers that discovery must skip ----
  await client.set(stringKey, 'retired in the scale-down; events moved to shard 12');
  {
    const replay = new Producer(NONCE_REPLAY, () => BigInt(now) * 1_000_000n, rng);
    replay.sequences.set(7, 1n);
    const batch = replay.cut(7, many(3, checkoutEvent));
    await execBatch(client, paddedKey, batch.entries);
  }

  // ---- the gateway restarts with its persisted nonce (contract 1.6, 3.10) ----
  // Sequence back at 0 and a fresh shard clock (t near 0, contract 1.4): the first ids repeat
  // the previous incarnation's with different payloads. Only shard 1 has flushed a batch so far.
  {
    const restarted = new Producer(NONCE_GATEWAY, () => 1_500_000n, rng);
    const shard = 1;
    const previouslyWritten = gatewayPlan[shard]!.reduce((a, b) => a + b, 0);
    const raws = many(16, gatewayEvent);
    const ids = await publish(restarted, shard, raws);
    const overlapping = Math.min(raws.length, previouslyWritten);
    const t = tally(shard);
    t.duplicateGroups += overlapping;
    t.duplicateEntries += overlapping;
    // Different bodies and a restarted t: every reused id carries different bytes.
    t.collisionGroups += overlapping;
    samples.collision = { shard, key: key(shard), dedupIds: ids.slice(0, overlapping) };
  }

  const manifestShards: DemoShardManifest[] = shards.map((shard) => ({ shard, key: key(shard), ...tally(shard) }));
  return {
    prefix,
    shards: manifestShards,
    skipped: [
      { key: paddedKey, reason: 'shard id "007" is not canonical (leading zeros)' },
      { key: stringKey, reason: 'not a stream (string)' },
    ],
    producers: [
      { name: 'checkout service (ingests JSON values: sorted keys; up 120 days)', nonce: formatNonce(NONCE_CHECKOUT), shards: [0, 1, 3, 7, 12] },
      { name: 'telemetry gateway (raw ingestion; restarted with a persisted nonce)', nonce: formatNonce(NONCE_GATEWAY), shards: [0, 1, 3] },
      { name: 'replay tool (wrote to the wrong key)', nonce: formatNonce(NONCE_REPLAY), shards: [12] },
      { name: 'hand-written bridge (malformed payloads)', nonce: formatNonce(NONCE_BRIDGE), shards: [12] },
    ],
    totalEntries: manifestShards.reduce((n, s) => n + s.entries, 0),
    samples: { ...(samples as DemoManifest['samples']), corrupt },
  };

  /**
   * The gateway's first shard-3 batch, with two events that net-mesh's raw ingestion let through
   * unvalidated (contract 1.4): they keep their ids and ordinals, so they cause no gap.
   */
  async function publishGatewayWithCorrupt(raws: string[]): Promise<void> {
    const shard = 3;
    const TRUNCATED = 17;
    const LATIN1 = 41;
    raws[TRUNCATED] = '{"device": "vib-0003", "rms_mm_s": 0.';
    const MARK = '\u0000LATIN1\u0000';
    raws[LATIN1] = `{"device": "th-0012", "location": "Caf${MARK} Central", "temp_c": 22.1}`;
    const batch = gateway.cut(shard, raws);
    const latin = batch.entries[LATIN1]!;
    // `d` is fields[1]: replace the marker with the single Latin-1 byte 0xE9 ("é"), which is not
    // valid UTF-8 on its own.
    const [before, after] = (latin[1] as string).split(MARK) as [string, string];
    latin[1] = Buffer.concat([Buffer.from(before, 'utf8'), Buffer.from([0xe9]), Buffer.from(after, 'utf8')]);
    await execBatch(client, key(shard), batch.entries);
    const t = tally(shard);
    t.entries += raws.length;
    t.ok += raws.length - 2;
    t.corrupt += 2;
    const sampleAt = (i: number): DemoSample => {
      const d = batch.entries[i]![1]!;
      return { key: key(shard), dedupId: batch.dedupIds[i]!, d: Buffer.isBuffer(d) ? d : Buffer.from(d) };
    };
    corrupt.push({ ...sampleAt(TRUNCATED), kind: 'invalid-json' }, { ...sampleAt(LATIN1), kind: 'invalid-utf8' });
  }

  /** A replay tool copied a shard-7 event (s = 7) into shard 12 (contract 3.25). */
  async function writeMisrouted(): Promise<void> {
    const replay = new Producer(NONCE_REPLAY, () => BigInt(now) * 1_000_000n, rng);
    const batch = replay.cut(7, [checkoutEvent()]);
    await execBatch(client, key(12), batch.entries);
    const t = tally(12);
    t.entries += 1;
    t.ok += 1;
    // Both its `s` and its id's shard part say 7; cli.md counts the entry once. Its ordinal
    // belongs to the (nonce, 7) sequence, so it causes no gap on shard 12.
    t.misrouted += 1;
    const d = batch.entries[0]![1] as string;
    samples.misrouted = { key: key(12), dedupId: batch.dedupIds[0]!, d: Buffer.from(d), payloadShard: 7 };
  }

  /**
   * A bridge written against a misread spec: right command shape and ids, wrong payloads. None of
   * these can come out of net-mesh itself; they are what its reader skips (contract 3.22-3.23).
   */
  async function writeBridge(): Promise<void> {
    const shard = 12;
    const nonce = formatNonce(NONCE_BRIDGE);
    const body = (): string => sortedJson(commerceEvent(rng, tick()));
    const ds: Array<{ kind: DemoCorruptKind; d?: string }> = [
      { kind: 'missing-r', d: `{"event":${body()},"t":1717000000,"s":12}` },
      { kind: 'negative-t', d: `{"r":${body()},"t":-1,"s":12}` },
      { kind: 's-out-of-range', d: `{"r":${body()},"t":42,"s":70000}` },
      { kind: 'duplicate-key', d: `{"r":${body()},"r":${body()},"t":43,"s":12}` },
      { kind: 'no-d' },
    ];
    const entries: Fields[] = ds.map((x, i) => {
      const id = formatDedupId(NONCE_BRIDGE, shard, 0n, i);
      // The entry without `d` carries its event under a field name the reader ignores.
      return x.d === undefined ? ['data', body(), 'dedup_id', id] : ['d', x.d, 'dedup_id', id];
    });
    await execBatch(client, key(shard), entries);
    const t = tally(shard);
    t.entries += ds.length;
    t.corrupt += ds.length;
    ds.forEach((x, i) => {
      const sample: DemoSample & { kind: DemoCorruptKind } = { key: key(shard), dedupId: `${nonce}:${shard}:0:${i}`, kind: x.kind };
      if (x.d !== undefined) sample.d = Buffer.from(x.d);
      corrupt.push(sample);
    });
  }
}

/** Extracts the decimal `t` of a payload the producer wrote (`...,"t":<digits>,"s":<digits>}`). */
function tAt(d: string): string {
  return /,"t":(\d+),"s":\d+\}$/.exec(d)?.[1] ?? '';
}

/**
 * One producer process as the bus sees it: a nonce, a per-shard ordinal counter advanced by
 * every batch cut (contract 3.6-3.7) and a per-shard clock for `t` (nanoseconds since the shard's
 * generator started, strictly increasing; contract 1.4).
 */
class Producer {
  readonly sequences = new Map<number, bigint>();
  private readonly clocks = new Map<number, bigint>();
  /** `d` by dedup_id for the last batch cut, so samples can quote the exact bytes. */
  readonly lastPayloads = new Map<string, string>();

  constructor(
    readonly nonce: bigint,
    private readonly clockStart: (shard: number) => bigint,
    private readonly rng: Rng,
  ) {}

  /**
   * Cuts a batch: assigns ids and `t`s and advances the ordinal counter by its length. `clock`
   * replaces the simulated shard clock (live traffic uses real elapsed time).
   */
  cut(shard: number, raws: string[], clock?: () => bigint): { entries: Fields[]; dedupIds: string[] } {
    const seq = this.sequences.get(shard) ?? 0n;
    this.sequences.set(shard, seq + BigInt(raws.length));
    this.lastPayloads.clear();
    const entries: Fields[] = [];
    const dedupIds: string[] = [];
    raws.forEach((raw, i) => {
      const d = encodePayload(raw, clock ? clock() : this.nextT(shard), shard);
      const id = formatDedupId(this.nonce, shard, seq, i);
      entries.push(['d', d, 'dedup_id', id]);
      dedupIds.push(id);
      this.lastPayloads.set(id, d);
    });
    return { entries, dedupIds };
  }

  /** Consumes `n` ordinals without writing (a batch dropped after it was cut); returns its sequence_start. */
  skip(shard: number, n: number): bigint {
    const seq = this.sequences.get(shard) ?? 0n;
    this.sequences.set(shard, seq + BigInt(n));
    for (let k = 0; k < n; k++) this.nextT(shard);
    return seq;
  }

  private nextT(shard: number): bigint {
    const prev = this.clocks.get(shard) ?? this.clockStart(shard);
    const t = prev + BigInt(this.rng.int(20_000, 2_000_000));
    this.clocks.set(shard, t);
    return t;
  }
}

/**
 * One MULTI/EXEC with one XADD per entry, in order (contract 1.2). ioredis sends MULTI, the
 * queued commands and EXEC in one pipeline. Throws on the first failed command.
 */
async function execBatch(client: Redis, key: string, entries: Fields[]): Promise<string[]> {
  const tx = client.multi();
  for (const fields of entries) tx.xadd(key, '*', ...fields);
  const replies = await tx.exec();
  if (replies === null) throw new Error(`MULTI/EXEC on ${key} was aborted`);
  return replies.map(([err, id]) => {
    if (err) throw err;
    return id as string;
  });
}

// =============================================================================================
// Live traffic
// =============================================================================================

export const DEFAULT_TRICKLE_RATE = 6;
export const DEFAULT_TRICKLE_INTERVAL_MS = 500;
/** Shards that receive live traffic by default: two of the seeded ones. */
export const DEFAULT_TRICKLE_SHARDS: readonly number[] = [0, 3];

export interface TrickleOptions {
  /** Shards to write to; default {@link DEFAULT_TRICKLE_SHARDS}. */
  shards?: readonly number[];
  /** Events per second over all shards; default {@link DEFAULT_TRICKLE_RATE}. */
  ratePerSec?: number;
  /** Milliseconds between batches; default {@link DEFAULT_TRICKLE_INTERVAL_MS}. */
  intervalMs?: number;
  /** The producer nonce; default a fresh random non-zero u64 (a new producer process). */
  nonce?: bigint;
  /**
   * Timer used between batches; returns a cancel function. Default `setTimeout` (unref'd, so the
   * trickle never keeps a process alive). Tests inject a manual one.
   */
  schedule?: (run: () => void, ms: number) => () => void;
}

export interface TrickleBatch {
  shard: number;
  key: string;
  sequenceStart: bigint;
  ids: string[];
  dedupIds: string[];
}

export interface TrickleStats {
  batches: number;
  entries: number;
  perShard: Record<number, number>;
  errors: number;
  lastError: string | null;
}

export interface TrickleHandle {
  /** The trickle's producer nonce, as in its dedup_ids. */
  readonly nonce: string;
  stats(): TrickleStats;
  /** Called after each batch is written; returns an unsubscribe function. */
  onBatch(listener: (batch: TrickleBatch) => void): () => void;
  /**
   * Stops the traffic. Guarantee: when it resolves, the batch in flight (if any) has finished and
   * nothing more will be written. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * Live traffic onto the bus: every `intervalMs`, `ratePerSec × intervalMs / 1000` events (the
 * fraction carried over), spread round-robin over `shards`, each shard's share written as one
 * producer batch (one MULTI/EXEC, contract 1.2) with this trickle's own nonce and a per-shard
 * sequence that starts at 0 and advances by each batch's length (contract 3.6). Its entries are
 * therefore well-formed and never duplicate, collide or leave gaps: the seeded figures of the
 * shards it writes change only by the entries it adds (`stats().perShard`).
 *
 * A failed write (the server gone) is counted in `stats()` and the trickle carries on at the
 * next tick; it never throws and never rejects. Batches never overlap: the next one is scheduled
 * only after the previous finished.
 */
export function startTrickle(client: Redis, prefix: string, opts: TrickleOptions = {}): TrickleHandle {
  const shards = opts.shards ?? DEFAULT_TRICKLE_SHARDS;
  const rate = opts.ratePerSec ?? DEFAULT_TRICKLE_RATE;
  const intervalMs = opts.intervalMs ?? DEFAULT_TRICKLE_INTERVAL_MS;
  if (shards.length === 0) throw new RangeError('the trickle needs at least one shard');
  if (!(rate > 0) || !(intervalMs > 0)) throw new RangeError('the trickle rate and interval must be positive');
  for (const s of shards) streamKey(prefix, s);

  const nonce = opts.nonce ?? randomNonce();
  const nonceText = formatNonce(nonce);
  const schedule = opts.schedule ?? defaultSchedule;
  const rng = new Rng(Number(nonce & 0xffffffffn));
  // A new producer process: its shard clocks start now (contract 1.4).
  const producer = new Producer(nonce, () => 0n, rng);
  const started = process.hrtime.bigint();
  const lastT = new Map<number, bigint>();
  const listeners = new Set<(b: TrickleBatch) => void>();
  const stats: TrickleStats = { batches: 0, entries: 0, perShard: {}, errors: 0, lastError: null };

  let carry = 0;
  let next = 0;
  let stopped = false;
  let cancel: (() => void) | null = null;
  let inFlight: Promise<void> | null = null;

  const runOnce = async (): Promise<void> => {
    carry += (rate * intervalMs) / 1000;
    const whole = Math.floor(carry);
    carry -= whole;
    const counts = new Map<number, number>();
    for (let k = 0; k < whole; k++) {
      const shard = shards[next % shards.length]!;
      next++;
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    for (const [shard, n] of counts) {
      if (stopped) return;
      const raws = Array.from({ length: n }, () => liveEvent(rng, new Date().toISOString()));
      const seq = producer.sequences.get(shard) ?? 0n;
      // `t`: nanoseconds since this producer started, strictly increasing per shard (contract 1.4).
      const batch = producer.cut(shard, raws, () => {
        const elapsed = process.hrtime.bigint() - started;
        const prev = lastT.get(shard) ?? -1n;
        const t = elapsed > prev ? elapsed : prev + 1n;
        lastT.set(shard, t);
        return t;
      });
      const key = streamKey(prefix, shard);
      try {
        const ids = await execBatch(client, key, batch.entries);
        stats.batches++;
        stats.entries += ids.length;
        stats.perShard[shard] = (stats.perShard[shard] ?? 0) + ids.length;
        const info: TrickleBatch = { shard, key, sequenceStart: seq, ids, dedupIds: batch.dedupIds };
        for (const l of listeners) l(info);
      } catch (e) {
        // The ordinals stay consumed, as net-mesh's do when a batch is dropped (contract 3.7).
        stats.errors++;
        stats.lastError = e instanceof Error ? e.message : String(e);
      }
    }
  };

  const arm = (): void => {
    if (stopped) return;
    cancel = schedule(() => {
      cancel = null;
      if (stopped) return;
      inFlight = runOnce().finally(() => {
        inFlight = null;
        arm();
      });
    }, intervalMs);
  };
  arm();

  let stopping: Promise<void> | null = null;
  return {
    nonce: nonceText,
    stats: () => ({ ...stats, perShard: { ...stats.perShard } }),
    onBatch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        cancel?.();
        cancel = null;
        if (inFlight) await inFlight;
        listeners.clear();
      })();
      return stopping;
    },
  };
}

function defaultSchedule(run: () => void, ms: number): () => void {
  const timer = setTimeout(run, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

function randomNonce(): bigint {
  const bytes = new BigUint64Array(1);
  crypto.getRandomValues(bytes);
  // Never 0: net-mesh maps a zero nonce to 1 (contract 1.3).
  return bytes[0] === 0n ? 1n : bytes[0]!;
}

// =============================================================================================
// Event bodies
// =============================================================================================

/** Small deterministic PRNG (mulberry32). */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let x = this.state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in lo..hi inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  id(length: number): string {
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    let out = '';
    for (let k = 0; k < length; k++) out += alphabet[this.int(0, 31)];
    return out;
  }
  fixed(lo: number, hi: number, digits: number): number {
    // `+ 0` turns -0 into 0, which both JS and serde_json print as "0".
    return Number((lo + this.next() * (hi - lo)).toFixed(digits)) + 0;
  }
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/**
 * Compact JSON with object keys sorted, as serde_json serializes a `Value` without
 * `preserve_order` (contract 1.4: the producer's `bus.ingest(Event)` path). Only for the values
 * built below: ASCII keys (so UTF-16 order is byte order), and numbers rendered as serde_json
 * renders a `Value` parsed from this same text (integers stay integers).
 */
function sortedJson(v: Json): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(sortedJson).join(',') + ']';
  const keys = Object.keys(v).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + sortedJson(v[k]!)).join(',') + '}';
}

const SKUS = ['SKU-1042', 'SKU-2210', 'SKU-3307', 'SKU-4121', 'SKU-5099', 'SKU-6630', 'SKU-7781'];
const CURRENCIES = ['EUR', 'EUR', 'EUR', 'USD', 'GBP'];
const FAIL_REASONS = ['card_declined', 'insufficient_funds', 'expired_card', '3ds_failed'];
const CARRIERS = ['DHL', 'UPS', 'PostNL', 'DPD'];

function userId(rng: Rng): string {
  return `u_${rng.int(1000, 99999)}`;
}

function commerceEvent(rng: Rng, at: string): Json {
  const roll = rng.next();
  const orderId = `ord_${rng.id(10)}`;
  if (roll < 0.28) {
    const items: Json[] = Array.from({ length: rng.int(1, 4) }, () => ({
      sku: rng.pick(SKUS),
      qty: rng.int(1, 3),
      unit_price_minor: rng.int(199, 19999),
    }));
    const total = items.reduce<number>((n, it) => {
      const o = it as { qty: number; unit_price_minor: number };
      return n + o.qty * o.unit_price_minor;
    }, 0);
    return { type: 'order.created', order_id: orderId, customer_id: userId(rng), items, total_minor: total, currency: rng.pick(CURRENCIES), occurred_at: at };
  }
  if (roll < 0.42) return { type: 'order.paid', order_id: orderId, payment_id: `pay_${rng.id(12)}`, occurred_at: at };
  if (roll < 0.52) {
    return { type: 'order.shipped', order_id: orderId, carrier: rng.pick(CARRIERS), tracking: rng.id(14), occurred_at: at };
  }
  if (roll < 0.67) {
    return { type: 'payment.authorized', payment_id: `pay_${rng.id(12)}`, order_id: orderId, amount_minor: rng.int(500, 250000), currency: rng.pick(CURRENCIES), occurred_at: at };
  }
  if (roll < 0.78) return { type: 'payment.captured', payment_id: `pay_${rng.id(12)}`, amount_minor: rng.int(500, 250000), occurred_at: at };
  if (roll < 0.81) return { type: 'payment.failed', payment_id: `pay_${rng.id(12)}`, reason: rng.pick(FAIL_REASONS), occurred_at: at };
  if (roll < 0.92) {
    return { type: 'sensor.reading', device_id: `th-${String(rng.int(1, 64)).padStart(4, '0')}`, temperature_c: rng.fixed(17, 27, 2), humidity_pct: rng.fixed(30, 65, 1), measured_at: at };
  }
  if (roll < 0.96) return { type: 'user.login', user_id: userId(rng), ip: `203.0.113.${rng.int(1, 254)}`, mfa: rng.next() < 0.7, occurred_at: at };
  return { type: 'user.signed_up', user_id: userId(rng), plan: rng.pick(['free', 'pro', 'team']), referrer: rng.pick(['ads', 'organic', 'partner', null]), occurred_at: at };
}

/** A vibration-sensor waveform whose event text is about 300 KB. */
function waveformEvent(rng: Rng, at: string): Json {
  const samples: number[] = [];
  let size = 0;
  while (size < 300 * 1024) {
    const v = rng.fixed(-2, 2, 4);
    samples.push(v);
    size += String(v).length + 1;
  }
  return { type: 'sensor.waveform', device_id: 'vib-0017', sample_rate_hz: 25600, unit: 'mm/s', samples, captured_at: at };
}

/**
 * What the raw-ingesting gateway forwards: bytes as its sources produced them, so key order is
 * the source's and Python-style sources put spaces after `:` and `,` (contract 1.4: raw bytes are
 * kept verbatim, never re-serialized).
 */
function gatewayRaw(rng: Rng, at: string): string {
  const roll = rng.next();
  const epoch = (Date.parse(at) / 1000).toFixed(3);
  if (roll < 0.55) {
    const device = `th-${String(rng.int(1, 64)).padStart(4, '0')}`;
    return `{"device": "${device}", "temp_c": ${rng.fixed(17, 27, 1)}, "humidity": ${rng.fixed(30, 65, 1)}, "battery_v": ${rng.fixed(2.9, 3.3, 2)}, "ts": ${epoch}}`;
  }
  if (roll < 0.8) {
    return JSON.stringify({
      type: 'payment.webhook',
      provider: rng.pick(['stripe', 'adyen']),
      payment_id: `pay_${rng.id(12)}`,
      status: rng.pick(['succeeded', 'succeeded', 'succeeded', 'requires_action', 'failed']),
      amount: { minor: rng.int(500, 90000), currency: rng.pick(CURRENCIES) },
      received_at: at,
    });
  }
  return JSON.stringify({ type: 'user.activity', user_id: userId(rng), action: rng.pick(['view_product', 'add_to_cart', 'search', 'checkout_started']), path: `/p/${rng.pick(SKUS).toLowerCase()}`, at });
}

/** Live events: orders and sensor readings stamped with the real time. */
function liveEvent(rng: Rng, at: string): string {
  return rng.next() < 0.5 ? sortedJson(commerceEvent(rng, at)) : gatewayRaw(rng, at);
}

// =============================================================================================
// The `demo` command
// =============================================================================================

/** Runs the `serve` command's logic (electron/serve/command.ts `runServe`) with a context. */
export type ServeRunner = (ctx: CommandContext) => Promise<CommandResult>;

/**
 * The `demo` entry of the command table: `mesh-inspector demo [--port <n>]`. Register it with
 * `registerCommand(demoCommand())`. The serve logic and the core service are imported when the
 * command runs (as `defaultServeCommand` does), so other commands do not load them, and this
 * module does not depend on electron/serve at load time.
 */
export function demoCommand(): CliCommand {
  return {
    name: 'demo',
    summary: 'start a throwaway redis-server with a seeded demo bus and serve the UI connected to it',
    usage: '[--port <n>]',
    options: [{ name: 'port', kind: 'port', value: '<n>', description: 'TCP port of the UI (default 0: a free one)' }],
    run: async (ctx) => {
      const [{ runServe }, { createService }] = await Promise.all([import('../serve/command'), import('./service')]);
      return runDemoCommand(ctx, (c) => runServe(c, { createService }));
    },
  };
}

/**
 * `mesh-inspector demo`: starts the sandbox (seeded, with live traffic), then runs the `serve`
 * command's own logic with the context's URL and prefix replaced by the sandbox's, so it serves
 * exactly what `serve --url <sandbox> --prefix <prefix>` would and prints the same first stdout
 * line (`Mesh Inspector UI: http://...`). `--port` (and any other option) passes through to serve.
 *
 * Guarantees: progress goes to stderr, never before serve's first stdout line on stdout; when
 * `ctx.signal` aborts (the CLI aborts it on SIGINT/SIGTERM), serve closes and then the sandbox
 * is stopped (server killed, directory removed) before this resolves; the same happens when serve
 * fails, whose error is rethrown. A sandbox that cannot start rejects with a
 * {@link DemoSandboxError} (kind `fatal`) whose message says what to install or fix.
 */
export async function runDemoCommand(
  ctx: CommandContext,
  serve: ServeRunner,
  sandboxOptions: Omit<DemoSandboxOptions, 'seed' | 'trickle'> = {},
): Promise<CommandResult> {
  const sandbox = await startDemoSandbox({ prefix: ctx.global.prefix, ...sandboxOptions, seed: true, trickle: true });
  try {
    if (ctx.signal.aborted) return { done: true, exitCode: 0 };
    const m = sandbox.manifest!;
    ctx.stderr.write(
      `demo: redis-server at ${sandbox.url} (pid ${sandbox.pid}; removed on exit) holds ${m.totalEntries} events ` +
        `on shards ${m.shards.map((s) => s.shard).join(', ')} under prefix "${sandbox.prefix}", ` +
        `with live traffic on shards ${DEFAULT_TRICKLE_SHARDS.join(', ')}\n`,
    );
    return await serve({
      ...ctx,
      global: { ...ctx.global, url: sandbox.url, prefix: sandbox.prefix },
      // serve connects only to a URL the user "gave"; the environment variable makes that
      // unconditional even if the sandbox's URL happened to equal the default one.
      env: { ...ctx.env, MESH_REDIS_URL: sandbox.url },
    });
  } finally {
    await sandbox.stop();
  }
}

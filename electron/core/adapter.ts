/**
 * The net-mesh Redis Streams adapter, re-implemented on ioredis byte for byte (contract sections
 * 1-4): atomic MULTI/EXEC publish, exclusive-cursor XRANGE polling with net-mesh's page semantics,
 * a PING health probe, and error classification. Plain Node: never imports Electron.
 */
import { isUtf8 } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import { clusterKeySlot } from '../../shared/cluster-slot';
import { formatDedupId } from '../../shared/dedup-id';
import { MeshError, toErrorInfo, usageError } from '../../shared/errors';
import {
  exclusiveStart,
  parseStreamId,
  streamIdPredecessor,
  versionSupportsExclusiveRange,
} from '../../shared/stream-id';
import { streamKey } from '../../shared/stream-key';
import type { MeshEntry, MeshErrorInfo, ShardPage } from '../../shared/types';
import { U64_MAX, isU16 } from '../../shared/u64';
import { corruptText, decodePayload, decodePayloadBytes, encodePayload, type DecodeResult } from '../../shared/wire';
import { classifyError, isCommandTimeout } from './classify';
import {
  CONNECT_TIMEOUT_MS,
  createRedisClient,
  detectTopology,
  isClusterClient,
  lastClientError,
  secretsOf,
  topologyModeOf,
  watchClientErrors,
  type ConnectionProfile,
  type RedisLike,
  type ResolvedTopology,
  type TopologyMode,
} from './connection';
import { parseRedisUrl } from './redis-url';

// In a module of its own so the command line can show it in `--help` without loading the client.
import { MAX_POLL_LIMIT } from './poll-limit';

export { MAX_POLL_LIMIT };

/** How many streams may have a read-ahead page or a scan cursor remembered at once. */
const READ_AHEAD_KEYS = 8;
/** A read-ahead page older than this is re-read instead of used. */
const READ_AHEAD_MAX_AGE_MS = 1000;

/** One test batch for one shard (contract 1.2). */
export interface PublishBatch {
  /** 0..65535; the stream key is `{prefix}:shard:{shard}` and `s` in every payload. */
  shard: number;
  /** Raw JSON texts, embedded verbatim as `r` (not validated here: net-mesh's raw ingestion does not either). */
  events: string[];
  /** The producer nonce (1..2^64-1), rendered as lowercase hex in `dedup_id`. */
  nonce: bigint;
  /** The batch's first ordinal in the (nonce, shard) sequence (contract 3.6). */
  sequenceStart: bigint;
  /** `MAXLEN ~ maxLen` on every XADD when set (contract 3.4). */
  maxLen?: number;
  /** `t` for event `i` (a u64). Default: nanoseconds since the Unix epoch, strictly increasing. */
  t?: (i: number) => bigint;
  /** Instead of `t`: event `i` has `tStart + i` (checked once to stay a u64; no BigInt per event). */
  tStart?: bigint;
}

/** What a successful publish returns: the Redis ids and dedup ids in batch order. */
export interface PublishOutcome {
  ids: string[];
  dedupIds: string[];
  /** Time from sending MULTI to EXEC's reply, in milliseconds. */
  latencyMs: number;
}

/** What a sent batch leaves behind for resolving its outcome (test-publisher.ts). */
export interface SentBatch {
  key: string;
  /** In batch order. */
  dedupIds: string[];
  /** The exact `d` texts sent, in batch order. */
  payloads: string[];
  /**
   * The stream's last id just before MULTI; null when the stream was empty or missing; undefined
   * when this user may not read it (then a lost reply cannot be read back).
   */
  anchorId: string | null | undefined;
}

/**
 * How an EXEC ended:
 * - `replied`: every XADD returned its id;
 * - `refused`: Redis applied none of the batch (EXECABORT, a refused EXEC, every XADD failing at run
 *   time) or, with `notSent`, none of it was even written;
 * - `partial`: EXEC ran and some XADDs failed at run time (their ids are ''); the others are written;
 * - `unknown`: written, and no usable reply (the connection dropped, or MULTI itself was refused
 *   so the XADDs ran one by one): only reading the stream tells.
 */
export type ExecFinal =
  | { kind: 'replied'; ids: string[]; latencyMs: number }
  | { kind: 'refused'; error: MeshError; notSent?: boolean }
  | { kind: 'partial'; ids: string[]; error: MeshError }
  | { kind: 'unknown'; error: MeshError };

/** What {@link MeshAdapter.send} saw (see there). */
export type SendResult =
  | { kind: 'not-sent'; error: MeshError }
  | { kind: 'done'; sent: SentBatch; final: ExecFinal }
  | { kind: 'late'; sent: SentBatch; error: MeshError; late: Promise<ExecFinal> };

/**
 * Time EXEC may take per event and per MB of payload on top of the command timeout, so that the
 * largest batch (100,000 events, up to 64 MB) succeeds with the default 1000 ms timeout. Measured
 * with `node dist/bench/run.js publish-10k` (the "EXEC cost" metrics) on a shared 2-core machine:
 * 7-10 µs per small event and 8-15 ms per MB at a load average of ~5, 20-50 µs per event at ~10.
 * The allowance is 40 µs and 40 ms. It decides when the reply counts as late, not when the
 * publish gives up: the test publisher keeps waiting for a late reply through its verification
 * window (test-publisher.ts).
 */
export const EXEC_ALLOWANCE_US_PER_EVENT = 40;
export const EXEC_ALLOWANCE_MS_PER_MB = 40;

/** The EXEC allowance for `events` events of `bytes` bytes in total, in ms. */
export function execAllowanceMs(events: number, bytes: number): number {
  return Math.ceil((events * EXEC_ALLOWANCE_US_PER_EVENT) / 1000 + (bytes / (1024 * 1024)) * EXEC_ALLOWANCE_MS_PER_MB);
}

/** Checks and encodes a batch (MeshError `usage` on any problem); nothing is sent. */
function encodeBatch(prefix: string, batch: PublishBatch): { key: string; dedupIds: string[]; payloads: string[]; trim: string[]; bytes: number } {
  const n = batch.events.length;
  const { shard, nonce, sequenceStart, maxLen } = batch;
  if (!isU16(shard)) throw usageError(`shard must be an integer in 0..65535 (got ${String(shard)})`);
  if (typeof nonce !== 'bigint' || nonce <= 0n || nonce > U64_MAX) {
    throw usageError('the producer nonce must be an integer in 1..2^64-1 (net-mesh never uses 0)');
  }
  if (typeof sequenceStart !== 'bigint' || sequenceStart < 0n || sequenceStart > U64_MAX) {
    throw usageError('the sequence start must be an integer in 0..2^64-1');
  }
  if (maxLen !== undefined && (!Number.isSafeInteger(maxLen) || maxLen < 0)) {
    throw usageError(`MAXLEN must be a non-negative integer (got ${String(maxLen)})`);
  }
  const key = streamKey(prefix, shard);
  // formatDedupId validates every part; the per-event ids differ only in the final `:{i}`.
  const dedupPrefix = formatDedupId(nonce, shard, sequenceStart, 0).slice(0, -1);
  if (batch.tStart !== undefined && (typeof batch.tStart !== 'bigint' || batch.tStart < 0n || batch.tStart + BigInt(Math.max(n - 1, 0)) > U64_MAX)) {
    throw usageError(`tStart + the batch length must stay a u64 (got ${String(batch.tStart)})`);
  }
  const tBase = batch.t || n === 0 ? 0n : (batch.tStart ?? nextDefaultT(n));
  const tText = batch.t ? undefined : consecutiveDecimals(tBase);
  const trim = maxLen === undefined ? [] : ['MAXLEN', '~', String(maxLen)];
  const dedupIds = new Array<string>(n);
  const payloads = new Array<string>(n);
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const raw = batch.events[i];
    if (typeof raw !== 'string') throw usageError(`event ${i} is not a string of JSON text`);
    // A lone UTF-16 surrogate cannot be written as UTF-8; it would silently become U+FFFD and
    // the stored bytes would differ from the event.
    if (!isWellFormed(raw)) throw usageError(`event ${i} has an unpaired UTF-16 surrogate; it cannot be stored as UTF-8`);
    let payload: string;
    if (batch.t) {
      let t: bigint;
      try {
        t = batch.t(i);
      } catch (e) {
        throw usageError(`t of event ${i}: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (typeof t !== 'bigint' || t < 0n || t > U64_MAX) throw usageError(`t of event ${i} must be a u64 (got ${String(t)})`);
      payload = encodeOrUsage(raw, t, shard, i);
    } else {
      // encodePayload's layout, with `t` from the precomputed decimals (checked u64 above).
      payload = `{"r":${raw},"t":${(tText as (i: number) => string)(i)},"s":${shard}}`;
    }
    payloads[i] = payload;
    bytes += payload.length;
    dedupIds[i] = dedupPrefix + i;
  }
  return { key, dedupIds, payloads, trim, bytes };
}

/**
 * `i => String(base + i)` without a BigInt per call: the last 6 digits count up as a number and
 * only a carry past them goes through BigInt. `base + i` must stay a u64 (checked by the caller).
 */
function consecutiveDecimals(base: bigint): (i: number) => string {
  const high = base / 1_000_000n;
  const low = Number(base % 1_000_000n);
  const highText = high === 0n ? '' : high.toString();
  return (i) => {
    const l = low + i;
    if (l >= 1_000_000) return (base + BigInt(i)).toString();
    return highText === '' ? String(l) : highText + String(l).padStart(6, '0');
  };
}

function withSuffix(m: MeshError, suffix: string): MeshError {
  return new MeshError(m.kind, `${m.message}${suffix}`, withCode(m.code, 'MULTI/EXEC'));
}

type Writable = { bytesWritten?: number } | undefined;

/**
 * Tells whether a client wrote anything to any of its sockets since it was made, from the
 * sockets' own byte counts (Node counts bytes handed to `write`, buffered ones included). The
 * synchronous check brackets exec(), inside which nothing else can write; the later check also
 * counts sockets created since (a Cluster node connected meanwhile) and a socket whose count can
 * no longer be read, so it can only err towards "written".
 */
class WriteWitness {
  private readonly before = new Map<Writable, number | undefined>();

  constructor(private readonly client: RedisLike) {
    for (const s of socketsOf(client)) this.before.set(s, s?.bytesWritten);
  }

  wroteSync(): boolean {
    for (const [s, b] of this.before) if ((s?.bytesWritten ?? 0) > (b ?? 0)) return true;
    return false;
  }

  wroteLater(): boolean {
    for (const [s, b] of this.before) {
      const now = s?.bytesWritten;
      if ((now === undefined && b !== undefined) || (now ?? 0) > (b ?? 0)) return true;
    }
    for (const s of socketsOf(this.client)) if (!this.before.has(s) && (s?.bytesWritten ?? 0) > 0) return true;
    return false;
  }
}

function socketsOf(client: RedisLike): Writable[] {
  const conns = isClusterClient(client) ? client.nodes('all') : [client];
  return conns.map((c) => (c as unknown as { stream?: Writable }).stream).filter((s) => s !== undefined);
}

/**
 * A Cluster publish client asks for the slot map again as soon as it loses a node or a node
 * errors, instead of on its 5 s timer: the publish connection never retries a command on a closed
 * connection (that could resend an applied MULTI/EXEC), so without this a master's failover went
 * unnoticed until the timer fired and every publish to its slots failed meanwhile (issue 11).
 */
function followSlotMoves(client: RedisLike): RedisLike {
  if (isClusterClient(client)) {
    const refresh = () => {
      if (client.status === 'ready') client.refreshSlotsCache();
    };
    client.on('-node', refresh);
    client.on('node error', refresh);
  }
  return client;
}

/** Asks a Cluster for its slot map again; resolves when that round ends or after `ms`. */
function refreshSlots(cluster: Cluster, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    cluster.refreshSlotsCache(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Result of one health probe; never an exception. */
export interface HealthResult {
  healthy: boolean;
  latencyMs: number | null;
  error: MeshErrorInfo | null;
}

/** Options for {@link MeshAdapter}. */
export interface MeshAdapterOptions {
  /**
   * A client to use for reads instead of one built from the profile (e.g. a cluster or sentinel
   * client built elsewhere). The adapter connects it if needed but does not close it on
   * shutdown: its creator owns it.
   */
  client?: RedisLike;
  /**
   * Treat the server as this Redis version instead of asking INFO (tests of the pre-6.2 path;
   * servers whose ACL hides INFO). Only the `(` exclusive-range decision depends on it.
   */
  serverVersionOverride?: string;
}

/** Anchor so that `t` is epoch-based and still monotonic: hrtime never goes backwards. */
const EPOCH_ANCHOR_NS = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
let lastDefaultT = 0n;

/**
 * The default `t` of a batch's first event: nanoseconds since the Unix epoch (cli.md `publish`),
 * and strictly greater than any default `t` this process handed out before, so that test events
 * stay ordered even within one millisecond. The batch uses `base + i`.
 */
export function nextDefaultT(count: number): bigint {
  let base = EPOCH_ANCHOR_NS + process.hrtime.bigint();
  if (base <= lastDefaultT) base = lastDefaultT + 1n;
  lastDefaultT = base + BigInt(count - 1);
  return base;
}

/**
 * The net-mesh Redis adapter for the inspector.
 *
 * Guarantees:
 * - `publish` writes exactly what net-mesh's `on_batch` writes for the same nonce, shard,
 *   sequence, events and `t`: one MULTI, one `XADD key [MAXLEN ~ n] * d <payload> dedup_id <id>`
 *   per event in order, EXEC; every EXEC reply is checked; it never resends a batch by itself;
 * - `poll` has `poll_shard`'s semantics exactly (contract 1.5, 3.16-3.29), except that corrupt
 *   entries are returned marked instead of skipped;
 * - every Redis failure surfaces as a MeshError with net-mesh's class and the Redis reason, and no
 *   message contains the password;
 * - after `shutdown()`, publish and poll refuse (an empty publish still succeeds, contract 3.2).
 */
export class MeshAdapter {
  /** The URL as net-mesh's `redact_url` shows it (contract 3.38). */
  readonly redactedUrl: string;
  readonly prefix: string;

  private readonly profile: ConnectionProfile;
  private readClient: RedisLike;
  private readonly ownsReadClient: boolean;
  private writeClient: RedisLike | undefined;
  /** The profile's topology until init decides `auto`; then what the connection is. */
  private mode: TopologyMode;
  private readonly secrets: string[];
  private readonly versionOverride: string | undefined;
  private version: string | undefined;
  private initInfo: Record<string, string> | undefined;
  private exclusive = false;
  private initPromise: Promise<void> | undefined;
  private initialized = false;
  private closed = false;
  /** Per stream key: the nextId of the last poll page that had more (see startReadAhead). */
  private readonly scanCursors = new Map<string, string>();
  private readonly readAhead = new Map<string, { issuedAt: number; request: Promise<unknown> }>();

  /** Throws MeshError `usage` for a bad URL, timeout or TLS file; nothing is sent until `init()`. */
  constructor(profile: ConnectionProfile, opts: MeshAdapterOptions = {}) {
    const url = parseRedisUrl(profile.url);
    this.profile = profile;
    this.prefix = profile.prefix;
    this.redactedUrl = url.redacted;
    this.secrets = secretsOf(profile);
    this.versionOverride = opts.serverVersionOverride;
    this.mode = topologyModeOf(profile);
    if (opts.client) {
      this.readClient = opts.client;
      this.ownsReadClient = false;
      if (this.mode === 'auto') this.mode = isClusterClient(opts.client) ? 'cluster' : 'standalone';
      watchClientErrors(opts.client);
    } else {
      // `auto` starts standalone; init() switches to a Cluster when the server says it is one.
      this.readClient = createRedisClient(profile, 'read', this.mode === 'auto' ? 'standalone' : this.mode);
      this.ownsReadClient = true;
    }
    if (!profile.readOnly) this.writeClient = followSlotMoves(createRedisClient(profile, 'publish', this.mode === 'auto' ? 'standalone' : this.mode));
  }

  /**
   * The read connection, for discovery and scans by other core modules. Do not close it. A Cluster
   * client once the topology is (or was detected as) a Redis Cluster: it routes each key's command
   * to the key's node. Read it after `init()`: detection may replace it.
   */
  get client(): RedisLike {
    return this.readClient;
  }

  /** Whether init() succeeded (and shutdown() has not run since). */
  get isInitialized(): boolean {
    return this.initialized;
  }

  /**
   * What a caller hears when it asks before the first connection succeeded (or while it is still
   * being retried): a state to wait out, said with the server's redacted address.
   */
  notConnectedYet(): MeshError {
    return new MeshError('transient', `not connected yet: the first connection to ${this.redactedUrl} has not succeeded`, { code: 'NOT_CONNECTED' });
  }

  /** `standalone`, `cluster` or `sentinel`; before `init()` an `auto` profile reads `standalone`. */
  get topology(): ResolvedTopology {
    return this.mode === 'auto' ? 'standalone' : this.mode;
  }

  /**
   * The publish connection (absent for read-only profiles), for observing its state events only:
   * sending commands on it would bypass publish's guarantees.
   */
  get publishClient(): RedisLike | undefined {
    return this.writeClient;
  }

  /**
   * INFO (all sections) as the server answered it during `init()`, for callers that want a
   * snapshot without another round trip (the command line's `health`); undefined before init or
   * when an ACL refuses INFO.
   */
  get serverInfo(): Readonly<Record<string, string>> | undefined {
    return this.initInfo;
  }

  /** `redis_version` from INFO at init, or the override; undefined before init or when INFO is refused. */
  get serverVersion(): string | undefined {
    return this.version;
  }

  /** Whether XRANGE `(id` is used (Redis >= 6.2); otherwise successor ids are (contract 7.10). */
  get exclusiveRanges(): boolean {
    return this.exclusive;
  }

  /**
   * The profile with its topology decided, for connections this process opens beside the
   * adapter's own (the scan's worker threads); null before `init()`, for a Cluster (its nodes are
   * the Cluster client's business), and when the adapter was given its client (the profile may not
   * describe it). It carries the password: it must never leave the process.
   */
  get workerProfile(): ConnectionProfile | null {
    if (!this.initialized || !this.ownsReadClient || this.mode === 'auto' || this.mode === 'cluster') return null;
    return { ...this.profile, topology: { ...this.profile.topology, mode: this.mode } };
  }

  /** net-mesh's `command_timeout` of this connection, in ms (also for connections other modules open). */
  get commandTimeoutMs(): number {
    return this.profile.commandTimeoutMs;
  }

  /** Texts that must never appear in output: `secretsOf(profile)`. */
  /** The read connection's last `error` event since it was last ready (why a command found it down). */
  get lastConnectionError(): Error | undefined {
    return lastClientError(this.readClient);
  }

  get secretTexts(): readonly string[] {
    return this.secrets;
  }

  /**
   * Connects, PINGs and learns the server version. Idempotent: a second call (even a concurrent
   * one) is a no-op that shares the first call's outcome (contract 3.32). A failure leaves the
   * adapter uninitialized, its own connections closed, and `init()` may be called again.
   * Throws MeshError: connection problems transient, authentication and ACL problems fatal.
   */
  init(): Promise<void> {
    if (this.closed) return Promise.reject(shutDownError());
    if (!this.initPromise) {
      this.initPromise = this.doInit().catch((e: unknown) => {
        this.initPromise = undefined;
        throw e;
      });
    }
    return this.initPromise;
  }

  private async doInit(): Promise<void> {
    const bound = CONNECT_TIMEOUT_MS + 2 * this.profile.commandTimeoutMs;
    /** INFO (all sections) of the first node, when it was read and allowed. */
    let info: Record<string, string> | undefined;
    try {
      await Promise.all([
        connectWithin(this.readClient, bound),
        this.writeClient ? connectWithin(this.writeClient, bound) : undefined,
      ]);
      if (this.mode === 'auto') {
        // Topology detection (cli.md: a Cluster is detected from any one node's URL): ask the
        // node, and replace both clients with Cluster ones if it is part of one. One INFO answers
        // this and the version below (a round trip less for every short-lived command line).
        info = await infoOf(this.readClient as Redis);
        const found = info ? (info.cluster_enabled === '1' ? 'cluster' : 'standalone') : await detectTopology(this.readClient as Redis);
        this.mode = found;
        if (found === 'cluster') {
          await Promise.all([stopClient(this.readClient), this.writeClient ? stopClient(this.writeClient) : undefined]);
          this.readClient = createRedisClient(this.profile, 'read', 'cluster');
          if (this.writeClient) this.writeClient = followSlotMoves(createRedisClient(this.profile, 'publish', 'cluster'));
          await Promise.all([
            connectWithin(this.readClient, bound),
            this.writeClient ? connectWithin(this.writeClient, bound) : undefined,
          ]);
        }
      }
      await this.readClient.ping();
    } catch (e) {
      const recorded = lastClientError(this.readClient) ?? (this.writeClient && lastClientError(this.writeClient));
      // Stop the reconnect loops of our own connections: a failed init must not leave sockets
      // retrying in the background (the caller decides whether to try again).
      await Promise.all([this.ownsReadClient ? stopClient(this.readClient) : undefined, this.writeClient ? stopClient(this.writeClient) : undefined]);
      throw classifyError(preferReason(recorded, e), { command: 'connect', secrets: this.secrets });
    }
    // An ACL may refuse INFO: then no version, and the successor-id form (every version) is used.
    info ??= await infoOf(this.readClient);
    this.initInfo = info;
    this.version = this.versionOverride ?? info?.redis_version;
    this.exclusive = this.version !== undefined && versionSupportsExclusiveRange(this.version);
    if (this.closed) throw shutDownError();
    this.initialized = true;
  }

  /**
   * Publishes one batch atomically (contract 1.2-1.3, 3.2-3.5) and returns its ids, or throws: the
   * plain form of {@link send} for callers that do not resolve lost replies themselves (the test
   * publisher does, test-publisher.ts). An empty batch returns at once without any Redis I/O, even
   * after shutdown (contract 3.2).
   *
   * Errors say what happened on the socket: "nothing was sent" when no byte of MULTI was written;
   * "Redis may still have executed it" when EXEC was written and its reply did not come (contract
   * 3.13: publishing it again can duplicate entries). Never retried here.
   */
  async publish(batch: PublishBatch): Promise<PublishOutcome> {
    if (batch.events.length === 0) return { ids: [], dedupIds: [], latencyMs: 0 };
    const r = await this.send(batch);
    if (r.kind === 'not-sent' || r.kind === 'late') {
      if (r.kind === 'late') r.late.catch(() => {});
      throw r.error;
    }
    const f = r.final;
    if (f.kind === 'replied') return { ids: f.ids, dedupIds: r.sent.dedupIds, latencyMs: f.latencyMs };
    throw f.error;
  }

  /**
   * One atomic batch, as net-mesh's `on_batch` writes it: one MULTI, one
   * `XADD key [MAXLEN ~ n] * d <payload> dedup_id <id>` per event in order, EXEC, on the publish
   * connection. Every argument is checked and every payload encoded before anything is sent
   * (MeshError `usage`, thrown).
   *
   * Before MULTI it makes sure the key's node is ready (on a Cluster: the master of the key's slot,
   * refreshing the slot map until it is known and connected, within the command timeout) and reads
   * the stream's last id (`XREVRANGE key + - COUNT 1`), the anchor a lost reply is resolved from.
   *
   * What it returns is decided from the socket, never guessed from an error's wording:
   * - `not-sent`: no byte of MULTI was written (the connection was not ready or not writable, the
   *   Cluster's node for the key was not reachable, or the anchor read failed);
   * - `done`: EXEC answered, or Redis refused the transaction before applying any of it, or the
   *   connection dropped after the write (`final.kind`, see {@link ExecFinal});
   * - `late`: written, and no reply within the EXEC allowance (`commandTimeoutMs` plus
   *   {@link execAllowanceMs}); `late` settles with the final outcome whenever it comes.
   * Nothing is ever resent.
   */
  async send(batch: PublishBatch, opts: { execTimeoutMs?: number } = {}): Promise<SendResult> {
    const n = batch.events.length;
    this.assertUsable();
    if (!this.writeClient) throw usageError('this connection profile is read-only: publishing is disabled');
    const client = this.writeClient;
    const enc = encodeBatch(this.prefix, batch);
    const { key, dedupIds, payloads, bytes } = enc;
    if (n === 0) return { kind: 'done', sent: { key, dedupIds, payloads, anchorId: null }, final: { kind: 'replied', ids: [], latencyMs: 0 } };

    try {
      await this.routeReady(client, key);
    } catch (e) {
      return { kind: 'not-sent', error: e instanceof MeshError ? e : this.notSent(e, 'publish') };
    }
    let anchorId: string | null | undefined;
    try {
      anchorId = await this.anchorOf(client, key);
    } catch (e) {
      // A user who may write but not read the stream still publishes; only a lost reply then
      // cannot be read back.
      if (e instanceof Error && e.name === 'ReplyError' && e.message.startsWith('NOPERM')) anchorId = undefined;
      else return { kind: 'not-sent', error: this.notSent(e, 'XREVRANGE') };
    }

    const multi = client.multi();
    const trim = enc.trim;
    for (let i = 0; i < n; i++) {
      // `call('XADD', ...)` keeps the command name upper-case on the wire, as redis-rs sends it.
      // Strings are written as UTF-8 by ioredis, i.e. exactly encodePayload's bytes (checked
      // well-formed above).
      if (trim.length === 0) multi.call('XADD', key, '*', 'd', payloads[i] as string, 'dedup_id', dedupIds[i] as string);
      else multi.call('XADD', key, trim[0]!, trim[1]!, trim[2]!, '*', 'd', payloads[i] as string, 'dedup_id', dedupIds[i] as string);
    }
    const sent: SentBatch = { key, dedupIds, payloads, anchorId };
    // The socket is the witness: ioredis writes a ready connection's whole transaction in one
    // synchronous write inside exec(), or rejects every command without writing any.
    const witness = new WriteWitness(client);
    const started = performance.now();
    const pending = execLifted(client, () => multi.exec());
    const writtenNow = witness.wroteSync();
    const final = this.settle(pending, n, started, () => writtenNow || witness.wroteLater());
    const timeoutMs = opts.execTimeoutMs ?? this.profile.commandTimeoutMs + execAllowanceMs(n, bytes);
    let timer: NodeJS.Timeout | undefined;
    const first = await Promise.race([final, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)))]);
    clearTimeout(timer);
    if (first === null) {
      const error = new MeshError(
        'transient',
        `Redis command timeout: no reply to MULTI/EXEC within ${Math.round(timeoutMs)} ms; Redis may still have executed it, so publishing it again can duplicate entries (same dedup_ids)`,
        { command: 'MULTI/EXEC' },
      );
      return { kind: 'late', sent, error, late: final };
    }
    if (first.kind === 'refused' && first.notSent) return { kind: 'not-sent', error: first.error };
    return { kind: 'done', sent, final: first };
  }

  /** EXEC's outcome, classified by what Redis (or the socket) said. Never rejects. */
  private async settle(pending: Promise<[Error | null, unknown][] | null>, n: number, started: number, wasWritten: () => boolean): Promise<ExecFinal> {
    let result: [Error | null, unknown][] | null;
    try {
      result = await pending;
    } catch (e) {
      if (!wasWritten()) return { kind: 'refused', notSent: true, error: this.notSent(e, 'MULTI/EXEC') };
      const m = classifyError(e, { command: 'MULTI/EXEC', secrets: this.secrets });
      const err = e as { name?: unknown; message?: unknown; previousErrors?: unknown };
      const previous = Array.isArray(err.previousErrors) ? (err.previousErrors as Array<{ command?: { name?: string } }>) : [];
      if (err.name === 'ReplyError' && previous[0]?.command?.name?.toLowerCase() === 'multi') {
        // MULTI refused: the XADDs ran one by one, outside a transaction; some may be in the stream.
        return { kind: 'unknown', error: withSuffix(m, '') };
      }
      if (err.name === 'ReplyError') {
        // EXECABORT (a command refused at queue time: READONLY, OOM, NOPERM, MOVED, ...) or another
        // refusal of EXEC itself: Redis applied none of the transaction.
        return { kind: 'refused', error: withSuffix(m, '; nothing of the batch was applied') };
      }
      // Written, and then no reply: the connection dropped while Redis had the transaction.
      return {
        kind: 'unknown',
        error: withSuffix(m, '; the batch is unconfirmed: it was sent and the connection dropped before the reply, so Redis may or may not have applied it'),
      };
    }
    const latencyMs = performance.now() - started;
    if (result === null) {
      // Only a WATCHed key can make EXEC answer nil; we never WATCH, so this is a protocol surprise.
      return { kind: 'refused', error: new MeshError('fatal', 'Redis aborted the transaction (EXEC returned nil); nothing was written', { command: 'MULTI/EXEC' }) };
    }
    if (result.length !== n) {
      return { kind: 'unknown', error: new MeshError('fatal', `EXEC returned ${result.length} replies for ${n} XADDs`, { command: 'MULTI/EXEC' }) };
    }
    const ids = new Array<string>(n);
    let failed = 0;
    let firstError: unknown;
    for (let i = 0; i < n; i++) {
      const [err, id] = result[i] as [Error | null, unknown];
      if (err) {
        failed++;
        firstError ??= err;
        ids[i] = '';
      } else if (typeof id !== 'string' || !REPLY_ID.test(id)) {
        failed++;
        firstError ??= new MeshError('fatal', `XADD ${i} returned ${JSON.stringify(id)} instead of a stream id`);
        ids[i] = '';
      } else {
        ids[i] = id;
      }
    }
    if (failed === 0) return { kind: 'replied', ids, latencyMs };
    // Redis does not roll back a transaction whose commands fail at run time: say how many
    // entries did land, so the person knows what is in the stream now.
    const m = classifyError(firstError, { command: 'XADD', secrets: this.secrets });
    if (failed === n) {
      return { kind: 'refused', error: new MeshError(m.kind, `${m.message} (${n} of ${n} XADDs in the transaction failed; nothing was written)`, withCode(m.code, 'MULTI/EXEC')) };
    }
    return { kind: 'partial', ids, error: new MeshError(m.kind, `${m.message} (${failed} of ${n} XADDs in the transaction failed; the others were written)`, withCode(m.code, 'MULTI/EXEC')) };
  }

  /** A failure before any byte of MULTI was written: its class and reason, and "nothing was sent". */
  private notSent(e: unknown, command: string): MeshError {
    if (e instanceof MeshError && /nothing (?:of the batch )?was sent/.test(e.message)) return e;
    if (isCommandTimeout(e)) {
      return new MeshError('transient', `Redis ${command} timeout (no reply within ${this.profile.commandTimeoutMs} ms); nothing of the batch was sent`, { command });
    }
    const reason = e instanceof Error && /stream isn't writeable|connection is closed|cluster isn't ready/i.test(e.message) && this.writeClient ? lastClientError(this.writeClient) : undefined;
    const m = classifyError(reason ?? e, { command, secrets: this.secrets });
    const detail = /stream isn't writeable/i.test(m.message) ? 'the publish connection is not ready (reconnecting)' : m.message;
    return new MeshError(m.kind, `${detail}; nothing was sent`, withCode(m.code, command));
  }

  /** The last entry id of `key` (null: empty or missing stream), on the publish connection. */
  private async anchorOf(client: RedisLike, key: string): Promise<string | null> {
    const reply = (await client.xrevrange(key, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
    const first = reply[0];
    return first ? first[0] : null;
  }

  /**
   * Makes sure the publish connection can carry a command for `key` now: ready (waiting through a
   * reconnect within the command timeout); on a Cluster, the master that serves the key's slot is
   * known and connected. A master the client lost (a failover, a restart) makes it ask the Cluster
   * for the slot map again (`CLUSTER SLOTS`), connect the new owner and check again, until the
   * command timeout has passed. Throws MeshError "...; nothing was sent" otherwise.
   */
  private async routeReady(client: RedisLike, key: string): Promise<void> {
    await this.waitUntilReady(client, 'publish');
    if (!isClusterClient(client)) return;
    const slot = clusterKeySlot(key);
    const deadline = performance.now() + this.profile.commandTimeoutMs;
    let pause = 10;
    let owner: string | undefined;
    let status: string;
    for (;;) {
      owner = client.slots[slot]?.[0];
      const node = owner === undefined ? undefined : client.nodes('master').find((r) => `${r.options.host}:${r.options.port}` === owner);
      status = node?.status ?? 'not connected';
      if (node && node.status === 'ready') return;
      if (node && node.status === 'wait') node.connect().catch(() => {});
      const left = deadline - performance.now();
      if (left <= 0) break;
      await refreshSlots(client, left);
      if (node && (node.status === 'connect' || node.status === 'connecting' || node.status === 'wait')) await waitForReady(node, Math.min(left, 200)).catch(() => {});
      else await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, deadline - performance.now()))));
      pause = Math.min(pause * 2, 100);
    }
    const reason = owner === undefined ? 'no node is known to serve it' : `its master ${owner} is ${status}`;
    throw new MeshError('transient', `Redis Cluster: slot ${slot} of ${key}: ${reason} (a failover may be in progress); nothing was sent`, { command: 'MULTI/EXEC' });
  }

  /**
   * After a failover the topology monitor reports, or whenever a caller knows the Cluster moved:
   * asks for the slot map again now (the publish client otherwise refreshes every 5 s and on MOVED).
   * No-op on other topologies.
   */
  refreshRoutes(): void {
    for (const c of [this.writeClient, this.readClient]) if (c && isClusterClient(c)) c.refreshSlotsCache();
  }

  /**
   * Reads `key` for a batch's entries after `anchorId` (exclusive; the whole stream when null), up
   * to the stream's end as of the call: an entry counts when its dedup_id is one of `dedupIds` and
   * its `d` is byte-for-byte the payload sent at that index (so another producer's entry under a
   * reused id is not mistaken for ours; when `payloads` lacks an index, the dedup_id alone). Returns the stream id of each found entry, index-aligned
   * ('' when not found).
   *
   * First it sends a write that cannot write (`XADD key NOMKSTREAM 0-0 ...`, refused or nil): Redis
   * runs commands one at a time and queues paused writes in order, so once it is answered, an
   * EXEC Redis already held (postponed by `CLIENT PAUSE`, behind a script) has run; what the read
   * then finds is the truth, not a snapshot taken before the EXEC.
   *
   * Reads pages of 1000 on the read connection; throws MeshError (transient when Redis is
   * unreachable) or stops with what it has when `deadline` (performance.now() ms) passes.
   */
  async locateBatch(sent: Pick<SentBatch, 'key' | 'dedupIds' | 'payloads' | 'anchorId'>, deadline = Infinity): Promise<{ ids: string[]; found: number; complete: boolean }> {
    this.assertUsable();
    const { key, dedupIds, payloads } = sent;
    const anchorId = sent.anchorId ?? null;
    const client = this.readClient;
    const ids = new Array<string>(dedupIds.length).fill('');
    try {
      await client.call('XADD', key, 'NOMKSTREAM', '0-0', 'd', 'x');
    } catch (e) {
      // A reply (the id refusal, READONLY, OOM) is what the barrier is for; anything else is not.
      if (!(e instanceof Error && e.name === 'ReplyError')) throw classifyError(e, { command: 'XADD', secrets: this.secrets });
    }
    const last = await this.range('XREVRANGE', () => client.xrevrange(key, '+', '-', 'COUNT', 1));
    const endId = last[0]?.[0];
    if (endId === undefined) return { ids, found: 0, complete: true };
    const index = new Map<string, number>();
    dedupIds.forEach((d, i) => index.set(d, i));
    let start = '-';
    if (anchorId !== null) {
      try {
        start = exclusiveStart(anchorId, this.exclusive);
      } catch {
        return { ids, found: 0, complete: true };
      }
    }
    let found = 0;
    for (;;) {
      if (performance.now() > deadline) return { ids, found, complete: false };
      const page = await this.range('XRANGE', () => client.xrangeBuffer(key, start, endId, 'COUNT', 1000));
      for (const row of page as unknown[]) {
        if (!Array.isArray(row)) continue;
        const id = idText(row[0]);
        const fields = row[1] as unknown[];
        if (id === undefined || !Array.isArray(fields)) continue;
        let d: Buffer | undefined;
        let dedup: Buffer | undefined;
        for (let f = 0; f + 1 < fields.length; f += 2) {
          const name = fields[f] as Buffer;
          if (name.length === 1 && name[0] === D) d = fields[f + 1] as Buffer;
          else if (name.length === 8 && isDedupIdName(name)) dedup = fields[f + 1] as Buffer;
        }
        const i = dedup === undefined ? undefined : index.get(dedup.toString('utf8'));
        if (i === undefined || ids[i] !== '') continue;
        // Without the sent bytes (a re-check of a big batch whose events were not kept) the dedup_id decides.
        const sentPayload = payloads[i];
        if (sentPayload !== undefined && (d === undefined || !d.equals(Buffer.from(sentPayload)))) continue;
        ids[i] = id;
        found++;
      }
      const lastRow = page[page.length - 1] as unknown;
      const lastId = Array.isArray(lastRow) ? idText(lastRow[0]) : undefined;
      if (found === dedupIds.length || page.length < 1000 || lastId === undefined || lastId === endId) return { ids, found, complete: true };
      start = exclusiveStart(lastId, this.exclusive);
    }
  }

  /**
   * One page of a shard, oldest first, with net-mesh's `poll_shard` semantics (contract 1.5,
   * 3.16-3.29): `XRANGE key <start> + COUNT limit+1` where start is `-` without a cursor and the
   * exclusive `(after` with one (the successor id before Redis 6.2); at most `limit` entries;
   * `hasMore` when Redis returned more than `limit`; `nextId` the id of the last raw entry looked
   * at, so a page of corrupt entries still advances (3.19, 3.20), null on an empty page (3.21).
   * `limit` 0 sends COUNT 1 and answers only whether something follows the cursor (3.29).
   * Corrupt entries are returned with `status: 'corrupt'` and the reason, never dropped.
   */
  async poll(shard: number, after: string | null, limit: number): Promise<ShardPage> {
    this.assertUsable();
    const key = this.pageKey(shard, limit);
    let start = '-';
    if (after !== null) {
      checkCursor(after, 'after');
      try {
        start = exclusiveStart(after, this.exclusive);
      } catch {
        // Pre-6.2 and `after` is the largest possible id: nothing can follow it.
        return { shard, key, entries: [], nextId: null, hasMore: false };
      }
    }
    const slot = `${key}\n${start}\n${limit}`;
    let reply: unknown = await this.takeReadAhead(slot);
    if (reply === undefined) {
      reply = await this.range('XRANGE', () => this.readClient.xrangeBuffer(key, start, '+', 'COUNT', limit + 1));
    }
    // A caller that continues from the previous page's nextId is scanning: fetch its next page
    // now, so Redis produces it while this one is decoded.
    if (after !== null && this.scanCursors.get(key) === after) this.startReadAhead(key, reply, limit);
    const page = this.page(shard, key, reply, limit);
    this.scanCursors.delete(key);
    if (page.hasMore && page.nextId !== null) {
      this.scanCursors.set(key, page.nextId);
      if (this.scanCursors.size > READ_AHEAD_KEYS) this.scanCursors.delete(this.scanCursors.keys().next().value as string);
    }
    return page;
  }

  /**
   * Read-ahead for sequential scans through {@link poll}. Only when the caller chains pages
   * (its `after` is the nextId poll returned last for that key, with hasMore) and only one page
   * ahead, so browsing a page at a time costs Redis nothing extra and a scan stopped early
   * wastes at most one page. A read-ahead older than READ_AHEAD_MAX_AGE_MS is thrown away, and
   * one that failed is simply re-sent, so the answer is never staler than a second and errors
   * are reported by the call that asked. A read-ahead is an XRANGE issued a few milliseconds
   * earlier than the caller asked: same command, same page semantics.
   */
  private startReadAhead(key: string, reply: unknown, limit: number): void {
    if (!Array.isArray(reply) || reply.length <= limit || limit === 0) return;
    const last = reply[limit - 1] as unknown;
    const lastId = Array.isArray(last) ? idText(last[0]) : undefined;
    if (lastId === undefined || parseStreamId(lastId) === null) return;
    let start: string;
    try {
      start = exclusiveStart(lastId, this.exclusive);
    } catch {
      return;
    }
    const request = this.readClient.xrangeBuffer(key, start, '+', 'COUNT', limit + 1);
    request.catch(() => {});
    this.readAhead.set(`${key}\n${start}\n${limit}`, { issuedAt: performance.now(), request });
    if (this.readAhead.size > READ_AHEAD_KEYS) this.readAhead.delete(this.readAhead.keys().next().value as string);
  }

  private async takeReadAhead(slot: string): Promise<unknown> {
    const ahead = this.readAhead.get(slot);
    if (!ahead) return undefined;
    this.readAhead.delete(slot);
    if (performance.now() - ahead.issuedAt > READ_AHEAD_MAX_AGE_MS) return undefined;
    try {
      return await ahead.request;
    } catch {
      return undefined;
    }
  }

  /**
   * One page newest first, for browsing back from the live end: `XREVRANGE key <end> - COUNT
   * limit+1` with end `+` or the exclusive `(before` (the predecessor id before Redis 6.2), and the
   * same page rules as {@link poll} mirrored: `nextId` is the last (oldest) raw entry looked at.
   */
  async pollReverse(shard: number, before: string | null, limit: number): Promise<ShardPage> {
    this.assertUsable();
    const key = this.pageKey(shard, limit);
    let end = '+';
    if (before !== null) {
      checkCursor(before, 'before');
      if (this.exclusive) end = '(' + before;
      else {
        const prev = streamIdPredecessor(before);
        if (prev === null) return { shard, key, entries: [], nextId: null, hasMore: false };
        end = prev;
      }
    }
    const reply = await this.range('XREVRANGE', () => this.readClient.xrevrangeBuffer(key, end, '-', 'COUNT', limit + 1));
    return this.page(shard, key, reply, limit);
  }

  /** One entry by id, with its full payload (read as bytes, so its UTF-8 check is exact); null when absent. */
  async fetchEntry(shard: number, id: string): Promise<MeshEntry | null> {
    this.assertUsable();
    if (!isU16(shard)) throw usageError(`shard must be an integer in 0..65535 (got ${String(shard)})`);
    checkCursor(id, 'id');
    const key = streamKey(this.prefix, shard);
    const reply = await this.range('XRANGE', () => this.readClient.xrangeBuffer(key, id, id, 'COUNT', 1));
    const entry = reply[0] as unknown;
    const entryId = Array.isArray(entry) && entry.length >= 2 ? idText(entry[0]) : undefined;
    if (entryId === undefined) return null;
    return decodeBufferEntry(entryId, (entry as unknown[])[1]);
  }

  /**
   * PING on the established read connection within the command timeout (contract 3.36). Never
   * throws: failures come back as `healthy: false` with the classified error.
   */
  async health(): Promise<HealthResult> {
    if (this.closed) return { healthy: false, latencyMs: null, error: toErrorInfo(shutDownError()) };
    if (!this.initialized) {
      return { healthy: false, latencyMs: null, error: toErrorInfo(this.notConnectedYet()) };
    }
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      // ioredis' commandTimeout already bounds the PING; the local timer is a second bound in case
      // the client holds it elsewhere (e.g. while reconnecting).
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('Command timed out')), this.profile.commandTimeoutMs + 50);
      });
      const pong = await Promise.race([this.readClient.ping(), deadline]);
      if (pong !== 'PONG') throw new MeshError('fatal', `PING answered ${JSON.stringify(pong)}`);
      return { healthy: true, latencyMs: round2(performance.now() - started), error: null };
    } catch (e) {
      const m = isCommandTimeout(e)
        ? new MeshError('transient', `Redis PING timeout (no reply within ${this.profile.commandTimeoutMs} ms)`, { command: 'PING' })
        : classifyError(e, { command: 'PING', secrets: this.secrets, connectionError: this.lastConnectionError });
      return { healthy: false, latencyMs: null, error: toErrorInfo(m) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** `INFO [section]` parsed into `field -> value` (section headers and blank lines dropped). */
  async info(section?: string): Promise<Record<string, string>> {
    this.assertUsable();
    try {
      const text = section === undefined ? await this.readClient.info() : await this.readClient.info(section);
      return parseInfo(text);
    } catch (e) {
      throw classifyError(e, { command: 'INFO', secrets: this.secrets, connectionError: this.lastConnectionError });
    }
  }

  /**
   * Refuses every later publish and poll (MeshError fatal "adapter is shut down", contract 3.34;
   * an empty publish still succeeds, 3.2) and closes the adapter's own connections: QUIT, bounded
   * by the command timeout, then a hard disconnect. With `quit: false` the connections are closed
   * at once without a QUIT (a command line about to exit: one round trip less, nothing in flight).
   * Idempotent. An injected client is left open.
   */
  async shutdown(opts: { quit?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.initialized = false;
    this.readAhead.clear();
    this.scanCursors.clear();
    const own = [this.ownsReadClient ? this.readClient : undefined, this.writeClient].filter((c): c is RedisLike => c !== undefined);
    if (opts.quit === false) {
      for (const c of own) c.disconnect();
      return;
    }
    await Promise.all(own.map((c) => closeClient(c, Math.min(this.profile.commandTimeoutMs, 1000))));
  }

  // ---------------------------------------------------------------------------------------------

  private assertUsable(): void {
    if (this.closed) throw shutDownError();
    // Said to the user when a view asks before the first connection succeeded (or while it is
    // still being retried): a state to wait out, not a programming error.
    // Contract 3.34: before init the adapter refuses like a shut-down one (fatal). The session
    // answers views that ask while it is still connecting before they get here (notConnectedYet).
    if (!this.initialized) throw new MeshError('fatal', 'adapter is not initialized: call init() first');
  }

  private pageKey(shard: number, limit: number): string {
    if (!isU16(shard)) throw usageError(`shard must be an integer in 0..65535 (got ${String(shard)})`);
    if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_POLL_LIMIT) {
      throw usageError(`limit must be 0..${MAX_POLL_LIMIT} (got ${String(limit)})`);
    }
    return streamKey(this.prefix, shard);
  }

  /**
   * Runs an XRANGE-family read and classifies its failure. net-mesh returns every XRANGE error as
   * Transient without looking at it (contract 3.30); the inspector classifies them like any other
   * reply instead, so WRONGTYPE (a non-stream key at a shard key) is fatal with its reason, which
   * is what a person needs to hear. A timeout is transient "Redis XRANGE timeout" as in net-mesh.
   */
  private async range<T>(command: 'XRANGE' | 'XREVRANGE', run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (isCommandTimeout(e)) {
        throw new MeshError('transient', `Redis ${command} timeout (no reply within ${this.profile.commandTimeoutMs} ms)`, { command });
      }
      throw classifyError(e, { command, secrets: this.secrets, connectionError: this.lastConnectionError });
    }
  }

  /**
   * Builds a page from an XRANGE/XREVRANGE reply read as bytes. Bytes, not strings: ioredis'
   * string replies decode UTF-8 lossily (invalid bytes become U+FFFD), which would hide exactly
   * the corruption net-mesh's reader rejects; reading bytes and checking them with `isUtf8` is
   * exact and, measured, no slower than letting ioredis convert every field to a string.
   */
  private page(shard: number, key: string, reply: unknown, limit: number): ShardPage {
    const rows = Array.isArray(reply) ? (reply as unknown[]) : [];
    const take = Math.min(rows.length, limit);
    const entries: MeshEntry[] = [];
    let nextId: string | null = null;
    for (let k = 0; k < take; k++) {
      const row = rows[k];
      // Contract 3.22: a malformed entry or id is skipped without moving the cursor. Redis never
      // sends one; the checks keep a proxy's surprise from becoming a crash.
      if (!Array.isArray(row) || row.length < 2) continue;
      const id = idText(row[0]);
      if (id === undefined) continue;
      nextId = id;
      entries.push(decodeBufferEntry(id, row[1]));
    }
    return { shard, key, entries, nextId, hasMore: rows.length > limit };
  }

  private async waitUntilReady(client: RedisLike, purpose: string): Promise<void> {
    if (client.status === 'ready') return;
    // The read connection is back but this one is still between reconnect attempts (its backoff
    // grows to 5 s during an outage): try now instead of failing a publish the UI shows as
    // possible. Only a connect: nothing is queued, so nothing can be sent twice. ioredis' own
    // timer then finds the client connected and does nothing.
    if (client.status === 'reconnecting' && this.readClient !== client && this.readClient.status === 'ready' && !this.closed && !stoppedClients.has(client)) {
      client.connect().catch(() => {});
    }
    try {
      // No offline queue on the publish connection: rather than fail at once while it is
      // reconnecting, wait for it (bounded by the command timeout), then send once.
      await waitForReady(client, this.profile.commandTimeoutMs);
    } catch (e) {
      const reason = lastClientError(client);
      const base = classifyError(reason ?? e, { command: purpose, secrets: this.secrets });
      throw new MeshError(
        base.kind,
        `the ${purpose} connection is not ready (${client.status})${reason ? `: ${base.message}` : ''}; nothing was sent`,
        withCode(base.code, 'MULTI/EXEC'),
      );
    }
  }
}

const NO_D = 'entry has no d field';
/** A stream id as XADD answers it; the cheap shape check (no BigInt) for 100,000 replies. */
const REPLY_ID = /^\d{1,20}-\d{1,20}$/;

function shutDownError(): MeshError {
  return new MeshError('fatal', 'adapter is shut down');
}

function withCode(code: string | undefined, command: string): { code?: string; command: string } {
  return code === undefined ? { command } : { code, command };
}

function encodeOrUsage(raw: string, t: bigint, shard: number, i: number): string {
  try {
    return encodePayload(raw, t, shard);
  } catch (e) {
    throw usageError(`event ${i}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function checkCursor(id: string, what: string): void {
  if (typeof id !== 'string' || parseStreamId(id) === null) {
    throw usageError(`${what} must be a stream id <ms>-<seq> (got ${JSON.stringify(String(id)).slice(0, 60)})`);
  }
}

/** An entry id from the reply: Redis ids are ASCII (`<ms>-<seq>`); anything else is not an id (3.22). */
function idText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  return undefined;
}

const D = 0x64;
const DEDUP_ID = [0x64, 0x65, 0x64, 0x75, 0x70, 0x5f, 0x69, 0x64]; // "dedup_id"

/** An inlined byte compare: cheaper than Buffer#equals' native call, once per entry. */
function isDedupIdName(b: Buffer): boolean {
  for (let i = 0; i < 8; i++) if (b[i] !== DEDUP_ID[i]) return false;
  return true;
}

/**
 * One entry from its raw field list: the exact decision of net-mesh's reader, marked instead of
 * skipped. Fields are matched by name as bytes, in any order, unknown ones ignored, and when a
 * name repeats the last one wins, as in the Rust loop (contract 3.27-3.28). `d` must be valid
 * UTF-8 (checked on the bytes) and then decode per shared/wire. The dedup_id is decoded as UTF-8
 * with replacement, exactly like the Rust reader's `String::from_utf8_lossy`, so an invalid one
 * is shown rather than rejected.
 */
export function decodeBufferEntry(id: string, fields: unknown): MeshEntry {
  let d: Buffer | undefined;
  let dedup: Buffer | undefined;
  if (Array.isArray(fields)) {
    for (let f = 0; f + 1 < fields.length; f += 2) {
      const name = fields[f] as Buffer;
      if (name.length === 1) {
        if (name[0] === D) d = fields[f + 1] as Buffer;
      } else if (name.length === 8 && isDedupIdName(name)) {
        dedup = fields[f + 1] as Buffer;
      }
    }
  }
  const dedupId = dedup?.toString('utf8');
  if (d === undefined) {
    // Contract 3.22: no `d` → skipped by net-mesh (but it still moves the cursor).
    return dedupId === undefined ? { id, status: 'corrupt', reason: NO_D } : { id, status: 'corrupt', reason: NO_D, dedupId };
  }
  let text: string | undefined;
  let r: DecodeResult;
  if (isUtf8(d)) {
    text = d.toString('utf8');
    r = decodePayload(text);
  } else {
    // Rare path: the wire decoder names the offset of the first bad byte.
    r = decodePayloadBytes(d);
  }
  let entry: MeshEntry;
  if (r.ok) {
    entry = dedupId === undefined ? { id, status: 'ok', t: r.t, s: r.s, r: r.r } : { id, status: 'ok', dedupId, t: r.t, s: r.s, r: r.r };
  } else {
    const shown = text ?? corruptText(d);
    entry = dedupId === undefined ? { id, status: 'corrupt', reason: r.reason, d: shown } : { id, status: 'corrupt', reason: r.reason, dedupId, d: shown };
  }
  // Non-enumerable: spreads, JSON and structured clone never copy it, so it never reaches the UI.
  Object.defineProperty(entry, STORED_D, { value: d });
  return entry;
}

/**
 * The stored `d` bytes of entries this module decoded, kept on (but hidden in) the entry so they
 * never travel to the UI: the shard index needs them to tell a retry (same bytes) from a collision
 * exactly as `scan` does, even when a writer's `d` is not in the canonical form. A symbol-keyed,
 * non-enumerable property rather than a WeakMap: a live tail decodes tens of thousands of entries a
 * second, and a WeakMap entry per entry made the garbage collector work through them all as
 * ephemerons (issue 16, measured in `serve` under the 20,000 entries/s tail).
 */
const STORED_D: unique symbol = Symbol('stored d');

/** The stored `d` bytes of an entry returned by poll/pollReverse/fetchEntry; undefined without a `d` (or for a copy of it). */
export function storedPayload(entry: MeshEntry): Uint8Array | undefined {
  return (entry as MeshEntry & { [STORED_D]?: Uint8Array })[STORED_D];
}

/** `INFO` (all sections) parsed, or undefined when the server refuses it (an ACL may). */
async function infoOf(client: RedisLike): Promise<Record<string, string> | undefined> {
  try {
    return parseInfo(await client.info());
  } catch {
    return undefined;
  }
}

/** `INFO` text to `field -> value`. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const l = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (l === '' || l.startsWith('#')) continue;
    const colon = l.indexOf(':');
    if (colon > 0) out[l.slice(0, colon)] = l.slice(colon + 1);
  }
  return out;
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** The reason to report for a failed connect: ioredis' own error event says more than "Connection is closed.". */
function preferReason(recorded: Error | undefined, thrown: unknown): unknown {
  if (recorded === undefined || thrown instanceof MeshError) return thrown;
  const message = thrown instanceof Error ? thrown.message : '';
  // "Connection is closed." and our own deadline say nothing about why; the recorded error does
  // (WRONGPASS, ECONNREFUSED, ...). A reply error from PING itself is already the reason.
  if (/connection is closed|not ready within|none of startup nodes is available/i.test(message)) return recorded;
  return thrown;
}

/** A client-side timeout, classified transient through its errno code. */
function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ETIMEDOUT' });
}

const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
/** True when `s` has no unpaired UTF-16 surrogate, i.e. it has an exact UTF-8 form. */
function isWellFormed(s: string): boolean {
  return nativeWellFormed ? nativeWellFormed.call(s) : !/\p{Cs}/u.test(s);
}

/** Connects `client` (whatever its state) and resolves once it is ready, or rejects within `ms`. */
async function connectWithin(client: RedisLike, ms: number): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'wait' || client.status === 'end' || stoppedClients.has(client)) {
    stoppedClients.delete(client);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timeoutError(`Redis connect timeout: not ready within ${ms} ms`)), ms);
    });
    const connecting = client.connect();
    connecting.catch(() => {});
    try {
      await Promise.race([connecting, deadline]);
    } finally {
      clearTimeout(timer);
    }
    return;
  }
  await waitForReady(client, ms);
}

/** Resolves on the client's next `ready`, rejects on `end` or after `ms`. */
function waitForReady(client: RedisLike, ms: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  if (client.status === 'end') return Promise.reject(new Error('Connection is closed.'));
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('end', onEnd);
      if (err) reject(err);
      else resolve();
    };
    const onReady = () => done();
    const onEnd = () => done(new Error('Connection is closed.'));
    const timer = setTimeout(() => done(timeoutError(`Redis connect timeout: not ready within ${ms} ms`)), ms);
    client.on('ready', onReady);
    client.on('end', onEnd);
  });
}

/** The status as of now (TypeScript would otherwise keep an earlier narrowing across disconnect()). */
function statusOf(client: RedisLike): string {
  return client.status;
}

/** Clients stopped by {@link stopClient} whose status may still read `reconnecting`. */
const stoppedClients = new WeakSet<RedisLike>();

/**
 * Disconnects at once (no QUIT) and stops reconnecting. A client caught between reconnect attempts
 * keeps the status `reconnecting` (ioredis only clears its timer) and emits no `end`, so it is
 * remembered as stopped for {@link connectWithin}.
 */
async function stopClient(client: RedisLike): Promise<void> {
  if (client.status === 'end' || client.status === 'wait') return;
  const wasReconnecting = client.status === 'reconnecting';
  client.disconnect();
  stoppedClients.add(client);
  if (wasReconnecting || statusOf(client) === 'end') return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('end', done);
      resolve();
    };
    const timer = setTimeout(done, 1000);
    client.on('end', done);
  });
}

/** QUIT within `ms`, then a hard disconnect either way; resolves once the client has ended (or after `ms`). */
async function closeClient(client: RedisLike, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    if (client.status === 'ready') await Promise.race([client.quit().catch(() => undefined), bound]);
    if (client.status === 'end') return;
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    client.disconnect();
    if (statusOf(client) !== 'end') await Promise.race([ended, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts a MULTI/EXEC with ioredis' per-command timer lifted. ioredis arms a timer for every
 * command sent while `commandTimeout` is set; for a 10,000-event batch that was about a third of
 * publish's CPU. The option is lifted only while exec() queues its commands (synchronously, on a
 * ready connection); the caller bounds the whole transaction with one timer (send()).
 */
function execLifted<T>(client: RedisLike, exec: () => Promise<T>): Promise<T> {
  const options = (client as { options?: { commandTimeout?: number } }).options;
  const nodes = isClusterClient(client) ? client.nodes('all').map((r) => r.options as { commandTimeout?: number }) : [];
  const all = [options, ...nodes].filter((o): o is { commandTimeout?: number } => o !== undefined && o.commandTimeout !== undefined);
  const saved = all.map((o) => o.commandTimeout);
  for (const o of all) o.commandTimeout = undefined;
  let pending: Promise<T>;
  try {
    pending = exec();
  } finally {
    all.forEach((o, k) => (o.commandTimeout = saved[k]));
  }
  // The transaction may answer (or fail) after the caller has stopped waiting: never unhandled.
  pending.catch(() => {});
  return pending;
}

/**
 * The net-mesh Redis Streams adapter, re-implemented on ioredis byte for byte (contract sections
 * 1-4): atomic MULTI/EXEC publish, exclusive-cursor XRANGE polling with net-mesh's page semantics,
 * a PING health probe, and error classification. Plain Node: never imports Electron.
 */
import { isUtf8 } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import type Redis from 'ioredis';
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
import { classifyError, isCommandTimeout, IOREDIS_TIMEOUT_MESSAGE } from './classify';
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

/**
 * The largest page `poll`/`pollReverse` accept. net-mesh's merger never asks one shard for more
 * than 10,000 entries per poll (contract 3.41); a bigger page would only make one reply huge.
 * `limit + 1` (the COUNT) therefore never overflows (contract 1.5, `saturating_add`).
 */
export const MAX_POLL_LIMIT = 10_000;

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
}

/** What a successful publish returns: the Redis ids and dedup ids in batch order. */
export interface PublishOutcome {
  ids: string[];
  dedupIds: string[];
  /** Time from sending MULTI to EXEC's reply, in milliseconds. */
  latencyMs: number;
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
function nextDefaultT(count: number): bigint {
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
    if (!profile.readOnly) this.writeClient = createRedisClient(profile, 'publish', this.mode === 'auto' ? 'standalone' : this.mode);
  }

  /**
   * The read connection, for discovery and scans by other core modules. Do not close it. A Cluster
   * client once the topology is (or was detected as) a Redis Cluster: it routes each key's command
   * to the key's node. Read it after `init()`: detection may replace it.
   */
  get client(): RedisLike {
    return this.readClient;
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

  /** `redis_version` from INFO at init, or the override; undefined before init or when INFO is refused. */
  get serverVersion(): string | undefined {
    return this.version;
  }

  /** Whether XRANGE `(id` is used (Redis >= 6.2); otherwise successor ids are (contract 7.10). */
  get exclusiveRanges(): boolean {
    return this.exclusive;
  }

  /** Texts that must never appear in output: `secretsOf(profile)`. */
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
    try {
      await Promise.all([
        connectWithin(this.readClient, bound),
        this.writeClient ? connectWithin(this.writeClient, bound) : undefined,
      ]);
      if (this.mode === 'auto') {
        // Topology detection (cli.md: a Cluster is detected from any one node's URL): ask the
        // node INFO cluster, and replace both clients with Cluster ones if it is part of one.
        const found = await detectTopology(this.readClient as Redis);
        this.mode = found;
        if (found === 'cluster') {
          await Promise.all([stopClient(this.readClient), this.writeClient ? stopClient(this.writeClient) : undefined]);
          this.readClient = createRedisClient(this.profile, 'read', 'cluster');
          if (this.writeClient) this.writeClient = createRedisClient(this.profile, 'publish', 'cluster');
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
    if (this.versionOverride !== undefined) {
      this.version = this.versionOverride;
    } else {
      try {
        this.version = parseInfo(await this.readClient.info('server')).redis_version;
      } catch {
        // An ACL may refuse INFO; the successor-id form works on every version, so fall back.
        this.version = undefined;
      }
    }
    this.exclusive = this.version !== undefined && versionSupportsExclusiveRange(this.version);
    if (this.closed) throw shutDownError();
    this.initialized = true;
  }

  /**
   * Publishes one batch atomically (contract 1.2-1.3, 3.2-3.5): one MULTI/EXEC on the publish
   * connection, one XADD per event in order. An empty batch returns at once without any Redis I/O,
   * even after shutdown (contract 3.2).
   *
   * Every argument is checked and every payload encoded before anything is sent (MeshError
   * `usage` otherwise). A timeout is transient "Redis command timeout", and Redis may still have
   * applied the batch (contract 3.13): publishing it again can duplicate entries. Never retried
   * here.
   */
  async publish(batch: PublishBatch): Promise<PublishOutcome> {
    const n = batch.events.length;
    if (n === 0) return { ids: [], dedupIds: [], latencyMs: 0 };
    this.assertUsable();
    if (!this.writeClient) throw usageError('this connection profile is read-only: publishing is disabled');
    const client = this.writeClient;

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
    const key = streamKey(this.prefix, shard);
    // formatDedupId validates every part; the per-event ids differ only in the final `:{i}`.
    const dedupPrefix = formatDedupId(nonce, shard, sequenceStart, 0).slice(0, -1);
    const tBase = batch.t ? 0n : nextDefaultT(n);
    const trim = maxLen === undefined ? [] : ['MAXLEN', '~', String(maxLen)];

    const dedupIds = new Array<string>(n);
    const payloads = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const raw = batch.events[i];
      if (typeof raw !== 'string') throw usageError(`event ${i} is not a string of JSON text`);
      // A lone UTF-16 surrogate cannot be written as UTF-8; it would silently become U+FFFD and
      // the stored bytes would differ from the event.
      if (!isWellFormed(raw)) throw usageError(`event ${i} has an unpaired UTF-16 surrogate; it cannot be stored as UTF-8`);
      let t: bigint;
      if (batch.t) {
        try {
          t = batch.t(i);
        } catch (e) {
          throw usageError(`t of event ${i}: ${e instanceof Error ? e.message : String(e)}`);
        }
        if (typeof t !== 'bigint' || t < 0n || t > U64_MAX) throw usageError(`t of event ${i} must be a u64 (got ${String(t)})`);
      } else {
        t = tBase + BigInt(i);
      }
      payloads[i] = encodeOrUsage(raw, t, shard, i);
      dedupIds[i] = dedupPrefix + i;
    }

    const multi = client.multi();
    for (let i = 0; i < n; i++) {
      // `call('XADD', ...)` keeps the command name upper-case on the wire, as redis-rs sends it.
      // Strings are written as UTF-8 by ioredis, i.e. exactly encodePayload's bytes (checked
      // well-formed above).
      multi.call('XADD', key, ...trim, '*', 'd', payloads[i] as string, 'dedup_id', dedupIds[i] as string);
    }
    await this.waitUntilReady(client, 'publish');
    const started = performance.now();
    let result: [Error | null, unknown][] | null;
    try {
      result = await execWithOneTimer(client, () => multi.exec(), this.profile.commandTimeoutMs);
    } catch (e) {
      throw this.publishError(e);
    }
    const latencyMs = performance.now() - started;
    if (result === null) {
      // Only a WATCHed key can make EXEC answer nil; we never WATCH, so this is a protocol surprise.
      throw new MeshError('fatal', 'Redis aborted the transaction (EXEC returned nil); nothing was written', { command: 'MULTI/EXEC' });
    }
    if (result.length !== n) {
      throw new MeshError('fatal', `EXEC returned ${result.length} replies for ${n} XADDs`, { command: 'MULTI/EXEC' });
    }
    const ids = new Array<string>(n);
    let failed = 0;
    let firstError: unknown;
    for (let i = 0; i < n; i++) {
      const [err, id] = result[i] as [Error | null, unknown];
      if (err) {
        failed++;
        firstError ??= err;
      } else if (typeof id !== 'string' || parseStreamId(id) === null) {
        failed++;
        firstError ??= new MeshError('fatal', `XADD ${i} returned ${JSON.stringify(id)} instead of a stream id`);
      } else {
        ids[i] = id;
      }
    }
    if (failed > 0) {
      // Redis does not roll back a transaction whose commands fail at run time: say how many
      // entries did land, so the person knows what is in the stream now.
      const m = classifyError(firstError, { command: 'XADD', secrets: this.secrets });
      throw new MeshError(m.kind, `${m.message} (${failed} of ${n} XADDs in the transaction failed; the others were written)`, withCode(m.code, 'MULTI/EXEC'));
    }
    return { ids, dedupIds, latencyMs };
  }

  private publishError(e: unknown): MeshError {
    if (isCommandTimeout(e)) {
      return new MeshError(
        'transient',
        `Redis command timeout: no reply to MULTI/EXEC within ${this.profile.commandTimeoutMs} ms; Redis may still have executed it, so publishing again can duplicate entries (same dedup_ids)`,
        { command: 'MULTI/EXEC' },
      );
    }
    const m = classifyError(e, { command: 'MULTI/EXEC', secrets: this.secrets });
    if (e instanceof Error && /stream isn't writeable/i.test(e.message)) {
      // No offline queue: the connection dropped between the readiness check and the write.
      return new MeshError('transient', 'the publish connection is not ready (reconnecting); nothing was sent', { command: 'MULTI/EXEC' });
    }
    if (m.kind === 'transient' && m.code === undefined) {
      // No Redis reply at all (connection lost mid-transaction): like a timeout, the outcome is
      // unknown (contract 3.13).
      return new MeshError(
        'transient',
        `${m.message}; the batch is unconfirmed: Redis may or may not have applied it, so publishing again can duplicate entries`,
        { command: 'MULTI/EXEC' },
      );
    }
    return m;
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
      return { healthy: false, latencyMs: null, error: { kind: 'transient', message: 'not connected: the adapter is not initialized' } };
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
        : classifyError(e, { command: 'PING', secrets: this.secrets });
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
      throw classifyError(e, { command: 'INFO', secrets: this.secrets });
    }
  }

  /**
   * Refuses every later publish and poll (MeshError fatal "adapter is shut down", contract 3.34;
   * an empty publish still succeeds, 3.2) and closes the adapter's own connections: QUIT, bounded
   * by the command timeout, then a hard disconnect. Idempotent. An injected client is left open.
   */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.initialized = false;
    this.readAhead.clear();
    this.scanCursors.clear();
    const own = [this.ownsReadClient ? this.readClient : undefined, this.writeClient].filter((c): c is RedisLike => c !== undefined);
    await Promise.all(own.map((c) => closeClient(c, Math.min(this.profile.commandTimeoutMs, 1000))));
  }

  // ---------------------------------------------------------------------------------------------

  private assertUsable(): void {
    if (this.closed) throw shutDownError();
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
      throw classifyError(e, { command, secrets: this.secrets });
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
function decodeBufferEntry(id: string, fields: unknown): MeshEntry {
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
  storedPayloads.set(entry, d);
  return entry;
}

/**
 * The stored `d` bytes of entries this module decoded, kept beside (not in) the entry so they
 * never travel to the UI: the shard index needs them to tell a retry (same bytes) from a
 * collision exactly as `scan` does, even when a writer's `d` is not in the canonical form.
 */
const storedPayloads = new WeakMap<MeshEntry, Uint8Array>();

/** The stored `d` bytes of an entry returned by poll/pollReverse/fetchEntry; undefined without a `d`. */
export function storedPayload(entry: MeshEntry): Uint8Array | undefined {
  return storedPayloads.get(entry);
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
 * Runs a MULTI/EXEC under ONE command timeout instead of one per queued command. ioredis arms a
 * timer for every command sent while `commandTimeout` is set; for a 10,000-event batch that was
 * about a third of publish's CPU. The option is lifted only while exec() queues its commands
 * (synchronously, on a standalone or Sentinel client), and a single timer bounds the whole
 * transaction with the same error ioredis would give, so classification is unchanged
 * (a timeout is transient, contract 3.13).
 */
async function execWithOneTimer<T>(client: RedisLike, exec: () => Promise<T>, timeoutMs: number): Promise<T> {
  const options = (client as { options?: { commandTimeout?: number } }).options;
  const saved = options?.commandTimeout;
  let pending: Promise<T>;
  if (options && saved !== undefined) options.commandTimeout = undefined;
  try {
    pending = exec();
  } finally {
    if (options && saved !== undefined) options.commandTimeout = saved;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(IOREDIS_TIMEOUT_MESSAGE)), timeoutMs);
  });
  // The transaction may still answer after the timeout: never leave that rejection unhandled.
  pending.catch(() => {});
  try {
    return await Promise.race([pending, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The one place where ioredis options are built (ARCHITECTURE.md, model 5), and the client factory.
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import Redis, { Cluster, SentinelConnector, type ClusterOptions, type RedisOptions } from 'ioredis';
// Not re-exported by ioredis' index; a stable path since v4.
import * as ioredisConnectors from 'ioredis/built/connectors/index.js';
import { usageError, type MeshError } from '../../shared/errors';
import { parseRedisUrl } from './redis-url';

/**
 * A client of either kind. `Redis` (standalone, or a Sentinel-managed master) and `Cluster` share
 * every command method the core uses; code that needs one kind narrows with {@link isClusterClient}.
 */
export type RedisLike = Redis | Cluster;

/** How a profile reaches its Redis: `auto` asks the server (`INFO cluster`) on connect. */
export type TopologyMode = 'auto' | 'standalone' | 'cluster' | 'sentinel';
/** What a connection actually is once `auto` has been decided. */
export type ResolvedTopology = Exclude<TopologyMode, 'auto'>;

/** Topology settings of a profile (absent: `auto`). */
export interface TopologyOptions {
  mode: TopologyMode;
  /** Sentinel mode: `host:port[,host:port...]` (port 26379 when left out). */
  sentinels?: string;
  /** Sentinel mode: the monitored master's name (`sentinel monitor <name> ...`). */
  masterName?: string;
  /** Credentials of the Sentinels themselves, when they have their own (`requirepass` on a sentinel). */
  sentinelUsername?: string;
  sentinelPassword?: string;
}

/** What the core needs to reach one bus: where, which prefix, and how long a command may take. */
export interface ConnectionProfile {
  /** `redis://` or `rediss://` URL, possibly with user, password and `/db`. */
  url: string;
  /** The bus's stream prefix (`net` by default in net-mesh). */
  prefix: string;
  /** net-mesh's `command_timeout`: applied to every command (contract 2). Must be > 0. */
  commandTimeoutMs: number;
  /** A read-only profile never publishes (PRODUCT.md feature 11). */
  readOnly?: boolean;
  /** Base of the `CLIENT SETNAME` value; the purpose is appended (`mesh-inspector:read`). */
  connectionName?: string;
  /**
   * A password kept outside the URL (the desktop app's secret store). It overrides the URL's own
   * password and is treated as a secret exactly like one.
   */
  password?: string;
  /** TLS material for `rediss://` URLs. Certificates and host names are always verified. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string; servername?: string };
  /**
   * The contents of the `tls` files, read ahead by {@link loadTlsFiles} (asynchronously, checked,
   * bounded). When absent, {@link buildRedisOptions} reads the files itself, synchronously, with
   * the same checks: acceptable for a command line, never for a host serving a window.
   */
  tlsMaterial?: TlsMaterial;
  /** Standalone, Cluster or Sentinel; absent means `auto` (detected with `INFO cluster`). */
  topology?: TopologyOptions;
}

// Light, and needed before the Redis client is loaded (the CLI's driver): a module of its own.
export { secretsOf } from './secrets';

/**
 * What a connection is for. `read` serves XRANGE/SCAN/INFO and may wait briefly through a
 * reconnect; `publish` carries MULTI/EXEC and must never send a command late or twice; `probe` is a
 * health PING that must answer now or fail.
 */
export type ConnectionPurpose = 'read' | 'publish' | 'probe';

/** Bound on establishing the TCP (and TLS) connection: net-mesh's `connect_timeout` default, 5 s. */
export const CONNECT_TIMEOUT_MS = 5000;
/** Reconnect backoff: `min(2^(attempt-1) * 100 ms, 5 s)`, then ±20 % jitter. */
export const RECONNECT_BASE_MS = 100;
export const RECONNECT_CAP_MS = 5000;
export const RECONNECT_JITTER = 0.2;

/**
 * Delay before reconnect attempt `attempt` (1-based, as ioredis counts): exponential from 100 ms,
 * capped at 5 s, with ±20 % jitter so that many inspectors do not reconnect in lock-step after a
 * Redis restart. Never gives up: the incident view must recover by itself when Redis is back
 * (PRODUCT.md feature 12). Pure; `random` is injectable for tests.
 *
 * Guarantee: for any attempt, the result is an integer in
 * [0.8 * min(2^(attempt-1) * 100, 5000), 1.2 * min(2^(attempt-1) * 100, 5000)], so at most 6000.
 */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const n = Number.isFinite(attempt) && attempt > 1 ? Math.floor(attempt) - 1 : 0;
  // 2^6 * 100 already exceeds the cap; clamping the exponent keeps huge attempt counts finite.
  const base = Math.min(RECONNECT_BASE_MS * 2 ** Math.min(n, 16), RECONNECT_CAP_MS);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(base * (1 - RECONNECT_JITTER + 2 * RECONNECT_JITTER * r));
}

/**
 * Builds the ioredis options for one connection of a profile. The single options builder: every
 * connection the core opens goes through it.
 *
 * Guarantees:
 * - host, port, db, user and password come from the URL (`profile.password` overrides the URL's);
 * - `rediss://` verifies the server certificate and host name (`rejectUnauthorized: true`, never
 *   overridable here); CA, certificate and key come from `tlsMaterial` ({@link loadTlsFiles}), or
 *   are read from the given files here (synchronously, with the same checks);
 * - every command carries `commandTimeout = profile.commandTimeoutMs`;
 * - commands that were written but not answered are never resent after a reconnect
 *   (`autoResendUnfulfilledCommands: false`); publish and probe connections have no offline queue,
 *   so a command is sent now or fails now, and publish has `maxRetriesPerRequest: 0` so a
 *   MULTI/EXEC whose answer was lost is reported, not replayed (contract 3.13: a replay would
 *   duplicate entries);
 * - reconnection never stops, with capped, jittered backoff ({@link reconnectDelayMs});
 * - `lazyConnect`: nothing is sent until the caller connects;
 * - Sentinel topology: the master is asked of the profile's sentinels (`sentinels` + `name`, the
 *   sentinels' own credentials when given) and asked again on every reconnect; a `+switch-master`
 *   from any sentinel makes the client reconnect at once, so it follows a failover without a
 *   restart; with `rediss://` the master and the sentinels are both reached over TLS with the
 *   same verified options. The URL's host is not used then, only its credentials, db and scheme;
 * - a Cluster's node options are these too ({@link buildClusterOptions}).
 *
 * Throws MeshError `usage` for a bad URL, a non-positive timeout or an unreadable TLS file.
 */
export function buildRedisOptions(profile: ConnectionProfile, purpose: ConnectionPurpose): RedisOptions {
  const url = parseRedisUrl(profile.url);
  const timeout = profile.commandTimeoutMs;
  if (!Number.isInteger(timeout) || timeout <= 0) {
    // net-mesh's validate() rejects a zero command_timeout (contract 2).
    throw usageError(`the command timeout must be a positive integer of milliseconds (got ${String(timeout)})`);
  }
  const password = profile.password !== undefined && profile.password !== '' ? profile.password : url.password;
  const options: RedisOptions = {
    host: url.host,
    port: url.port,
    db: url.db,
    connectionName: connectionName(profile.connectionName, purpose),
    lazyConnect: true,
    enableReadyCheck: true,
    enableOfflineQueue: purpose === 'read',
    maxRetriesPerRequest: purpose === 'read' ? 1 : 0,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: timeout,
    retryStrategy: (times: number) => reconnectDelayMs(times),
    // A READONLY reply must surface as an error (classified transient), not trigger a silent
    // reconnect that could replay a MULTI/EXEC.
    reconnectOnError: null,
    // No CLIENT SETINFO (library name and version) on connect: ioredis reads its package.json from
    // disk for it on every connect, which a short-lived command line pays for at start (issue 16);
    // CLIENT SETNAME already names every connection.
    disableClientInfo: true,
  };
  if (url.username !== undefined) options.username = url.username;
  if (password !== undefined) options.password = password;
  const mode = topologyModeOf(profile);
  // Behind Sentinel or in a Cluster the nodes are whatever the topology announces, so the URL's
  // host names no certificate: Node checks each node's own address unless a server name is given.
  const sniHost = mode === 'sentinel' || mode === 'cluster' ? undefined : url.host;
  if (url.tls) options.tls = tlsOptions(sniHost, profile.tls, profile.tlsMaterial);
  else if (profile.tls && Object.values(profile.tls).some((v) => v !== undefined)) {
    throw usageError('TLS options need a rediss:// URL');
  }
  options.Connector = GuardedStandaloneConnector as unknown as RedisOptions['Connector'];
  if (mode === 'sentinel') {
    const t = profile.topology as TopologyOptions;
    options.sentinels = parseSentinels(t.sentinels ?? '');
    options.name = t.masterName as string;
    options.role = 'master';
    if (t.sentinelUsername) options.sentinelUsername = t.sentinelUsername;
    if (t.sentinelPassword) options.sentinelPassword = t.sentinelPassword;
    options.sentinelCommandTimeout = timeout;
    // Every round over the sentinels is retried with the same capped backoff as a reconnect.
    options.sentinelRetryStrategy = (times: number) => reconnectDelayMs(times);
    options.updateSentinels = true;
    // Follow a failover at once: the client subscribes to +switch-master on the sentinels and
    // reconnects (asking them again) when it is published. Without it a client would stay on a
    // demoted master, still accepting writes that the resync then throws away, until Sentinel
    // converts that master to a replica seconds later.
    options.failoverDetector = true;
    options.sentinelReconnectStrategy = (times: number) => reconnectDelayMs(times);
    options.Connector = GuardedSentinelConnector as unknown as RedisOptions['Connector'];
    if (options.tls) {
      // rediss:// behind Sentinel: TLS to the master and to the sentinels, verified alike.
      options.enableTLSForSentinelMode = true;
      options.sentinelTLS = { ...options.tls };
    }
  }
  return options;
}

/**
 * The profile's topology mode, checked: Sentinel needs at least one sentinel address and a master
 * name. Throws MeshError `usage` otherwise, before anything is sent.
 */
export function topologyModeOf(profile: ConnectionProfile): TopologyMode {
  const t = profile.topology;
  const mode = t?.mode ?? 'auto';
  if (!['auto', 'standalone', 'cluster', 'sentinel'].includes(mode)) {
    throw usageError(`unknown topology mode "${String(mode)}" (auto, standalone, cluster or sentinel)`);
  }
  if (mode === 'sentinel') {
    if (!t?.masterName || t.masterName.trim() === '') throw usageError('Sentinel needs the master name (--master-name)');
    if (parseSentinels(t.sentinels ?? '').length === 0) throw usageError('Sentinel needs at least one sentinel address (--sentinel host:port)');
  }
  // Sentinel addresses kept on a profile switched to another mode are ignored, not an error.
  return mode;
}

/** Default Sentinel port. */
export const SENTINEL_PORT = 26379;

/**
 * Parses `host:port[,host:port...]` (IPv6 as `[::1]:26379`; port 26379 when left out). Throws
 * MeshError `usage` naming the bad entry; an empty list gives [].
 */
export function parseSentinels(text: string): Array<{ host: string; port: number }> {
  const out: Array<{ host: string; port: number }> = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    let host: string;
    let portText: string | undefined;
    const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(entry);
    if (v6) {
      host = v6[1] as string;
      portText = v6[2];
    } else {
      const parts = entry.split(':');
      if (parts.length > 2) throw usageError(`sentinel address "${entry}": write an IPv6 address in brackets, [::1]:26379`);
      host = parts[0] as string;
      portText = parts[1];
    }
    if (host === '' || /[\s/@]/.test(host)) throw usageError(`sentinel address "${entry}" needs a host, as host:port`);
    let port = SENTINEL_PORT;
    if (portText !== undefined) {
      const n = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
      if (!(n >= 1 && n <= 65535)) throw usageError(`sentinel address "${entry}" has an invalid port (must be 1..65535)`);
      port = n;
    }
    out.push({ host, port });
  }
  return out;
}

/**
 * The ioredis Cluster options for one connection of a profile: the per-node options are
 * {@link buildRedisOptions}' (credentials, TLS, timeouts, no resend), so a node connection behaves
 * like a standalone one; the Cluster follows MOVED/ASK (at most 16 redirections) and refreshes its
 * slot map every 5 s and on every MOVED.
 *
 * Publish safety: a `publish` Cluster never re-sends a command whose connection closed before the
 * reply (`retryDelayOnFailover: 0`) nor one refused with CLUSTERDOWN (surfaced, transient), so an
 * applied but unanswered MULTI/EXEC is never replayed (contract 3.13). MOVED, ASK and TRYAGAIN are
 * followed: Redis refuses those at queue time, before anything of the transaction is applied.
 * Because a closed connection is therefore never a reason to refresh the slot map here, the
 * adapter does it itself: on a lost node, on the topology monitor's failover, and before every
 * publish whose slot's master is not connected (adapter.ts `send`).
 *
 * Throws MeshError `usage` for a URL with a database other than 0 (a Cluster has only db 0).
 */
export function buildClusterOptions(profile: ConnectionProfile, purpose: ConnectionPurpose): { startupNodes: Array<{ host: string; port: number }>; options: ClusterOptions } {
  const node = buildRedisOptions({ ...profile, topology: { mode: 'cluster' } }, purpose);
  if (node.db !== undefined && node.db !== 0) throw usageError(`Redis Cluster has only database 0; remove /${node.db} from the URL`);
  // The Cluster owns the node address, reconnects and the offline queue.
  const { host, port, db, retryStrategy, enableOfflineQueue, lazyConnect, ...redisOptions } = node;
  void db;
  void retryStrategy;
  void enableOfflineQueue;
  void lazyConnect;
  const timeout = profile.commandTimeoutMs;
  const options: ClusterOptions = {
    redisOptions,
    lazyConnect: true,
    enableReadyCheck: true,
    enableOfflineQueue: purpose === 'read',
    scaleReads: 'master',
    maxRedirections: 16,
    clusterRetryStrategy: (times: number) => reconnectDelayMs(times),
    retryDelayOnFailover: purpose === 'read' ? 100 : 0,
    retryDelayOnClusterDown: purpose === 'read' ? 100 : 0,
    retryDelayOnTryAgain: 100,
    retryDelayOnMoved: 0,
    slotsRefreshTimeout: Math.max(1000, timeout),
    slotsRefreshInterval: 5000,
  };
  return { startupNodes: [{ host: host as string, port: port as number }], options };
}

/**
 * A new, not yet connected client for `purpose`. It always has an `error` listener (ioredis would
 * otherwise print "Unhandled error event" with the raw error); the last error it reported is kept
 * for {@link lastClientError}, which the adapter uses to tell *why* a connect failed (ioredis'
 * `connect()` itself only says "Connection is closed." after an AUTH failure).
 */
export function createRedisClient(profile: ConnectionProfile, purpose: ConnectionPurpose): Redis;
export function createRedisClient(profile: ConnectionProfile, purpose: ConnectionPurpose, topology: ResolvedTopology): RedisLike;
export function createRedisClient(profile: ConnectionProfile, purpose: ConnectionPurpose, topology?: ResolvedTopology): RedisLike {
  const mode = topology ?? standaloneOr(topologyModeOf(profile));
  let client: RedisLike;
  if (mode === 'cluster') {
    const { startupNodes, options } = buildClusterOptions(profile, purpose);
    client = new Cluster(startupNodes, options);
  } else {
    const p = mode === 'standalone' && profile.topology?.mode === 'sentinel' ? { ...profile, topology: { mode: 'standalone' as const } } : profile;
    client = new Redis(buildRedisOptions(p, purpose));
  }
  watchClientErrors(client);
  return client;
}

function standaloneOr(mode: TopologyMode): ResolvedTopology {
  return mode === 'auto' ? 'standalone' : mode;
}

/** True for an ioredis Cluster client. */
export function isClusterClient(client: RedisLike): client is Cluster {
  return (client as { isCluster?: unknown }).isCluster === true;
}

/**
 * Decides `auto` on a connected standalone client: a node with `cluster_enabled:1` in
 * `INFO cluster` is part of a Redis Cluster. When an ACL refuses INFO, `CLUSTER INFO` decides
 * ("cluster support disabled" means standalone); when that is refused too, standalone (`--cluster`
 * forces the Cluster).
 */
export async function detectTopology(client: Redis): Promise<'standalone' | 'cluster'> {
  try {
    const info = await client.info('cluster');
    return /^cluster_enabled:1\s*$/m.test(info) ? 'cluster' : 'standalone';
  } catch {
    try {
      await client.call('CLUSTER', 'INFO');
      return 'cluster';
    } catch {
      return 'standalone';
    }
  }
}

const lastErrors = new WeakMap<RedisLike, Error>();
const watched = new WeakSet<RedisLike>();

/** Attaches the error recorder to a client (idempotent); used for injected clients too. */
export function watchClientErrors(client: RedisLike): void {
  if (watched.has(client)) return;
  watched.add(client);
  client.on('error', (e: Error) => {
    // A TLS verdict (certificate, alert) is the reason; a reset that follows it is its echo.
    const prev = lastErrors.get(client);
    if (prev && isTlsError(prev) && !isTlsError(e)) return;
    lastErrors.set(client, explainTlsReset(client, e));
  });
  client.on('ready', () => lastErrors.delete(client));
}

function isTlsError(e: Error): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^(?:ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|HOSTNAME_MISMATCH)/.test(code);
}

/**
 * With TLS 1.3 a server that requires a client certificate accepts the handshake and then sends
 * an alert and closes; a client that writes first (ioredis does at once) sees only a reset. A
 * reset between the handshake and `ready` on a TLS connection without a client certificate is
 * told as what it most likely is (still transient: it is not certain).
 */
function explainTlsReset(client: RedisLike, e: Error): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code !== 'ECONNRESET' && code !== 'EPIPE') return e;
  const opts = isClusterClient(client) ? client.options.redisOptions : client.options;
  const tls = opts?.tls as { cert?: unknown } | undefined;
  if (!tls || tls.cert !== undefined || client.status !== 'connect') return e;
  return Object.assign(
    new Error(`TLS: the server closed the connection right after the handshake (${e.message}); it may require a client certificate: give --tls-cert and --tls-key`),
    { code },
  );
}

/** The last `error` event of a client since it was last ready, if any. */
export function lastClientError(client: RedisLike): Error | undefined {
  return lastErrors.get(client);
}

function connectionName(base: string | undefined, purpose: ConnectionPurpose): string {
  // CLIENT SETNAME refuses spaces and newlines; a bad name would fail every connect.
  const clean = (base ?? 'mesh-inspector').replace(/[^\x21-\x7e]/g, '-');
  return `${clean}:${purpose}`;
}

function tlsOptions(host: string | undefined, tls: ConnectionProfile['tls'], material: TlsMaterial | undefined): NonNullable<RedisOptions['tls']> {
  const out: NonNullable<RedisOptions['tls']> = { rejectUnauthorized: true };
  // SNI must be a host name; for an IP literal Node checks the certificate against the IP itself.
  const servername = tls?.servername ?? (host !== undefined && isIP(host) === 0 ? host : undefined);
  if (servername !== undefined) out.servername = servername;
  if ((tls?.certFile || tls?.keyFile) && (!tls.certFile || !tls.keyFile)) throw usageError('a TLS client certificate needs both --tls-cert and --tls-key');
  const loaded = material ?? readTlsFilesSync(tls);
  if (loaded.ca) out.ca = loaded.ca;
  if (loaded.cert) out.cert = loaded.cert;
  if (loaded.key) out.key = loaded.key;
  return out;
}

/** The contents of a profile's TLS files. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** A certificate or key is a few KB; a chain of a dozen certificates stays well under this. */
export const MAX_TLS_FILE_BYTES = 1024 * 1024;
/** How long reading one TLS file may take (a hung network filesystem must not hold a connect). */
export const TLS_READ_TIMEOUT_MS = 5000;

/** How each TLS file is named to the user: the connection form's field and the CLI option. */
const TLS_FILES = [
  { field: 'caFile', name: 'TLS CA certificate file', option: '--tls-ca', into: 'ca' },
  { field: 'certFile', name: 'Client certificate file', option: '--tls-cert', into: 'cert' },
  { field: 'keyFile', name: 'Client key file', option: '--tls-key', into: 'key' },
] as const;

type TlsFileSpec = (typeof TLS_FILES)[number];

/**
 * Reads the profile's TLS files ahead of connecting, and returns the profile with
 * `tlsMaterial` set (or unchanged when there is nothing to read: no files, or not `rediss://`, in
 * which case {@link buildRedisOptions} reports what is wrong).
 *
 * Guarantees, for paths that may come from a window (the connection form): the event loop is
 * never blocked (asynchronous reads; a FIFO is opened non-blocking, so it cannot stall the open);
 * only regular files are read, at most {@link MAX_TLS_FILE_BYTES} each (so `/dev/zero` or a huge
 * file cannot exhaust memory); each file is read within `timeoutMs` or refused. Any problem is a
 * MeshError `usage` naming the form field, the CLI option, the path and the problem.
 */
export async function loadTlsFiles(profile: ConnectionProfile, timeoutMs: number = TLS_READ_TIMEOUT_MS): Promise<ConnectionProfile> {
  const tls = profile.tls;
  if (!tls || !TLS_FILES.some((f) => tls[f.field])) return profile;
  let rediss: boolean;
  try {
    rediss = parseRedisUrl(profile.url).tls;
  } catch {
    return profile; // the URL's own error comes from buildRedisOptions
  }
  if (!rediss) return profile;
  const material: TlsMaterial = {};
  await Promise.all(
    TLS_FILES.map(async (spec) => {
      const file = tls[spec.field];
      if (file) material[spec.into] = await readTlsFile(file, spec, timeoutMs);
    }),
  );
  return { ...profile, tlsMaterial: material };
}

async function readTlsFile(file: string, spec: TlsFileSpec, timeoutMs: number): Promise<Buffer> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const work = (async () => {
    let handle;
    try {
      handle = await openFile(file, fsConstants.O_RDONLY | NONBLOCK);
    } catch (e) {
      throw tlsFileError(spec, file, errnoText(e));
    }
    try {
      const stat = await handle.stat();
      checkTlsFileStat(spec, file, stat);
      const buf = Buffer.alloc(Math.min(stat.size, MAX_TLS_FILE_BYTES) + 1);
      let length = 0;
      // Until EOF or one byte past the cap: a file that grew since the stat is caught here too.
      while (length < buf.length && !timedOut) {
        const { bytesRead } = await handle.read(buf, length, buf.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      return checkTlsFileBytes(spec, file, buf.subarray(0, length));
    } finally {
      await handle.close().catch(() => undefined);
    }
  })();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(tlsFileError(spec, file, `it could not be read within ${Math.round(timeoutMs / 1000)} s (a network filesystem that does not answer?)`));
    }, timeoutMs);
    timer.unref?.();
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    // A read that loses the race still settles later; its outcome is nobody's.
    work.catch(() => undefined);
  }
}

function readTlsFilesSync(tls: ConnectionProfile['tls']): TlsMaterial {
  const out: TlsMaterial = {};
  for (const spec of TLS_FILES) {
    const file = tls?.[spec.field];
    if (file) out[spec.into] = readTlsFileSync(file, spec);
  }
  return out;
}

function readTlsFileSync(file: string, spec: TlsFileSpec): Buffer {
  let fd: number;
  try {
    fd = openSync(file, fsConstants.O_RDONLY | NONBLOCK);
  } catch (e) {
    throw tlsFileError(spec, file, errnoText(e));
  }
  try {
    const stat = fstatSync(fd);
    checkTlsFileStat(spec, file, stat);
    const buf = Buffer.alloc(Math.min(stat.size, MAX_TLS_FILE_BYTES) + 1);
    let length = 0;
    while (length < buf.length) {
      const n = readSync(fd, buf, length, buf.length - length, length);
      if (n === 0) break;
      length += n;
    }
    return checkTlsFileBytes(spec, file, buf.subarray(0, length));
  } finally {
    closeSync(fd);
  }
}

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. Not on Windows.
const NONBLOCK = (fsConstants as { O_NONBLOCK?: number }).O_NONBLOCK ?? 0;

function checkTlsFileStat(spec: TlsFileSpec, file: string, stat: Stats): void {
  if (!stat.isFile()) throw tlsFileError(spec, file, `it is not a regular file (it is ${kindOf(stat)})`);
  if (stat.size > MAX_TLS_FILE_BYTES) throw tlsFileError(spec, file, `it is ${stat.size} bytes; a certificate or key file is at most 1 MB`);
}

function checkTlsFileBytes(spec: TlsFileSpec, file: string, bytes: Buffer): Buffer {
  if (bytes.length > MAX_TLS_FILE_BYTES) throw tlsFileError(spec, file, 'it is larger than 1 MB; a certificate or key file is at most 1 MB');
  if (bytes.length === 0) throw tlsFileError(spec, file, 'it is empty');
  return bytes;
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file (ENOENT)';
    case 'EACCES':
    case 'EPERM':
      return `no permission to read it (${code})`;
    case 'EISDIR':
      return 'it is not a regular file (it is a directory)';
    default:
      return code ?? String(e);
  }
}

function tlsFileError(spec: TlsFileSpec, file: string, problem: string): MeshError {
  return usageError(`cannot use the ${spec.name} (${spec.option}) ${file}: ${problem}`);
}

/**
 * ioredis listens for a socket's FIRST error only (`stream.once('error')`). A dying TLS socket can
 * emit a second one (the server's alert after a refused certificate, a reset after a timeout),
 * which Node would then throw as an uncaught exception and take the whole app down. These
 * connectors keep one more listener on every socket they make: ioredis still handles the first
 * error and the close as before; later errors on a socket that is already failing are dropped.
 */
function keepListening<T extends { on(event: 'error', l: (e: unknown) => void): unknown }>(stream: T): T {
  stream.on('error', () => {});
  return stream;
}

const { StandaloneConnector } = ioredisConnectors;

class GuardedStandaloneConnector extends StandaloneConnector {
  override connect(emitter: Parameters<InstanceType<typeof StandaloneConnector>['connect']>[0]) {
    return super.connect(emitter).then(keepListening);
  }
}

class GuardedSentinelConnector extends SentinelConnector {
  override connect(emitter: Parameters<SentinelConnector['connect']>[0]) {
    return super.connect(emitter).then(keepListening);
  }
}

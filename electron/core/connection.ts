/**
 * The one place where ioredis options are built (ARCHITECTURE.md, model 5), and the client factory.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import Redis, { type RedisOptions } from 'ioredis';
import { usageError } from '../../shared/errors';
import { parseRedisUrl } from './redis-url';

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
}

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
 *   overridable here); CA, certificate and key are read from the given files;
 * - every command carries `commandTimeout = profile.commandTimeoutMs`;
 * - commands that were written but not answered are never resent after a reconnect
 *   (`autoResendUnfulfilledCommands: false`); publish and probe connections have no offline queue,
 *   so a command is sent now or fails now, and publish has `maxRetriesPerRequest: 0` so a
 *   MULTI/EXEC whose answer was lost is reported, not replayed (contract 3.13: a replay would
 *   duplicate entries);
 * - reconnection never stops, with capped, jittered backoff ({@link reconnectDelayMs});
 * - `lazyConnect`: nothing is sent until the caller connects.
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
  };
  if (url.username !== undefined) options.username = url.username;
  if (password !== undefined) options.password = password;
  if (url.tls) options.tls = tlsOptions(url.host, profile.tls);
  else if (profile.tls && Object.values(profile.tls).some((v) => v !== undefined)) {
    throw usageError('TLS options need a rediss:// URL');
  }
  return options;
}

/**
 * A new, not yet connected client for `purpose`. It always has an `error` listener (ioredis would
 * otherwise print "Unhandled error event" with the raw error); the last error it reported is kept
 * for {@link lastClientError}, which the adapter uses to tell *why* a connect failed (ioredis'
 * `connect()` itself only says "Connection is closed." after an AUTH failure).
 */
export function createRedisClient(profile: ConnectionProfile, purpose: ConnectionPurpose): Redis {
  const client = new Redis(buildRedisOptions(profile, purpose));
  watchClientErrors(client);
  return client;
}

const lastErrors = new WeakMap<Redis, Error>();
const watched = new WeakSet<Redis>();

/** Attaches the error recorder to a client (idempotent); used for injected clients too. */
export function watchClientErrors(client: Redis): void {
  if (watched.has(client)) return;
  watched.add(client);
  client.on('error', (e: Error) => lastErrors.set(client, e));
  client.on('ready', () => lastErrors.delete(client));
}

/** The last `error` event of a client since it was last ready, if any. */
export function lastClientError(client: Redis): Error | undefined {
  return lastErrors.get(client);
}

function connectionName(base: string | undefined, purpose: ConnectionPurpose): string {
  // CLIENT SETNAME refuses spaces and newlines; a bad name would fail every connect.
  const clean = (base ?? 'mesh-inspector').replace(/[^\x21-\x7e]/g, '-');
  return `${clean}:${purpose}`;
}

function tlsOptions(host: string, tls: ConnectionProfile['tls']): NonNullable<RedisOptions['tls']> {
  const out: NonNullable<RedisOptions['tls']> = { rejectUnauthorized: true };
  // SNI must be a host name; for an IP literal Node checks the certificate against the IP itself.
  const servername = tls?.servername ?? (isIP(host) === 0 ? host : undefined);
  if (servername !== undefined) out.servername = servername;
  if (tls?.caFile) out.ca = readTlsFile(tls.caFile, 'CA');
  if (tls?.certFile || tls?.keyFile) {
    if (!tls.certFile || !tls.keyFile) throw usageError('a TLS client certificate needs both --tls-cert and --tls-key');
    out.cert = readTlsFile(tls.certFile, 'certificate');
    out.key = readTlsFile(tls.keyFile, 'key');
  }
  return out;
}

function readTlsFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw usageError(`cannot read the TLS ${what} file ${file}: ${code}`);
  }
}

/**
 * Error classification (contract section 4, cli.md exit codes): every failure is `transient`
 * (retry may help, exit 75), `fatal` (retry will not help, exit 1) or `usage` (bad input,
 * nothing sent, exit 64). Pure: no client library types, only codes and message text.
 */

import { redactText } from './redact';
import type { ErrorKind, MeshErrorInfo } from './types';

/**
 * Redis error-reply prefixes net-mesh retries (contract 4: `detail()` starts with one of these).
 * Prefix matching is deliberate and matches net-mesh, so `BUSY` also covers `BUSYGROUP` and
 * `BUSYKEY`, and `ASK` covers any code starting with ASK.
 */
export const TRANSIENT_PREFIXES = [
  'LOADING',
  'BUSY',
  'TRYAGAIN',
  'MASTERDOWN',
  'MOVED',
  'ASK',
  'READONLY',
  'CLUSTERDOWN',
  'NOREPLICAS',
] as const;

/**
 * Classifies a Redis error reply's text (e.g. `READONLY You can't write against a read only
 * replica.`): transient exactly when it starts with one of TRANSIENT_PREFIXES (case-sensitive,
 * as Redis codes are upper case); everything else, EXECABORT included (contract 4 pins ExecAbort
 * fatal), is fatal.
 */
export function classifyRedisReply(message: string): 'transient' | 'fatal' {
  for (const prefix of TRANSIENT_PREFIXES) {
    if (message.startsWith(prefix)) return 'transient';
  }
  return 'fatal';
}

/**
 * The Redis error code of a reply text: its first word when that word is all upper-case letters
 * (digits and `_` allowed after the first letter), e.g. `NOPERM`, `ERR`; otherwise undefined.
 */
export function redisErrorCode(message: string): string | undefined {
  const m = /^([A-Z][A-Z0-9_]+)(?=\s|$)/.exec(message);
  return m ? m[1] : undefined;
}

// Certificate problems are configuration problems: retrying cannot make a certificate valid.
const TLS_FATAL_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const TLS_FATAL_MESSAGES = [
  /self[- ]signed certificate/i,
  /certificate has expired/i,
  /unable to verify the first certificate/i,
  /unable to get (local )?issuer certificate/i,
  /does not match certificate's altnames/i,
  /wrong version number/i,
];

// net-mesh maps every I/O error to transient (contract 4, kind Io); these are the client-side
// shapes of "the connection or the command did not get through" in Node clients.
const TRANSIENT_MESSAGES = [
  /command timed out/i,
  /\btimed? ?out\b/i,
  /connection is closed/i,
  /max retries per request/i,
  /stream isn't writeable/i,
  /none of startup nodes is available/i,
  /failed to refresh slots cache/i,
  /all sentinels are unreachable/i,
  /socket hang up/i,
  /connection (?:lost|reset|refused)/i,
];

/**
 * Classifies a client-side error (no Redis reply) from its Node `code` and message.
 * Fatal: TLS certificate and handshake failures (codes like CERT_HAS_EXPIRED,
 * ERR_TLS_CERT_ALTNAME_INVALID, ERR_SSL_*). Transient: any system errno code (ECONNREFUSED,
 * ECONNRESET, ETIMEDOUT, EPIPE, EHOSTUNREACH, ENETUNREACH, EAI_AGAIN, ENOTFOUND, ...), command
 * timeouts, closed connections and exhausted per-request retries, because net-mesh treats every
 * I/O error, DNS failures included, as transient. A Redis reply passed here with no code is
 * classified as a reply. Anything unrecognised is fatal.
 */
export function classifyNodeError(code: string | undefined, message: string): 'transient' | 'fatal' {
  if (code) {
    if (TLS_FATAL_CODES.has(code) || /^(?:ERR_TLS_|ERR_SSL_|CERT_)/.test(code)) return 'fatal';
    if (/^E[A-Z0-9]+(?:_[A-Z0-9]+)*$/.test(code) && !code.startsWith('ERR_')) return 'transient';
  }
  if (TLS_FATAL_MESSAGES.some((re) => re.test(message))) return 'fatal';
  if (TRANSIENT_MESSAGES.some((re) => re.test(message))) return 'transient';
  if (!code && redisErrorCode(message) !== undefined) return classifyRedisReply(message);
  if (code && /^(?:ERR_SOCKET_CLOSED|ERR_STREAM_DESTROYED|ERR_STREAM_PREMATURE_CLOSE)$/.test(code)) {
    return 'transient';
  }
  return 'fatal';
}

/** Options for MeshError beyond its kind and message. */
export interface MeshErrorOptions {
  /** Redis error code (`NOPERM`) or Node code (`ECONNREFUSED`). */
  code?: string;
  /** The Redis command that failed, for context (never its arguments, which may hold data). */
  command?: string;
  cause?: unknown;
}

/** An error the inspector raises on purpose: it carries its kind, so nothing re-classifies it. */
export class MeshError extends Error {
  readonly kind: ErrorKind;
  // `declare`: with ES2022 class fields an unset optional field would still become an own
  // property holding undefined; these stay absent unless given.
  declare readonly code?: string;
  declare readonly command?: string;

  constructor(kind: ErrorKind, message: string, options: MeshErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MeshError';
    this.kind = kind;
    if (options.code !== undefined) this.code = options.code;
    if (options.command !== undefined) this.command = options.command;
  }
}

/** A MeshError of kind `usage`: bad option, value or input file; nothing was sent to Redis. */
export function usageError(message: string): MeshError {
  return new MeshError('usage', message);
}

const KINDS: readonly string[] = ['transient', 'fatal', 'usage'];

/**
 * Turns anything thrown into the contract's MeshErrorInfo. A MeshError (or an already
 * serialized MeshErrorInfo) keeps its kind; an error with a Node `code` goes through
 * classifyNodeError; an ioredis `ReplyError` or a message starting with a Redis code goes
 * through classifyRedisReply; anything else is fatal. When `secrets` are given, they are
 * scrubbed from the message.
 */
export function toErrorInfo(e: unknown, secrets: readonly string[] = []): MeshErrorInfo {
  const info = classify(e);
  if (secrets.length > 0) info.message = redactText(info.message, secrets);
  return info;
}

function classify(e: unknown): MeshErrorInfo {
  if (e instanceof MeshError) return withCode({ kind: e.kind, message: e.message }, e.code);
  if (typeof e !== 'object' || e === null) {
    return { kind: 'fatal', message: typeof e === 'string' ? e : String(e) };
  }
  const obj = e as { kind?: unknown; message?: unknown; code?: unknown; name?: unknown };
  const message = typeof obj.message === 'string' ? obj.message : String(e);
  if (typeof obj.kind === 'string' && KINDS.includes(obj.kind) && typeof obj.message === 'string') {
    return withCode({ kind: obj.kind as ErrorKind, message }, typeof obj.code === 'string' ? obj.code : undefined);
  }
  const code = typeof obj.code === 'string' && obj.code !== '' ? obj.code : undefined;
  const replyCode = redisErrorCode(message);
  if (obj.name === 'ReplyError' || (code === undefined && replyCode !== undefined)) {
    return withCode({ kind: classifyRedisReply(message), message }, replyCode);
  }
  return withCode({ kind: classifyNodeError(code, message), message }, code);
}

function withCode(info: MeshErrorInfo, code: string | undefined): MeshErrorInfo {
  if (code !== undefined) info.code = code;
  return info;
}

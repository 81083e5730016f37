/**
 * Turning whatever ioredis throws into a MeshError with net-mesh's classes (contract section 4):
 * transient (retry may help) or fatal (it will not), with the Redis reason kept and secrets
 * scrubbed. The decisions themselves are the pure functions of shared/errors.ts; this module only
 * knows the shapes of ioredis' errors.
 */
import {
  MeshError,
  classifyNodeError,
  classifyRedisReply,
  redisErrorCode,
} from '../../shared/errors';
import { redactText } from '../../shared/redact';
import type { ErrorKind } from '../../shared/types';

/** What the caller knows about the failed operation. */
export interface ClassifyContext {
  /** The Redis command (or `MULTI/EXEC`) that failed; recorded on the error, never its arguments. */
  command?: string;
  /** Texts that must not appear in the message (the password). */
  secrets?: string[];
  /**
   * The connection's last `error` event (connection.ts lastClientError): when ioredis gave up on a
   * command because the connection stayed down, this is the reason named instead of its own text.
   */
  connectionError?: unknown;
}

/** ioredis' advice appended to some of its errors: about its options, never the reason. */
const IOREDIS_ADVICE = /\s*Refer to "?\w+"? option for details\.?/g;

/** ioredis' message for a command whose `commandTimeout` expired. */
export const IOREDIS_TIMEOUT_MESSAGE = 'Command timed out';

interface IoredisErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  /** Set by ioredis on an EXEC error: the errors of the commands queued in the transaction. */
  previousErrors?: unknown;
  /** Set by ioredis on reply errors: the command that got the error (its args may hold secrets). */
  command?: { name?: unknown };
  /** Set by ioredis on a Cluster's "Failed to refresh slots cache.": the last node's own error. */
  lastNodeError?: unknown;
  /** Node's ERR_TLS_CERT_ALTNAME_INVALID: the name checked and the peer certificate. */
  host?: unknown;
  cert?: { subjectaltname?: unknown; subject?: { CN?: unknown } };
}

/**
 * Classifies an error thrown by ioredis (or anything else) as a MeshError.
 *
 * Guarantees:
 * - a Redis error reply keeps its text verbatim as the message (e.g. `READONLY You can't write
 *   against a read only replica.`), its code as `code`, and net-mesh's class: transient exactly
 *   for the LOADING/BUSY/TRYAGAIN/MASTERDOWN/MOVED/ASK/READONLY/CLUSTERDOWN/NOREPLICAS prefixes,
 *   fatal otherwise (WRONGPASS, NOAUTH, NOPERM, WRONGTYPE, OOM, ...);
 * - an `EXECABORT` is classified by the error that caused it (ioredis' `previousErrors`), because
 *   the first refused command is the real reason (a READONLY replica refuses each XADD at queue
 *   time and Redis answers EXEC with EXECABORT; READONLY is transient); without a cause it is fatal
 *   as net-mesh pins ExecAbort (contract 4);
 * - command timeouts, refused/reset/closed connections, unwritable streams, aborted commands and
 *   exhausted per-request retries are transient (net-mesh maps every I/O error to transient);
 * - the message never contains any of `context.secrets`; the original ioredis error is not kept as
 *   `cause`, since ioredis attaches the failed command's arguments (an AUTH's password) to it;
 * - a MeshError passes through with its kind (only scrubbed).
 */
export function classifyError(e: unknown, context: ClassifyContext = {}): MeshError {
  const secrets = context.secrets ?? [];
  const scrub = (text: string) => (secrets.length > 0 ? redactText(text, secrets) : text);
  const command = context.command;

  if (e instanceof MeshError) {
    const message = scrub(e.message);
    if (message === e.message && (command === undefined || e.command !== undefined)) return e;
    return make(e.kind, message, e.code, e.command ?? command);
  }
  if (typeof e !== 'object' || e === null) {
    return make('fatal', scrub(typeof e === 'string' ? e : `unexpected error: ${String(e)}`), undefined, command);
  }
  const err = e as IoredisErrorShape;
  const message = typeof err.message === 'string' ? err.message : String(e);
  const name = typeof err.name === 'string' ? err.name : '';
  const nodeCode = typeof err.code === 'string' && err.code !== '' ? err.code : undefined;

  // A transaction error: the queued commands' own errors are the reason (see above).
  // Only when Redis itself refused EXEC (EXECABORT, "EXEC without MULTI"): when the connection
  // dropped, every queued command was aborted alike and the EXEC error already says why.
  const previous = Array.isArray(err.previousErrors) && name === 'ReplyError' ? (err.previousErrors as unknown[]) : [];
  if (previous.length > 0) {
    const first = previous[0] as IoredisErrorShape;
    const inner = classifyError(first, { secrets });
    const failedName = typeof first?.command?.name === 'string' ? first.command.name.toUpperCase() : undefined;
    let note: string;
    if (message.startsWith('EXECABORT')) {
      note = `EXECABORT: Redis discarded the whole transaction, nothing of it was applied`;
    } else if (failedName === 'MULTI') {
      // MULTI itself was refused (e.g. an ACL without +multi): the commands after it ran one by
      // one, outside any transaction. Say so; the caller cannot undo it.
      note = `MULTI was refused, so the commands after it were not atomic and may have been applied; EXEC said: ${scrub(message)}`;
    } else {
      note = `${previous.length} queued command(s) failed; EXEC said: ${scrub(message)}`;
    }
    return make(inner.kind, `${inner.message} (${note})`, inner.code, command);
  }

  // A Cluster that reached no node: the last node's error says why (refused, TLS, WRONGPASS).
  if (err.lastNodeError !== undefined && err.lastNodeError !== null && err.lastNodeError !== e) {
    const inner = classifyError(err.lastNodeError, { secrets });
    return make(inner.kind, `Redis Cluster: no node answered the slot map request; last node error: ${inner.message}`, inner.code, command);
  }
  // ioredis' Sentinel round failed: say what it means without its retry bookkeeping.
  const sentinel = name === 'ReplyError' ? null : /^All sentinels are unreachable[^.]*\.(?: Retrying from scratch after \d+ms\.)?(?: Last error: ([\s\S]*))?$/.exec(message);
  if (sentinel) {
    const last = sentinel[1]?.trim();
    if (last !== undefined && /No such master with that name/i.test(last)) {
      return make('fatal', scrub(`Sentinel: the sentinels know no master by the name given (--master-name); they answered: ${last}`), undefined, command);
    }
    const tlsLast = last !== undefined ? describeTlsFailure(undefined, last) : undefined;
    if (tlsLast !== undefined) return make('fatal', scrub(`${tlsLast.message} (connecting to the sentinels)`), tlsLast.code, command);
    if (last !== undefined && /^(?:WRONGPASS|NOAUTH|NOPERM)/.test(last)) {
      return make('fatal', scrub(`Sentinel: the sentinels refused this client: ${last}`), redisErrorCode(last), command);
    }
    return make('transient', scrub(`Sentinel: no sentinel could be reached or named the master${last ? `; last error: ${last}` : ''}`), undefined, command);
  }
  const tls = name === 'ReplyError' ? undefined : describeTlsFailure(nodeCode, message, err);
  if (tls !== undefined) {
    const where = nodeCode === undefined && /sentinel/i.test(message) ? ' (connecting to the sentinels)' : '';
    return make('fatal', scrub(tls.message + where), tls.code, command);
  }

  if (name === 'ReplyError' || (nodeCode === undefined && redisErrorCode(message) !== undefined)) {
    return make(classifyRedisReply(message), scrub(message), redisErrorCode(message), command);
  }
  if (message === IOREDIS_TIMEOUT_MESSAGE) {
    // Contract 3.13: a timed-out command may still have been executed by Redis.
    return make('transient', `Redis command timeout${command ? ` (${command})` : ''}`, undefined, command);
  }
  if (name === 'MaxRetriesPerRequestError') {
    // ioredis' text only says which of its limits ran out; the reason is the connection's error.
    const cause = describeConnectionError(context.connectionError);
    return make('transient', scrub(`Redis connection lost and not re-established in time${cause ? ` (${cause.text})` : ''}`), cause?.code, command);
  }
  if (name === 'AbortError' || name === 'InterruptError' || /aborted due to connection close/i.test(message)) {
    return make('transient', scrub(`the connection closed before Redis answered: ${message}`), undefined, command);
  }
  return make(classifyNodeError(nodeCode, message), scrub(message.replace(IOREDIS_ADVICE, '')), nodeCode, command);
}

/** A connection `error` event as `CODE message` (its code once), or null when there is none. */
export function describeConnectionError(e: unknown): { text: string; code?: string } | null {
  if (typeof e !== 'object' || e === null) return null;
  const err = e as { message?: unknown; code?: unknown };
  const message = typeof err.message === 'string' ? err.message.replace(IOREDIS_ADVICE, '') : '';
  const code = typeof err.code === 'string' && err.code !== '' ? err.code : undefined;
  if (!message && !code) return null;
  const text = code && !message.includes(code) ? `${code} ${message}`.trim() : message;
  return code ? { text, code } : { text };
}

function make(kind: ErrorKind, message: string, code: string | undefined, command: string | undefined): MeshError {
  const options: { code?: string; command?: string } = {};
  if (code !== undefined) options.code = code;
  if (command !== undefined) options.command = command;
  return new MeshError(kind, message, options);
}

/**
 * A TLS handshake or certificate failure, told in words that name the problem and the fix, with
 * Node's code in parentheses; undefined when the error is not one. Always fatal: retrying cannot
 * make a certificate valid. Recognised from Node's code, or from the text when a client library
 * passed only the message on (ioredis' "All sentinels are unreachable ... Last error: ...").
 */
export function describeTlsFailure(code: string | undefined, message: string, err: IoredisErrorShape = {}): { message: string; code: string } | undefined {
  const c = code ?? tlsCodeFromText(message);
  if (c === undefined) return undefined;
  const say = (text: string) => ({ message: `TLS: ${text} (${c})`, code: c });
  switch (c) {
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return say('the server certificate is not signed by the given CA (the TLS CA certificate file, --tls-ca) nor by a CA this system trusts');
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return say('the server certificate is not signed by the given CA (the TLS CA certificate file, --tls-ca): its chain ends in another, untrusted self-signed CA');
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return say('the server certificate is self-signed and not trusted; give its CA as the TLS CA certificate file (--tls-ca)');
    case 'CERT_HAS_EXPIRED':
      return say('the server certificate has expired');
    case 'CERT_NOT_YET_VALID':
      return say('the server certificate is not valid yet (check the clocks)');
    case 'CERT_REVOKED':
      return say('the server certificate has been revoked');
    case 'CERT_SIGNATURE_FAILURE':
    case 'UNABLE_TO_DECRYPT_CERT_SIGNATURE':
      return say('the server certificate signature does not verify');
    case 'INVALID_CA':
    case 'CERT_UNTRUSTED':
    case 'CERT_REJECTED':
      return say('the server certificate is not trusted for this use');
    case 'HOSTNAME_MISMATCH':
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const names = certNames(err, message);
      const host = typeof err.host === 'string' && err.host !== '' ? err.host : hostFromText(message);
      const is = names.length > 0 ? `for ${names.join(', ')}` : 'for another host name';
      return say(`the certificate is ${is}, not ${host ?? 'the host connected to'} (use the name it holds, or set it as the TLS server name, --tls-servername)`);
    }
  }
  if (/CERTIFICATE_REQUIRED|certificate required/i.test(c + message)) {
    return say('the server requires a client certificate: give the client certificate and key files (--tls-cert, --tls-key)');
  }
  if (/ALERT_UNKNOWN_CA|ALERT_BAD_CERTIFICATE|ALERT_CERTIFICATE_UNKNOWN/i.test(c)) {
    return say('the server refused the client certificate (it does not trust its CA)');
  }
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|UNKNOWN_PROTOCOL/i.test(c)) {
    return say('the server did not answer with TLS: is this a plain redis:// port?');
  }
  if (/^(?:ERR_TLS_|ERR_SSL_|CERT_)/.test(c)) return say(`the handshake failed: ${message}`);
  return undefined;
}

function tlsCodeFromText(message: string): string | undefined {
  if (/unable to verify the first certificate/i.test(message)) return 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
  if (/unable to get (local )?issuer certificate/i.test(message)) return 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY';
  if (/self[- ]signed certificate in certificate chain/i.test(message)) return 'SELF_SIGNED_CERT_IN_CHAIN';
  if (/self[- ]signed certificate/i.test(message)) return 'DEPTH_ZERO_SELF_SIGNED_CERT';
  if (/certificate has expired/i.test(message)) return 'CERT_HAS_EXPIRED';
  if (/does not match certificate's altnames/i.test(message)) return 'ERR_TLS_CERT_ALTNAME_INVALID';
  if (/alert certificate required/i.test(message)) return 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED';
  if (/alert unknown ca/i.test(message)) return 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA';
  if (/wrong version number/i.test(message)) return 'ERR_SSL_WRONG_VERSION_NUMBER';
  return undefined;
}

/** The names a certificate holds: its subjectAltName entries (DNS and IP), else its CN. */
function certNames(err: IoredisErrorShape, message: string): string[] {
  const san = typeof err.cert?.subjectaltname === 'string' ? err.cert.subjectaltname : /cert's altnames: (.*)$/m.exec(message)?.[1];
  if (san) {
    return san
      .split(/,\s*/)
      .map((part) => part.replace(/^(?:DNS|IP Address):/, '').trim())
      .filter((n) => n !== '');
  }
  const cn = err.cert?.subject?.CN;
  return typeof cn === 'string' ? [cn] : [];
}

function hostFromText(message: string): string | undefined {
  const m = /(?:Host|IP): (\S+?)\.? is not in the cert/.exec(message);
  return m?.[1];
}

/** True when `e` is ioredis' command-timeout error (before classification). */
export function isCommandTimeout(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { message?: unknown }).message === IOREDIS_TIMEOUT_MESSAGE;
}

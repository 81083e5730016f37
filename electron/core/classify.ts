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
}

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

  if (name === 'ReplyError' || (nodeCode === undefined && redisErrorCode(message) !== undefined)) {
    return make(classifyRedisReply(message), scrub(message), redisErrorCode(message), command);
  }
  if (message === IOREDIS_TIMEOUT_MESSAGE) {
    // Contract 3.13: a timed-out command may still have been executed by Redis.
    return make('transient', `Redis command timeout${command ? ` (${command})` : ''}`, undefined, command);
  }
  if (name === 'MaxRetriesPerRequestError') {
    return make('transient', scrub(`Redis connection lost and not re-established in time: ${message}`), undefined, command);
  }
  if (name === 'AbortError' || name === 'InterruptError' || /aborted due to connection close/i.test(message)) {
    return make('transient', scrub(`the connection closed before Redis answered: ${message}`), undefined, command);
  }
  return make(classifyNodeError(nodeCode, message), scrub(message), nodeCode, command);
}

function make(kind: ErrorKind, message: string, code: string | undefined, command: string | undefined): MeshError {
  const options: { code?: string; command?: string } = {};
  if (code !== undefined) options.code = code;
  if (command !== undefined) options.command = command;
  return new MeshError(kind, message, options);
}

/** True when `e` is ioredis' command-timeout error (before classification). */
export function isCommandTimeout(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { message?: unknown }).message === IOREDIS_TIMEOUT_MESSAGE;
}

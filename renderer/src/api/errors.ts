import type { ErrorKind, MeshErrorInfo } from '../../../shared/types';

/**
 * The one error type the renderer sees from the api: the contract's `MeshErrorInfo` as a thrown
 * value. The UI branches on `kind` (transient: retrying may help; fatal: it will not; usage: the
 * request itself was wrong), never on `message` text (ARCHITECTURE.md, "errors as data").
 */
export class ApiError extends Error {
  readonly kind: ErrorKind;
  readonly code: string | undefined;

  constructor(info: MeshErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
    this.kind = info.kind;
    this.code = info.code;
  }

  toInfo(): MeshErrorInfo {
    return this.code === undefined ? { kind: this.kind, message: this.message } : { kind: this.kind, message: this.message, code: this.code };
  }
}

/** Anything caught from an api call, as data; an unexpected throw is reported as fatal. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new ApiError({ kind: 'fatal', message: message || 'unexpected error' });
}

/** The transport itself failed (socket dropped, server unreachable): always transient. */
export function linkError(message: string, code = 'ELINK'): ApiError {
  return new ApiError({ kind: 'transient', message, code });
}

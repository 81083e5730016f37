/**
 * The `serve` wire protocol: the contract (`shared/contract.ts`) carried over one WebSocket.
 *
 * Pure: no Node imports, so the renderer's transport module imports these types and decoders
 * directly. Everything the server sends or accepts is described here; the server
 * (`electron/serve/server.ts`) and the renderer's transport are the only two parties.
 *
 * ## Connecting
 * - Open the page `http://<host>:<port>/?token=<token>` (the URL `serve` prints). The page and its
 *   assets carry no data and need no token; a WRONG token in the query gets a small 401 HTML page
 *   saying to open the URL `serve` printed. The page keeps the token in `sessionStorage` (this tab
 *   only) and removes it from the address bar (`history.replaceState`). The server never sets a
 *   cookie: cookies ignore ports, so a cookie would reach every other server on the host.
 * - Connect to `ws://<same host:port>/ws`. The token alone authenticates it, never a cookie: either
 *   `?token=<token>` on the WebSocket URL (checked before the upgrade), or, without one, an `auth`
 *   message as the FIRST frame: `{"type":"auth","token":"<token>"}` (what the page does: the
 *   token then appears in no URL at all). A socket that sends anything else first, a wrong token,
 *   or nothing within 10 s is closed with code 4401 ({@link AUTH_CLOSE_CODE}) and never receives
 *   anything; `hello` is the first frame of an authenticated socket.
 *   A browser sends the `Origin` header by itself; a non-browser client must send
 *   `Origin: http://<host>:<port>` (the same origin the page would have) or it is refused.
 * - Refusals before the upgrade, as HTTP statuses: 401 (a wrong `?token=`), 403 (missing or
 *   foreign Origin), 421 (foreign Host: DNS-rebinding defence), 404 (a path other than /ws), 503
 *   (too many sockets still waiting for their `auth`).
 *
 * ## Messages (one JSON text frame each; binary frames are refused with an `error`)
 * Server → client, first, once per connection:
 *   `{"type":"hello","version":"<app version>","transport":"serve","protocol":1}`
 * Client → server:
 *   `{"type":"invoke","id":<int ≥ 0>,"channel":"<contract channel>","payload":<request>}`
 *   `id` is the client's to choose (a safe integer ≥ 0, unique among its pending invokes).
 * Server → client, exactly once per well-formed invoke (any order; match on `id`):
 *   `{"type":"result","id":<same id>,"envelope":{"ok":true,"value":...}}`
 *   `{"type":"result","id":<same id>,"envelope":{"ok":false,"error":{"kind":"usage"|"transient"|"fatal","message":"...","code"?:"..."}}}`
 *   An unknown channel or a payload that fails the channel's schema is a `result` with a `usage`
 *   error naming the channel and the field: the same gate (`dispatch`) as the desktop IPC. An
 *   invoke with a valid id but no `channel` string is answered the same way.
 * Server → client, pushed whenever the core emits a contract event (`events` in the contract):
 *   `{"type":"event","event":"<event name>","payload":...}`
 *   Every authenticated socket receives every event, except `tail:entries`: a batch goes only to
 *   the socket whose `tail:subscribe` created its subscription. Subscriptions belong to their
 *   socket: when it closes the server unsubscribes them, so a client that reconnects subscribes
 *   again. Under backpressure (over 16 MB unsent to a socket) the server skips `tail:entries`,
 *   `health:changed` and `analysis:progress` for that socket; a skipped tail batch's entry count
 *   is added to `dropped` of the next batch of that subscription it delivers, so the UI can say
 *   entries were skipped instead of silently missing them.
 * Server → client, when a frame cannot be understood (not JSON, not an object, binary, unknown
 * `type`, missing or invalid `id`):
 *   `{"type":"error","id":<the frame's id if it was a valid one, else null>,"error":{"kind":"usage","message":"..."}}`
 *   The connection stays open; the server keeps serving the socket's other requests.
 * A frame larger than the server's limit (twice MAX_BATCH_BYTES plus 16 MB) closes the socket with
 * WebSocket code 1009; on shutdown the server closes every socket with 1001.
 *
 * Versioning: `protocol` in `hello` changes only on incompatible changes; fields may be added.
 */
import type { Envelope, EventName, EventPayloadOf } from './contract';
import type { MeshErrorInfo } from './types';

/** Bumped only on an incompatible change to the messages below. */
export const PROTOCOL_VERSION = 1;

/** The WebSocket endpoint's path on the serve origin. */
export const WS_PATH = '/ws';

/** The query parameter carrying the token on the first page load and on `/ws`. */
export const TOKEN_QUERY_PARAM = 'token';

/**
 * WebSocket close code for "not authenticated" (no `auth` first, a wrong or stale token): the
 * client stops reconnecting and tells the user to open the URL `serve` printed. 4000-4999 is the
 * range RFC 6455 leaves to applications.
 */
export const AUTH_CLOSE_CODE = 4401;

/** The first frame of a socket opened without `?token=`. */
export interface AuthMessage {
  type: 'auth';
  token: string;
}

/** The token of an `auth` frame, or null for anything else (the socket is then closed, 4401). Never throws. */
export function decodeAuthMessage(text: string): string | null {
  try {
    const m = JSON.parse(text) as Partial<AuthMessage> | null;
    return typeof m === 'object' && m !== null && m.type === 'auth' && typeof m.token === 'string' ? m.token : null;
  } catch {
    return null;
  }
}

export interface InvokeMessage {
  type: 'invoke';
  /** Chosen by the client; a safe integer ≥ 0. */
  id: number;
  channel: string;
  payload?: unknown;
}

/** Everything a client may send once authenticated (`auth` is only ever the first frame). */
export type ClientMessage = InvokeMessage;

export interface HelloMessage {
  type: 'hello';
  /** The app's version (the same as `app:info`). */
  version: string;
  transport: 'serve';
  protocol: number;
}

export interface ResultMessage {
  type: 'result';
  id: number;
  envelope: Envelope<unknown>;
}

/** One contract event; `payload` is typed by `event` for consumers that narrow on it. */
export type EventMessage = {
  [E in EventName]: { type: 'event'; event: E; payload: EventPayloadOf<E> };
}[EventName];

export interface ProtocolErrorMessage {
  type: 'error';
  /** The offending frame's id when it carried a valid one, else null. */
  id: number | null;
  error: MeshErrorInfo;
}

/** Everything the server may send. */
export type ServerMessage = HelloMessage | ResultMessage | EventMessage | ProtocolErrorMessage;

/** True for ids the protocol accepts: JSON numbers that are safe integers ≥ 0. */
export function isValidId(id: unknown): id is number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0;
}

export type DecodedClientMessage =
  | { ok: true; message: ClientMessage }
  /**
   * `reply: 'result'` when the frame was an invoke with a valid id (the caller has a pending
   * request to settle), `'error'` otherwise.
   */
  | { ok: false; reply: 'result'; id: number; error: MeshErrorInfo }
  | { ok: false; reply: 'error'; id: number | null; error: MeshErrorInfo };

/**
 * Decodes one client frame. Never throws: anything that is not a well-formed invoke comes back
 * as a usage error, to be sent as a `result` when the frame was an invoke with a valid id (so the
 * caller's pending request settles) and as an `error` message otherwise. Whether the channel
 * exists and the payload fits its schema is NOT checked here: that is the gate's job (`dispatch`).
 */
export function decodeClientMessage(text: string): DecodedClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return usage(null, `a message must be JSON text (got ${text.length} characters that do not parse)`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return usage(null, `a message must be a JSON object (got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value})`);
  }
  const record = value as Record<string, unknown>;
  const id = isValidId(record.id) ? record.id : null;
  if (record.type !== 'invoke') {
    const shown = typeof record.type === 'string' ? JSON.stringify(record.type.slice(0, 64)) : typeof record.type;
    return usage(id, `unknown message type ${shown}; a client sends only "invoke"`);
  }
  if (id === null) {
    return usage(null, 'an invoke needs an "id" that is an integer from 0 to 2^53-1');
  }
  if (typeof record.channel !== 'string') {
    return { ok: false, reply: 'result', id, error: { kind: 'usage', message: `an invoke needs a "channel" string (got ${record.channel === null ? 'null' : typeof record.channel})` } };
  }
  return { ok: true, message: { type: 'invoke', id, channel: record.channel, payload: record.payload } };
}

/**
 * Decodes one server frame for the renderer's transport. Returns null for anything that is not a
 * server message this protocol version knows (the transport ignores those rather than failing).
 */
export function decodeServerMessage(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'hello':
      return typeof m.version === 'string' && m.transport === 'serve' && typeof m.protocol === 'number' ? (m as unknown as HelloMessage) : null;
    case 'result':
      return isValidId(m.id) && typeof m.envelope === 'object' && m.envelope !== null ? (m as unknown as ResultMessage) : null;
    case 'event':
      return typeof m.event === 'string' ? (m as unknown as EventMessage) : null;
    case 'error':
      return (m.id === null || isValidId(m.id)) && typeof m.error === 'object' && m.error !== null ? (m as unknown as ProtocolErrorMessage) : null;
    default:
      return null;
  }
}

function usage(id: number | null, message: string): DecodedClientMessage {
  return { ok: false, reply: 'error', id, error: { kind: 'usage', message } };
}

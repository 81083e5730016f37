/**
 * `serve`: the built renderer over HTTP and the contract over a WebSocket, on one loopback port.
 *
 * Every HTTP request and every WebSocket upgrade passes the same two checks, in this order: Host
 * (421) and Origin (403); then the method (405) and the path. The page and its assets carry no data
 * and need no token (a wrong one in the query gets a page saying what to do); the data channel,
 * the WebSocket, is authenticated by the token alone: `?token=` on its URL or an `auth` first
 * frame, never a cookie (cookies ignore ports: issue 12). The rules themselves are pure functions in
 * `security.ts` and `static-files.ts`; this module only applies them. The wire protocol is
 * documented in `shared/serve-protocol.ts`.
 */
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { hostname as osHostname, networkInterfaces } from 'node:os';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { MAX_BATCH_BYTES, type ConnectionStatus, type EventName, type EventPayloadOf, type EventSink, type ProfileInput } from '../../shared/contract';
import { toErrorInfo } from '../../shared/errors';
import { redactText } from '../../shared/redact';
import type { MeshErrorInfo } from '../../shared/types';
import { dispatch } from '../core/dispatch';
import { configHome } from '../core/home';
import { secretsOf } from '../core/connection';
import { displayRedisUrl } from '../core/redis-url';
import type { CreateService, MeshService } from '../core/service-api';
import { FileSecretStore } from './file-secret-store';
import { AUTH_CLOSE_CODE, PROTOCOL_VERSION, WS_PATH, decodeAuthMessage, decodeClientMessage, type ServerMessage } from '../../shared/serve-protocol';
import {
  allowedAuthority,
  generateToken,
  hostnameForUrl,
  isAllowedHost,
  isAllowedOrigin,
  isWildcardHost,
  parseAuthority,
  readQueryToken,
  securityHeaders,
  staleTokenCookies,
  tokenMatches,
  type AllowedAuthority,
} from './security';
import { isInside, mimeType, resolveStaticPath } from './static-files';

/**
 * Frames up to this size are accepted. A publish batch may hold MAX_BATCH_BYTES of event text, and
 * each event travels as a JSON string inside the frame, where every `"` and `\` doubles: twice the
 * batch plus room for the envelope is the worst case a valid request can reach.
 */
export const DEFAULT_MAX_PAYLOAD = 2 * MAX_BATCH_BYTES + 16 * 1024 * 1024;
/** Above this many unsent bytes on a socket, droppable events are skipped for it. */
export const DEFAULT_MAX_BUFFERED = 16 * 1024 * 1024;

/**
 * Events that are safe to skip for a slow socket: `health:changed` and `analysis:progress` are
 * snapshots superseded by the next one (and `analysis:done` is never skipped); `tail:entries`
 * batches are skipped with their count carried into the next delivered batch's `dropped`.
 */
const DROPPABLE: ReadonlySet<EventName> = new Set<EventName>(['tail:entries', 'health:changed', 'analysis:progress']);

export interface ServeOptions {
  /** Address to bind; default 127.0.0.1. A non-loopback address exposes the UI (token-protected) to the network. */
  host?: string;
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** The built renderer (dist/renderer); read per request, so building later needs no restart. */
  staticDir: string;
  createService: CreateService;
  appVersion: string;
  /** Config folder for the service and `secrets.json`; default configHome(). */
  home?: string;
  /** Open the UI already connected to this Redis URL (`serve --url`). */
  url?: string;
  /** Stream prefix for `url`; default `net`. */
  prefix?: string;
  /** Command timeout for the `url` connection. */
  commandTimeoutMs?: number;
  /** Topology and TLS for the `url` connection (`serve --cluster`, `--sentinel`, `--tls-*`). */
  topology?: ProfileInput['topology'];
  tls?: ProfileInput['tls'];
  /** The sentinels' own password for the `url` connection (`$MESH_SENTINEL_PASSWORD`); kept in memory only. */
  sentinelPassword?: string;
  /** WebSocket frame size limit; default {@link DEFAULT_MAX_PAYLOAD}. */
  maxPayload?: number;
  /** Per-socket backpressure bound; default {@link DEFAULT_MAX_BUFFERED}. */
  maxBufferedBytes?: number;
  /** How long a socket opened without `?token=` may take to send its `auth` frame; default {@link DEFAULT_AUTH_TIMEOUT_MS}. */
  authTimeoutMs?: number;
}

/** A socket opened without `?token=` has this long to authenticate with its first frame. */
export const DEFAULT_AUTH_TIMEOUT_MS = 10_000;
/** Sockets still waiting for their `auth` frame, at most; more upgrades get 503. */
const MAX_PENDING_AUTH = 32;

export interface ServeHandle {
  /** `http://<host>:<port>/?token=<token>`: the one URL that opens the UI. */
  url: string;
  token: string;
  /** The bound port (the real one when 0 was asked). */
  port: number;
  /** The host as it appears in `url`. */
  host: string;
  /**
   * Why the `url` connection failed or is not up yet (the service may still be retrying), redacted;
   * null when none was asked or it is ready.
   */
  connectError: MeshErrorInfo | null;
  /** Live counters, for tests and diagnostics. */
  stats(): { sockets: number; droppedEvents: number };
  /** Closes every socket, stops listening and disposes the service. Idempotent. */
  close(): Promise<void>;
}

/** One authenticated WebSocket. */
interface Client {
  ws: WebSocket;
  /** Tail subscriptions this socket created: their batches go to it alone, and close with it. */
  subscriptions: Set<string>;
  /**
   * Entries skipped under backpressure per subscription, not yet reported in a `dropped`, and
   * whether that count is exact (every skipped batch's own `dropped` was).
   */
  tailDropped: Map<string, { count: number; exact: boolean }>;
}

/**
 * Starts serving. Guarantees: when the promise resolves the port is listening and the service is
 * created (and connected to `url` if asked; a failed connection is reported in `connectError`,
 * not thrown, so the UI still opens and shows it). Rejects, with nothing left running, when the
 * port cannot be bound (the error's `code`, e.g. EADDRINUSE, is preserved) or the service cannot
 * be created.
 */
export async function startServe(opts: ServeOptions): Promise<ServeHandle> {
  const bindHost = opts.host ?? '127.0.0.1';
  const token = generateToken();
  const maxBuffered = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
  const clients = new Set<Client>();
  const subscriptionOwner = new Map<string, Client>();
  let droppedEvents = 0;
  let service: MeshService | null = null;
  let allowed: AllowedAuthority | null = null;
  let closing: Promise<void> | null = null;
  /** Sockets opened without `?token=`, still waiting for their `auth` frame. */
  const pending = new Set<WebSocket>();

  const http = createServer((req, res) => {
    try {
      handleRequest(req, res);
    } catch {
      // A bug here must cost one request, not the process holding the user's connections.
      if (!res.headersSent) plain(res, 500, securityHeaders(), 'internal error');
      else res.destroy();
    }
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload ?? DEFAULT_MAX_PAYLOAD, clientTracking: false });

  // ---------- HTTP ----------

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const gate = checkRequest(req);
    if (!gate.ok) {
      plain(res, gate.status, gate.headers, gate.message);
      return;
    }
    const headers: OutgoingHttpHeaders = { ...gate.headers };
    // A browser that ran an older serve may still hold a token cookie, which it would send to
    // every port of this host: expire it wherever it shows up.
    const stale = staleTokenCookies(req.headers.cookie);
    if (stale.length > 0) headers['Set-Cookie'] = stale;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(res, 405, { ...headers, Allow: 'GET, HEAD' }, 'only GET and HEAD are served');
      return;
    }
    // The page and its assets hold no data, so they need no token. A token in the query is
    // checked all the same, so a stale link says so at once instead of opening a page that
    // cannot connect.
    const queryToken = readQueryToken(req.url);
    if (queryToken !== null && !tokenMatches(token, queryToken)) {
      html(res, 401, headers, TOKEN_REFUSED_PAGE);
      return;
    }
    const target = req.url ?? '/';
    if (target === WS_PATH || target.startsWith(`${WS_PATH}?`)) {
      plain(res, 426, { ...headers, Upgrade: 'websocket' }, 'this endpoint speaks WebSocket');
      return;
    }
    const resolved = resolveStaticPath(opts.staticDir, target);
    if (!resolved.ok) {
      plain(res, resolved.status, headers, resolved.status === 404 ? 'not found' : `bad path: ${resolved.reason}`);
      return;
    }
    if (resolved.isIndex && !existsSync(resolved.file)) {
      html(res, 503, headers, NOT_BUILT_PAGE);
      return;
    }
    const file = containedRegularFile(opts.staticDir, resolved.file);
    if (file === null) {
      plain(res, 404, headers, 'not found');
      return;
    }
    res.writeHead(200, {
      ...headers,
      'Content-Type': mimeType(file.path),
      'Content-Length': file.size,
      // index.html names the hashed assets of the current build: never reuse a stale copy.
      'Cache-Control': resolved.isIndex ? 'no-store' : 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file.path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  type Gate = { ok: true; headers: OutgoingHttpHeaders } | { ok: false; status: number; headers: OutgoingHttpHeaders; message: string };

  /** Host and Origin, for both plain requests and upgrades. */
  function checkRequest(req: IncomingMessage, requireOrigin = false): Gate {
    const auth = allowed!;
    if (!isAllowedHost(req.headers.host, auth)) {
      return { ok: false, status: 421, headers: securityHeaders(), message: 'this server answers only to its own address' };
    }
    // The Host is one of ours, so it is safe to name in the CSP (as parsed, never as sent).
    const a = parseAuthority(req.headers.host!, 80)!;
    const headers: OutgoingHttpHeaders = securityHeaders(`${a.hostname}:${a.port}`);
    const origin = req.headers.origin;
    if ((requireOrigin || origin !== undefined) && !isAllowedOrigin(origin, auth)) {
      return { ok: false, status: 403, headers, message: origin === undefined ? 'an Origin header is required' : 'cross-origin requests are refused' };
    }
    return { ok: true, headers };
  }

  // ---------- WebSocket ----------

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      handleUpgrade(req, socket, head);
    } catch {
      socket.destroy();
    }
  });

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (closing) {
      refuseUpgrade(socket, 503, 'shutting down');
      return;
    }
    const gate = checkRequest(req, true);
    if (!gate.ok) {
      refuseUpgrade(socket, gate.status, gate.message);
      return;
    }
    const target = req.url ?? '/';
    const path = target.split('?')[0];
    if (path !== WS_PATH) {
      refuseUpgrade(socket, 404, 'the WebSocket endpoint is /ws');
      return;
    }
    // The token alone authenticates the data channel: in the query (checked now), or as the first
    // frame. A cookie is never looked at.
    const queryToken = readQueryToken(target);
    if (queryToken !== null && !tokenMatches(token, queryToken)) {
      refuseUpgrade(socket, 401, 'a valid token is required: open the URL printed by `mesh-inspector serve`');
      return;
    }
    if (queryToken === null && pending.size >= MAX_PENDING_AUTH) {
      refuseUpgrade(socket, 503, 'too many connections waiting to authenticate');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => (queryToken !== null ? onConnection(ws) : awaitAuth(ws)));
  }

  /**
   * A socket opened without `?token=`: it gets nothing, and nothing it sends is looked at, until its
   * first frame is an `auth` frame with the token. Anything else, or silence, closes it (4401).
   */
  function awaitAuth(ws: WebSocket): void {
    pending.add(ws);
    const settle = () => {
      if (!pending.delete(ws)) return false;
      clearTimeout(timer);
      return true;
    };
    const refuse = (reason: string) => {
      if (settle()) ws.close(AUTH_CLOSE_CODE, reason);
    };
    const timer = setTimeout(() => refuse('no token: open the URL printed by mesh-inspector serve'), opts.authTimeoutMs ?? DEFAULT_AUTH_TIMEOUT_MS);
    timer.unref();
    ws.on('error', () => undefined);
    ws.once('close', () => settle());
    ws.once('message', (data: RawData, isBinary: boolean) => {
      const presented = isBinary ? null : decodeAuthMessage(rawToString(data));
      if (presented === null || !tokenMatches(token, presented)) {
        refuse('token refused: open the URL printed by mesh-inspector serve');
        return;
      }
      if (settle()) onConnection(ws);
    });
  }

  function onConnection(ws: WebSocket): void {
    const client: Client = { ws, subscriptions: new Set(), tailDropped: new Map() };
    clients.add(client);
    // ws reports protocol violations (e.g. a frame over maxPayload) here and then closes the socket.
    ws.on('error', () => undefined);
    ws.on('close', () => {
      clients.delete(client);
      releaseSubscriptions(client);
    });
    ws.on('message', (data: RawData, isBinary: boolean) => onMessage(client, data, isBinary));
    send(client, { type: 'hello', version: opts.appVersion, transport: 'serve', protocol: PROTOCOL_VERSION });
  }

  function onMessage(client: Client, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      send(client, { type: 'error', id: null, error: { kind: 'usage', message: 'binary frames are not part of the protocol; send JSON text' } });
      return;
    }
    const decoded = decodeClientMessage(rawToString(data));
    if (!decoded.ok) {
      if (decoded.reply === 'result') send(client, { type: 'result', id: decoded.id, envelope: { ok: false, error: decoded.error } });
      else send(client, { type: 'error', id: decoded.id, error: decoded.error });
      return;
    }
    const { id, channel, payload } = decoded.message;
    const svc = service;
    if (svc === null) {
      send(client, { type: 'result', id, envelope: { ok: false, error: { kind: 'transient', message: 'the service is not ready' } } });
      return;
    }
    dispatch(svc.handlers, channel, payload, () => svc.knownSecrets())
      .catch((e: unknown) => ({ ok: false as const, error: toErrorInfo(e) }))
      .then((envelope) => {
        if (envelope.ok) trackSubscription(client, channel, payload, envelope.value);
        send(client, { type: 'result', id, envelope });
      });
  }

  function trackSubscription(client: Client, channel: string, payload: unknown, value: unknown): void {
    if (channel === 'tail:subscribe') {
      const subscriptionId = (value as { subscriptionId?: unknown } | null)?.subscriptionId;
      if (typeof subscriptionId !== 'string') return;
      if (client.ws.readyState !== WebSocket.OPEN) {
        // The socket went away while subscribing: nobody will ever unsubscribe this one.
        void unsubscribe(subscriptionId);
        return;
      }
      client.subscriptions.add(subscriptionId);
      subscriptionOwner.set(subscriptionId, client);
    } else if (channel === 'tail:unsubscribe') {
      const subscriptionId = (payload as { subscriptionId?: unknown } | null)?.subscriptionId;
      if (typeof subscriptionId !== 'string') return;
      client.subscriptions.delete(subscriptionId);
      client.tailDropped.delete(subscriptionId);
      if (subscriptionOwner.get(subscriptionId) === client) subscriptionOwner.delete(subscriptionId);
    }
  }

  // A closed tab's live tail would otherwise keep polling Redis for nobody, forever.
  function releaseSubscriptions(client: Client): void {
    for (const id of client.subscriptions) {
      if (subscriptionOwner.get(id) === client) subscriptionOwner.delete(id);
      void unsubscribe(id);
    }
    client.subscriptions.clear();
  }

  async function unsubscribe(subscriptionId: string): Promise<void> {
    if (service === null) return;
    await dispatch(service.handlers, 'tail:unsubscribe', { subscriptionId }, () => service?.knownSecrets() ?? []);
  }

  /** Serializes and sends; a value JSON cannot encode becomes an error result, never a throw. */
  function send(client: Client, message: ServerMessage): void {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (e) {
      if (message.type !== 'result') return;
      text = JSON.stringify({
        type: 'result',
        id: message.id,
        envelope: { ok: false, error: { kind: 'fatal', message: `the response could not be encoded as JSON: ${toErrorInfo(e).message}` } },
      } satisfies ServerMessage);
    }
    client.ws.send(text);
  }

  const sink: EventSink = <E extends EventName>(event: E, payload: EventPayloadOf<E>) => {
    if (closing) return;
    if (event === 'tail:entries') {
      deliverTail(payload as EventPayloadOf<'tail:entries'>);
      return;
    }
    let text: string;
    try {
      text = JSON.stringify({ type: 'event', event, payload });
    } catch {
      return; // An event the core cannot encode is a core bug; it must not take the server down.
    }
    for (const client of clients) {
      if (client.ws.readyState !== WebSocket.OPEN) continue;
      if (DROPPABLE.has(event) && client.ws.bufferedAmount > maxBuffered) {
        droppedEvents++;
        continue;
      }
      client.ws.send(text);
    }
  };

  function deliverTail(batch: EventPayloadOf<'tail:entries'>): void {
    const owner = subscriptionOwner.get(batch.subscriptionId);
    // Owned subscriptions go to their socket alone; one created some other way goes to everyone.
    const targets = owner ? [owner] : [...clients];
    for (const client of targets) {
      if (client.ws.readyState !== WebSocket.OPEN) continue;
      const pending = client.tailDropped.get(batch.subscriptionId);
      if (client.ws.bufferedAmount > maxBuffered) {
        droppedEvents++;
        client.tailDropped.set(batch.subscriptionId, {
          count: (pending?.count ?? 0) + batch.entries.length + batch.dropped,
          exact: (pending?.exact ?? true) && batch.exact === true,
        });
        continue;
      }
      client.tailDropped.delete(batch.subscriptionId);
      const payload = pending === undefined ? batch : { ...batch, dropped: batch.dropped + pending.count, exact: pending.exact && batch.exact === true };
      send(client, { type: 'event', event: 'tail:entries', payload });
    }
  }

  // ---------- lifecycle ----------

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    http.once('error', onError);
    http.listen(opts.port ?? 0, bindHost, () => {
      http.off('error', onError);
      resolve();
    });
  });
  // After start-up, a server error (rare: e.g. EMFILE on accept) must not crash the process.
  http.on('error', () => undefined);
  const address = http.address();
  const port = typeof address === 'object' && address !== null ? address.port : (opts.port ?? 0);
  allowed = allowedAuthority(bindHost, port, isWildcardHost(bindHost) ? localNames() : []);

  try {
    const home = opts.home ?? configHome();
    service = opts.createService({ transport: 'serve', secrets: new FileSecretStore(home), sink, appVersion: opts.appVersion, home });
  } catch (e) {
    await closeHttp();
    throw e;
  }

  let connectError: MeshErrorInfo | null = null;
  if (opts.url !== undefined) {
    try {
      await service.connectUrl(opts.url, opts.prefix ?? 'net', {
        ...(opts.commandTimeoutMs !== undefined ? { commandTimeoutMs: opts.commandTimeoutMs } : {}),
        ...(opts.topology ? { topology: opts.topology } : {}),
        ...(opts.tls ? { tls: opts.tls } : {}),
        ...(opts.sentinelPassword ? { sentinelPassword: opts.sentinelPassword } : {}),
      });
      // A transient failure does not throw: the service keeps retrying and reports it in the
      // status. The user at the terminal should hear about it all the same.
      const status = await dispatch(service.handlers, 'connection:status', {}, () => service?.knownSecrets() ?? []);
      const value = status.ok ? (status.value as ConnectionStatus) : null;
      if (value && value.state !== 'ready' && value.error) connectError = value.error;
    } catch (e) {
      connectError = toErrorInfo(e);
    }
    if (connectError) {
      const secrets = [...service.knownSecrets(), ...secretsOf({ url: opts.url, ...(opts.sentinelPassword ? { topology: { mode: 'sentinel', sentinelPassword: opts.sentinelPassword } } : {}) })];
      connectError = { ...connectError, message: scrub(connectError.message, opts.url, secrets) };
    }
  }

  // A wildcard is not an address a browser can open; the loopback one works on this machine.
  const shownHost = isWildcardHost(bindHost) ? '127.0.0.1' : hostnameForUrl(bindHost);
  const url = `http://${shownHost}:${port}/?token=${token}`;

  async function closeHttp(): Promise<void> {
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    // Keep-alive connections would hold close() open until they time out.
    http.closeAllConnections();
    await closed;
  }

  async function close(): Promise<void> {
    // Not yet authenticated: nothing of ours to tell them.
    for (const ws of pending) ws.terminate();
    const sockets = [...clients];
    await Promise.all(
      sockets.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.ws.readyState === WebSocket.CLOSED) return resolve();
            c.ws.once('close', () => resolve());
            c.ws.close(1001, 'server shutting down');
            // A peer that never answers the close handshake must not hold the shutdown.
            setTimeout(() => c.ws.terminate(), 1000).unref();
          }),
      ),
    );
    wss.close();
    await closeHttp();
    await service?.dispose();
  }

  return {
    url,
    token,
    port,
    host: shownHost,
    connectError,
    stats: () => ({ sockets: clients.size, droppedEvents }),
    close: () => (closing ??= close()),
  };
}

/** The machine's own addresses and name: how a browser addresses a server bound to a wildcard. */
function localNames(): string[] {
  const names = [osHostname()];
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) names.push(info.address.split('%')[0]!);
  }
  return names;
}

/** The message with the URL itself shown redacted, and every secret removed. */
function scrub(message: string, url: string, secrets: string[]): string {
  return redactText(message.split(url).join(displayRedisUrl(url)), secrets);
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** The file behind `file` if it is a regular file whose real path is still inside `root`. */
function containedRegularFile(root: string, file: string): { path: string; size: number } | null {
  try {
    const real = realpathSync(file);
    // A symlink inside the build pointing outside it is refused like a `..`.
    if (!isInside(realpathSync(root), real)) return null;
    const st = statSync(real);
    return st.isFile() ? { path: real, size: st.size } : null;
  } catch {
    return null;
  }
}

function plain(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, message: string): void {
  const body = Buffer.from(`${message}\n`, 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function html(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, page: string): void {
  const body = Buffer.from(page, 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** Answers an upgrade with a plain HTTP status and closes the TCP connection. */
function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Refused'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
  socket.once('finish', () => socket.destroy());
  setTimeout(() => socket.destroy(), 1000).unref();
}

/**
 * What a wrong or stale `?token=` gets: what happened and what to do, no script, no style (the
 * CSP allows neither inline), no data.
 */
const TOKEN_REFUSED_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Mesh Inspector: link expired</title></head>
<body>
<h1>This Mesh Inspector link is no longer valid</h1>
<p>The token in it does not match this server. Every start of <code>mesh-inspector serve</code> makes a new one.</p>
<p>Open the URL that <code>serve</code> printed in its terminal, on the line that starts with <code>Mesh Inspector UI:</code>.</p>
</body></html>
`;

/** What `/` answers when dist/renderer has not been built: one plain sentence, no script. */
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mesh Inspector</title></head>
<body><p>renderer not built: run npm run build</p></body></html>
`;

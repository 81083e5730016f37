import type { ChannelName, EventName, EventPayloadOf, ResponseOf } from '../../../shared/contract';
import { AUTH_CLOSE_CODE, WS_PATH, decodeServerMessage, type AuthMessage, type ServerMessage } from '../../../shared/serve-protocol';
import type { ApiClient, InvokeArgs, LinkState } from './client';
import { ApiError, linkError } from './errors';
import { forgetServeToken, takeServeToken, windowTokenPlace, type TokenPlace } from './serve-token';

export interface WsClientOptions {
  /** Defaults to `ws(s)://<page host>/ws` (no token in it: the token goes in the first frame). */
  url?: string;
  /**
   * The token, sent as the first frame (`auth`). Default: the page's, from its address or this
   * tab's sessionStorage ({@link takeServeToken}). `null`: none is sent (a `url` carrying
   * `?token=` authenticates by itself).
   */
  token?: string | null;
  /** Where the page's token lives; default the window's. */
  tokenPlace?: TokenPlace;
  /** Delay before reconnect attempt `attempt` (1-based). */
  backoffMs?: (attempt: number) => number;
  /** How long a call made while the link is down waits for it before failing (transient). */
  linkWaitMs?: number;
}

/** Reconnect delay: 250 ms doubling to a 5 s cap, ±20 % jitter so many tabs do not stampede. */
export function defaultBackoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(250 * 2 ** Math.min(Math.max(attempt - 1, 0), 10), 5000);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * The WebSocket URL for a page served by `serve`: same host, path `/ws`, and no token: it travels
 * in the first frame, so it is in no URL, log or proxy line.
 */
export function wsUrlFor(location: Pick<Location, 'protocol' | 'host'>): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${WS_PATH}`;
}

/** What a page without a valid token says; the UI shows it (`link() === 'unauthorized'`). */
export const UNAUTHORIZED_MESSAGE = 'This page is not connected to the inspector: open the URL that `mesh-inspector serve` printed (it changes every time serve starts).';

interface Pending {
  channel: string;
  resolve: (value: unknown) => void;
  reject: (error: ApiError) => void;
}

interface Waiter {
  ready: () => void;
  fail: (error: ApiError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The browser-mode transport: the contract over one WebSocket to `serve`.
 *
 * Guarantees:
 * - reconnects by itself with capped backoff whenever the socket drops (serve restarted, laptop
 *   slept), until `close()`;
 * - a call in flight when the socket drops is rejected with a `transient` ApiError and is never
 *   resent: it may already have run on the server;
 * - a call made while the link is down waits up to `linkWaitMs` for it, then fails `transient`;
 * - events are delivered in the order the server sent them;
 * - the token is sent only as the socket's first frame, never in a URL or a cookie; a page with no
 *   token, or one the server refuses (close 4401: `serve` restarted with a new one), goes to
 *   `unauthorized`: no more attempts, the stale token forgotten, every call failing `fatal` with
 *   {@link UNAUTHORIZED_MESSAGE}.
 */
export function createWsClient(options: WsClientOptions = {}): ApiClient {
  const url = options.url ?? wsUrlFor(window.location);
  const place = options.tokenPlace ?? (options.token === undefined ? windowTokenPlace() : null);
  const token = options.token !== undefined ? options.token : takeServeToken(place!);
  const backoff = options.backoffMs ?? ((attempt: number) => defaultBackoffMs(attempt));
  const linkWaitMs = options.linkWaitMs ?? 15_000;

  let socket: WebSocket | null = null;
  let state: LinkState = 'connecting';
  let everOpened = false;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const waiters = new Set<Waiter>();
  const eventListeners = new Map<string, Set<(payload: unknown) => void>>();
  const linkListeners = new Set<(state: LinkState) => void>();

  const setState = (next: LinkState) => {
    if (state === next) return;
    state = next;
    for (const l of [...linkListeners]) l(next);
  };

  const rejectInFlight = (error: ApiError) => {
    const calls = [...pending.values()];
    pending.clear();
    for (const p of calls) p.reject(error);
  };

  const unauthorized = () => new ApiError({ kind: 'fatal', message: UNAUTHORIZED_MESSAGE, code: 'EUNAUTHORIZED' });

  const linkUp = () => {
    everOpened = true;
    attempt = 0;
    setState('open');
    for (const w of [...waiters]) {
      waiters.delete(w);
      clearTimeout(w.timer);
      w.ready();
    }
  };

  const onMessage = (message: ServerMessage) => {
    switch (message.type) {
      case 'result': {
        const call = pending.get(message.id);
        if (!call) return;
        pending.delete(message.id);
        if (message.envelope.ok) call.resolve(message.envelope.value);
        else call.reject(new ApiError(message.envelope.error));
        return;
      }
      case 'error': {
        if (message.id === null) return;
        const call = pending.get(message.id);
        if (!call) return;
        pending.delete(message.id);
        call.reject(new ApiError(message.error));
        return;
      }
      case 'event': {
        const set = eventListeners.get(message.event);
        if (!set) return;
        for (const l of [...set]) {
          try {
            l(message.payload);
          } catch (e) {
            // One broken listener must not starve the others of the event.
            console.error(`listener for ${message.event} failed`, e);
          }
        }
        return;
      }
      case 'hello':
        // The server's first frame to an authenticated socket: only now may calls be sent.
        linkUp();
        return;
    }
  };

  const scheduleReconnect = () => {
    if (state === 'closed' || state === 'unauthorized' || retryTimer !== null) return;
    attempt += 1;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, backoff(attempt));
  };

  const refuseAll = () => {
    setState('unauthorized');
    const error = unauthorized();
    rejectInFlight(error);
    for (const w of [...waiters]) {
      clearTimeout(w.timer);
      w.fail(error);
    }
    waiters.clear();
  };

  const connect = () => {
    if (state === 'closed' || state === 'unauthorized') return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.addEventListener('open', () => {
      if (socket !== ws || token === null) return;
      const auth: AuthMessage = { type: 'auth', token };
      ws.send(JSON.stringify(auth));
    });
    ws.addEventListener('message', (ev: MessageEvent) => {
      if (socket !== ws || typeof ev.data !== 'string') return;
      const message = decodeServerMessage(ev.data);
      if (message) onMessage(message);
    });
    ws.addEventListener('close', (ev: CloseEvent) => {
      if (socket !== ws) return;
      socket = null;
      if (ev.code === AUTH_CLOSE_CODE && state !== 'closed') {
        // A stale token (serve restarted): retrying cannot help, and the token is useless now.
        if (place) forgetServeToken(place);
        refuseAll();
        return;
      }
      rejectInFlight(linkError('the connection to the inspector server was lost; the request may or may not have run', 'ELINKLOST'));
      if (state === 'closed') return;
      setState(everOpened ? 'reconnecting' : 'connecting');
      scheduleReconnect();
    });
  };

  const online = () => {
    // Back on the network: try now instead of waiting out the backoff.
    if (state !== 'reconnecting' && state !== 'connecting') return;
    if (retryTimer !== null) {
      clearTimeout(retryTimer);
      retryTimer = null;
      connect();
    }
  };
  window.addEventListener('online', online);

  const whenOpen = (): Promise<void> => {
    if (state === 'open') return Promise.resolve();
    if (state === 'closed') return Promise.reject(linkError('the api client is closed', 'ECLOSED'));
    if (state === 'unauthorized') return Promise.reject(unauthorized());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        ready: resolve,
        fail: reject,
        timer: setTimeout(() => {
          waiters.delete(waiter);
          reject(linkError('cannot reach the inspector server', 'ELINKDOWN'));
        }, linkWaitMs),
      };
      waiters.add(waiter);
    });
  };

  // No token and none in the URL: nothing to connect with; say so instead of retrying forever.
  if (token === null && !/[?&]token=/.test(url)) setState('unauthorized');
  else connect();

  return {
    transport: 'serve',
    async invoke<C extends ChannelName>(channel: C, ...args: InvokeArgs<C>): Promise<ResponseOf<C>> {
      await whenOpen();
      const ws = socket;
      if (!ws || ws.readyState !== WebSocket.OPEN) throw linkError('the connection to the inspector server is not open', 'ELINKDOWN');
      const id = nextId++;
      return new Promise<ResponseOf<C>>((resolve, reject) => {
        pending.set(id, { channel, resolve: resolve as (v: unknown) => void, reject });
        try {
          ws.send(JSON.stringify({ type: 'invoke', id, channel, payload: args[0] ?? {} }));
        } catch {
          pending.delete(id);
          reject(linkError('the connection to the inspector server is not open', 'ELINKDOWN'));
        }
      });
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayloadOf<E>) => void): () => void {
      let set = eventListeners.get(event);
      if (!set) eventListeners.set(event, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => {
        set.delete(l);
      };
    },
    link() {
      return state;
    },
    onLink(listener) {
      linkListeners.add(listener);
      return () => {
        linkListeners.delete(listener);
      };
    },
    close() {
      if (state === 'closed') return;
      setState('closed');
      window.removeEventListener('online', online);
      if (retryTimer !== null) clearTimeout(retryTimer);
      retryTimer = null;
      const ws = socket;
      socket = null;
      ws?.close();
      const error = linkError('the api client is closed', 'ECLOSED');
      rejectInFlight(error);
      for (const w of [...waiters]) {
        clearTimeout(w.timer);
        w.fail(error);
      }
      waiters.clear();
    },
  };
}

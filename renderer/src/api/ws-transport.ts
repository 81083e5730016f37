import type { ChannelName, EventName, EventPayloadOf, ResponseOf } from '../../../shared/contract';
import { TOKEN_QUERY_PARAM, WS_PATH, decodeServerMessage, type ServerMessage } from '../../../shared/serve-protocol';
import type { ApiClient, InvokeArgs, LinkState } from './client';
import { ApiError, linkError } from './errors';

export interface WsClientOptions {
  /** Defaults to `ws(s)://<page host>/ws`, carrying the page's `?token=` when it has one. */
  url?: string;
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
 * The WebSocket URL for a page served by `serve`: same host, path `/ws`. The page's HttpOnly
 * cookie authenticates the upgrade; the page's `?token=` is passed on too when present.
 */
export function wsUrlFor(location: Pick<Location, 'protocol' | 'host' | 'search'>): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = new URLSearchParams(location.search).get(TOKEN_QUERY_PARAM);
  const query = token ? `?${TOKEN_QUERY_PARAM}=${encodeURIComponent(token)}` : '';
  return `${scheme}//${location.host}${WS_PATH}${query}`;
}

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
 * - events are delivered in the order the server sent them.
 */
export function createWsClient(options: WsClientOptions = {}): ApiClient {
  const url = options.url ?? wsUrlFor(window.location);
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
        return;
    }
  };

  const scheduleReconnect = () => {
    if (state === 'closed' || retryTimer !== null) return;
    attempt += 1;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, backoff(attempt));
  };

  const connect = () => {
    if (state === 'closed') return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.addEventListener('open', () => {
      if (socket !== ws) return;
      everOpened = true;
      attempt = 0;
      setState('open');
      for (const w of [...waiters]) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.ready();
      }
    });
    ws.addEventListener('message', (ev: MessageEvent) => {
      if (socket !== ws || typeof ev.data !== 'string') return;
      const message = decodeServerMessage(ev.data);
      if (message) onMessage(message);
    });
    ws.addEventListener('close', () => {
      if (socket !== ws) return;
      socket = null;
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

  connect();

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

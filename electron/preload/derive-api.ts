/**
 * The preload API, derived from the contract: one function per request channel and one
 * `onX(listener) → unsubscribe` per event, built from `channelNames` and `eventNames` so a channel
 * added to shared/contract.ts appears here with no edit. Pure: it takes the IPC implementation as
 * an argument, so it is unit-tested without Electron.
 */
import {
  channelNames,
  eventNames,
  listenerName,
  methodName,
  type ChannelName,
  type EventName,
  type PreloadApi,
} from '../../shared/contract';

/** The slice of `ipcRenderer` the API is built on. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/**
 * Guarantees:
 * - exactly one member per channel (`methodName(c)`) and per event (`listenerName(e)`), and
 *   nothing else: no generic `invoke(channel)` or `on(channel)` that would let page script reach
 *   an arbitrary IPC channel, and never `ipcRenderer` itself;
 * - a channel function sends only its own channel name and the single request argument;
 * - a listener receives only the payload, never Electron's event object (which carries `sender`,
 *   i.e. `ipcRenderer`, and would undo context isolation);
 * - the returned unsubscribe removes exactly the handler it added and is safe to call twice;
 * - the object and its members are frozen.
 */
export function derivePreloadApi(ipc: IpcRendererLike): PreloadApi {
  const api: Record<string, unknown> = {};
  for (const channel of channelNames) {
    define(api, methodName(channel), invoker(ipc, channel));
  }
  for (const event of eventNames) {
    define(api, listenerName(event), subscriber(ipc, event));
  }
  return Object.freeze(api) as unknown as PreloadApi;
}

function invoker(ipc: IpcRendererLike, channel: ChannelName) {
  return (request?: unknown): Promise<unknown> => ipc.invoke(channel, request);
}

function subscriber(ipc: IpcRendererLike, event: EventName) {
  return (listener: (payload: unknown) => void): (() => void) => {
    if (typeof listener !== 'function') throw new TypeError(`${listenerName(event)} needs a function`);
    const handler = (_event: unknown, payload: unknown) => listener(payload);
    ipc.on(event, handler);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      ipc.removeListener(event, handler);
    };
  };
}

function define(target: Record<string, unknown>, name: string, fn: unknown): void {
  // Two contract names mapping to one member would silently drop a channel; fail the build instead.
  if (Object.prototype.hasOwnProperty.call(target, name)) throw new Error(`preload API name clash: ${name}`);
  Object.defineProperty(target, name, { value: fn, enumerable: true, writable: false, configurable: false });
}

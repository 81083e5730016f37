import {
  listenerName,
  methodName,
  type ChannelName,
  type Envelope,
  type EventName,
  type EventPayloadOf,
  type PreloadApi,
  type ResponseOf,
} from '../../../shared/contract';
import type { ApiClient, InvokeArgs, LinkState } from './client';
import { ApiError, linkError } from './errors';

type Invoker = (request: unknown) => Promise<Envelope<unknown>>;
type Subscriber = (listener: (payload: unknown) => void) => () => void;

/** The preload's api, when the renderer runs inside the desktop window. */
export function preloadApi(): PreloadApi | undefined {
  const api = (globalThis as { meshApi?: PreloadApi }).meshApi;
  return api && typeof api === 'object' ? api : undefined;
}

/**
 * The desktop transport: one preload function per channel (resolving to the envelope) and one
 * `onX` per event. The IPC link lives as long as the window, so it is always `open`.
 */
export function createIpcClient(api: PreloadApi): ApiClient {
  const table = api as unknown as Record<string, Invoker | Subscriber | undefined>;
  let closed = false;

  return {
    transport: 'electron',
    async invoke<C extends ChannelName>(channel: C, ...args: InvokeArgs<C>): Promise<ResponseOf<C>> {
      if (closed) throw linkError('the api client is closed', 'ECLOSED');
      const fn = table[methodName(channel)] as Invoker | undefined;
      if (typeof fn !== 'function') throw new ApiError({ kind: 'usage', message: `the desktop bridge has no ${channel}` });
      let envelope: Envelope<unknown>;
      try {
        envelope = await fn(args[0] ?? {});
      } catch (e) {
        // The bridge itself failed (e.g. the main process went away): the call's fate is unknown.
        throw linkError(`desktop bridge call ${channel} failed: ${e instanceof Error ? e.message : String(e)}`, 'EIPC');
      }
      if (envelope.ok) return envelope.value as ResponseOf<C>;
      throw new ApiError(envelope.error);
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayloadOf<E>) => void): () => void {
      const subscribe = table[listenerName(event)] as Subscriber | undefined;
      if (typeof subscribe !== 'function') return () => {};
      return subscribe(listener as (payload: unknown) => void);
    },
    link(): LinkState {
      return closed ? 'closed' : 'open';
    },
    onLink() {
      return () => {};
    },
    close() {
      closed = true;
    },
  };
}

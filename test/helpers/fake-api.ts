/**
 * A fake of the renderer's api client (`ApiClient`, renderer/src/api/client.ts), for unit tests
 * of the renderer's pure models and store slices. It stands in for the *transport*, not for
 * Redis: what the core answers is the test's own handler per channel, and what the core pushes
 * is `emit`. The real transports and the core behind them are covered end to end.
 *
 * Every call is recorded (`calls`); a channel with no handler rejects as the core rejects an
 * unknown request, so a test notices a call it did not expect.
 */
import { ApiError, type ApiClient, type InvokeArgs, type LinkState } from '../../renderer/src/api';
import type { ChannelName, EventName, EventPayloadOf, RequestOf, ResponseOf } from '../../shared/contract';

type Handler<C extends ChannelName> = (request: RequestOf<C>) => ResponseOf<C> | Promise<ResponseOf<C>>;

export interface Call {
  channel: ChannelName;
  request: unknown;
}

export class FakeApi implements ApiClient {
  readonly transport = 'serve' as const;
  readonly calls: Call[] = [];
  private readonly handlers = new Map<ChannelName, Handler<ChannelName>>();
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  private readonly linkListeners = new Set<(state: LinkState) => void>();
  private linkState: LinkState = 'open';

  /** Answers `channel` with `handler` from now on (replacing an earlier one). */
  handle<C extends ChannelName>(channel: C, handler: Handler<C>): this {
    this.handlers.set(channel, handler as unknown as Handler<ChannelName>);
    return this;
  }

  invoke<C extends ChannelName>(channel: C, ...args: InvokeArgs<C>): Promise<ResponseOf<C>> {
    const request = (args[0] ?? {}) as RequestOf<C>;
    this.calls.push({ channel, request });
    const handler = this.handlers.get(channel) as Handler<C> | undefined;
    if (!handler) return Promise.reject(new ApiError({ kind: 'usage', message: `FakeApi: no handler for ${channel}` }));
    try {
      return Promise.resolve(handler(request));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The requests sent on `channel`, in order. */
  requests<C extends ChannelName>(channel: C): RequestOf<C>[] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.request as RequestOf<C>);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayloadOf<E>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => set.delete(l);
  }

  /** Pushes an event as the core would. */
  emit<E extends EventName>(event: E, payload: EventPayloadOf<E>): void {
    for (const l of [...(this.listeners.get(event) ?? [])]) l(payload);
  }

  /** How many listeners `event` has (a model that stopped must have removed its own). */
  listenerCount(event: EventName): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  link(): LinkState {
    return this.linkState;
  }

  onLink(listener: (state: LinkState) => void): () => void {
    this.linkListeners.add(listener);
    return () => this.linkListeners.delete(listener);
  }

  /** Changes the link state and tells the listeners, as a transport does. */
  setLink(state: LinkState): void {
    this.linkState = state;
    for (const l of [...this.linkListeners]) l(state);
  }

  close(): void {
    this.setLink('closed');
  }
}

/** A promise with its resolve and reject in hand: an answer the test releases when it chooses. */
export function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Resolves when `holds()` is true, checked now and after every change `subscribe` reports (a
 * model's or a store's own notification: a signal, not a timer). The test's timeout bounds it.
 */
export function whenTrue(subscribe: (listener: () => void) => () => void, holds: () => boolean): Promise<void> {
  if (holds()) return Promise.resolve();
  return new Promise((resolve) => {
    const off = subscribe(() => {
      if (!holds()) return;
      off();
      resolve();
    });
  });
}

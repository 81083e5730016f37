import type { ChannelName, EventName, EventPayloadOf, RequestOf, ResponseOf } from '../../../shared/contract';

/**
 * State of the link between the renderer and the core (not Redis): the desktop IPC is always
 * `open`; the WebSocket of `serve` can drop when the server restarts and comes back by itself.
 * `unauthorized` (browser mode only) is final: the page has no token or a stale one, and the user
 * must open the URL `serve` printed.
 */
export type LinkState = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'unauthorized';

/** Channels whose request has no required field may be invoked without one. */
export type InvokeArgs<C extends ChannelName> = Record<string, never> extends RequestOf<C> ? [request?: RequestOf<C>] : [request: RequestOf<C>];

/**
 * What the rest of the renderer knows of the transport. Guarantees:
 * - `invoke` resolves with the channel's response or rejects with an `ApiError` (kind, message,
 *   code) taken from the envelope; a call the link lost is rejected as `transient`, never resent
 *   (it may have run: a publish must not be replayed blindly);
 * - `on` delivers the contract's events and returns its unsubscribe;
 * - both transports behave the same; nothing outside `api/` knows which one it has.
 */
export interface ApiClient {
  readonly transport: 'electron' | 'serve';
  invoke<C extends ChannelName>(channel: C, ...args: InvokeArgs<C>): Promise<ResponseOf<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayloadOf<E>) => void): () => void;
  /** Current link state. */
  link(): LinkState;
  /** Called on every link state change; returns its unsubscribe. */
  onLink(listener: (state: LinkState) => void): () => void;
  /** Stops reconnecting and rejects whatever is pending. Idempotent. */
  close(): void;
}

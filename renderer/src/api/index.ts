/**
 * The renderer's only door to the core. `createClient()` picks the desktop bridge
 * (`window.meshApi`, put there by the preload) when it exists, else the WebSocket of `serve`.
 * Nothing outside this folder knows which one it got.
 */
import type { ApiClient } from './client';
import { createIpcClient, preloadApi } from './ipc-transport';
import { createWsClient, type WsClientOptions } from './ws-transport';

export function createClient(options: WsClientOptions = {}): ApiClient {
  const bridge = preloadApi();
  return bridge ? createIpcClient(bridge) : createWsClient(options);
}

export type { ApiClient, InvokeArgs, LinkState } from './client';
export { ApiError, toApiError } from './errors';

/**
 * The renderer's desktop client checked against the other side's real modules without a
 * browser: over the real preload derivation and the real gate (`dispatch`). Both sides of the
 * WebSocket protocol import shared/serve-protocol.ts; the Chromium tests beside this file cover
 * that transport live.
 */
import { describe, expect, it } from 'vitest';
import { channelNames, type ContractHandlers, type ConnectionStatus } from '../../shared/contract';
import { MeshError } from '../../shared/errors';
import { dispatch } from '../../electron/core/dispatch';
import { derivePreloadApi, type IpcRendererLike } from '../../electron/preload/derive-api';
import { ApiError } from '../../renderer/src/api/errors';
import { createIpcClient } from '../../renderer/src/api/ipc-transport';
import { forgetServeToken, takeServeToken, TOKEN_STORAGE_KEY } from '../../renderer/src/api/serve-token';


/** An in-memory ipcRenderer whose main side is the real gate over the given handlers. */
function fakeIpc(handlers: ContractHandlers) {
  const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
  const ipc: IpcRendererLike = {
    invoke: (channel, request) => dispatch(handlers, channel, request),
    on(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener as (event: unknown, payload: unknown) => void);
      return ipc;
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener as (event: unknown, payload: unknown) => void);
      return ipc;
    },
  };
  const emit = (event: string, payload: unknown) => {
    for (const l of listeners.get(event) ?? []) l({ sender: 'must never reach the renderer' }, payload);
  };
  return { ipc, emit };
}

describe('the desktop client over the preload API', () => {
  const status: ConnectionStatus = { state: 'ready', profileId: 'p1', url: 'redis://127.0.0.1:6379', prefix: 'net', readOnly: false, since: 1 };
  const handlers = Object.fromEntries(
    channelNames.map((c) => [c, async () => { throw new MeshError('usage', `${c} is not in this fake`); }]),
  ) as unknown as ContractHandlers;
  handlers['app:info'] = async () => ({ version: '9.9.9', transport: 'electron', demoAvailable: false });
  handlers['connection:status'] = async () => status;
  handlers['shards:list'] = async () => {
    throw new MeshError('fatal', 'NOPERM this user has no permissions to run the scan command', { code: 'NOPERM' });
  };
  const { ipc, emit } = fakeIpc(handlers);
  const client = createIpcClient(derivePreloadApi(ipc));

  it('resolves with the response of the channel', async () => {
    expect(client.transport).toBe('electron');
    expect(client.link()).toBe('open');
    await expect(client.invoke('app:info')).resolves.toEqual({ version: '9.9.9', transport: 'electron', demoAvailable: false });
    await expect(client.invoke('connection:status')).resolves.toEqual(status);
  });

  it('rejects with a typed ApiError carrying the kind, message and code of the envelope', async () => {
    const error = await client.invoke('shards:list').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).kind).toBe('fatal');
    expect((error as ApiError).code).toBe('NOPERM');
    expect((error as ApiError).message).toContain('NOPERM');
  });

  it('rejects a request the gate refuses as a usage error, before any handler runs', async () => {
    const error = await client.invoke('events:page', { shard: 70000, direction: 'backward', cursor: null, limit: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).kind).toBe('usage');
    expect((error as ApiError).message).toMatch(/events:page.*shard/);
  });

  it('delivers events with the payload only, until unsubscribed', () => {
    const seen: unknown[] = [];
    const off = client.on('connection:changed', (s) => seen.push(s));
    emit('connection:changed', status);
    off();
    emit('connection:changed', { ...status, state: 'down' });
    expect(seen).toEqual([status]);
  });
});

describe('the serve token in the page (takeServeToken)', () => {
  function place(href: string, stored: string | null = null) {
    const store = new Map<string, string>();
    if (stored !== null) store.set(TOKEN_STORAGE_KEY, stored);
    const replaced: string[] = [];
    return {
      replaced,
      store,
      place: {
        location: { href },
        history: { state: { keep: 1 }, replaceState: (_state: unknown, _title: string, url?: string | URL | null) => void replaced.push(String(url)) },
        storage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v), removeItem: (k: string) => void store.delete(k) },
      },
    };
  }

  it('moves ?token= into sessionStorage and out of the address bar, keeping the rest of the address', () => {
    const p = place('http://127.0.0.1:5000/?a=1&token=T0k-en&b=2#frag');
    expect(takeServeToken(p.place)).toBe('T0k-en');
    expect(p.store.get(TOKEN_STORAGE_KEY)).toBe('T0k-en');
    expect(p.replaced).toEqual(['/?a=1&b=2#frag']);
  });

  it('reads the kept token on a reload, and gives null when there is none', () => {
    expect(takeServeToken(place('http://127.0.0.1:5000/', 'kept').place)).toBe('kept');
    const none = place('http://127.0.0.1:5000/');
    expect(takeServeToken(none.place)).toBeNull();
    expect(none.replaced).toEqual([]);
  });

  it('a new token in the address wins over a kept one; forgetting removes it', () => {
    const p = place('http://127.0.0.1:5000/?token=new', 'old');
    expect(takeServeToken(p.place)).toBe('new');
    forgetServeToken(p.place);
    expect(p.store.has(TOKEN_STORAGE_KEY)).toBe(false);
  });

  it('storage that throws degrades to the address token, never to a throw', () => {
    const broken = {
      location: { href: 'http://h:1/?token=abc' },
      history: { state: null, replaceState: () => undefined },
      storage: {
        getItem: () => {
          throw new Error('denied');
        },
        setItem: () => {
          throw new Error('denied');
        },
        removeItem: () => {
          throw new Error('denied');
        },
      },
    };
    expect(takeServeToken(broken)).toBe('abc');
    expect(takeServeToken({ ...broken, location: { href: 'http://h:1/' } })).toBeNull();
    expect(() => forgetServeToken(broken)).not.toThrow();
  });
});

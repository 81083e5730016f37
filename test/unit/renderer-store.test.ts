/**
 * The renderer's zustand store (renderer/src/store/), slice by slice through the store's own
 * actions, against a fake api client: what each action asks the core, and what the state says
 * afterwards, including answers that arrive late or out of order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../renderer/src/api';
import { createAppStore, type AppStore } from '../../renderer/src/store';
import type { ConnectionStatus, ShardListResult } from '../../shared/contract';
import { FakeApi, deferred, whenTrue } from '../helpers/fake-api';

const stores: AppStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.dispose();
});

function storeOn(api: FakeApi): AppStore {
  const store = createAppStore(api);
  stores.push(store);
  return store;
}

const status = (state: ConnectionStatus['state'], over: Partial<ConnectionStatus> = {}): ConnectionStatus => ({
  state,
  profileId: 'p1',
  url: 'redis://127.0.0.1:6379',
  prefix: 'net',
  readOnly: false,
  since: 1,
  ...over,
});

const shardList = (...lengths: number[]): ShardListResult => ({
  prefix: 'net',
  shards: lengths.map((length, shard) => ({ shard, key: `net:shard:${shard}`, length, firstId: null, lastId: null, appendRate: null })),
  skipped: [],
  at: 1,
});

describe('boot (app slice)', () => {
  it('asks app:info first, then the connection, the profiles and the notification setting, and only then is ready', async () => {
    const api = new FakeApi()
      .handle('app:info', () => ({ version: '1.0.0', transport: 'serve' as const, demoAvailable: true }))
      .handle('connection:status', () => status('disconnected', { profileId: null, url: null, prefix: null }))
      .handle('profiles:list', () => ({ profiles: [], activeProfileId: null }))
      .handle('notify:configure', () => ({ enabled: true }));
    const store = storeOn(api);
    await store.getState().boot();
    expect(api.calls.map((c) => c.channel)).toEqual(['app:info', 'connection:status', 'profiles:list', 'notify:configure']);
    expect(store.getState()).toMatchObject({ ready: true, bootError: null, info: { version: '1.0.0' }, notifyEnabled: true });
  });

  it('keeps the reason when the core does not answer, and boots again when the link comes back', async () => {
    let up = false;
    const api = new FakeApi()
      .handle('app:info', () => {
        if (!up) throw new ApiError({ kind: 'transient', message: 'the server is unreachable', code: 'ELINK' });
        return { version: '1.0.0', transport: 'serve' as const, demoAvailable: false };
      })
      .handle('connection:status', () => status('disconnected'))
      .handle('profiles:list', () => ({ profiles: [], activeProfileId: null }));
    const store = storeOn(api);
    await store.getState().boot();
    expect(store.getState()).toMatchObject({ ready: false, bootError: { kind: 'transient', code: 'ELINK' } });

    up = true;
    api.setLink('reconnecting');
    api.setLink('open');
    await whenTrue(store.subscribe, () => store.getState().ready);
    expect(store.getState().bootError).toBeNull();
  });
});

describe('connection slice', () => {
  it('a connection that becomes ready discovers the shards; one that goes away clears them', async () => {
    const api = new FakeApi().handle('shards:list', () => shardList(10, 20));
    const store = storeOn(api);
    store.getState().setConnection(status('ready'));
    await whenTrue(store.subscribe, () => store.getState().shards !== null);
    expect(store.getState().shards?.shards.map((s) => s.length)).toEqual([10, 20]);

    store.getState().setConnection(status('disconnected', { profileId: null }));
    expect(store.getState()).toMatchObject({ shards: null, selectedShard: null });
    expect(api.requests('shards:list')).toHaveLength(1);
  });

  it('the connection:changed event drives the same state', async () => {
    const api = new FakeApi().handle('shards:list', () => shardList(1));
    const store = storeOn(api);
    api.emit('connection:changed', status('ready'));
    await whenTrue(store.subscribe, () => store.getState().shards !== null);
    expect(store.getState().connection?.state).toBe('ready');
  });

  it('a fatal first connect closes the dead session and keeps the user on the form with the reason', async () => {
    const reason = { kind: 'fatal' as const, message: 'WRONGPASS invalid username-password pair', code: 'WRONGPASS' };
    const api = new FakeApi()
      .handle('connection:open', () => status('down', { error: reason }))
      .handle('connection:close', () => status('disconnected', { profileId: null }));
    const store = storeOn(api);
    await expect(store.getState().openProfile('p1')).resolves.toBe(false);
    expect(api.calls.map((c) => c.channel)).toEqual(['connection:open', 'connection:close']);
    expect(store.getState()).toMatchObject({ connectionError: reason, connectionBusy: null, connection: { state: 'disconnected' } });
  });

  it('a transient first connect (refused, timed out) also closes the session and stays on the form with the reason', async () => {
    const reason = { kind: 'transient' as const, message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' };
    const api = new FakeApi()
      .handle('connection:open', () => status('reconnecting', { error: reason }))
      .handle('connection:close', () => status('disconnected', { profileId: null }));
    const store = storeOn(api);
    await expect(store.getState().openProfile('p1')).resolves.toBe(false);
    expect(api.calls.map((c) => c.channel)).toEqual(['connection:open', 'connection:close']);
    expect(store.getState()).toMatchObject({ connectionError: reason, connection: { state: 'disconnected' }, staleSince: null });
  });

  it('tryProfile: a failed first connect saves nothing and keeps the reason; a good one connects', async () => {
    const reason = { kind: 'fatal' as const, message: 'WRONGPASS invalid username-password pair', code: 'WRONGPASS' };
    const input = { name: 'x', url: 'redis://127.0.0.1:1', prefix: 'net', commandTimeoutMs: 1000, readOnly: false };
    const bad = new FakeApi().handle('connection:try', () => ({ status: status('down', { error: reason }), saved: null }));
    const s1 = storeOn(bad);
    await expect(s1.getState().tryProfile(input)).resolves.toBeNull();
    expect(s1.getState()).toMatchObject({ connectionError: reason, connectionBusy: null });
    expect(bad.requests('profiles:list')).toHaveLength(0);

    const view = { id: 'p9', name: 'x', url: 'redis://127.0.0.1:6379', address: 'redis://127.0.0.1:6379', hasPassword: false, prefix: 'net', commandTimeoutMs: 1000, readOnly: false };
    const good = new FakeApi()
      .handle('connection:try', () => ({ status: status('ready', { profileId: 'p9' }), saved: view }))
      .handle('profiles:list', () => ({ profiles: [view], activeProfileId: 'p9' }))
      .handle('shards:list', () => shardList(1));
    const s2 = storeOn(good);
    await expect(s2.getState().tryProfile(input)).resolves.toEqual(view);
    expect(s2.getState()).toMatchObject({ connectionError: null, connection: { state: 'ready', profileId: 'p9' } });
  });
});

describe('shards slice', () => {
  it('only the latest discovery writes its answer: a slow SCAN never overwrites a newer one', async () => {
    const answers = [deferred<ShardListResult>(), deferred<ShardListResult>()];
    let n = 0;
    const api = new FakeApi().handle('shards:list', () => answers[n++]!.promise);
    const store = storeOn(api);
    const first = store.getState().loadShards();
    const second = store.getState().loadShards();
    answers[1]!.resolve(shardList(2));
    await second;
    answers[0]!.resolve(shardList(1, 1, 1));
    await first;
    expect(store.getState().shards?.shards).toHaveLength(1);
    expect(store.getState().shardsLoading).toBe(false);
  });

  it('a failed discovery keeps the last list on screen with the error', async () => {
    let fail = false;
    const api = new FakeApi().handle('shards:list', () => {
      if (fail) throw new ApiError({ kind: 'transient', message: 'Connection is closed.' });
      return shardList(5);
    });
    const store = storeOn(api);
    await store.getState().loadShards();
    fail = true;
    await store.getState().loadShards({ quiet: true });
    expect(store.getState()).toMatchObject({ shards: { shards: [{ length: 5 }] }, shardsError: { kind: 'transient', message: 'Connection is closed.' } });
  });
});

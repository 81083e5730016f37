/**
 * The renderer's freshness and recovery rules (renderer/src/store/recovery.ts): the pure decision,
 * then the whole store around a scripted api client (no core, no Redis: these are UI rules) to
 * count what re-loads after an outage of Redis or of the link.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../shared/contract';
import { FakeApi } from '../helpers/fake-api';
import { createAppStore } from '../../renderer/src/store';
import { decideFreshness, type Freshness } from '../../renderer/src/store/recovery';

const fresh: Freshness = { freshTarget: null, everReady: false, staleSince: null, recoveries: 0, recoveredAt: null };

function status(state: ConnectionStatus['state'], since = 1000, profileId = 'p1'): ConnectionStatus {
  return { state, profileId, url: 'redis://127.0.0.1:6379', prefix: 'net', readOnly: false, since };
}

describe('decideFreshness', () => {
  it('a new connection that is ready at once loads health and shards, and is not stale', () => {
    const { next, actions } = decideFreshness(null, status('ready'), 'open', fresh, 5000);
    expect(next).toMatchObject({ everReady: true, staleSince: null, recoveries: 0 });
    expect(actions.sort()).toEqual(['loadHealth', 'loadShards', 'resetHealth']);
  });

  it('a first connect that fails shows nothing stale; its later first ready is a first load, not a recovery', () => {
    let f = decideFreshness(null, status('connecting'), 'open', fresh, 1).next;
    const failed = decideFreshness(status('connecting'), status('down', 2000), 'open', f, 2500);
    expect(failed.next.staleSince).toBeNull();
    expect(failed.actions).toEqual(['loadHealth']);
    f = failed.next;
    const ready = decideFreshness(status('down', 2000), status('ready', 9000), 'open', f, 9000);
    expect(ready.next).toMatchObject({ everReady: true, staleSince: null, recoveries: 0 });
    expect(ready.actions.sort()).toEqual(['loadHealth', 'loadShards']);
  });

  it('Redis away after it was ready: stale since the status says; back: one recovery that re-loads shards, lanes and health once', () => {
    const f0 = decideFreshness(null, status('ready'), 'open', fresh, 1).next;
    const out = decideFreshness(status('ready'), status('reconnecting', 7000), 'open', f0, 7100);
    expect(out.next.staleSince).toBe(7000);
    expect(out.actions).toEqual([]);
    const down = decideFreshness(status('reconnecting', 7000), status('down', 8500), 'open', out.next, 8600);
    expect(down.next.staleSince).toBe(7000);
    const back = decideFreshness(status('down', 8500), status('ready', 12_000), 'open', down.next, 12_001);
    expect(back.next).toMatchObject({ staleSince: null, recoveries: 1, recoveredAt: 12_001 });
    expect(back.actions).toEqual(['loadShards', 'reloadLanes', 'loadHealth']);
  });

  it('the link away while Redis is fine: stale since the drop; the next status counts the recovery', () => {
    const f0 = decideFreshness(null, status('ready'), 'open', fresh, 1).next;
    const drop = decideFreshness(status('ready'), status('ready'), 'reconnecting', f0, 4000);
    expect(drop.next.staleSince).toBe(4000);
    const back = decideFreshness(status('ready'), status('ready'), 'open', drop.next, 6000);
    expect(back.next.recoveries).toBe(1);
    expect(back.actions).toEqual(['loadShards', 'reloadLanes', 'loadHealth']);
  });

  it('another profile or a closed connection resets: not stale, health series forgotten', () => {
    const f0 = decideFreshness(null, status('ready'), 'open', fresh, 1).next;
    const stale = decideFreshness(status('ready'), status('down', 50), 'open', f0, 60).next;
    const other = decideFreshness(status('down', 50), status('connecting', 70, 'p2'), 'open', stale, 70);
    expect(other.next).toMatchObject({ freshTarget: expect.stringContaining('p2'), staleSince: null, everReady: false });
    expect(other.actions).toEqual(['resetHealth']);
    const closed = decideFreshness(status('connecting', 70, 'p2'), status('disconnected', 80, 'p2'), 'open', other.next, 80);
    expect(closed.next.freshTarget).toBeNull();
    expect(closed.actions).toEqual(['resetHealth']);
  });
});

/** A core that answers what the store asks at boot and on recovery (the shared fake transport). */
function fakeCore(status: () => ConnectionStatus): FakeApi {
  return new FakeApi()
    .handle('app:info', () => ({ version: 'test', transport: 'serve' as const, demoAvailable: false }))
    .handle('connection:status', () => status())
    .handle('profiles:list', () => ({ profiles: [], activeProfileId: null }))
    .handle('shards:list', () => ({ prefix: 'net', shards: [], skipped: [], at: 0 }))
    .handle('health:snapshot', () => ({ state: 'ready' as const, since: 0, lastOkAt: null, latest: null, info: null, infoRefused: null, ownCommandsPerSec: 0, errors: [], errorsTotal: 0, probeIntervalMs: 1000, infoSample: null, shardGrowth: null, cause: null, reconnect: null, transitions: [] }))
    .handle('health:history', () => ({ samples: [], info: [], shards: [], transitions: [], errors: [] }));
}

const count = (core: FakeApi, from: number, channel: string) => core.calls.slice(from).filter((c) => c.channel === channel).length;

/** Resolves once every queued microtask and promise continuation of the store has run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('the store after an outage', () => {
  it('a link that drops and reopens re-reads the shards, every lane and the health once each', async () => {
    const current = status('ready');
    const core = fakeCore(() => ({ ...current }));
    const store = createAppStore(core);
    await store.getState().boot();
    await settle();
    store.getState().openShard(3);
    const before = { reload: store.getState().reloadToken, calls: core.calls.length };

    core.setLink('reconnecting');
    expect(store.getState().staleSince).not.toBeNull();
    core.setLink('open');
    await settle();

    expect(store.getState().reloadToken - before.reload).toBe(1);
    expect(store.getState()).toMatchObject({ staleSince: null, recoveries: 1 });
    expect(count(core, before.calls, 'shards:list')).toBe(1);
    expect(count(core, before.calls, 'health:history')).toBe(1);
    expect(count(core, before.calls, 'connection:status')).toBe(1);
    store.dispose();
  });

  it('Redis down and back (pushed statuses) re-reads each thing once; the first ready is not a recovery', async () => {
    let current = status('connecting');
    const core = fakeCore(() => current);
    const store = createAppStore(core);
    await store.getState().boot();
    await settle();
    current = status('ready', 2000);
    core.emit('connection:changed', current);
    await settle();
    expect(store.getState().recoveries).toBe(0);
    expect(count(core, 0, 'shards:list')).toBe(1);

    const mark = { reload: store.getState().reloadToken, calls: core.calls.length };
    core.emit('connection:changed', status('reconnecting', 3000));
    core.emit('connection:changed', status('down', 4500));
    expect(store.getState().staleSince).toBe(3000);
    core.emit('connection:changed', status('ready', 9000));
    await settle();
    expect(store.getState().reloadToken - mark.reload).toBe(1);
    expect(count(core, mark.calls, 'shards:list')).toBe(1);
    expect(count(core, mark.calls, 'health:history')).toBe(1);
    store.dispose();
  });
});

/**
 * Freshness and recovery: the one place that decides when what is on screen becomes stale and
 * what re-loads when Redis or the link to the core comes back.
 *
 * The core owns the connection's state (its health monitor; `connection:changed` carries it) and
 * the api client owns the link. This module watches both and:
 * - marks the screen stale (`staleSince`) while Redis is not ready or the link is down, but only
 *   once the connection has shown data (was ready at least once): a first connect that fails has
 *   nothing stale to show;
 * - on the first `ready` of a connection, discovers shards and loads health;
 * - when a connection that was stale is ready again, counts one recovery (`recoveries`) and
 *   re-loads, once each: the shard list, every open lane (`reloadLanes`) and the health history.
 *   A reopened link counts only after `connection:status` answered (the link handler asks), so a
 *   lane never re-reads against a status from before the outage;
 * - when the link reopens, asks the core again for what events may have been lost meanwhile (the
 *   connection status and the profiles), or boots again if the first boot failed.
 *
 * `decideFreshness` is the pure decision; `installRecovery` applies it to the store.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { ConnectionStatus } from '../../../shared/contract';
import type { LinkState } from '../api';
import type { AppState, RecoverySlice, Slice } from './types';

/** Which connection a series or a freshness state belongs to (null: none). */
export function targetKey(c: ConnectionStatus | null): string | null {
  return c && c.state !== 'disconnected' ? `${c.profileId ?? ''}|${c.url ?? ''}|${c.prefix ?? ''}` : null;
}

/** What re-loads; each at most once per decision. */
export type RecoveryAction = 'resetHealth' | 'loadHealth' | 'loadShards' | 'reloadLanes';

/** The store's freshness fields (RecoverySlice without methods). */
export type Freshness = Pick<RecoverySlice, 'freshTarget' | 'everReady' | 'staleSince' | 'recoveries' | 'recoveredAt'>;

/**
 * The freshness after a change of the connection status, or of the link going away (a link that
 * comes back is not a change until the status it asks for arrives), and what to re-load.
 */
export function decideFreshness(
  prev: ConnectionStatus | null,
  connection: ConnectionStatus | null,
  link: LinkState,
  f: Freshness,
  now: number,
): { next: Freshness; actions: RecoveryAction[] } {
  const key = targetKey(connection);
  if (key !== f.freshTarget) {
    // Another server, or none: nothing on screen is stale yet, and its health starts empty.
    const next: Freshness = { ...f, freshTarget: key, everReady: connection?.state === 'ready', staleSince: null };
    const actions: RecoveryAction[] = ['resetHealth'];
    if (key !== null && connection?.state !== 'connecting') actions.push('loadHealth');
    if (connection?.state === 'ready') actions.push('loadShards');
    return { next, actions };
  }
  if (key === null || connection === null) return { next: f, actions: [] };

  const actions: RecoveryAction[] = [];
  // The first answer after connecting (ready or not) brings the core's health history.
  if (prev?.state === 'connecting' && connection.state !== 'connecting') actions.push('loadHealth');
  const redisOut = connection.state === 'reconnecting' || connection.state === 'down';
  if (redisOut || link !== 'open') {
    // Since Redis left `ready` (its status says when), or since the link to the core dropped.
    if (f.staleSince === null && f.everReady) return { next: { ...f, staleSince: redisOut ? connection.since : now }, actions };
    return { next: f, actions };
  }
  if (connection.state !== 'ready') return { next: f, actions };
  if (!f.everReady) {
    // Ready for the first time (after a slow or failed first attempt): this is the first load.
    if (!actions.includes('loadHealth')) actions.push('loadHealth');
    return { next: { ...f, everReady: true }, actions: [...actions, 'loadShards'] };
  }
  if (f.staleSince !== null) {
    return {
      next: { ...f, staleSince: null, recoveries: f.recoveries + 1, recoveredAt: now },
      actions: ['loadShards', 'reloadLanes', 'loadHealth'],
    };
  }
  return { next: f, actions };
}

export const createRecoverySlice: Slice<RecoverySlice> = () => ({
  freshTarget: null,
  everReady: false,
  staleSince: null,
  recoveries: 0,
  recoveredAt: null,
});

/** Subscribes the store to its connection and link; returns the unsubscribe functions. */
export function installRecovery(store: StoreApi<AppState>): Array<() => void> {
  const apply = (prev: ConnectionStatus | null) => {
    const s = store.getState();
    const f: Freshness = { freshTarget: s.freshTarget, everReady: s.everReady, staleSince: s.staleSince, recoveries: s.recoveries, recoveredAt: s.recoveredAt };
    const { next, actions } = decideFreshness(prev, s.connection, s.link, f, Date.now());
    if (next !== f) store.setState(next);
    if (actions.length === 0) return;
    // After the current update: listeners of this change see the new freshness first.
    queueMicrotask(() => {
      const st = store.getState();
      if (actions.includes('resetHealth')) st.resetHealth(targetKey(st.connection));
      if (actions.includes('loadShards')) void st.loadShards();
      if (actions.includes('reloadLanes')) st.reloadLanes();
      if (actions.includes('loadHealth')) void st.loadHealth();
    });
  };
  return [
    store.subscribe((s, prev) => {
      if (s.connection !== prev.connection || (s.link !== prev.link && s.link !== 'open')) apply(prev.connection);
    }),
    store.getState().api.onLink((link) => {
      const wasReconnecting = store.getState().link === 'reconnecting';
      store.setState({ link });
      const st = store.getState();
      // Events sent while the link was down are lost: ask again rather than trust the old state.
      if (link === 'open' && wasReconnecting && st.ready) {
        void st.refreshConnection().catch(() => {});
        void st.loadProfiles();
      }
      // Boot failed because the server was away: try again as soon as it is back.
      if (link === 'open' && !st.ready && st.bootError) void st.boot();
    }),
  ];
}

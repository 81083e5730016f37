/**
 * The renderer's state: one zustand store made of slices (app, connection, profiles, shards,
 * events), created around one api client. The store subscribes to the core's events and to the
 * link; components read it through `useApp(selector)`.
 */
import { createContext, createElement, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient } from '../api';
import { createAnalysisSlice } from './analysis-slice';
import { createAppSlice } from './app-slice';
import { createConnectionSlice } from './connection-slice';
import { createEventsSlice } from './events-slice';
import { createHealthSlice } from './health-slice';
import { createProfilesSlice } from './profiles-slice';
import { createPublisherSlice } from './publisher-slice';
import { createShardsSlice } from './shards-slice';
import { createUiSlice } from './ui-slice';
import type { AppState } from './types';

export type AppStore = StoreApi<AppState> & { dispose(): void };

export function createAppStore(api: ApiClient): AppStore {
  const store = createStore<AppState>()((...a) => ({
    ...createAppSlice(api)(...a),
    ...createConnectionSlice(...a),
    ...createProfilesSlice(...a),
    ...createShardsSlice(...a),
    ...createEventsSlice(...a),
    ...createUiSlice(...a),
    ...createPublisherSlice(...a),
    ...createAnalysisSlice(...a),
    ...createHealthSlice(...a),
  }));

  const unsubscribe = [
    api.on('connection:changed', (status) => store.getState().setConnection(status)),
    api.on('health:changed', (snapshot) => store.getState().applyHealth(snapshot)),
    // Freshness for every view (health-slice.ts): stale while Redis or the link is out; on the
    // way back, what is on screen re-loads by itself. A link that reopens counts once
    // `connection:status` has answered (refreshConnection below), not before.
    store.subscribe((s, prev) => {
      if (s.connection !== prev.connection || (s.link !== prev.link && s.link !== 'open')) s.trackFreshness(prev.connection);
      if (s.recoveries !== prev.recoveries) {
        queueMicrotask(() => {
          const st = store.getState();
          // setConnection already re-discovers when Redis itself came back; a reopened link did not.
          if (!st.shardsLoading) void st.loadShards();
          // Every open lane of the shard browser re-reads what it shows.
          st.reloadLanes();
          void st.loadHealth();
        });
      }
    }),
    api.onLink((link) => {
      const wasReconnecting = store.getState().link === 'reconnecting';
      store.setState({ link });
      // Events sent while the link was down are lost: ask again rather than trust the old state.
      if (link === 'open' && wasReconnecting && store.getState().ready) {
        void store.getState().refreshConnection().catch(() => {});
        void store.getState().loadProfiles();
      }
      // Boot failed because the server was away: try again as soon as it is back.
      if (link === 'open' && !store.getState().ready && store.getState().bootError) void store.getState().boot();
    }),
  ];

  return Object.assign(store, {
    dispose() {
      for (const u of unsubscribe) u();
    },
  });
}

const StoreContext = createContext<AppStore | null>(null);

export function StoreProvider({ store, children }: { store: AppStore; children: ReactNode }) {
  return createElement(StoreContext.Provider, { value: store }, children);
}

function useAppStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp outside <StoreProvider>');
  return store;
}

/** Reads one value of the app state; re-renders only when it changes (Object.is). */
export function useApp<T>(selector: (state: AppState) => T): T {
  return useStore(useAppStore(), selector);
}

export type { AppState, ViewName } from './types';
export type { LaneSpec, Selection } from './events-slice';

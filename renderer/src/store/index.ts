/**
 * The renderer's state: one zustand store made of slices (app, connection, profiles, shards,
 * events, publisher, analysis, health, recovery, notifications, stream facts), created around one api client. The store
 * subscribes to the core's events; recovery.ts watches the connection and the link and decides
 * what re-loads. Components read the store through `useApp(selector)`.
 */
import { createContext, createElement, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient } from '../api';
import { showBrowserNotice } from '../lib/browser-notify';
import { createAnalysisSlice } from './analysis-slice';
import { createAppSlice } from './app-slice';
import { createConnectionSlice } from './connection-slice';
import { createEventsSlice } from './events-slice';
import { createFactsSlice } from './facts-slice';
import { createHealthSlice } from './health-slice';
import { createNotifySlice } from './notify-slice';
import { createProfilesSlice } from './profiles-slice';
import { createRecoverySlice, installRecovery } from './recovery';
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
    ...createRecoverySlice(...a),
    ...createNotifySlice(...a),
    ...createFactsSlice(...a),
  }));

  // Freshness and what re-loads after an outage are decided in one place (recovery.ts).
  const unsubscribe = [
    api.on('connection:changed', (status) => store.getState().setConnection(status)),
    api.on('health:changed', (snapshot) => store.getState().applyHealth(snapshot)),
    // serve: the browser shows what the core decided to notify (the desktop app's main process shows its own).
    api.on('notify:show', (notice) => {
      const s = store.getState();
      if (s.info?.transport === 'serve' && s.notifyEnabled) showBrowserNotice(notice);
    }),
    ...installRecovery(store),
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

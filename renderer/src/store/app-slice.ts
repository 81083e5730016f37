import type { ApiClient } from '../api';
import { toApiError } from '../api';
import type { AppSlice, Slice } from './types';

export const createAppSlice =
  (api: ApiClient): Slice<AppSlice> =>
  (set, get) => ({
    api,
    link: api.link(),
    info: null,
    ready: false,
    bootError: null,
    async boot() {
      try {
        // Sequential on purpose: app:info first so the readiness marker means "the core answered".
        const info = await api.invoke('app:info');
        set({ info, bootError: null });
        await Promise.all([get().refreshConnection(), get().loadProfiles(), get().loadNotify()]);
        set({ ready: true });
      } catch (e) {
        set({ bootError: toApiError(e).toInfo() });
      }
    },
  });

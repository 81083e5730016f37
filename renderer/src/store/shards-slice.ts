import { toApiError } from '../api';
import type { ShardsSlice, Slice } from './types';

export const createShardsSlice: Slice<ShardsSlice> = (set, get) => {
  // Only the latest discovery may write its answer: a slow SCAN must not overwrite a newer one.
  let request = 0;
  return {
    shards: null,
    shardsLoading: false,
    shardsError: null,
    selectedShard: null,
    async loadShards() {
      const mine = ++request;
      set({ shardsLoading: true });
      try {
        const shards = await get().api.invoke('shards:list');
        if (mine !== request) return;
        set({ shards, shardsError: null });
        const selected = get().selectedShard;
        if (selected !== null && !shards.shards.some((s) => s.shard === selected)) get().selectShard(null);
      } catch (e) {
        if (mine !== request) return;
        // Keep the last list on screen: during an incident stale data beats an empty sidebar.
        set({ shardsError: toApiError(e).toInfo() });
      } finally {
        if (mine === request) set({ shardsLoading: false });
      }
    },
    selectShard(shard) {
      if (shard === get().selectedShard) return;
      set({ selectedShard: shard });
      if (shard === null) get().clearEvents();
      else void get().loadFirstPage(shard);
    },
  };
};

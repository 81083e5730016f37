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
    async loadShards(opts = {}) {
      const mine = ++request;
      if (!opts.quiet) set({ shardsLoading: true });
      try {
        const shards = await get().api.invoke('shards:list');
        if (mine !== request) return;
        set({ shards, shardsError: null });
      } catch (e) {
        if (mine !== request) return;
        // Keep the last list on screen: during an incident stale data beats an empty sidebar.
        set({ shardsError: toApiError(e).toInfo() });
      } finally {
        if (mine === request) set({ shardsLoading: false });
      }
    },
    selectShard(shard) {
      if (shard === null) {
        set({ selectedShard: null });
        get().clearEvents();
        return;
      }
      get().openShard(shard);
    },
  };
};

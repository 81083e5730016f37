import type { ShardProblemCounts } from '../../../shared/contract';
import { toApiError } from '../api';
import { applyShardDelta } from '../models/shard-list-model';
import type { ShardsSlice, Slice } from './types';

/** The counts without their time, to tell a changed answer from the same one. */
function countsKey(list: readonly ShardProblemCounts[]): string {
  return list.map((s) => `${s.shard}:${s.entries}:${s.corrupt}:${s.duplicateGroups}:${s.collisionGroups}:${s.gaps}:${s.misrouted}`).join(' ');
}

export const createShardsSlice: Slice<ShardsSlice> = (set, get) => {
  // Only the latest discovery may write its answer: a slow SCAN must not overwrite a newer one.
  let request = 0;
  return {
    shards: null,
    shardsLoading: false,
    shardsError: null,
    indexProblems: [],
    selectedShard: null,
    async loadShards(opts = {}) {
      const mine = ++request;
      if (!opts.quiet) set({ shardsLoading: true });
      try {
        // Name the list held so the answer can be a delta (65,536 shards are not resent each refresh).
        const held = get().shards;
        const answer = await get().api.invoke('shards:list', held ? { since: held.at } : {});
        if (mine !== request) return;
        const base = get().shards;
        // A delta applies only to the list it was computed against; otherwise ask again, whole.
        if (answer.delta && (!base || base.at !== answer.delta.since)) {
          const whole = await get().api.invoke('shards:list', {});
          if (mine !== request) return;
          set({ shards: whole, shardsError: null });
          return;
        }
        set({ shards: base && answer.delta ? applyShardDelta(base, answer) : answer, shardsError: null });
        // The opened shards' index counts ride along (a few shards, no Redis reads); an older core lacks the channel.
        void get()
          .api.invoke('shards:problems', {})
          .then((r) => {
            // Unchanged counts keep the same array: nothing derived from them is computed again.
            if (mine === request && countsKey(r.shards) !== countsKey(get().indexProblems)) set({ indexProblems: r.shards });
          })
          .catch(() => {});
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

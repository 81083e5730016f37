import type { ShardListResult, ShardProblemCounts, ShardSummary } from '../../../shared/contract';
import { toApiError } from '../api';
import { applyShardDelta } from '../models/shard-list-model';
import type { ShardsSlice, Slice } from './types';

/** Shards per `shards:list` page when a window lists them first (about 500 KB of JSON). */
const PAGE = 4096;

/** The counts without their time, to tell a changed answer from the same one. */
function countsKey(list: readonly ShardProblemCounts[]): string {
  return list.map((s) => `${s.shard}:${s.entries}:${s.corrupt}:${s.duplicateGroups}:${s.collisionGroups}:${s.gaps}:${s.misrouted}`).join(' ');
}

export const createShardsSlice: Slice<ShardsSlice> = (set, get) => {
  // Only the latest discovery may write its answer: a slow SCAN must not overwrite a newer one.
  let request = 0;
  let paging: Promise<void> | null = null;

  /**
   * A whole list in pages of {@link PAGE} (issue 14): the first page is on screen as soon as it
   * arrives, the rest follow from the list the core remembers, so a window opening on 65,536 shards
   * never parses 8 MB at once. Stops when a newer load started or the connection changed (the list
   * on screen is no longer this one).
   */
  async function loadInPages(mine: number): Promise<void> {
    const first = await get().api.invoke('shards:list', { page: { offset: 0, limit: PAGE } });
    if (mine !== request) return;
    const total = first.page?.total ?? first.shards.length;
    let shards = first.shards;
    const list = (all: ShardSummary[]): ShardListResult => ({ prefix: first.prefix, shards: all, skipped: first.skipped, at: first.at });
    set({ shards: list(shards), shardsError: null });
    while (shards.length < total) {
      let next: ShardListResult;
      try {
        next = await get().api.invoke('shards:list', { page: { at: first.at, offset: shards.length, limit: PAGE } });
      } catch {
        // The core no longer remembers that list (another window listed often meanwhile): ask whole.
        next = await get().api.invoke('shards:list', {});
        if (mine !== request || get().shards?.at !== first.at) return;
        set({ shards: next, shardsError: null });
        return;
      }
      if (mine !== request || get().shards?.at !== first.at || next.shards.length === 0) return;
      shards = shards.concat(next.shards);
      set({ shards: list(shards) });
    }
  }

  return {
    shards: null,
    shardsLoading: false,
    shardsError: null,
    indexProblems: [],
    selectedShard: null,
    async loadShards(opts = {}) {
      // A first list still arriving in pages: join it rather than discover again.
      if (paging && get().shards !== null) return paging;
      const mine = ++request;
      if (!opts.quiet) set({ shardsLoading: true });
      try {
        // Name the list held so the answer can be a delta (65,536 shards are not resent each refresh).
        const held = get().shards;
        if (!held) {
          paging = loadInPages(mine);
          try {
            await paging;
          } finally {
            paging = null;
          }
        } else {
          const answer = await get().api.invoke('shards:list', { since: held.at });
          if (mine !== request) return;
          const base = get().shards;
          // A delta applies only to the list it was computed against; otherwise ask again, in pages.
          if (answer.delta && (!base || base.at !== answer.delta.since)) {
            await loadInPages(mine);
          } else set({ shards: base && answer.delta ? applyShardDelta(base, answer) : answer, shardsError: null });
        }
        if (mine !== request) return;
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

/**
 * Stream facts per shard (issue 17, `shards:facts`) for the shard detail and the sidebar tooltip:
 * read when asked, kept {@link FACTS_FRESH_MS} (the core keeps them 5 s too, so hovering over many
 * shards costs Redis at most one read per shard per 5 s), forgotten when the connection changes.
 */
import { toApiError } from '../api';
import { targetKey } from './recovery';
import type { FactsSlice, Slice } from './types';

const FACTS_FRESH_MS = 5000;

export const createFactsSlice: Slice<FactsSlice> = (set, get) => {
  const inflight = new Map<number, Promise<void>>();
  let target: string | null = null;
  return {
    shardFacts: {},
    loadShardFacts(shard) {
      const key = targetKey(get().connection);
      if (key === null) return Promise.resolve();
      if (key !== target) {
        target = key;
        inflight.clear();
        set({ shardFacts: {} });
      }
      const known = get().shardFacts[shard];
      if (known && Date.now() - known.at < FACTS_FRESH_MS) return Promise.resolve();
      const running = inflight.get(shard);
      if (running) return running;
      const p = (async () => {
        try {
          const facts = await get().api.invoke('shards:facts', { shard });
          if (target === key) set({ shardFacts: { ...get().shardFacts, [shard]: { facts, error: null, at: Date.now() } } });
        } catch (e) {
          if (target === key) set({ shardFacts: { ...get().shardFacts, [shard]: { facts: get().shardFacts[shard]?.facts ?? null, error: toApiError(e).toInfo(), at: Date.now() } } });
        } finally {
          inflight.delete(shard);
        }
      })();
      inflight.set(shard, p);
      return p;
    },
  };
};

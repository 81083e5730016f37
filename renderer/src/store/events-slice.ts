import { toApiError } from '../api';
import type { EventsSlice, Slice } from './types';

/** The first page: newest first, as a person opening a shard during an incident wants it. */
export const FIRST_PAGE_LIMIT = 100;

export const createEventsSlice: Slice<EventsSlice> = (set, get) => {
  // Clicking through shards quickly: only the last click's page is shown.
  let request = 0;
  return {
    page: null,
    pageLoading: false,
    pageError: null,
    async loadFirstPage(shard) {
      const mine = ++request;
      set({ pageLoading: true, pageError: null });
      if (get().page?.shard !== shard) set({ page: null });
      try {
        const page = await get().api.invoke('events:page', { shard, direction: 'backward', cursor: null, limit: FIRST_PAGE_LIMIT });
        if (mine !== request) return;
        set({ page: { shard: page.shard, key: page.key, entries: page.entries, hasMore: page.hasMore, nextId: page.nextId, at: Date.now() } });
      } catch (e) {
        if (mine !== request) return;
        set({ pageError: toApiError(e).toInfo() });
      } finally {
        if (mine === request) set({ pageLoading: false });
      }
    },
    clearEvents() {
      request++;
      set({ page: null, pageLoading: false, pageError: null });
    },
  };
};

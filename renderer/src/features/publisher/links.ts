import { useCallback } from 'react';
import { useApp, type AppState } from '../../store';

export type BrowserFilter = 'corrupt' | 'duplicates';

type ShowInBrowser = (shard: number, opts?: { entryId?: string; filter?: 'corrupt' | 'duplicate' }) => void;

/**
 * Opens a shard in the browse view, at an entry and with a status filter when the shard browser
 * (issue 4) offers them (`showInBrowser` in the store: it reveals and selects the entry, and
 * filters the lane to corrupt-only or duplicates-only). Without it, the shard is selected and its
 * newest page re-read, so a batch published a moment ago is there.
 * The browser's action is looked up at run time, so this view does not break while the browser's
 * store API settles.
 */
export function useOpenInBrowser(): (shard: number, opts?: { entryId?: string; filter?: BrowserFilter }) => void {
  const show = useApp((s) => (s as AppState & { showInBrowser?: ShowInBrowser }).showInBrowser);
  const selected = useApp((s) => s.selectedShard);
  const selectShard = useApp((s) => s.selectShard);
  const loadFirstPage = useApp((s) => s.loadFirstPage);
  const setView = useApp((s) => s.setView);
  return useCallback(
    (shard: number, opts: { entryId?: string; filter?: BrowserFilter } = {}) => {
      setView('browse');
      if (typeof show === 'function') {
        const o: { entryId?: string; filter?: 'corrupt' | 'duplicate' } = {};
        if (opts.entryId !== undefined) o.entryId = opts.entryId;
        if (opts.filter !== undefined) o.filter = opts.filter === 'duplicates' ? 'duplicate' : 'corrupt';
        show(shard, o);
        return;
      }
      if (selected === shard) void loadFirstPage(shard);
      else selectShard(shard);
    },
    [show, selected, selectShard, loadFirstPage, setView],
  );
}

/**
 * Whether the Find dialog is open, and the last search (kept while the app runs, so reopening the
 * dialog shows it again). A tiny store of its own: the top bar's button, the Ctrl+K / Cmd+K
 * shortcut and the dialog share it without touching the app store.
 */
import { useSyncExternalStore } from 'react';
import type { FindHit, FindQuery, FindStep } from '../../../../shared/find';
import type { MeshErrorInfo } from '../../../../shared/types';

export interface FindSearch {
  text: string;
  query: FindQuery | null;
  hits: FindHit[];
  step: FindStep | null;
  state: 'running' | 'done' | 'cancelled' | 'failed';
  error: MeshErrorInfo | null;
  startedAt: number;
  endedAt: number | null;
}

interface FindState {
  open: boolean;
  /** Text to put in the box when the dialog opens (from a caller), else the last search's. */
  seed: string | null;
  search: FindSearch | null;
  /** Bumped whenever `search` changes in place (hits appended). */
  version: number;
}

let state: FindState = { open: false, seed: null, search: null, version: 0 };
const listeners = new Set<() => void>();

function set(patch: Partial<FindState>): void {
  state = { ...state, ...patch, version: state.version + 1 };
  for (const l of listeners) l();
}

export const findState = {
  get: (): FindState => state,
  subscribe(l: () => void): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
  open(seed?: string): void {
    set({ open: true, seed: seed ?? null });
  },
  close(): void {
    set({ open: false, seed: null });
  },
  setSearch(search: FindSearch | null): void {
    set({ search });
  },
  /** The search object changed in place (more hits, a new step). */
  touch(): void {
    set({});
  },
};

export function useFindState(): FindState {
  return useSyncExternalStore(findState.subscribe, findState.get);
}

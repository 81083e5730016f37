/**
 * "Open the exact entry" (issue 13): an Analysis figure (corrupt, duplicate groups, collisions,
 * misrouted, a gap range) is resolved to the entries behind it by the core's filter scan
 * (events:filter with an index-served `status`, or `ordinal` for a gap), and Browse opens the shard at the first
 * one, selected, with its detail open and the row ringed in the anomaly's colour. The evidence bar
 * above the lanes (EvidenceBar) names what is shown and steps to the next match.
 *
 * Kept apart from the app store (a small store of its own), so the hot store files stay untouched;
 * in lib/ because both Analysis (which opens) and Browse (which shows) use it.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { MAX_FILTER_SCAN, type FilterQuery } from '../../../shared/contract';
import type { ApiClient } from '../api';

/** The anomaly kinds a figure can name; each has its colour and icon (components/AnomalyIcon). */
export type EvidenceKind = 'corrupt' | 'duplicate' | 'collision' | 'misrouted' | 'gap';

export interface EvidenceTarget {
  kind: EvidenceKind;
  shard: number;
  /** The entry shown, or null while it is being looked for / when none matched. */
  id: string | null;
  /** What the bar says, e.g. "Collision" or "Gap 9f3a…: ordinals 120–129 missing". */
  label: string;
  /** The core filter that finds these entries, and where the next search starts (exclusive). */
  query: FilterQuery;
  /**
   * The entries the analysis report lists for this figure (its `anomalies`, oldest first), when it
   * has them: shown in that order without a search; `query` is the fallback.
   */
  ids?: string[];
  cursor: string | null;
  /** 1-based number of the entry shown among the matches found so far. */
  nth: number;
  state: 'searching' | 'found' | 'none' | 'error';
  /** No match after the one shown (the scan reached the end). */
  last: boolean;
  error?: string;
  /** Changes with each new target: a row's highlight animation restarts. */
  token: number;
}

interface EvidenceState {
  target: EvidenceTarget | null;
}

export const evidenceStore = createStore<EvidenceState>()(() => ({ target: null }));

export function useEvidence<T>(selector: (s: EvidenceState) => T): T {
  return useStore(evidenceStore, selector);
}

let token = 0;

/**
 * The next entry of `shard` matching `query` after `cursor` (oldest first), scanning in bounded
 * steps; null when none is left.
 */
export async function findNext(api: ApiClient, shard: number, query: FilterQuery, cursor: string | null, isCurrent: () => boolean): Promise<{ id: string | null; done: boolean }> {
  let from = cursor;
  // Duplicate and collision tests read the shard's background index: while it is still being
  // built a scan can miss them, so a scan that ends without a match while it was not ready starts
  // again once it is (asked again every INDEX_WAIT_MS, for at most INDEX_WAIT_TRIES).
  let waits = 0;
  for (;;) {
    const page = await api.invoke('events:filter', { shard, direction: 'forward', cursor: from, query, limit: 1, scanLimit: MAX_FILTER_SCAN, previewChars: 64 });
    if (!isCurrent()) return { id: null, done: true };
    const hit = page.entries[0];
    if (hit) return { id: hit.id, done: page.done && page.cursor === hit.id };
    if (page.done || page.cursor === null || page.cursor === from) {
      if (page.duplicatesReady || waits >= INDEX_WAIT_TRIES) return { id: null, done: true };
      waits++;
      await new Promise((r) => setTimeout(r, INDEX_WAIT_MS));
      if (!isCurrent()) return { id: null, done: true };
      from = cursor;
      continue;
    }
    from = page.cursor;
  }
}

const INDEX_WAIT_MS = 250;
const INDEX_WAIT_TRIES = 240;

/**
 * Waits (bounded) for the shard's index: Browse places an entry at its exact position only once
 * the index is ready; before that positions are estimates and the reveal could select a neighbour.
 */
async function indexReady(api: ApiClient, shard: number, isCurrent: () => boolean): Promise<void> {
  for (let k = 0; k < INDEX_WAIT_TRIES && isCurrent(); k++) {
    const st = await api.invoke('index:status', { shard });
    if (st.state === 'ready' || st.state === 'failed') return;
    await new Promise((r) => setTimeout(r, INDEX_WAIT_MS));
  }
}

/** The query that finds a kind's entries (a gap: the entry carrying the ordinal before it). */
export function evidenceQuery(kind: EvidenceKind, gap?: { nonce: string; ordinal: number }): FilterQuery {
  switch (kind) {
    case 'corrupt':
      return { status: 'corrupt' };
    case 'duplicate':
      return { status: 'duplicate' };
    case 'collision':
      return { status: 'collision' };
    case 'misrouted':
      return { status: 'misrouted' };
    case 'gap':
      if (!gap) throw new Error('a gap needs its nonce and bounding ordinal');
      return { ordinal: { nonce: gap.nonce, value: gap.ordinal } };
  }
}

/**
 * Looks for the first (or, with `next`, the following) match and opens it in Browse through
 * `reveal` (the store's showInBrowser with an entry id). Returns when the search ends.
 */
export async function openEvidence(
  api: ApiClient,
  reveal: (shard: number, id: string) => void,
  spec: { kind: EvidenceKind; shard: number; label: string; query: FilterQuery; ids?: string[] },
  next = false,
  onStart?: () => void,
): Promise<void> {
  const prev = evidenceStore.getState().target;
  const continuing = next && prev !== null && prev.shard === spec.shard && JSON.stringify(prev.query) === JSON.stringify(spec.query);
  const mine = ++token;
  const base: EvidenceTarget = {
    ...spec,
    id: continuing ? prev.id : null,
    cursor: continuing ? prev.cursor : null,
    nth: continuing ? prev.nth : 0,
    state: 'searching',
    last: false,
    token: mine,
  };
  evidenceStore.setState({ target: base });
  onStart?.();
  const isCurrent = () => evidenceStore.getState().target?.token === mine;
  try {
    // The report's own list: the exact entries behind the figure, no search needed.
    const listed = spec.ids && spec.ids.length > 0 ? spec.ids : null;
    const r = listed
      ? { id: listed[base.nth] ?? null, done: base.nth + 1 >= listed.length }
      : await findNext(api, spec.shard, spec.query, base.cursor, isCurrent);
    if (!isCurrent()) return;
    if (r.id === null) {
      evidenceStore.setState({ target: { ...base, state: 'none', last: true } });
      return;
    }
    await indexReady(api, spec.shard, isCurrent);
    if (!isCurrent()) return;
    evidenceStore.setState({ target: { ...base, id: r.id, cursor: r.id, nth: base.nth + 1, state: 'found', last: r.done } });
    reveal(spec.shard, r.id);
  } catch (e) {
    if (isCurrent()) evidenceStore.setState({ target: { ...base, state: 'error', error: (e as Error).message } });
  }
}

export function clearEvidence(): void {
  token++;
  evidenceStore.setState({ target: null });
}

/**
 * Runs a Find search (contract `find:*`, electron/core/find.ts) to its end from the UI: start, then
 * one `find:next` after another, each answer handed to `onStep`; an aborted signal cancels it in
 * the core. Used by the Find dialog and by the lanes' jump box (a dedup_id in one shard).
 */
import type { ApiClient } from '../api';
import type { FindHit, FindQuery, FindStep } from '../../../shared/find';

export interface FindRun {
  findId: string;
  query: FindQuery;
  hits: FindHit[];
  last: FindStep | null;
  cancelled: boolean;
}

export async function runFind(
  api: ApiClient,
  text: string,
  opts: { shards?: number[]; signal?: AbortSignal; onStart?(run: FindRun): void; onStep?(step: FindStep, run: FindRun): void } = {},
): Promise<FindRun> {
  const started = await api.invoke('find:start', opts.shards ? { query: text, shards: opts.shards } : { query: text });
  const run: FindRun = { findId: started.findId, query: started.query, hits: [], last: null, cancelled: false };
  opts.onStart?.(run);
  for (;;) {
    if (opts.signal?.aborted) {
      run.cancelled = true;
      await api.invoke('find:cancel', { findId: run.findId }).catch(() => {});
      return run;
    }
    const step = await api.invoke('find:next', { findId: run.findId });
    for (const h of step.hits) run.hits.push(h);
    run.last = step;
    opts.onStep?.(step, run);
    if (step.done) return run;
  }
}

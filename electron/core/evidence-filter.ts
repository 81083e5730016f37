/**
 * The extra filter tests that let the Analysis view open the exact entry behind a figure
 * (issue 13): collisions and misrouted entries (as `scan` defines them, shared/analysis.ts), and
 * the entry carrying one producer ordinal (the entry bounding a gap). Used by `compileFilter`
 * (browse.ts) when a query carries `anomaly` or `ordinal`; plain text/path/status filters are
 * untouched.
 */
import type { FilterQuery } from '../../shared/contract';
import { parseDedupId } from '../../shared/dedup-id';
import type { MeshEntry } from '../../shared/types';

/** The part of the shard index the collision test reads. */
export interface DuplicateMarks {
  duplicateMarks(dedupIds: string[]): Array<{ kind: 'retry' | 'collision' }>;
}

/**
 * `misrouted` as the analyzer counts it: an ok entry whose payload `s` differs from the stream's
 * shard, or any entry whose canonical dedup_id names another shard.
 */
export function isMisrouted(e: MeshEntry, shard: number): boolean {
  if (e.status === 'ok' && e.s !== shard) return true;
  if (e.dedupId === undefined) return false;
  const p = parseDedupId(e.dedupId);
  return p !== null && p.shard !== shard;
}

/** Whether `e`'s dedup_id is `nonce`'s ordinal `ordinal` (seq + i) on this shard. */
export function hasOrdinal(e: MeshEntry, shard: number, nonce: string, ordinal: number): boolean {
  if (e.dedupId === undefined) return false;
  const p = parseDedupId(e.dedupId);
  return p !== null && p.nonce === nonce && p.shard === shard && p.ordinal === BigInt(ordinal);
}

/** The tests `q.anomaly` and `q.ordinal` ask for (none when the query has neither). */
export function evidenceTests(q: FilterQuery, shard: number, index: DuplicateMarks): Array<(e: MeshEntry) => boolean> {
  const tests: Array<(e: MeshEntry) => boolean> = [];
  if (q.anomaly === 'collision') tests.push((e) => e.dedupId !== undefined && index.duplicateMarks([e.dedupId])[0]?.kind === 'collision');
  if (q.anomaly === 'misrouted') tests.push((e) => isMisrouted(e, shard));
  const o = q.ordinal;
  if (o) tests.push((e) => hasOrdinal(e, shard, o.nonce, o.value));
  return tests;
}

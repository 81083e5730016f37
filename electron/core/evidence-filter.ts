/**
 * The extra filter test that lets the Analysis view open the exact entry behind one gap range
 * (issue 13): the entry carrying one producer ordinal of one nonce (the entry bounding the gap).
 * Used by `compileFilter` (browse.ts) when a query carries `ordinal`; the index-served statuses
 * (lane-filter.ts: collision, misrouted, gap bounds, …) cover the other figures.
 */
import type { FilterQuery } from '../../shared/contract';
import { parseDedupId } from '../../shared/dedup-id';
import type { MeshEntry } from '../../shared/types';

/** Whether `e`'s dedup_id is `nonce`'s ordinal `ordinal` (seq + i) on this shard. */
export function hasOrdinal(e: MeshEntry, shard: number, nonce: string, ordinal: number): boolean {
  if (e.dedupId === undefined) return false;
  const p = parseDedupId(e.dedupId);
  return p !== null && p.nonce === nonce && p.shard === shard && p.ordinal === BigInt(ordinal);
}

/** The test `q.ordinal` asks for (none when the query has none). */
export function evidenceTests(q: FilterQuery, shard: number): Array<(e: MeshEntry) => boolean> {
  const o = q.ordinal;
  return o ? [(e) => hasOrdinal(e, shard, o.nonce, o.value)] : [];
}

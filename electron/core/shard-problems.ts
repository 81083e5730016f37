/**
 * `shards:problems` (issue 13): each shard's corrupt, duplicate, collision, gap and misrouted
 * counts from its background index, for the sidebar's badges between whole-bus analyses. Only
 * complete indexes answer (a half-built index would show too few). Costs nothing in Redis: the
 * counts are the indexes' own analysis, kept as they read.
 */
import type { ShardProblemCounts } from '../../shared/contract';
import type { ShardIndex } from './shard-index';

export function indexProblems(indexes: Iterable<ShardIndex>): ShardProblemCounts[] {
  const at = Date.now();
  const out: ShardProblemCounts[] = [];
  for (const idx of indexes) {
    if (!idx.ready) continue;
    out.push({ shard: idx.shard, at, ...idx.problemCounts() });
  }
  return out.sort((a, b) => a.shard - b.shard);
}

/**
 * The evidence pass of a detailed scan (`scan --details`, the analysis view; issue 13): after a
 * shard's counts are known, a shard with corrupt, duplicated or misrouted entries is read once more,
 * over the same id range the counts cover (up to the last id it had at discovery), through the
 * adapter's poll, so each entry is classified exactly as Browse and the counts classify it. Only
 * those shards are read again; a clean shard costs nothing more. What it keeps is the records
 * themselves (capped per shard, shared/evidence.ts), never the entries.
 */
import type { ShardAnalyzer } from '../../shared/analysis';
import { EvidenceCollector } from '../../shared/evidence';
import { compareStreamIds } from '../../shared/stream-id';
import type { ShardAnalysis, ShardInfo } from '../../shared/types';
import type { MeshAdapter } from './adapter';

const PAGE = 1000;

/** Whether a shard's analysis has anything the evidence pass would list. */
export function needsEvidence(a: ShardAnalysis): boolean {
  return a.corrupt > 0 || a.duplicateGroups > 0 || a.misrouted > 0;
}

/**
 * `analysis` with `anomalies` (always set: empty for a clean shard) and `anomaliesOmitted` past the
 * cap. `info.lastId` bounds the read, as it bounded the counts; entries deleted between the two
 * reads are missing from the records (a duplicate group then says how many copies went).
 */
export async function withEvidence(
  adapter: MeshAdapter,
  info: ShardInfo,
  analyzer: ShardAnalyzer,
  analysis: ShardAnalysis,
  signal?: AbortSignal,
  onEntries?: (n: number) => void,
): Promise<ShardAnalysis> {
  if (!needsEvidence(analysis) || info.lastId === null) return { ...analysis, anomalies: [] };
  const collector = new EvidenceCollector(info.shard, analysis.duplicateGroups > 0 ? analyzer.duplicates() : []);
  const end = info.lastId;
  let after: string | null = null;
  for (;;) {
    signal?.throwIfAborted();
    const page = await adapter.poll(info.shard, after, PAGE);
    let past = false;
    for (const e of page.entries) {
      if (compareStreamIds(e.id, end) > 0) {
        past = true;
        break;
      }
      collector.add(e);
    }
    onEntries?.(page.entries.length);
    if (past || !page.hasMore || page.nextId === null || compareStreamIds(page.nextId, end) >= 0) break;
    after = page.nextId;
  }
  const { anomalies, omitted } = collector.finish();
  const out: ShardAnalysis = { ...analysis, anomalies };
  if (omitted > 0) out.anomaliesOmitted = omitted;
  return out;
}

/**
 * The `scan --json` document (cli.md `scan`): one shaping function for the command line and the
 * analysis view's JSON export, so both write the same fields in the same order by construction.
 */
import type { GapRange, ShardAnalysis, SkippedKey } from './types';

export interface ScanDocumentBody {
  prefix: string;
  shards: ShardAnalysis[];
  skipped: SkippedKey[];
}

/**
 * Copies exactly the documented fields, in cli.md's order, then the additive ones where the scan
 * set them: on each gap `cause`, `reason` and `maxDeletedId` (issue 17), and per shard `headGaps`
 * after `misrouted`. Extra fields a caller carries are dropped.
 */
export function scanDocument(prefix: string, shards: readonly ShardAnalysis[], skipped: readonly SkippedKey[]): ScanDocumentBody {
  return {
    prefix,
    shards: shards.map((s) => {
      const out: ShardAnalysis = {
        shard: s.shard,
        key: s.key,
        entries: s.entries,
        ok: s.ok,
        corrupt: s.corrupt,
        duplicateGroups: s.duplicateGroups,
        duplicateEntries: s.duplicateEntries,
        collisionGroups: s.collisionGroups,
        gaps: s.gaps.map(gapFields),
        misrouted: s.misrouted,
      };
      if (s.headGaps) out.headGaps = s.headGaps.map(gapFields);
      return out;
    }),
    skipped: skipped.map((k) => ({ key: k.key, reason: k.reason })),
  };
}

function gapFields(g: GapRange): GapRange {
  const out: GapRange = { nonce: g.nonce, from: g.from, to: g.to };
  if (g.cause !== undefined) out.cause = g.cause;
  if (g.reason !== undefined) out.reason = g.reason;
  if (g.maxDeletedId !== undefined) out.maxDeletedId = g.maxDeletedId;
  return out;
}

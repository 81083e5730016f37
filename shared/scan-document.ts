/**
 * The `scan --json` document (cli.md `scan`): one shaping function for the command line and the
 * analysis view's JSON export, so both write the same fields in the same order by construction.
 */
import type { ShardAnalysis, SkippedKey } from './types';

export interface ScanDocumentBody {
  prefix: string;
  shards: ShardAnalysis[];
  skipped: SkippedKey[];
}

/** Copies exactly the documented fields, in cli.md's order (extra fields a caller carries are dropped). */
export function scanDocument(prefix: string, shards: readonly ShardAnalysis[], skipped: readonly SkippedKey[]): ScanDocumentBody {
  return {
    prefix,
    shards: shards.map((s) => ({
      shard: s.shard,
      key: s.key,
      entries: s.entries,
      ok: s.ok,
      corrupt: s.corrupt,
      duplicateGroups: s.duplicateGroups,
      duplicateEntries: s.duplicateEntries,
      collisionGroups: s.collisionGroups,
      gaps: s.gaps.map((g) => ({ nonce: g.nonce, from: g.from, to: g.to })),
      misrouted: s.misrouted,
    })),
    skipped: skipped.map((k) => ({ key: k.key, reason: k.reason })),
  };
}

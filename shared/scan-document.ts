/**
 * The `scan --json` document (cli.md `scan`): one shaping function for the command line and the
 * analysis view's JSON export, so both write the same fields in the same order by construction.
 */
import type { Anomaly, GapRange, ShardAnalysis, SkippedKey } from './types';

export interface ScanDocumentBody {
  prefix: string;
  shards: ShardAnalysis[];
  skipped: SkippedKey[];
}

/**
 * Copies exactly the documented fields, in cli.md's order, then the additive ones where the scan
 * set them: on each gap `cause`, `reason` and `maxDeletedId` (issue 17), and per shard `headGaps`
 * after `misrouted`; with `--details` (issue 13) `anomalies` (and `anomaliesOmitted` past the cap)
 * after those. Extra fields a caller carries are dropped.
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
      if (s.anomalies) {
        out.anomalies = s.anomalies.map(anomalyFields);
        if (s.anomaliesOmitted) out.anomaliesOmitted = s.anomaliesOmitted;
      }
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

function anomalyFields(a: Anomaly): Anomaly {
  // Field order: kind, ids, dedupId (when there is one), reason.
  return a.dedupId !== undefined ? { kind: a.kind, ids: [...a.ids], dedupId: a.dedupId, reason: a.reason } : { kind: a.kind, ids: [...a.ids], reason: a.reason };
}

/**
 * The document as the bytes `scan --json` prints (compact JSON and a line feed; the document holds
 * no bigint). The analysis view's JSON export writes exactly these bytes, with its provenance as a
 * last field (see `withTrailingField`).
 */
export function scanDocumentText(doc: ScanDocumentBody): string {
  return `${JSON.stringify(doc)}\n`;
}

/**
 * `text` (a JSON object and a line feed, as {@link scanDocumentText} writes it) with one more field
 * appended: every byte before it stays as it was, so the part before `,"<name>":` is the scan
 * document byte for byte.
 */
export function withTrailingField(text: string, name: string, value: unknown): string {
  const body = text.endsWith('}\n') ? text.slice(0, -2) : text.replace(/}\s*$/, '');
  return `${body},${JSON.stringify(name)}:${JSON.stringify(value)}}\n`;
}

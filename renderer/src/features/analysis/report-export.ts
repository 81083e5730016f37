/**
 * The analysis report as files. JSON: exactly the bytes `mesh-inspector scan --json --details`
 * prints for the same data (cli.md: `prefix`, `shards` with the same fields in the same order, each
 * with its `anomalies`, `skipped`; one shaper, shared/scan-document.ts) plus a last `provenance` field.
 * CSV: one row per shard with the same figures, gap ranges in one cell, and the provenance on every
 * row, so the file stays a plain table any CSV reader takes; then (additive) the gaps' causes and
 * the head gaps, `nonce:from-to=cause` separated by spaces.
 */
import type { AnalysisReport } from '../../../../shared/contract';
import { scanDocument, scanDocumentText, withTrailingField } from '../../../../shared/scan-document';
import type { ShardAnalysis } from '../../../../shared/types';

export interface ExportProvenance {
  tool: 'mesh-inspector';
  appVersion: string;
  /** Redacted as net-mesh's redact_url does: never a password. */
  server: string;
  prefix: string;
  shards: number[];
  startedAt: string;
  finishedAt: string;
}

export interface ScanDocument {
  prefix: string;
  shards: ShardAnalysis[];
  skipped: Array<{ key: string; reason: string }>;
  provenance: ExportProvenance;
}

export function provenanceOf(report: AnalysisReport): ExportProvenance {
  const p = report.provenance;
  return {
    tool: 'mesh-inspector',
    appVersion: p.appVersion,
    server: p.server,
    prefix: p.prefix,
    shards: [...p.shards],
    startedAt: new Date(p.startedAt).toISOString(),
    finishedAt: new Date(p.finishedAt).toISOString(),
  };
}

/** The `scan --json` document (field order as cli.md shows it) plus provenance. */
export function reportJson(report: AnalysisReport): ScanDocument {
  return { ...scanDocument(report.provenance.prefix, report.shards, report.skipped), provenance: provenanceOf(report) };
}

/**
 * The JSON export's text: `scan --json --details`'s bytes (compact, one line) with `provenance`
 * appended as the last field, so everything before `,"provenance":` is the command's output byte for byte.
 */
export function reportJsonText(report: AnalysisReport): string {
  return withTrailingField(scanDocumentText(scanDocument(report.provenance.prefix, report.shards, report.skipped)), 'provenance', provenanceOf(report));
}

export const CSV_COLUMNS = [
  'shard',
  'key',
  'entries',
  'ok',
  'corrupt',
  'duplicateGroups',
  'duplicateEntries',
  'collisionGroups',
  'gapRanges',
  'missingOrdinals',
  'gaps',
  'misrouted',
  'server',
  'prefix',
  'startedAt',
  'finishedAt',
  'appVersion',
  // Additive (issue 17): each gap's cause, and the head gaps with theirs.
  'gapCauses',
  'headGaps',
] as const;

/** RFC 4180 field: quoted when it holds a comma, quote or line break; a leading formula character is neutralised. */
function csvField(v: string | number): string {
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function missingOrdinals(s: ShardAnalysis): number {
  return s.gaps.reduce((n, g) => n + (g.to - g.from + 1), 0);
}

export function reportCsv(report: AnalysisReport): string {
  const p = provenanceOf(report);
  const lines = [CSV_COLUMNS.join(',')];
  for (const s of report.shards) {
    const row: Array<string | number> = [
      s.shard,
      s.key,
      s.entries,
      s.ok,
      s.corrupt,
      s.duplicateGroups,
      s.duplicateEntries,
      s.collisionGroups,
      // gapRanges: the ranges themselves; gaps: how many (the screen's "gaps" figure). Issue 13: these two were swapped.
      s.gaps.map((g) => `${g.nonce}:${g.from}-${g.to}`).join(' '),
      missingOrdinals(s),
      s.gaps.length,
      s.misrouted,
      p.server,
      p.prefix,
      p.startedAt,
      p.finishedAt,
      p.appVersion,
      s.gaps.map((g) => `${g.nonce}:${g.from}-${g.to}=${g.cause ?? 'unknown'}`).join(' '),
      (s.headGaps ?? []).map((g) => `${g.nonce}:${g.from}-${g.to}=${g.cause ?? 'unknown'}`).join(' '),
    ];
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export const EVIDENCE_CSV_COLUMNS = ['shard', 'key', 'kind', 'streamIds', 'dedupId', 'reason', 'server', 'prefix', 'finishedAt'] as const;

/**
 * The evidence as a table (issue 13): one row per anomaly of `scan --details` (corrupt entry,
 * duplicate or collision group, misrouted entry) and one per gap, in the JSON export's order;
 * a group's stream ids in one cell, separated by spaces.
 */
export function evidenceCsv(report: AnalysisReport): string {
  const p = provenanceOf(report);
  const lines = [EVIDENCE_CSV_COLUMNS.join(',')];
  const push = (cells: Array<string | number>) => lines.push([...cells, p.server, p.prefix, p.finishedAt].map(csvField).join(','));
  for (const s of report.shards) {
    for (const a of s.anomalies ?? []) push([s.shard, s.key, a.kind, a.ids.join(' '), a.dedupId ?? '', a.reason]);
    if (s.anomaliesOmitted) push([s.shard, s.key, 'omitted', '', '', `${s.anomaliesOmitted} more anomalies of this shard are counted but not listed`]);
    // A gap has no entry: its nonce and ordinal range lead its reason.
    for (const g of s.gaps) push([s.shard, s.key, `gap:${g.cause ?? 'unknown'}`, '', '', `nonce ${g.nonce} ordinals ${g.from}-${g.to} missing. ${g.reason ?? ''}`.trim()]);
    for (const g of s.headGaps ?? []) push([s.shard, s.key, `head-gap:${g.cause ?? 'unknown'}`, '', '', `nonce ${g.nonce} ordinals ${g.from}-${g.to} missing. ${g.reason ?? ''}`.trim()]);
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function exportFileName(report: AnalysisReport, ext: 'json' | 'csv' | 'evidence.csv' | 'md'): string {
  const d = new Date(report.provenance.finishedAt);
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
  const prefix = report.provenance.prefix.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40) || 'bus';
  return `mesh-analysis-${prefix}-${stamp}.${ext}`;
}

/** Saves text as a file through a Blob and <a download>: works in the browser mode and in the desktop window alike. */
export function downloadText(text: string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

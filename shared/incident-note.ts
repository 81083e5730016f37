/**
 * "Copy as incident note" (issue 13): the evidence as Markdown to paste into a ticket: where it
 * was read, a table of the shards with anything wrong, then every anomaly with its stream ids,
 * dedup_id and reason (the first `MAX_NOTE_LINES` per section; the JSON export has all of them).
 * Pure: the analysis view (a report) and the Find dialog (its results) both use it.
 */
import type { FindHit, FindHitKind } from './find';
import type { Anomaly, ShardAnalysis } from './types';

export const MAX_NOTE_LINES = 50;

export interface NoteSource {
  server: string;
  prefix: string;
  /** ISO time the evidence was read. */
  at: string;
  tool: string;
}

/** Text in Markdown code spans: a backtick inside would end the span, so the span is widened. */
function code(s: string): string {
  const clean = s.replace(/[\r\n]+/g, ' ');
  return clean.includes('`') ? `\`\` ${clean} \`\`` : `\`${clean}\``;
}

/** Plain text in a table cell or a list line: no line breaks, no pipes, no HTML. */
function text(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|').replace(/</g, '&lt;');
}

const SECTION: Record<Anomaly['kind'], string> = {
  collision: 'Collisions (same dedup_id, different payloads: consumers drop events)',
  duplicate: 'Duplicates (retried batches)',
  corrupt: 'Corrupt entries (the net-mesh reader skips them)',
  misrouted: 'Misrouted entries',
};

/** The note for an analysis report's shards (those with nothing wrong are left out). */
export function reportIncidentNote(src: NoteSource, shards: readonly ShardAnalysis[], title = 'Mesh bus anomalies'): string {
  const bad = shards.filter((s) => s.corrupt || s.duplicateGroups || s.misrouted || s.gaps.length || (s.headGaps?.length ?? 0));
  const out: string[] = [`### ${text(title)}`, '', header(src), ''];
  if (bad.length === 0) {
    out.push(`Nothing wrong in ${shards.length} shard(s).`, '');
    return out.join('\n');
  }
  out.push('| shard | entries | corrupt | duplicate ids | collisions | gaps | misrouted |', '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of bad) out.push(`| ${s.shard} | ${s.entries} | ${s.corrupt} | ${s.duplicateGroups} | ${s.collisionGroups} | ${s.gaps.length} | ${s.misrouted} |`);
  out.push('');
  for (const kind of ['collision', 'duplicate', 'corrupt', 'misrouted'] as const) {
    const lines: string[] = [];
    let total = 0;
    for (const s of bad) {
      for (const a of s.anomalies ?? []) {
        if (a.kind !== kind) continue;
        total++;
        if (lines.length < MAX_NOTE_LINES) lines.push(`- shard ${s.shard}: ${a.ids.map(code).join(', ')}${a.dedupId !== undefined ? ` dedup_id ${code(a.dedupId)}` : ''}: ${text(a.reason)}`);
      }
    }
    if (total === 0) continue;
    out.push(`**${SECTION[kind]}**: ${total}`, '', ...lines);
    if (total > lines.length) out.push(`- … and ${total - lines.length} more (see the JSON export)`);
    out.push('');
  }
  const omitted = bad.reduce((n, s) => n + (s.anomaliesOmitted ?? 0), 0);
  if (omitted > 0) out.push(`${omitted} further anomalies are counted but not listed (the listing stops at its cap per shard).`, '');
  const gaps = bad.flatMap((s) => [...s.gaps, ...(s.headGaps ?? [])].map((g) => ({ s, g })));
  if (gaps.length > 0) {
    out.push(`**Missing ordinals**: ${gaps.length} range(s)`, '');
    for (const { s, g } of gaps.slice(0, MAX_NOTE_LINES)) {
      out.push(`- shard ${s.shard}, nonce ${code(g.nonce)}, ordinals ${g.from}-${g.to} (${g.to - g.from + 1}): ${g.cause ?? 'cause unknown'}${g.reason ? `. ${text(g.reason)}` : ''}`);
    }
    if (gaps.length > MAX_NOTE_LINES) out.push(`- … and ${gaps.length - MAX_NOTE_LINES} more (see the JSON export)`);
    out.push('');
  }
  return out.join('\n');
}

/** The note for Find results (all of them, or the ones selected). */
export function findIncidentNote(src: NoteSource, query: string, hits: readonly FindHit[], kinds: readonly FindHitKind[][]): string {
  const out: string[] = [`### Entries found for ${code(query)}`, '', header(src), ''];
  if (hits.length === 0) {
    out.push('No entry found.', '');
    return out.join('\n');
  }
  const shards = new Set(hits.map((h) => h.shard));
  out.push(`${hits.length} entr${hits.length === 1 ? 'y' : 'ies'} on ${shards.size} shard(s).`, '');
  out.push('| shard | stream id | position | dedup_id | kind | note |', '| ---: | --- | ---: | --- | --- | --- |');
  for (let k = 0; k < Math.min(hits.length, MAX_NOTE_LINES * 4); k++) {
    const h = hits[k]!;
    out.push(`| ${h.shard} | ${code(h.id)} | ${h.position ?? ''} | ${h.dedupId !== undefined ? code(h.dedupId) : ''} | ${(kinds[k] ?? []).join(', ')} | ${h.reason ? text(h.reason) : ''} |`);
  }
  if (hits.length > MAX_NOTE_LINES * 4) out.push('', `… and ${hits.length - MAX_NOTE_LINES * 4} more.`);
  out.push('');
  return out.join('\n');
}

function header(src: NoteSource): string {
  return `Server ${code(src.server)}, prefix ${code(src.prefix)}, read ${src.at} by ${text(src.tool)}.`;
}

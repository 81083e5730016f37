/**
 * What a shard's stream facts (issue 17, `shards:facts`) say in words: one list of label/value
 * pairs for the shard detail and the sidebar tooltip, so both say the same. Pure.
 */
import type { StreamFacts } from '../../../shared/contract';

export interface FactLine {
  id: string;
  label: string;
  value: string;
  /** Why the value is what it is, for a title attribute. */
  hint?: string;
}

const n = (v: number) => v.toLocaleString('en-US');

/** `4.6 KiB`, `12.0 MiB`. */
export function formatBytesShort(b: number): string {
  if (b < 1024) return `${b} B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KiB`;
  if (b < 1024 ** 3) return `${(b / 1024 / 1024).toFixed(1)} MiB`;
  return `${(b / 1024 ** 3).toFixed(2)} GiB`;
}

export function factLines(f: StreamFacts): FactLine[] {
  const pre7 = f.entriesAdded === null ? 'Redis 7.0 and later keep this' : undefined;
  const lines: FactLine[] = [
    { id: 'added', label: 'Added ever', value: f.entriesAdded === null ? '—' : n(f.entriesAdded), hint: pre7 ?? 'entries-added: every entry ever added to the stream' },
    { id: 'present', label: 'Present', value: n(f.length) },
    {
      id: 'removed',
      label: 'Removed',
      value: f.removed === null ? '—' : n(f.removed),
      hint: pre7 ?? 'entries-added − length: trimmed (XTRIM, MAXLEN) or deleted (XDEL)',
    },
    { id: 'last-generated', label: 'Last generated id', value: f.lastGeneratedId },
    { id: 'first-recorded', label: 'First recorded id', value: f.recordedFirstEntryId ?? '—', hint: pre7 ?? 'recorded-first-entry-id: moved by trimming and by deleting the head' },
    {
      id: 'max-deleted',
      label: 'Max deleted id',
      value: f.maxDeletedEntryId === null ? '—' : f.maxDeletedEntryId === '0-0' ? 'none deleted' : f.maxDeletedEntryId,
      hint: pre7 ?? 'max-deleted-entry-id: the greatest id removed by XDEL (trimming does not move it)',
    },
    {
      id: 'memory',
      label: 'Memory',
      value: f.memoryBytes === null ? (f.memoryError?.code === 'NOPERM' ? 'not permitted' : '—') : formatBytesShort(f.memoryBytes),
      hint: f.memoryError ? f.memoryError.message : `MEMORY USAGE with ${f.memorySamples} samples (an estimate)`,
    },
    {
      id: 'groups',
      label: 'Consumer groups',
      value: f.groupCount === 0 ? 'none' : f.groups.map((g) => `${g.name} (${n(g.pending)} pending${g.lag !== null ? `, lag ${n(g.lag)}` : ''})`).join(', ') + (f.groupCount > f.groups.length ? ` +${f.groupCount - f.groups.length}` : ''),
      ...(f.groupsError ? { hint: f.groupsError.message } : {}),
    },
  ];
  return lines;
}

/** The facts as plain text lines, for a `title` tooltip. */
export function factsTooltip(f: StreamFacts): string {
  return factLines(f)
    .map((l) => `${l.label}: ${l.value}`)
    .join('\n');
}

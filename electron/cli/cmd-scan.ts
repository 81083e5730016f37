/**
 * `mesh-inspector scan [--shard <n> ...]` (cli.md): whole-shard analysis, page by page.
 */
import { scanDocument } from '../../shared/scan-document';
import type { GapRange } from '../../shared/types';
import type { ScanResult } from '../core/scan';
import type { CliCommand } from './commands';
import { grouped, table } from './output';
import { progressBar } from './progress';

export const scanCommand: CliCommand = {
  name: 'scan',
  summary: 'analyse whole shards: corrupt entries, duplicate dedup_ids, collisions, gaps, misrouted',
  usage: '[--shard <n> ...] [--details]',
  options: [
    { name: 'details', kind: 'flag', description: 'list the evidence: stream ids and reasons of every corrupt, duplicated and misrouted entry (with --json: `anomalies` per shard)' },
    { name: 'shard', kind: 'shard', value: '<n>', multi: true, description: 'scan this shard (repeatable); default: every shard of the prefix' },
  ],
  async run(ctx) {
    const shards = (ctx.options.shard as number[] | undefined) ?? [];
    // Loaded when the command runs: `--help` and the other commands never load the Redis client.
    const [{ withAdapter }, { scanShards }] = await Promise.all([import('./impl'), import('../core/scan')]);
    const bar = progressBar(ctx.stderr);
    let result: ScanResult;
    try {
      result = await withAdapter(ctx.global, true, (adapter) =>
        scanShards(adapter, { shards, signal: ctx.signal, onProgress: (p) => bar.update(p), details: ctx.options.details === true }),
      );
    } finally {
      bar.done();
    }
    const json: ScanResult = scanDocument(result.prefix, result.shards, result.skipped);
    return { json, human: humanScan(json) };
  },
};

function causeText(g: GapRange): string {
  if (g.cause === undefined) return '-';
  if (g.cause === 'possibly-deleted') return `possibly deleted (XDEL up to ${g.maxDeletedId ?? '?'})`;
  return g.cause;
}

function humanScan(result: ScanResult): string {
  let out =
    result.shards.length === 0
      ? `no shard streams scanned under prefix "${result.prefix}"\n`
      : table(
          ['SHARD', 'ENTRIES', 'OK', 'CORRUPT', 'DUP IDS', 'DUP ENTRIES', 'COLLISIONS', 'GAPS', 'MISROUTED'],
          result.shards.map((s) => [
            s.shard,
            grouped(s.entries),
            grouped(s.ok),
            grouped(s.corrupt),
            grouped(s.duplicateGroups),
            grouped(s.duplicateEntries),
            grouped(s.collisionGroups),
            s.gaps.length,
            grouped(s.misrouted),
          ]),
          [0, 1, 2, 3, 4, 5, 6, 7, 8],
        );
  const gapRow = (shard: number, g: GapRange) => [shard, g.nonce, g.from, g.to, grouped(g.to - g.from + 1), causeText(g)] as Array<string | number>;
  const gaps = result.shards.flatMap((s) => s.gaps.map((g) => gapRow(s.shard, g)));
  if (gaps.length > 0) out += '\nmissing ordinals between present ones:\n' + table(['SHARD', 'NONCE', 'FROM', 'TO', 'COUNT', 'CAUSE'], gaps, [0, 2, 3, 4]);
  const heads = result.shards.flatMap((s) => (s.headGaps ?? []).map((g) => gapRow(s.shard, g)));
  if (heads.length > 0) out += '\nmissing first ordinals (before each nonce\'s lowest one here):\n' + table(['SHARD', 'NONCE', 'FROM', 'TO', 'COUNT', 'CAUSE'], heads, [0, 2, 3, 4]);
  // The evidence, one line per gap, while it stays readable (scan --json carries it for every gap).
  const explained = result.shards.flatMap((s) => [...s.gaps, ...(s.headGaps ?? [])].filter((g) => g.reason).map((g) => `  shard ${s.shard}, nonce ${g.nonce}: ${g.reason}\n`));
  if (explained.length > 0 && explained.length <= 20) out += '\nwhy:\n' + explained.join('');
  const collisions = result.shards.reduce((n, s) => n + s.collisionGroups, 0);
  if (collisions > 0) out += `\n${collisions} collision group(s): the same dedup_id carries different payloads; consumers' dedup will drop the later events\n`;
  // --details: the evidence, one line per record (the first 200; --json carries every one).
  const records = result.shards.flatMap((s) => (s.anomalies ?? []).map((a) => [s.shard, a.kind, a.ids.join(' '), a.dedupId ?? '-'] as Array<string | number>));
  if (records.length > 0) {
    out += '\nevidence:\n' + table(['SHARD', 'KIND', 'STREAM IDS', 'DEDUP_ID'], records.slice(0, 200), [0]);
    const omitted = records.length - Math.min(records.length, 200) + result.shards.reduce((n, s) => n + (s.anomaliesOmitted ?? 0), 0);
    if (omitted > 0) out += `... and ${grouped(omitted)} more (scan --json --details lists them)\n`;
  }
  if (result.skipped.length > 0) out += `\nskipped ${result.skipped.length} key(s):\n` + table(['KEY', 'REASON'], result.skipped.map((s) => [s.key, s.reason]));
  return out;
}

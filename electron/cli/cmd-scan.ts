/**
 * `mesh-inspector scan [--shard <n> ...]` (cli.md): whole-shard analysis, page by page.
 */
import { scanDocument } from '../../shared/scan-document';
import type { ScanResult } from '../core/scan';
import type { CliCommand } from './commands';
import { grouped, table } from './output';
import { progressBar } from './progress';

export const scanCommand: CliCommand = {
  name: 'scan',
  summary: 'analyse whole shards: corrupt entries, duplicate dedup_ids, collisions, gaps, misrouted',
  usage: '[--shard <n> ...]',
  options: [
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
        scanShards(adapter, { shards, signal: ctx.signal, onProgress: (p) => bar.update(p) }),
      );
    } finally {
      bar.done();
    }
    const json: ScanResult = scanDocument(result.prefix, result.shards, result.skipped);
    return { json, human: humanScan(json) };
  },
};

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
  const gaps = result.shards.flatMap((s) => s.gaps.map((g) => [s.shard, g.nonce, g.from, g.to, grouped(g.to - g.from + 1)] as Array<string | number>));
  if (gaps.length > 0) out += '\nmissing ordinals (lost batches):\n' + table(['SHARD', 'NONCE', 'FROM', 'TO', 'COUNT'], gaps, [0, 2, 3, 4]);
  const collisions = result.shards.reduce((n, s) => n + s.collisionGroups, 0);
  if (collisions > 0) out += `\n${collisions} collision group(s): the same dedup_id carries different payloads; consumers' dedup will drop the later events\n`;
  if (result.skipped.length > 0) out += `\nskipped ${result.skipped.length} key(s):\n` + table(['KEY', 'REASON'], result.skipped.map((s) => [s.key, s.reason]));
  return out;
}

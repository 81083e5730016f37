/**
 * `mesh-inspector shards` (cli.md): every shard stream of the prefix, found with SCAN MATCH.
 */
import type { ShardDiscovery } from '../../shared/types';
import type { CliCommand } from './commands';
import { table } from './output';

export const shardsCommand: CliCommand = {
  name: 'shards',
  summary: 'list the shard streams of the prefix (SCAN MATCH; sparse ids; unusable keys with the reason)',
  usage: '',
  options: [],
  async run(ctx) {
    // Loaded when the command runs: `--help` and the other commands never load the Redis client.
    const { withAdapter, discoverShards } = await import('./impl');
    const found = await withAdapter(ctx.global, true, (adapter) => discoverShards(adapter.client, adapter.prefix, { signal: ctx.signal }));
    // Field order as cli.md shows it.
    const json: ShardDiscovery = {
      prefix: found.prefix,
      shards: found.shards.map((s) => ({ shard: s.shard, key: s.key, length: s.length, firstId: s.firstId, lastId: s.lastId })),
      skipped: found.skipped.map((s) => ({ key: s.key, reason: s.reason })),
    };
    return { json, human: humanShards(json) };
  },
};

function humanShards(found: ShardDiscovery): string {
  let out =
    found.shards.length === 0
      ? `no shard streams under prefix "${found.prefix}"\n`
      : table(
          ['SHARD', 'KEY', 'LENGTH', 'FIRST ID', 'LAST ID'],
          found.shards.map((s) => [s.shard, s.key, s.length, s.firstId, s.lastId]),
          [0, 2],
        );
  if (found.skipped.length > 0) {
    out += `\nskipped ${found.skipped.length} key(s):\n` + table(['KEY', 'REASON'], found.skipped.map((s) => [s.key, s.reason]));
  }
  return out;
}

/**
 * `mesh-inspector shards` (cli.md): every shard stream of the prefix, found with SCAN MATCH, and
 * (additive, issue 17) what Redis keeps about each: `facts` from XINFO STREAM, MEMORY USAGE and
 * XINFO GROUPS.
 */
import type { StreamFacts } from '../../shared/contract';
import type { ShardDiscovery, ShardInfo } from '../../shared/types';
import type { CliCommand } from './commands';
import { grouped, table } from './output';

/** Shards whose facts are read at once (each is 2-3 commands on the shard's node). */
const FACTS_CONCURRENCY = 32;

/** The additive `facts` of one shard in `shards --json`: the stream facts without what the shard entry already says. */
type ShardFactsJson = Omit<StreamFacts, 'shard' | 'key' | 'at' | 'length' | 'firstEntryId' | 'lastEntryId'>;
type ShardJson = ShardInfo & { facts: ShardFactsJson | null };
type ShardsJson = Omit<ShardDiscovery, 'shards'> & { shards: ShardJson[] };

export const shardsCommand: CliCommand = {
  name: 'shards',
  summary: 'list the shard streams of the prefix (SCAN MATCH; sparse ids; unusable keys with the reason) and what Redis keeps about each',
  usage: '',
  options: [],
  async run(ctx) {
    // Loaded when the command runs: `--help` and the other commands never load the Redis client.
    const { withAdapter, discoverShards, readStreamFacts } = await import('./impl');
    const { found, facts } = await withAdapter(ctx.global, true, async (adapter) => {
      const found = await discoverShards(adapter.client, adapter.prefix, { signal: ctx.signal });
      const facts = new Map<number, StreamFacts | null>();
      for (let i = 0; i < found.shards.length; i += FACTS_CONCURRENCY) {
        ctx.signal?.throwIfAborted();
        const chunk = found.shards.slice(i, i + FACTS_CONCURRENCY);
        // A shard deleted since discovery (or one the ACL hides) has no facts; the listing stands.
        const read = await Promise.all(chunk.map((s) => readStreamFacts(adapter.client, s.shard, s.key, adapter.secretTexts).catch(() => null)));
        chunk.forEach((s, k) => facts.set(s.shard, read[k] ?? null));
      }
      return { found, facts };
    });
    // Field order as cli.md shows it, then the additive `facts`.
    const json: ShardsJson = {
      prefix: found.prefix,
      shards: found.shards.map((s) => ({ shard: s.shard, key: s.key, length: s.length, firstId: s.firstId, lastId: s.lastId, facts: factsJson(facts.get(s.shard) ?? null) })),
      skipped: found.skipped.map((s) => ({ key: s.key, reason: s.reason })),
    };
    return { json, human: humanShards(json) };
  },
};

function factsJson(f: StreamFacts | null): ShardFactsJson | null {
  if (f === null) return null;
  const out: ShardFactsJson = {
    entriesAdded: f.entriesAdded,
    removed: f.removed,
    lastGeneratedId: f.lastGeneratedId,
    recordedFirstEntryId: f.recordedFirstEntryId,
    maxDeletedEntryId: f.maxDeletedEntryId,
    memoryBytes: f.memoryBytes,
    memorySamples: f.memorySamples,
    groupCount: f.groupCount,
    groups: f.groups,
  };
  if (f.memoryError) out.memoryError = f.memoryError;
  if (f.groupsError) out.groupsError = f.groupsError;
  return out;
}

function humanShards(found: ShardsJson): string {
  let out =
    found.shards.length === 0
      ? `no shard streams under prefix "${found.prefix}"\n`
      : table(
          ['SHARD', 'KEY', 'LENGTH', 'FIRST ID', 'LAST ID', 'ADDED', 'REMOVED', 'MAX DELETED ID', 'MEMORY', 'GROUPS'],
          found.shards.map((s) => [
            s.shard,
            s.key,
            s.length,
            s.firstId,
            s.lastId,
            s.facts?.entriesAdded == null ? null : grouped(s.facts.entriesAdded),
            s.facts?.removed == null ? null : grouped(s.facts.removed),
            s.facts?.maxDeletedEntryId ?? null,
            s.facts?.memoryBytes == null ? null : bytesText(s.facts.memoryBytes),
            s.facts ? s.facts.groupCount : null,
          ]),
          [0, 2, 5, 6, 8, 9],
        );
  if (found.skipped.length > 0) {
    out += `\nskipped ${found.skipped.length} key(s):\n` + table(['KEY', 'REASON'], found.skipped.map((s) => [s.key, s.reason]));
  }
  return out;
}

function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

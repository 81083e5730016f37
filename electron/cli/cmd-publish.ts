/**
 * `mesh-inspector publish --shard <n> --file <path> [--nonce <hex>] [--sequence-start <n>]
 * [--max-len <n>]` (cli.md): one test batch, exactly as net-mesh's `on_batch` writes it.
 */
import { readFileSync } from 'node:fs';
import { inspectorNoncePath, loadOrCreateNonce, SequenceStore, sequenceStorePath } from '../core/nonce-store';
import { parseRedisUrl } from '../core/redis-url';
import { formatNonce } from '../../shared/dedup-id';
import { MeshError, usageError } from '../../shared/errors';
import { streamKey } from '../../shared/stream-key';
import type { CliCommand } from './commands';
import { table } from './output';
import { parseBatchFile } from './publish-input';

/** cli.md's `publish` document; `sequenceStart` is a bigint so a u64 past 2^53 prints exactly. */
interface PublishJson {
  shard: number;
  key: string;
  nonce: string;
  sequenceStart: bigint;
  ids: string[];
  dedupIds: string[];
}

export const publishCommand: CliCommand = {
  name: 'publish',
  summary: 'publish one test batch from a .ndjson or .json file (one MULTI/EXEC, as net-mesh writes)',
  usage: '--shard <n> --file <path> [--nonce <hex>] [--sequence-start <n>] [--max-len <n>]',
  options: [
    { name: 'shard', kind: 'shard', value: '<n>', required: true, description: 'target shard id 0..65535' },
    { name: 'file', kind: 'string', value: '<path>', required: true, description: '.ndjson (one event per line) or .json (array of events)' },
    { name: 'nonce', kind: 'hex-nonce', value: '<hex>', description: "producer nonce (default: the inspector's own, kept in its config folder)" },
    { name: 'sequence-start', kind: 'u64', value: '<n>', description: 'first ordinal (default: after the last batch of this nonce on this shard)' },
    { name: 'max-len', kind: 'count', value: '<n>', min: 1, description: 'trim the stream with MAXLEN ~ n on every XADD' },
  ],
  async run(ctx) {
    const shard = ctx.options.shard as number;
    const file = ctx.options.file as string;
    const maxLen = ctx.options['max-len'] as number | undefined;

    // Everything is checked before anything is sent (cli.md): file, events, URL, topology.
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw usageError(`--file ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    const events = parseBatchFile(file, bytes);
    parseRedisUrl(ctx.global.url);
    // Loaded when the command runs: `--help` and the other commands never load the Redis client.
    const { checkTopology, withAdapter } = await import('./impl');
    checkTopology(ctx.global);

    const nonce = (ctx.options.nonce as bigint | undefined) ?? (await loadOrCreateNonce(inspectorNoncePath()));
    const nonceHex = formatNonce(nonce);
    const key = streamKey(ctx.global.prefix, shard);
    const store = new SequenceStore(sequenceStorePath());
    const sequenceStart = (ctx.options['sequence-start'] as bigint | undefined) ?? store.next(nonceHex, key);

    const json: PublishJson = { shard, key, nonce: nonceHex, sequenceStart, ids: [], dedupIds: [] };
    // An empty batch sends nothing and succeeds (cli.md; net-mesh contract 3.2).
    if (events.length === 0) return { json, human: `nothing to publish: ${file} holds no events\n` };

    const outcome = await withAdapter(ctx.global, false, async (adapter) => {
      try {
        const done = await adapter.publish({ shard, events, nonce, sequenceStart, ...(maxLen !== undefined ? { maxLen } : {}) });
        store.advance(nonceHex, key, sequenceStart, events.length);
        return done;
      } catch (e) {
        // A transient failure (a timeout above all) may have been applied by Redis (contract
        // 3.13), so its ordinals are spent: the next default batch must not reuse them. net-mesh
        // likewise advances its counter when a batch is cut, not when it lands (contract 3.7).
        if (e instanceof MeshError && e.kind === 'transient') store.advance(nonceHex, key, sequenceStart, events.length);
        throw e;
      }
    });
    json.ids = outcome.ids;
    json.dedupIds = outcome.dedupIds;
    return { json, human: humanPublish(json, outcome.latencyMs) };
  },
};

function humanPublish(p: PublishJson, latencyMs: number): string {
  const n = p.ids.length;
  const last = p.sequenceStart + BigInt(n - 1);
  let out = `published ${n} event(s) to ${p.key} in one MULTI/EXEC (${latencyMs.toFixed(1)} ms): nonce ${p.nonce}, ordinals ${p.sequenceStart}..${last}\n`;
  const rows = p.ids.map((id, i) => [id, p.dedupIds[i] ?? '']);
  if (n <= 20) out += table(['ID', 'DEDUP ID'], rows);
  else out += table(['ID', 'DEDUP ID'], [...rows.slice(0, 5), ['...', '...'], ...rows.slice(-5)]);
  return out;
}

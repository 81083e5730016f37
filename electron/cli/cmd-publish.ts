/**
 * `mesh-inspector publish --shard <n> --file <path> [--nonce <hex>] [--sequence-start <n>]
 * [--max-len <n>]` (cli.md): one test batch, exactly as net-mesh's `on_batch` writes it, through
 * the same test publisher as the desktop app (core/test-publisher.ts: ordinals reserved across
 * processes, a lost reply resolved by reading the stream back). `publish --recheck <batch-id>`
 * re-checks a batch that ended unconfirmed.
 */
import { readFileSync } from 'node:fs';
import { BatchHistory } from '../core/batch-history';
import { configHome } from '../core/home';
import { inspectorNoncePath, loadOrCreateNonce, SequenceStore, sequenceStorePath } from '../core/nonce-store';
import { parseRedisUrl } from '../core/redis-url';
import { removeStaleTemps } from '../core/state-files';
import type { TestPublisher } from '../core/test-publisher';
import type { MeshAdapter } from '../core/adapter';
import type { PublishedBatch } from '../../shared/contract';
import { formatNonce } from '../../shared/dedup-id';
import { usageError } from '../../shared/errors';
import { streamKey } from '../../shared/stream-key';
import type { CliCommand, CommandContext, CommandResult } from './commands';
import { table } from './output';
import { parseBatchFile } from './publish-input';

/**
 * cli.md's `publish` document; `sequenceStart` is a bigint so a u64 past 2^53 prints exactly.
 * The fields after `dedupIds` are additive (issue 11): the history's batch id, the outcome and
 * how it was learnt, EXEC's latency, and for a batch read back in part, how many entries are missing.
 */
interface PublishJson {
  shard: number;
  key: string;
  nonce: string;
  sequenceStart: bigint;
  ids: string[];
  dedupIds: string[];
  batchId?: string;
  outcome?: 'landed' | 'unconfirmed' | 'not-landed';
  verifiedBy?: string;
  latencyMs?: number;
  missing?: number;
  note?: string;
}

/** Transient: retry may help (cli.md exit codes). */
const EXIT_TRANSIENT = 75;

export const publishCommand: CliCommand = {
  name: 'publish',
  summary: 'publish one test batch from a .ndjson or .json file (one MULTI/EXEC, as net-mesh writes); --recheck an unconfirmed one',
  usage: '--shard <n> --file <path> [--nonce <hex>] [--sequence-start <n>] [--max-len <n>] | --recheck <batch-id>',
  options: [
    { name: 'shard', kind: 'shard', value: '<n>', description: 'target shard id 0..65535 (required unless --recheck)' },
    { name: 'file', kind: 'string', value: '<path>', description: '.ndjson (one event per line) or .json (array of events) (required unless --recheck)' },
    { name: 'nonce', kind: 'hex-nonce', value: '<hex>', description: "producer nonce (default: the inspector's own, kept in its config folder)" },
    { name: 'sequence-start', kind: 'u64', value: '<n>', description: 'first ordinal (default: after the last batch of this nonce on this shard)' },
    { name: 'max-len', kind: 'count', value: '<n>', min: 1, description: 'trim the stream with MAXLEN ~ n on every XADD' },
    { name: 'recheck', kind: 'string', value: '<batch-id>', description: 'read the stream again for a batch that ended unconfirmed and report whether it landed' },
  ],
  async run(ctx) {
    if (ctx.options.recheck !== undefined) return recheck(ctx, String(ctx.options.recheck));
    const shard = ctx.options.shard as number | undefined;
    const file = ctx.options.file as string | undefined;
    if (shard === undefined) throw usageError('publish needs --shard <n>');
    if (file === undefined) throw usageError('publish needs --file <path>');
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
    const impl = await loadPublishImpl();
    impl.checkTopology(ctx.global);

    const nonce = (ctx.options.nonce as bigint | undefined) ?? (await loadOrCreateNonce(inspectorNoncePath()));
    const explicitStart = ctx.options['sequence-start'] as bigint | undefined;
    const store = new SequenceStore(sequenceStorePath());
    // An empty batch sends nothing and succeeds (cli.md; net-mesh contract 3.2).
    if (events.length === 0) {
      const nonceHex = formatNonce(nonce);
      const key = streamKey(ctx.global.prefix, shard);
      const json: PublishJson = { shard, key, nonce: nonceHex, sequenceStart: explicitStart ?? store.next(nonceHex, key), ids: [], dedupIds: [] };
      return { json, human: `nothing to publish: ${file} holds no events\n` };
    }

    const home = configHome();
    const history = new BatchHistory(home);
    removeStaleTemps(home);
    removeStaleTemps(history.dir);
    const result = await impl.withAdapter(ctx.global, false, (adapter) =>
      publisherFor(impl, adapter, home, store, history).publish({
        shard,
        events,
        nonce,
        ...(explicitStart !== undefined ? { sequenceStart: explicitStart } : {}),
        ...(maxLen !== undefined ? { maxLen } : {}),
      }),
    );
    if (result.outcome === 'unconfirmed') return unconfirmed(impl, result.batch, result.error.message);
    // The record is written in the background: wait for it before the process ends.
    await history.settled().catch((e: unknown) => ctx.stderr.write(`mesh-inspector: warning: ${(e as Error).message}\n`));
    const json = jsonOf(result.batch);
    return { json, human: humanPublish(json, result.batch) };
  },
};

/**
 * What publish runs on beyond its light checks, loaded when it runs: the test publisher reaches the
 * Redis client, which `--help` and the other commands must not load (issue 16: CLI start).
 */
async function loadPublishImpl() {
  const [{ checkTopology, withAdapter }, { TestPublisher, dedupRange }] = await Promise.all([import('./impl'), import('../core/test-publisher')]);
  return { checkTopology, withAdapter, TestPublisher, dedupRange };
}
type PublishImpl = Awaited<ReturnType<typeof loadPublishImpl>>;

function publisherFor(impl: PublishImpl, adapter: MeshAdapter, home: string, sequences: SequenceStore, history: BatchHistory): TestPublisher {
  return new impl.TestPublisher({ home, adapter, sequences, history, profileId: 'cli', server: adapter.redactedUrl });
}

async function recheck(ctx: CommandContext, batchId: string): Promise<CommandResult> {
  for (const other of ['shard', 'file', 'nonce', 'sequence-start', 'max-len']) {
    if (ctx.options[other] !== undefined) throw usageError(`--recheck takes the batch id only, not --${other}`);
  }
  parseRedisUrl(ctx.global.url);
  const impl = await loadPublishImpl();
  impl.checkTopology(ctx.global);
  const home = configHome();
  const history = new BatchHistory(home);
  const rec = await history.get(batchId);
  if (!rec) throw usageError(`no test batch ${batchId} in the history of ${home}`);
  const store = new SequenceStore(sequenceStorePath());
  const batch = await impl.withAdapter(ctx.global, false, async (adapter) => {
    if (rec.batch.server !== undefined && rec.batch.server !== adapter.redactedUrl) {
      ctx.stderr.write(`mesh-inspector: note: batch ${batchId} was published through ${rec.batch.server}; re-checking ${rec.batch.key} on ${adapter.redactedUrl}\n`);
    }
    return publisherFor(impl, adapter, home, store, history).recheck(batchId);
  });
  const outcome = batch.outcome ?? 'landed';
  if (outcome === 'unconfirmed') return unconfirmed(impl, batch, batch.note ?? 'still unconfirmed');
  const json = jsonOf(batch);
  if (outcome === 'not-landed') {
    const message = batch.note ?? 'the batch did not land';
    return {
      json: { error: { kind: 'transient', message }, ...json },
      human: `${message}\n`,
      exitCode: EXIT_TRANSIENT,
    };
  }
  return { json, human: humanPublish(json, batch) };
}

/** Exit 75 with the exact dedup_ids to look for and the re-check command (cli.md: unconfirmed). */
function unconfirmed(impl: PublishImpl, batch: PublishedBatch, message: string): CommandResult {
  const json = jsonOf(batch);
  const recheckCommand = `mesh-inspector publish --recheck ${batch.batchId}`;
  return {
    json: { error: { kind: 'transient', message }, ...json, recheck: recheckCommand },
    human:
      `unconfirmed: ${message}\n` +
      `  dedup_ids to look for in ${batch.key}: ${impl.dedupRange(batch.nonce, batch.shard, batch.sequenceStart, batch.count ?? batch.dedupIds.length)}\n` +
      `  re-check: ${recheckCommand} (with the same --url)\n`,
    exitCode: EXIT_TRANSIENT,
  };
}

function jsonOf(b: PublishedBatch): PublishJson {
  const json: PublishJson = { shard: b.shard, key: b.key, nonce: b.nonce, sequenceStart: BigInt(b.sequenceStart), ids: b.ids, dedupIds: b.dedupIds, batchId: b.batchId, outcome: b.outcome ?? 'landed' };
  if (b.verifiedBy) json.verifiedBy = b.verifiedBy;
  if (b.outcome !== 'unconfirmed') json.latencyMs = b.latencyMs;
  if (b.missing) json.missing = b.missing;
  if (b.note) json.note = b.note;
  return json;
}

function humanPublish(p: PublishJson, b: PublishedBatch): string {
  const n = p.dedupIds.length;
  const last = p.sequenceStart + BigInt(Math.max(n - 1, 0));
  const how = b.verifiedBy === 'readback' ? 'confirmed by reading the stream back after the reply was lost' : b.verifiedBy === 'recheck' ? 'confirmed by a re-check' : `${b.latencyMs.toFixed(1)} ms`;
  let out = `published ${n} event(s) to ${p.key} in one MULTI/EXEC (${how}): nonce ${p.nonce}, ordinals ${p.sequenceStart}..${last}, batch ${b.batchId}\n`;
  if (b.note && b.verifiedBy !== 'readback') out += `note: ${b.note}\n`;
  const rows = p.ids.map((id, i) => [id === '' ? '(gone)' : id, p.dedupIds[i] ?? '']);
  if (n <= 20) out += table(['ID', 'DEDUP ID'], rows);
  else out += table(['ID', 'DEDUP ID'], [...rows.slice(0, 5), ['...', '...'], ...rows.slice(-5)]);
  return out;
}

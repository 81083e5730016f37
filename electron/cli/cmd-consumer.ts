/**
 * `mesh-inspector consumer-replay --shard <n> [--after <id>] [--limit <n>] [--window <n>] [--list <n>]`
 * (issue 13, additive): what a net-mesh consumer saw. Replays the shard from the cursor as
 * `poll_shard(limit)` reads it, through a `RedisStreamDedup` window of `--window` ids (default
 * 4096), up to the stream's last entry at the start; prints the counts (delivered, dropped as
 * duplicate, let through, skipped as corrupt, what a default 4096-id consumer lets through, the
 * window that catches every duplicate) and the first `--list` duplicates that were let through.
 * The same core as the app's Consumer view (electron/core/consumer-replay.ts).
 */
import { MAX_POLL_LIMIT } from '../core/poll-limit';
import type { ConsumerCounts, ConsumerRow } from '../../shared/consumer';
import { DEFAULT_DEDUP_CAPACITY, MAX_DEDUP_CAPACITY } from '../../shared/dedup-window';
import type { CliCommand } from './commands';
import { grouped, table } from './output';

const DEFAULT_LIMIT = 1000;
const DEFAULT_LIST = 20;

/** `--json`: the document (fields in this order). */
export interface ConsumerReplayDocument {
  shard: number;
  key: string;
  after: string | null;
  limit: number;
  window: number;
  /** The stream's last entry when the replay started: where it stops (null: empty stream). */
  until: string | null;
  counts: ConsumerCounts;
  /** The first `--list` duplicates the window let through, oldest first. */
  letThrough: Array<Pick<ConsumerRow, 'id' | 'dedupId' | 'prevId' | 'windowNeeded'>>;
}

export const consumerReplayCommand: CliCommand = {
  name: 'consumer-replay',
  summary: 'what a consumer saw: replay a shard as poll_shard does, through a dedup window',
  usage: '--shard <n> [--after <stream-id>] [--limit <n>] [--window <n>] [--list <n>]',
  options: [
    { name: 'shard', kind: 'shard', value: '<n>', required: true, description: 'shard id 0..65535' },
    { name: 'after', kind: 'stream-id', value: '<stream-id>', description: 'start after this entry id (exclusive; default: the oldest entry)' },
    { name: 'limit', kind: 'count', value: '<n>', min: 1, max: MAX_POLL_LIMIT, description: `poll_shard's limit, 1..${MAX_POLL_LIMIT} (default ${DEFAULT_LIMIT})` },
    { name: 'window', kind: 'count', value: '<n>', min: 1, max: MAX_DEDUP_CAPACITY, description: `dedup window capacity (default ${DEFAULT_DEDUP_CAPACITY}, FIFO as RedisStreamDedup)` },
    { name: 'list', kind: 'count', value: '<n>', min: 0, max: 10_000, description: `duplicates let through to list (default ${DEFAULT_LIST})` },
  ],
  async run(ctx) {
    const shard = ctx.options.shard as number;
    const after = (ctx.options.after as string | undefined) ?? null;
    const limit = (ctx.options.limit as number | undefined) ?? DEFAULT_LIMIT;
    const window = (ctx.options.window as number | undefined) ?? DEFAULT_DEDUP_CAPACITY;
    const list = (ctx.options.list as number | undefined) ?? DEFAULT_LIST;
    // Loaded when the command runs: `--help` and the other commands never load the Redis client.
    const { withAdapter } = await import('./impl');
    const { ConsumerReplayState, replayShard } = await import('../core/consumer-replay');
    const { streamKey } = await import('../../shared/stream-key');
    const doc = await withAdapter(ctx.global, true, async (adapter) => {
      const key = streamKey(adapter.prefix, shard);
      const last = (await adapter.client.xrevrange(key, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
      const until = last.length > 0 ? last[0]![0] : null;
      const state = new ConsumerReplayState(window);
      await replayShard(adapter, state, { shard, from: after, limit, until, signal: ctx.signal });
      const letThrough = state.rows('let-through', 0, list).map((r) => {
        const row: ConsumerReplayDocument['letThrough'][number] = { id: r.id };
        if (r.dedupId !== undefined) row.dedupId = r.dedupId;
        if (r.prevId !== undefined) row.prevId = r.prevId;
        if (r.windowNeeded !== undefined) row.windowNeeded = r.windowNeeded;
        return row;
      });
      const out: ConsumerReplayDocument = { shard, key, after, limit, window: state.capacity, until, counts: { ...state.counts }, letThrough };
      return out;
    });
    return { json: doc, human: human(doc) };
  },
};

function human(d: ConsumerReplayDocument): string {
  const c = d.counts;
  const lines = [
    `${d.key} from ${d.after ?? 'the oldest entry'}, as poll_shard(limit ${d.limit}) with a ${grouped(d.window)}-id dedup window: ${grouped(c.entries)} entries in ${grouped(c.pages)} polls`,
    `  delivered             ${grouped(c.delivered)} first copies${c.noId > 0 ? ` + ${grouped(c.noId)} without dedup_id` : ''}`,
    `  dropped as duplicate  ${grouped(c.dropped)}`,
    `  let through           ${grouped(c.letThrough)} (duplicates delivered again)`,
    `  skipped as corrupt    ${grouped(c.skipped)}`,
    `  a default ${grouped(DEFAULT_DEDUP_CAPACITY)}-id consumer delivers twice: ${grouped(c.defaultLetThrough)}`,
    `  window that catches every duplicate: ${c.windowNeeded === 0 ? 'any (no duplicates)' : `${grouped(c.windowNeeded)} ids`}`,
  ];
  let text = `${lines.join('\n')}\n`;
  if (d.letThrough.length > 0) {
    text += `let through (first ${d.letThrough.length}):\n`;
    text += table(['ID', 'DEDUP ID', 'PREVIOUS COPY', 'WINDOW >='], d.letThrough.map((r) => [r.id, r.dedupId ?? null, r.prevId ?? null, r.windowNeeded ?? null]), [3]);
  }
  return text;
}

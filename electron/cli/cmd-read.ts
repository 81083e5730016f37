/**
 * `mesh-inspector read --shard <n> [--after <id>] [--limit <n>]` (cli.md): one page with net-mesh's
 * `poll_shard` semantics, corrupt entries included and marked.
 */
import { MAX_POLL_LIMIT } from '../core/poll-limit';
import type { MeshEntry, ShardPage } from '../../shared/types';
import type { CliCommand } from './commands';
import { clip, table } from './output';

export const DEFAULT_READ_LIMIT = 100;

export const readCommand: CliCommand = {
  name: 'read',
  summary: 'read one page of a shard (exclusive cursor, as net-mesh polls), corrupt entries marked',
  usage: '--shard <n> [--after <stream-id>] [--limit <n>]',
  options: [
    { name: 'shard', kind: 'shard', value: '<n>', required: true, description: 'shard id 0..65535' },
    { name: 'after', kind: 'stream-id', value: '<stream-id>', description: 'start after this entry id (exclusive)' },
    { name: 'limit', kind: 'count', value: '<n>', min: 0, max: MAX_POLL_LIMIT, description: `entries per page, 0..${MAX_POLL_LIMIT} (default ${DEFAULT_READ_LIMIT})` },
  ],
  async run(ctx) {
    const shard = ctx.options.shard as number;
    const after = (ctx.options.after as string | undefined) ?? null;
    const limit = (ctx.options.limit as number | undefined) ?? DEFAULT_READ_LIMIT;
    // Loaded when the command runs: `--help` and the other commands never load the Redis client.
    const { withAdapter } = await import('./impl');
    const page = await withAdapter(ctx.global, true, (adapter) => adapter.poll(shard, after, limit));
    const json: ShardPage = { shard: page.shard, key: page.key, entries: page.entries.map(ordered), nextId: page.nextId, hasMore: page.hasMore };
    return { json, human: humanPage(json, (ctx.stderr.columns ?? 120) - 2) };
  },
};

/** The entry with its fields in cli.md's order (ok: id status dedupId t s r; corrupt: id status reason dedupId d). */
function ordered(e: MeshEntry): MeshEntry {
  if (e.status === 'ok') {
    return e.dedupId === undefined
      ? { id: e.id, status: 'ok', t: e.t, s: e.s, r: e.r }
      : { id: e.id, status: 'ok', dedupId: e.dedupId, t: e.t, s: e.s, r: e.r };
  }
  const out: MeshEntry = { id: e.id, status: 'corrupt', reason: e.reason };
  if (e.dedupId !== undefined) out.dedupId = e.dedupId;
  if (e.d !== undefined) out.d = e.d;
  return out;
}

function humanPage(page: ShardPage, width: number): string {
  if (page.entries.length === 0) return `${page.key}: no entries${page.hasMore ? ' (more follow)' : ''}\n`;
  const rows = page.entries.map((e) =>
    e.status === 'ok'
      ? [e.id, 'ok', e.dedupId ?? null, e.t, e.s, e.r]
      : [e.id, 'CORRUPT', e.dedupId ?? null, null, null, `${e.reason}${e.d !== undefined ? ` | d: ${e.d}` : ''}`],
  );
  const fixed = rows.reduce((w, r) => Math.max(w, String(r[0]).length + String(r[2] ?? '-').length + String(r[3] ?? '-').length), 0) + 30;
  const room = Math.max(30, width - fixed);
  const shown = rows.map((r) => [...r.slice(0, 5), clip(String(r[5]), room)]);
  const more = page.hasMore ? `more after ${page.nextId}: --after ${page.nextId}` : 'end of stream';
  return `${page.key}\n` + table(['ID', 'STATUS', 'DEDUP ID', 'T', 'S', 'EVENT (r) / REASON'], shown, [4]) + `${page.entries.length} entries; ${more}\n`;
}

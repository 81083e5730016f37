/**
 * `shards:list` answers as deltas (issue 14). The sidebar refreshes the shard list every few
 * seconds; at 65,536 shards the whole list is about 8 MB of JSON, which the renderer would parse
 * and the transport carry on every refresh although an idle bus changes nothing. The service keeps
 * the last few lists it answered per session; a caller that names the one it holds (`since`, that
 * list's `at`) gets only the shards that are new or changed and the ids that are gone. A caller
 * naming a list no longer remembered (another window asked in between more often than
 * {@link REMEMBERED} times, a new session) gets the whole list, as a caller that names none does.
 */
import type { ShardListResult, ShardSummary } from '../../shared/contract';
import { MeshError } from '../../shared/errors';

/** Lists remembered per session: a few windows (serve tabs) may refresh in turn. */
const REMEMBERED = 4;

interface Remembered {
  at: number;
  list: ShardListResult;
  byShard: Map<number, ShardSummary>;
}

/** A page of a remembered list (`shards:list` with `page`). */
export interface ShardListPage {
  /** The list's `at`; absent: discover now and answer the first page of the new list. */
  at?: number;
  offset: number;
  limit: number;
}

/**
 * Whether `now` needs no sending against `had`. A shard whose stream did not change has appended
 * nothing since, so its rate is 0 and is not sent either (the caller sets it): otherwise the second
 * refresh, the first with rates, would resend every shard (null → 0).
 */
function sameSummary(had: ShardSummary, now: ShardSummary): boolean {
  return had.length === now.length && had.firstId === now.firstId && had.lastId === now.lastId && had.key === now.key && (now.appendRate === 0 || now.appendRate === had.appendRate);
}

/** Remembers a session's recent shard lists and answers `since` requests with deltas. */
export class ShardListMemory {
  private lists: Remembered[] = [];

  /**
   * Remembers `full` and returns what to answer: `full` itself when `since` is absent or not
   * remembered, else a delta against the remembered list.
   */
  answer(full: ShardListResult, since: number | undefined): ShardListResult {
    const byShard = new Map<number, ShardSummary>();
    for (const s of full.shards) byShard.set(s.shard, s);
    const base = since === undefined ? undefined : this.lists.find((l) => l.at === since);
    // Two discoveries in the same millisecond: the newer one replaces the older under that `at`.
    this.lists = this.lists.filter((l) => l.at !== full.at);
    this.lists.push({ at: full.at, list: full, byShard });
    if (this.lists.length > REMEMBERED) this.lists.shift();
    if (!base) return full;
    const changed: ShardSummary[] = [];
    for (const s of full.shards) {
      const had = base.byShard.get(s.shard);
      if (!had || !sameSummary(had, s)) changed.push(s);
    }
    const removed: number[] = [];
    for (const shard of base.byShard.keys()) if (!byShard.has(shard)) removed.push(shard);
    return { prefix: full.prefix, shards: changed, skipped: full.skipped, at: full.at, delta: { since: base.at, removed } };
  }

  /** `shards[offset, offset + limit)` of `list` (sorted by id), with the whole count. */
  static page(list: ShardListResult, offset: number, limit: number): ShardListResult {
    return { prefix: list.prefix, shards: list.shards.slice(offset, offset + limit), skipped: list.skipped, at: list.at, page: { offset, total: list.shards.length } };
  }

  /** The remembered list of `at`, or a transient error naming why there is none. */
  remembered(at: number): ShardListResult {
    const l = this.lists.find((x) => x.at === at);
    if (!l) throw new MeshError('transient', `the shard list of ${new Date(at).toISOString()} is no longer remembered: list the shards again`);
    return l.list;
  }
}

const memories = new WeakMap<object, ShardListMemory>();

/**
 * The answer to `shards:list` for `session` (any object that lives as long as the connection: a
 * new connection starts with nothing remembered, so its first answer is whole).
 */
function memoryOf(session: object): ShardListMemory {
  let memory = memories.get(session);
  if (!memory) {
    memory = new ShardListMemory();
    memories.set(session, memory);
  }
  return memory;
}

export function shardListAnswer(session: object, full: ShardListResult, since: number | undefined): ShardListResult {
  return memoryOf(session).answer(full, since);
}

/**
 * `shards:list` as the handler table calls it: a page of a list already discovered (no Redis
 * read), or a discovery (`discover`) answered whole, as a delta against `since`, or (with `page`)
 * as its first page, so a window opening on 65,536 shards parses a few hundred KB at a time
 * rather than 8 MB at once.
 */
export async function shardListRequest(
  session: object,
  req: { since?: number | undefined; page?: ShardListPage | undefined },
  discover: () => Promise<ShardListResult>,
): Promise<ShardListResult> {
  const memory = memoryOf(session);
  if (req.page?.at !== undefined) return ShardListMemory.page(memory.remembered(req.page.at), req.page.offset, req.page.limit);
  const full = await discover();
  const answer = memory.answer(full, req.since);
  if (req.page && !answer.delta) return ShardListMemory.page(full, req.page.offset, req.page.limit);
  return answer;
}

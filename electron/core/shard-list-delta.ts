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

/** Lists remembered per session: a few windows (serve tabs) may refresh in turn. */
const REMEMBERED = 4;

interface Remembered {
  at: number;
  byShard: Map<number, ShardSummary>;
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
    this.lists.push({ at: full.at, byShard });
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
}

const memories = new WeakMap<object, ShardListMemory>();

/**
 * The answer to `shards:list` for `session` (any object that lives as long as the connection: a
 * new connection starts with nothing remembered, so its first answer is whole).
 */
export function shardListAnswer(session: object, full: ShardListResult, since: number | undefined): ShardListResult {
  let memory = memories.get(session);
  if (!memory) {
    memory = new ShardListMemory();
    memories.set(session, memory);
  }
  return memory.answer(full, since);
}

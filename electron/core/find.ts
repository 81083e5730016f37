/**
 * Find (issue 13): every entry of the bus with a stream id, a dedup_id, or a dedup_id prefix
 * (shared/find.ts parses them), across every shard, with its shard, stream id, position and what
 * it is. A search is a job the UI pulls step by step (`find:start`, `find:next` until done,
 * `find:cancel`): each step works for a bounded time and returns what it found and how far it got,
 * so a search over a big bus shows progress, stays cancellable, and never runs when nobody asks.
 *
 * How each shard is searched:
 * - a stream id: one `XRANGE key id id` per shard (32 shards at a time);
 * - a whole dedup_id on a shard whose background index is ready (shard-index.ts, opened by Browse):
 *   the index's per-position hashes give the candidate positions, each is read to confirm
 *   (browse.ts findCopies), and only the entries the index has not reached yet are scanned;
 * - otherwise (a prefix, or no ready index) the shard is scanned with XRANGE pages up to the last
 *   id it had when the search began, comparing the stored dedup_id bytes; only matches are decoded.
 * The dedup_id's own shard (the one it names) is searched first, then every other one: a
 * misrouted copy can be on any shard.
 */
import { randomUUID } from 'node:crypto';
import { payloadDigest } from '../../shared/analysis';
import { MeshError, usageError } from '../../shared/errors';
import { misroutedReason } from '../../shared/evidence';
import { MAX_FIND_HITS, parseFindQuery, type FindHit, type FindQuery, type FindStep } from '../../shared/find';
import { compareStreamIds, exclusiveStart } from '../../shared/stream-id';
import type { MeshEntry, ShardInfo } from '../../shared/types';
import { decodeBufferEntry, storedPayload, type MeshAdapter } from './adapter';
import { findCopies, type BrowseContext } from './browse';
import { describeShards, discoverShards } from './discovery';
import type { Session } from './session';

/** What a search needs of the session (session.ts provides it; tests build one from an adapter). */
export interface FindSource {
  adapter: MeshAdapter;
  prefix: string;
  /** The shard's background index when Browse already opened one; never creates one. */
  openBrowse(shard: number): BrowseContext | undefined;
  /** Runs a Redis call (the session logs failures to the health error log). */
  redis<T>(command: string, fn: () => Promise<T>): Promise<T>;
}

const PAGE = 2000;
const STEP_MS = 150;
const STEP_HITS = 2000;
const STREAM_ID_BATCH = 32;
/** Jobs nobody asked about for this long are dropped. */
const IDLE_MS = 60_000;
const MAX_JOBS = 8;

type RawRow = [id: Buffer, fields: Buffer[]];

interface ShardTask {
  info: ShardInfo;
  /** `index`: copies through the shard's index next; `scan`: XRANGE pages from `after`. */
  phase: 'index' | 'scan' | 'done';
  after: string | null;
  /** Position of the next entry the scan reads. */
  position: number;
  read: number;
  /** The next page, asked for while this one is compared (Redis works while this process does). */
  ahead: { after: string; page: Promise<RawRow[]> } | null;
}

export class FindJob {
  readonly id = randomUUID();
  lastUsed = Date.now();
  private readonly tasks: ShardTask[];
  private k = 0;
  private total = 0;
  private scanned = 0;
  private truncated = false;
  private cancelled = false;
  private busy = false;
  private readonly queryBytes: Buffer | null;

  constructor(
    private readonly source: FindSource,
    readonly query: FindQuery,
    shards: ShardInfo[],
  ) {
    const home = query.kind === 'stream-id' ? null : query.home;
    const ordered = [...shards].sort((a, b) => (a.shard === home ? -1 : b.shard === home ? 1 : a.shard - b.shard));
    this.tasks = ordered.map((info) => ({ info, phase: 'index', after: null, position: 0, read: 0, ahead: null }));
    this.queryBytes = query.kind === 'dedup-id' ? Buffer.from(query.dedupId, 'latin1') : query.kind === 'dedup-prefix' ? Buffer.from(`${query.prefix}:`, 'latin1') : null;
  }

  get shardsTotal(): number {
    return this.tasks.length;
  }

  cancel(): void {
    this.cancelled = true;
  }

  /** One bounded step: the hits it found and where the search is. */
  async next(): Promise<FindStep> {
    if (this.busy) throw usageError('find:next is already running for this search: wait for its answer');
    this.busy = true;
    this.lastUsed = Date.now();
    const hits: FindHit[] = [];
    const started = performance.now();
    try {
      while (!this.cancelled && !this.truncated && this.k < this.tasks.length && performance.now() - started < STEP_MS && hits.length < STEP_HITS) {
        if (this.query.kind === 'stream-id') await this.streamIdBatch(this.query.id, hits);
        else await this.dedupStep(this.tasks[this.k]!, hits);
        if (this.total + hits.length >= MAX_FIND_HITS) {
          hits.length = Math.max(0, MAX_FIND_HITS - this.total);
          this.truncated = true;
        }
      }
    } finally {
      this.busy = false;
      this.lastUsed = Date.now();
    }
    this.total += hits.length;
    const task = this.tasks[this.k];
    return {
      findId: this.id,
      hits,
      done: this.cancelled || this.truncated || this.k >= this.tasks.length,
      shardsDone: this.k,
      shardsTotal: this.tasks.length,
      scanned: this.scanned,
      current: task ? { shard: task.info.shard, done: task.read, total: task.info.length } : null,
      truncated: this.truncated,
    };
  }

  private async streamIdBatch(id: string, hits: FindHit[]): Promise<void> {
    const batch = this.tasks.slice(this.k, this.k + STREAM_ID_BATCH);
    const { adapter } = this.source;
    const found = await Promise.all(
      batch.map(async (t) => {
        // A shard whose ids all come before or after it cannot hold it.
        if (t.info.firstId === null || compareStreamIds(id, t.info.firstId) < 0) return null;
        const rows = (await this.source.redis('XRANGE', () => adapter.client.xrangeBuffer(t.info.key, id, id, 'COUNT', 1))) as unknown as RawRow[];
        return rows[0] ? hitOf(t.info.shard, rows[0]) : null;
      }),
    );
    for (const h of found) if (h) hits.push(h);
    for (const t of batch) t.phase = 'done';
    this.k += batch.length;
  }

  private async dedupStep(t: ShardTask, hits: FindHit[]): Promise<void> {
    if (t.phase === 'index') {
      t.phase = 'scan';
      const ctx = this.query.kind === 'dedup-id' ? this.source.openBrowse(t.info.shard) : undefined;
      if (ctx && ctx.index.ready) {
        const copies = await findCopies(ctx, (this.query as Extract<FindQuery, { kind: 'dedup-id' }>).dedupId);
        for (const c of copies.copies) {
          const rows = (await this.source.redis('XRANGE', () => this.source.adapter.client.xrangeBuffer(t.info.key, c.id, c.id, 'COUNT', 1))) as unknown as RawRow[];
          if (rows[0]) hits.push({ ...hitOf(t.info.shard, rows[0]), position: c.position });
        }
        // What the index has not reached yet is scanned.
        const tip = ctx.index.tip();
        if (tip) {
          t.after = tip.id;
          t.position = tip.position + 1;
          t.read = tip.position + 1;
        }
        return;
      }
    }
    const end = t.info.lastId;
    if (end === null || (t.after !== null && compareStreamIds(t.after, end) >= 0)) {
      this.finishTask(t);
      return;
    }
    const { adapter } = this.source;
    const read = (after: string | null): Promise<RawRow[]> => {
      const start = after === null ? '-' : exclusiveStart(after, adapter.exclusiveRanges);
      const p = this.source.redis('XRANGE', () => adapter.client.xrangeBuffer(t.info.key, start, end, 'COUNT', PAGE)) as unknown as Promise<RawRow[]>;
      // A page read ahead may be abandoned (the search cancelled): never an unhandled rejection.
      p.catch(() => {});
      return p;
    };
    const pending = t.ahead !== null && t.ahead.after === t.after ? t.ahead.page : read(t.after);
    t.ahead = null;
    const rows = await pending;
    if (rows.length === PAGE) {
      const last = rows[rows.length - 1]![0].toString('latin1');
      if (compareStreamIds(last, end) < 0) t.ahead = { after: last, page: read(last) };
    }
    const q = this.queryBytes!;
    const whole = this.query.kind === 'dedup-id';
    for (const row of rows) {
      const dedup = dedupField(row[1]);
      if (dedup !== undefined && (whole ? dedup.length === q.length && dedup.equals(q) : dedup.length > q.length && dedup.compare(q, 0, q.length, 0, q.length) === 0)) {
        hits.push({ ...hitOf(t.info.shard, row), position: t.position });
      }
      t.position++;
    }
    t.read += rows.length;
    this.scanned += rows.length;
    if (rows.length < PAGE) {
      this.finishTask(t);
      return;
    }
    t.after = rows[rows.length - 1]![0].toString('latin1');
  }

  private finishTask(t: ShardTask): void {
    t.phase = 'done';
    this.k++;
  }
}

/** The entry of an XRANGE row as a hit: decoded as Browse decodes it, with its payload digest. */
function hitOf(shard: number, row: RawRow): FindHit {
  const entry: MeshEntry = decodeBufferEntry(row[0].toString('latin1'), row[1]);
  const hit: FindHit = { shard, id: entry.id, status: entry.status, misrouted: false };
  if (entry.dedupId !== undefined) hit.dedupId = entry.dedupId;
  const why = misroutedReason(shard, entry);
  if (entry.status === 'corrupt') hit.reason = entry.reason;
  else if (why !== null) hit.reason = why;
  hit.misrouted = why !== null;
  const d = storedPayload(entry);
  if (d !== undefined) {
    const out = new Uint32Array(2);
    payloadDigest(d, 0, d.length, out);
    hit.digest = out[0]!.toString(16).padStart(8, '0') + out[1]!.toString(16).padStart(8, '0');
  }
  return hit;
}

const DEDUP_ID = Buffer.from('dedup_id', 'latin1');

/** The stored `dedup_id` bytes (a repeated field: the last wins, as the adapter reads it). */
function dedupField(fields: Buffer[]): Buffer | undefined {
  let out: Buffer | undefined;
  for (let f = 0; f + 1 < fields.length; f += 2) {
    const name = fields[f]!;
    if (name.length === 8 && name.equals(DEDUP_ID)) out = fields[f + 1];
  }
  return out;
}

/** The searches of one session, by id. */
export class FindJobs {
  private readonly jobs = new Map<string, FindJob>();

  async start(source: FindSource, text: string, shards?: number[]): Promise<{ findId: string; query: FindQuery; shardsTotal: number }> {
    const query = parseFindQuery(text);
    if ('error' in query) throw usageError(query.error);
    const { adapter, prefix } = source;
    const found = await source.redis('SCAN', () => (shards && shards.length > 0 ? describeShards(adapter.client, prefix, shards) : discoverShards(adapter.client, prefix)));
    const job = new FindJob(source, query, found.shards);
    this.prune();
    this.jobs.set(job.id, job);
    return { findId: job.id, query, shardsTotal: job.shardsTotal };
  }

  async next(findId: string): Promise<FindStep> {
    const job = this.jobs.get(findId);
    if (!job) throw new MeshError('usage', `no search ${findId} (it finished, was cancelled, or sat unused for a minute)`);
    const step = await job.next();
    if (step.done) this.jobs.delete(findId);
    return step;
  }

  cancel(findId: string): boolean {
    const job = this.jobs.get(findId);
    if (!job) return false;
    job.cancel();
    this.jobs.delete(findId);
    return true;
  }

  clear(): void {
    for (const job of this.jobs.values()) job.cancel();
    this.jobs.clear();
  }

  private prune(): void {
    const now = Date.now();
    for (const [id, job] of this.jobs) if (now - job.lastUsed > IDLE_MS) this.jobs.delete(id);
    while (this.jobs.size >= MAX_JOBS) {
      const oldest = this.jobs.keys().next().value as string;
      this.jobs.get(oldest)?.cancel();
      this.jobs.delete(oldest);
    }
  }
}

/** Every search of every session (by the session object): nothing runs between steps, so a dropped session needs no stop. */
const bySession = new WeakMap<object, FindJobs>();

export function findJobsOf(session: object): FindJobs {
  let jobs = bySession.get(session);
  if (!jobs) bySession.set(session, (jobs = new FindJobs()));
  return jobs;
}

/** The session's side of a search. */
export function findSourceOf(s: Session): FindSource {
  return {
    adapter: s.adapter,
    prefix: s.profile.prefix,
    openBrowse: (shard) => (s.indexIfOpen(shard) ? s.browse(shard) : undefined),
    redis: (command, fn) => s.redis(command, fn),
  };
}

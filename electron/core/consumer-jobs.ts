/**
 * The `consumer:*` channels (issue 13): one consumer replay at a time per connection, run in the
 * background with throttled `consumer:progress` events, cancellable, its per-entry verdicts kept in
 * compact form (consumer-replay.ts) and served a window of rows at a time for a virtualized list.
 *
 * Registered by the service (service.ts) with the session's adapter; the service calls `reset()`
 * when the connection closes, which stops a running replay and frees the last one.
 */
import { randomUUID } from 'node:crypto';
import type { ConsumerFilter, ConsumerProgress, ConsumerRowsPage } from '../../shared/consumer';
import { MeshError, toErrorInfo } from '../../shared/errors';
import { streamKey } from '../../shared/stream-key';
import type { EventSink } from '../../shared/contract';
import { clampCapacity, ConsumerReplayState, replayShard, type PageSource } from './consumer-replay';
import type { Session } from './session';

/** At most one `consumer:progress` event per this many ms while a replay runs (the last one always goes). */
const PROGRESS_EVERY_MS = 150;

/** What a replay needs of the session. */
export interface ConsumerDeps {
  /** The session's adapter (poll with poll_shard semantics, and its client for XLEN/XREVRANGE). */
  adapter: PageSource & {
    readonly prefix: string;
    readonly client: {
      xlen(key: string): Promise<number>;
      xrevrange(key: string, end: string, start: string, count: 'COUNT', n: number): Promise<Array<[string, string[]]>>;
    };
  };
  /** Pushes `consumer:progress`. */
  emit(progress: ConsumerProgress): void;
  /** Scrubs secrets from an error message. */
  scrub?(message: string): string;
}

/**
 * The deps of a session: pages through the adapter's poll (its failures go to the health error log
 * like every other read), progress to the sink, messages scrubbed of the session's secrets.
 */
export function consumerDeps(s: Session, sink: EventSink): ConsumerDeps {
  return {
    adapter: {
      prefix: s.adapter.prefix,
      client: s.adapter.client as unknown as ConsumerDeps['adapter']['client'],
      poll: (shard, after, limit) => s.redis('XRANGE', () => s.adapter.poll(shard, after, limit)),
    },
    emit: (p) => sink('consumer:progress', p),
    scrub: (message) => s.scrub({ kind: 'fatal', message }).message,
  };
}

interface Job {
  id: string;
  state: ConsumerReplayState;
  progress: ConsumerProgress;
  ctrl: AbortController;
  done: Promise<void>;
}

export interface ConsumerStartRequest {
  shard: number;
  from: string | null;
  limit: number;
  capacity: number;
}

export class ConsumerJobs {
  private job: Job | null = null;

  /** Starts a replay; a running one is cancelled and the previous result dropped. */
  async start(deps: ConsumerDeps, req: ConsumerStartRequest): Promise<ConsumerProgress> {
    this.reset();
    const key = streamKey(deps.adapter.prefix, req.shard);
    // The end as of now, so a shard with live traffic still ends; XLEN for the progress estimate.
    const [total, last] = await Promise.all([deps.adapter.client.xlen(key), deps.adapter.client.xrevrange(key, '+', '-', 'COUNT', 1)]);
    const until = last.length > 0 ? last[0]![0] : null;
    const state = new ConsumerReplayState(req.capacity);
    const ctrl = new AbortController();
    const startedAt = Date.now();
    const progress: ConsumerProgress = {
      jobId: randomUUID(),
      shard: req.shard,
      state: 'running',
      from: req.from,
      limit: req.limit,
      capacity: clampCapacity(req.capacity),
      counts: { ...state.counts },
      total,
      until,
      cursor: req.from,
      entriesPerSec: 0,
      startedAt,
    };
    const job: Job = { id: progress.jobId, state, progress, ctrl, done: Promise.resolve() };
    this.job = job;
    let lastEmit = 0;
    const snapshot = (cursor: string | null) => {
      const secs = (Date.now() - startedAt) / 1000;
      job.progress = { ...job.progress, counts: { ...state.counts }, cursor, entriesPerSec: secs > 0 ? Math.round(state.length / secs) : 0 };
    };
    job.done = (async () => {
      try {
        if (until === null) {
          // Nothing to read: poll once anyway, exactly as a consumer would.
          await replayShard(deps.adapter, state, { shard: req.shard, from: req.from, limit: req.limit, until: null, signal: ctrl.signal });
        } else {
          await replayShard(deps.adapter, state, {
            shard: req.shard,
            from: req.from,
            limit: req.limit,
            until,
            signal: ctrl.signal,
            onPage: (_s, cursor) => {
              snapshot(cursor);
              const now = Date.now();
              if (now - lastEmit >= PROGRESS_EVERY_MS) {
                lastEmit = now;
                deps.emit(job.progress);
              }
            },
          });
        }
        snapshot(job.progress.cursor);
        job.progress = { ...job.progress, state: 'done', finishedAt: Date.now() };
      } catch (e) {
        snapshot(job.progress.cursor);
        if (ctrl.signal.aborted) job.progress = { ...job.progress, state: 'cancelled', finishedAt: Date.now() };
        else {
          const info = toErrorInfo(e);
          job.progress = { ...job.progress, state: 'failed', finishedAt: Date.now(), error: { ...info, message: deps.scrub ? deps.scrub(info.message) : info.message } };
        }
      }
      // Ended: keep only what its rows need (consumer-replay.ts seal()).
      state.seal();
      if (this.job === job || ctrl.signal.aborted) deps.emit(job.progress);
    })();
    return job.progress;
  }

  /** Cancels the replay `jobId` if it still runs; what it decided so far stays readable. */
  cancel(jobId: string): { cancelled: boolean } {
    const job = this.job;
    if (!job || job.id !== jobId || job.progress.state !== 'running') return { cancelled: false };
    job.ctrl.abort();
    return { cancelled: true };
  }

  status(jobId: string): ConsumerProgress {
    return this.find(jobId).progress;
  }

  rows(req: { jobId: string; filter: ConsumerFilter; offset: number; count: number }): ConsumerRowsPage {
    const job = this.find(req.jobId);
    return { jobId: job.id, filter: req.filter, total: job.state.matching(req.filter), offset: req.offset, rows: job.state.rows(req.filter, req.offset, req.count) };
  }

  /** Where replay position `index` is among `filter`'s rows (-1: not there). */
  locate(req: { jobId: string; filter: ConsumerFilter; index: number }): { position: number } {
    return { position: this.find(req.jobId).state.positionOf(req.filter, req.index) };
  }

  /** Waits for the current replay to end (tests, shutdown). */
  async settled(): Promise<void> {
    await this.job?.done;
  }

  /** Stops a running replay and forgets the last result (connection closed or replaced). */
  reset(): void {
    this.job?.ctrl.abort();
    this.job = null;
  }

  private find(jobId: string): Job {
    const job = this.job;
    if (!job || job.id !== jobId) throw new MeshError('usage', `no consumer replay ${jobId} (a newer one replaced it, or the connection closed)`);
    return job;
  }
}

/**
 * An analysis job (`analysis:start`): scans the chosen shards (all when none are chosen) on the
 * session's scan connection, pushes `analysis:progress` at most every 200 ms and `analysis:done`
 * with the report (done, failed with a scrubbed error, or cancelled). The job is registered in the
 * session's job table so `analysis:cancel` and the session's dispose() can stop it.
 */
import { randomUUID } from 'node:crypto';
import type { AnalysisReport, EventSink } from '../../shared/contract';
import type { MeshErrorInfo, ShardAnalysis } from '../../shared/types';
import { toErrorInfo } from '../../shared/errors';
import { describeConnectionError } from './classify';
import { scanShards } from './scan';
import type { Session } from './session';

const PROGRESS_EVERY_MS = 200;

export interface AnalysisJobOptions {
  sink: EventSink;
  appVersion: string;
  /** Called with every finished report (notifications for long analyses). */
  onDone(report: AnalysisReport): void;
}

/** Starts the job in the background; returns its id at once. */
export function startAnalysisJob(s: Session, shards: number[] | undefined, opts: AnalysisJobOptions): string {
  const jobId = randomUUID();
  const ctrl = new AbortController();
  s.jobs.set(jobId, ctrl);
  const startedAt = Date.now();
  const doneByShard = new Map<number, { done: number; total: number }>();
  let lastEmit = 0;
  const selection = shards && shards.length > 0 ? shards : undefined;
  /** Shards finished before a failure: a failed report lists them (complete analyses of those shards). */
  const finished: ShardAnalysis[] = [];
  let shardsFound = selection?.length ?? 0;
  const provenance = () => ({
    server: s.status.url ?? '',
    prefix: s.profile.prefix,
    shards: selection ?? [...doneByShard.keys()].sort((a, b) => a - b),
    startedAt,
    finishedAt: Date.now(),
    appVersion: opts.appVersion,
  });
  void (async () => {
    let report: AnalysisReport;
    try {
      const result = await scanShards(s.adapter, {
        ...(selection ? { shards: selection } : {}),
        signal: ctrl.signal,
        defaultConsumer: true,
        // The evidence behind every count (issue 13): the exports list it, as `scan --details` does.
        details: true,
        // The scan connection's XRANGEs count toward the app's own load like every other command.
        onCommand: () => s.commandCount++,
        onShardsFound: (n) => (shardsFound = n),
        onShardDone: (a) => finished.push(a),
        onProgress: (p) => {
          doneByShard.set(p.shard, { done: p.done, total: p.total });
          const now = Date.now();
          if (now - lastEmit < PROGRESS_EVERY_MS && p.done < p.total) return;
          lastEmit = now;
          let entriesDone = 0;
          let entriesTotal = 0;
          for (const v of doneByShard.values()) {
            entriesDone += v.done;
            entriesTotal += v.total;
          }
          opts.sink('analysis:progress', {
            jobId,
            shard: p.shard,
            shardsDone: [...doneByShard.values()].filter((v) => v.done >= v.total).length,
            shardsTotal: selection?.length ?? doneByShard.size,
            entriesDone,
            entriesTotal,
            entriesPerSec: p.entriesPerSec,
          });
        },
      });
      report = { jobId, state: 'done', provenance: { ...provenance(), shards: result.shards.map((x) => x.shard) }, shards: result.shards, skipped: result.skipped };
    } catch (e) {
      const cancelled = ctrl.signal.aborted;
      report = { jobId, state: cancelled ? 'cancelled' : 'failed', provenance: provenance(), shards: [], skipped: [] };
      if (!cancelled) {
        report.error = explainFailure(s.scrub(toErrorInfo(e)), s.adapter.lastConnectionError, finished.length, shardsFound);
        report.shards = finished;
      }
    } finally {
      s.jobs.delete(jobId);
    }
    opts.sink('analysis:done', report);
    opts.onDone(report);
  })();
  return jobId;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
const LOST = /^Redis connection lost and not re-established in time(?: \((.*)\))?$|connection is closed|closed before Redis answered|stream isn't writeable/i;

/**
 * A failure because Redis went away mid-analysis told as that (issue: the user saw ioredis' retry
 * limit): the connection's own reason, how many shards were read, and what to do. Other failures
 * pass unchanged. The class is kept (transient).
 */
export function explainFailure(error: MeshErrorInfo, connectionError: Error | undefined, done: number, total: number): MeshErrorInfo {
  const lost = LOST.exec(error.message);
  // A command timeout while the connection has an error since it was last ready: it timed out
  // waiting for a reconnect, not for a slow server.
  const downTimeout = connectionError !== undefined && /^Redis \w+ timeout/.test(error.message);
  if (error.kind !== 'transient' || (!lost && !downTimeout && !(error.code && CONNECTION_CODES.has(error.code)))) return error;
  const reason = describeConnectionError(connectionError)?.text ?? lost?.[1] ?? (lost ? 'the connection closed' : error.message);
  const of = total > 0 ? `${done} of ${total} shards were read` : `${done} shard${done === 1 ? ' was' : 's were'} read`;
  return { ...error, message: `Redis went away during the analysis (${reason}); ${of} before it. Run the analysis again when Redis is back.` };
}

/** Cancels a running job of the session; false when there is no such job. */
export function cancelAnalysisJob(s: Session | null, jobId: string): boolean {
  const job = s?.jobs.get(jobId);
  job?.abort();
  return job !== undefined;
}

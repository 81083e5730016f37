/**
 * The whole-shard scan on several cores (issue 16): the shard's ids are cut into ranges by their
 * millisecond part, worker threads (scan-worker.ts) read and decide the ranges on connections of
 * their own, and the main thread feeds one analyzer with what they send, so duplicates, collisions
 * and gaps are found across ranges exactly as in a single pass (the analysis does not depend on the
 * order entries arrive in).
 *
 * Worth it only where there are cores to spare and the shard is big: a worker costs a thread
 * start and a connection, and on two cores the workers, the main thread and Redis itself only
 * take turns ({@link autoWorkers}).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ShardAnalyzer } from '../../shared/analysis';
import { MeshError } from '../../shared/errors';
import { parseStreamId } from '../../shared/stream-id';
import type { ShardInfo } from '../../shared/types';
import type { MeshAdapter } from './adapter';
import { BATCH_WORDS, type MainMessage, type ScanWorkerData, type WorkerMessage } from './scan-worker';

/** Shards shorter than this are scanned on one thread: starting the workers would cost more than they save. */
export const PARALLEL_MIN_ENTRIES = 250_000;
/** The most workers one shard gets: beyond it a single Redis is the bottleneck, not the readers. */
export const MAX_SCAN_WORKERS = 4;
/** Ranges per worker: more, smaller ranges even out shards whose entries are bunched in time. */
const RANGES_PER_WORKER = 4;
const U64_MAX_TEXT = '18446744073709551615';

/**
 * How many workers a shard of `entries` gets by default: none on one or two cores or for a shard
 * under {@link PARALLEL_MIN_ENTRIES}; otherwise one per core but one (the main thread's
 * analyzer), at most {@link MAX_SCAN_WORKERS}.
 */
export function autoWorkers(entries: number, cores: number = availableParallelism()): number {
  if (cores <= 2 || entries < PARALLEL_MIN_ENTRIES) return 0;
  return Math.min(MAX_SCAN_WORKERS, cores - 1);
}

/** An XRANGE range: `start` as XRANGE takes it (`-`, `ms-seq` inclusive, `(ms-seq` exclusive), `end` inclusive. */
export interface IdRange {
  start: string;
  end: string;
}

/**
 * A range of a shard's scan and whether its ids are at or below the stream's
 * `max-deleted-entry-id` (gap causes: the analyzer's `atOrBelowMaxDeleted` while its entries are fed).
 */
export interface MarkedRange extends IdRange {
  atOrBelowMaxDeleted: boolean;
}

/**
 * Cuts the ids from `first` to `last` (inclusive, stream ids) into at most `n` consecutive ranges
 * of equal millisecond spans that together cover exactly `start` .. `last` (`start` defaults to
 * `-`; otherwise an XRANGE start in `first`'s millisecond, which then begins the first range).
 * Fewer ranges when the span has fewer milliseconds; one range when the ids do not parse.
 */
export function idRanges(first: string, last: string, n: number, from = '-'): IdRange[] {
  const a = parseStreamId(first);
  const b = parseStreamId(last);
  if (a === null || b === null || n <= 1 || b.ms <= a.ms) return [{ start: from, end: last }];
  const span = b.ms - a.ms + 1n;
  const count = BigInt(n) < span ? BigInt(n) : span;
  const ranges: IdRange[] = [];
  let start = from;
  for (let k = 1n; k < count; k++) {
    const boundary = a.ms + (span * k) / count;
    ranges.push({ start, end: `${boundary - 1n}-${U64_MAX_TEXT}` });
    start = `${boundary}-0`;
  }
  ranges.push({ start, end: last });
  return ranges;
}

export interface WorkerScanOptions {
  workers: number;
  pageSize: number;
  signal?: AbortSignal | undefined;
  /** Called per batch: entries it fed to the analyzer, and how many workers are reading now. */
  onEntries?: (entries: number, workers: number) => void;
  onCommand?: (() => void) | undefined;
}

/** Where the worker script is: beside the bundle (dist/...), or the TypeScript source run through tsx (tests). */
function workerScript(): { url: URL; execArgv?: string[] } | null {
  const js = new URL('./scan-worker.js', import.meta.url);
  if (js.protocol === 'file:' && existsSync(fileURLToPath(js))) return { url: js };
  const ts = new URL('./scan-worker.ts', import.meta.url);
  if (ts.protocol === 'file:' && existsSync(fileURLToPath(ts))) return { url: ts, execArgv: ['--import', 'tsx'] };
  return null;
}

/**
 * The id whose millisecond a segment starting at `start` begins in: the shard's first id for `-`,
 * else the id the start names (`(ms-seq` exclusive or `ms-seq` inclusive).
 */
function segmentFloor(start: string, firstId: string): string {
  if (start === '-') return firstId;
  return start.startsWith('(') ? start.slice(1) : start;
}

interface RangeState extends MarkedRange {
  /** Where the unread rest of the range starts (moves with every batch). */
  cursor: string;
}

interface Slot {
  worker: Worker;
  range: number | null;
  alive: boolean;
  /** Connected (it said `ready`). */
  ready: boolean;
}

/**
 * Reads the `segments` of `info`'s shard (consecutive ranges, each marked for gap causes; the scan's
 * readSegments) with `workers` worker threads into `analyzer`. Each segment is cut into id ranges
 * of its own, so no range straddles a segment's end, and the analyzer's `atOrBelowMaxDeleted` is
 * set to the range's mark for every batch it is fed (the caller clears it afterwards).
 *
 * Resolves to null when no worker could start (no worker script, a profile the workers cannot use,
 * no connection): nothing was read, and the caller scans on one thread. Otherwise resolves to the
 * ranges the workers could not read (a worker's connection failed, Redis answered an error), each
 * with its mark, which the caller reads through the adapter's client so that it reports exactly
 * what it always reports. A timeout rejects as the single-thread scan's does; an abort rejects
 * with the signal's reason. Every worker is ended before it settles.
 */
export async function scanInWorkers(
  adapter: MeshAdapter,
  info: ShardInfo,
  segments: readonly MarkedRange[],
  analyzer: ShardAnalyzer,
  opts: WorkerScanOptions,
): Promise<MarkedRange[] | null> {
  const script = workerScript();
  const profile = adapter.workerProfile;
  const firstId = info.firstId;
  if (!script || !profile || firstId === null || segments.length === 0) return null;
  const data: ScanWorkerData = { profile, key: info.key, pageSize: opts.pageSize, exclusive: adapter.exclusiveRanges };
  const ranges: RangeState[] = segments.flatMap((seg) =>
    idRanges(segmentFloor(seg.start, firstId), seg.end, opts.workers * RANGES_PER_WORKER, seg.start).map((r) => ({
      ...r,
      atOrBelowMaxDeleted: seg.atOrBelowMaxDeleted,
      cursor: r.start,
    })),
  );
  const { signal } = opts;
  signal?.throwIfAborted();

  return new Promise<MarkedRange[] | null>((resolve, reject) => {
    const slots: Slot[] = [];
    const leftovers: MarkedRange[] = [];
    let next = 0;
    let anyReady = false;
    let settled = false;

    const finish = (outcome: { ok: MarkedRange[] | null } | { error: unknown }) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      for (const s of slots) void s.worker.terminate();
      if ('error' in outcome) reject(outcome.error);
      else resolve(outcome.ok);
    };
    const onAbort = () => finish({ error: signal!.reason });
    signal?.addEventListener('abort', onAbort, { once: true });

    const assign = (slot: Slot) => {
      if (next < ranges.length) {
        slot.range = next++;
        const r = ranges[slot.range]!;
        slot.worker.postMessage({ type: 'range', range: slot.range, start: r.cursor, end: r.end } satisfies MainMessage);
      } else {
        slot.range = null;
        slot.alive = false;
        void slot.worker.terminate();
      }
      maybeDone();
    };
    const retire = (slot: Slot) => {
      if (slot.range !== null) {
        const r = ranges[slot.range]!;
        leftovers.push({ start: r.cursor, end: r.end, atOrBelowMaxDeleted: r.atOrBelowMaxDeleted });
        slot.range = null;
      }
      slot.alive = false;
      void slot.worker.terminate();
      maybeDone();
    };
    const maybeDone = () => {
      if (slots.some((s) => s.alive)) return;
      if (!anyReady) return finish({ ok: null });
      // Ranges nobody got to (every worker failed): the caller reads them too.
      for (; next < ranges.length; next++) {
        const r = ranges[next]!;
        leftovers.push({ start: r.cursor, end: r.end, atOrBelowMaxDeleted: r.atOrBelowMaxDeleted });
      }
      finish({ ok: leftovers });
    };

    const apply = (m: Extract<WorkerMessage, { type: 'batch' }>) => {
      const { meta, ids, count } = m;
      const range = ranges[m.range]!;
      // Batches of different ranges interleave: each is fed with its own range's mark.
      analyzer.atOrBelowMaxDeleted = range.atOrBelowMaxDeleted;
      let at = 0;
      for (let k = 0, o = 0; k < count; k++, o += BATCH_WORDS) {
        const s = meta[o]!;
        const len = meta[o + 3]!;
        if (len < 0) {
          analyzer.addDigested(s >= 0, s, ids, -1, -1, 0, 0);
        } else {
          analyzer.addDigested(s >= 0, s, ids, at, at + len, meta[o + 1]!, meta[o + 2]!);
          at += len;
        }
      }
      range.cursor = m.next;
      opts.onEntries?.(count, slots.filter((x) => x.alive && x.ready).length);
    };

    for (let w = 0; w < Math.min(opts.workers, ranges.length); w++) {
      let worker: Worker;
      try {
        worker = new Worker(script.url, { workerData: data, ...(script.execArgv ? { execArgv: script.execArgv } : {}) });
      } catch {
        continue;
      }
      const slot: Slot = { worker, range: null, alive: true, ready: false };
      slots.push(slot);
      worker.on('message', (m: WorkerMessage) => {
        if (settled) return;
        switch (m.type) {
          case 'ready':
            anyReady = true;
            slot.ready = true;
            assign(slot);
            break;
          case 'unavailable':
            retire(slot);
            break;
          case 'batch':
            apply(m);
            worker.postMessage({ type: 'ack' } satisfies MainMessage);
            break;
          case 'done':
            for (let c = 0; c < m.commands; c++) opts.onCommand?.();
            assign(slot);
            break;
          case 'failed':
            for (let c = 0; c < m.commands; c++) opts.onCommand?.();
            if (m.timeout) {
              finish({ error: new MeshError('transient', 'Redis XRANGE timeout (no reply within the command timeout)', { command: 'XRANGE' }) });
            } else {
              retire(slot);
            }
            break;
        }
      });
      // A worker that dies (it cannot load, it throws) leaves its range to the caller.
      worker.on('error', () => !settled && slot.alive && retire(slot));
      worker.on('exit', () => !settled && slot.alive && retire(slot));
    }
    if (slots.length === 0) finish({ ok: null });
  });
}

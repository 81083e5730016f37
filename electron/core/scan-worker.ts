/**
 * A worker thread of the parallel whole-shard scan (parallel-scan.ts): it reads id ranges of one
 * stream on a scan connection of its own, decides every entry in place (scan-page.ts), hashes its
 * stored `d`, and posts compact batches (verdict, digest and dedup_id bytes per entry) to the main
 * thread, whose single analyzer sees every entry of the shard (duplicates cross ranges).
 *
 * Protocol (messages are {@link WorkerMessage} / {@link MainMessage}):
 * - on start it posts `ready` (connected) or `unavailable` (no scan connection could be had);
 * - `range` asks for one id range; it answers with `batch`es, then `done`, or `failed` with
 *   whether it was a timeout (the range's remainder is then the main thread's to read);
 * - at most {@link MAX_UNACKED} batches are unacknowledged (`ack`), so a busy main thread holds a
 *   bounded amount of memory;
 * - `stop` closes the connection and ends the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { payloadDigest } from '../../shared/analysis';
import { exclusiveStart } from '../../shared/stream-id';
import { isCommandTimeout } from './classify';
import { createRedisClient, type ConnectionProfile } from './connection';
import { entryVerdict } from './scan-page';
import { ScanConnection } from './scan-connection';
import { D_END, D_START, ENTRY_WORDS, entryIdText, X_END, X_START, type XrangePage } from './xrange-reply';

/** What the main thread gives a worker when it starts it. */
export interface ScanWorkerData {
  /** The adapter's profile, topology decided (standalone or sentinel). */
  profile: ConnectionProfile;
  key: string;
  pageSize: number;
  /** Whether the server takes `(id` starts (Redis >= 6.2). */
  exclusive: boolean;
}

/** Main thread → worker. */
export type MainMessage = { type: 'range'; range: number; start: string; end: string } | { type: 'ack' } | { type: 'stop' };

/** Integers per entry in a batch's `meta`: verdict (s, or -1 corrupt), digest a, digest b, dedup_id length (-1: none). */
export const BATCH_WORDS = 4;

/** Worker → main thread. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'unavailable' }
  | {
      type: 'batch';
      range: number;
      count: number;
      /** {@link BATCH_WORDS} integers per entry. */
      meta: Int32Array;
      /** The entries' dedup_id bytes, one after the other. */
      ids: Uint8Array;
      /** Where the rest of the range starts (exclusive start after the batch's last entry). */
      next: string;
    }
  | { type: 'done'; range: number; commands: number }
  | { type: 'failed'; range: number; commands: number; timeout: boolean; message: string };

/** Batches a worker may have posted and not yet seen acknowledged. */
export const MAX_UNACKED = 4;

const port = parentPort;
if (port) void main(port, workerData as ScanWorkerData);

async function main(port: NonNullable<typeof parentPort>, data: ScanWorkerData): Promise<void> {
  const base = createRedisClient(data.profile, 'read');
  const conn = await ScanConnection.open(base, data.key, { timeoutMs: data.profile.commandTimeoutMs });
  base.disconnect();
  const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  if (!conn) {
    post({ type: 'unavailable' });
    port.close();
    return;
  }
  let unacked = 0;
  let ackWaiter: (() => void) | null = null;
  const queue: Array<Extract<MainMessage, { type: 'range' }>> = [];
  let wake: (() => void) | null = null;
  let stopped = false;
  port.on('message', (m: MainMessage) => {
    if (m.type === 'ack') {
      unacked--;
      ackWaiter?.();
      ackWaiter = null;
    } else if (m.type === 'range') {
      queue.push(m);
      wake?.();
      wake = null;
    } else {
      stopped = true;
      conn.close();
      ackWaiter?.();
      wake?.();
      port.close();
    }
  });
  post({ type: 'ready' });

  const digest = new Uint32Array(2);
  while (!stopped) {
    const job = queue.shift();
    if (!job) {
      await new Promise<void>((resolve) => (wake = resolve));
      continue;
    }
    let commands = 0;
    const send = (start: string): Promise<XrangePage> => {
      commands++;
      const p = conn.range(data.key, start, job.end, data.pageSize);
      p.catch(() => {});
      return p;
    };
    let pending: Promise<XrangePage> | null = send(job.start);
    let failure: { timeout: boolean; message: string } | null = null;
    while (pending && !stopped) {
      let page: XrangePage;
      try {
        page = await pending;
      } catch (e) {
        failure = { timeout: isCommandTimeout(e), message: e instanceof Error ? e.message : String(e) };
        break;
      }
      if (page.error !== null) {
        failure = { timeout: false, message: page.error };
        break;
      }
      if (page.count === 0) break;
      const last = entryIdText(page, page.count - 1);
      const next = exclusiveStart(last, data.exclusive);
      const more = page.count === data.pageSize && last !== job.end;
      while (more && unacked >= MAX_UNACKED && !stopped) await new Promise<void>((resolve) => (ackWaiter = resolve));
      pending = more && !stopped ? send(next) : null;
      const { meta, ids } = encodeBatch(page, digest);
      conn.recycle(page);
      unacked++;
      post({ type: 'batch', range: job.range, count: page.count, meta, ids, next }, [meta.buffer as ArrayBuffer, ids.buffer as ArrayBuffer]);
    }
    if (stopped) break;
    post(failure ? { type: 'failed', range: job.range, commands, ...failure } : { type: 'done', range: job.range, commands });
  }
}

/** Verdict, digest and dedup_id bytes of every entry of a page (the page itself stays here). */
function encodeBatch(page: XrangePage, digest: Uint32Array): { meta: Int32Array; ids: Uint8Array } {
  const { buf, offsets, count } = page;
  let idBytes = 0;
  for (let k = 0, o = 0; k < count; k++, o += ENTRY_WORDS) {
    if (offsets[o + X_START]! >= 0) idBytes += offsets[o + X_END]! - offsets[o + X_START]!;
  }
  const meta = new Int32Array(count * BATCH_WORDS);
  const ids = new Uint8Array(idBytes);
  let at = 0;
  for (let k = 0, o = 0, m = 0; k < count; k++, o += ENTRY_WORDS, m += BATCH_WORDS) {
    const dStart = offsets[o + D_START]!;
    const dEnd = offsets[o + D_END]!;
    meta[m] = entryVerdict(buf, dStart, dEnd);
    // No `d`: an empty payload, as on the main thread.
    payloadDigest(buf, dStart < 0 ? 0 : dStart, dStart < 0 ? 0 : dEnd, digest);
    meta[m + 1] = digest[0]! | 0;
    meta[m + 2] = digest[1]! | 0;
    const xStart = offsets[o + X_START]!;
    if (xStart < 0) {
      meta[m + 3] = -1;
    } else {
      const xEnd = offsets[o + X_END]!;
      ids.set(buf.subarray(xStart, xEnd), at);
      at += xEnd - xStart;
      meta[m + 3] = xEnd - xStart;
    }
  }
  return { meta, ids };
}

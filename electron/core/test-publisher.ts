/**
 * The test publisher: the one place where a test batch is prepared, given its ordinals, sent,
 * resolved and recorded, used by the service (desktop and `serve`) and the command line alike, so
 * that these rules exist once (issue 11; PRODUCT.md "The publisher never reuses a dedup_id by
 * accident, never consumes ordinals for a batch that was never sent, and resolves a lost EXEC
 * reply by reading the stream back").
 *
 * prepare → reserve → send → resolve → record:
 * - reserve: the (nonce, stream key) reservation lock (state-lock.ts: in-process queue plus a lock
 *   file in the config folder) is held from reading the counter until the outcome is known, so two
 *   publishers (threads of one `serve`, several CLI runs, the desktop app) never get the same
 *   ordinals, and giving back the ordinals of a batch that provably never reached Redis can never
 *   leave a hole behind a later batch. The counter is written ahead (before MULTI): a process
 *   killed mid-publish leaves its ordinals spent, never handed out again.
 * - send: MeshAdapter.send, which reports from the socket whether anything was written.
 * - resolve: a reply decides; a lost or late reply is waited for, then the stream is read back
 *   from the id it had before MULTI (MeshAdapter.locateBatch) within a bounded verification
 *   window. Exactly one outcome: landed (ids), not landed (ordinals given back, safe to retry), or
 *   unconfirmed (Redis stayed unreachable; the exact dedup_ids to look for and a re-check).
 * - record: landed and unconfirmed batches go to the batch history (batch-history.ts); a landed
 *   one in the background (BatchHistory.record; `settled()` waits for it).
 */
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { PublishedBatch } from '../../shared/contract';
import { formatNonce } from '../../shared/dedup-id';
import { MeshError, usageError } from '../../shared/errors';
import { streamKey } from '../../shared/stream-key';
import { U64_MAX } from '../../shared/u64';
import { encodePayload } from '../../shared/wire';
import { nextDefaultT, type ExecFinal, type MeshAdapter, type SendResult, type SentBatch } from './adapter';
import type { BatchHistory, BatchRecord, ReplayData } from './batch-history';
import type { SequenceStore } from './nonce-store';
import { acquireLock } from './state-lock';

export interface TestPublisherOptions {
  /** The config folder: reservation locks live in `<home>/locks/`. */
  home: string;
  adapter: MeshAdapter;
  sequences: SequenceStore;
  history: BatchHistory;
  /** Recorded with each batch: the connection profile that published it ('cli' for the command line). */
  profileId: string;
  /** Recorded with each batch: where it went, as a redacted URL. */
  server: string;
  /** How long a lost reply is resolved before the batch is called unconfirmed (default {@link verifyWindowMs}). */
  verifyWindowMs?: number;
  /** Bound on waiting for a reservation lock held by another publish (default 30 s). */
  lockWaitMs?: number;
}

export interface TestBatchRequest {
  shard: number;
  /** JSON texts, embedded verbatim as `r` (checked by the caller). */
  events: string[];
  nonce: bigint;
  /** Chosen by the person (may reuse ids on purpose); default: the next unused ordinal. */
  sequenceStart?: bigint;
  /**
   * Publish only if the next unused ordinal is still this (a preview showed it): otherwise refuse
   * (code SEQUENCE_MOVED) rather than send other ids than the ones previewed.
   */
  expectedSequenceStart?: bigint;
  maxLen?: number;
  /** `t` of event 0; event i has `tStart + i`. Default: now, in ns since the epoch, above any earlier default of this process. */
  tStart?: bigint;
  /** A replay: the batch whose ids and bytes this repeats (set by {@link TestPublisher.replay}). */
  replayOf?: string;
  /** For a replay of an old record: every `t`. */
  tValues?: string[];
}

/** A published (or possibly published) batch, as recorded. Not landed is a rejection instead. */
export type TestPublishResult = { outcome: 'landed'; batch: PublishedBatch } | { outcome: 'unconfirmed'; batch: PublishedBatch; error: MeshError };

/** The default verification window: 5 s, or twice the command timeout when that is longer. */
export function verifyWindowMs(commandTimeoutMs: number): number {
  return Math.max(5000, 2 * commandTimeoutMs);
}

type Resolved =
  | { state: 'landed'; ids: string[]; missing: number; latencyMs: number; verifiedBy: 'reply' | 'readback'; note?: string }
  | { state: 'partial'; ids: string[]; missing: number; latencyMs: number; error: MeshError }
  | { state: 'not-landed'; error: MeshError }
  | { state: 'unconfirmed'; error: MeshError };

/** The dedup_ids of a batch as one line: `nonce:shard:seq:0 .. nonce:shard:seq:n-1`. */
export function dedupRange(nonce: string, shard: number, sequenceStart: string | bigint, count: number): string {
  const p = `${nonce}:${shard}:${sequenceStart}:`;
  return count <= 1 ? `${p}0` : `${p}0 .. ${p}${count - 1}`;
}

/**
 * See the file comment. One instance per connection (adapter); any number of instances, in any
 * number of processes, may share one config folder.
 */
export class TestPublisher {
  private readonly windowMs: number;

  constructor(private readonly o: TestPublisherOptions) {
    this.windowMs = o.verifyWindowMs ?? verifyWindowMs(o.adapter.commandTimeoutMs);
  }

  /** The next unused ordinal of (nonce, shard), for display (a publish reserves under its lock). */
  nextSequence(nonce: bigint, shard: number): bigint {
    return this.o.sequences.next(formatNonce(nonce), streamKey(this.o.adapter.prefix, shard));
  }

  /**
   * Publishes one batch: reserve, send, resolve, record (file comment). Resolves with the record
   * for a batch that landed or is unconfirmed; rejects with a MeshError for a batch that did not
   * land (its ordinals given back; the message says publishing again is safe), for a usage
   * problem, for a reservation lock that stayed taken (code LOCKED) and for runtime failures of
   * some XADDs (the batch is recorded first: part of it is in the stream).
   */
  async publish(req: TestBatchRequest): Promise<TestPublishResult> {
    const n = req.events.length;
    const nonceHex = formatNonce(req.nonce);
    const key = streamKey(this.o.adapter.prefix, req.shard);
    if (n === 0) {
      // An empty batch sends nothing and succeeds (net-mesh contract 3.2): no ordinals, no record.
      const sequenceStart = req.sequenceStart ?? this.o.sequences.next(nonceHex, key);
      return { outcome: 'landed', batch: this.batchOf(req, key, nonceHex, sequenceStart, [], 0) };
    }
    const lock = await acquireLock(this.reservationLock(nonceHex, key), {
      ...(this.o.lockWaitMs !== undefined ? { waitMs: this.o.lockWaitMs } : {}),
      purpose: `publishing to ${key} with nonce ${nonceHex}`,
    });
    try {
      // reserve
      const current = this.o.sequences.next(nonceHex, key);
      if (req.expectedSequenceStart !== undefined && req.expectedSequenceStart !== current) {
        throw new MeshError(
          'usage',
          `the next sequence start of ${key} moved from ${req.expectedSequenceStart} to ${current} since the preview (another batch was published): preview again`,
          { code: 'SEQUENCE_MOVED' },
        );
      }
      const start = req.sequenceStart ?? current;
      let end = start + BigInt(n);
      if (end > U64_MAX) end = U64_MAX; // net-mesh saturates its counter (contract 3.6)
      // Written ahead of MULTI: a crash from here on leaves these ordinals spent, never reused.
      const advanced = end > current && (await this.o.sequences.compareAndSet(nonceHex, key, current, end));
      const giveBack = async (): Promise<boolean> => (advanced ? this.o.sequences.compareAndSet(nonceHex, key, end, current) : false);

      // send
      const tStart = req.tStart ?? nextDefaultT(n);
      const tValues = req.tValues;
      let sent: SendResult;
      try {
        sent = await this.o.adapter.send({
          shard: req.shard,
          events: req.events,
          nonce: req.nonce,
          sequenceStart: start,
          ...(req.maxLen !== undefined ? { maxLen: req.maxLen } : {}),
          ...(tValues ? { t: (i: number) => BigInt(tValues[i] as string) } : { tStart }),
        });
      } catch (e) {
        // Thrown before anything was sent (a usage problem, a shut-down adapter).
        await giveBack();
        throw e;
      }

      // resolve
      const r = await this.resolve(sent, req.maxLen);
      if (r.state === 'not-landed') {
        const released = await giveBack();
        const tail = released || !advanced ? '; no ordinal was used up, and publishing it again is safe' : '; publishing it again is safe';
        throw new MeshError(r.error.kind, `${r.error.message}${tail}`, r.error.code !== undefined ? { code: r.error.code, command: 'MULTI/EXEC' } : { command: 'MULTI/EXEC' });
      }

      // record
      const anchorId = sent.kind === 'not-sent' ? null : sent.sent.anchorId;
      const ids = r.state === 'unconfirmed' ? [] : r.ids;
      const batch = this.batchOf(req, key, nonceHex, start, ids, r.state === 'unconfirmed' ? 0 : r.latencyMs, sent.kind === 'not-sent' ? undefined : sent.sent.dedupIds);
      if (anchorId !== undefined) batch.anchorId = anchorId;
      if (r.state === 'landed') {
        batch.outcome = 'landed';
        batch.verifiedBy = r.verifiedBy;
        if (r.missing > 0) batch.missing = r.missing;
        if (r.note) batch.note = r.note;
      } else if (r.state === 'partial') {
        batch.outcome = 'landed';
        batch.verifiedBy = 'reply';
        batch.missing = r.missing;
        batch.note = r.error.message;
      } else {
        batch.outcome = 'unconfirmed';
        batch.note = this.unconfirmedNote(batch, r.error);
      }
      const replay: ReplayData = tValues ? { events: req.events, tValues } : { events: req.events, tStart: tStart.toString() };
      if (req.maxLen !== undefined) replay.maxLen = req.maxLen;
      // A landed batch is recorded in the background (its file and fsync are not the caller's
      // wait: the bench's budget); one whose outcome is open is on disk before we answer, since
      // its re-check needs the record.
      if (r.state === 'landed') this.o.history.record(batch, replay);
      else await this.o.history.add(batch, replay);
      if (r.state === 'partial') throw r.error;
      if (r.state === 'unconfirmed') return { outcome: 'unconfirmed', batch, error: new MeshError('transient', batch.note ?? r.error.message, { code: 'UNCONFIRMED', command: 'MULTI/EXEC' }) };
      return { outcome: 'landed', batch };
    } finally {
      lock.release();
    }
  }

  /**
   * Publishes a recorded batch again with the same ids and bytes. A landed batch's replay writes
   * duplicates on purpose: `confirmDuplicates` must equal their number (its event count), or it
   * is refused (code CONFIRM_DUPLICATES) naming the server and the number. A batch a re-check
   * found not landed is sent as the retry it is (no duplicate), unless its ordinals were given
   * back and reused by a later batch since (refused: that would be a collision). An unconfirmed
   * batch must be re-checked first.
   */
  async replay(batchId: string, confirmDuplicates: number | undefined): Promise<TestPublishResult> {
    const rec = await this.record(batchId);
    const b = rec.batch;
    const outcome = b.outcome ?? 'landed';
    if (outcome === 'unconfirmed') {
      throw usageError(`whether this batch landed is not known yet: re-check it first (publishing it again could duplicate it in ${b.key})`);
    }
    if (!rec.replay) throw usageError('this batch was too large to keep its events, so it cannot be published again');
    const count = b.count ?? b.dedupIds.length;
    const duplicates = outcome === 'landed' ? count : 0;
    if (duplicates > 0 && confirmDuplicates !== duplicates) {
      throw new MeshError(
        'usage',
        `publishing this batch again writes ${duplicates} duplicate ${duplicates === 1 ? 'entry' : 'entries'} (the same dedup_ids) to ${b.key} on ${b.server ?? this.o.server}: confirm the number of duplicates to go ahead`,
        { code: 'CONFIRM_DUPLICATES' },
      );
    }
    const nonce = BigInt(`0x${b.nonce}`);
    const start = BigInt(b.sequenceStart);
    if (outcome === 'not-landed' && b.ordinalsReleased) {
      const next = this.o.sequences.next(b.nonce, b.key);
      if (next > start) {
        throw usageError(`this batch's ordinals were given back after a re-check and a later batch has used them since: publishing it with its old ids would collide; publish its events as a new batch instead`);
      }
    }
    const req: TestBatchRequest = { shard: b.shard, events: rec.replay.events, nonce, sequenceStart: start, replayOf: b.batchId };
    if (rec.replay.maxLen !== undefined) req.maxLen = rec.replay.maxLen;
    if (rec.replay.tValues) req.tValues = rec.replay.tValues;
    else if (rec.replay.tStart !== undefined) req.tStart = BigInt(rec.replay.tStart);
    const result = await this.publish(req);
    if (outcome === 'not-landed') {
      // The retry filled the ordinals the lost batch had: the old record is now history.
      await this.o.history.update(b.batchId, (r) => {
        r.batch.note = `Published again as batch ${result.batch.batchId}`;
      });
    }
    return result;
  }

  /**
   * Reads the stream again for an unconfirmed batch (MeshAdapter.locateBatch, after the barrier
   * that lets any EXEC Redis still held run first) and records what it found: landed (ids; some
   * missing if trimmed or deleted since), or not landed (its ordinals are given back when no later
   * batch took ordinals after them). A batch that is not unconfirmed is returned as recorded.
   * Throws MeshError (transient) when Redis still cannot be read: the batch stays unconfirmed.
   */
  async recheck(batchId: string): Promise<PublishedBatch> {
    const rec = await this.record(batchId);
    const b = rec.batch;
    if ((b.outcome ?? 'landed') !== 'unconfirmed') return b;
    const count = b.count ?? b.dedupIds.length;
    const lock = await acquireLock(this.reservationLock(b.nonce, b.key), {
      ...(this.o.lockWaitMs !== undefined ? { waitMs: this.o.lockWaitMs } : {}),
      purpose: `re-checking a batch in ${b.key}`,
    });
    try {
      const sent = { key: b.key, dedupIds: b.dedupIds, payloads: payloadsOf(rec), anchorId: b.anchorId ?? null };
      // A record without an anchor (the stream was not readable then) is searched from the start.
      let found: { ids: string[]; found: number; complete: boolean };
      try {
        found = await this.o.adapter.locateBatch(sent, performance.now() + this.windowMs);
      } catch (e) {
        const m = e instanceof MeshError ? e : new MeshError('transient', String(e));
        throw new MeshError(m.kind, `${m.message}; the batch is still unconfirmed`, m.code !== undefined ? { code: m.code } : {});
      }
      if (!found.complete) throw new MeshError('transient', `reading ${b.key} back did not finish within ${this.windowMs} ms; the batch is still unconfirmed`);
      const maxLen = rec.replay?.maxLen;
      let released = false;
      if (found.found === 0 && maxLen === undefined) {
        const start = BigInt(b.sequenceStart);
        released = await this.o.sequences.compareAndSet(b.nonce, b.key, start + BigInt(count), start);
      }
      const updated = await this.o.history.update(batchId, (r) => {
        const x = r.batch;
        x.verifiedBy = 'recheck';
        if (found.found > 0) {
          x.outcome = 'landed';
          x.ids = found.ids;
          const missing = count - found.found;
          if (missing > 0) x.missing = missing;
          x.note = missing > 0 ? trimmedNote(missing, count, maxLen) : `A re-check found all ${count} entries in ${x.key}`;
        } else if (maxLen !== undefined) {
          x.note = `A re-check found none of its entries in ${x.key}, but MAXLEN ~ ${maxLen} may have trimmed them away: whether it landed cannot be told`;
        } else {
          x.outcome = 'not-landed';
          if (released) x.ordinalsReleased = true;
          x.note = `A re-check found none of its ${count} dedup_ids in ${x.key}: it did not land, so publishing it again is safe${released ? ' (its ordinals were given back)' : ''}`;
        }
      });
      return (updated ?? rec).batch;
    } finally {
      lock.release();
    }
  }

  // ---------------------------------------------------------------------------------------------

  private async record(batchId: string): Promise<BatchRecord> {
    const rec = await this.o.history.get(batchId);
    if (!rec) throw usageError(`no test batch ${batchId} in the history`);
    return rec;
  }

  /** `<home>/locks/seq-<nonce>-<hash of the key>.lock`: any key (a prefix may hold any character) gives a safe name. */
  private reservationLock(nonceHex: string, key: string): string {
    const h = createHash('sha256').update(key).digest('hex').slice(0, 16);
    return path.join(this.o.home, 'locks', `seq-${nonceHex}-${h}.lock`);
  }

  private batchOf(req: TestBatchRequest, key: string, nonceHex: string, start: bigint, ids: string[], latencyMs: number, dedupIds?: string[]): PublishedBatch {
    const n = req.events.length;
    const prefix = `${nonceHex}:${req.shard}:${start}:`;
    const batch: PublishedBatch = {
      batchId: randomUUID(),
      at: Date.now(),
      profileId: this.o.profileId,
      shard: req.shard,
      key,
      nonce: nonceHex,
      sequenceStart: start.toString(),
      ids,
      dedupIds: dedupIds ?? Array.from({ length: n }, (_, i) => prefix + i),
      latencyMs: Math.round(latencyMs * 100) / 100,
      count: n,
      server: this.o.server,
    };
    if (req.replayOf !== undefined) batch.replayOf = req.replayOf;
    return batch;
  }

  private unconfirmedNote(b: PublishedBatch, error: MeshError): string {
    return (
      `${error.message}. Redis stayed unreachable for the ${Math.round(this.windowMs / 1000)} s verification window, so whether the batch is in ${b.key} is not known: ` +
      `look for the dedup_ids ${dedupRange(b.nonce, b.shard, b.sequenceStart, b.count ?? b.dedupIds.length)}, or re-check it (batch ${b.batchId}). Publishing it again before that could duplicate it`
    );
  }

  /** From what send() saw to exactly one outcome (see the file comment). */
  private async resolve(r: SendResult, maxLen: number | undefined): Promise<Resolved> {
    if (r.kind === 'not-sent') return { state: 'not-landed', error: r.error };
    const deadline = performance.now() + this.windowMs;
    let final: ExecFinal;
    let lostError: MeshError;
    if (r.kind === 'late') {
      lostError = r.error;
      let timer: NodeJS.Timeout | undefined;
      const f = await Promise.race([r.late, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), this.windowMs)))]);
      clearTimeout(timer);
      // Still no reply on a live connection: Redis holds the EXEC (paused, busy, stopped) or the
      // network does. Reading the stream now could only miss it.
      if (f === null) return { state: 'unconfirmed', error: new MeshError('transient', `${r.error.message.replace(/; Redis may still.*$/, '')}, nor within the ${Math.round(this.windowMs / 1000)} s after`) };
      final = f;
    } else {
      final = r.final;
      lostError = final.kind === 'unknown' ? final.error : new MeshError('transient', 'no reply');
    }
    switch (final.kind) {
      case 'replied':
        return { state: 'landed', ids: final.ids, missing: 0, latencyMs: final.latencyMs, verifiedBy: 'reply' };
      case 'refused':
        return { state: 'not-landed', error: final.error };
      case 'partial':
        return { state: 'partial', ids: final.ids, missing: final.ids.filter((x) => x === '').length, latencyMs: 0, error: final.error };
      case 'unknown':
        lostError = final.error;
        break;
    }
    if (r.sent.anchorId === undefined) {
      // The stream could not be read before MULTI (an ACL without read rights): nothing to read back from.
      return { state: 'unconfirmed', error: new MeshError('transient', `${lostError.message.split(';')[0]}; the stream cannot be read back with this user's permissions`) };
    }
    return this.readBack(r.sent, lostError, Math.max(deadline, performance.now() + 1000), maxLen);
  }

  /** Reads the stream back until it answers or `deadline` passes (then: unconfirmed). */
  private async readBack(sent: SentBatch, cause: MeshError, deadline: number, maxLen: number | undefined): Promise<Resolved> {
    const n = sent.dedupIds.length;
    let pause = 100;
    let last: MeshError = cause;
    const started = performance.now();
    for (;;) {
      try {
        const f = await this.o.adapter.locateBatch(sent, deadline);
        if (f.complete) {
          const latencyMs = performance.now() - started;
          if (f.found === n) return { state: 'landed', ids: f.ids, missing: 0, latencyMs, verifiedBy: 'readback', note: `The reply to EXEC was lost (${cause.message.split(';')[0]}); reading ${sent.key} back found every entry` };
          if (f.found > 0) return { state: 'landed', ids: f.ids, missing: n - f.found, latencyMs, verifiedBy: 'readback', note: trimmedNote(n - f.found, n, maxLen) };
          if (maxLen !== undefined) return { state: 'unconfirmed', error: new MeshError('transient', `${cause.message.split(';')[0]}; reading ${sent.key} back found none of its entries, but MAXLEN may have trimmed them away`) };
          return {
            state: 'not-landed',
            error: new MeshError(
              cause.kind === 'fatal' ? 'fatal' : 'transient',
              `${cause.message.split(';')[0]}; reading ${sent.key} back found none of the batch's dedup_ids after the stream's last id before MULTI: it did not land`,
              cause.code !== undefined ? { code: cause.code, command: 'MULTI/EXEC' } : { command: 'MULTI/EXEC' },
            ),
          };
        }
      } catch (e) {
        last = e instanceof MeshError ? e : new MeshError('transient', String(e));
        if (last.kind !== 'transient') return { state: 'unconfirmed', error: new MeshError('transient', `${cause.message.split(';')[0]}; reading ${sent.key} back failed: ${last.message}`) };
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        return { state: 'unconfirmed', error: new MeshError('transient', `${cause.message.split(';')[0]}; reading ${sent.key} back: ${last === cause ? 'no answer' : last.message}`) };
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
      pause = Math.min(pause * 2, 1000);
    }
  }
}

/** The `d` texts a record's events were sent as (when it kept them), for exact matching. */
function payloadsOf(rec: BatchRecord): string[] {
  const b = rec.batch;
  const r = rec.replay;
  const n = b.count ?? b.dedupIds.length;
  if (!r || r.events.length !== n) return [];
  const tStart = r.tStart !== undefined ? BigInt(r.tStart) : undefined;
  return r.events.map((e, i) => encodePayload(e, r.tValues ? BigInt(r.tValues[i] as string) : (tStart as bigint) + BigInt(i), b.shard));
}

function trimmedNote(missing: number, count: number, maxLen: number | undefined): string {
  const why = maxLen !== undefined ? 'they were trimmed (MAXLEN) or deleted since' : 'someone trimmed or deleted them since';
  return `${missing} of its ${count} entries are no longer in the stream: MULTI/EXEC writes all or nothing, so ${why}`;
}

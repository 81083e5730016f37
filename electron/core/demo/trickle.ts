/**
 * Live traffic for the demo bus: a new producer process writing small well-formed batches on a
 * timer, so the browser's live tail and the health view's growth have something to show.
 */
import type Redis from 'ioredis';
import { formatNonce } from '../../../shared/dedup-id';
import { streamKey } from '../../../shared/stream-key';
import { Rng, liveEvent } from './events';
import { Producer, execBatch } from './producer';

export const DEFAULT_TRICKLE_RATE = 6;
export const DEFAULT_TRICKLE_INTERVAL_MS = 500;
/** Shards that receive live traffic by default: two of the seeded ones. */
export const DEFAULT_TRICKLE_SHARDS: readonly number[] = [0, 3];

export interface TrickleOptions {
  /** Shards to write to; default {@link DEFAULT_TRICKLE_SHARDS}. */
  shards?: readonly number[];
  /** Events per second over all shards; default {@link DEFAULT_TRICKLE_RATE}. */
  ratePerSec?: number;
  /** Milliseconds between batches; default {@link DEFAULT_TRICKLE_INTERVAL_MS}. */
  intervalMs?: number;
  /** The producer nonce; default a fresh random non-zero u64 (a new producer process). */
  nonce?: bigint;
  /**
   * Timer used between batches; returns a cancel function. Default `setTimeout` (unref'd, so the
   * trickle never keeps a process alive). Tests inject a manual one.
   */
  schedule?: (run: () => void, ms: number) => () => void;
}

export interface TrickleBatch {
  shard: number;
  key: string;
  sequenceStart: bigint;
  ids: string[];
  dedupIds: string[];
}

export interface TrickleStats {
  batches: number;
  entries: number;
  perShard: Record<number, number>;
  errors: number;
  lastError: string | null;
}

export interface TrickleHandle {
  /** The trickle's producer nonce, as in its dedup_ids. */
  readonly nonce: string;
  stats(): TrickleStats;
  /** Called after each batch is written; returns an unsubscribe function. */
  onBatch(listener: (batch: TrickleBatch) => void): () => void;
  /**
   * Stops the traffic. Guarantee: when it resolves, the batch in flight (if any) has finished and
   * nothing more will be written. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * Live traffic onto the bus: every `intervalMs`, `ratePerSec × intervalMs / 1000` events (the
 * fraction carried over), spread round-robin over `shards`, each shard's share written as one
 * producer batch (one MULTI/EXEC, contract 1.2) with this trickle's own nonce and a per-shard
 * sequence that starts at 0 and advances by each batch's length (contract 3.6). Its entries are
 * therefore well-formed and never duplicate, collide or leave gaps: the seeded figures of the
 * shards it writes change only by the entries it adds (`stats().perShard`).
 *
 * A failed write (the server gone) is counted in `stats()` and the trickle carries on at the
 * next tick; it never throws and never rejects. Batches never overlap: the next one is scheduled
 * only after the previous finished.
 */
export function startTrickle(client: Redis, prefix: string, opts: TrickleOptions = {}): TrickleHandle {
  const shards = opts.shards ?? DEFAULT_TRICKLE_SHARDS;
  const rate = opts.ratePerSec ?? DEFAULT_TRICKLE_RATE;
  const intervalMs = opts.intervalMs ?? DEFAULT_TRICKLE_INTERVAL_MS;
  if (shards.length === 0) throw new RangeError('the trickle needs at least one shard');
  if (!(rate > 0) || !(intervalMs > 0)) throw new RangeError('the trickle rate and interval must be positive');
  for (const s of shards) streamKey(prefix, s);

  const nonce = opts.nonce ?? randomNonce();
  const nonceText = formatNonce(nonce);
  const schedule = opts.schedule ?? defaultSchedule;
  const rng = new Rng(Number(nonce & 0xffffffffn));
  // A new producer process: its shard clocks start now (contract 1.4).
  const producer = new Producer(nonce, () => 0n, rng);
  const started = process.hrtime.bigint();
  const lastT = new Map<number, bigint>();
  const listeners = new Set<(b: TrickleBatch) => void>();
  const stats: TrickleStats = { batches: 0, entries: 0, perShard: {}, errors: 0, lastError: null };

  let carry = 0;
  let next = 0;
  let stopped = false;
  let cancel: (() => void) | null = null;
  let inFlight: Promise<void> | null = null;

  const runOnce = async (): Promise<void> => {
    carry += (rate * intervalMs) / 1000;
    const whole = Math.floor(carry);
    carry -= whole;
    const counts = new Map<number, number>();
    for (let k = 0; k < whole; k++) {
      const shard = shards[next % shards.length]!;
      next++;
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    for (const [shard, n] of counts) {
      if (stopped) return;
      const raws = Array.from({ length: n }, () => liveEvent(rng, new Date().toISOString()));
      const seq = producer.sequences.get(shard) ?? 0n;
      // `t`: nanoseconds since this producer started, strictly increasing per shard (contract 1.4).
      const batch = producer.cut(shard, raws, () => {
        const elapsed = process.hrtime.bigint() - started;
        const prev = lastT.get(shard) ?? -1n;
        const t = elapsed > prev ? elapsed : prev + 1n;
        lastT.set(shard, t);
        return t;
      });
      const key = streamKey(prefix, shard);
      try {
        const ids = await execBatch(client, key, batch.entries);
        stats.batches++;
        stats.entries += ids.length;
        stats.perShard[shard] = (stats.perShard[shard] ?? 0) + ids.length;
        const info: TrickleBatch = { shard, key, sequenceStart: seq, ids, dedupIds: batch.dedupIds };
        for (const l of listeners) l(info);
      } catch (e) {
        // The ordinals stay consumed, as net-mesh's do when a batch is dropped (contract 3.7).
        stats.errors++;
        stats.lastError = e instanceof Error ? e.message : String(e);
      }
    }
  };

  const arm = (): void => {
    if (stopped) return;
    cancel = schedule(() => {
      cancel = null;
      if (stopped) return;
      inFlight = runOnce().finally(() => {
        inFlight = null;
        arm();
      });
    }, intervalMs);
  };
  arm();

  let stopping: Promise<void> | null = null;
  return {
    nonce: nonceText,
    stats: () => ({ ...stats, perShard: { ...stats.perShard } }),
    onBatch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        cancel?.();
        cancel = null;
        if (inFlight) await inFlight;
        listeners.clear();
      })();
      return stopping;
    },
  };
}

function defaultSchedule(run: () => void, ms: number): () => void {
  const timer = setTimeout(run, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

function randomNonce(): bigint {
  const bytes = new BigUint64Array(1);
  crypto.getRandomValues(bytes);
  // Never 0: net-mesh maps a zero nonce to 1 (contract 1.3).
  return bytes[0] === 0n ? 1n : bytes[0]!;
}

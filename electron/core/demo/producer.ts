/**
 * How the demo writes to the bus: a simulated net-mesh producer process (nonce, per-shard
 * ordinals and shard clocks) and the producer's exact command shape (contract 1.2: one
 * MULTI/EXEC per batch, `XADD key * d <payload> dedup_id <id>`). Everything goes through the same
 * wire codec the inspector reads with (`encodePayload`, `formatDedupId`).
 */
import type Redis from 'ioredis';
import { formatDedupId } from '../../../shared/dedup-id';
import { encodePayload } from '../../../shared/wire';
import type { Rng } from './events';

/** A `d` value (text, or raw bytes when it must not be UTF-8) and the fields of its XADD. */
export type Fields = Array<string | Buffer>;

/**
 * One producer process as the bus sees it: a nonce, a per-shard ordinal counter advanced by
 * every batch cut (contract 3.6-3.7) and a per-shard clock for `t` (nanoseconds since the shard's
 * generator started, strictly increasing; contract 1.4).
 */
export class Producer {
  readonly sequences = new Map<number, bigint>();
  private readonly clocks = new Map<number, bigint>();
  /** `d` by dedup_id for the last batch cut, so samples can quote the exact bytes. */
  readonly lastPayloads = new Map<string, string>();

  constructor(
    readonly nonce: bigint,
    private readonly clockStart: (shard: number) => bigint,
    private readonly rng: Rng,
  ) {}

  /**
   * Cuts a batch: assigns ids and `t`s and advances the ordinal counter by its length. `clock`
   * replaces the simulated shard clock (live traffic uses real elapsed time).
   */
  cut(shard: number, raws: string[], clock?: () => bigint): { entries: Fields[]; dedupIds: string[] } {
    const seq = this.sequences.get(shard) ?? 0n;
    this.sequences.set(shard, seq + BigInt(raws.length));
    this.lastPayloads.clear();
    const entries: Fields[] = [];
    const dedupIds: string[] = [];
    raws.forEach((raw, i) => {
      const d = encodePayload(raw, clock ? clock() : this.nextT(shard), shard);
      const id = formatDedupId(this.nonce, shard, seq, i);
      entries.push(['d', d, 'dedup_id', id]);
      dedupIds.push(id);
      this.lastPayloads.set(id, d);
    });
    return { entries, dedupIds };
  }

  /** Consumes `n` ordinals without writing (a batch dropped after it was cut); returns its sequence_start. */
  skip(shard: number, n: number): bigint {
    const seq = this.sequences.get(shard) ?? 0n;
    this.sequences.set(shard, seq + BigInt(n));
    for (let k = 0; k < n; k++) this.nextT(shard);
    return seq;
  }

  private nextT(shard: number): bigint {
    const prev = this.clocks.get(shard) ?? this.clockStart(shard);
    const t = prev + BigInt(this.rng.int(20_000, 2_000_000));
    this.clocks.set(shard, t);
    return t;
  }
}

/**
 * One MULTI/EXEC with one XADD per entry, in order (contract 1.2). ioredis sends MULTI, the
 * queued commands and EXEC in one pipeline. Throws on the first failed command.
 */
export async function execBatch(client: Redis, key: string, entries: Fields[]): Promise<string[]> {
  const tx = client.multi();
  for (const fields of entries) tx.xadd(key, '*', ...fields);
  const replies = await tx.exec();
  if (replies === null) throw new Error(`MULTI/EXEC on ${key} was aborted`);
  return replies.map(([err, id]) => {
    if (err) throw err;
    return id as string;
  });
}

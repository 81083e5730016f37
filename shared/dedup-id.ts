/**
 * The `dedup_id` field (contract 1.3): `{nonce:x}:{shard}:{sequence_start}:{i}`, the same string
 * as JetStream's Nats-Msg-Id. The nonce is lowercase hex without padding or 0x and never 0;
 * the other parts are unpadded decimal.
 */

import { U64_MAX, isCanonicalU16Text, isCanonicalU64Text, isU16, isU64 } from './u64';

export interface ParsedDedupId {
  /** The nonce as written: 1-16 lowercase hex digits, no leading zero. */
  nonce: string;
  nonceValue: bigint;
  shard: number;
  seq: bigint;
  i: bigint;
  /** `seq + i`: the event's 0-based ordinal in its (nonce, shard) sequence (contract 3.6). */
  ordinal: bigint;
}

/**
 * Formats a dedup id exactly as net-mesh's `format!("{:x}:{}:{}:{}", ...)` (contract 1.3, 3.5).
 * Throws RangeError when the nonce is 0 or above u64, the shard is not 0..65535, or
 * sequenceStart / i are negative or above u64.
 */
export function formatDedupId(nonce: bigint, shard: number, sequenceStart: bigint, i: bigint | number): string {
  const nonceHex = formatNonce(nonce);
  if (!isU16(shard)) throw new RangeError(`shard must be an integer in 0..65535 (got ${String(shard)})`);
  if (typeof sequenceStart !== 'bigint' || !isU64(sequenceStart)) {
    throw new RangeError(`sequence start must be an unsigned 64-bit integer (got ${String(sequenceStart)})`);
  }
  let index: bigint;
  if (typeof i === 'number') {
    if (!Number.isSafeInteger(i) || i < 0) throw new RangeError(`event index must be a non-negative integer (got ${i})`);
    index = BigInt(i);
  } else {
    index = i;
  }
  if (!isU64(index)) throw new RangeError(`event index must be an unsigned 64-bit integer (got ${String(i)})`);
  return `${nonceHex}:${shard}:${sequenceStart}:${index}`;
}

const CANONICAL_NONCE = /^[1-9a-f][0-9a-f]{0,15}$/;

/**
 * Parses a dedup id in net-mesh's canonical form only, or returns null: exactly four
 * `:`-separated parts; a nonce of 1-16 lowercase hex digits without leading zero (so never 0);
 * a canonical decimal u16 shard; canonical decimal u64 sequence start and index.
 * Anything else cannot have been written by net-mesh, so it is not analysed as one.
 */
export function parseDedupId(s: string): ParsedDedupId | null {
  const parts = s.split(':');
  if (parts.length !== 4) return null;
  const [nonce, shardText, seqText, iText] = parts as [string, string, string, string];
  if (!CANONICAL_NONCE.test(nonce)) return null;
  if (!isCanonicalU16Text(shardText)) return null;
  if (!isCanonicalU64Text(seqText) || !isCanonicalU64Text(iText)) return null;
  const seq = BigInt(seqText);
  const i = BigInt(iText);
  return {
    nonce,
    nonceValue: BigInt('0x' + nonce),
    shard: Number(shardText),
    seq,
    i,
    ordinal: seq + i,
  };
}

/**
 * Renders a producer nonce as net-mesh does (`{:x}`: lowercase, no padding, no 0x).
 * Throws RangeError for 0 (net-mesh never uses it, contract 1.3) or a value above u64.
 */
export function formatNonce(n: bigint): string {
  if (typeof n !== 'bigint') throw new RangeError(`a nonce must be a bigint (got ${typeof n})`);
  if (n === 0n) throw new RangeError('a nonce must not be 0 (net-mesh never uses nonce 0)');
  if (n < 0n || n > U64_MAX) throw new RangeError(`a nonce must be an unsigned 64-bit integer (got ${n})`);
  return n.toString(16);
}

/**
 * Parses a user-supplied nonce (CLI `--nonce`): hex digits in either case, optionally prefixed
 * with 0x/0X, leading zeros allowed. Throws RangeError naming the problem when the text is
 * empty, not hexadecimal, zero, or wider than 64 bits.
 */
export function parseNonce(hex: string): bigint {
  const digits = /^0x/i.test(hex) ? hex.slice(2) : hex;
  if (digits === '') throw new RangeError(`nonce "${hex}" has no hex digits`);
  if (!/^[0-9a-fA-F]+$/.test(digits)) throw new RangeError(`nonce "${hex}" is not hexadecimal`);
  const v = BigInt('0x' + digits);
  if (v === 0n) throw new RangeError(`nonce "${hex}" is 0; net-mesh never uses nonce 0`);
  if (v > U64_MAX) throw new RangeError(`nonce "${hex}" does not fit in 64 bits`);
  return v;
}

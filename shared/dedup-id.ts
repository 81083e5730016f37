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

/** The longest canonical dedup_id (16 hex + 5 + 20 + 20 digits + 3 colons): longer stored ids are not read as ids. */
export const MAX_STORED_ID_LENGTH = 64;

/**
 * The hot path of the scanners that read dedup_ids from reply bytes: when the stored id
 * `b[start..end)` begins with `prefix` (the bytes `nonce:shard:seq:` of the previous id) and the
 * rest is a canonical decimal `i` of 1 to 15 digits (no leading zero), that `i`; otherwise -1 and
 * the caller parses the whole id ({@link storedIdText} then parseDedupId).
 */
export function ordinalAfterPrefix(b: Uint8Array, start: number, end: number, prefix: Uint8Array): number {
  const p = prefix.length;
  const len = end - start - p;
  if (p === 0 || len < 1 || len > 15 || (len > 1 && b[start + p] === 0x30)) return -1;
  for (let k = 0; k < p; k++) if (b[start + k] !== prefix[k]) return -1;
  let i = 0;
  for (let k = start + p; k < end; k++) {
    const c = b[k]! - 0x30;
    if (c < 0 || c > 9) return -1;
    i = i * 10 + c;
  }
  return i;
}

/** {@link ordinalAfterPrefix} on an id already held as text. */
export function ordinalAfterTextPrefix(s: string, prefix: string): number {
  const p = prefix.length;
  const len = s.length - p;
  if (p === 0 || len < 1 || len > 15 || (len > 1 && s.charCodeAt(p) === 0x30) || !s.startsWith(prefix)) return -1;
  let i = 0;
  for (let k = p; k < s.length; k++) {
    const c = s.charCodeAt(k) - 0x30;
    if (c < 0 || c > 9) return -1;
    i = i * 10 + c;
  }
  return i;
}

/** A stored id's bytes as text when they are ASCII and at most {@link MAX_STORED_ID_LENGTH} long; null otherwise. */
export function storedIdText(b: Uint8Array, start: number, end: number): string | null {
  if (end - start > MAX_STORED_ID_LENGTH) return null;
  let text = '';
  for (let k = start; k < end; k++) {
    const c = b[k]!;
    if (c >= 0x80) return null;
    text += String.fromCharCode(c);
  }
  return text;
}

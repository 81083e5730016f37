/**
 * Redis stream entry ids `<ms>-<seq>` (both u64). Ids are handled as strings and bigints,
 * never as one JS number: a u64 does not fit a double.
 */

import { usageError } from './errors';
import { U64_MAX, U64_MAX_TEXT, isCanonicalU64Text, isU64 } from './u64';

const U128_MAX_TEXT = '340282366920938463463374607431768211455';

/** Parses a canonical `<u64>-<u64>` id (the form Redis returns), or returns null. */
export function parseStreamId(id: string): { ms: bigint; seq: bigint } | null {
  const dash = id.indexOf('-');
  if (dash < 0) return null;
  const msText = id.slice(0, dash);
  const seqText = id.slice(dash + 1);
  if (!isCanonicalU64Text(msText) || !isCanonicalU64Text(seqText)) return null;
  return { ms: BigInt(msText), seq: BigInt(seqText) };
}

/** True when `s` is a canonical `<u64>-<u64>` stream id. */
export function isStreamId(s: string): boolean {
  return parseStreamId(s) !== null;
}

/**
 * Orders two ids as net-mesh's `compare_stream_ids` does (contract 1.7): numerically on
 * (ms, seq) when both split at the first `-` into two u64s; else numerically when both are
 * u128 numbers; else by bytes (UTF-8 order). Number parsing follows Rust's `str::parse`, which
 * accepts a leading `+` and leading zeros. Returns a negative number, 0 or a positive number.
 */
export function compareStreamIds(a: string, b: string): number {
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  if (da >= 0 && db >= 0) {
    const aMs = rustUintDigits(a.slice(0, da), U64_MAX_TEXT);
    const aSeq = aMs === null ? null : rustUintDigits(a.slice(da + 1), U64_MAX_TEXT);
    const bMs = aSeq === null ? null : rustUintDigits(b.slice(0, db), U64_MAX_TEXT);
    const bSeq = bMs === null ? null : rustUintDigits(b.slice(db + 1), U64_MAX_TEXT);
    if (aMs !== null && aSeq !== null && bMs !== null && bSeq !== null) {
      return compareDigits(aMs, bMs) || compareDigits(aSeq, bSeq);
    }
  }
  const na = rustUintDigits(a, U128_MAX_TEXT);
  const nb = na === null ? null : rustUintDigits(b, U128_MAX_TEXT);
  if (na !== null && nb !== null) return compareDigits(na, nb);
  return compareUtf8(a, b);
}

/**
 * Rust `u64::from_str`/`u128::from_str`: optional `+`, then one or more ASCII digits, value
 * at most `maxText`. Returns the digits without sign and leading zeros, or null.
 */
function rustUintDigits(text: string, maxText: string): string | null {
  let k = text.charCodeAt(0) === 0x2b ? 1 : 0;
  const n = text.length;
  if (k === n) return null;
  for (let j = k; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c < 0x30 || c > 0x39) return null;
  }
  while (k < n - 1 && text.charCodeAt(k) === 0x30) k++;
  const digits = k === 0 ? text : text.slice(k);
  if (digits.length > maxText.length || (digits.length === maxText.length && digits > maxText)) return null;
  return digits;
}

/** Compares two digit strings without leading zeros numerically, without BigInt. */
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rust's `str::cmp` is byte order, i.e. code point order, which UTF-16 order breaks for astral characters. */
function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    let ca = a.charCodeAt(k);
    let cb = b.charCodeAt(k);
    if (ca === cb) continue;
    // Move surrogates (astral code points) above U+E000..U+FFFF.
    if (ca >= 0xd800) ca = ca >= 0xe000 ? ca - 0x800 : ca + 0x2000;
    if (cb >= 0xd800) cb = cb >= 0xe000 ? cb - 0x800 : cb + 0x2000;
    return ca < cb ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function requireStreamId(id: string): { ms: bigint; seq: bigint } {
  const parsed = parseStreamId(id);
  if (!parsed) throw new RangeError(`${JSON.stringify(id)} is not a stream id (<ms>-<seq>)`);
  return parsed;
}

/**
 * The smallest id greater than `id`: seq + 1, or (ms + 1)-0 when seq is u64 max; null when
 * both parts are u64 max. Throws RangeError when `id` is not a canonical stream id.
 */
export function streamIdSuccessor(id: string): string | null {
  const { ms, seq } = requireStreamId(id);
  if (seq < U64_MAX) return `${ms}-${seq + 1n}`;
  if (ms < U64_MAX) return `${ms + 1n}-0`;
  return null;
}

/**
 * The largest id smaller than `id`: seq - 1, or (ms - 1)-<u64 max> when seq is 0; null for
 * `0-0`. Throws RangeError when `id` is not a canonical stream id.
 */
export function streamIdPredecessor(id: string): string | null {
  const { ms, seq } = requireStreamId(id);
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  if (ms > 0n) return `${ms - 1n}-${U64_MAX}`;
  return null;
}

/**
 * The XRANGE start that excludes `id` (contract 1.5, 3.16): `(id` on Redis 6.2 and later, and
 * the successor id on older servers, which lack the `(` syntax (contract 7.10). Both select
 * exactly the entries after `id`. Throws RangeError when `id` is not a canonical stream id, or
 * for an old server when `id` is the largest possible id (nothing can follow it).
 */
export function exclusiveStart(id: string, serverSupportsExclusive: boolean): string {
  requireStreamId(id);
  if (serverSupportsExclusive) return '(' + id;
  const next = streamIdSuccessor(id);
  if (next === null) throw new RangeError(`no stream id can follow ${id}`);
  return next;
}

/**
 * True when a Redis `redis_version` (e.g. "7.0.15", "6.2.0") supports exclusive `(` ranges,
 * i.e. is 6.2.0 or later. Unparseable versions give false, so callers fall back to the
 * successor form, which every version accepts.
 */
export function versionSupportsExclusiveRange(version: string): boolean {
  const m = /^\s*v?(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 6 || (major === 6 && minor >= 2);
}

/**
 * The millisecond part of an id as a number (wall-clock time of the entry; contract 1.4 says to
 * use this, not `t`). Exact for every ms below 2^53, i.e. any real date. Throws RangeError when
 * `id` is not a canonical stream id.
 */
export function streamIdTimeMs(id: string): number {
  return Number(requireStreamId(id).ms);
}

/**
 * The id `<ms>-<seq>` for a millisecond time (seq defaults to 0), e.g. to start a range at a
 * date. Throws RangeError when either part is not a non-negative integer within u64.
 */
export function streamIdFromMs(ms: number | bigint, seq: number | bigint = 0n): string {
  return `${toU64(ms, 'ms')}-${toU64(seq, 'seq')}`;
}

function toU64(v: number | bigint, what: string): bigint {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${what} must be a non-negative integer (got ${v})`);
    return BigInt(v);
  }
  if (!isU64(v)) throw new RangeError(`${what} must be an unsigned 64-bit integer (got ${v})`);
  return v;
}

/**
 * Validates a stream id typed by a person (CLI `--after`, UI fields) and returns its canonical
 * form. Accepts `<ms>` (meaning `<ms>-0`, as Redis reads a range start) or `<ms>-<seq>`,
 * surrounding whitespace ignored, leading zeros dropped. Throws a MeshError of kind `usage`
 * naming the problem.
 */
export function validateUserStreamId(s: string): string {
  const text = s.trim();
  const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(text);
  if (!m) {
    throw usageError(
      `${JSON.stringify(s)} is not a stream id: expected <ms> or <ms>-<seq> with decimal numbers, e.g. 1700000000000-0`,
    );
  }
  const ms = BigInt(m[1]!);
  const seq = m[2] === undefined ? 0n : BigInt(m[2]);
  if (!isU64(ms)) throw usageError(`the time part of stream id ${JSON.stringify(s)} is larger than 2^64-1`);
  if (!isU64(seq)) throw usageError(`the sequence part of stream id ${JSON.stringify(s)} is larger than 2^64-1`);
  return `${ms}-${seq}`;
}

/**
 * The `d` field of a net-mesh stream entry (contract 1.4): encoding it exactly as the producer
 * does, and deciding exactly what net-mesh's Rust reader accepts (contract 1.5, 3.23-3.26).
 *
 * The reader is `serde_json::from_slice::<StoredFormat>(d)` with
 * `struct StoredFormat { r: &RawValue, #[serde(default)] t: u64, #[serde(default)] s: u16 }`.
 * Everything below mirrors serde_json's behaviour for that struct, not JSON in general.
 */

import { U64_MAX_TEXT, isCanonicalU64Text, isU16, isU64, U16_MAX } from './u64';

export type DecodeResult = { ok: true; r: string; t: string; s: number } | { ok: false; reason: string };

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

/**
 * Builds `d` byte-for-byte as net-mesh's `serialize_event` does (contract 1.4):
 * `{"r":` + rawEvent + `,"t":` + decimal t + `,"s":` + decimal shard + `}`, no spaces.
 * `rawEvent` is embedded verbatim and not validated, as in net-mesh's raw ingestion
 * (contract 1.4: raw ingestion does no JSON validation); validate it first if it must be JSON.
 * Throws RangeError when t is not a u64 or shard is not 0..65535.
 */
export function encodePayload(rawEvent: string, t: bigint | string, shard: number): string {
  return '{"r":' + rawEvent + ',"t":' + u64Decimal(t) + ',"s":' + shardDecimal(shard) + '}';
}

function u64Decimal(t: bigint | string): string {
  if (typeof t === 'bigint') {
    if (!isU64(t)) throw new RangeError(`t must be an unsigned 64-bit integer (got ${t})`);
    return t.toString();
  }
  if (typeof t === 'string' && /^[0-9]+$/.test(t)) {
    const v = BigInt(t);
    if (isU64(v)) return v.toString();
  }
  throw new RangeError(`t must be an unsigned 64-bit integer (got ${JSON.stringify(String(t))})`);
}

function shardDecimal(shard: number): string {
  if (!isU16(shard)) throw new RangeError(`shard must be an integer in 0..65535 (got ${String(shard)})`);
  return String(shard);
}

// ---------------------------------------------------------------------------------------------
// Decoding: entry points
// ---------------------------------------------------------------------------------------------

/**
 * Decodes `d` and accepts exactly what net-mesh's Rust reader accepts (contract 3.23):
 * on success `r` is the raw JSON text of the event, sliced out of `d` byte-exact (never
 * re-serialized, contract 7.8), `t` is the canonical decimal u64 ("0" when absent, contract 3.24)
 * and `s` the u16 shard (0 when absent). On failure `reason` says why, for a person.
 * Uses a fast path for the producer's own layout and the full scanner otherwise; both give
 * identical results. Never recurses, so arbitrarily deep nesting cannot overflow the stack.
 */
export function decodePayload(d: string): DecodeResult {
  const bad = loneSurrogateIndex(d);
  if (bad >= 0) return notUtf8Text(d, bad);
  return tryFastDecode(d) ?? scanPayload(d);
}

/**
 * The same decision as `decodePayload` but always through the full scanner (no fast path).
 * Exported so tests can check that both paths agree.
 */
export function decodePayloadFull(d: string): DecodeResult {
  const bad = loneSurrogateIndex(d);
  if (bad >= 0) return notUtf8Text(d, bad);
  return scanPayload(d);
}

const FATAL_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes a raw `d` bulk string. Invalid UTF-8 is corrupt (`d is not valid UTF-8 (byte N)`,
 * N the 0-based offset of the first bad sequence); a leading UTF-8 BOM is kept in the text and
 * is corrupt, because serde_json does not skip it. `text` is the decoded text whenever the bytes
 * are valid UTF-8, so callers can show a corrupt `d` without decoding twice.
 */
export function decodePayloadBytes(bytes: Uint8Array): DecodeResult & { text?: string } {
  // Deliberately stricter than net-mesh in one corner: serde_json's from_slice skips the
  // strings inside values of unknown keys without checking their UTF-8, so net-mesh would
  // accept e.g. {"r":1,"x":"<0xFF>"}. cli.md makes valid UTF-8 a condition of `ok`, and no
  // net-mesh producer writes unknown keys, so any invalid byte makes the entry corrupt here.
  let text: string;
  try {
    text = FATAL_UTF8.decode(bytes);
  } catch {
    return { ok: false, reason: `d is not valid UTF-8 (byte ${firstInvalidUtf8(bytes)})` };
  }
  const result: DecodeResult & { text?: string } = decodePayload(text);
  result.text = text;
  return result;
}

/**
 * The text to show for a corrupt entry's `d` (cli.md `read`): the stored text when it is valid
 * UTF-8 (a BOM, if any, kept), otherwise `base64:` + standard padded base64 of the bytes.
 */
export function corruptText(bytes: Uint8Array): string {
  try {
    return FATAL_UTF8.decode(bytes);
  } catch {
    return 'base64:' + base64Encode(bytes);
  }
}

// ---------------------------------------------------------------------------------------------
// Fast path
// ---------------------------------------------------------------------------------------------

/**
 * The fast path alone: a result when `d` has exactly the producer's layout
 * `{"r":X,"t":<digits>,"s":<digits>}` and decodes successfully, `undefined` when the full
 * scanner must decide. It only ever answers "ok", and only when the full scanner would give the
 * same `{r, t, s}`, so every failure (and its reason) comes from the one scanner.
 * Assumes `d` has no lone surrogates (`decodePayload` checks that first).
 */
export function tryFastDecode(d: string): DecodeResult | undefined {
  const n = d.length;
  // Shortest producer payload is {"r":0,"t":0,"s":0}: 19 characters.
  if (n < 19 || d.charCodeAt(n - 1) !== 0x7d || !d.startsWith('{"r":')) return undefined;

  let j = n - 2;
  while (isDigit(d.charCodeAt(j))) j--;
  const sStart = j + 1;
  const sLen = n - 1 - sStart;
  if (sLen === 0 || sLen > 5 || (sLen > 1 && d.charCodeAt(sStart) === 0x30)) return undefined;
  if (j < 9 || !d.startsWith(',"s":', j - 4)) return undefined;

  const tEnd = j - 4;
  j = tEnd - 1;
  while (isDigit(d.charCodeAt(j))) j--;
  const tStart = j + 1;
  const tLen = tEnd - tStart;
  if (tLen === 0 || tLen > 20 || (tLen > 1 && d.charCodeAt(tStart) === 0x30)) return undefined;
  if (j < 9 || !d.startsWith(',"t":', j - 4)) return undefined;

  const rEnd = j - 4;
  if (rEnd <= 5) return undefined;
  // serde's RawValue excludes whitespace around r; the validator below skips leading
  // whitespace, so such payloads are left to the full scanner rather than sliced wrongly.
  if (isJsonWs(d.charCodeAt(5)) || isJsonWs(d.charCodeAt(rEnd - 1))) return undefined;

  const t = d.slice(tStart, tEnd);
  if (tLen === 20 && t > U64_MAX_TEXT) return undefined;
  const s = Number(d.slice(sStart, n - 1));
  if (s > U16_MAX) return undefined;

  // r must be exactly one JSON value spanning 5..rEnd. The scanner's own validator is used
  // (not JSON.parse): it allocates nothing and is what the full path runs at this same offset,
  // so a success here is a success there. A throw defers to the full scanner for the reason.
  try {
    if (skipValue(d, 5) !== rEnd) return undefined;
  } catch {
    return undefined;
  }
  const r = d.slice(5, rEnd);
  return { ok: true, r, t, s };
}

/**
 * The whole-shard scan's fast path, on the stored bytes and without building a string: the
 * entry's shard `s` when `bytes` has exactly the producer's layout `{"r":X,"t":<digits>,"s":<digits>}`
 * and `decodePayloadBytes` would accept it with that `s`; -1 when the full decoder must decide.
 * Like `tryFastDecode` it only ever answers "ok" (a -1 is "don't know", never "corrupt"), so every
 * reason still comes from the one scanner. The scan needs only ok/corrupt and `s`, so `r` and
 * `t` are validated in place: JSON's structural characters are all ASCII and a UTF-8 multi-byte
 * sequence holds no ASCII byte, so the grammar walks bytes exactly as it walks characters, and
 * UTF-8 validity is checked only when a byte >= 0x80 occurs (inside a string; anywhere else the
 * walk already fails). Equivalence with `decodePayloadBytes` is tested on generated inputs.
 */
export function fastShardOfBytes(b: Uint8Array): number {
  return fastShardOfRange(b, 0, b.length);
}

/**
 * {@link fastShardOfBytes} on `b[start..end)`, so a reader can decide an entry in place inside a
 * whole reply buffer without making a view of it. Reads nothing outside the range.
 */
export function fastShardOfRange(b: Uint8Array, start: number, end: number): number {
  const n = end - start;
  // {"r": ... }  — shortest producer payload is {"r":0,"t":0,"s":0}: 19 bytes.
  if (n < 19 || b[end - 1] !== 0x7d || b[start] !== 0x7b || b[start + 1] !== 0x22 || b[start + 2] !== 0x72 || b[start + 3] !== 0x22 || b[start + 4] !== 0x3a) return -1;

  // s: 1..5 digits, no leading zero, <= 65535, after ,"s":
  let j = end - 2;
  let s = 0;
  let scale = 1;
  while (isDigit(b[j]!)) {
    s += (b[j]! - 0x30) * scale;
    scale *= 10;
    j--;
  }
  const sLen = end - 2 - j;
  if (sLen === 0 || sLen > 5 || (sLen > 1 && b[j + 1] === 0x30) || s > U16_MAX) return -1;
  if (j < start + 9 || !fieldTagAt(b, j, 0x73)) return -1;

  // t: 1..20 digits, no leading zero, <= u64::MAX, after ,"t":
  const tEnd = j - 4;
  j = tEnd - 1;
  while (isDigit(b[j]!)) j--;
  const tStart = j + 1;
  const tLen = tEnd - tStart;
  if (tLen === 0 || tLen > 20 || (tLen > 1 && b[tStart] === 0x30)) return -1;
  if (tLen === 20 && aboveU64Max(b, tStart)) return -1;
  if (j < start + 9 || !fieldTagAt(b, j, 0x74)) return -1;

  // r: exactly one JSON value spanning 5..rEnd, no whitespace around it (serde's RawValue).
  const rStart = start + 5;
  const rEnd = j - 4;
  if (rEnd <= rStart || isJsonWs(b[rStart]!) || isJsonWs(b[rEnd - 1]!)) return -1;
  // fieldTagAt checked `,"t":` at rEnd: isRawValue's sentinel.
  if (!isRawValue(b, rStart, rEnd)) return -1;
  if (highBits & 0x80 && !isUtf8Range(b, start, end)) return -1;
  return s;
}

/** Whether `b[at-4..at]` is `,"<tag>":`. */
function fieldTagAt(b: Uint8Array, at: number, tag: number): boolean {
  return b[at] === 0x3a && b[at - 1] === 0x22 && b[at - 2] === tag && b[at - 3] === 0x22 && b[at - 4] === 0x2c;
}

/** For 20 decimal digits at `from`: whether they exceed u64::MAX (same length, so byte order is numeric order). */
function aboveU64Max(b: Uint8Array, from: number): boolean {
  for (let k = 0; k < 20; k++) {
    const diff = b[from + k]! - U64_MAX_TEXT.charCodeAt(k);
    if (diff !== 0) return diff > 0;
  }
  return false;
}

/** Set by isRawValue: OR of every byte it saw inside strings (bit 7 set means "check UTF-8"). */
let highBits = 0;
/** isRawValue's stack of open containers (OBJ or ARR), grown for deeper nesting. */
let kinds = new Uint8Array(64);

/**
 * Whether `b[i..lim)` is exactly one JSON value with no whitespace before or after it: the full
 * grammar of serde_json's `ignore_value` (nested duplicate keys and lone-surrogate `\u` escapes
 * allowed), like `skipValue` on text, walked on bytes. Sets `highBits`.
 *
 * Requires `b[lim]` to be `,` and `b[lim + 1]` to be `"` (in the producer's layout `,"t":` follows
 * `r`, which the caller has checked): every inner loop (whitespace, string body, digits) stops at
 * one of those two bytes at the latest, so none needs a bound check per byte, and a value that
 * ran into them is refused after the fact. One function with a typed stack, no call per token:
 * this is most of a scan's per-entry decode time.
 */
function isRawValue(b: Uint8Array, i: number, lim: number): boolean {
  let depth = 0;
  let seen = 0;
  let c = b[i]!;
  for (;;) {
    // A value starts at i.
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]!;
    if (c === 0x22) {
      i = stringEnd(b, i);
      if (i < 0) return false;
      seen |= stringSeen;
    } else if (c === 0x7b || c === 0x5b) {
      const obj = c === 0x7b;
      c = b[++i]!;
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]!;
      if (c === (obj ? 0x7d : 0x5d)) {
        i++;
      } else {
        if (depth === kinds.length) {
          const more = new Uint8Array(kinds.length * 2);
          more.set(kinds);
          kinds = more;
        }
        kinds[depth++] = obj ? OBJ : ARR;
        if (obj) {
          i = memberKey(b, i);
          if (i < 0) return false;
          seen |= stringSeen;
        }
        c = b[i]!;
        continue;
      }
    } else if (c === 0x74) {
      if (b[i + 1] !== 0x72 || b[i + 2] !== 0x75 || b[i + 3] !== 0x65) return false;
      i += 4;
    } else if (c === 0x66) {
      if (b[i + 1] !== 0x61 || b[i + 2] !== 0x6c || b[i + 3] !== 0x73 || b[i + 4] !== 0x65) return false;
      i += 5;
    } else if (c === 0x6e) {
      if (b[i + 1] !== 0x75 || b[i + 2] !== 0x6c || b[i + 3] !== 0x6c) return false;
      i += 4;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      if (c === 0x2d) c = b[++i]!;
      if (c === 0x30) {
        c = b[++i]!;
        if (c >= 0x30 && c <= 0x39) return false;
      } else if (c >= 0x31 && c <= 0x39) {
        do c = b[++i]!;
        while (c >= 0x30 && c <= 0x39);
      } else {
        return false;
      }
      if (c === 0x2e) {
        c = b[++i]!;
        if (c < 0x30 || c > 0x39) return false;
        do c = b[++i]!;
        while (c >= 0x30 && c <= 0x39);
      }
      if (c === 0x65 || c === 0x45) {
        c = b[++i]!;
        if (c === 0x2b || c === 0x2d) c = b[++i]!;
        if (c < 0x30 || c > 0x39) return false;
        do c = b[++i]!;
        while (c >= 0x30 && c <= 0x39);
      }
    } else {
      return false;
    }
    if (i > lim) return false;
    // A value just ended at i: close finished containers, or step to the next element/member.
    for (;;) {
      if (depth === 0) {
        highBits = seen;
        return i === lim;
      }
      c = b[i]!;
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]!;
      if (c === 0x2c) {
        if (i >= lim) return false;
        c = b[++i]!;
        if (kinds[depth - 1] === OBJ) {
          while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]!;
          i = memberKey(b, i);
          if (i < 0) return false;
          seen |= stringSeen;
          c = b[i]!;
        }
        break;
      }
      if (c === (kinds[depth - 1] === OBJ ? 0x7d : 0x5d)) {
        depth--;
        i++;
        continue;
      }
      return false;
    }
  }
}
/** Set by stringEnd: OR of the bytes of the string it just walked. */
let stringSeen = 0;

/**
 * The index after the string whose opening quote is at `i` (`skipString`'s rules on bytes: raw
 * control characters and bad escapes refused, `\u` surrogates not paired), or -1. Relies on
 * isRawValue's sentinel (a `"` follows the range) to stop.
 */
function stringEnd(b: Uint8Array, i: number): number {
  let seen = 0;
  for (;;) {
    const c = b[++i]!;
    if (c === 0x22) {
      stringSeen = seen;
      return i + 1;
    }
    if (c === 0x5c) {
      const e = b[i + 1]!;
      if (e === 0x75) {
        if (!isHexDigit(b[i + 2]!) || !isHexDigit(b[i + 3]!) || !isHexDigit(b[i + 4]!) || !isHexDigit(b[i + 5]!)) return -1;
        i += 5;
      } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        i++;
      } else {
        return -1;
      }
    } else if (c < 0x20) {
      return -1;
    } else {
      seen |= c;
    }
  }
}

/** A member's `"key"`, whitespace and `:` at `i`: the index after the colon, or -1. */
function memberKey(b: Uint8Array, i: number): number {
  if (b[i] !== 0x22) return -1;
  i = stringEnd(b, i);
  if (i < 0) return -1;
  let c = b[i]!;
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]!;
  return c === 0x3a ? i + 1 : -1;
}

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

// ---------------------------------------------------------------------------------------------
// Full scanner
// ---------------------------------------------------------------------------------------------

/** Thrown inside the scanner only; caught by scanPayload and turned into `{ ok: false }`. */
class Corrupt {
  constructor(readonly reason: string) {}
}

function scanPayload(d: string): DecodeResult {
  try {
    return scanTop(d);
  } catch (e) {
    if (e instanceof Corrupt) return { ok: false, reason: e.reason };
    throw e;
  }
}

function scanTop(d: string): DecodeResult {
  const i = skipWs(d, 0);
  if (i >= d.length) throw new Corrupt(d.length === 0 ? 'd is empty' : 'd is only whitespace');
  const c = d.charCodeAt(i);
  if (c === 0x7b) return scanObjectForm(d, i + 1);
  if (c === 0x5b) return scanSequenceForm(d, i + 1);
  if (c === 0xfeff && i === 0) {
    throw new Corrupt('d starts with a UTF-8 byte order mark (EF BB BF), which net-mesh does not skip');
  }
  // serde reports "invalid type ... expected struct StoredFormat" after reading the value, so a
  // malformed scalar is reported as malformed JSON first.
  skipValue(d, i);
  throw new Corrupt(`d is not a JSON object (it is ${describeKind(c)})`);
}

/** `{...}`: serde derive's visit_map for StoredFormat. */
function scanObjectForm(d: string, i: number): DecodeResult {
  let rStart = -1;
  let rEnd = -1;
  let t = '0';
  let tSeen = false;
  let s = 0;
  let sSeen = false;
  let first = true;
  for (;;) {
    i = skipWs(d, i);
    let c = d.charCodeAt(i);
    if (c === 0x7d) {
      i++;
      break;
    }
    if (!first) {
      if (c !== 0x2c) throw jsonError(d, i, '"," or "}"');
      i = skipWs(d, i + 1);
      c = d.charCodeAt(i);
      if (c === 0x7d) throw trailingComma(d, i);
    }
    first = false;
    if (c !== 0x22) throw jsonError(d, i, 'a string key');
    const keyAt = i;
    const key = readKey(d, i + 1);
    i = skipWs(d, keyEnd);
    if (d.charCodeAt(i) !== 0x3a) throw jsonError(d, i, '":"');
    i = skipWs(d, i + 1);
    // serde's derived visitor rejects a repeated known field before reading its value, and
    // only for r, t, s: repeated unknown keys go to IgnoredAny every time.
    if (key === 'r') {
      if (rStart >= 0) throw duplicateField(d, 'r', keyAt);
      rStart = i;
      i = skipValue(d, i);
      rEnd = i;
    } else if (key === 't') {
      if (tSeen) throw duplicateField(d, 't', keyAt);
      tSeen = true;
      i = readUnsigned(d, i, 't');
      t = lastNumberText;
    } else if (key === 's') {
      if (sSeen) throw duplicateField(d, 's', keyAt);
      sSeen = true;
      i = readUnsigned(d, i, 's');
      s = Number(lastNumberText);
    } else {
      i = skipValue(d, i);
    }
  }
  // serde_json reports the visitor's error (missing field) before checking what follows `}`.
  if (rStart < 0) throw new Corrupt('d has no "r" field');
  i = skipWs(d, i);
  if (i < d.length) {
    throw new Corrupt(`trailing characters after the JSON object at byte ${byteOffset(d, i)}`);
  }
  return { ok: true, r: d.slice(rStart, rEnd), t, s };
}

/**
 * `[r, t?, s?]`: derived from serde's visit_seq. A derived struct Deserialize also accepts a
 * JSON array holding the fields in declaration order; fields with #[serde(default)] (t, s) may
 * be missing at the end, r may not, and serde_json rejects a fourth element.
 */
function scanSequenceForm(d: string, i: number): DecodeResult {
  i = skipWs(d, i);
  if (d.charCodeAt(i) === 0x5d) {
    throw new Corrupt('d has no "r" field (it is an empty JSON array; the array form is [r, t, s])');
  }
  const rStart = i;
  i = skipValue(d, i);
  const rEnd = i;
  let t = '0';
  let s = 0;
  for (let index = 1; index <= 2; index++) {
    i = skipWs(d, i);
    const c = d.charCodeAt(i);
    if (c === 0x5d) break;
    if (c !== 0x2c) throw jsonError(d, i, '"," or "]"');
    i = skipWs(d, i + 1);
    if (d.charCodeAt(i) === 0x5d) throw trailingComma(d, i);
    if (index === 1) {
      i = readUnsigned(d, i, 't');
      t = lastNumberText;
    } else {
      i = readUnsigned(d, i, 's');
      s = Number(lastNumberText);
    }
  }
  i = skipWs(d, i);
  const c = d.charCodeAt(i);
  if (c === 0x2c) {
    const next = skipWs(d, i + 1);
    if (d.charCodeAt(next) === 0x5d) throw trailingComma(d, next);
    throw new Corrupt(
      `d is a JSON array with more than 3 elements (the array form is [r, t, s]) at byte ${byteOffset(d, i)}`,
    );
  }
  if (c !== 0x5d) throw jsonError(d, i, '"," or "]"');
  i = skipWs(d, i + 1);
  if (i < d.length) {
    throw new Corrupt(`trailing characters after the JSON array at byte ${byteOffset(d, i)}`);
  }
  return { ok: true, r: d.slice(rStart, rEnd), t, s };
}

/** Set by readUnsigned: the literal of the integer it accepted (avoids allocating a tuple). */
let lastNumberText = '';

/**
 * Reads the value of `t` (u64) or `s` (u16) at `i` and returns the index after it.
 * serde_json's deserialize_u64/u16 only take a non-negative integer literal: `-0`, fractions
 * and exponents become f64 and are rejected as an invalid type, values past the type's range
 * are rejected as invalid values, and anything that is not a number is an invalid type.
 */
function readUnsigned(d: string, i: number, field: 't' | 's'): number {
  const c = d.charCodeAt(i);
  if (c === 0x2d || isDigit(c)) {
    const end = skipNumber(d, i);
    const text = d.slice(i, end);
    if (field === 't') {
      if (isCanonicalU64Text(text)) {
        lastNumberText = text;
        return end;
      }
      throw new Corrupt(`"t" is not an unsigned 64-bit integer: ${clip(text)}`);
    }
    if (isIntegerLiteral(text) && text !== '-0') {
      if (c !== 0x2d && text.length <= 5 && Number(text) <= U16_MAX) {
        lastNumberText = text;
        return end;
      }
      throw new Corrupt(`"s" is out of range 0..65535: ${clip(text)}`);
    }
    throw new Corrupt(`"s" is not an integer in 0..65535: ${clip(text)}`);
  }
  const end = skipValue(d, i);
  const text = d.slice(i, end);
  if (field === 't') throw new Corrupt(`"t" is not an unsigned 64-bit integer: ${clip(text)}`);
  throw new Corrupt(`"s" is not an integer in 0..65535: ${clip(text)}`);
}

function isIntegerLiteral(text: string): boolean {
  for (let k = text.charCodeAt(0) === 0x2d ? 1 : 0; k < text.length; k++) {
    if (!isDigit(text.charCodeAt(k))) return false;
  }
  return true;
}

/** Set by readKey: the index just after the key's closing quote. */
let keyEnd = 0;

/**
 * Reads a top-level object key starting after its opening quote and returns it unescaped, so
 * `"\u0072"` is the key r (serde's field visitor compares the unescaped string). Unlike values,
 * keys go through serde_json's validating string parser: a \u escape must not leave a lone
 * surrogate.
 */
function readKey(d: string, i: number): string {
  let out = '';
  let start = i;
  for (;;) {
    const c = d.charCodeAt(i);
    if (c === 0x22) {
      keyEnd = i + 1;
      return out + d.slice(start, i);
    }
    if (c === 0x5c) {
      out += d.slice(start, i);
      const e = d.charCodeAt(i + 1);
      if (e === 0x75) {
        const cu = hex4(d, i + 2);
        if (cu >= 0xdc00 && cu <= 0xdfff) throw loneSurrogateKey(d, i);
        if (cu >= 0xd800 && cu <= 0xdbff) {
          // A high surrogate must be followed immediately by a \u escape of a low surrogate.
          if (d.charCodeAt(i + 6) !== 0x5c || d.charCodeAt(i + 7) !== 0x75) throw loneSurrogateKey(d, i);
          const lo = hex4(d, i + 8);
          if (lo < 0xdc00 || lo > 0xdfff) throw loneSurrogateKey(d, i);
          out += String.fromCharCode(cu, lo);
          i += 12;
        } else {
          out += String.fromCharCode(cu);
          i += 6;
        }
      } else {
        const simple = simpleEscape(e);
        if (simple === undefined) throw invalidEscape(d, i);
        out += simple;
        i += 2;
      }
      start = i;
      continue;
    }
    if (Number.isNaN(c)) throw jsonError(d, i, 'a closing quote');
    if (c < 0x20) throw controlChar(d, i);
    i++;
  }
}

function simpleEscape(e: number): string | undefined {
  switch (e) {
    case 0x22:
      return '"';
    case 0x5c:
      return '\\';
    case 0x2f:
      return '/';
    case 0x62:
      return '\b';
    case 0x66:
      return '\f';
    case 0x6e:
      return '\n';
    case 0x72:
      return '\r';
    case 0x74:
      return '\t';
    default:
      return undefined;
  }
}

/** The code unit of the 4 hex digits at `i` (after `\u`); throws when they are not 4 hex digits. */
function hex4(d: string, i: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const c = d.charCodeAt(i + k);
    let h: number;
    if (c >= 0x30 && c <= 0x39) h = c - 0x30;
    else if (c >= 0x41 && c <= 0x46) h = c - 0x37;
    else if (c >= 0x61 && c <= 0x66) h = c - 0x57;
    else throw jsonError(d, i + k, 'a hex digit of a \\u escape');
    v = v * 16 + h;
  }
  return v;
}

const OBJ = 1;
const ARR = 2;

/**
 * Validates one JSON value starting at `i` (after optional whitespace) and returns the index
 * just after it. This is serde_json's ignore_value: iterative with an explicit stack and no
 * depth limit, full grammar, lone-surrogate \u escapes accepted, nested duplicate keys allowed.
 */
function skipValue(d: string, i: number): number {
  const stack: number[] = [];
  for (;;) {
    i = skipWs(d, i);
    let c = d.charCodeAt(i);
    switch (c) {
      case 0x22:
        i = skipString(d, i + 1);
        break;
      case 0x7b:
        i = skipWs(d, i + 1);
        c = d.charCodeAt(i);
        if (c === 0x7d) {
          i++;
          break;
        }
        if (c !== 0x22) throw jsonError(d, i, 'a string key or "}"');
        i = skipWs(d, skipString(d, i + 1));
        if (d.charCodeAt(i) !== 0x3a) throw jsonError(d, i, '":"');
        i++;
        stack.push(OBJ);
        continue;
      case 0x5b:
        i = skipWs(d, i + 1);
        if (d.charCodeAt(i) === 0x5d) {
          i++;
          break;
        }
        stack.push(ARR);
        continue;
      case 0x74:
        i = skipLiteral(d, i, 'true');
        break;
      case 0x66:
        i = skipLiteral(d, i, 'false');
        break;
      case 0x6e:
        i = skipLiteral(d, i, 'null');
        break;
      default:
        if (c === 0x2d || isDigit(c)) {
          i = skipNumber(d, i);
          break;
        }
        throw jsonError(d, i, 'a JSON value');
    }
    // A value just ended: close finished containers, or step to the next element/member.
    for (;;) {
      const depth = stack.length;
      if (depth === 0) return i;
      const top = stack[depth - 1];
      i = skipWs(d, i);
      c = d.charCodeAt(i);
      if (c === 0x2c) {
        i = skipWs(d, i + 1);
        c = d.charCodeAt(i);
        if (top === OBJ) {
          if (c === 0x7d) throw trailingComma(d, i);
          if (c !== 0x22) throw jsonError(d, i, 'a string key');
          i = skipWs(d, skipString(d, i + 1));
          if (d.charCodeAt(i) !== 0x3a) throw jsonError(d, i, '":"');
          i++;
        } else if (c === 0x5d) {
          throw trailingComma(d, i);
        }
        break;
      }
      if ((top === OBJ && c === 0x7d) || (top === ARR && c === 0x5d)) {
        stack.pop();
        i++;
        continue;
      }
      throw jsonError(d, i, top === OBJ ? '"," or "}"' : '"," or "]"');
    }
  }
}

// Characters that need no attention inside a string. Long runs are skipped by the regex engine
// (native code); short strings stay in the loop, where a regex call would cost more than it saves.
// eslint-disable-next-line no-control-regex -- U+0000..U+001F are exactly what JSON forbids unescaped
const STRING_RUN = /[^"\\\u0000-\u001f]*/y;
const RUN_BEFORE_REGEX = 16;

/**
 * Skips a string body starting after the opening quote; returns the index after the closing
 * quote. serde_json's ignore_str: raw control characters are errors, escapes must be valid,
 * but a \u escape is not checked for surrogate pairing.
 */
function skipString(d: string, i: number): number {
  let run = 0;
  for (;;) {
    const c = d.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      const e = d.charCodeAt(i + 1);
      if (e === 0x75) {
        hex4(d, i + 2);
        i += 6;
      } else if (simpleEscape(e) !== undefined) {
        i += 2;
      } else {
        throw invalidEscape(d, i);
      }
    } else if (c >= 0x20) {
      i++;
      if (++run === RUN_BEFORE_REGEX) {
        STRING_RUN.lastIndex = i;
        STRING_RUN.test(d);
        i = STRING_RUN.lastIndex;
        run = 0;
      }
    } else if (Number.isNaN(c)) {
      throw jsonError(d, i, 'a closing quote');
    } else {
      throw controlChar(d, i);
    }
  }
}

/** Skips a JSON number (RFC 8259 grammar: no leading zeros, no "+", digits after "." and "e"). */
function skipNumber(d: string, i: number): number {
  if (d.charCodeAt(i) === 0x2d) i++;
  const c = d.charCodeAt(i);
  if (c === 0x30) {
    i++;
    if (isDigit(d.charCodeAt(i))) {
      throw new Corrupt(`d is not valid JSON: number with a leading zero at byte ${byteOffset(d, i - 1)}`);
    }
  } else if (isDigit(c)) {
    i++;
    while (isDigit(d.charCodeAt(i))) i++;
  } else {
    throw jsonError(d, i, 'a digit');
  }
  if (d.charCodeAt(i) === 0x2e) {
    i++;
    if (!isDigit(d.charCodeAt(i))) throw jsonError(d, i, 'a digit after "."');
    while (isDigit(d.charCodeAt(i))) i++;
  }
  const e = d.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    i++;
    const sign = d.charCodeAt(i);
    if (sign === 0x2b || sign === 0x2d) i++;
    if (!isDigit(d.charCodeAt(i))) throw jsonError(d, i, 'a digit in the exponent');
    while (isDigit(d.charCodeAt(i))) i++;
  }
  return i;
}

function skipLiteral(d: string, i: number, word: string): number {
  for (let k = 1; k < word.length; k++) {
    if (d.charCodeAt(i + k) !== word.charCodeAt(k)) throw jsonError(d, i + k, JSON.stringify(word));
  }
  return i + word.length;
}

// ---------------------------------------------------------------------------------------------
// Character helpers and reasons
// ---------------------------------------------------------------------------------------------

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** JSON whitespace only: serde_json skips exactly these four. */
function isJsonWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipWs(d: string, i: number): number {
  for (;;) {
    const c = d.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

function describeKind(c: number): string {
  if (c === 0x22) return 'a string';
  if (c === 0x74 || c === 0x66) return 'a boolean';
  if (c === 0x6e) return 'null';
  return 'a number';
}

/** Readable name of the character at `i`: `"x"` for printable ASCII, `U+XXXX` otherwise. */
function describeChar(d: string, i: number): string {
  const cp = d.codePointAt(i);
  if (cp === undefined) return 'end of input';
  if (cp > 0x20 && cp < 0x7f) return JSON.stringify(String.fromCharCode(cp));
  return 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
}

function jsonError(d: string, i: number, expected: string): Corrupt {
  return new Corrupt(
    `d is not valid JSON: unexpected ${describeChar(d, i)} at byte ${byteOffset(d, i)} (expected ${expected})`,
  );
}

function trailingComma(d: string, i: number): Corrupt {
  return new Corrupt(`d is not valid JSON: trailing comma before ${describeChar(d, i)} at byte ${byteOffset(d, i)}`);
}

function controlChar(d: string, i: number): Corrupt {
  return new Corrupt(
    `d is not valid JSON: unescaped control character ${describeChar(d, i)} in a string at byte ${byteOffset(d, i)}`,
  );
}

function invalidEscape(d: string, i: number): Corrupt {
  const e = d.charCodeAt(i + 1);
  const what = Number.isNaN(e) ? 'end of input' : describeChar(d, i + 1);
  return new Corrupt(`d is not valid JSON: invalid escape "\\" followed by ${what} at byte ${byteOffset(d, i)}`);
}

function loneSurrogateKey(d: string, i: number): Corrupt {
  return new Corrupt(
    `d is not valid JSON: object key has an unpaired surrogate escape ${clip(d.slice(i, i + 6))} at byte ${byteOffset(d, i)}`,
  );
}

function duplicateField(d: string, name: string, keyAt: number): Corrupt {
  return new Corrupt(`duplicate field "${name}" at byte ${byteOffset(d, keyAt)}`);
}

function notUtf8Text(d: string, index: number): DecodeResult {
  return {
    ok: false,
    reason: `d is not valid UTF-8 (unpaired UTF-16 surrogate at byte ${byteOffset(d, index)})`,
  };
}

/** Values quoted in reasons are cut to about 40 characters so a 5 MB value stays readable. */
function clip(text: string): string {
  if (text.length <= 40) return text;
  return text.slice(0, 40) + `… (${text.length} characters)`;
}

/** The UTF-8 byte offset of string index `index` (reasons count bytes, as Redis stores them). */
function byteOffset(d: string, index: number): number {
  let bytes = 0;
  const end = Math.min(index, d.length);
  for (let k = 0; k < end; k++) {
    const c = d.charCodeAt(k);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && k + 1 < d.length) {
      const lo = d.charCodeAt(k + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        bytes += 4;
        k++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes + Math.max(0, index - d.length);
}

const LONE_SURROGATE = /\p{Cs}/u;
const nativeIsWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/**
 * Index of the first unpaired surrogate code unit, or -1. A JS string holding one cannot have
 * come from UTF-8 bytes, so it is rejected like invalid UTF-8 up front; the scanners then never
 * see one.
 */
function loneSurrogateIndex(d: string): number {
  if (nativeIsWellFormed ? nativeIsWellFormed.call(d) : !LONE_SURROGATE.test(d)) return -1;
  return d.search(LONE_SURROGATE);
}

// ---------------------------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------------------------

/**
 * Offset of the first byte of the first ill-formed UTF-8 sequence (Unicode 15 table 3-7:
 * no overlongs, no surrogates, nothing above U+10FFFF), or -1 when `bytes` is valid UTF-8.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  return firstInvalidUtf8From(bytes, 0, bytes.length);
}

/** Whether `bytes[start..end)` is well-formed UTF-8. */
function isUtf8Range(bytes: Uint8Array, start: number, end: number): boolean {
  return firstInvalidUtf8From(bytes, start, end) < 0;
}

/** {@link firstInvalidUtf8} on `bytes[start..end)`; the offset returned counts from `start`. */
function firstInvalidUtf8From(bytes: Uint8Array, start: number, end: number): number {
  const n = end;
  let i = start;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) {
      need = 2;
      lo = 0xa0;
    } else if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) need = 2;
    else if (b === 0xed) {
      need = 2;
      hi = 0x9f;
    } else if (b === 0xf0) {
      need = 3;
      lo = 0x90;
    } else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else if (b === 0xf4) {
      need = 3;
      hi = 0x8f;
    } else return i - start;
    if (i + need >= n) return i - start;
    const b1 = bytes[i + 1]!;
    if (b1 < lo || b1 > hi) return i - start;
    for (let k = 2; k <= need; k++) {
      const bk = bytes[i + k]!;
      if (bk < 0x80 || bk > 0xbf) return i - start;
    }
    i += need + 1;
  }
  return -1;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (RFC 4648 alphabet, `=` padding) of `bytes`, without Buffer or btoa. */
export function base64Encode(bytes: Uint8Array): string {
  const parts: string[] = [];
  let out = '';
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[v >>> 18]! + B64[(v >>> 12) & 63]! + B64[(v >>> 6) & 63]! + B64[v & 63]!;
    // Flush in chunks so a multi-megabyte value does not build one deep rope.
    if (out.length >= 8192) {
      parts.push(out);
      out = '';
    }
  }
  const rest = n - i;
  if (rest === 1) {
    const v = bytes[i]! << 16;
    out += B64[v >>> 18]! + B64[(v >>> 12) & 63]! + '==';
  } else if (rest === 2) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[v >>> 18]! + B64[(v >>> 12) & 63]! + B64[(v >>> 6) & 63]! + '=';
  }
  parts.push(out);
  return parts.join('');
}

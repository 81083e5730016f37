/**
 * Canonical decimal text for the unsigned integer types net-mesh puts on the wire
 * (u64 for `t`, stream-id parts and dedup-id ordinals; u16 for shard ids).
 * Values stay as bigint or decimal strings: a u64 does not fit a JS number.
 */

export const U64_MAX = 0xffff_ffff_ffff_ffffn;
export const U64_MAX_TEXT = '18446744073709551615';
export const U16_MAX = 65535;

/** True when `v` is a bigint in 0..2^64-1. */
export function isU64(v: bigint): boolean {
  return v >= 0n && v <= U64_MAX;
}

/**
 * True when `text` is the canonical decimal form of a u64: digits only, no sign, no leading
 * zero except "0" itself, at most 18446744073709551615. This is exactly the text Rust's
 * `Display for u64` produces, so it round-trips with what net-mesh writes.
 */
export function isCanonicalU64Text(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 20) return false;
  if (n > 1 && text.charCodeAt(0) === 0x30) return false;
  for (let k = 0; k < n; k++) {
    const c = text.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return false;
  }
  // Same-length digit strings compare numerically when compared lexically.
  return n < 20 || text <= U64_MAX_TEXT;
}

/** The value of a canonical u64 decimal text, or null when `text` is not canonical. */
export function parseCanonicalU64(text: string): bigint | null {
  return isCanonicalU64Text(text) ? BigInt(text) : null;
}

/** True when `text` is the canonical decimal form of a u16 (0..65535, no leading zeros, no sign). */
export function isCanonicalU16Text(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 5) return false;
  if (n > 1 && text.charCodeAt(0) === 0x30) return false;
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = text.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return false;
    v = v * 10 + (c - 0x30);
  }
  return v <= U16_MAX;
}

/** True when `v` is an integer number in 0..65535. */
export function isU16(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= U16_MAX;
}

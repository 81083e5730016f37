/**
 * Where a corrupt entry goes wrong (issue 13): the reasons shared/wire.ts gives carry UTF-8 byte
 * offsets into the stored `d` ("duplicate field "r" at byte 271", "d is not valid UTF-8 (byte
 * 7)"), or name a field ("t" is not an unsigned 64-bit integer). These map a reason to the byte
 * range to highlight, and byte offsets to string indexes of `d` as the UI holds it (UTF-16).
 * Pure: no DOM.
 */
import { membersOf, rootSpan } from '../../../shared/json-text';

/** A half-open range [start, end). */
export interface Range {
  start: number;
  end: number;
}

/** The byte offset a reason names ("at byte N", "(byte N)"), or null. */
export function reasonByteOffset(reason: string): number | null {
  const m = /\bbyte (\d+)\)?(?!.*\bbyte \d)/.exec(reason);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : null;
}

/** The string index of UTF-8 byte offset `byte` of `text` (text.length past the end; inside a character, that character's index). */
export function charIndexAtByte(text: string, byte: number): number {
  let b = 0;
  for (let i = 0; i < text.length; i++) {
    if (b >= byte) return i;
    const c = text.charCodeAt(i);
    if (c < 0x80) b += 1;
    else if (c < 0x800) b += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      if (b + 4 > byte) return i;
      b += 4;
      i++;
    } else b += 3;
    if (b > byte) return i;
  }
  return text.length;
}

/** The UTF-8 byte offset of string index `index` of `text`. */
export function byteAtCharIndex(text: string, index: number): number {
  let b = 0;
  for (let i = 0; i < index && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) b += 1;
    else if (c < 0x800) b += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      b += 4;
      i++;
    } else b += 3;
  }
  return b;
}

/** End (exclusive) of the JSON string literal opening at `i` (text[i] is '"'), or text.length. */
function stringEnd(text: string, i: number): number {
  for (let k = i + 1; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x5c) k++;
    else if (c === 0x22) return k + 1;
  }
  return text.length;
}

/** End (exclusive) of the code point at `i`. */
function codePointEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? i + 2 : Math.min(text.length, i + 1);
}

/**
 * The part of `d` (as text) a reason blames, as string indexes, or null when the reason names no
 * place. A string literal (a duplicate key, a bad escape's string) is blamed whole, trailing
 * characters up to the end, a number with a leading zero as the number, anything else as the one
 * character at the offset; `"t"`/`"s"` reasons blame that member's value; a BOM its 3 bytes.
 */
export function blamedRange(reason: string, d: string): Range | null {
  if (d.length === 0) return null;
  if (reason.includes('byte order mark')) return { start: 0, end: d.charCodeAt(0) === 0xfeff ? 1 : Math.min(3, d.length) };
  const field = /^"([ts])" is /.exec(reason);
  if (field) {
    const root = rootSpan(d);
    if (!root || root.kind !== 'object') return null;
    const m = membersOf(d, root.start).members.find((x) => x.keyRaw === `"${field[1]}"`);
    return m ? { start: m.start, end: m.end } : null;
  }
  const byte = reasonByteOffset(reason);
  if (byte === null) return null;
  const i = charIndexAtByte(d, byte);
  if (i >= d.length) return { start: Math.max(0, d.length - 1), end: d.length };
  if (reason.startsWith('trailing characters')) return { start: i, end: d.length };
  if (reason.includes('leading zero')) {
    let k = i;
    while (k < d.length && /[-+0-9.eE]/.test(d[k] as string)) k++;
    return { start: i, end: Math.max(k, i + 1) };
  }
  if (d.charCodeAt(i) === 0x22 && (reason.startsWith('duplicate field') || reason.includes('surrogate'))) return { start: i, end: stringEnd(d, i) };
  return { start: i, end: codePointEnd(d, i) };
}

/** For `d` that is not UTF-8: the one byte a reason names, as a byte range, or null. */
export function blamedBytes(reason: string, byteLength: number): Range | null {
  const byte = reasonByteOffset(reason);
  if (byte === null || byte >= byteLength) return null;
  return { start: byte, end: byte + 1 };
}

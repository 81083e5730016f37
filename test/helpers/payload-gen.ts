/**
 * Generators of `d` payloads for equivalence tests (deterministic from a seed): valid JSON in the
 * producer's layout and in every other form net-mesh's reader accepts, random edits of them, and
 * byte-level damage (invalid UTF-8 of every kind) the text generator cannot express.
 */
import { encodePayload } from '../../shared/wire';

/** Deterministic PRNG (mulberry32) so a failure reproduces from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
export const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
export const int = (rand: Rand, n: number): number => Math.floor(rand() * n);

export const WS = ['', '', '', ' ', '\n', '\t', '\r\n  '];
export const STRING_BODIES = ['', 'a', 'hello world', 'é', '😀', '\\"', '\\\\', '\\/', '\\n\\t', '\\u0041', '\\ud800', '\\udc00x', '\\ud83d\\ude00', 'x'.repeat(40), '\u2028', '\u007f'];
export const NUMBERS = ['0', '-0', '7', '-12', '3.25', '-0.5e-7', '1E+9', '12345678901234567890123', '1e400'];

/** A random valid JSON value (as text), with random insignificant whitespace. */
export function jsonValue(rand: Rand, depth: number): string {
  const w = () => pick(rand, WS);
  const roll = depth > 3 ? int(rand, 4) : int(rand, 6);
  switch (roll) {
    case 0:
      return `"${pick(rand, STRING_BODIES)}"`;
    case 1:
      return pick(rand, NUMBERS);
    case 2:
      return pick(rand, ['true', 'false', 'null']);
    case 3:
      return pick(rand, ['{}', '[]', '""']);
    case 4: {
      const n = 1 + int(rand, 3);
      const items = Array.from({ length: n }, () => w() + jsonValue(rand, depth + 1) + w());
      return '[' + items.join(',') + ']';
    }
    default: {
      const n = 1 + int(rand, 3);
      const keys = ['a', 'r', 't', 's', 'x', '\\u0072', 'a'];
      const members = Array.from({ length: n }, () => `${w()}"${pick(rand, keys)}"${w()}:${w()}${jsonValue(rand, depth + 1)}${w()}`);
      return '{' + members.join(',') + '}';
    }
  }
}

export const T_VALUES = ['0', '1', '1702123456789', '9007199254740993', '18446744073709551615'];
export const S_VALUES = ['0', '3', '65535'];

/** A payload in the producer's layout. */
export function producerPayload(rand: Rand): string {
  return encodePayload(jsonValue(rand, 0), BigInt(pick(rand, T_VALUES)), Number(pick(rand, S_VALUES)));
}

/** A payload with the fields shuffled, optional, escaped, duplicated, extra keys, or the array form. */
export function variedPayload(rand: Rand): string {
  const w = () => pick(rand, WS);
  if (rand() < 0.15) {
    const parts = [jsonValue(rand, 0)];
    if (rand() < 0.7) parts.push(pick(rand, T_VALUES));
    if (parts.length === 2 && rand() < 0.7) parts.push(pick(rand, S_VALUES));
    return w() + '[' + parts.map((p) => w() + p + w()).join(',') + ']' + w();
  }
  const members: string[] = [];
  members.push(`"${pick(rand, ['r', 'r', 'r', '\\u0072', 'R'])}":${w()}${jsonValue(rand, 0)}`);
  if (rand() < 0.8) members.push(`"${pick(rand, ['t', 't', '\\u0074'])}":${pick(rand, [...T_VALUES, '-1', '1.0', '18446744073709551616', 'null'])}`);
  if (rand() < 0.8) members.push(`"s":${pick(rand, [...S_VALUES, '65536', '-1', '"3"'])}`);
  if (rand() < 0.3) members.push(`"${pick(rand, ['x', 'extra', 'r', 't', 's'])}":${jsonValue(rand, 1)}`);
  for (let k = members.length - 1; k > 0; k--) {
    if (rand() < 0.3) {
      const j = int(rand, k + 1);
      [members[k], members[j]] = [members[j]!, members[k]!];
    }
  }
  return w() + '{' + members.map((m) => w() + m + w()).join(',') + '}' + w();
}

export const MUTATION_CHARS = ['{', '}', '[', ']', '"', ',', ':', '\\', ' ', '\n', '0', '1', '9', '-', '+', '.', 'e', 'E', 't', 'f', 'n', 'u', 'l', 'x', '\u0001', 'é', '😀', '\ufeff', '\u00a0'];
export const SNIPPETS = [',"t":5', ',"s":70000', ',"r":1', ',"x":1', ',"t":-1', ',"s":1.5', ' ', '}', ']', '"', '\\u0072', ',"t":01', ',"t":18446744073709551616'];

/** 1-3 random edits of a payload: character insert/delete/replace, snippet insert, cut, duplicate. */
export function mutate(rand: Rand, d: string): string {
  let out = d;
  const edits = 1 + int(rand, 3);
  for (let e = 0; e < edits; e++) {
    const at = int(rand, out.length + 1);
    switch (int(rand, 7)) {
      case 0:
        out = out.slice(0, at) + pick(rand, MUTATION_CHARS) + out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + 1);
        break;
      case 2:
        out = out.slice(0, at) + pick(rand, MUTATION_CHARS) + out.slice(at + 1);
        break;
      case 3:
        out = out.slice(0, at) + pick(rand, SNIPPETS) + out.slice(at);
        break;
      case 4:
        out = out.slice(0, at);
        break;
      case 5: {
        const len = int(rand, 8);
        out = out.slice(0, at) + out.slice(at, at + len) + out.slice(at);
        break;
      }
      default: {
        // Digit edits near the end hit the fast path's t/s parsing.
        const k = Math.max(0, out.length - 1 - int(rand, 30));
        out = out.slice(0, k) + pick(rand, ['0', '9', '', '-', '.', ',']) + out.slice(k + 1);
      }
    }
  }
  return out;
}

/** Byte-level damage the text generator cannot express: invalid UTF-8 of every kind. */
export const BAD_UTF8: readonly number[][] = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xef, 0xbb, 0xbf]];

export function mutateBytes(rand: Rand, bytes: Uint8Array): Uint8Array {
  const at = int(rand, bytes.length + 1);
  const insert = pick(rand, BAD_UTF8);
  const out = new Uint8Array(bytes.length + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at), at + insert.length);
  return out;
}


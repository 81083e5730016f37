import { describe, expect, it } from 'vitest';
import { decodePayload, decodePayloadBytes, decodePayloadFull, encodePayload, fastShardOfBytes, tryFastDecode } from '../../shared/wire';

/** Deterministic PRNG (mulberry32) so a failure reproduces from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (rand: Rand, n: number): number => Math.floor(rand() * n);

const WS = ['', '', '', ' ', '\n', '\t', '\r\n  '];
const STRING_BODIES = ['', 'a', 'hello world', 'é', '😀', '\\"', '\\\\', '\\/', '\\n\\t', '\\u0041', '\\ud800', '\\udc00x', '\\ud83d\\ude00', 'x'.repeat(40), '\u2028', '\u007f'];
const NUMBERS = ['0', '-0', '7', '-12', '3.25', '-0.5e-7', '1E+9', '12345678901234567890123', '1e400'];

/** A random valid JSON value (as text), with random insignificant whitespace. */
function jsonValue(rand: Rand, depth: number): string {
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

const T_VALUES = ['0', '1', '1702123456789', '9007199254740993', '18446744073709551615'];
const S_VALUES = ['0', '3', '65535'];

/** A payload in the producer's layout. */
function producerPayload(rand: Rand): string {
  return encodePayload(jsonValue(rand, 0), BigInt(pick(rand, T_VALUES)), Number(pick(rand, S_VALUES)));
}

/** A payload with the fields shuffled, optional, escaped, duplicated, extra keys, or the array form. */
function variedPayload(rand: Rand): string {
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

const MUTATION_CHARS = ['{', '}', '[', ']', '"', ',', ':', '\\', ' ', '\n', '0', '1', '9', '-', '+', '.', 'e', 'E', 't', 'f', 'n', 'u', 'l', 'x', '\u0001', 'é', '😀', '\ufeff', '\u00a0'];
const SNIPPETS = [',"t":5', ',"s":70000', ',"r":1', ',"x":1', ',"t":-1', ',"s":1.5', ' ', '}', ']', '"', '\\u0072', ',"t":01', ',"t":18446744073709551616'];

/** 1-3 random edits of a payload: character insert/delete/replace, snippet insert, cut, duplicate. */
function mutate(rand: Rand, d: string): string {
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

function jsonParses(d: string): boolean {
  try {
    JSON.parse(d);
    return true;
  } catch {
    return false;
  }
}

describe('decodePayload fast path vs full scanner', () => {
  it('gives identical results on 30,000 generated payloads and their mutations', () => {
    const rand = prng(0x5eed);
    let fastHits = 0;
    let ok = 0;
    let corrupt = 0;
    const total = 30_000;
    for (let n = 0; n < total; n++) {
      const base = n % 3 === 0 ? variedPayload(rand) : producerPayload(rand);
      const d = n % 4 === 0 ? base : mutate(rand, base);
      const viaDecode = decodePayload(d);
      const viaFull = decodePayloadFull(d);
      if (JSON.stringify(viaDecode) !== JSON.stringify(viaFull)) {
        throw new Error(`paths disagree on ${JSON.stringify(d)}:\n${JSON.stringify(viaDecode)}\n${JSON.stringify(viaFull)}`);
      }
      if (tryFastDecode(d) !== undefined) fastHits++;
      if (viaFull.ok) ok++;
      else corrupt++;
    }
    // The generator must exercise both paths and both outcomes to mean anything.
    expect(fastHits).toBeGreaterThan(total / 6);
    expect(ok).toBeGreaterThan(total / 5);
    expect(corrupt).toBeGreaterThan(total / 5);
  });

  it('agrees with JSON.parse on grammar: JSON.parse rejects => corrupt; ok => JSON.parse accepts and r parses to the same value', () => {
    const rand = prng(0xc0ffee);
    for (let n = 0; n < 20_000; n++) {
      const base = n % 2 === 0 ? variedPayload(rand) : producerPayload(rand);
      const d = n % 5 === 0 ? base : mutate(rand, base);
      const result = decodePayload(d);
      const parses = jsonParses(d);
      if (!parses) {
        if (result.ok) throw new Error(`accepted text JSON.parse rejects: ${JSON.stringify(d)}`);
        continue;
      }
      if (!result.ok) continue;
      const whole: unknown = JSON.parse(d);
      const rValue: unknown = JSON.parse(result.r);
      if (Array.isArray(whole)) {
        expect(whole[0]).toEqual(rValue);
      } else {
        expect((whole as { r: unknown }).r).toEqual(rValue);
        // r is a substring of d, never re-serialized.
        expect(d.includes(result.r)).toBe(true);
      }
      expect(result.t).toMatch(/^(0|[1-9][0-9]*)$/);
      expect(BigInt(result.t) <= 18446744073709551615n).toBe(true);
      expect(Number.isInteger(result.s) && result.s >= 0 && result.s <= 65535).toBe(true);
    }
  });

  it('takes the fast path for every payload the producer writes', () => {
    const rand = prng(7);
    for (let n = 0; n < 5000; n++) {
      const raw = jsonValue(rand, 0);
      const d = encodePayload(raw, BigInt(pick(rand, T_VALUES)), Number(pick(rand, S_VALUES)));
      const fast = tryFastDecode(d);
      expect(fast).toEqual(decodePayloadFull(d));
      expect(fast?.ok && fast.r).toBe(raw);
    }
  });

  it('leaves producer-shaped payloads with whitespace around r to the scanner, which trims it', () => {
    const d = '{"r": {"a":1} ,"t":1,"s":2}';
    expect(tryFastDecode(d)).toBeUndefined();
    expect(decodePayload(d)).toEqual({ ok: true, r: '{"a":1}', t: '1', s: 2 });
  });

  it('never takes the fast path for a t above u64 max or an s above 65535', () => {
    expect(tryFastDecode('{"r":1,"t":18446744073709551616,"s":0}')).toBeUndefined();
    expect(tryFastDecode('{"r":1,"t":1,"s":65536}')).toBeUndefined();
    expect(tryFastDecode('{"r":1,"t":01,"s":0}')).toBeUndefined();
    expect(tryFastDecode('{"r":1,"t":1,"s":1,"t":1,"s":1}')).toBeUndefined();
  });
});

/** Byte-level damage the text generator cannot express: invalid UTF-8 of every kind. */
const BAD_UTF8: readonly number[][] = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xef, 0xbb, 0xbf]];

function mutateBytes(rand: Rand, bytes: Uint8Array): Uint8Array {
  const at = int(rand, bytes.length + 1);
  const insert = pick(rand, BAD_UTF8);
  const out = new Uint8Array(bytes.length + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at), at + insert.length);
  return out;
}

describe('fastShardOfBytes (the scan fast path) vs decodePayloadBytes', () => {
  it('answers only "ok with this s", and only when decodePayloadBytes does, on 30,000 generated byte payloads', () => {
    const rand = prng(0xb17e5);
    const encoder = new TextEncoder();
    let hits = 0;
    let okMissed = 0;
    let corrupt = 0;
    const total = 30_000;
    for (let n = 0; n < total; n++) {
      const base = n % 3 === 0 ? variedPayload(rand) : producerPayload(rand);
      const text = n % 4 === 0 ? base : mutate(rand, base);
      let bytes: Uint8Array = encoder.encode(text);
      if (n % 5 === 1) bytes = mutateBytes(rand, bytes);
      const full = decodePayloadBytes(bytes);
      const fast = fastShardOfBytes(bytes);
      if (fast >= 0) {
        hits++;
        if (!full.ok || full.s !== fast) {
          throw new Error(`fast path said s=${fast} where the decoder said ${JSON.stringify(full)} for ${JSON.stringify(text)} (${bytes.length} bytes)`);
        }
      } else if (full.ok) {
        okMissed++;
      } else {
        corrupt++;
      }
    }
    expect(hits).toBeGreaterThan(total / 8);
    expect(corrupt).toBeGreaterThan(total / 5);
    // Deferring is allowed (the scanner then decides) but must stay the exception for valid input.
    expect(okMissed).toBeLessThan(hits);
  });

  it('takes the fast path for every payload the producer writes, non-ASCII text included', () => {
    const rand = prng(11);
    const encoder = new TextEncoder();
    for (let n = 0; n < 5000; n++) {
      const shard = Number(pick(rand, S_VALUES));
      const bytes = encoder.encode(encodePayload(jsonValue(rand, 0), BigInt(pick(rand, T_VALUES)), shard));
      expect(fastShardOfBytes(bytes)).toBe(shard);
    }
  });

  it('defers on invalid UTF-8 inside r, a BOM, a t above u64 max and an s above 65535', () => {
    const enc = (t: string) => new TextEncoder().encode(t);
    const withByte = Uint8Array.from([...enc('{"r":"a'), 0xff, ...enc('","t":1,"s":2}')]);
    expect(fastShardOfBytes(withByte)).toBe(-1);
    expect(decodePayloadBytes(withByte).ok).toBe(false);
    expect(fastShardOfBytes(Uint8Array.from([0xef, 0xbb, 0xbf, ...enc('{"r":1,"t":1,"s":2}')]))).toBe(-1);
    expect(fastShardOfBytes(enc('{"r":1,"t":18446744073709551616,"s":2}'))).toBe(-1);
    expect(fastShardOfBytes(enc('{"r":1,"t":18446744073709551615,"s":65535}'))).toBe(65535);
    expect(fastShardOfBytes(enc('{"r":1,"t":1,"s":65536}'))).toBe(-1);
    expect(fastShardOfBytes(enc('{"r":"\\ud800","t":1,"s":3}'))).toBe(3);
  });
});

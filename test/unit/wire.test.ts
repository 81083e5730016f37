import { describe, expect, it } from 'vitest';
import {
  base64Encode,
  corruptText,
  decodePayload,
  decodePayloadBytes,
  decodePayloadFull,
  encodePayload,
  firstInvalidUtf8,
  tryFastDecode,
  type DecodeResult,
} from '../../shared/wire';
import { streamKey } from '../../shared/stream-key';
import { formatDedupId } from '../../shared/dedup-id';

const enc = new TextEncoder();

/** Decodes through both paths, checks they agree, and returns the (shared) result. */
function decode(d: string): DecodeResult {
  const result = decodePayload(d);
  expect(decodePayloadFull(d)).toEqual(result);
  return result;
}

function expectOk(d: string, r: string, t = '0', s = 0): void {
  expect(decode(d)).toEqual({ ok: true, r, t, s });
}

function expectCorrupt(d: string, reason?: RegExp | string): string {
  const result = decode(d);
  if (result.ok) throw new Error(`expected corrupt, got ok for ${JSON.stringify(d)}`);
  if (typeof reason === 'string') expect(result.reason).toBe(reason);
  else if (reason) expect(result.reason).toMatch(reason);
  return result.reason;
}

/** Minimal RESP bulk-string array encoder (redis-rs sends every argument as a bulk string). */
function resp(args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${enc.encode(a).length}\r\n${a}\r\n`).join('');
}

describe('encodePayload', () => {
  it('contract 1.4: encodes the 58-byte example payload exactly', () => {
    const d = encodePayload('{"token":"hello","index":42}', 1702123456789n, 3);
    expect(d).toBe('{"r":{"token":"hello","index":42},"t":1702123456789,"s":3}');
    expect(d.length).toBe(58);
    expect(enc.encode(d).length).toBe(58);
  });

  it('contract 1.2: together with streamKey and formatDedupId reproduces the example XADD RESP frame byte for byte', () => {
    const frame = resp([
      'XADD',
      streamKey('net', 3),
      '*',
      'd',
      encodePayload('{"token":"hello","index":42}', 1702123456789n, 3),
      'dedup_id',
      formatDedupId(0xdeadbeefcafef00dn, 3, 1000n, 0),
    ]);
    expect(frame).toBe(
      '*7\r\n$4\r\nXADD\r\n$11\r\nnet:shard:3\r\n$1\r\n*\r\n$1\r\nd\r\n$58\r\n{"r":{"token":"hello","index":42},"t":1702123456789,"s":3}\r\n$8\r\ndedup_id\r\n$25\r\ndeadbeefcafef00d:3:1000:0\r\n',
    );
  });

  it('contract 1.4: embeds the raw event verbatim (whitespace, key order, number formatting kept)', () => {
    const raw = '{ "z" : 1.50 ,\n "a":[ 1e3 , -0 ] }';
    expect(encodePayload(raw, 0n, 0)).toBe('{"r":' + raw + ',"t":0,"s":0}');
  });

  it('contract 1.4: does not validate the raw event (raw ingestion does no JSON validation)', () => {
    expect(encodePayload('not json', 1n, 1)).toBe('{"r":not json,"t":1,"s":1}');
  });

  it('contract 1.4: writes t as full u64 decimal, beyond 2^53, from a bigint or a decimal string', () => {
    expect(encodePayload('1', 18446744073709551615n, 65535)).toBe('{"r":1,"t":18446744073709551615,"s":65535}');
    expect(encodePayload('1', '9007199254740993', 0)).toBe('{"r":1,"t":9007199254740993,"s":0}');
  });

  it('writes a decimal-string t in canonical form (no leading zeros)', () => {
    expect(encodePayload('1', '007', 0)).toBe('{"r":1,"t":7,"s":0}');
  });

  it.each([
    [-1n],
    [18446744073709551616n],
    ['-1'],
    ['1.5'],
    ['1e3'],
    [''],
    [' 1'],
    ['18446744073709551616'],
  ])('throws RangeError for t = %s (not a u64)', (t) => {
    expect(() => encodePayload('1', t, 0)).toThrow(RangeError);
  });

  it.each([[-1], [65536], [1.5], [Number.NaN], [Infinity]])('throws RangeError for shard %s (not a u16)', (shard) => {
    expect(() => encodePayload('1', 0n, shard)).toThrow(RangeError);
  });

  it('round-trips through decodePayload for assorted raw events', () => {
    const raws = ['null', '0', '"x"', '[]', '{}', '{"a":[1,{"b":null}],"c":"\\u00e9"}', '12345678901234567890123', '"é😀"'];
    for (const raw of raws) {
      const d = encodePayload(raw, 42n, 7);
      expect(tryFastDecode(d)).toEqual({ ok: true, r: raw, t: '42', s: 7 });
      expectOk(d, raw, '42', 7);
    }
  });
});

describe('decodePayload: accepted payloads', () => {
  it('contract 1.4/1.5: decodes the example payload (fast path)', () => {
    const d = '{"r":{"token":"hello","index":42},"t":1702123456789,"s":3}';
    expect(tryFastDecode(d)).toEqual({ ok: true, r: '{"token":"hello","index":42}', t: '1702123456789', s: 3 });
    expectOk(d, '{"token":"hello","index":42}', '1702123456789', 3);
  });

  it('contract 7.8: keeps r byte-exact: whitespace and key order inside r are preserved', () => {
    const r = '{ "b" : 1,"a":[ 1 , 2 ],\n\t"c":{} }';
    expectOk(`{"r":${r},"t":1,"s":2}`, r, '1', 2);
  });

  it('contract 7.8: keeps big integers in r exactly as written', () => {
    expectOk('{"r":{"id":12345678901234567890123},"t":5,"s":1}', '{"id":12345678901234567890123}', '5', 1);
    expectOk('{"r":1.50e+300,"t":5,"s":1}', '1.50e+300', '5', 1);
  });

  it('contract 7.7: keeps t as an exact decimal string beyond 2^53, up to u64 max', () => {
    expectOk('{"r":1,"t":9007199254740993,"s":0}', '1', '9007199254740993', 0);
    expectOk('{"r":1,"t":18446744073709551615,"s":65535}', '1', '18446744073709551615', 65535);
    expectOk('{"r":1,"t":0,"s":0}', '1', '0', 0);
  });

  it('contract 3.26: accepts r: null', () => {
    expectOk('{"r":null,"t":1,"s":1}', 'null', '1', 1);
    expectOk('{"r":null}', 'null');
  });

  it('contract 3.24: a payload without t decodes as t = 0, without s as s = 0', () => {
    expectOk('{"r":1}', '1', '0', 0);
    expectOk('{"r":1,"s":9}', '1', '0', 9);
    expectOk('{"r":1,"t":9}', '1', '9', 0);
  });

  it('contract 1.5: accepts the fields in any order', () => {
    expectOk('{"s":4,"t":9,"r":[1]}', '[1]', '9', 4);
    expectOk('{"t":9,"r":"x","s":4}', '"x"', '9', 4);
  });

  it('contract 1.5: ignores unknown keys (any valid JSON value, nested t/s/r inside them included)', () => {
    expectOk('{"r":1,"extra":{"deep":[1,2,{"t":"x","r":null}]},"t":3}', '1', '3', 0);
    expectOk('{"x":null,"r":true,"y":[],"s":2}', 'true', '0', 2);
  });

  it('accepts repeated unknown keys (serde only rejects duplicates of r, t, s)', () => {
    expectOk('{"r":1,"x":1,"x":2,"x":3}', '1');
  });

  it('accepts duplicate keys nested inside r (the raw value is not interpreted)', () => {
    expectOk('{"r":{"a":1,"a":2}}', '{"a":1,"a":2}');
  });

  it('compares keys after unescaping: "\\u0072" is the key r, "\\u0074" is t', () => {
    expectOk('{"\\u0072":1}', '1');
    expectOk('{"\\u0074":5,"r":1,"\\u0073":2}', '1', '5', 2);
    expectOk('{"\\u0052":1,"r":2}', '2');
  });

  it('accepts a key with a valid surrogate-pair escape', () => {
    expectOk('{"\\ud83d\\ude00":1,"r":2}', '2');
  });

  it('accepts leading and trailing JSON whitespace (space, tab, LF, CR)', () => {
    expectOk(' \t\r\n{"r":1,"t":2,"s":3} \t\r\n', '1', '2', 3);
  });

  it('accepts whitespace between tokens, excluding it from r', () => {
    expectOk('{ "r" : {"a":1} , "t" : 2 , "s" : 3 }', '{"a":1}', '2', 3);
  });

  it('accepts lone surrogate escapes inside values (serde_json ignore path does not check them)', () => {
    expectOk('{"r":"\\ud800"}', '"\\ud800"');
    expectOk('{"r":{"\\udc00":"\\ud800x"}}', '{"\\udc00":"\\ud800x"}');
    expectOk('{"r":1,"x":{"\\ud800":"\\udfff"}}', '1');
  });

  it('accepts every JSON escape and non-ASCII text in strings', () => {
    expectOk('{"r":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u00E9"}', '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u00E9"');
    expectOk('{"r":"é😀\u2028\u007f"}', '"é😀\u2028\u007f"');
  });

  it('accepts every JSON number form in r', () => {
    for (const n of ['0', '-0', '1', '-1', '0.5', '-0.5e-7', '1E+2', '1e2', '123.456E-789', '-0.0']) {
      expectOk(`{"r":${n}}`, n);
    }
  });

  it('accepts the literals true, false, null', () => {
    for (const lit of ['true', 'false', 'null']) expectOk(`{"r":${lit}}`, lit);
  });

  describe('sequence form (derived from serde visit_seq)', () => {
    it('accepts [r], [r, t] and [r, t, s] with t and s defaulted', () => {
      expectOk('[{"a":1}]', '{"a":1}');
      expectOk('[1,2]', '1', '2', 0);
      expectOk('[null,5,6]', 'null', '5', 6);
      expectOk('[[1,2],3]', '[1,2]', '3', 0);
    });

    it('accepts whitespace and excludes it from r', () => {
      expectOk(' [ "x" , 2 , 3 ] ', '"x"', '2', 3);
    });

    it('rejects an empty array (r missing)', () => {
      expectCorrupt('[]', /no "r"/);
      expectCorrupt('[ ]', /no "r"/);
    });

    it('rejects more than 3 elements', () => {
      expectCorrupt('[1,2,3,4]', /more than 3 elements/);
    });

    it('applies the same t and s rules as the object form', () => {
      expectCorrupt('[1,-2]', /"t" is not an unsigned 64-bit integer: -2/);
      expectCorrupt('[1,2,70000]', /"s" is out of range 0\.\.65535: 70000/);
      expectCorrupt('[1,null]', /"t"/);
    });

    it('rejects trailing commas and trailing characters', () => {
      expectCorrupt('[1,]', /trailing comma/);
      expectCorrupt('[1,2,3,]', /trailing comma/);
      expectCorrupt('[1,2,3] x', /trailing characters after the JSON array at byte 8/);
      expectCorrupt('[1 2]', /unexpected "2"/);
      expectCorrupt('[1', /end of input/);
    });
  });
});

describe('decodePayload: corrupt payloads (contract 3.23)', () => {
  it('reports invalid JSON with the character and its byte offset', () => {
    expect(expectCorrupt('{"r":[1,2],x}')).toMatch(/^d is not valid JSON: unexpected "x" at byte 11/);
  });

  it('counts byte offsets in UTF-8 bytes, not UTF-16 units', () => {
    expectCorrupt('{"r":"é😀"x}', /unexpected "x" at byte 13/);
  });

  it.each([
    ['{"r":1', /end of input/],
    ['{"r"', /end of input/],
    ['{"r":', /end of input/],
    ['{"r":"abc', /end of input/],
    ['{', /end of input/],
    ['{"r":[1,2,]}', /trailing comma/],
    ['{"r":{"a":1,}}', /trailing comma/],
    ['{"r":1,}', /trailing comma/],
    ['{"r":{"a" 1}}', /unexpected "1"/],
    ['{"r":{1:2}}', /unexpected "1"/],
    ["{'r':1}", /unexpected "'"/],
    ['{"r":[1 2]}', /unexpected "2"/],
    ['{"r":1,,"t":1}', /unexpected ","/],
    ['{,"r":1}', /unexpected ","/],
    ['{"r":1 "t":1}', /unexpected "\\""/],
    ['{"r":1]', /unexpected "]"/],
    ['{"r":[1}', /unexpected "}"/],
  ])('rejects malformed structure %s', (d, reason) => {
    expectCorrupt(d, reason);
  });

  it.each(['+1', '.5', '1.', '1e', '1e+', '01', '-', '-a', 'NaN', 'Infinity', '-Infinity', '0x10', '1_000', '--1'])(
    'rejects the invalid number %s in r',
    (n) => {
      expectCorrupt(`{"r":${n}}`, /^d is not valid JSON/);
    },
  );

  it.each(['nul', 'True', 'nulll', 'fals', 'undefined', 't'])('rejects the invalid literal %s', (lit) => {
    expectCorrupt(`{"r":${lit}}`, /^d is not valid JSON/);
  });

  it.each([
    ['\\x', /invalid escape/],
    ['\\u12', /hex digit/],
    ['\\u12G4', /hex digit/],
    ["\\'", /invalid escape/],
    ['\t', /control character U\+0009/],
    ['\n', /control character U\+000A/],
    ['\u0000', /control character U\+0000/],
    ['\u001f', /control character U\+001F/],
  ])('rejects the bad string content %j', (body, reason) => {
    expectCorrupt(`{"r":"a${body}b"}`, reason);
  });

  it('rejects a backslash at the very end of the payload', () => {
    expectCorrupt('{"r":"a\\', /invalid escape "\\" followed by end of input/);
  });

  it('rejects invalid JSON inside an unknown key value (it must still be valid JSON)', () => {
    expectCorrupt('{"r":1,"x":tru}', /^d is not valid JSON/);
    expectCorrupt('{"r":1,"x":[1,]}', /trailing comma/);
  });

  it('rejects whitespace other than space, tab, LF, CR', () => {
    expectCorrupt('\f{"r":1}', /U\+000C/);
    expectCorrupt('{"r":\u00a01}', /U\+00A0/);
    expectCorrupt('{"r":1}\u000b', /trailing characters/);
  });

  it('contract 1.5: rejects a payload with no "r" field', () => {
    expectCorrupt('{}', 'd has no "r" field');
    expectCorrupt('{"t":1,"s":2}', 'd has no "r" field');
    expectCorrupt('{"R":1}', 'd has no "r" field');
    expectCorrupt('{"r ":1}', 'd has no "r" field');
  });

  it('reports the missing "r" before any trailing characters, as serde_json does', () => {
    expectCorrupt('{"t":1} x', 'd has no "r" field');
  });

  it.each([
    ['-5', '"t" is not an unsigned 64-bit integer: -5'],
    ['-0', '"t" is not an unsigned 64-bit integer: -0'],
    ['1.0', '"t" is not an unsigned 64-bit integer: 1.0'],
    ['1e3', '"t" is not an unsigned 64-bit integer: 1e3'],
    ['1E3', '"t" is not an unsigned 64-bit integer: 1E3'],
    ['18446744073709551616', '"t" is not an unsigned 64-bit integer: 18446744073709551616'],
    ['99999999999999999999999', '"t" is not an unsigned 64-bit integer: 99999999999999999999999'],
    ['null', '"t" is not an unsigned 64-bit integer: null'],
    ['"5"', '"t" is not an unsigned 64-bit integer: "5"'],
    ['true', '"t" is not an unsigned 64-bit integer: true'],
    ['[1]', '"t" is not an unsigned 64-bit integer: [1]'],
    ['{}', '"t" is not an unsigned 64-bit integer: {}'],
  ])('contract 3.23: rejects t = %s', (t, reason) => {
    expectCorrupt(`{"r":1,"t":${t},"s":0}`, reason);
  });

  it('truncates a long offending value in the reason', () => {
    const reason = expectCorrupt(`{"r":1,"t":"${'x'.repeat(5000)}"}`);
    expect(reason.startsWith('"t" is not an unsigned 64-bit integer: "xxxx')).toBe(true);
    expect(reason).toContain('…');
    expect(reason.length).toBeLessThan(120);
  });

  it.each([
    ['65536', '"s" is out of range 0..65535: 65536'],
    ['70000', '"s" is out of range 0..65535: 70000'],
    ['-1', '"s" is out of range 0..65535: -1'],
    ['-0', '"s" is not an integer in 0..65535: -0'],
    ['1.5', '"s" is not an integer in 0..65535: 1.5'],
    ['1e2', '"s" is not an integer in 0..65535: 1e2'],
    ['null', '"s" is not an integer in 0..65535: null'],
    ['"3"', '"s" is not an integer in 0..65535: "3"'],
  ])('contract 3.23: rejects s = %s', (s, reason) => {
    expectCorrupt(`{"r":1,"t":1,"s":${s}}`, reason);
  });

  it('contract 3.23: rejects a leading-zero t or s as invalid JSON', () => {
    expectCorrupt('{"r":1,"t":01}', /leading zero/);
    expectCorrupt('{"r":1,"s":00}', /leading zero/);
  });

  it.each([
    ['{"r":1,"r":2}', 'r'],
    ['{"r":1,"t":1,"t":1}', 't'],
    ['{"r":1,"s":1,"s":1}', 's'],
    ['{"r":1,"\\u0072":2}', 'r'],
    ['{"t":1,"r":1,"t":2}', 't'],
  ])('contract 3.23: rejects the duplicate known field in %s', (d, field) => {
    expectCorrupt(d, new RegExp(`^duplicate field "${field}"`));
  });

  it('rejects a duplicate field even when its value would be invalid (checked before the value)', () => {
    expectCorrupt('{"r":1,"r":', /^duplicate field "r"/);
  });

  it.each([
    ['{"r":1}}', 7],
    ['{"r":1}{"r":1}', 7],
    ['{"r":1} x', 8],
    ['{"r":1}\u0000', 7],
    ['{"r":1,"t":1,"s":2}\n,', 20],
  ])('rejects trailing characters in %j', (d, at) => {
    expectCorrupt(d, `trailing characters after the JSON object at byte ${at}`);
  });

  it('rejects top-level values that are not objects (or the array form)', () => {
    expectCorrupt('"str"', 'd is not a JSON object (it is a string)');
    expectCorrupt('42', 'd is not a JSON object (it is a number)');
    expectCorrupt('true', 'd is not a JSON object (it is a boolean)');
    expectCorrupt('null', 'd is not a JSON object (it is null)');
    expectCorrupt('x', /^d is not valid JSON: unexpected "x" at byte 0/);
  });

  it('rejects an empty or all-whitespace payload', () => {
    expectCorrupt('', 'd is empty');
    expectCorrupt(' \n', 'd is only whitespace');
  });

  it('rejects a leading byte order mark (serde_json does not skip it)', () => {
    expectCorrupt('\ufeff{"r":1}', /byte order mark/);
  });

  it('rejects a lone surrogate escape in a top-level key (validated like any serde string)', () => {
    expectCorrupt('{"\\ud800":1,"r":1}', /unpaired surrogate/);
    expectCorrupt('{"\\udc00":1,"r":1}', /unpaired surrogate/);
    expectCorrupt('{"\\ud83d\\u0041":1,"r":1}', /unpaired surrogate/);
    expectCorrupt('{"\\ud83d":1,"r":1}', /unpaired surrogate/);
  });

  it('rejects a raw control character in a top-level key', () => {
    expectCorrupt('{"a\u0001":1,"r":1}', /control character U\+0001/);
  });

  it('rejects a JS string holding an unpaired surrogate (it cannot have come from UTF-8)', () => {
    expectCorrupt('{"r":"\ud800"}', /not valid UTF-8/);
    expectCorrupt('{"r":1,"x":"\udfff"}', /not valid UTF-8/);
  });
});

describe('decodePayload: size and depth', () => {
  it('decodes a 1 MB payload with r byte-exact', () => {
    const r = JSON.stringify({ text: 'é'.repeat(400_000), list: Array.from({ length: 50_000 }, (_, k) => k * 7) });
    const d = encodePayload(r, 123n, 4);
    expect(d.length).toBeGreaterThan(500_000);
    expect(enc.encode(d).length).toBeGreaterThan(1_000_000);
    expectOk(d, r, '123', 4);
  });

  it('decodes a 100,000-deep nested r without throwing (iterative scanner)', () => {
    const r = '['.repeat(100_000) + ']'.repeat(100_000);
    expectOk(encodePayload(r, 1n, 1), r, '1', 1);
    const objects = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    expectOk(encodePayload(objects, 1n, 1), objects, '1', 1);
  });

  it('validates deep nesting in unknown keys and in the array form too', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expectOk(`{"r":1,"deep":${deep}}`, '1');
    expectOk(`[${deep},7]`, deep, '7', 0);
  });

  it('reports an error at the bottom of 100,000 levels as corrupt, not a crash', () => {
    const d = '{"r":' + '['.repeat(100_000) + 'x' + ']'.repeat(100_000) + '}';
    expectCorrupt(d, /unexpected "x" at byte 100005/);
    expectCorrupt('{"r":' + '['.repeat(100_000) + '}', /unexpected "}"/);
  });

  it('handles a 5 MB deeply nested payload', () => {
    const half = 2_500_000;
    const r = '['.repeat(half) + ']'.repeat(half);
    const result = decodePayload(`{"r":${r}}`);
    expect(result.ok && result.r.length).toBe(2 * half);
  });
});

describe('decodePayloadBytes', () => {
  it('decodes valid UTF-8 and returns the text', () => {
    const d = '{"r":"é😀","t":1,"s":2}';
    expect(decodePayloadBytes(enc.encode(d))).toEqual({ ok: true, r: '"é😀"', t: '1', s: 2, text: d });
  });

  it('returns the text on corrupt-but-UTF-8 payloads so callers can show it', () => {
    expect(decodePayloadBytes(enc.encode('not json'))).toMatchObject({ ok: false, text: 'not json' });
  });

  it.each([
    [[0x7b, 0xff], 1],
    [[0x7b, 0x22, 0x72, 0x22, 0x3a, 0x22, 0x80, 0x22, 0x7d], 6],
    [[0xc0, 0x80], 0],
    [[0xc1, 0xbf], 0],
    [[0xe0, 0x80, 0x80], 0],
    [[0xed, 0xa0, 0x80], 0],
    [[0xf0, 0x80, 0x80, 0x80], 0],
    [[0xf4, 0x90, 0x80, 0x80], 0],
    [[0xf5, 0x80, 0x80, 0x80], 0],
    [[0x41, 0xe2, 0x82], 1],
    [[0x41, 0x41, 0xf0, 0x9f, 0x98], 2],
    [[0x41, 0xc3], 1],
  ])('contract 3.23: rejects invalid UTF-8 %j, naming byte %i', (bytes, at) => {
    expect(decodePayloadBytes(new Uint8Array(bytes))).toEqual({ ok: false, reason: `d is not valid UTF-8 (byte ${at})` });
  });

  it('rejects a UTF-8 BOM and keeps it in the returned text', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('{"r":1}')]);
    const result = decodePayloadBytes(bytes);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/byte order mark/);
    expect(result.text).toBe('\ufeff{"r":1}');
  });

  it('agrees with TextDecoder on which random byte strings are valid UTF-8', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
    const strict = new TextDecoder('utf-8', { fatal: true });
    const interesting = [0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0x8f, 0x90];
    for (let n = 0; n < 5000; n++) {
      const len = Math.floor(rand() * 8);
      const bytes = new Uint8Array(len);
      for (let k = 0; k < len; k++) bytes[k] = rand() < 0.7 ? interesting[Math.floor(rand() * interesting.length)]! : Math.floor(rand() * 256);
      let valid = true;
      try {
        strict.decode(bytes);
      } catch {
        valid = false;
      }
      expect(firstInvalidUtf8(bytes) === -1).toBe(valid);
    }
  });
});

describe('corruptText', () => {
  it('cli.md read: returns the stored text when it is valid UTF-8', () => {
    expect(corruptText(enc.encode('not json é'))).toBe('not json é');
    expect(corruptText(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))).toBe('\ufeffA');
    expect(corruptText(new Uint8Array())).toBe('');
  });

  it('cli.md read: returns base64:<standard base64> when the bytes are not UTF-8', () => {
    expect(corruptText(new Uint8Array([0xff]))).toBe('base64:/w==');
    expect(corruptText(new Uint8Array([0x7b, 0xff, 0xfe]))).toBe('base64:e//+');
    expect(corruptText(new Uint8Array([0xfb, 0xff, 0xbf, 0x00]))).toBe('base64:+/+/AA==');
  });

  it('base64Encode matches the standard encoding for every length and byte value', () => {
    for (let len = 0; len < 70; len++) {
      const bytes = new Uint8Array(len).map((_, k) => (k * 37 + len * 11) & 0xff);
      expect(base64Encode(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
    const big = new Uint8Array(100_001).map((_, k) => (k * 131) & 0xff);
    expect(base64Encode(big)).toBe(Buffer.from(big).toString('base64'));
  });

  it('base64Encode reproduces the contract 1.7 cursor example', () => {
    expect(base64Encode(enc.encode('{"0":"1702123456789-0","1":"1702123456790-0"}'))).toBe(
      'eyIwIjoiMTcwMjEyMzQ1Njc4OS0wIiwiMSI6IjE3MDIxMjM0NTY3OTAtMCJ9',
    );
    expect(base64Encode(enc.encode('{}'))).toBe('e30=');
  });
});

import { describe, expect, it } from 'vitest';
import { MeshError } from '../../shared/errors';
import {
  compareStreamIds,
  exclusiveStart,
  isStreamId,
  parseStreamId,
  streamIdFromMs,
  streamIdPredecessor,
  streamIdSuccessor,
  streamIdTimeMs,
  validateUserStreamId,
  versionSupportsExclusiveRange,
} from '../../shared/stream-id';

const MAX = '18446744073709551615';

describe('parseStreamId / isStreamId', () => {
  it('parses canonical <u64>-<u64> ids into bigints', () => {
    expect(parseStreamId('1702123456789-0')).toEqual({ ms: 1702123456789n, seq: 0n });
    expect(parseStreamId(`${MAX}-${MAX}`)).toEqual({ ms: 18446744073709551615n, seq: 18446744073709551615n });
    expect(parseStreamId('0-0')).toEqual({ ms: 0n, seq: 0n });
  });

  it.each(['', '1', '1-', '-1', '1-2-3', '01-0', '1-00', '+1-0', '1--1', `18446744073709551616-0`, `0-18446744073709551616`, ' 1-0', '1-0 ', '1.5-0', 'a-b', '*', '$', '+', '-'])(
    'rejects the non-canonical id %j',
    (id) => {
      expect(parseStreamId(id)).toBeNull();
      expect(isStreamId(id)).toBe(false);
    },
  );
});

describe('compareStreamIds (contract 1.7)', () => {
  const sign = (n: number) => Math.sign(n);

  it('compares (ms, seq) numerically, not lexically', () => {
    expect(sign(compareStreamIds('9-0', '10-0'))).toBe(-1);
    expect(sign(compareStreamIds('1-9', '1-10'))).toBe(-1);
    expect(sign(compareStreamIds('2-0', '1-99'))).toBe(1);
    expect(compareStreamIds('5-5', '5-5')).toBe(0);
  });

  it('is exact beyond 2^53', () => {
    expect(sign(compareStreamIds('9007199254740993-0', '9007199254740992-0'))).toBe(1);
    expect(sign(compareStreamIds(`${MAX}-0`, `${MAX}-1`))).toBe(-1);
    expect(sign(compareStreamIds(`1-${MAX}`, '2-0'))).toBe(-1);
  });

  it('parses like Rust str::parse: leading zeros and a leading + still compare numerically', () => {
    expect(compareStreamIds('007-1', '7-1')).toBe(0);
    expect(compareStreamIds('+7-1', '7-01')).toBe(0);
    expect(sign(compareStreamIds('010-0', '9-0'))).toBe(1);
  });

  it('falls back to u128 comparison when both are plain numbers (JetStream sequences)', () => {
    expect(sign(compareStreamIds('9', '10'))).toBe(-1);
    expect(sign(compareStreamIds('340282366920938463463374607431768211455', '18446744073709551616'))).toBe(1);
    expect(compareStreamIds('0010', '10')).toBe(0);
  });

  it('falls back to byte-wise (UTF-8) comparison otherwise, including mixed formats', () => {
    expect(sign(compareStreamIds('123', '456-0'))).toBe(-1);
    expect(sign(compareStreamIds('9', '10-0'))).toBe(1);
    expect(sign(compareStreamIds('abc', 'abd'))).toBe(-1);
    expect(sign(compareStreamIds('340282366920938463463374607431768211456', '1'))).toBe(1);
    expect(sign(compareStreamIds('18446744073709551616-0', '2-0'))).toBe(-1);
    expect(sign(compareStreamIds('ab', 'abc'))).toBe(-1);
  });

  it('orders astral characters after U+E000..U+FFFF, as UTF-8 byte order does', () => {
    expect(sign(compareStreamIds('\uffff', '😀'))).toBe(-1);
    expect(sign(compareStreamIds('😀', '\ue000'))).toBe(1);
  });

  it('sorts a mixed list of Redis ids numerically', () => {
    const ids = ['10-0', '9-1', '9-10', '9-2', `${MAX}-0`, '0-0', '100-0'];
    expect([...ids].sort(compareStreamIds)).toEqual(['0-0', '9-1', '9-2', '9-10', '10-0', '100-0', `${MAX}-0`]);
  });
});

describe('successor / predecessor', () => {
  it('steps seq, carrying into ms at u64 max', () => {
    expect(streamIdSuccessor('5-0')).toBe('5-1');
    expect(streamIdSuccessor(`5-${MAX}`)).toBe('6-0');
    expect(streamIdSuccessor(`${MAX}-${MAX}`)).toBeNull();
    expect(streamIdPredecessor('5-1')).toBe('5-0');
    expect(streamIdPredecessor('5-0')).toBe(`4-${MAX}`);
    expect(streamIdPredecessor('0-0')).toBeNull();
  });

  it('is exact beyond 2^53', () => {
    expect(streamIdSuccessor('9007199254740992-9007199254740992')).toBe('9007199254740992-9007199254740993');
  });

  it('throws RangeError for a non-canonical id', () => {
    expect(() => streamIdSuccessor('5')).toThrow(RangeError);
    expect(() => streamIdPredecessor('x-1')).toThrow(RangeError);
  });
});

describe('exclusiveStart', () => {
  it('contract 1.5: uses (id on servers with exclusive ranges', () => {
    expect(exclusiveStart('1702123456789-0', true)).toBe('(1702123456789-0');
  });

  it('contract 7.10: uses the successor id on servers before 6.2', () => {
    expect(exclusiveStart('1702123456789-0', false)).toBe('1702123456789-1');
    expect(exclusiveStart(`1-${MAX}`, false)).toBe('2-0');
  });

  it('throws when no id can follow on an old server, and for a non-canonical id', () => {
    expect(() => exclusiveStart(`${MAX}-${MAX}`, false)).toThrow(RangeError);
    expect(exclusiveStart(`${MAX}-${MAX}`, true)).toBe(`(${MAX}-${MAX}`);
    expect(() => exclusiveStart('-', true)).toThrow(RangeError);
  });
});

describe('versionSupportsExclusiveRange', () => {
  it.each([
    ['6.2.0', true],
    ['6.2.14', true],
    ['7.0.15', true],
    ['7.2.4', true],
    ['10.0.0', true],
    ['8.0', true],
    ['6.0.16', false],
    ['6.1.240', false],
    ['5.0.14', false],
    ['', false],
    ['unknown', false],
  ])('%j -> %s', (version, expected) => {
    expect(versionSupportsExclusiveRange(version)).toBe(expected);
  });
});

describe('streamIdTimeMs / streamIdFromMs', () => {
  it('contract 1.4: gives the millisecond part as a number for wall-clock display', () => {
    expect(streamIdTimeMs('1702123456789-42')).toBe(1702123456789);
    expect(new Date(streamIdTimeMs('1700000000000-0')).toISOString()).toBe('2023-11-14T22:13:20.000Z');
  });

  it('throws RangeError for a non-canonical id', () => {
    expect(() => streamIdTimeMs('abc')).toThrow(RangeError);
  });

  it('builds <ms>-<seq> with seq defaulting to 0', () => {
    expect(streamIdFromMs(1700000000000)).toBe('1700000000000-0');
    expect(streamIdFromMs(1700000000000n, 5)).toBe('1700000000000-5');
    expect(streamIdFromMs(0, 18446744073709551615n)).toBe(`0-${MAX}`);
  });

  it.each([[-1], [1.5], [Number.NaN], [2 ** 53]])('streamIdFromMs throws RangeError for ms %s', (ms) => {
    expect(() => streamIdFromMs(ms)).toThrow(RangeError);
  });

  it('streamIdFromMs throws RangeError for bigint parts outside u64', () => {
    expect(() => streamIdFromMs(1n << 64n)).toThrow(RangeError);
    expect(() => streamIdFromMs(0, -1n)).toThrow(RangeError);
  });
});

describe('validateUserStreamId', () => {
  it('accepts ms-seq and returns it canonical', () => {
    expect(validateUserStreamId('1702123456789-0')).toBe('1702123456789-0');
    expect(validateUserStreamId(' 1702123456789-7 ')).toBe('1702123456789-7');
    expect(validateUserStreamId('0001-02')).toBe('1-2');
    expect(validateUserStreamId(`${MAX}-${MAX}`)).toBe(`${MAX}-${MAX}`);
  });

  it('accepts a bare ms as <ms>-0, as Redis reads a range start', () => {
    expect(validateUserStreamId('1702123456789')).toBe('1702123456789-0');
  });

  it.each(['', '-', '+', '$', '*', '(1-0', '1-', '-1', '1-2-3', 'abc', '1.5', '1e3', '1 - 2'])(
    'rejects %j with a usage error',
    (text) => {
      let caught: unknown;
      try {
        validateUserStreamId(text);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(MeshError);
      expect((caught as MeshError).kind).toBe('usage');
      expect((caught as MeshError).message).toMatch(/not a stream id/);
    },
  );

  it('rejects parts above u64 with a usage error naming the part', () => {
    expect(() => validateUserStreamId('18446744073709551616-0')).toThrow(/time part/);
    expect(() => validateUserStreamId('1-18446744073709551616')).toThrow(/sequence part/);
  });
});

import { describe, expect, it } from 'vitest';
import { U64_MAX, U64_MAX_TEXT, isCanonicalU16Text, isCanonicalU64Text, isU16, isU64, parseCanonicalU64 } from '../../shared/u64';

describe('u64 helpers', () => {
  it('U64_MAX and its text agree', () => {
    expect(U64_MAX.toString()).toBe(U64_MAX_TEXT);
    expect(U64_MAX).toBe(2n ** 64n - 1n);
  });

  it('isU64 bounds', () => {
    expect(isU64(0n)).toBe(true);
    expect(isU64(U64_MAX)).toBe(true);
    expect(isU64(-1n)).toBe(false);
    expect(isU64(U64_MAX + 1n)).toBe(false);
  });

  it.each(['0', '1', '10', '9007199254740993', '18446744073709551615', '9999999999999999999'])('%j is canonical u64 text', (t) => {
    expect(isCanonicalU64Text(t)).toBe(true);
    expect(parseCanonicalU64(t)).toBe(BigInt(t));
  });

  it.each(['', '00', '01', '-0', '-1', '+1', '1.0', '1e3', ' 1', '1 ', '18446744073709551616', '99999999999999999999', '100000000000000000000', '١'])(
    '%j is not canonical u64 text',
    (t) => {
      expect(isCanonicalU64Text(t)).toBe(false);
      expect(parseCanonicalU64(t)).toBeNull();
    },
  );

  it('u16 text and numbers', () => {
    for (const t of ['0', '7', '65535']) expect(isCanonicalU16Text(t)).toBe(true);
    for (const t of ['', '007', '65536', '-1', '1.0', '100000', 'a']) expect(isCanonicalU16Text(t)).toBe(false);
    expect(isU16(0)).toBe(true);
    expect(isU16(65535)).toBe(true);
    expect(isU16(65536)).toBe(false);
    expect(isU16(-1)).toBe(false);
    expect(isU16(1.5)).toBe(false);
    expect(isU16(Number.NaN)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { formatDedupId, formatNonce, ordinalAfterPrefix, ordinalAfterTextPrefix, parseDedupId, parseNonce, storedIdText } from '../../shared/dedup-id';

describe('formatDedupId', () => {
  it('contract 1.3: formats the worked example deadbeefcafef00d:7:1234:2', () => {
    expect(formatDedupId(0xdeadbeefcafef00dn, 7, 1234n, 2)).toBe('deadbeefcafef00d:7:1234:2');
  });

  it('contract 1.3: renders the nonce as lowercase hex without padding (0x0123456789ABCDEF -> 123456789abcdef)', () => {
    expect(formatDedupId(0x0123456789abcdefn, 0, 0n, 0)).toBe('123456789abcdef:0:0:0');
  });

  it('contract 1.2: formats the example frame id deadbeefcafef00d:3:1000:0', () => {
    expect(formatDedupId(0xdeadbeefcafef00dn, 3, 1000n, 0n)).toBe('deadbeefcafef00d:3:1000:0');
  });

  it('contract 3.5: event i of a batch gets sequence_start and i unpadded', () => {
    const ids = [0, 1, 2].map((i) => formatDedupId(1n, 65535, 18446744073709551615n, i));
    expect(ids).toEqual(['1:65535:18446744073709551615:0', '1:65535:18446744073709551615:1', '1:65535:18446744073709551615:2']);
  });

  it('accepts the extreme nonce u64 max', () => {
    expect(formatDedupId(0xffffffffffffffffn, 0, 0n, 0)).toBe('ffffffffffffffff:0:0:0');
  });

  it.each([
    ['nonce 0', () => formatDedupId(0n, 0, 0n, 0)],
    ['nonce above u64', () => formatDedupId(1n << 64n, 0, 0n, 0)],
    ['negative nonce', () => formatDedupId(-1n, 0, 0n, 0)],
    ['shard -1', () => formatDedupId(1n, -1, 0n, 0)],
    ['shard 65536', () => formatDedupId(1n, 65536, 0n, 0)],
    ['fractional shard', () => formatDedupId(1n, 1.5, 0n, 0)],
    ['negative sequence start', () => formatDedupId(1n, 0, -1n, 0)],
    ['sequence start above u64', () => formatDedupId(1n, 0, 1n << 64n, 0)],
    ['negative index', () => formatDedupId(1n, 0, 0n, -1)],
    ['negative bigint index', () => formatDedupId(1n, 0, 0n, -1n)],
    ['fractional index', () => formatDedupId(1n, 0, 0n, 0.5)],
  ])('throws RangeError for %s', (_name, call) => {
    expect(call).toThrow(RangeError);
  });
});

describe('parseDedupId', () => {
  it('contract 1.3: parses the worked example with its ordinal seq + i', () => {
    expect(parseDedupId('deadbeefcafef00d:7:1234:2')).toEqual({
      nonce: 'deadbeefcafef00d',
      nonceValue: 0xdeadbeefcafef00dn,
      shard: 7,
      seq: 1234n,
      i: 2n,
      ordinal: 1236n,
    });
  });

  it('contract 3.6: the ordinal is exact beyond 2^64 when seq and i are both large', () => {
    expect(parseDedupId('1:0:18446744073709551615:18446744073709551615')?.ordinal).toBe(36893488147419103230n);
  });

  it('round-trips formatDedupId output', () => {
    for (const [nonce, shard, seq, i] of [
      [1n, 0, 0n, 0n],
      [0x123456789abcdefn, 65535, 999n, 7n],
      [0xffffffffffffffffn, 12, 18446744073709551615n, 0n],
    ] as const) {
      const parsed = parseDedupId(formatDedupId(nonce, shard, seq, i));
      expect(parsed).toMatchObject({ nonceValue: nonce, shard, seq, i });
    }
  });

  it.each([
    ['', 'empty'],
    ['deadbeef:7:1234', 'three parts'],
    ['deadbeef:7:1234:2:9', 'five parts'],
    ['DEADBEEF:7:1234:2', 'uppercase nonce'],
    ['0deadbeef:7:1234:2', 'nonce leading zero'],
    ['0:7:1234:2', 'nonce 0'],
    ['00:7:1234:2', 'nonce 00'],
    ['0x1f:7:1234:2', 'nonce with 0x'],
    ['12345678901234567:7:1234:2', 'nonce of 17 digits'],
    ['xyz:7:1234:2', 'nonce not hex'],
    [':7:1234:2', 'empty nonce'],
    ['1f:07:1234:2', 'shard leading zero'],
    ['1f:65536:1234:2', 'shard above u16'],
    ['1f:-1:1234:2', 'negative shard'],
    ['1f:+1:1234:2', 'shard with plus'],
    ['1f::1234:2', 'empty shard'],
    ['1f:7:01234:2', 'sequence leading zero'],
    ['1f:7:18446744073709551616:2', 'sequence above u64'],
    ['1f:7:1234:02', 'index leading zero'],
    ['1f:7:1234:18446744073709551616', 'index above u64'],
    ['1f:7:1234:', 'empty index'],
    ['1f:7:1234:2 ', 'trailing space'],
    [' 1f:7:1234:2', 'leading space'],
    ['1f:7:1.5:2', 'fractional sequence'],
  ])('rejects the non-canonical %j (%s)', (s) => {
    expect(parseDedupId(s)).toBeNull();
  });

  it('accepts zero parts written as "0"', () => {
    expect(parseDedupId('1:0:0:0')).toMatchObject({ shard: 0, seq: 0n, i: 0n, ordinal: 0n });
  });
});

describe('formatNonce / parseNonce', () => {
  it('contract 1.3: formatNonce writes lowercase hex with no padding', () => {
    expect(formatNonce(0x0123456789abcdefn)).toBe('123456789abcdef');
    expect(formatNonce(1n)).toBe('1');
    expect(formatNonce(0xffffffffffffffffn)).toBe('ffffffffffffffff');
  });

  it('formatNonce throws RangeError for 0 and values outside u64', () => {
    expect(() => formatNonce(0n)).toThrow(/must not be 0/);
    expect(() => formatNonce(1n << 64n)).toThrow(RangeError);
    expect(() => formatNonce(-5n)).toThrow(RangeError);
  });

  it('parseNonce accepts either case, an optional 0x prefix and leading zeros', () => {
    expect(parseNonce('DEADBEEFCAFEF00D')).toBe(0xdeadbeefcafef00dn);
    expect(parseNonce('deadbeefcafef00d')).toBe(0xdeadbeefcafef00dn);
    expect(parseNonce('0x5e1f')).toBe(0x5e1fn);
    expect(parseNonce('0X5E1F')).toBe(0x5e1fn);
    expect(parseNonce('0001')).toBe(1n);
    expect(parseNonce('ffffffffffffffff')).toBe(0xffffffffffffffffn);
  });

  it.each([
    ['', /no hex digits/],
    ['0x', /no hex digits/],
    ['xyz', /not hexadecimal/],
    ['12 34', /not hexadecimal/],
    ['-1', /not hexadecimal/],
    ['0', /is 0/],
    ['0x0000', /is 0/],
    ['10000000000000000', /64 bits/],
  ])('parseNonce rejects %j with a RangeError naming the problem', (text, message) => {
    expect(() => parseNonce(text)).toThrow(RangeError);
    expect(() => parseNonce(text)).toThrow(message);
  });

  it('parseNonce and formatNonce round-trip', () => {
    for (const n of [1n, 0x5e1fn, 0x0123456789abcdefn, 0xffffffffffffffffn]) expect(parseNonce(formatNonce(n))).toBe(n);
  });
});

describe('the scanners\' fast path: ordinalAfterPrefix / ordinalAfterTextPrefix / storedIdText', () => {
  const prefix = '9f3a:7:300:';
  const bytes = (t: string) => new TextEncoder().encode(t);
  const both = (id: string) => {
    const b = bytes(`xx${id}yy`);
    const fromBytes = ordinalAfterPrefix(b, 2, 2 + id.length, bytes(prefix));
    expect(ordinalAfterTextPrefix(id, prefix)).toBe(fromBytes);
    return fromBytes;
  };

  it('reads i after the cached prefix when it is a canonical decimal of 1 to 15 digits', () => {
    expect(both('9f3a:7:300:0')).toBe(0);
    expect(both('9f3a:7:300:249')).toBe(249);
    expect(both('9f3a:7:300:999999999999999')).toBe(999999999999999);
  });

  it('leaves every other id to the full parse (-1): another prefix, a leading zero, 16 digits, a non-digit, nothing after the prefix', () => {
    for (const id of ['9f3a:7:301:5', '9f3a:7:300:05', '9f3a:7:300:1000000000000000', '9f3a:7:300:1a', '9f3a:7:300:', '9f3a:7:300:-1', 'x']) {
      expect(both(id), id).toBe(-1);
    }
    expect(ordinalAfterTextPrefix('9f3a:7:300:5', '')).toBe(-1);
  });

  it('gives a stored id as text only when it is ASCII and at most 64 bytes', () => {
    expect(storedIdText(bytes('a:1:2:3'), 0, 7)).toBe('a:1:2:3');
    expect(storedIdText(bytes('é:1:2:3'), 0, 8)).toBeNull();
    expect(storedIdText(bytes('1'.repeat(65)), 0, 65)).toBeNull();
    expect(formatDedupId(1n, 0, 0n, 0).length).toBeLessThanOrEqual(64);
  });
});

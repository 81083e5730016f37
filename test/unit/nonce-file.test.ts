import { describe, expect, it } from 'vitest';
import { decodeNonceFile, encodeNonceFile } from '../../shared/nonce-file';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

describe('encodeNonceFile (contract 1.6)', () => {
  it('contract 1.6: encodes 0xDEADBEEFCAFEF00D as 01 0d f0 fe ca ef be ad de', () => {
    expect(hex(encodeNonceFile(0xdeadbeefcafef00dn))).toBe('01 0d f0 fe ca ef be ad de');
  });

  it('writes exactly 9 bytes, little-endian, for the extremes', () => {
    expect(hex(encodeNonceFile(1n))).toBe('01 01 00 00 00 00 00 00 00');
    expect(hex(encodeNonceFile(0xffffffffffffffffn))).toBe('01 ff ff ff ff ff ff ff ff');
  });

  it('throws RangeError for 0 and values outside u64', () => {
    expect(() => encodeNonceFile(0n)).toThrow(RangeError);
    expect(() => encodeNonceFile(-1n)).toThrow(RangeError);
    expect(() => encodeNonceFile(1n << 64n)).toThrow(RangeError);
  });
});

describe('decodeNonceFile (contract 1.6)', () => {
  it('contract 1.6: decodes the example bytes to 0xDEADBEEFCAFEF00D', () => {
    expect(decodeNonceFile(new Uint8Array([0x01, 0x0d, 0xf0, 0xfe, 0xca, 0xef, 0xbe, 0xad, 0xde]))).toBe(0xdeadbeefcafef00dn);
  });

  it('round-trips encodeNonceFile', () => {
    for (const n of [1n, 0x5e1fn, 0x0123456789abcdefn, 0xffffffffffffffffn]) expect(decodeNonceFile(encodeNonceFile(n))).toBe(n);
  });

  it('reads a 9-byte view into a larger buffer at its own offset', () => {
    const backing = new Uint8Array(20);
    backing.set(encodeNonceFile(0x1234n), 5);
    expect(decodeNonceFile(backing.subarray(5, 14))).toBe(0x1234n);
  });

  it('contract 1.6: rejects the legacy 8-byte format, saying so', () => {
    expect(() => decodeNonceFile(new Uint8Array(8).fill(1))).toThrow(/8 bytes.*legacy/);
  });

  it.each([0, 1, 7, 10, 16])('contract 1.6: rejects a %i-byte file, naming its length', (len) => {
    expect(() => decodeNonceFile(new Uint8Array(len))).toThrow(new RegExp(`is ${len} bytes`));
  });

  it.each([0x00, 0x02, 0xff])('contract 1.6: rejects version byte 0x%s', (version) => {
    const bytes = encodeNonceFile(5n);
    bytes[0] = version;
    expect(() => decodeNonceFile(bytes)).toThrow(/unknown version byte 0x[0-9a-f]{2}/);
  });

  it('contract 1.3: maps a stored 0 to 1, as Batch::with_nonce does', () => {
    expect(decodeNonceFile(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(1n);
  });
});

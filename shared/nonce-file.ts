/**
 * net-mesh's producer nonce file (contract 1.6): exactly 9 bytes, version byte 0x01 followed by
 * the nonce as a little-endian u64. The inspector keeps its own nonce in this format.
 */

import { U64_MAX } from './u64';

const NONCE_FILE_LENGTH = 9;
const NONCE_FILE_VERSION = 0x01;

/**
 * The 9-byte file content for `nonce`: 0x01 then the u64 little-endian
 * (0xDEADBEEFCAFEF00D → 01 0d f0 fe ca ef be ad de). Throws RangeError for 0 (net-mesh never
 * writes 0) or a value outside u64.
 */
export function encodeNonceFile(nonce: bigint): Uint8Array {
  if (typeof nonce !== 'bigint' || nonce <= 0n || nonce > U64_MAX) {
    throw new RangeError(`a producer nonce must be an integer in 1..2^64-1 (got ${String(nonce)})`);
  }
  const bytes = new Uint8Array(NONCE_FILE_LENGTH);
  bytes[0] = NONCE_FILE_VERSION;
  new DataView(bytes.buffer).setBigUint64(1, nonce, true);
  return bytes;
}

/**
 * Reads a nonce file's content, accepting exactly what net-mesh's loader accepts: 9 bytes with
 * version 0x01. Throws an Error naming the problem for any other length (the legacy 8-byte
 * format included) or version byte. A stored 0 is returned as 1n: net-mesh's
 * `Batch::with_nonce` maps 0 to 1 (contract 1.3), so 1 is the nonce such a file really produces.
 */
export function decodeNonceFile(bytes: Uint8Array): bigint {
  if (bytes.length !== NONCE_FILE_LENGTH) {
    if (bytes.length === 8) {
      throw new Error(
        'the nonce file is 8 bytes: that is the legacy format, which net-mesh 0.23 rejects (expected 9 bytes: version 0x01 then the nonce as a little-endian u64)',
      );
    }
    throw new Error(
      `the nonce file is ${bytes.length} bytes (expected 9 bytes: version 0x01 then the nonce as a little-endian u64)`,
    );
  }
  const version = bytes[0]!;
  if (version !== NONCE_FILE_VERSION) {
    throw new Error(
      `the nonce file has unknown version byte 0x${version.toString(16).padStart(2, '0')} (expected 0x01)`,
    );
  }
  const nonce = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(1, true);
  return nonce === 0n ? 1n : nonce;
}

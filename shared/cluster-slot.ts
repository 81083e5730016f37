/**
 * The Redis Cluster hash slot of a key (the Cluster specification: CRC16-XMODEM of the key's UTF-8
 * bytes, or of its hash tag `{...}` when it has a non-empty one, modulo 16384). Pure.
 */

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

function crc16(bytes: Uint8Array, from: number, to: number): number {
  let crc = 0;
  for (let i = from; i < to; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  return crc;
}

/**
 * The UTF-8 bytes of `key` (as ioredis writes a string key). Hand-rolled: shared/ is compiled for
 * both runtimes without DOM or Node types; a lone surrogate becomes U+FFFD, as in every encoder.
 */
function utf8(key: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < key.length; i++) {
    let cp = key.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < key.length) {
      const lo = key.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return Uint8Array.from(out);
}

/** 0..16383: the slot Redis Cluster serves `key` from. */
export function clusterKeySlot(key: string): number {
  const bytes = utf8(key);
  const open = bytes.indexOf(0x7b); // {
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1); // }
    if (close > open + 1) return crc16(bytes, open + 1, close) & 0x3fff;
  }
  return crc16(bytes, 0, bytes.length) & 0x3fff;
}

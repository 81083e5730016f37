/**
 * Bytes for display: a corrupt entry's `d` as stored. The core sends valid UTF-8 as text and
 * anything else as `base64:<...>` (shared/wire corruptText), so both are turned back into bytes.
 */
export function storedBytes(d: string, notUtf8: boolean): Uint8Array {
  if (notUtf8 && d.startsWith('base64:')) {
    const bin = atob(d.slice(7));
    const out = new Uint8Array(bin.length);
    for (let k = 0; k < bin.length; k++) out[k] = bin.charCodeAt(k);
    return out;
  }
  return new TextEncoder().encode(d);
}

const hex2 = (b: number) => (b < 16 ? '0' : '') + b.toString(16);

/**
 * A classic hex dump, 16 bytes a line: offset, the bytes in hex, and their printable ASCII
 * (anything else as `.`). At most `maxBytes` bytes are dumped.
 */
export function hexDump(bytes: Uint8Array, maxBytes = 64 * 1024): { text: string; truncated: boolean } {
  const n = Math.min(bytes.length, maxBytes);
  const lines: string[] = [];
  for (let off = 0; off < n; off += 16) {
    let hex = '';
    let ascii = '';
    for (let k = 0; k < 16; k++) {
      const i = off + k;
      if (i < n) {
        const b = bytes[i] as number;
        hex += hex2(b) + (k === 7 ? '  ' : ' ');
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else {
        hex += k === 7 ? '    ' : '   ';
      }
    }
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex} |${ascii}|`);
  }
  return { text: lines.join('\n'), truncated: bytes.length > n };
}

/** `512 B`, `3.4 KB`, `5.0 MB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** UTF-8 length of a string without encoding it (a lone surrogate counts as the 3 bytes of U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

import { describe, expect, it } from 'vitest';
import {
  D_END,
  D_START,
  ENTRY_WORDS,
  entryIdText,
  ID_END,
  ID_START,
  ReplySurprise,
  X_END,
  X_START,
  XrangeReplyParser,
  type XrangePage,
} from '../../electron/core/xrange-reply';

type Bytes = string | Uint8Array;
type Entry = [id: string, fields: Bytes[]];

const enc = new TextEncoder();
const bytesOf = (b: Bytes): Uint8Array => (typeof b === 'string' ? enc.encode(b) : b);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function bulk(b: Bytes): Uint8Array {
  const body = bytesOf(b);
  return concat([enc.encode(`$${body.length}\r\n`), body, enc.encode('\r\n')]);
}

/** An XRANGE reply as Redis writes it (RESP2). */
function reply(entries: Entry[]): Uint8Array {
  const parts: Uint8Array[] = [enc.encode(`*${entries.length}\r\n`)];
  for (const [id, fields] of entries) {
    parts.push(enc.encode('*2\r\n'), bulk(id), enc.encode(`*${fields.length}\r\n`), ...fields.map(bulk));
  }
  return concat(parts);
}

/** What a page says about each entry, as text (or null when absent). */
function describe_(page: XrangePage): Array<{ id: string; d: string | null; dedupId: string | null }> {
  const text = (s: number, e: number) => (s < 0 ? null : Buffer.from(page.buf.subarray(s, e)).toString('latin1'));
  return Array.from({ length: page.count }, (_, k) => {
    const o = k * ENTRY_WORDS;
    const id = Buffer.from(page.buf.subarray(page.offsets[o + ID_START]!, page.offsets[o + ID_END]!)).toString('latin1');
    expect(entryIdText(page, k)).toBe(id);
    return { id, d: text(page.offsets[o + D_START]!, page.offsets[o + D_END]!), dedupId: text(page.offsets[o + X_START]!, page.offsets[o + X_END]!) };
  });
}

/** Feeds `bytes` in the given chunk sizes (cycled) and returns every page, described. */
function feed(bytes: Uint8Array, sizes: number[]): Array<ReturnType<typeof describe_> | { error: string }> {
  const parser = new XrangeReplyParser(16);
  const out: Array<ReturnType<typeof describe_> | { error: string }> = [];
  let at = 0;
  for (let k = 0; at < bytes.length; k++) {
    const size = sizes[k % sizes.length]!;
    for (const page of parser.push(bytes.subarray(at, at + size))) out.push(page.error !== null ? { error: page.error } : describe_(page));
    at += size;
  }
  expect(parser.idle).toBe(true);
  return out;
}

const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');

const SAMPLE: Entry[] = [
  ['1700000000000-0', ['d', '{"r":1,"t":2,"s":3}', 'dedup_id', 'ab:3:0:0']],
  // dedup_id first, unknown fields, a value holding CRLF and a "$5" look-alike.
  ['1700000000000-1', ['dedup_id', 'ab:3:0:1', 'x', 'a\r\n$5\r\nhello', 'd', '{"r":"\\r\\n","t":2,"s":3}']],
  // No d, no dedup_id.
  ['1700000000001-0', ['data', '{"r":1}']],
  // A repeated name: the last one wins (contract 3.27).
  ['1700000000002-0', ['d', 'first', 'dedup_id', 'one', 'd', 'second', 'dedup_id', 'two']],
  // Empty values, an odd trailing name without a value (ignored, as the adapter's loop does).
  ['1700000000003-0', ['d', '', 'dedup_id', '', 'd']],
  // Bytes that are not UTF-8, and names that only resemble d / dedup_id.
  ['1700000000004-0', ['D', 'no', 'dedup_ix', 'no', 'dedup_id_', 'no', 'd', Uint8Array.from([0xff, 0x00, 0x0d, 0x0a])]],
];

const EXPECTED = [
  { id: '1700000000000-0', d: '{"r":1,"t":2,"s":3}', dedupId: 'ab:3:0:0' },
  { id: '1700000000000-1', d: '{"r":"\\r\\n","t":2,"s":3}', dedupId: 'ab:3:0:1' },
  { id: '1700000000001-0', d: null, dedupId: null },
  { id: '1700000000002-0', d: 'second', dedupId: 'two' },
  { id: '1700000000003-0', d: '', dedupId: '' },
  { id: '1700000000004-0', d: latin1(Uint8Array.from([0xff, 0x00, 0x0d, 0x0a])), dedupId: null },
];

describe('XrangeReplyParser', () => {
  it('locates every entry’s id, d and dedup_id by name, the last repeated name winning', () => {
    expect(feed(reply(SAMPLE), [1 << 20])).toEqual([EXPECTED]);
  });

  it('gives the same pages whatever the chunking, cut at every byte', () => {
    const bytes = reply(SAMPLE);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(feed(bytes, [cut, bytes.length])).toEqual([EXPECTED]);
    }
    expect(feed(bytes, [1])).toEqual([EXPECTED]);
    expect(feed(bytes, [3, 1, 7, 2])).toEqual([EXPECTED]);
  });

  it('parses several replies in one chunk, and a reply split over many, in order', () => {
    const a = reply(SAMPLE.slice(0, 2));
    const b = reply([]);
    const c = reply(SAMPLE.slice(2));
    expect(feed(concat([a, b, c]), [1 << 20])).toEqual([EXPECTED.slice(0, 2), [], EXPECTED.slice(2)]);
    expect(feed(concat([a, b, c]), [5])).toEqual([EXPECTED.slice(0, 2), [], EXPECTED.slice(2)]);
  });

  it('keeps a page’s bytes intact while later replies arrive, recycled pages aside', () => {
    const parser = new XrangeReplyParser(16);
    const first = parser.push(reply(SAMPLE.slice(0, 1)))[0]!;
    const second = parser.push(reply(SAMPLE.slice(1, 2)))[0]!;
    parser.recycle(second);
    parser.push(reply(SAMPLE.slice(3, 4)));
    expect(describe_(first)).toEqual(EXPECTED.slice(0, 1));
  });

  it('reads a multi-megabyte payload across many small chunks', () => {
    const big = 'x'.repeat(3_000_000);
    const bytes = reply([['5-0', ['d', big, 'dedup_id', 'ab:1:0:0']]]);
    const [page] = feed(bytes, [65_536]) as Array<ReturnType<typeof describe_>>;
    expect(page![0]!.d!.length).toBe(3_000_000);
    expect(page![0]!.dedupId).toBe('ab:1:0:0');
  });

  it('returns an error reply as a page with its text', () => {
    const bytes = enc.encode('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
    expect(feed(bytes, [4])).toEqual([{ error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }]);
  });

  it.each([
    ['a null array', '*-1\r\n'],
    ['a RESP3 map', '%1\r\n'],
    ['an integer reply', ':1\r\n'],
    ['an entry of three elements', '*1\r\n*3\r\n$3\r\n1-0\r\n*0\r\n$1\r\nx\r\n'],
    ['a simple-string id', '*1\r\n*2\r\n+1-0\r\n*0\r\n'],
    ['a null field list', '*1\r\n*2\r\n$3\r\n1-0\r\n*-1\r\n'],
    ['a null field value', '*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nd\r\n$-1\r\n'],
    ['an integer field value', '*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nd\r\n:5\r\n'],
    ['a length that is not a number', '*1\r\n*2\r\n$x\r\n'],
    ['a bulk string without its CRLF', '*1\r\n*2\r\n$3\r\n1-0XX*0\r\n'],
  ])('refuses %s (the caller then reads through the ordinary client)', (_what, text) => {
    expect(() => new XrangeReplyParser().push(enc.encode(text))).toThrow(ReplySurprise);
  });
});

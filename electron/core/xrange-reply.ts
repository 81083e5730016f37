/**
 * A RESP2 reader for XRANGE/XREVRANGE replies that never makes an object per entry or per field:
 * the reply's bytes are kept in one buffer and every entry is described by six integers (where
 * its id, its `d` and its `dedup_id` lie in that buffer). The whole-shard scan decides each entry
 * in place from those ranges, which is what lets it run faster than a plain client that builds a
 * Buffer (or a string) and an array for every field of every entry (issue 16).
 *
 * Pure: bytes in, page descriptions out; the socket is someone else's (scan-connection.ts).
 */

/** Integers per entry in {@link XrangePage.offsets}. */
export const ENTRY_WORDS = 6;
/** Word offsets inside one entry's record. Ranges are `[start, end)` into {@link XrangePage.buf}. */
export const ID_START = 0;
export const ID_END = 1;
/** `d`'s value, or -1/-1 when the entry has no `d` field. */
export const D_START = 2;
export const D_END = 3;
/** `dedup_id`'s value, or -1/-1 when the entry has none. */
export const X_START = 4;
export const X_END = 5;

/** One complete reply. */
export interface XrangePage {
  /** The reply's bytes (owned by the page: a later reply never overwrites them). */
  readonly buf: Uint8Array;
  /** Entries in reply order. */
  readonly count: number;
  /** {@link ENTRY_WORDS} integers per entry (see the word offsets above). */
  readonly offsets: Int32Array;
  /** Redis answered with an error instead (its text without the leading `-`); `count` is 0. */
  readonly error: string | null;
}

/**
 * Something Redis never sends in answer to XRANGE over RESP2: an entry that is not `[id, [f, v,
 * ...]]` of bulk strings, a null, a RESP3 type, a broken frame. The reader cannot know where such
 * a reply ends, so the connection is unusable afterwards; the scan then reads on through the
 * ordinary client, whose decoder handles every shape (contract 3.22).
 */
export class ReplySurprise extends Error {
  constructor(what: string) {
    super(`unexpected XRANGE reply: ${what}`);
    this.name = 'ReplySurprise';
  }
}

const CR = 13;
const LF = 10;
const STAR = 0x2a;
const DOLLAR = 0x24;
const MINUS = 0x2d;
/** Bulk strings are at most 512 MB in Redis. */
const MAX_BULK = 512 * 1024 * 1024;
const NEED_MORE = -1;

/**
 * Incremental parser of a sequence of XRANGE replies (in request order). `push` the bytes as they
 * arrive, in any chunking; it returns the replies they completed.
 *
 * Guarantees:
 * - the same pages whatever the chunk boundaries (an entry cut anywhere is parsed again from its
 *   start when more bytes arrive; only headers are re-read, never a payload's bytes);
 * - fields are matched by name as bytes, in any order, unknown ones ignored, and when a name
 *   repeats the last one wins, exactly as the adapter's decoder and net-mesh's loop do (contract
 *   3.27); an odd trailing field name without a value is ignored like there;
 * - throws {@link ReplySurprise} for anything but `*N` of `[$id, *2k of $field]` entries or a
 *   `-error` line; after that the parser must not be used again.
 */
export class XrangeReplyParser {
  private buf: Uint8Array;
  /** Bytes held in `buf`. */
  private len = 0;
  /** Start of the next element to parse. */
  private pos = 0;
  /** Entries announced by the current reply's header; -1 before the header is read. */
  private total = -1;
  private count = 0;
  private offsets: Int32Array = new Int32Array(ENTRY_WORDS * 64);
  /** Set by readInt: the integer just read. */
  private int = 0;
  /** Size hint for the next reply's buffer: the last reply's size. */
  private lastSize: number;
  /** Buffers and offset tables of pages handed back with {@link recycle}. */
  private readonly spareBufs: Uint8Array[] = [];
  private readonly spareOffsets: Int32Array[] = [];

  constructor(initialBytes = 64 * 1024) {
    this.lastSize = initialBytes;
    this.buf = new Uint8Array(initialBytes);
  }

  /** Appends `chunk` and returns every reply it completed (usually none or one). */
  push(chunk: Uint8Array): XrangePage[] {
    this.append(chunk);
    let out: XrangePage[] | undefined;
    for (;;) {
      const page = this.parse();
      if (page === null) break;
      (out ??= []).push(page);
    }
    return out ?? NONE;
  }

  /**
   * Hands a page's memory back for later replies (a scan then reuses two buffers instead of
   * allocating, zeroing and collecting one per page). The page must not be read afterwards.
   */
  recycle(page: XrangePage): void {
    if (this.spareBufs.length < 2) this.spareBufs.push(page.buf);
    if (this.spareOffsets.length < 2) this.spareOffsets.push(page.offsets);
  }

  /** True when no reply is partly received. */
  get idle(): boolean {
    return this.len === 0;
  }

  private append(chunk: Uint8Array): void {
    const need = this.len + chunk.length;
    if (need > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < need) size *= 2;
      const bigger = new Uint8Array(size);
      bigger.set(this.buf.subarray(0, this.len), 0);
      this.buf = bigger;
    }
    this.buf.set(chunk, this.len);
    this.len = need;
  }

  /** Parses as far as the bytes allow; a finished reply, or null when more bytes are needed. */
  private parse(): XrangePage | null {
    const buf = this.buf;
    if (this.total < 0) {
      if (this.pos >= this.len) return null;
      const type = buf[this.pos];
      if (type === MINUS) return this.errorReply();
      if (type !== STAR) throw new ReplySurprise(`reply type byte 0x${type!.toString(16)}`);
      const next = this.readInt(this.pos + 1);
      if (next === NEED_MORE) return null;
      if (this.int < 0) throw new ReplySurprise('a null array');
      this.total = this.int;
      this.pos = next;
      if (this.offsets.length < this.total * ENTRY_WORDS) this.offsets = new Int32Array(this.total * ENTRY_WORDS);
    }
    while (this.count < this.total) {
      const next = this.entry(this.pos, this.count * ENTRY_WORDS);
      if (next === NEED_MORE) return null;
      this.pos = next;
      this.count++;
    }
    return this.finish(null);
  }

  private errorReply(): XrangePage | null {
    const buf = this.buf;
    for (let k = this.pos + 1; k + 1 < this.len; k++) {
      if (buf[k] === CR && buf[k + 1] === LF) {
        const text = new TextDecoder().decode(buf.subarray(this.pos + 1, k));
        this.pos = k + 2;
        this.count = 0;
        return this.finish(text);
      }
    }
    return null;
  }

  /** Hands the reply out with its own buffer and starts the next one on a fresh buffer. */
  private finish(error: string | null): XrangePage {
    const page: XrangePage = { buf: this.buf, count: this.count, offsets: this.offsets, error };
    const rest = this.len - this.pos;
    this.lastSize = Math.max(this.pos, 4096);
    const want = Math.max(this.lastSize + (this.lastSize >> 2), rest);
    let next = this.spareBufs.pop();
    // A spare much smaller than the last reply would only be regrown (copied) at once.
    if (next === undefined || next.length < want) next = new Uint8Array(want);
    if (rest > 0) next.set(this.buf.subarray(this.pos, this.len), 0);
    this.buf = next;
    this.len = rest;
    this.pos = 0;
    this.total = -1;
    this.count = 0;
    this.offsets = this.spareOffsets.pop() ?? new Int32Array(page.offsets.length);
    return page;
  }

  /**
   * Reads `[id, [field, value, ...]]` at `p` into `offsets[o..o+6)`; the index after it, or
   * NEED_MORE when its bytes have not all arrived.
   */
  private entry(p: number, o: number): number {
    const buf = this.buf;
    const len = this.len;
    if (p + 4 > len) return NEED_MORE;
    // `*2\r\n`: any other count (or type) is not an XRANGE entry.
    if (buf[p] !== STAR || buf[p + 1] !== 0x32 || buf[p + 2] !== CR || buf[p + 3] !== LF) {
      throw new ReplySurprise(buf[p] === STAR ? 'an entry that is not [id, fields]' : `an entry of type 0x${buf[p]!.toString(16)}`);
    }
    p = bulkAt(buf, len, p + 4);
    if (p === NEED_MORE) return NEED_MORE;
    const idStart = bulkStart;
    const idEnd = p - 2;
    // The field list.
    if (p >= len) return NEED_MORE;
    if (buf[p] !== STAR) throw new ReplySurprise('a field list that is not an array');
    p = this.readInt(p + 1);
    if (p === NEED_MORE) return NEED_MORE;
    const fields = this.int;
    if (fields < 0) throw new ReplySurprise('a null field list');
    let dStart = -1;
    let dEnd = -1;
    let xStart = -1;
    let xEnd = -1;
    let nameStart = 0;
    let nameLen = 0;
    for (let f = 0; f < fields; f++) {
      p = bulkAt(buf, len, p);
      if (p === NEED_MORE) return NEED_MORE;
      const start = bulkStart;
      const end = p - 2;
      if ((f & 1) === 0) {
        nameStart = start;
        nameLen = end - start;
      } else if (nameLen === 1) {
        if (buf[nameStart] === 0x64) {
          dStart = start;
          dEnd = end;
        }
      } else if (nameLen === 8 && isDedupIdName(buf, nameStart)) {
        xStart = start;
        xEnd = end;
      }
    }
    const offsets = this.offsets;
    offsets[o] = idStart;
    offsets[o + 1] = idEnd;
    offsets[o + 2] = dStart;
    offsets[o + 3] = dEnd;
    offsets[o + 4] = xStart;
    offsets[o + 5] = xEnd;
    return p;
  }

  /** A decimal integer line at `p` (optional `-`, digits, CRLF) into `this.int`; the index after it, or NEED_MORE. */
  private readInt(p: number): number {
    const buf = this.buf;
    const len = this.len;
    let sign = 1;
    if (p < len && buf[p] === MINUS) {
      sign = -1;
      p++;
    }
    let n = 0;
    let digits = 0;
    for (;;) {
      if (p >= len) return NEED_MORE;
      const c = buf[p]!;
      if (c === CR) break;
      const d = c - 0x30;
      if (d < 0 || d > 9 || digits === 10) throw new ReplySurprise('a malformed length');
      n = n * 10 + d;
      digits++;
      p++;
    }
    if (p + 1 >= len) return NEED_MORE;
    if (digits === 0 || buf[p + 1] !== LF) throw new ReplySurprise('a malformed length');
    this.int = sign * n;
    return p + 2;
  }
}

/** Set by bulkAt: where the bulk string's bytes start. */
let bulkStart = 0;

/**
 * A bulk string `$<len>\r\n<bytes>\r\n` at `p`: the index after it (its bytes start at
 * `bulkStart`), or NEED_MORE. A free function with its output in a module variable, so that the
 * JIT inlines it into the entry loop (five of these per entry).
 */
function bulkAt(buf: Uint8Array, len: number, p: number): number {
  if (p >= len) return NEED_MORE;
  if (buf[p] !== DOLLAR) throw new ReplySurprise('a field or id that is not a bulk string');
  let q = p + 1;
  let n = 0;
  for (;;) {
    if (q >= len) return NEED_MORE;
    const c = buf[q]!;
    if (c === CR) break;
    const d = c - 0x30;
    // A '-' (a null bulk string) lands here too: Redis never sends one inside an XRANGE entry.
    if (d < 0 || d > 9 || q - p > 10) throw new ReplySurprise('a malformed bulk string length');
    n = n * 10 + d;
    q++;
  }
  if (q === p + 1 || n > MAX_BULK) throw new ReplySurprise('a malformed bulk string length');
  if (q + 1 >= len) return NEED_MORE;
  if (buf[q + 1] !== LF) throw new ReplySurprise('a malformed bulk string length');
  const start = q + 2;
  const end = start + n;
  if (end + 2 > len) return NEED_MORE;
  if (buf[end] !== CR || buf[end + 1] !== LF) throw new ReplySurprise('a bulk string without its CRLF');
  bulkStart = start;
  return end + 2;
}

const NONE: XrangePage[] = [];

const DEDUP_ID = [0x64, 0x65, 0x64, 0x75, 0x70, 0x5f, 0x69, 0x64]; // "dedup_id"

function isDedupIdName(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 8; i++) if (b[at + i] !== DEDUP_ID[i]) return false;
  return true;
}

/** The text of entry `k`'s id (Redis ids are ASCII `<ms>-<seq>`). */
export function entryIdText(page: XrangePage, k: number): string {
  const o = k * ENTRY_WORDS;
  const start = page.offsets[o + ID_START]!;
  const end = page.offsets[o + ID_END]!;
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(page.buf[i]!);
  return text;
}

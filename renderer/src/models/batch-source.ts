/**
 * The publisher's source text → the events of a test batch, with cli.md `publish`'s definitions:
 *
 * - `json`: one JSON array; each element is embedded as compact JSON, made by removing the
 *   whitespace between tokens of the text as written, so numbers (big integers, `1.0`, `1e3`),
 *   string escapes and key order survive exactly (never a JSON.parse/stringify round trip,
 *   contract 7.8).
 * - `ndjson`: one event per non-blank line, embedded verbatim (only the line terminator and the
 *   whitespace around the value are dropped, as the command line does).
 *
 * Templates are expanded per event of the final batch (so per copy): `{{i}}` (the event's index in
 * the batch, the `i` of its dedup_id), `{{now}}` (epoch ms), `{{uuid}}`, `{{rand:a..b}}` (an integer
 * in [a, b]). Outside a string a template stands for a value, so only the numeric ones may appear
 * there (`{{uuid}}` must be quoted); inside a string any known template is expanded and other
 * `{{...}}` text is left alone. Validation runs on the text as written with templates in place, so
 * every error points at the exact line and column the user typed; an expanded event is valid JSON
 * by construction (numbers replace value templates; string templates expand to plain characters).
 *
 * Pure and DOM-free: the view calls it as the user types, the store calls it again to build the
 * batch it previews and publishes.
 */

export type BatchFormat = 'json' | 'ndjson';

export type Template = { name: 'i' } | { name: 'now' } | { name: 'uuid' } | { name: 'rand'; min: number; max: number };

/** A piece of one event's text: literal text, or a template to expand. */
export type Piece = string | Template;

export interface SourceEvent {
  /** The event's text with templates left as pieces; a single string when it has none. */
  pieces: Piece[];
  /** UTF-16 offset in the source where the event starts (positionOf gives its line). */
  offset: number;
}

export interface BatchProblem {
  message: string;
  /** UTF-16 offset in the source text, and its 1-based line and column. */
  offset: number;
  line: number;
  column: number;
  /** Length of the highlighted span (at least 1). */
  length: number;
}

export type ParsedSource =
  | { ok: true; events: SourceEvent[]; templates: boolean; bytesPerCopy: number }
  | { ok: false; problem: BatchProblem; eventsBefore: number };

class SourceError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly length = 1,
  ) {
    super(message);
  }
}

const TEMPLATE = /^\{\{(i|now|uuid|rand:(-?\d{1,15})\.\.(-?\d{1,15}))\}\}/;
const ANY_TEMPLATE = /^\{\{[^{}\n]{0,64}\}\}/;

/** UTF-8 length of a JS string (lone surrogates count as the 3-byte replacement they would become). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && k + 1 < s.length && (s.charCodeAt(k + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      k++;
    } else n += 3;
  }
  return n;
}

/** Where an offset is, 1-based (columns count UTF-16 code units, like the command line). */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let k = text.indexOf('\n'); k >= 0 && k < end; k = text.indexOf('\n', k + 1)) {
    line++;
    lineStart = k + 1;
  }
  return { line, column: end - lineStart + 1 };
}

function describe(text: string, i: number, end: number): string {
  if (i >= end) return i >= text.length ? 'the end of the text' : 'the end of the line';
  const c = text[i] as string;
  if (c === '\n' || c === '\r') return 'a line break';
  if (c === '\t') return 'a tab';
  const code = c.charCodeAt(0);
  if (code < 0x20) return `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}`;
  const word = /^[A-Za-z_][\w.-]{0,15}/.exec(text.slice(i, i + 16))?.[0];
  return word && word.length > 1 ? `"${word}"` : JSON.stringify(c);
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Parses a template at `i` (text starts with `{{`); null when it is not a known one. */
function readTemplate(text: string, i: number): { tpl: Template; end: number } | { error: string; end: number } | null {
  const head = text.slice(i, i + 80);
  const m = TEMPLATE.exec(head);
  if (m) {
    const end = i + m[0].length;
    if (m[1] === 'i') return { tpl: { name: 'i' }, end };
    if (m[1] === 'now') return { tpl: { name: 'now' }, end };
    if (m[1] === 'uuid') return { tpl: { name: 'uuid' }, end };
    const min = Number(m[2]);
    const max = Number(m[3]);
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) return { error: 'the bounds of {{rand:a..b}} must be integers within ±2^53', end };
    if (min > max) return { error: `{{rand:${m[2]}..${m[3]}}}: the lower bound is greater than the upper one`, end };
    return { tpl: { name: 'rand', min, max }, end };
  }
  const any = ANY_TEMPLATE.exec(head);
  if (any) return { error: `unknown template ${any[0]}: use {{i}}, {{now}}, {{uuid}} or {{rand:a..b}}`, end: i + any[0].length };
  return null;
}

/**
 * Validates one JSON value in `text[i..end)` (after optional whitespace) and appends its pieces.
 * Returns the index just after the value. Iterative (no depth limit, like net-mesh's reader).
 * `compact`: drop whitespace between tokens; else keep the value's text verbatim.
 */
function scanValue(text: string, start: number, end: number, compact: boolean, pieces: Piece[]): { end: number; templates: boolean } {
  let i = start;
  let seg = -1;
  let templates = false;
  const stack: number[] = []; // 1 = object, 2 = array
  const flush = (to: number) => {
    if (seg >= 0 && to > seg) {
      const s = text.slice(seg, to);
      const last = pieces[pieces.length - 1];
      if (typeof last === 'string') pieces[pieces.length - 1] = last + s;
      else pieces.push(s);
    }
  };
  const ws = () => {
    const from = i;
    while (i < end && isWs(text.charCodeAt(i))) i++;
    if (compact && seg >= 0 && i > from) {
      flush(from);
      seg = i;
    }
  };
  const expect = (what: string): never => {
    throw new SourceError(`expected ${what}, found ${describe(text, i, end)}`, i);
  };
  const template = (inString: boolean): boolean => {
    const t = readTemplate(text, i);
    if (t === null) return false;
    // Inside a string, text that is not one of our templates is just text (e.g. a mustache payload).
    if ('error' in t && inString && t.error.startsWith('unknown template')) return false;
    if ('error' in t) throw new SourceError(t.error, i, t.end - i);
    if (!inString && t.tpl.name === 'uuid') {
      throw new SourceError('{{uuid}} stands for text: put it inside a string ("{{uuid}}")', i, t.end - i);
    }
    flush(i);
    pieces.push(t.tpl);
    templates = true;
    i = t.end;
    seg = i;
    return true;
  };
  const string = () => {
    // text[i] is the opening quote.
    i++;
    for (;;) {
      if (i >= end) throw new SourceError('this string is not closed: a string ends at a " on the same line', i);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c === 0x5c) {
        const e = text.charCodeAt(i + 1);
        if (e === 0x75) {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new SourceError('a \\u escape needs four hex digits', i, 2);
          i += 6;
        } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
          i += 2;
        } else {
          throw new SourceError(`invalid escape \\${i + 1 < end ? text[i + 1] : ''} in a string (valid: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`, i, 2);
        }
        continue;
      }
      if (c < 0x20) {
        throw new SourceError(
          c === 0x0a || c === 0x0d ? 'this string is not closed before the end of the line' : `${describe(text, i, end)} must be escaped inside a string`,
          i,
        );
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const pair = c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
        if (!pair) throw new SourceError('a lone UTF-16 surrogate cannot be encoded as UTF-8', i);
        i += 2;
        continue;
      }
      if (c === 0x7b && text.charCodeAt(i + 1) === 0x7b && template(true)) continue;
      i++;
    }
  };
  const number = () => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, Math.min(end, i + 4096)));
    if (!m || m[0] === '-') expect('a value');
    const after = i + (m as RegExpExecArray)[0].length;
    const next = text.charCodeAt(after);
    if (after < end && ((next >= 0x30 && next <= 0x39) || next === 0x2e || next === 0x65 || next === 0x45)) {
      throw new SourceError('this is not a valid JSON number (no leading zeros, digits on both sides of ".")', i, after - i + 1);
    }
    i = after;
  };

  ws();
  seg = i;
  for (;;) {
    // A value.
    ws();
    const c = text.charCodeAt(i);
    if (i >= end) expect('a value');
    if (c === 0x7b && text.charCodeAt(i + 1) === 0x7b) {
      if (!template(false)) expect('a value');
    } else if (c === 0x7b || c === 0x5b) {
      i++;
      ws();
      const close = c === 0x7b ? 0x7d : 0x5d;
      if (text.charCodeAt(i) === close) {
        i++;
      } else {
        stack.push(c === 0x7b ? 1 : 2);
        if (c === 0x7b) {
          if (text.charCodeAt(i) !== 0x22) expect('a string key in double quotes or "}"');
          string();
          ws();
          if (text.charCodeAt(i) !== 0x3a) expect('":" after the key');
          i++;
        }
        continue;
      }
    } else if (c === 0x22) {
      string();
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      number();
    } else if (text.startsWith('true', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else if (text.startsWith('null', i)) i += 4;
    else if (c === 0x27) throw new SourceError("strings use double quotes in JSON, not single quotes", i);
    else expect('a value (object, array, string, number, true, false or null)');

    // After a value: close containers or go on to the next member.
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        flush(i);
        return { end: i, templates };
      }
      ws();
      const d = text.charCodeAt(i);
      if (d === 0x2c) {
        i++;
        ws();
        if (top === 1) {
          if (text.charCodeAt(i) === 0x7d) throw new SourceError('a trailing comma is not allowed in JSON', i);
          if (text.charCodeAt(i) !== 0x22) expect('a string key in double quotes');
          string();
          ws();
          if (text.charCodeAt(i) !== 0x3a) expect('":" after the key');
          i++;
        } else if (text.charCodeAt(i) === 0x5d) {
          throw new SourceError('a trailing comma is not allowed in JSON', i);
        }
        break;
      }
      if ((top === 1 && d === 0x7d) || (top === 2 && d === 0x5d)) {
        i++;
        stack.pop();
        continue;
      }
      expect(top === 1 ? '"," or "}" after a value in an object' : '"," or "]" after a value in an array');
    }
  }
}

function fail(text: string, e: unknown, eventsBefore: number): ParsedSource {
  if (!(e instanceof SourceError)) throw e;
  const { line, column } = positionOf(text, e.offset);
  return { ok: false, eventsBefore, problem: { message: e.message, offset: e.offset, line, column, length: Math.max(1, e.length) } };
}

function piecesBytes(pieces: Piece[]): number {
  let n = 0;
  for (const p of pieces) {
    if (typeof p === 'string') n += utf8Length(p);
    else n += p.name === 'uuid' ? 36 : p.name === 'now' ? 13 : p.name === 'i' ? 6 : 16;
  }
  return n;
}

/** Validates the source and returns its events (one copy), or the first problem with its position. */
export function parseSource(text: string, format: BatchFormat): ParsedSource {
  const events: SourceEvent[] = [];
  let templates = false;
  let bytes = 0;
  const add = (pieces: Piece[], at: number, t: boolean) => {
    events.push({ pieces, offset: at });
    templates ||= t;
    bytes += piecesBytes(pieces);
  };
  try {
    if (format === 'ndjson') {
      let start = 0;
      while (start <= text.length) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        let a = start;
        while (a < end && isWs(text.charCodeAt(a))) a++;
        if (a < end) {
          const pieces: Piece[] = [];
          const r = scanValue(text, a, end, false, pieces);
          let k = r.end;
          while (k < end && isWs(text.charCodeAt(k))) k++;
          if (k < end) throw new SourceError(`one event per line: unexpected ${describe(text, k, end)} after the event`, k);
          add(pieces, a, r.templates);
        }
        start = end + 1;
      }
      return { ok: true, events, templates, bytesPerCopy: bytes };
    }
    const end = text.length;
    let i = 0;
    while (i < end && isWs(text.charCodeAt(i))) i++;
    if (i >= end) return { ok: true, events, templates, bytesPerCopy: 0 };
    if (text.charCodeAt(i) !== 0x5b) {
      throw new SourceError(
        text.charCodeAt(i) === 0x7b ? 'a JSON batch is an array of events: wrap the event in [ ] (or switch to NDJSON, one event per line)' : `a JSON batch is an array of events: expected "[", found ${describe(text, i, end)}`,
        i,
      );
    }
    i++;
    while (i < end && isWs(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 0x5d) {
      for (;;) {
        const at = i;
        const pieces: Piece[] = [];
        const r = scanValue(text, i, end, true, pieces);
        add(pieces, at, r.templates);
        i = r.end;
        while (i < end && isWs(text.charCodeAt(i))) i++;
        const c = text.charCodeAt(i);
        if (c === 0x5d) break;
        if (c !== 0x2c) throw new SourceError(`expected "," or "]" after event ${events.length}, found ${describe(text, i, end)}`, i);
        i++;
        while (i < end && isWs(text.charCodeAt(i))) i++;
        if (text.charCodeAt(i) === 0x5d) throw new SourceError('a trailing comma is not allowed in JSON', i);
      }
    }
    i++;
    while (i < end && isWs(text.charCodeAt(i))) i++;
    if (i < end) throw new SourceError(`unexpected ${describe(text, i, end)} after the array: a batch is one JSON array`, i);
    return { ok: true, events, templates, bytesPerCopy: bytes };
  } catch (e) {
    return fail(text, e, events.length);
  }
}

export interface ExpandContext {
  now(): number;
  uuid(): string;
  /** A float in [0, 1). */
  random(): number;
}

export function defaultExpandContext(): ExpandContext {
  return {
    now: () => Date.now(),
    uuid: () => {
      const c = globalThis.crypto;
      if (typeof c.randomUUID === 'function') return c.randomUUID();
      const b = c.getRandomValues(new Uint8Array(16));
      b[6] = ((b[6] as number) & 0x0f) | 0x40;
      b[8] = ((b[8] as number) & 0x3f) | 0x80;
      const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
    random: () => Math.random(),
  };
}

/**
 * The batch's events: `copies` copies of the source events, templates expanded per event; event
 * `k` of copy `c` is batch event `c * events.length + k` (its `{{i}}`).
 */
export function expandEvents(events: SourceEvent[], copies: number, ctx: ExpandContext = defaultExpandContext()): string[] {
  const out: string[] = new Array<string>(events.length * copies);
  let i = 0;
  for (let c = 0; c < copies; c++) {
    for (const ev of events) {
      const ps = ev.pieces;
      if (ps.length === 1 && typeof ps[0] === 'string') {
        out[i] = ps[0];
      } else {
        let s = '';
        for (const p of ps) {
          if (typeof p === 'string') s += p;
          else if (p.name === 'i') s += String(i);
          else if (p.name === 'now') s += String(ctx.now());
          else if (p.name === 'uuid') s += ctx.uuid();
          else s += String(p.min + Math.floor(ctx.random() * (p.max - p.min + 1)));
        }
        out[i] = s;
      }
      i++;
    }
  }
  return out;
}

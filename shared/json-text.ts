/**
 * JSON as text: walking, pretty-printing and querying a JSON document without ever turning it into
 * JS values. `r` must be shown exactly as stored (contract 1.4, 7.8): `JSON.parse` would round
 * 18446744073709551615 to 18446744073709552000 and drop `12.50`'s trailing zero, so everything here
 * works on source spans, and number literals stay their source text.
 *
 * Every function is iterative (no recursion), so a deeply nested payload cannot overflow the
 * stack, and linear in the bytes it looks at, so a 5 MB payload costs one pass, not one per level.
 * Inputs are expected to be valid JSON (net-mesh's reader validated `r`); on malformed text the
 * functions return -1 / undefined / a `truncated` result rather than throwing.
 */

export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'true' | 'false' | 'null';

/** A value's source span: `text.slice(start, end)` is the value exactly as stored. */
export interface JsonSpan {
  kind: JsonKind;
  start: number;
  end: number;
}

/** One member of an object (with its key literal) or element of an array (with its index). */
export interface JsonMember extends JsonSpan {
  /** The key as written, quotes and escapes included, for objects. */
  keyRaw?: string;
  index: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Index of the first non-whitespace character at or after `i`. */
export function skipWs(text: string, i: number): number {
  while (i < text.length && isWs(text.charCodeAt(i))) i++;
  return i;
}

/** Index just past the string literal whose opening quote is at `i`, or -1 when it never closes. */
export function skipString(text: string, i: number): number {
  let k = i + 1;
  for (;;) {
    const q = text.indexOf('"', k);
    if (q < 0) return -1;
    // The quote is escaped when an odd number of backslashes precede it.
    let b = q - 1;
    while (b > i && text.charCodeAt(b) === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    k = q + 1;
  }
}

/** The kind of the value starting at `i` (no whitespace skipped), or null when none starts there. */
export function kindAt(text: string, i: number): JsonKind | null {
  const c = text.charCodeAt(i);
  if (c === LBRACE) return 'object';
  if (c === LBRACKET) return 'array';
  if (c === QUOTE) return 'string';
  if (c === 0x74) return 'true';
  if (c === 0x66) return 'false';
  if (c === 0x6e) return 'null';
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return 'number';
  return null;
}

function isDelimiter(c: number): boolean {
  return isWs(c) || c === COMMA || c === RBRACE || c === RBRACKET || c === COLON;
}

/**
 * Index just past the value that starts at or after `i` (leading whitespace skipped), or -1 when
 * no complete value is there. Containers are skipped with a depth counter, strings with indexOf.
 */
export function skipValue(text: string, i: number): number {
  i = skipWs(text, i);
  const c = text.charCodeAt(i);
  if (c === QUOTE) return skipString(text, i);
  if (c === LBRACE || c === LBRACKET) {
    let depth = 0;
    const n = text.length;
    for (let k = i; k < n; k++) {
      const ch = text.charCodeAt(k);
      if (ch === QUOTE) {
        const e = skipString(text, k);
        if (e < 0) return -1;
        k = e - 1;
      } else if (ch === LBRACE || ch === LBRACKET) {
        depth++;
      } else if (ch === RBRACE || ch === RBRACKET) {
        depth--;
        if (depth === 0) return k + 1;
      }
    }
    return -1;
  }
  let k = i;
  while (k < text.length && !isDelimiter(text.charCodeAt(k))) k++;
  return k > i ? k : -1;
}

/** The span of the whole document (surrounding whitespace excluded), or undefined when it is not one value. */
export function rootSpan(text: string): JsonSpan | undefined {
  const start = skipWs(text, 0);
  const kind = kindAt(text, start);
  if (kind === null) return undefined;
  const end = skipValue(text, start);
  if (end < 0 || skipWs(text, end) !== text.length) return undefined;
  return { kind, start, end };
}

export interface MembersPage {
  members: JsonMember[];
  /** Where to continue (`from` of the next call), or -1 when the container was read to its end. */
  next: number;
  /** The index of the next member when `next` >= 0. */
  nextIndex: number;
}

/**
 * The members of the object or array whose opening bracket is at `start`, at most `limit` of them,
 * beginning at character `from` (the `next` of a previous page) with member index `fromIndex`.
 * Children are skipped, not read: listing the top level of a 5 MB document is one pass over it.
 */
export function membersOf(text: string, start: number, limit = Infinity, from = -1, fromIndex = 0): MembersPage {
  const open = text.charCodeAt(start);
  const isObject = open === LBRACE;
  const close = isObject ? RBRACE : RBRACKET;
  const members: JsonMember[] = [];
  let i = from >= 0 ? from : start + 1;
  let index = fromIndex;
  for (;;) {
    i = skipWs(text, i);
    const c = text.charCodeAt(i);
    if (c === close || i >= text.length) return { members, next: -1, nextIndex: index };
    if (c === COMMA) {
      i++;
      continue;
    }
    if (members.length >= limit) return { members, next: i, nextIndex: index };
    let keyRaw: string | undefined;
    if (isObject) {
      const keyEnd = skipString(text, i);
      if (c !== QUOTE || keyEnd < 0) return { members, next: -1, nextIndex: index };
      keyRaw = text.slice(i, keyEnd);
      i = skipWs(text, keyEnd);
      if (text.charCodeAt(i) !== COLON) return { members, next: -1, nextIndex: index };
      i = skipWs(text, i + 1);
    }
    const kind = kindAt(text, i);
    const end = kind === null ? -1 : skipValue(text, i);
    if (kind === null || end < 0) return { members, next: -1, nextIndex: index };
    const m: JsonMember = { kind, start: i, end, index };
    if (keyRaw !== undefined) m.keyRaw = keyRaw;
    members.push(m);
    index++;
    i = end;
  }
}

/** The text of a JSON string literal (quotes included) as a JS string; the raw text when it is malformed. */
export function decodeString(literal: string): string {
  if (literal.indexOf('\\') < 0) return literal.slice(1, -1);
  try {
    const v: unknown = JSON.parse(literal);
    return typeof v === 'string' ? v : literal;
  } catch {
    return literal;
  }
}

// ---------- pretty printing ----------

export interface PrettyResult {
  text: string;
  /** True when the output was cut at `maxChars`. */
  truncated: boolean;
}

/**
 * Re-indents JSON text, copying every string and number literal verbatim (so big integers and
 * `12.50` survive), empty containers kept on one line. Cut at `maxChars` of output. Text that is
 * not JSON comes back as it is.
 */
export function prettyPrint(text: string, indent = 2, maxChars = 4_000_000): PrettyResult {
  if (rootSpan(text) === undefined) return { text, truncated: false };
  const out: string[] = [];
  let size = 0;
  let depth = 0;
  const pad = (d: number) => '\n' + ' '.repeat(d * indent);
  const push = (s: string) => {
    out.push(s);
    size += s.length;
  };
  const n = text.length;
  for (let i = 0; i < n && size < maxChars; ) {
    const c = text.charCodeAt(i);
    if (isWs(c)) {
      i++;
    } else if (c === QUOTE) {
      const e = skipString(text, i);
      push(text.slice(i, e));
      i = e;
    } else if (c === LBRACE || c === LBRACKET) {
      const j = skipWs(text, i + 1);
      const after = text.charCodeAt(j);
      if (after === RBRACE || after === RBRACKET) {
        push(text[i]! + text[j]!);
        i = j + 1;
      } else {
        depth++;
        push(text[i]! + pad(depth));
        i++;
      }
    } else if (c === RBRACE || c === RBRACKET) {
      depth--;
      push(pad(depth) + text[i]!);
      i++;
    } else if (c === COMMA) {
      push(',' + pad(depth));
      i++;
    } else if (c === COLON) {
      push(': ');
      i++;
    } else {
      const e = skipValue(text, i);
      const stop = e > i ? e : i + 1;
      push(text.slice(i, stop));
      i = stop;
    }
  }
  const joined = out.join('');
  return size >= maxChars ? { text: joined.slice(0, maxChars), truncated: true } : { text: joined, truncated: false };
}

// ---------- JSON path equals ----------

export type PathStep = { key: string } | { index: number };

/**
 * Parses a JSON path of the simple form people type: `$`, then `.name`, `["any key"]` or `[3]`
 * steps, e.g. `$.order.id`, `$.items[0]["unit price"]`. Throws Error naming the problem.
 */
export function parseJsonPath(path: string): PathStep[] {
  const p = path.trim();
  if (!p.startsWith('$')) throw new Error('a JSON path starts with $, e.g. $.order.id');
  const steps: PathStep[] = [];
  let i = 1;
  while (i < p.length) {
    const c = p[i];
    if (c === '.') {
      const m = /^[A-Za-z0-9_$@-]+/.exec(p.slice(i + 1));
      if (!m) throw new Error(`expected a name after "." at character ${i + 1} of ${p}`);
      steps.push({ key: m[0] });
      i += 1 + m[0].length;
    } else if (c === '[') {
      const rest = p.slice(i + 1);
      const num = /^\s*(\d{1,9})\s*\]/.exec(rest);
      if (num) {
        steps.push({ index: Number(num[1]) });
        i += 1 + num[0].length;
        continue;
      }
      const q = rest.trimStart();
      const lead = rest.length - q.length;
      const quote = q[0];
      if (quote !== '"' && quote !== "'") throw new Error(`expected an index or a quoted key after "[" at character ${i + 1} of ${p}`);
      let k = 1;
      let key = '';
      while (k < q.length && q[k] !== quote) {
        if (q[k] === '\\' && k + 1 < q.length) k++;
        key += q[k];
        k++;
      }
      if (k >= q.length) throw new Error(`unclosed quoted key in ${p}`);
      const close = /^\s*\]/.exec(q.slice(k + 1));
      if (!close) throw new Error(`expected "]" after the quoted key in ${p}`);
      steps.push({ key });
      i += 1 + lead + k + 1 + close[0].length;
    } else if (c === ' ' || c === '\t') {
      i++;
    } else {
      throw new Error(`unexpected "${c}" at character ${i + 1} of ${p}`);
    }
  }
  return steps;
}

/** The span the path selects in `text`, or undefined when the path does not exist there. */
export function evaluatePath(text: string, steps: readonly PathStep[]): JsonSpan | undefined {
  let span = rootSpan(text);
  for (const step of steps) {
    if (!span) return undefined;
    span = childSpan(text, span, step);
  }
  return span;
}

function childSpan(text: string, span: JsonSpan, step: PathStep): JsonSpan | undefined {
  if ('index' in step) {
    if (span.kind !== 'array') return undefined;
    const page = membersOf(text, span.start, step.index + 1);
    const m = page.members[step.index];
    return m ? { kind: m.kind, start: m.start, end: m.end } : undefined;
  }
  if (span.kind !== 'object') return undefined;
  let from = -1;
  let found: JsonSpan | undefined;
  // The last duplicate key wins, as in most JSON readers; objects are read in bounded pages.
  for (;;) {
    const page = membersOf(text, span.start, 256, from);
    for (const m of page.members) {
      if (m.keyRaw !== undefined && decodeString(m.keyRaw) === step.key) found = { kind: m.kind, start: m.start, end: m.end };
    }
    if (page.next < 0) return found;
    from = page.next;
  }
}

/** A literal to compare against: its kind and source text (strings also decoded). */
export interface JsonLiteral {
  kind: JsonKind;
  raw: string;
  /** The decoded value of a string literal. */
  value?: string;
}

/**
 * Parses the right-hand side of `path == literal`: a JSON literal (`"123"`, `123`, `true`,
 * `null`), or a bare word, which is read as a string (`== ok` means `== "ok"`).
 */
export function parseLiteral(text: string): JsonLiteral {
  const raw = text.trim();
  const kind = kindAt(raw, 0);
  if (kind === 'string') {
    const end = skipString(raw, 0);
    if (end === raw.length) return { kind, raw, value: decodeString(raw) };
  } else if (kind === 'number') {
    if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return { kind, raw };
  } else if ((kind === 'true' || kind === 'false' || kind === 'null') && raw === kind) {
    return { kind, raw };
  }
  return { kind: 'string', raw: JSON.stringify(raw), value: raw };
}

/**
 * Exact comparison of the value at `span` with a literal: strings by their decoded text, every
 * other literal by its source text, so `12.50` does not equal `12.5` and big integers compare
 * digit for digit (nothing goes through a JS number).
 */
export function literalEquals(text: string, span: JsonSpan, literal: JsonLiteral): boolean {
  if (span.kind !== literal.kind) return false;
  const raw = text.slice(span.start, span.end);
  if (span.kind === 'string') return decodeString(raw) === literal.value;
  return raw === literal.raw;
}

export interface PathEquals {
  path: string;
  steps: PathStep[];
  literal: JsonLiteral;
}

/** Parses `$.path == literal`. Throws Error naming the problem. */
export function parsePathEquals(expression: string): PathEquals {
  const at = expression.indexOf('==');
  if (at < 0) throw new Error('a JSON-path filter looks like $.order.id == "123"');
  const path = expression.slice(0, at).trim();
  const steps = parseJsonPath(path);
  const right = expression.slice(at + 2);
  if (right.trim() === '') throw new Error('a JSON-path filter needs a value after ==');
  return { path, steps, literal: parseLiteral(right) };
}

/** True when the JSON text has the literal at the path. */
export function matchesPathEquals(text: string, q: PathEquals): boolean {
  const span = evaluatePath(text, q.steps);
  return span !== undefined && literalEquals(text, span, q.literal);
}

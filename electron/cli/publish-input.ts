/**
 * Reading a `publish --file` batch (cli.md `publish`): `.ndjson` (one event per non-blank line) or
 * `.json` (an array of events). Pure: bytes in, the events' raw JSON texts out, or a usage error
 * naming the line or element at fault. Every event is checked before anything is returned, so
 * an invalid file publishes nothing.
 */
import { usageError } from '../../shared/errors';
import { decodePayload, encodePayload, firstInvalidUtf8 } from '../../shared/wire';

/** net-mesh caps a batch at 1,000,000 events (contract 2, `BatchConfig.max_size`). */
export const MAX_FILE_EVENTS = 1_000_000;

export type BatchFormat = 'ndjson' | 'json';

/** The format a file name selects, or a usage error for any other extension. */
export function batchFormat(fileName: string): BatchFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson';
  if (lower.endsWith('.json')) return 'json';
  throw usageError(`--file ${fileName}: the batch file must end in .ndjson (one event per line) or .json (an array of events)`);
}

/**
 * The events of a batch file, each as the exact JSON text to embed as `r`.
 *
 * - `.ndjson`: every non-blank line is one event, embedded verbatim: only the line terminator
 *   (`\n` or `\r\n`) and whitespace around the value are dropped. The surrounding whitespace is
 *   dropped because the reader's `r` never includes it (serde's RawValue), so keeping it would
 *   make `read` return different bytes from the ones the user wrote.
 * - `.json`: a JSON array; each element is embedded as compact JSON, made by removing whitespace
 *   between tokens of the original text, so numbers (big integers, `1.0`, `1e3`), string escapes
 *   and key order survive exactly (no JSON.parse/stringify round trip, contract 7.8).
 * - Each event must be valid JSON (JSON.parse decides) and the payload built from it must be one
 *   net-mesh's reader accepts; otherwise a usage error names the line or element (1-based).
 * - A file with no events (empty, blank lines, `[]`) gives an empty list.
 */
export function parseBatchFile(fileName: string, bytes: Uint8Array): string[] {
  const format = batchFormat(fileName);
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) throw usageError(`${fileName}: not valid UTF-8 (byte ${bad})`);
  let text = new TextDecoder('utf-8').decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return format === 'ndjson' ? parseNdjson(fileName, text) : parseJsonArray(fileName, text);
}

function parseNdjson(fileName: string, text: string): string[] {
  const events: string[] = [];
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = trimJsonWs(text.slice(start, end));
    start = end + 1;
    if (line === '') continue;
    checkEvent(line, line, () => `${fileName} line ${lineNo}`);
    events.push(line);
    if (events.length > MAX_FILE_EVENTS) throw tooMany(fileName);
  }
  return events;
}

function parseJsonArray(fileName: string, text: string): string[] {
  let i = skipWs(text, 0);
  if (i >= text.length) return [];
  if (text.charCodeAt(i) !== 0x5b) {
    throw usageError(`${fileName} ${where(text, i)}: a .json batch file must hold a JSON array of events`);
  }
  const events: string[] = [];
  i = skipWs(text, i + 1);
  if (text.charCodeAt(i) === 0x5d) return finishArray(fileName, text, i + 1, events);
  for (;;) {
    const element = events.length + 1;
    const at = i;
    const { end, compact } = compactValue(text, i);
    if (compact === '') {
      throw usageError(`${fileName} element ${element} ${where(text, at)}: expected an event (a JSON value)`);
    }
    // The original text is what must be valid JSON: removing whitespace from invalid text can
    // make it valid (`1 2` would become `12`).
    checkEvent(trimJsonWs(text.slice(at, end)), compact, () => `${fileName} element ${element} ${where(text, at)}`);
    events.push(compact);
    if (events.length > MAX_FILE_EVENTS) throw tooMany(fileName);
    i = skipWs(text, end);
    const c = text.charCodeAt(i);
    if (c === 0x5d) return finishArray(fileName, text, i + 1, events);
    if (c !== 0x2c) {
      const found = i >= text.length ? 'the end of the file' : JSON.stringify(text[i]);
      throw usageError(`${fileName} ${where(text, i)}: expected "," or "]" after element ${element}, found ${found}`);
    }
    i = skipWs(text, i + 1);
  }
}

function finishArray(fileName: string, text: string, i: number, events: string[]): string[] {
  const rest = skipWs(text, i);
  if (rest < text.length) throw usageError(`${fileName} ${where(text, rest)}: unexpected text after the array`);
  return events;
}

/**
 * The extent of the JSON value starting at `i` and its text without inter-token whitespace.
 * Only structure is tracked here (strings, nesting); JSON.parse validates the result.
 */
function compactValue(text: string, i: number): { end: number; compact: string } {
  const parts: string[] = [];
  let depth = 0;
  let runStart = i;
  let k = i;
  for (; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x22) {
      k++;
      while (k < text.length) {
        const s = text.charCodeAt(k);
        if (s === 0x5c) k += 2;
        else if (s === 0x22) break;
        else k++;
      }
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      if (k > runStart) parts.push(text.slice(runStart, k));
      runStart = k + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) break;
      depth--;
    } else if (c === 0x2c && depth === 0) break;
  }
  const end = Math.min(k, text.length);
  if (end > runStart) parts.push(text.slice(runStart, end));
  return { end, compact: parts.join('') };
}

function checkEvent(source: string, embedded: string, name: () => string): void {
  try {
    JSON.parse(source);
  } catch (e) {
    throw usageError(`${name()}: not valid JSON: ${(e as Error).message}`);
  }
  // Belt and braces: the payload built around the event must be one net-mesh's reader accepts
  // (cli.md `read`: "ok exactly when the Rust reader would accept it").
  const decoded = decodePayload(encodePayload(embedded, 0n, 0));
  if (!decoded.ok) throw usageError(`${name()}: net-mesh could not read this event back: ${decoded.reason}`);
}

function tooMany(fileName: string): Error {
  return usageError(`${fileName}: more than ${MAX_FILE_EVENTS} events; net-mesh batches hold at most ${MAX_FILE_EVENTS}`);
}

function trimJsonWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWs(s.charCodeAt(a))) a++;
  while (b > a && isWs(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** `(line L, column C)`, 1-based, of index `i`. */
function where(text: string, i: number): string {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < i && k < text.length; k++) {
    if (text.charCodeAt(k) === 0x0a) {
      line++;
      lineStart = k + 1;
    }
  }
  return `(line ${line}, column ${i - lineStart + 1})`;
}

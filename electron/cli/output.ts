/**
 * Output helpers for the command line: the one JSON document of `--json` (bigints written as
 * exact JSON numbers) and plain-text tables for people.
 */

// A NUL plus a per-process random tag: no string in the data can be mistaken for the marker.
const BIG_TAG = `bigint${Math.random().toString(36).slice(2, 10)}:`;
const BIG_MARK = `\u0000${BIG_TAG}`;
const BIG_PATTERN = new RegExp(`"\\\\u0000${BIG_TAG}(-?\\d+)"`, 'g');

/**
 * JSON text of `value` with bigints written as plain JSON numbers, digit for digit (a u64 such
 * as a sequence start past 2^53 must not be rounded). Field order is insertion order.
 */
export function toJson(value: unknown, indent?: number): string {
  let sawBigint = false;
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v !== 'bigint') return v;
      sawBigint = true;
      return `${BIG_MARK}${v}`;
    },
    indent,
  );
  return sawBigint ? text.replace(BIG_PATTERN, '$1') : text;
}

/**
 * Text safe to print to a terminal: every control character (C0 and DEL, C1, and the Unicode
 * bidirectional overrides and isolates that reorder what a terminal shows) written as an escape,
 * `\x1b` or `\u202e`, so data from Redis (dedup_ids, payloads, keys, reasons) can neither move
 * the cursor, clear the screen, set the window title nor disguise itself. Line feeds are kept only
 * with `keepNewlines` (for text whose lines are ours: a table, a message); a cell never has one.
 *
 * Backslashes are not doubled: `\x1b` in the output may also be those four characters in the data.
 * The exact bytes are in the `--json` output.
 */
export function terminalSafe(text: string, keepNewlines = false): string {
  return text.replace(keepNewlines ? UNSAFE_KEEP_NEWLINE : UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_KEEP_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * A left-aligned text table; columns named in `right` are right-aligned (numbers). Every cell is
 * {@link terminalSafe}: a cell is data, and must stay on its row.
 */
export function table(headers: string[], rows: Array<Array<string | number | null>>, right: number[] = []): string {
  const cells = rows.map((r) => r.map((c) => (c === null ? '-' : terminalSafe(String(c)))));
  const widths = headers.map((h, k) => Math.max(h.length, ...cells.map((r) => (r[k] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, k) => (right.includes(k) ? c.padStart(widths[k]!) : c.padEnd(widths[k]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

/** Shortens `text` to `max` characters for a table cell, marking the cut; line breaks and tabs become spaces, other controls escapes. */
export function clip(text: string, max: number): string {
  const flat = terminalSafe(text.replace(/[\r\n\t]/g, ' '));
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}

/** `1234567` → `1,234,567`. */
export function grouped(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

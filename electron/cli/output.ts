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

/** A left-aligned text table; columns named in `right` are right-aligned (numbers). */
export function table(headers: string[], rows: Array<Array<string | number | null>>, right: number[] = []): string {
  const cells = rows.map((r) => r.map((c) => (c === null ? '-' : String(c))));
  const widths = headers.map((h, k) => Math.max(h.length, ...cells.map((r) => (r[k] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, k) => (right.includes(k) ? c.padStart(widths[k]!) : c.padEnd(widths[k]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

/** Shortens `text` to `max` characters for a table cell, marking the cut. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/[\r\n\t]/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}

/** `1234567` → `1,234,567`. */
export function grouped(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

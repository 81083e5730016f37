const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2024-11-26 20:21:03.123` in local time: fixed width, so time columns align. */
export function formatTimestamp(d: Date): string {
  return `${formatDate(d)} ${formatTime(d)}`;
}

/** `2024-11-26` in local time. */
export function formatDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** `20:21:03.123` in local time. */
export function formatTime(d: Date): string {
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** `20:21:03` in local time. */
export function formatClock(d: Date): string {
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `12s ago`, `4m ago`, `3h ago`, `2d ago`: compact for a sidebar. Future times (clock skew) read `just now`. */
export function formatAge(from: number, now: number): string {
  const s = Math.floor((now - from) / 1000);
  if (s < 1) return 'just now';
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ago`;
  const d = Math.floor(h / 24);
  if (d < 365) return `${d}d ago`;
  return `${Math.floor(d / 365)}y ago`;
}

const countFormat = new Intl.NumberFormat('en-US');

/** `1,000,000`. */
export function formatCount(n: number): string {
  return countFormat.format(n);
}

/**
 * Longest preview kept in the DOM; the cell ellipsizes what does not fit. About what the widest
 * payload column shows on a large screen: every character here is shaped on each layout.
 */
const PREVIEW_CHARS = 240;

/**
 * One line of a payload for a table cell: whitespace runs collapsed, cut at a bound so a 5 MB
 * payload never reaches layout. Returned as plain text; callers render it as a React text node.
 */
export function previewLine(text: string): string {
  const head = text.length > PREVIEW_CHARS * 4 ? text.slice(0, PREVIEW_CHARS * 4) : text;
  const line = head.replace(/\s+/g, ' ').trim();
  return line.length > PREVIEW_CHARS || head.length < text.length ? `${line.slice(0, PREVIEW_CHARS)}…` : line;
}

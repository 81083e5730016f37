/**
 * Keeping credentials out of every output (cli.md: passwords never appear in any output, log
 * line or error message).
 */

const REDACTED = '[REDACTED]';

/**
 * The display form of a connection URL, safe to show and log whatever the text is: the userinfo
 * becomes `[REDACTED]` (as net-mesh's `redact_url` shows it, contract 3.38:
 * `redis://[REDACTED]@host:port/db`) and the query and fragment are left out.
 *
 * Guarantees, for ANY input text: nothing before the last `@` after `://` is shown, nothing from
 * the first `?` or `#` on, and nothing at all after `://` when a `?` or `#` comes before the last
 * `@`. So an unencoded `@`, `/`, `?`, `#` or `:` inside a password never leaves a piece of it
 * visible, and a query (`?password=...`, even one holding an `@`) is never echoed.
 *
 * Why this differs from net-mesh's `redact_url`, which ends the authority at the first `/`, `?` or
 * `#` and so leaves `redis://:pa/ss@host` unredacted: the Redis URL parser
 * (electron/core/redis-url.ts) ends the userinfo at the LAST `@`, and the two must agree or the
 * display form shows what the parser took as the password. A Redis URL's path is only `/db`, which
 * has no `@`, so for every URL that connects the two forms are the same; for anything else this
 * one hides more, never less. Text without `://` is treated the same way from its start.
 */
export function redactUrl(url: string): string {
  const schemeEnd = url.indexOf('://');
  const start = schemeEnd < 0 ? 0 : schemeEnd + 3;
  const at = url.lastIndexOf('@');
  const hasUserinfo = at >= start;
  const firstQuery = firstOf(url, start, 0x3f, 0x23);
  // A '?' or '#' before the last '@' makes the text ambiguous: either a password holding them
  // unencoded, or a query whose value holds an '@' (`/0?password=a@b`), in which case what follows
  // that '@' is a piece of the password, not a host. Nothing of it is shown then.
  if (hasUserinfo && firstQuery >= 0 && firstQuery < at) return url.slice(0, start) + REDACTED;
  const hostStart = hasUserinfo ? at + 1 : start;
  const end = firstOf(url, hostStart, 0x3f, 0x23);
  return url.slice(0, start) + (hasUserinfo ? `${REDACTED}@` : '') + url.slice(hostStart, end < 0 ? url.length : end);
}

function firstOf(text: string, from: number, a: number, b: number): number {
  for (let k = from; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === a || c === b) return k;
  }
  return -1;
}

/**
 * Replaces every occurrence of each non-empty secret in `text` with `[REDACTED]` (for error
 * messages that may quote a password or a URL). One pass over the text with the longest secret
 * preferred at each position, so a secret containing a shorter one is never left half-visible
 * and a replacement is never re-matched by another secret.
 */
export function redactText(text: string, secrets: readonly string[]): string {
  const ordered = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return text;
  const pattern = new RegExp(ordered.map(escapeRegExp).join('|'), 'g');
  return text.replace(pattern, REDACTED);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

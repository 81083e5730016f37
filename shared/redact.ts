/**
 * Keeping credentials out of every output (cli.md: passwords never appear in any output, log
 * line or error message).
 */

const REDACTED = '[REDACTED]';

/**
 * Redacts a connection URL as net-mesh's `redact_url` does (contract 3.38): everything between
 * `://` and the last `@` of the authority becomes `[REDACTED]`, the `@` kept. The authority ends
 * at the first `/`, `?` or `#` after `://`, so an `@` in the path, query or fragment is not
 * userinfo. URLs without `://` or without userinfo are returned unchanged.
 */
export function redactUrl(url: string): string {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd < 0) return url;
  const authorityStart = schemeEnd + 3;
  let authorityEnd = url.length;
  for (let k = authorityStart; k < url.length; k++) {
    const c = url.charCodeAt(k);
    if (c === 0x2f || c === 0x3f || c === 0x23) {
      authorityEnd = k;
      break;
    }
  }
  // The last `@`: an unencoded `@` inside a password must not leave the password's tail visible.
  const at = url.lastIndexOf('@', authorityEnd - 1);
  if (at < authorityStart) return url;
  return url.slice(0, authorityStart) + REDACTED + url.slice(at);
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

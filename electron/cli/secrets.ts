/**
 * The secrets of a command line, found before anything else runs (so even a usage error is
 * scrubbed). A module of its own with only light imports: the driver (run.ts) needs it for every
 * command line, `--help` included, and must not load the Redis client to get it.
 */
import { parseRedisUrl } from '../core/redis-url';

/**
 * Texts that must never be printed: the URL's password as decoded and as written (it may be
 * percent-encoded). Empty when the URL has none or does not parse (a bad URL is reported by
 * parseRedisUrl without quoting the password).
 */
export function secretsOf(url: string): string[] {
  const out: string[] = [];
  try {
    const parsed = parseRedisUrl(url);
    if (parsed.password !== undefined) out.push(parsed.password);
  } catch {
    // reported when the command connects
  }
  const schemeEnd = url.indexOf('://');
  const at = url.lastIndexOf('@');
  if (schemeEnd >= 0 && at > schemeEnd) {
    const userinfo = url.slice(schemeEnd + 3, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0 && colon < userinfo.length - 1) out.push(userinfo.slice(colon + 1));
  }
  return [...new Set(out)].filter((s) => s !== '');
}

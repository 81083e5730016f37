/**
 * Parsing of `redis://` and `rediss://` URLs into connection parts, with messages that never echo
 * a password.
 */
import { usageError } from '../../shared/errors';
import { redactUrl } from '../../shared/redact';

/** The parts of a Redis URL the connection builder needs. */
export interface ParsedRedisUrl {
  /** `rediss://` */
  tls: boolean;
  /** Host name or IP address; an IPv6 literal without its brackets. */
  host: string;
  port: number;
  /** ACL user name, percent-decoded; absent for `redis://:password@host` and for no userinfo. */
  username?: string;
  /** Percent-decoded password; absent when the URL carries none. */
  password?: string;
  /** Logical database from the `/db` path; 0 without one. */
  db: number;
  /** The URL redacted as net-mesh's `redact_url` does (contract 3.38); safe to show and log. */
  redacted: string;
}

const DEFAULT_PORT = 6379;
/** Redis keeps `databases` in an int; anything bigger cannot be a database index. */
const MAX_DB = 2_147_483_647;

/**
 * Parses a Redis URL: `redis[s]://[[user][:password]@]host[:port][/db]`.
 *
 * Guarantees: the result's `host` is non-empty, `port` is 1..65535 and `db` a non-negative integer.
 * Anything else throws a MeshError of kind `usage` whose message names the problem and never
 * contains the password (only the redacted URL or the offending non-secret part is quoted).
 */
export function parseRedisUrl(url: string): ParsedRedisUrl {
  const schemeEnd = url.indexOf('://');
  const scheme = schemeEnd >= 0 ? url.slice(0, schemeEnd).toLowerCase() : '';
  if (scheme !== 'redis' && scheme !== 'rediss') {
    // Quote only the scheme: the rest may hold a password.
    const given = url.slice(0, Math.max(schemeEnd, 0));
    const shown = schemeEnd >= 0 && /^[A-Za-z][A-Za-z0-9+.-]{0,20}$/.test(given) ? `"${given}://"` : 'no recognisable scheme';
    throw usageError(`a Redis URL must start with redis:// or rediss:// (got ${shown})`);
  }
  const rest = url.slice(schemeEnd + 3);

  // The userinfo ends at the LAST '@' (as in redact_url, contract 3.38): a password may itself
  // contain '@', '/', '?' or '#'. A Redis URL's path is only `/db`, which has no '@', so taking the
  // last '@' of the whole text can only ever hide more, never show a secret.
  const at = rest.lastIndexOf('@');
  let userinfo: string | undefined;
  let afterUser = rest;
  if (at >= 0) {
    userinfo = rest.slice(0, at);
    afterUser = rest.slice(at + 1);
  }
  const authEnd = indexOfAny(afterUser, '/?#');
  const hostPort = authEnd >= 0 ? afterUser.slice(0, authEnd) : afterUser;
  const tail = authEnd >= 0 ? afterUser.slice(authEnd) : '';
  // What messages quote: built from the parts, so it cannot contain the userinfo whatever
  // redactUrl's view of the authority is.
  const shown = `${scheme}://${userinfo !== undefined ? '[REDACTED]@' : ''}${hostPort}${tail}`;

  let host: string;
  let portText: string | undefined;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0) throw usageError(`the Redis URL ${shown} has an unclosed IPv6 address bracket`);
    host = hostPort.slice(1, close);
    const after = hostPort.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw usageError(`the Redis URL ${shown} has text after the IPv6 address`);
      portText = after.slice(1);
    }
  } else {
    const colon = hostPort.lastIndexOf(':');
    host = colon >= 0 ? hostPort.slice(0, colon) : hostPort;
    portText = colon >= 0 ? hostPort.slice(colon + 1) : undefined;
  }
  if (host === '') throw usageError(`the Redis URL ${shown} has no host`);

  let port = DEFAULT_PORT;
  if (portText !== undefined) {
    const n = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(n >= 1 && n <= 65535)) {
      throw usageError(`the Redis URL ${shown} has an invalid port "${portText}" (must be 1..65535)`);
    }
    port = n;
  }

  if (tail.startsWith('?') || tail.startsWith('#') || /[?#]/.test(tail)) {
    throw usageError(`the Redis URL ${shown} has a query or fragment; only redis[s]://[user[:password]@]host[:port][/db] is supported`);
  }
  let db = 0;
  if (tail !== '' && tail !== '/') {
    const dbText = tail.slice(1);
    const n = /^\d{1,10}$/.test(dbText) ? Number(dbText) : NaN;
    if (!(n >= 0 && n <= MAX_DB)) {
      throw usageError(`the Redis URL ${shown} has an invalid database "${dbText}" (must be a non-negative integer)`);
    }
    db = n;
  }

  const parsed: ParsedRedisUrl = { tls: scheme === 'rediss', host, port, db, redacted: redactUrl(url) };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    const pass = colon >= 0 ? userinfo.slice(colon + 1) : undefined;
    if (user !== '') parsed.username = decodePart(user, 'user name', shown);
    if (pass !== undefined && pass !== '') {
      parsed.password = decodePart(pass, 'password', shown);
      // Safety net: redact_url's idea of the authority could differ from ours for a password with
      // '/' in it; the display form must never carry the secret.
      if (parsed.redacted.includes(pass) || parsed.redacted.includes(parsed.password)) parsed.redacted = shown;
    }
  }
  return parsed;
}

function decodePart(text: string, what: string, shown: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // Never quote the text itself: for a password it is the secret.
    throw usageError(`the Redis URL ${shown} has a malformed %-escape in its ${what}`);
  }
}

function indexOfAny(text: string, chars: string): number {
  for (let i = 0; i < text.length; i++) if (chars.includes(text[i] as string)) return i;
  return -1;
}

/**
 * Parsing of `redis://` and `rediss://` URLs into connection parts, with messages that never echo
 * a password.
 */
import { usageError } from '../../shared/errors';
import { redactUrl } from '../../shared/redact';

/**
 * The URL as it may be shown or logged, whatever the text: the parsed display form
 * ({@link ParsedRedisUrl.redacted}) when it parses, else `redactUrl`'s (userinfo up to the last
 * `@` hidden, query and fragment left out). Never contains a password of the URL.
 */
export function displayRedisUrl(url: string): string {
  try {
    return parseRedisUrl(url).redacted;
  } catch {
    return redactUrl(url);
  }
}

/**
 * Every text under which the URL's password may appear in a message: as written in the URL, and
 * percent-decoded (for `redactText`). Works on text that does not parse too, by the parser's own
 * rule (the userinfo ends at the last `@`; the password follows its first `:`). Empty without one.
 */
export function urlPasswordTexts(url: string): string[] {
  const schemeEnd = url.indexOf('://');
  const at = url.lastIndexOf('@');
  if (schemeEnd < 0 || at <= schemeEnd) return [];
  const userinfo = url.slice(schemeEnd + 3, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0 || colon === userinfo.length - 1) return [];
  const written = userinfo.slice(colon + 1);
  const out = [written];
  try {
    out.push(decodeURIComponent(written));
  } catch {
    // A malformed escape: the written form is all there is.
  }
  return out;
}

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
  /** The password exactly as written in the URL (before percent-decoding); with `password`. */
  passwordAsWritten?: string;
  /** Logical database from the `/db` path; 0 without one. */
  db: number;
  /**
   * The URL to show and log, built from the parsed parts: `scheme://[REDACTED]@host:port/db`
   * (userinfo hidden as net-mesh's `redact_url` shows it, contract 3.38), never a password.
   */
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
  const firstQuery = indexOfAny(rest, '?#');
  if (at >= 0 && firstQuery >= 0 && firstQuery < at) {
    // Ambiguous, so refused rather than guessed: a password holding '?' or '#' unencoded, or a
    // query whose value holds an '@' (`/0?password=a@b`: then the "host" after the '@' would be a
    // piece of the password, and connect errors name the host). Nothing of the URL is quoted.
    throw usageError(
      `the Redis URL (${scheme}://..., not shown) has a '?' or '#' before its last '@': a query is not supported, and a password containing ?, # or @ must be percent-encoded (%3F, %23, %40)`,
    );
  }
  let userinfo: string | undefined;
  let afterUser = rest;
  if (at >= 0) {
    userinfo = rest.slice(0, at);
    afterUser = rest.slice(at + 1);
  }
  const authEnd = indexOfAny(afterUser, '/?#');
  const hostPort = authEnd >= 0 ? afterUser.slice(0, authEnd) : afterUser;
  const tail = authEnd >= 0 ? afterUser.slice(authEnd) : '';
  // What messages quote: built from the parts, so it holds neither the userinfo nor a query or
  // fragment (which may carry credentials too: `?password=...`).
  const pathOnly = indexOfAny(tail, '?#') >= 0 ? tail.slice(0, indexOfAny(tail, '?#')) : tail;
  const shown = `${scheme}://${userinfo !== undefined ? '[REDACTED]@' : ''}${hostPort}${pathOnly}`;

  // Host and port problems quote the host only: text after a ':' with no '@' before it may be a
  // password whose '@host' was forgotten (`redis://user:hunter2`).
  const hidden = userinfo !== undefined ? '[REDACTED]@' : '';
  let host: string;
  let portText: string | undefined;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0) throw usageError(`the Redis URL ${scheme}://${hidden}... has an unclosed IPv6 address bracket`);
    host = hostPort.slice(1, close);
    const after = hostPort.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw usageError(`the Redis URL ${scheme}://${hidden}[${host}] has text after the IPv6 address`);
      portText = after.slice(1);
    }
  } else {
    const colon = hostPort.lastIndexOf(':');
    host = colon >= 0 ? hostPort.slice(0, colon) : hostPort;
    portText = colon >= 0 ? hostPort.slice(colon + 1) : undefined;
  }
  if (host === '') throw usageError(`the Redis URL ${scheme}://${hidden}... has no host`);

  let port = DEFAULT_PORT;
  if (portText !== undefined) {
    const n = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(n >= 1 && n <= 65535)) {
      const hostShown = host.includes(':') ? `[${host}]` : host;
      throw usageError(`the Redis URL ${scheme}://${hidden}${hostShown} has an invalid port (not shown; it must be a number 1..65535)`);
    }
    port = n;
  }

  if (pathOnly !== tail) {
    // The query itself is not quoted: it may hold a password.
    throw usageError(`the Redis URL ${shown} has a query or fragment (not shown); only redis[s]://[user[:password]@]host[:port][/db] is supported`);
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

  const parsed: ParsedRedisUrl = { tls: scheme === 'rediss', host, port, db, redacted: shown };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    const pass = colon >= 0 ? userinfo.slice(colon + 1) : undefined;
    if (user !== '') parsed.username = decodePart(user, 'user name', shown);
    if (pass !== undefined && pass !== '') {
      parsed.password = decodePart(pass, 'password', shown);
      parsed.passwordAsWritten = pass;
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

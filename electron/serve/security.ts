/**
 * The security rules of `serve`, each a small pure decision beside the one place that acts on it
 * (`server.ts`). This app holds production Redis credentials and listens on a TCP port any local
 * process and any web page the user visits can reach, so every request must prove three things:
 * it was aimed at us (Host: no DNS rebinding), it comes from our page (Origin on the WebSocket: no
 * cross-site WebSocket hijacking), and, for the data channel, that it holds the token printed on
 * our stdout (never as a cookie: cookies ignore ports, so any server on the host would get it).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh token: 32 random bytes, base64url (43 characters, safe in a URL). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Constant-time token check. Guarantees: true only when `presented` is exactly `expected`; the
 * time taken does not depend on where they differ, nor on `presented`'s length (both are hashed
 * to a fixed size first, because `timingSafeEqual` itself refuses, early, inputs of different
 * lengths).
 */
export function tokenMatches(expected: string, presented: string | null | undefined): boolean {
  if (typeof presented !== 'string' || expected.length === 0) return false;
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(presented, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Cookies older versions of `serve` set (one per port); the token is never kept in a cookie now. */
const LEGACY_COOKIE = /^mesh_inspector_token_\d{1,5}$/;

/**
 * Set-Cookie values that expire every token cookie an older `serve` left in this browser (found in
 * the request's Cookie header). Cookies ignore ports: such a cookie goes to every server on the
 * host, so it is removed wherever it shows up. Empty when there is none.
 */
export function staleTokenCookies(header: string | undefined): string[] {
  if (!header) return [];
  const names = new Set<string>();
  for (const part of header.split(';')) {
    const name = part.split('=')[0]!.trim();
    if (LEGACY_COOKIE.test(name)) names.add(name);
  }
  return [...names].map((name) => `${name}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict`);
}

/** The `token` query parameter of a raw request target (`/path?query`), or null. */
export function readQueryToken(target: string | undefined): string | null {
  if (!target) return null;
  const hash = target.indexOf('#');
  const beforeHash = hash < 0 ? target : target.slice(0, hash);
  const q = beforeHash.indexOf('?');
  return q < 0 ? null : new URLSearchParams(beforeHash.slice(q + 1)).get('token');
}

/** Where the server accepts being addressed: host names (lowercase, IPv6 in brackets) and the port. */
export interface AllowedAuthority {
  hostnames: ReadonlySet<string>;
  port: number;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

export { isLoopbackHost } from '../../shared/loopback';

/** True when `host` binds every interface (`0.0.0.0`, `::`). */
export function isWildcardHost(host: string): boolean {
  return WILDCARDS.has(host.toLowerCase());
}

/** `::1` → `[::1]`; anything else lowercased as is. */
export function hostnameForUrl(host: string): string {
  const h = host.toLowerCase();
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

/**
 * The authority a request may name: always the loopback names on our port, plus the bound host
 * when it is a specific address, plus `extra` (the machine's own addresses and name, which the
 * caller supplies when bound to a wildcard: a browser then addresses us by one of those).
 */
export function allowedAuthority(boundHost: string, port: number, extra: readonly string[] = []): AllowedAuthority {
  const names = new Set(LOOPBACK_NAMES);
  if (!isWildcardHost(boundHost)) names.add(hostnameForUrl(boundHost));
  for (const e of extra) if (!isWildcardHost(e)) names.add(hostnameForUrl(e));
  return { hostnames: names, port };
}

/**
 * Splits a Host header (or an origin's authority) into a lowercase host name and a port. Returns
 * null for anything malformed: userinfo, a path, an empty name, a port that is not 1..65535.
 */
export function parseAuthority(value: string, defaultPort: number): { hostname: string; port: number } | null {
  const v = value.trim().toLowerCase();
  if (v === '' || /[\s/@?#\\]/.test(v)) return null;
  let hostname: string;
  let portText: string | undefined;
  if (v.startsWith('[')) {
    const close = v.indexOf(']');
    if (close < 0) return null;
    hostname = v.slice(0, close + 1);
    const rest = v.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return null;
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = v.indexOf(':');
    if (colon >= 0 && v.indexOf(':', colon + 1) >= 0) return null; // bare IPv6 is not a valid Host
    hostname = colon < 0 ? v : v.slice(0, colon);
    portText = colon < 0 ? undefined : v.slice(colon + 1);
  }
  if (hostname === '' || hostname === '[]') return null;
  if (portText === undefined) return { hostname, port: defaultPort };
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  return port >= 1 && port <= 65535 ? { hostname, port } : null;
}

/**
 * DNS-rebinding defence. Guarantees: true only when the Host header names one of the allowed host
 * names AND our port. A page on `evil.example` whose DNS was rebound to 127.0.0.1 reaches our
 * socket, but its requests say `Host: evil.example:<port>` and are refused here.
 */
export function isAllowedHost(header: string | undefined, allowed: AllowedAuthority): boolean {
  if (header === undefined) return false;
  const a = parseAuthority(header, 80);
  return a !== null && a.port === allowed.port && allowed.hostnames.has(a.hostname);
}

/**
 * Cross-site WebSocket hijacking defence. Guarantees: true only for an Origin that is exactly
 * `http://<allowed host name>:<our port>` (port omitted only when it is 80). A missing Origin is
 * refused: browsers always send one on a WebSocket upgrade, so only a non-browser client can omit
 * it, and such a client can send the right one as easily.
 */
export function isAllowedOrigin(origin: string | undefined, allowed: AllowedAuthority): boolean {
  if (origin === undefined) return false;
  const prefix = 'http://';
  if (!origin.toLowerCase().startsWith(prefix)) return false;
  const a = parseAuthority(origin.slice(prefix.length), 80);
  return a !== null && a.port === allowed.port && allowed.hostnames.has(a.hostname);
}

/**
 * The desktop window's Content-Security-Policy (electron/main/csp.ts, directive for directive),
 * plus the page's own WebSocket origin in `connect-src`. CSP Level 3 lets 'self' match ws: on an
 * http: page, and Chromium does so (checked with Chromium 156: the socket opens under
 * `connect-src 'self'` alone), but older engines (Safari before 15.4) do not; naming
 * `ws://<host:port>` explicitly costs nothing. No 'unsafe-eval' and no 'unsafe-inline' anywhere
 * (why that holds for styles too: see the desktop policy).
 */
export function contentSecurityPolicy(wsAuthority?: string): string {
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'"]],
    ['img-src', ["'self'", 'data:']],
    ['font-src', ["'self'"]],
    ['connect-src', wsAuthority ? ["'self'", `ws://${wsAuthority}`] : ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
    ['form-action', ["'none'"]],
  ];
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

/** Headers sent on every HTTP response, errors included. */
export function securityHeaders(wsAuthority?: string): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(wsAuthority),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

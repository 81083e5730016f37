/**
 * The `app://` protocol: the built renderer (dist/renderer) served to the window, instead of
 * `file://` (Electron security checklist 18: a `file://` page may read any file the user can).
 *
 * The pure part, {@link resolveAppPath}, decides which file a URL names; the handler only reads it.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Protocol } from 'electron';
import { APP_HOST, APP_SCHEME } from './app-origin';
import { contentSecurityPolicy } from './csp';
import { mimeTypeFor } from '../../shared/mime';

/**
 * What `protocol.registerSchemesAsPrivileged` needs, before the app is ready.
 * standard: real origins, relative URLs and `'self'` in the CSP work like https;
 * secure: a secure context (clipboard, crypto.subtle); supportFetchAPI: the renderer may fetch its
 * own assets. Deliberately NOT `bypassCSP`, `corsEnabled` (it lets OTHER origins read this scheme;
 * our module scripts are same-origin and load without it), `allowServiceWorkers` or `stream`.
 */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
} as const;

// A path segment we are willing to serve: what Vite emits (`assets/index-B1x_9-aZ.js`), nothing
// more. No dot-files, no `.`/`..`, no `%` (so double encoding stays inert), no `\`, `:` or NUL.
const SEGMENT = /^[A-Za-z0-9_@+~-][A-Za-z0-9_.@+~-]*$/;

/**
 * Maps an `app://mesh-inspector/...` URL to a file inside `root`, or null.
 *
 * Guarantees: a non-null result is an absolute path strictly inside `root`. Null for: another
 * scheme or host, a port or credentials, backslashes, NUL, malformed or nested percent-encoding
 * (`%252e`), `.` / `..` segments written plainly or encoded (`%2e%2e`, `.%2E`), encoded slashes,
 * empty segments, dot-files and any character Vite does not put in a file name. `/` is
 * `index.html`. It does not touch the disk: whether the file exists is the handler's business
 * (missing → 404; there is no SPA fallback, the renderer has no client-side routes).
 */
export function resolveAppPath(root: string, url: string): string | null {
  if (typeof url !== 'string' || url.length > 4096) return null;
  // Checked on the raw text, before any URL parser normalizes `a/../b` away: a request that even
  // tries to climb is refused outright rather than "helpfully" resolved.
  if (/[\\\0\s]/.test(url)) return null;
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:[?#].*)?$/.exec(url);
  if (!match) return null;
  const [, scheme, authority, rawPath] = match as unknown as [string, string, string, string];
  if (scheme.toLowerCase() !== APP_SCHEME || authority.toLowerCase() !== APP_HOST) return null;
  if (rawPath === '' || rawPath === '/') return path.join(path.resolve(root), 'index.html');
  // An encoded slash would let one "segment" of the raw URL become several after decoding.
  if (/%2f/i.test(rawPath)) return null;

  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  // Whatever is still percent-encoded after one decode was encoded twice: never a real asset name.
  if (decoded.includes('%')) return null;

  const segments = decoded.slice(1).split('/');
  if (!decoded.startsWith('/') || segments.some((s) => !SEGMENT.test(s))) return null;

  const resolvedRoot = path.resolve(root);
  const file = path.resolve(resolvedRoot, ...segments);
  // Belt and braces: the segment rule already makes escaping impossible.
  const rel = path.relative(resolvedRoot, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return file;
}

export { mimeTypeFor };

/** Headers on every `app://` response, success or not. */
export function appResponseHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': contentSecurityPolicy(),
    'X-Content-Type-Options': 'nosniff',
    // The files change only with a new build, which is a new app start; no stale-cache risk worth
    // a revalidation round trip, but no shared caching either.
    'Cache-Control': 'no-cache',
  };
}

/**
 * Serves `root` on `app://mesh-inspector/` through `protocol.handle`.
 *
 * Guarantees: only GET/HEAD; only paths {@link resolveAppPath} accepts; only regular files (a
 * directory is a 404, never a listing); every response carries the CSP and `nosniff`. Files are
 * read from the app's own bundle (inside app.asar when packaged), never from the network.
 */
export function serveAppProtocol(protocol: Protocol, root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
    const file = resolveAppPath(root, request.url);
    if (file === null) return plain(404, 'not found');
    try {
      const info = await stat(file);
      if (!info.isFile()) return plain(404, 'not found');
      const body = request.method === 'HEAD' ? null : await readFile(file);
      return new Response(body, { status: 200, headers: appResponseHeaders(mimeTypeFor(file)) });
    } catch {
      return plain(404, 'not found');
    }
  });
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: appResponseHeaders('text/plain; charset=utf-8') });
}

/**
 * Which file of the built renderer a request path names: the pure containment decision, kept apart
 * from the read so it can be tested against every traversal trick without a server.
 */
import path from 'node:path';
import { mimeTypeFor } from '../../shared/mime';

export type StaticResolution =
  | { ok: true; file: string; isIndex: boolean }
  | { ok: false; status: 400 | 404; reason: string };

/**
 * Maps a raw request target (`/assets/app.js?x`) to a file under `root`.
 *
 * Guarantees: an `ok` result is a path strictly inside `root` (lexically; the server also checks
 * the real path, for symlinks). Refused, before any disk access: malformed percent-encoding, NUL,
 * backslashes, empty segments (`//etc/passwd`), `.` and `..` segments whether written plainly or
 * encoded (`%2e%2e`, `..%2f`), and dot-files (`/.env`). `/` is `index.html`.
 */
export function resolveStaticPath(root: string, target: string): StaticResolution {
  const end = firstIndexOf(target, '?#');
  const rawPath = end < 0 ? target : target.slice(0, end);
  if (!rawPath.startsWith('/')) return { ok: false, status: 400, reason: 'the path must start with /' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, status: 400, reason: 'forbidden character in path' };
  if (decoded === '/' || decoded === '/index.html') return { ok: true, file: path.join(root, 'index.html'), isIndex: true };
  // Segments are checked AFTER decoding, so an encoded slash or dot cannot smuggle a `..` past us.
  const segments = decoded.slice(1).split('/');
  for (const s of segments) {
    if (s === '') return { ok: false, status: 400, reason: 'empty path segment' };
    if (s === '.' || s === '..') return { ok: false, status: 400, reason: 'relative path segment' };
    if (s.startsWith('.')) return { ok: false, status: 404, reason: 'hidden file' };
  }
  const resolvedRoot = path.resolve(root);
  const file = path.resolve(resolvedRoot, ...segments);
  if (!isInside(resolvedRoot, file)) return { ok: false, status: 400, reason: 'outside the static folder' };
  return { ok: true, file, isIndex: false };
}

/** True when `child` is strictly inside `parent` (both absolute and normalized). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The Content-Type for a file name (shared with the desktop app's app:// protocol). */
export const mimeType = mimeTypeFor;

function firstIndexOf(s: string, chars: string): number {
  for (let i = 0; i < s.length; i++) if (chars.includes(s[i]!)) return i;
  return -1;
}

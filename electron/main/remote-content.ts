/**
 * No remote content, ever: the session cancels any request to the network or the local file
 * system, whoever makes it. The CSP already stops the UI's own code; this also covers what a CSP
 * does not (a top-level navigation attempt, DevTools, a future webContents).
 */
import type { Session } from 'electron';
import { APP_SCHEME, isAppOrigin, parseUrl } from './app-origin';

// Deny-listed rather than allow-listed: the schemes Chromium uses internally (devtools:, data:,
// blob:, chrome-extension: for DevTools) must keep working, and those cannot reach off the machine.
const BLOCKED_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:', 'file:']);

/**
 * Guarantees: false for http(s), ws(s), ftp and file URLs, for `app:` URLs of any other host, and
 * for unparsable URLs; true for the app origin and Chromium's internal schemes.
 */
export function isAllowedRequest(url: string): boolean {
  const u = parseUrl(url);
  if (u === null) return false;
  if (u.protocol === `${APP_SCHEME}:`) return isAppOrigin(url);
  return !BLOCKED_SCHEMES.has(u.protocol);
}

/** Cancels every request {@link isAllowedRequest} refuses, for every webContents of the session. */
export function blockRemoteContent(session: Session, log: (msg: string) => void = console.warn): void {
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedRequest(details.url);
    if (!allowed) log(`[security] cancelled a request to ${parseUrl(details.url)?.origin ?? '(unparsable URL)'}`);
    callback({ cancel: !allowed });
  });
}

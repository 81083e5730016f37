/**
 * Where the desktop UI lives: one privileged custom scheme and one host. Every policy (protocol,
 * navigation, IPC sender check, permissions, CSP) compares against these constants, so "our
 * origin" is defined once.
 *
 * This module imports nothing from Electron, so every policy built on it is testable in plain Node.
 */

/** The custom scheme the renderer is served from, instead of `file://` (Electron security checklist 18). */
export const APP_SCHEME = 'app';

/** The one host the `app://` handler serves; any other host is a 404 and an untrusted origin. */
export const APP_HOST = 'mesh-inspector';

/** `app://mesh-inspector`: the origin of every trusted frame. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** The only URL the main window ever loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * True when `url` is exactly on the app origin: scheme `app:`, host `mesh-inspector`, no port and
 * no credentials. Never throws; anything that does not parse is false.
 */
export function isAppOrigin(url: string): boolean {
  const u = parseUrl(url);
  return (
    u !== null &&
    u.protocol === `${APP_SCHEME}:` &&
    u.hostname.toLowerCase() === APP_HOST &&
    u.port === '' &&
    u.username === '' &&
    u.password === ''
  );
}

/** `new URL` without the exception: policies must answer "no", never throw. */
export function parseUrl(url: unknown): URL | null {
  if (typeof url !== 'string') return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

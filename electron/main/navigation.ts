/**
 * Where a webContents may go: nowhere but the app origin. Links to the web open in the user's
 * browser, and only when they are plain https.
 *
 * The pure decisions ({@link isAllowedNavigation}, {@link isSafeExternalUrl}) sit beside the only
 * calls that act on them ({@link hardenWebContents}).
 */
import type { Shell, WebContents } from 'electron';
import { isAppOrigin, parseUrl } from './app-origin';

/**
 * True only for a URL on the app origin (`app://mesh-inspector/...`). Every other target
 * (http(s), file:, data:, javascript:, another app:// host, unparsable text) is denied: the window
 * must never show remote or local-file content, which would run with our preload's bridge.
 */
export function isAllowedNavigation(url: string): boolean {
  return isAppOrigin(url);
}

const MAX_EXTERNAL_URL = 2048;

/**
 * True when `url` may be handed to the OS to open in the user's browser.
 *
 * Guarantees: only `https:` with a host; no credentials (`https://user:pw@host` is a phishing
 * shape); no whitespace or control characters anywhere in the raw text (the URL parser would strip
 * them silently, hiding what the OS receives); at most 2,048 characters. So never `file:`,
 * `javascript:`, `data:`, `smb:`, custom schemes that launch local handlers, or plain `http:`.
 */
export function isSafeExternalUrl(url: string): boolean {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_EXTERNAL_URL) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u009f]/.test(url)) return false;
  // The raw text must name a host right after `https://`: the parser would otherwise read
  // `https:///x` or `https:\\x` as a host of its own choosing. No backslash anywhere, for the same reason.
  if (!/^https:\/\/[^/\\?#@]/i.test(url) || url.includes('\\')) return false;
  const u = parseUrl(url);
  return u !== null && u.protocol === 'https:' && u.hostname !== '' && u.username === '' && u.password === '';
}

/**
 * Applies the navigation rules to one webContents (the main window, and any other one that ever
 * appears, e.g. DevTools). Guarantees: navigations and redirects off the app origin are cancelled;
 * `window.open` / `target=_blank` never creates a window (a safe https link goes to the user's
 * browser instead); `<webview>` can never attach; a Bluetooth device request is cancelled.
 */
export function hardenWebContents(contents: WebContents, shell: Pick<Shell, 'openExternal'>, log: (msg: string) => void = console.warn): void {
  const refuse = (event: { preventDefault(): void }, url: string, what: string) => {
    if (isAllowedNavigation(url)) return;
    event.preventDefault();
    log(`[security] blocked ${what} to ${describe(url)}`);
  };
  contents.on('will-navigate', (event) => refuse(event, event.url, 'navigation'));
  // Subframes only: the main frame's navigations already come through will-navigate above.
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame) refuse(event, event.url, 'frame navigation');
  });
  contents.on('will-redirect', (event) => refuse(event, event.url, 'redirect'));
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) {
      shell.openExternal(url).catch((e: unknown) => log(`[security] could not open ${describe(url)}: ${String(e)}`));
    } else {
      log(`[security] blocked window.open of ${describe(url)}`);
    }
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('[security] blocked a <webview>');
  });
  // Web Bluetooth: without preventDefault Electron would pick the first device found by itself.
  contents.on('select-bluetooth-device', (event, _devices, callback) => {
    event.preventDefault();
    callback('');
    log('[security] refused a Bluetooth device request');
  });
}

// Logs show where something tried to go, never a query string that could carry a token.
function describe(url: string): string {
  const u = parseUrl(url);
  return u === null ? '(unparsable URL)' : `${u.protocol}//${u.host}${u.pathname}`.slice(0, 200);
}

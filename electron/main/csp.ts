/**
 * The Content-Security-Policy of the desktop UI, and the one place it is put on responses.
 *
 * The policy is delivered twice on purpose: by the `app://` handler on every response it makes, and
 * by `session.webRequest.onHeadersReceived` on every response the session sees. Either alone would
 * do today; both mean a future change to one path (a new protocol, a devtools extension, a
 * refactor of the handler) cannot silently ship the UI without a policy.
 */
import type { Session } from 'electron';
import { parseUrl } from './app-origin';

/**
 * Guarantees: scripts only from the app's own origin (no `unsafe-eval`, no `unsafe-inline`, no
 * `data:`/`blob:` scripts); no plugins; no `<base>` rewriting; the UI cannot be framed, cannot
 * submit forms anywhere and cannot connect anywhere but its own origin (all Redis traffic goes
 * through IPC, never from the renderer).
 *
 * Why no `'unsafe-inline'` for styles either: React's `style={...}` prop writes through the CSSOM
 * (`element.style.x = ...`), which CSP does not govern, and Vite extracts CSS to files in a
 * production build. Only `<style>` elements and `style="..."` attributes in markup are blocked,
 * and the renderer has neither.
 */
export function contentSecurityPolicy(): string {
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'"]],
    // data: for small inlined images Vite may emit (icons); never for scripts.
    ['img-src', ["'self'", 'data:']],
    ['font-src', ["'self'"]],
    ['connect-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
    ['form-action', ["'none'"]],
  ];
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

/**
 * True for responses that must carry our policy: everything except Chromium's own DevTools pages,
 * which ship their own policy and break under ours.
 */
export function shouldApplyCsp(url: string): boolean {
  const u = parseUrl(url);
  if (u === null) return true;
  return !['devtools:', 'chrome-extension:', 'chrome:'].includes(u.protocol);
}

/**
 * Returns `headers` with our policy as the only Content-Security-Policy: any policy already
 * present (in any letter case, including report-only) is replaced, so a response cannot loosen it.
 */
export function withCspHeader(
  headers: Record<string, string[] | string> | undefined,
  policy: string = contentSecurityPolicy(),
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'content-security-policy' || lower === 'content-security-policy-report-only') continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [policy];
  return out;
}

/** Puts the policy on every response the session receives (except DevTools' own pages). */
export function applyCspToSession(session: Session): void {
  const policy = contentSecurityPolicy();
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!shouldApplyCsp(details.url)) {
      callback({});
      return;
    }
    callback({ responseHeaders: withCspHeader(details.responseHeaders, policy) });
  });
}

/**
 * The browser's Notification API for `serve` (issue 17): the core decides when (opt-in, folded,
 * rate-limited) and pushes `notify:show`; this shows it once the user allowed notifications. The
 * desktop app never uses it: its main process shows them natively (and denies web permissions).
 */
import type { Notice } from '../../../shared/notify-rules';

export type BrowserPermission = NotificationPermission | 'unsupported';

export function browserPermission(): BrowserPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks the browser (it shows its own prompt once); resolves with the answer. */
export async function askBrowserPermission(): Promise<BrowserPermission> {
  if (typeof Notification === 'undefined') return 'unsupported';
  if (Notification.permission !== 'default') return Notification.permission;
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

/** Shows one notice when permitted; a click brings the tab forward. Never throws. */
export function showBrowserNotice(n: Notice): void {
  if (browserPermission() !== 'granted') return;
  try {
    const shown = new Notification(n.title, { body: n.body, tag: n.tag });
    shown.onclick = () => {
      window.focus();
      shown.close();
    };
  } catch {
    // A browser that refuses to construct one (e.g. it wants a service worker): nothing to show.
  }
}

/**
 * Desktop notifications for the desktop app (issue 17): the core decides when (opt-in, folded and
 * rate-limited, shared/notify-rules.ts) and pushes `notify:show`; this module shows each one with
 * Electron's `Notification` from the main process (the window's web notifications stay denied,
 * permissions.ts). Clicking one brings the window forward.
 */
import type { EventSink } from '../../shared/contract';
import type { Notice } from '../../shared/notify-rules';

/** The parts of Electron's `Notification` used here (a class, so tests can pass their own). */
export interface NotificationLike {
  on(event: 'click', listener: () => void): unknown;
  show(): void;
}
export interface NotificationClass {
  new (options: { title: string; body: string; silent?: boolean }): NotificationLike;
  isSupported(): boolean;
}

/** The window a click brings forward. */
export interface FocusableWindow {
  isDestroyed(): boolean;
  isMinimized(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
}

/**
 * A sink that passes every event on to `sink` and also shows each `notify:show` as a native
 * notification. Guarantees: never throws (a platform without notifications, or one failing to show,
 * loses the notification, never the event); nothing but `notify:show` is shown.
 */
export function withDesktopNotifications(sink: EventSink, Notification: NotificationClass, window: () => FocusableWindow | null): EventSink {
  return (event, payload) => {
    sink(event, payload);
    if (event !== 'notify:show') return;
    try {
      if (!Notification.isSupported()) return;
      const notice = payload as Notice;
      const n = new Notification({ title: notice.title, body: notice.body });
      n.on('click', () => {
        const win = window();
        if (!win || win.isDestroyed()) return;
        if (win.isMinimized()) win.restore();
        win.show();
        win.focus();
      });
      n.show();
    } catch {
      // The platform refused; the UI still has the event.
    }
  };
}

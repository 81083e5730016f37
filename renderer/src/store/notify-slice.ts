/**
 * Opt-in notifications (issue 17). The setting lives in the core (`notify:configure`, kept in the
 * config folder); the core pushes `notify:show` while it is on. In `serve` the browser shows them
 * (its permission is asked when the user turns them on); in the desktop app the main process does.
 */
import { toApiError } from '../api';
import { askBrowserPermission, browserPermission } from '../lib/browser-notify';
import type { NotifySlice, Slice } from './types';

export const createNotifySlice: Slice<NotifySlice> = (set, get) => {
  const permission = () => (get().info?.transport === 'electron' ? 'native' : browserPermission());
  return {
    notifyEnabled: null,
    notifyPermission: 'default',
    notifyError: null,
    async loadNotify() {
      try {
        const { enabled } = await get().api.invoke('notify:configure', {});
        set({ notifyEnabled: enabled, notifyPermission: permission(), notifyError: null });
      } catch (e) {
        set({ notifyError: toApiError(e).toInfo() });
      }
    },
    async setNotify(enabled) {
      set({ notifyError: null });
      if (enabled && get().info?.transport !== 'electron') {
        const answer = await askBrowserPermission();
        set({ notifyPermission: answer });
        if (answer !== 'granted') {
          set({
            notifyError: {
              kind: 'usage',
              message: answer === 'unsupported' ? 'This browser has no notifications.' : 'The browser did not allow notifications for this page; allow them in its site settings, then turn them on again.',
            },
          });
          return;
        }
      }
      try {
        const { enabled: now } = await get().api.invoke('notify:configure', { enabled });
        set({ notifyEnabled: now });
      } catch (e) {
        set({ notifyError: toApiError(e).toInfo() });
      }
    },
  };
};

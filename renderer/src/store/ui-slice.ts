import type { Slice, UiSlice } from './types';

/** Which top-level view the shell shows. Keyboard: Alt+1..4 (see AppShell). */
export const createUiSlice: Slice<UiSlice> = (set) => ({
  view: 'browse',
  setView(view) {
    set({ view });
  },
});

import { create } from 'zustand';

/**
 * What the connect screen is doing, kept outside the component: opening a profile briefly shows
 * the shell (the connection is `connecting`), which unmounts the screen. A failed first connect
 * brings it back, and the form must come back on the profile that was just saved, not empty.
 */
interface ConnectUiState {
  /** The saved profile the form edits; null for a new one. */
  editingId: string | null;
  /** Bumped to remount (reset) the form. */
  formKey: number;
  edit(profileId: string | null): void;
}

export const useConnectUi = create<ConnectUiState>((set) => ({
  editingId: null,
  formKey: 0,
  edit: (profileId) => set((s) => ({ editingId: profileId, formKey: s.formKey + 1 })),
}));

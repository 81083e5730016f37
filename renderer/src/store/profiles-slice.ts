import { toApiError } from '../api';
import type { ProfilesSlice, Slice } from './types';

export const createProfilesSlice: Slice<ProfilesSlice> = (set, get) => ({
  profiles: [],
  activeProfileId: null,
  profilesLoaded: false,
  profilesError: null,
  async loadProfiles() {
    try {
      const { profiles, activeProfileId } = await get().api.invoke('profiles:list');
      set({ profiles, activeProfileId, profilesLoaded: true, profilesError: null });
    } catch (e) {
      set({ profilesLoaded: true, profilesError: toApiError(e).toInfo() });
    }
  },
  async saveProfile(input) {
    const saved = await get().api.invoke('profiles:save', input);
    await get().loadProfiles();
    return saved;
  },
  async deleteProfile(id) {
    try {
      await get().api.invoke('profiles:delete', { id });
      set({ profilesError: null });
    } catch (e) {
      set({ profilesError: toApiError(e).toInfo() });
    }
    await get().loadProfiles();
  },
});

import { toApiError } from '../api';
import type { ConnectionStatus } from '../../../shared/contract';
import type { ConnectionSlice, Slice } from './types';

/** Two statuses describe the same connection (same profile and server), whatever its state. */
function sameTarget(a: ConnectionStatus | null, b: ConnectionStatus): boolean {
  return a !== null && a.profileId === b.profileId && a.url === b.url && a.prefix === b.prefix;
}

export const createConnectionSlice: Slice<ConnectionSlice> = (set, get) => ({
  connection: null,
  connectionBusy: null,
  connectionError: null,
  connectionErrorAction: null,
  setConnection(status) {
    const prev = get().connection;
    set({ connection: status });
    if (status.state === 'disconnected' || !sameTarget(prev, status)) {
      // Another server or none: what we showed belongs to the old one.
      set({ shards: null, shardsError: null, indexProblems: [], selectedShard: null });
      get().clearEvents();
    }
    // Shard discovery on the first `ready` and after an outage is recovery.ts's decision.
  },
  async refreshConnection() {
    const status = await get().api.invoke('connection:status');
    get().setConnection(status);
  },
  async openProfile(profileId) {
    set({ connectionBusy: 'opening', connectionError: null, connectionErrorAction: 'open' });
    try {
      const status = await get().api.invoke('connection:open', { profileId });
      if (status.state === 'down' || status.state === 'reconnecting') {
        // The first connect failed (refused, timed out, wrong password, NOPERM, bad TLS): there is
        // nothing to show yet, so close the session (which also stops the core's retries of a
        // transient failure) and keep the user on the form with Redis' reason (issue 13).
        set({ connectionError: status.error ?? { kind: 'fatal', message: 'the connection failed' } });
        get().setConnection(await get().api.invoke('connection:close'));
        return false;
      }
      get().setConnection(status);
      void get().loadProfiles();
      return status.state !== 'disconnected';
    } catch (e) {
      set({ connectionError: toApiError(e).toInfo() });
      return false;
    } finally {
      set({ connectionBusy: null });
    }
  },
  async tryProfile(input) {
    set({ connectionBusy: 'opening', connectionError: null, connectionErrorAction: 'open' });
    try {
      const { status, saved } = await get().api.invoke('connection:try', input);
      if (saved === null) {
        set({ connectionError: status.error ?? { kind: 'fatal', message: 'the connection failed' } });
        return null;
      }
      get().setConnection(status);
      void get().loadProfiles();
      return saved;
    } catch (e) {
      set({ connectionError: toApiError(e).toInfo() });
      return null;
    } finally {
      set({ connectionBusy: null });
    }
  },
  async closeConnection() {
    set({ connectionBusy: 'closing', connectionError: null, connectionErrorAction: 'close' });
    try {
      get().setConnection(await get().api.invoke('connection:close'));
    } catch (e) {
      set({ connectionError: toApiError(e).toInfo() });
    } finally {
      set({ connectionBusy: null });
    }
  },
  async startDemo() {
    set({ connectionBusy: 'demo', connectionError: null, connectionErrorAction: 'demo' });
    try {
      const status = await get().api.invoke('demo:start');
      get().setConnection(status);
      void get().loadProfiles();
      return true;
    } catch (e) {
      set({ connectionError: toApiError(e).toInfo() });
      return false;
    } finally {
      set({ connectionBusy: null });
    }
  },
  clearConnectionError() {
    set({ connectionError: null, connectionErrorAction: null });
  },
});

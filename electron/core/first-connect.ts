/**
 * The first connection of a new profile (`connection:try`, issue 13): connect with the form's
 * values before anything is saved. The profile lives only in memory (an ephemeral profile, its
 * password too) while the first connect runs; it is saved, with the same id, only once Redis
 * answered, and forgotten when it did not, so a dead address or a wrong password never leaves a
 * profile behind. "Save anyway" is the ordinary `profiles:save`.
 */
import type { ConnectionStatus, ProfileInput, ProfileView } from '../../shared/contract';
import { usageError } from '../../shared/errors';
import { viewOf, type ProfileStore, type StoredProfile } from './profile-store';

export interface FirstConnectDeps {
  profiles: ProfileStore;
  /** The service's open (closes any current session first); resolves after the first attempt. */
  open(profile: StoredProfile): Promise<ConnectionStatus>;
  /** Closes the current session. */
  close(): Promise<void>;
}

export async function tryFirstConnect(deps: FirstConnectDeps, input: ProfileInput): Promise<{ status: ConnectionStatus; saved: ProfileView | null }> {
  if (input.id !== undefined) throw usageError('connection:try is for a profile that is not saved yet; open a saved one with connection:open');
  const trial = await deps.profiles.save(input, { ephemeral: true });
  let status: ConnectionStatus;
  try {
    status = await deps.open(trial);
  } catch (e) {
    await deps.profiles.delete(trial.id);
    throw e;
  }
  if (status.state === 'ready') {
    // Same id: the open session (and `profiles:list`'s activeProfileId) keep pointing at it.
    const saved = await deps.profiles.persist(trial.id);
    return { status, saved: viewOf(saved) };
  }
  // Not reached on the first attempt (refused, timed out, wrong password, TLS): nothing is kept.
  // A transient failure would be retried in the background by the session: closing it stops that.
  await deps.close();
  await deps.profiles.delete(trial.id);
  const error = status.error ?? { kind: 'transient' as const, message: `the connection did not become ready (${status.state})` };
  return { status: { ...status, state: 'down', error }, saved: null };
}

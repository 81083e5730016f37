/**
 * Connection profiles, kept in `profiles.json` in the config folder WITHOUT passwords: a password
 * (typed in its own field, or found inside the URL) goes to the host's SecretStore and the profile
 * only remembers that one is saved. What leaves this module for the renderer is a ProfileView.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ProfileInput, ProfileView } from '../../shared/contract';
import { usageError } from '../../shared/errors';
import { redactUrl } from '../../shared/redact';
import { prefixProblem } from '../../shared/stream-key';
import { parseSentinels } from './connection';
import { parseRedisUrl } from './redis-url';
import { readJsonFile, writeJsonFile } from './json-file';
import type { SecretStore } from './service-api';
import { withLock } from './state-lock';

export interface StoredProfile {
  id: string;
  name: string;
  /** scheme://host:port/db, never credentials. */
  address: string;
  username?: string;
  hasPassword: boolean;
  prefix: string;
  commandTimeoutMs: number;
  readOnly: boolean;
  tls?: ProfileView['tls'];
  /** Absent: `auto` (a Cluster is detected on connect). */
  topology?: ProfileView['topology'];
  /** Sentinel: the sentinels' own password is in the secret store ({@link sentinelSecretKey}). */
  hasSentinelPassword?: boolean;
  demo?: boolean;
  /** Opened from a URL (`serve --url`, demo): kept in memory only, password included. */
  ephemeral?: boolean;
}

/** Where a profile's Sentinel password is kept in the secret store, next to its Redis password. */
export function sentinelSecretKey(profileId: string): string {
  return `${profileId}:sentinel`;
}

/** Builds `scheme://host:port/db` from a parsed URL, with IPv6 brackets restored. */
function addressOf(url: string): { address: string; username?: string; password?: string } {
  const p = parseRedisUrl(url);
  const host = p.host.includes(':') ? `[${p.host}]` : p.host;
  const address = `${p.tls ? 'rediss' : 'redis'}://${host}:${p.port}${p.db ? `/${p.db}` : ''}`;
  return { address, username: p.username, password: p.password };
}

/** The full URL for connecting: address plus credentials. Stays in the main process. */
export function connectUrlOf(profile: StoredProfile, password: string | undefined): string {
  if (profile.username === undefined && password === undefined) return profile.address;
  const user = profile.username !== undefined ? encodeURIComponent(profile.username) : '';
  const pass = password !== undefined ? `:${encodeURIComponent(password)}` : '';
  return profile.address.replace('://', `://${user}${pass}@`);
}

export function viewOf(p: StoredProfile): ProfileView {
  const shownUrl = p.username !== undefined || p.hasPassword ? redactUrl(connectUrlOf(p, p.hasPassword ? 'x' : undefined)) : p.address;
  const view: ProfileView = {
    id: p.id,
    name: p.name,
    url: shownUrl,
    address: p.address,
    hasPassword: p.hasPassword,
    prefix: p.prefix,
    commandTimeoutMs: p.commandTimeoutMs,
    readOnly: p.readOnly,
  };
  if (p.username !== undefined) view.username = p.username;
  if (p.tls) view.tls = p.tls;
  if (p.topology) view.topology = p.topology;
  if (p.hasSentinelPassword) view.hasSentinelPassword = true;
  if (p.demo) view.demo = true;
  return view;
}

/**
 * The profiles of one config folder, shared by every instance using it (desktop app, `serve`,
 * both at once): `list`/`get` read `profiles.json` again whenever it changed on disk, and `save`
 * and `delete` re-read, merge their one change and write back under the folder's profiles lock
 * (`profiles.json.lock`, state-lock.ts), so one instance never drops a profile another saved.
 * Ephemeral profiles (a demo server, `serve --url`) stay in this instance's memory.
 */
export class ProfileStore {
  private readonly file: string;
  private disk: StoredProfile[];
  /** size, mtime and inode of profiles.json when `disk` was read ('' when it was missing). */
  private diskSig: string;
  private ephemeral: StoredProfile[] = [];
  /** Passwords of ephemeral profiles: never written anywhere. */
  private readonly memorySecrets = new Map<string, string>();

  constructor(
    home: string,
    private readonly secrets: SecretStore,
  ) {
    this.file = path.join(home, 'profiles.json');
    this.diskSig = this.signature();
    this.disk = this.readDisk();
  }

  list(): StoredProfile[] {
    return [...this.fromDisk(), ...this.ephemeral];
  }

  get(id: string): StoredProfile | undefined {
    return this.list().find((p) => p.id === id);
  }

  /** profiles.json as saved by any instance, read again only when it changed. */
  private fromDisk(): StoredProfile[] {
    const sig = this.signature();
    if (sig !== this.diskSig) {
      this.disk = this.readDisk();
      this.diskSig = sig;
    }
    return this.disk;
  }

  private signature(): string {
    try {
      const st = statSync(this.file);
      return `${st.size}:${st.mtimeMs}:${st.ino}`;
    } catch {
      return '';
    }
  }

  private readDisk(): StoredProfile[] {
    const doc = readJsonFile<{ profiles?: StoredProfile[] }>(this.file, {});
    return Array.isArray(doc.profiles) ? doc.profiles.filter((p) => p && typeof p.id === 'string' && !p.ephemeral) : [];
  }

  /** Re-reads profiles.json, applies `change` to it and writes it back, all under the profiles lock. */
  private async changeDisk(change: (profiles: StoredProfile[]) => StoredProfile[]): Promise<void> {
    await withLock(
      `${this.file}.lock`,
      () => {
        const next = change(this.readDisk());
        writeJsonFile(this.file, { profiles: next });
        this.disk = next;
        this.diskSig = this.signature();
      },
      { purpose: 'saving connection profiles' },
    );
  }

  /**
   * Creates or updates a profile. A password in the URL or in `password` is moved to the secret
   * store; `password: null` forgets the saved one. A Sentinel profile's `sentinelPassword` (the
   * sentinels' own) is kept the same way, under its own key; a profile that leaves the Sentinel
   * mode forgets it. Guarantees nothing secret is written to profiles.json, and that everything is
   * checked before anything is written (a refused save leaves no secret behind).
   */
  async save(input: ProfileInput, opts: { demo?: boolean; ephemeral?: boolean } = {}): Promise<StoredProfile> {
    const { address, username, password: urlPassword } = addressOf(input.url);
    const existing = input.id !== undefined ? this.get(input.id) : undefined;
    if (input.id !== undefined && !existing) throw usageError(`no profile with id ${input.id}`);
    const prefix = input.prefix;
    const prefixRefused = prefixProblem(prefix);
    if (prefixRefused !== null) throw usageError(prefixRefused);
    let topology: StoredProfile['topology'];
    if (input.topology && input.topology.mode !== 'auto') {
      // Sentinel addresses are kept only for the sentinel mode (switching away drops them).
      const t = input.topology;
      if (t.mode === 'sentinel' && parseSentinels(t.sentinels ?? '').length === 0) throw usageError('Sentinel needs at least one sentinel address, host:port');
      topology = t.mode === 'sentinel' ? { mode: 'sentinel', sentinels: (t.sentinels ?? '').trim(), masterName: (t.masterName ?? '').trim() } : { mode: t.mode };
    }
    const sentinel = topology?.mode === 'sentinel';
    if (!sentinel && typeof input.sentinelPassword === 'string' && input.sentinelPassword !== '') {
      throw usageError('a password of the sentinels needs the Sentinel topology');
    }
    const id = existing?.id ?? randomUUID();
    const ephemeral = opts.ephemeral ?? existing?.ephemeral ?? false;
    // Checked; from here on the secrets, then the profile.
    const hasPassword = await this.keepSecret(id, ephemeral, input.password === null ? null : (input.password ?? urlPassword), existing?.hasPassword ?? false);
    const hasSentinelPassword = await this.keepSecret(
      sentinelSecretKey(id),
      ephemeral,
      sentinel ? input.sentinelPassword : existing?.hasSentinelPassword ? null : undefined,
      existing?.hasSentinelPassword ?? false,
    );
    const profile: StoredProfile = {
      id,
      name: input.name.trim(),
      address,
      hasPassword,
      prefix,
      commandTimeoutMs: input.commandTimeoutMs,
      readOnly: input.readOnly,
    };
    if (username !== undefined) profile.username = username;
    if (input.tls && Object.keys(input.tls).length > 0) profile.tls = input.tls;
    if (topology) profile.topology = topology;
    if (hasSentinelPassword) profile.hasSentinelPassword = true;
    if (opts.demo) profile.demo = true;
    if (ephemeral) profile.ephemeral = true;
    if (ephemeral) {
      this.ephemeral = existing ? this.ephemeral.map((p) => (p.id === id ? profile : p)) : [...this.ephemeral, profile];
    } else {
      // Merged into the file as it is now: another instance's profiles stay.
      await this.changeDisk((list) => (list.some((p) => p.id === id) ? list.map((p) => (p.id === id ? profile : p)) : [...list, profile]));
    }
    return profile;
  }

  /** `null` forgets the secret, a non-empty text saves it, anything else keeps what was there. */
  private async keepSecret(key: string, ephemeral: boolean, value: string | null | undefined, had: boolean): Promise<boolean> {
    if (value === null) {
      if (ephemeral) this.memorySecrets.delete(key);
      else await this.secrets.delete(key);
      return false;
    }
    if (value === undefined || value === '') return had;
    if (ephemeral) this.memorySecrets.set(key, value);
    else await this.secrets.set(key, value);
    return true;
  }

  /**
   * Turns an ephemeral profile (one only tried so far, `connection:try`) into a saved one with the
   * same id: its passwords move from memory to the secret store, the profile into profiles.json.
   */
  async persist(id: string): Promise<StoredProfile> {
    const p = this.ephemeral.find((x) => x.id === id);
    if (!p) throw usageError(`no unsaved profile with id ${id}`);
    for (const key of [id, sentinelSecretKey(id)]) {
      const secret = this.memorySecrets.get(key);
      if (secret !== undefined) await this.secrets.set(key, secret);
    }
    const saved: StoredProfile = { ...p };
    delete saved.ephemeral;
    await this.changeDisk((list) => [...list.filter((x) => x.id !== id), saved]);
    this.ephemeral = this.ephemeral.filter((x) => x.id !== id);
    this.memorySecrets.delete(id);
    this.memorySecrets.delete(sentinelSecretKey(id));
    return saved;
  }

  async delete(id: string): Promise<boolean> {
    const wasEphemeral = this.ephemeral.some((p) => p.id === id);
    let found = wasEphemeral;
    if (wasEphemeral) this.ephemeral = this.ephemeral.filter((p) => p.id !== id);
    else {
      await this.changeDisk((list) => {
        found = list.some((p) => p.id === id);
        return list.filter((p) => p.id !== id);
      });
    }
    if (!found) return false;
    this.memorySecrets.delete(id);
    this.memorySecrets.delete(sentinelSecretKey(id));
    await this.secrets.delete(id);
    await this.secrets.delete(sentinelSecretKey(id));
    return true;
  }

  async password(profile: StoredProfile): Promise<string | undefined> {
    if (!profile.hasPassword) return undefined;
    return profile.ephemeral ? this.memorySecrets.get(profile.id) : this.secrets.get(profile.id);
  }

  /** The sentinels' own password of a Sentinel profile, if one is saved. Stays in the main process. */
  async sentinelPassword(profile: StoredProfile): Promise<string | undefined> {
    if (!profile.hasSentinelPassword || profile.topology?.mode !== 'sentinel') return undefined;
    const key = sentinelSecretKey(profile.id);
    return profile.ephemeral ? this.memorySecrets.get(key) : this.secrets.get(key);
  }
}

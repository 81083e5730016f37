/**
 * Redis passwords on the desktop, encrypted with the OS keyring through Electron's `safeStorage`
 * (Keychain on macOS, DPAPI on Windows, libsecret/KWallet on Linux) and kept as base64
 * ciphertexts in `<config home>/safe-storage-secrets.json`.
 *
 * Why not `secrets.json`: that name is the plaintext 0600 store of `serve`
 * (electron/serve/file-secret-store.ts), in the same config home. Sharing the file would make each
 * host read the other's values as its own (ciphertext used as a password, plaintext fed to
 * decrypt), so the two formats live in two files.
 */
import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MeshError } from '../../shared/errors';
import { writeJsonFile } from '../core/json-file';
import type { SecretStore } from '../core/service-api';
import { withLock } from '../core/state-lock';

/** The part of Electron's `safeStorage` this store uses (so tests can supply a reversible cipher). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only in Electron; absent elsewhere. */
  getSelectedStorageBackend?(): string;
}

export const SAFE_STORAGE_SECRETS_FILE = 'safe-storage-secrets.json';
const FORMAT = 'mesh-inspector/safe-storage-secrets';

/** The file as stored: `{ format, version: 1, secrets: { <profile id>: <base64 ciphertext> } }`. */
export interface SafeStorageSecretsFile {
  format: typeof FORMAT;
  version: 1;
  secrets: Record<string, string>;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Reads the file's JSON value. Guarantees: returns the ciphertexts by profile id in a Map (a
 * profile id like `__proto__` stays data); throws on anything that is not exactly this format
 * (wrong `format`/`version`, a non-string or non-base64 or empty value), so a damaged or foreign
 * file is reported instead of being overwritten with the other passwords lost.
 */
export function parseSecretsFile(value: unknown): Map<string, Buffer> {
  if (typeof value !== 'object' || value === null) throw new Error('not a JSON object');
  const doc = value as Partial<SafeStorageSecretsFile>;
  if (doc.format !== FORMAT || doc.version !== 1) throw new Error(`not a ${FORMAT} version 1 file`);
  if (typeof doc.secrets !== 'object' || doc.secrets === null || Array.isArray(doc.secrets)) throw new Error('"secrets" must be an object');
  const out = new Map<string, Buffer>();
  for (const [id, b64] of Object.entries(doc.secrets)) {
    if (typeof b64 !== 'string' || b64 === '' || !BASE64.test(b64)) throw new Error(`the entry for profile ${JSON.stringify(id)} is not base64`);
    out.set(id, Buffer.from(b64, 'base64'));
  }
  return out;
}

/** The inverse of {@link parseSecretsFile}: ciphertexts only, never a plaintext. */
export function secretsFileDocument(secrets: ReadonlyMap<string, Buffer>): SafeStorageSecretsFile {
  const out: Record<string, string> = {};
  for (const [id, cipher] of secrets) {
    Object.defineProperty(out, id, { value: cipher.toString('base64'), enumerable: true, writable: true, configurable: true });
  }
  return { format: FORMAT, version: 1, secrets: out };
}

/**
 * Why the OS keyring cannot be used, or null when it can. Pure.
 *
 * Why `basic_text` counts as unavailable: on a Linux desktop without a keyring Electron falls back
 * to a key hard-coded in Chromium, which is obfuscation, not encryption; we would be writing a
 * password anyone with the file can read while telling the user it is protected.
 */
export function keyringProblem(available: boolean, linuxBackend: string | undefined): string | null {
  if (!available) return 'the operating system keyring is not available';
  if (linuxBackend === 'basic_text') return 'no operating system keyring was found (GNOME Keyring or KWallet), only an unprotected fallback';
  return null;
}

/**
 * A {@link SecretStore} backed by `safeStorage`.
 *
 * Guarantees:
 * - nothing but ciphertext reaches the disk: when the keyring is unavailable `set` throws a fatal
 *   MeshError (code `KEYRING_UNAVAILABLE`) saying so and writes nothing;
 * - the file is written atomically with mode 0600 (re-applied on every write);
 * - writes are serialized, and each re-reads the file under its lock (core/state-lock.ts), so two
 *   saves in flight, in this or another instance, cannot drop each other's entry;
 * - `get` of an unknown profile is `undefined`; a stored secret that cannot be decrypted (keyring
 *   gone or reset) throws a fatal MeshError asking the user to save the password again;
 * - `delete` works without the keyring (forgetting must always be possible).
 */
export class SafeStorageSecretStore implements SecretStore {
  readonly file: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    home: string,
    private readonly safeStorage: SafeStorageLike,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {
    this.file = path.join(home, SAFE_STORAGE_SECRETS_FILE);
  }

  async get(profileId: string): Promise<string | undefined> {
    await this.queue;
    const cipher = this.read().get(profileId);
    if (cipher === undefined) return undefined;
    const problem = this.problem();
    if (problem) throw new MeshError('fatal', `The saved password cannot be read: ${problem}. Unlock or set up the keyring, or save the password again.`, { code: 'KEYRING_UNAVAILABLE' });
    try {
      return this.safeStorage.decryptString(cipher);
    } catch {
      throw new MeshError('fatal', 'The saved password could not be decrypted (the keyring was reset or changed); save the password again.', { code: 'SECRET_UNREADABLE' });
    }
  }

  set(profileId: string, secret: string): Promise<void> {
    return this.enqueue(() => {
      const problem = this.problem();
      if (problem) {
        throw new MeshError('fatal', `Mesh Inspector will not save this password: ${problem}, and it refuses to store passwords unencrypted. Nothing was written.`, {
          code: 'KEYRING_UNAVAILABLE',
        });
      }
      const secrets = this.read();
      secrets.set(profileId, this.safeStorage.encryptString(secret));
      this.write(secrets);
    });
  }

  delete(profileId: string): Promise<void> {
    return this.enqueue(() => {
      const secrets = this.read();
      if (secrets.delete(profileId)) this.write(secrets);
    });
  }

  private problem(): string | null {
    const backend = this.platform === 'linux' ? this.safeStorage.getSelectedStorageBackend?.() : undefined;
    return keyringProblem(this.safeStorage.isEncryptionAvailable(), backend);
  }

  private enqueue(work: () => void): Promise<void> {
    // Serialized here, and under the file's lock against another instance on the same folder.
    const next = this.queue.then(() => withLock(`${this.file}.lock`, work));
    // The queue itself never rejects, so one failed save does not fail every later one.
    this.queue = next.catch(() => undefined);
    return next;
  }

  private read(): Map<string, Buffer> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw new MeshError('fatal', `cannot read ${this.file}: ${(e as Error).message}`);
    }
    try {
      return parseSecretsFile(JSON.parse(text));
    } catch (e) {
      throw new MeshError('fatal', `${this.file} is damaged (${(e as Error).message}); move it aside and save the passwords again.`, { code: 'SECRETS_FILE_INVALID' });
    }
  }

  private write(secrets: Map<string, Buffer>): void {
    writeJsonFile(this.file, secretsFileDocument(secrets), 0o600);
    // rename keeps the temp file's mode, but a umask or an older file must not decide it.
    chmodSync(this.file, 0o600);
  }
}

/**
 * The secret store of `serve` (and of any host without an OS keychain): Redis passwords in a JSON
 * file only the user can read. Electron's `safeStorage` is not available in plain Node, so this is
 * the fallback issue 3 asks for: a 0600 file under the config folder.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { SecretStore } from '../core/service-api';
import { readJsonFile, writeJsonFile } from '../core/json-file';
import { withLock } from '../core/state-lock';

interface SecretsFile {
  version: 1;
  secrets: Record<string, string>;
}

export const SECRETS_FILE = 'secrets.json';

/**
 * Guarantees:
 * - the file is `<home>/secrets.json`, written atomically (temp file, fsync, rename): a crash
 *   leaves the old or the new content, never half of one;
 * - it is created with mode 0600 and re-chmodded to 0600 on every write, so a file loosened by
 *   hand (or restored from a backup) is tightened again; the folder is created 0700 when missing
 *   (an existing folder's mode is the user's business);
 * - every call reads the file afresh, and every change re-reads, changes one entry and writes
 *   back under the file's lock (`secrets.json.lock`, core/state-lock.ts), so two processes sharing
 *   the folder see each other's writes and never drop each other's passwords;
 * - a file that is not valid JSON makes calls throw with its path, rather than being overwritten
 *   (which would destroy the other saved passwords).
 */
export class FileSecretStore implements SecretStore {
  readonly file: string;

  constructor(home: string) {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    this.file = path.join(home, SECRETS_FILE);
  }

  async get(profileId: string): Promise<string | undefined> {
    const secrets = this.read();
    return secrets.get(profileId);
  }

  async set(profileId: string, secret: string): Promise<void> {
    await withLock(`${this.file}.lock`, () => {
      const secrets = this.read();
      secrets.set(profileId, secret);
      this.write(secrets);
    });
  }

  async delete(profileId: string): Promise<void> {
    await withLock(`${this.file}.lock`, () => {
      const secrets = this.read();
      if (secrets.delete(profileId)) this.write(secrets);
    });
  }

  // A Map, not a plain object: a profile id such as "__proto__" must be data, never a prototype.
  private read(): Map<string, string> {
    const doc = readJsonFile<Partial<SecretsFile> | null>(this.file, null);
    const out = new Map<string, string>();
    if (doc === null) return out;
    if (typeof doc !== 'object' || typeof doc.secrets !== 'object' || doc.secrets === null) {
      throw new Error(`${this.file} is not a secrets file; move it aside to start fresh`);
    }
    for (const [id, secret] of Object.entries(doc.secrets)) if (typeof secret === 'string') out.set(id, secret);
    return out;
  }

  private write(secrets: Map<string, string>): void {
    const doc: SecretsFile = { version: 1, secrets: Object.fromEntries(secrets) };
    writeJsonFile(this.file, doc, 0o600);
    // The temp file was created 0600, but a umask cannot widen it and rename keeps it; chmod anyway
    // so the guarantee does not rest on how the helper opens its temp file.
    chmodSync(this.file, 0o600);
  }
}

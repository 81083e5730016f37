/**
 * Small JSON documents in the config folder, written atomically (temp file, fsync, rename) so a
 * crash never leaves half a file (and the rename survives a power cut), with owner-only permissions.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './state-files';

export function readJsonFile<T>(file: string, fallback: T): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${file} is not valid JSON; move it aside to start fresh`);
  }
}

export function writeJsonFile(file: string, value: unknown, mode = 0o600): void {
  // Temp file, fsync, rename, fsync of the folder (state-files.ts).
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', mode);
}

/**
 * Small JSON documents in the config folder, written atomically (temp file, fsync, rename) so a
 * crash never leaves half a file (and the rename survives a power cut), with owner-only permissions.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { MeshError } from '../../shared/errors';
import { writeFileAtomic } from './state-files';

/**
 * A state file in the config folder that exists but cannot be used: unreadable, not JSON, or not
 * a JSON object. Distinguishable (`instanceof`, code `STATE_FILE_DAMAGED`) so a host can name the
 * file and offer to move it aside ({@link moveStateFileAside}); a fatal MeshError otherwise, whose
 * message says the same for a terminal. Nothing is ever written over such a file.
 */
export class StateFileError extends MeshError {
  constructor(
    /** Absolute path of the file. */
    readonly file: string,
    /** What is wrong with it, for a person: `not valid JSON (Unexpected token ...)`. */
    readonly problem: string,
  ) {
    super('fatal', `${file} is damaged: ${problem}; move it aside to start fresh`, { code: 'STATE_FILE_DAMAGED' });
    this.name = 'StateFileError';
  }
}

/**
 * Reads a JSON object from `file`; `fallback` when the file does not exist. Throws
 * {@link StateFileError} when it exists but cannot be read, is not JSON, or is not an object.
 */
export function readJsonFile<T>(file: string, fallback: T): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fallback;
    throw new StateFileError(file, `it cannot be read (${code ?? String(e)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new StateFileError(file, `it is not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StateFileError(file, `it holds ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not a JSON object`);
  }
  return value as T;
}

/**
 * Renames a damaged state file to `<name>.damaged-<yyyymmdd-hhmmss>` beside it (a free name: a
 * counter is appended rather than overwrite an earlier one) and returns the new path. The next
 * start then begins with that state empty; the old content stays for the user to inspect.
 */
export function moveStateFileAside(file: string, now: Date = new Date()): string {
  const base = asideName(file, now);
  for (let n = 0; ; n++) {
    const target = n === 0 ? base : `${base}-${n}`;
    if (existsSync(target)) continue;
    renameSync(file, target);
    return target;
  }
}

/** Where {@link moveStateFileAside} would put `file` at `now` (before looking for a free name). Pure. */
export function asideName(file: string, now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${file}.damaged-${stamp}`;
}

export function writeJsonFile(file: string, value: unknown, mode = 0o600): void {
  // Temp file, fsync, rename, fsync of the folder (state-files.ts).
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', mode);
}

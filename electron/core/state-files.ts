/**
 * Files of the config folder, written so that a crash or a second instance never leaves a torn or
 * half-written file behind: a unique temp file, fsync, rename over the target, fsync of the
 * folder (so the rename itself survives a power cut); and leftover temp files of crashed writers
 * removed when an instance starts.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * fsyncs a folder so that a rename or unlink in it is durable. Not possible on every platform
 * (Windows refuses to open a folder for this), so best effort.
 */
export function syncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort (see above)
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `<file>.<pid>.<random>.tmp`: the pid lets {@link removeStaleTemps} tell a crashed writer's file. */
export function tempNameFor(file: string): string {
  return `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/**
 * Replaces `file` with `data` atomically: readers see the old or the new content, never a mix, and
 * after it returns the new content survives a crash of the machine. The folder is created (0700)
 * when missing; the file gets `mode` (0600 by default). On failure the temp file is removed and
 * the old file is untouched.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = tempNameFor(file);
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDirSync(dir);
}

/** A temp file this old is stale whoever wrote it: no write takes an hour. */
const TEMP_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * Removes the `*.tmp` files in `dir` left by writers that crashed mid-write: those whose writer
 * pid (the first all-digit part of the name, as every writer of the config folder names them) is
 * no longer running, and any older than an hour. A temp file of a live writer is left alone: it
 * may be renamed into place any moment. Returns the names removed; never throws.
 */
export function removeStaleTemps(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.endsWith('.tmp')) continue;
    const full = path.join(dir, name);
    try {
      const pidText = name.split('.').find((part) => /^\d+$/.test(part));
      const pid = pidText === undefined ? NaN : Number(pidText);
      const old = Date.now() - statSync(full).mtimeMs > TEMP_MAX_AGE_MS;
      if (old || !Number.isSafeInteger(pid) || !isRunning(pid)) {
        rmSync(full, { force: true });
        removed.push(name);
      }
    } catch {
      // vanished meanwhile (renamed into place by its writer): fine
    }
  }
  return removed;
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Locks in the config folder, shared by every inspector process that uses it (the desktop app,
 * `serve`, each CLI run): an in-process queue plus a lock file created with O_EXCL.
 *
 * Why not a library: proper-lockfile (the usual choice) decides staleness by the lock's age (its
 * mtime is refreshed every few seconds while held). That both waits out a crashed holder (10 s by
 * default) and lets a live holder lose its lock when its event loop stalls past the limit, which
 * for sequence reservations would hand the same ordinals to two publishers. Here a lock names its
 * owner (pid, host, and on Linux the boot id and the process' start time), so a lock left by a
 * killed process is recovered at once and a live one is never taken away, however long it holds.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync, mkdirSync } from 'node:fs';
import { hostname, uptime } from 'node:os';
import path from 'node:path';
import { MeshError } from '../../shared/errors';

/** What a lock file holds: who created it, when, and for what. */
export interface LockOwner {
  pid: number;
  host: string;
  /** Linux: `<boot id>:<start time in clock ticks>` of the owner; tells a reused pid apart. */
  start: string | null;
  /** Epoch ms when the lock was taken. */
  at: number;
  /** For the person reading a "held by" message: what the holder is doing. */
  purpose: string;
}

export interface LockOptions {
  /** How long to wait for the lock before failing (default 30 s). */
  waitMs?: number;
  /** Shown in the lock file and in "held by" messages. */
  purpose?: string;
}

/** A held lock. `release()` is idempotent. */
export interface HeldLock {
  readonly file: string;
  release(): void;
}

const DEFAULT_WAIT_MS = 30_000;
/** A lock file still empty after this long was left by a process that died between create and write. */
const EMPTY_LOCK_STALE_MS = 10_000;
const POLL_MIN_MS = 2;
const POLL_MAX_MS = 50;

/** Per lock file: the tail of this process' queue for it. */
const queues = new Map<string, Promise<void>>();

let selfStart: string | null | undefined;

/** This process' start marker (Linux), computed once. */
function ownStart(): string | null {
  if (selfStart === undefined) selfStart = startMarker(process.pid);
  return selfStart;
}

/**
 * `<boot id>:<start time>` of a process on Linux (from /proc), null elsewhere or when unreadable.
 * The start time is field 22 of /proc/<pid>/stat, counted after the command name, which may itself
 * hold spaces and parentheses (so the split starts after the last `)`).
 */
export function startMarker(pid: number): string | null {
  if (process.platform !== 'linux') return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const started = fields[19];
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return started ? `${boot}:${started}` : null;
  } catch {
    return null;
  }
}

/**
 * Whether the owner of a lock is certainly gone: another pid that no longer exists, a pid now
 * used by a process started later (Linux start marker), a lock taken before this machine booted,
 * or a leftover of this very process (this process never holds a file lock outside its queue).
 * A lock from another host is never judged gone: its owner cannot be checked from here.
 */
export function ownerIsGone(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false;
  // Our own pid: a leftover of ours, or of an earlier process that had this pid (containers
  // restart with the same pids); we hold a file lock only inside our queue, never beside it.
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    // EPERM: the pid exists (another user's process); only ESRCH says it is gone.
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  if (owner.start !== null) {
    const now = startMarker(owner.pid);
    if (now !== null && now !== owner.start) return true;
  }
  // Without a start marker (not Linux): a lock older than the last boot was left by a process of
  // an earlier boot whose pid is merely in use again.
  const bootedAt = Date.now() - uptime() * 1000;
  return owner.at < bootedAt - 60_000;
}

function parseOwner(text: string): LockOwner | null {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (typeof v.pid !== 'number' || typeof v.host !== 'string' || typeof v.at !== 'number') return null;
    return { pid: v.pid, host: v.host, start: typeof v.start === 'string' ? v.start : null, at: v.at, purpose: typeof v.purpose === 'string' ? v.purpose : '' };
  } catch {
    return null;
  }
}

interface Seen {
  ino: number;
  text: string;
  mtimeMs: number;
}

function look(file: string): Seen | null {
  try {
    const st = statSync(file);
    return { ino: st.ino, text: readFileSync(file, 'utf8'), mtimeMs: st.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** One attempt to create the lock file. True when this process now holds it. */
function tryCreate(file: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify(owner));
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes a lock file judged stale, but only if it is still the very file that was judged (same
 * inode, same text): a breaker first takes `<lock>.break` (O_EXCL) so that two processes
 * recovering the same dead owner's lock at once cannot remove a fresh lock the other has just
 * created in its place.
 */
function breakStale(file: string, seen: Seen): void {
  const breaker = `${file}.break`;
  const me: LockOwner = { pid: process.pid, host: hostname(), start: ownStart(), at: Date.now(), purpose: 'recovering a stale lock' };
  if (!tryCreate(breaker, me)) {
    const other = look(breaker);
    const owner = other ? parseOwner(other.text) : null;
    // A breaker holds its file for microseconds; one whose owner is gone died while recovering.
    if (other && ((owner && ownerIsGone(owner)) || (!owner && Date.now() - other.mtimeMs > EMPTY_LOCK_STALE_MS))) {
      try {
        unlinkSync(breaker);
      } catch {
        // someone else removed it
      }
    }
    return;
  }
  try {
    const now = look(file);
    if (now && now.ino === seen.ino && now.text === seen.text) unlinkSync(file);
  } finally {
    unlinkSync(breaker);
  }
}

function heldMessage(file: string, owner: LockOwner | null, waitedMs: number): string {
  const who = owner
    ? `process ${owner.pid} on ${owner.host} since ${new Date(owner.at).toISOString()}${owner.purpose ? ` (${owner.purpose})` : ''}`
    : 'a process that is creating it';
  return `the lock ${file} is held by ${who}; waited ${Math.round(waitedMs)} ms. If that process is gone for good, delete the file`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Takes the lock `file` (created in its folder, which is created if needed), waiting at most
 * `waitMs` behind other holders in this process (first come, first served) and in other processes
 * (polled, 2 to 50 ms apart).
 *
 * Guarantees: while the returned lock is held, no other process using this module holds `file`,
 * and no other caller in this process does; a lock file whose owner is gone (see
 * {@link ownerIsGone}) is removed and taken; a live owner's lock is never taken away; on timeout
 * the rejection is a MeshError `transient` with code `LOCKED` naming the file and its holder, and
 * nothing is held. Lock files are not fsynced: after a crash of the machine the owner's boot id
 * (or the boot time) marks them stale.
 */
export async function acquireLock(file: string, opts: LockOptions = {}): Promise<HeldLock> {
  const waitMs = opts.waitMs ?? DEFAULT_WAIT_MS;
  const started = performance.now();
  const deadline = started + waitMs;
  const abs = path.resolve(file);

  // In-process queue: chain behind the previous caller for this file.
  const before = queues.get(abs) ?? Promise.resolve();
  let leave!: () => void;
  const mine = new Promise<void>((resolve) => (leave = resolve));
  const tail = before.then(() => mine);
  queues.set(abs, tail);
  const forget = () => {
    leave();
    if (queues.get(abs) === tail) queues.delete(abs);
  };

  let timer: NodeJS.Timeout | undefined;
  const turn = await Promise.race([
    before.then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - performance.now())))),
  ]);
  clearTimeout(timer);
  if (!turn) {
    forget();
    throw new MeshError('transient', `${heldMessage(abs, null, performance.now() - started).replace('a process that is creating it', 'another task of this process')}`, { code: 'LOCKED' });
  }

  const owner: LockOwner = { pid: process.pid, host: hostname(), start: ownStart(), at: Date.now(), purpose: opts.purpose ?? '' };
  const ownText = JSON.stringify(owner);
  try {
    mkdirSync(path.dirname(abs), { recursive: true, mode: 0o700 });
    let pause = POLL_MIN_MS;
    let lastOwner: LockOwner | null = null;
    for (;;) {
      if (tryCreate(abs, owner)) break;
      const seen = look(abs);
      if (seen) {
        lastOwner = parseOwner(seen.text);
        const stale = lastOwner ? ownerIsGone(lastOwner) : Date.now() - seen.mtimeMs > EMPTY_LOCK_STALE_MS;
        if (stale) {
          breakStale(abs, seen);
          continue;
        }
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new MeshError('transient', heldMessage(abs, lastOwner, performance.now() - started), { code: 'LOCKED' });
      await delay(Math.min(pause, left));
      pause = Math.min(pause * 2, POLL_MAX_MS);
    }
  } catch (e) {
    forget();
    throw e;
  }

  let released = false;
  return {
    file: abs,
    release() {
      if (released) return;
      released = true;
      try {
        // Only our own file: it cannot have been broken while we live, but never remove another's.
        if (readFileSync(abs, 'utf8') === ownText) unlinkSync(abs);
      } catch {
        // already gone
      } finally {
        forget();
      }
    },
  };
}

/** Runs `fn` holding the lock `file` ({@link acquireLock}), and releases it however `fn` ends. */
export async function withLock<T>(file: string, fn: () => T | Promise<T>, opts: LockOptions = {}): Promise<T> {
  const lock = await acquireLock(file, opts);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/**
 * The config folder's locks (electron/core/state-lock.ts) and temp-file hygiene
 * (electron/core/state-files.ts), on the real file system with real child processes: mutual
 * exclusion across processes and within one, a killed holder's lock recovered at once, a live
 * holder's lock never taken, a reused pid told apart, a bounded wait that names the file and its
 * holder; stale temp files of dead writers removed, live ones kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, startMarker, withLock } from '../../electron/core/state-lock';
import { removeStaleTemps, writeFileAtomic } from '../../electron/core/state-files';
import { MeshError } from '../../shared/errors';

const LOCK_MODULE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../electron/core/state-lock.ts');
let dir: string;
const children: ChildProcess[] = [];
const scripts = mkdtempSync(path.join(tmpdir(), 'mesh-lock-scripts-'));

/** A child process running `body` (ES module TypeScript, `withLock`/`acquireLock` in scope) with tsx. */
function child(name: string, body: string, args: string[] = []): ChildProcess {
  const file = path.join(scripts, `${name}.mts`);
  writeFileSync(file, `import { acquireLock, withLock } from ${JSON.stringify(LOCK_MODULE)};\nimport { readFileSync, writeFileSync } from 'node:fs';\nconst args = process.argv.slice(2);\n${body}\n`);
  const c = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(c);
  return c;
}

function exited(c: ChildProcess): Promise<number | null> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve(c.exitCode);
  return new Promise((resolve) => c.once('exit', (code) => resolve(code)));
}

/** Resolves once the child printed `line`. */
function said(c: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    c.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.split('\n').includes(line)) resolve();
    });
    c.once('exit', (code) => reject(new Error(`child exited (${code}) before saying ${line}`)));
  });
}

async function rejection(p: Promise<unknown>): Promise<MeshError> {
  const e = await p.then(
    () => new Error('expected a rejection'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MeshError);
  return e as MeshError;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mesh-lock-'));
});

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await exited(c);
  }
  rmSync(dir, { recursive: true, force: true });
});

afterAll(() => {
  rmSync(scripts, { recursive: true, force: true });
});

describe('mutual exclusion', () => {
  it('four processes doing 50 read-modify-writes each under the lock lose none of the 200', async () => {
    const counter = path.join(dir, 'counter');
    writeFileSync(counter, '0');
    const body = `for (let k = 0; k < 50; k++) {
  await withLock(args[0] + '.lock', async () => {
    const v = Number(readFileSync(args[0], 'utf8'));
    await new Promise((r) => setImmediate(r));
    writeFileSync(args[0], String(v + 1));
  });
}`;
    const runs = [0, 1, 2, 3].map((k) => child(`rmw${k}`, body, [counter]));
    expect(await Promise.all(runs.map(exited))).toEqual([0, 0, 0, 0]);
    expect(readFileSync(counter, 'utf8')).toBe('200');
    expect(readdirSync(dir)).toEqual(['counter']);
  }, 60_000);

  it('callers in one process take turns, first come first served', async () => {
    const order: number[] = [];
    let inside = 0;
    await Promise.all(
      Array.from({ length: 10 }, (_, k) =>
        withLock(path.join(dir, 'q.lock'), async () => {
          inside++;
          expect(inside).toBe(1);
          await new Promise((r) => setImmediate(r));
          order.push(k);
          inside--;
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('holders that are gone, and holders that are not', () => {
  it('a lock left by a killed process is taken at once', async () => {
    const lock = path.join(dir, 'k.lock');
    const holder = child('holder-killed', `await acquireLock(args[0]); console.log('held'); setInterval(() => {}, 1000);`, [lock]);
    await said(holder, 'held');
    holder.kill('SIGKILL');
    await exited(holder);
    // Waiting at most 200 ms: only recognising the dead owner can get it.
    const held = await acquireLock(lock, { waitMs: 200 });
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid });
    held.release();
    expect(readdirSync(dir)).toEqual([]);
  }, 30_000);

  it('a live holder keeps its lock however long it holds it: the wait fails with LOCKED naming the file and the holder', async () => {
    const lock = path.join(dir, 'live.lock');
    const holder = child('holder-live', `await acquireLock(args[0], { purpose: 'a long publish' }); console.log('held'); setInterval(() => {}, 1000);`, [lock]);
    await said(holder, 'held');
    const e = await rejection(acquireLock(lock, { waitMs: 300 }));
    expect(e.kind).toBe('transient');
    expect(e.code).toBe('LOCKED');
    expect(e.message).toContain(lock);
    expect(e.message).toContain(`process ${holder.pid} on ${hostname()}`);
    expect(e.message).toContain('(a long publish)');
    holder.kill('SIGKILL');
    await exited(holder);
    (await acquireLock(lock, { waitMs: 1000 })).release();
  }, 30_000);

  it.runIf(process.platform === 'linux')('a lock whose pid now belongs to a process started later (a reused pid) is taken', async () => {
    const lock = path.join(dir, 'reused.lock');
    // The parent of this test process is alive, but it did not start at this time.
    const marker = startMarker(process.ppid)!;
    expect(marker).toMatch(/^[0-9a-f-]+:\d+$/);
    const [boot, started] = marker.split(':');
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: hostname(), start: `${boot}:${Number(started) + 1}`, at: Date.now(), purpose: '' }));
    (await acquireLock(lock, { waitMs: 200 })).release();
    // With its real start marker it is a live holder.
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: hostname(), start: marker, at: Date.now(), purpose: '' }));
    expect((await rejection(acquireLock(lock, { waitMs: 100 }))).code).toBe('LOCKED');
  });

  it("another host's lock is never judged gone", async () => {
    const lock = path.join(dir, 'remote.lock');
    writeFileSync(lock, JSON.stringify({ pid: 1, host: `not-${hostname()}`, start: null, at: 0, purpose: '' }));
    expect((await rejection(acquireLock(lock, { waitMs: 100 }))).message).toContain(`on not-${hostname()}`);
  });

  it('an empty lock file is being written (wait), unless it has stayed empty for long (its creator died)', async () => {
    const lock = path.join(dir, 'empty.lock');
    writeFileSync(lock, '');
    expect((await rejection(acquireLock(lock, { waitMs: 100 }))).code).toBe('LOCKED');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    (await acquireLock(lock, { waitMs: 200 })).release();
  });
});

describe('temp files and atomic writes', () => {
  it('removes temp files of writers that are gone or older than an hour, keeps a live writer’s', async () => {
    const gone = child('gone', `console.log('up');`);
    await exited(gone);
    const deadTmp = `profiles.json.${gone.pid}.abcd.tmp`;
    const liveTmp = `profiles.json.${process.pid}.beef.tmp`;
    const oldTmp = `batches.json.${process.pid}.cafe.tmp`;
    for (const n of [deadTmp, liveTmp, oldTmp, 'profiles.json']) writeFileSync(path.join(dir, n), 'x');
    const hourAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(path.join(dir, oldTmp), hourAgo, hourAgo);
    expect(removeStaleTemps(dir).sort()).toEqual([oldTmp, deadTmp].sort());
    expect(readdirSync(dir).sort()).toEqual([liveTmp, 'profiles.json'].sort());
  });

  it('writeFileAtomic replaces a file whole and leaves no temp file', () => {
    const f = path.join(dir, 'doc.json');
    writeFileAtomic(f, 'one');
    writeFileAtomic(f, 'two');
    expect(readFileSync(f, 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['doc.json']);
  });
});

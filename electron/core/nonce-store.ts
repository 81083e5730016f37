/**
 * The inspector's producer identity: its nonce file, in net-mesh's own 9-byte format (contract
 * 1.6), and the per-(nonce, stream) sequence counters that keep test batches from reusing ids
 * (cli.md `publish`: "so two test batches never reuse an id unless asked to").
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, readFile, stat, unlink, link, rename } from 'node:fs/promises';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { MeshError } from '../../shared/errors';
import { decodeNonceFile, encodeNonceFile } from '../../shared/nonce-file';
import { U64_MAX } from '../../shared/u64';
import { configHome } from './home';
import { writeFileAtomic } from './state-files';
import { withLock } from './state-lock';

/** `<config home>/producer.nonce`: the inspector's own producer nonce file. */
export function inspectorNoncePath(): string {
  return path.join(configHome(), 'producer.nonce');
}

/** `<config home>/sequences.json`: the inspector's sequence counters. */
export function sequenceStorePath(): string {
  return path.join(configHome(), 'sequences.json');
}

/**
 * Loads the producer nonce from `filePath`, creating the file when it is missing, exactly as
 * net-mesh's loader does (contract 1.6):
 * - an existing file must be exactly 9 bytes with version byte 0x01 (anything else, the legacy
 *   8-byte format included, is an error naming the problem; nothing is overwritten);
 * - a missing file is created with a fresh random nonce (never 0), written to a unique sibling
 *   temp file `<name>.<pid>.<tid:x>.<nanos>.<nonce:x>.tmp`, fsynced, then put in place;
 * - a missing parent folder is NOT created: that is an error naming the folder.
 *
 * Putting the file in place uses a hard link, which fails when another process created the file
 * first; then that process's nonce is read and returned, so two inspectors starting together
 * agree on one nonce. Where hard links are unsupported it falls back to rename, as net-mesh.
 *
 * Errors are MeshError `fatal` (net-mesh: "failed to load/create producer-nonce file at …").
 */
export async function loadOrCreateNonce(filePath: string): Promise<bigint> {
  const existing = await readNonceFile(filePath);
  if (existing !== undefined) return existing;

  const dir = path.dirname(filePath);
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw nonceError(filePath, `${dir} is not a folder`, 'ENOTDIR');
  } catch (e) {
    if (e instanceof MeshError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      // Contract 1.6: net-mesh does not create the parent folder (NotFound).
      throw nonceError(filePath, `its folder ${dir} does not exist (it is not created automatically)`, 'ENOENT');
    }
    throw nonceError(filePath, `cannot inspect its folder ${dir}: ${errText(e)}`, errCode(e));
  }

  const nonce = randomNonce();
  const tmp = path.join(
    dir,
    `${path.basename(filePath)}.${process.pid}.${threadId.toString(16)}.${process.hrtime.bigint()}.${nonce.toString(16)}.tmp`,
  );
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(encodeNonceFile(nonce));
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await link(tmp, filePath);
    } catch (e) {
      const code = errCode(e);
      if (code === 'EEXIST') {
        // Someone else created it between our read and now: theirs wins.
        const theirs = await readNonceFile(filePath);
        if (theirs !== undefined) return theirs;
      }
      if (code === 'EEXIST' || !isNoHardLinks(code)) throw e;
      await rename(tmp, filePath);
    }
    await syncDir(dir);
    return nonce;
  } catch (e) {
    if (e instanceof MeshError) throw e;
    throw nonceError(filePath, `cannot create it: ${errText(e)}`, errCode(e));
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

async function readNonceFile(filePath: string): Promise<bigint | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(filePath);
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    throw nonceError(filePath, `cannot read it: ${errText(e)}`, errCode(e));
  }
  try {
    return decodeNonceFile(bytes);
  } catch (e) {
    throw nonceError(filePath, errText(e), 'EINVAL');
  }
}

/** A fresh nonce from the OS random source; all-zero becomes 1, as net-mesh's generators do (contract 1.3). */
function randomNonce(): bigint {
  const v = randomBytes(8).readBigUInt64LE(0);
  return v === 0n ? 1n : v;
}

function nonceError(filePath: string, problem: string, code: string | undefined): MeshError {
  const opts = code === undefined ? {} : { code };
  return new MeshError('fatal', `failed to load/create the producer nonce file ${filePath}: ${problem}`, opts);
}

// ---------------------------------------------------------------------------------------------

interface SequenceFile {
  version: 1;
  /** nonce hex -> stream key -> next ordinal (decimal text: a u64 does not fit a JSON number). */
  next: Record<string, Record<string, string>>;
}

/**
 * Per-(nonce, stream key) "next ordinal" counters in one JSON file, so that every test batch gets
 * fresh dedup ids by default (cli.md `publish`). The key is the full stream key, so the prefix is
 * part of it.
 *
 * Guarantees: every change is a read-modify-write of the file under its lock
 * (`sequences.json.lock`, state-lock.ts), so concurrent changes from any number of processes
 * sharing the config folder are never lost; every write replaces the file atomically and durably
 * (temp file, fsync, rename, folder fsync), so a crash leaves the old or the new file, never a
 * torn one; `next` reads the file afresh on every call. A file that is not this format is an error
 * naming the file, never silently reset (resetting would hand out used ids again).
 *
 * Deciding WHICH ordinals a batch gets is not this class' job: the test publisher
 * (test-publisher.ts) holds the per-(nonce, key) reservation lock around `next`, `compareAndSet`
 * and the publish itself.
 */
export class SequenceStore {
  constructor(readonly filePath: string) {}

  /** The next unused ordinal for `nonceHex` on stream `key`: 0 when nothing was published yet. */
  next(nonceHex: string, key: string): bigint {
    const text = this.read().next[nonceHex]?.[key];
    return text === undefined ? 0n : BigInt(text);
  }

  /**
   * Records that `count` events starting at ordinal `sequenceStart` were (or may have been)
   * published: the counter becomes `max(counter, sequenceStart + count)`, capped at 2^64-1. It
   * never moves backwards.
   */
  async advance(nonceHex: string, key: string, sequenceStart: bigint, count: number): Promise<void> {
    if (typeof sequenceStart !== 'bigint' || sequenceStart < 0n || sequenceStart > U64_MAX) {
      throw new RangeError(`sequence start must be a u64 (got ${String(sequenceStart)})`);
    }
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer (got ${count})`);
    let end = sequenceStart + BigInt(count);
    if (end > U64_MAX) end = U64_MAX; // net-mesh saturates the counter too (contract 3.6)
    await this.change(nonceHex, key, (current) => (end > current ? end : undefined));
  }

  /**
   * Sets the counter to `value` only if it is `expected` now; true when it did. The reservation
   * uses it to write ahead (before the batch is sent) and to give ordinals back (a batch that
   * provably never reached Redis), each time checking nobody moved the counter meanwhile.
   */
  async compareAndSet(nonceHex: string, key: string, expected: bigint, value: bigint): Promise<boolean> {
    if (value < 0n || value > U64_MAX) throw new RangeError(`a counter must be a u64 (got ${String(value)})`);
    let done = false;
    await this.change(nonceHex, key, (current) => {
      if (current !== expected) return undefined;
      done = true;
      return value === current ? undefined : value;
    });
    return done;
  }

  /** Read-modify-write under the file lock; `decide` returns the new value, or undefined to keep it. */
  private async change(nonceHex: string, key: string, decide: (current: bigint) => bigint | undefined): Promise<void> {
    await withLock(
      `${this.filePath}.lock`,
      () => {
        const data = this.read();
        const perNonce = (data.next[nonceHex] ??= {});
        const current = perNonce[key] === undefined ? 0n : BigInt(perNonce[key]);
        const value = decide(current);
        if (value === undefined) return;
        if (value === 0n) delete perNonce[key];
        else perNonce[key] = value.toString();
        if (Object.keys(perNonce).length === 0) delete data.next[nonceHex];
        this.write(data);
      },
      { purpose: 'updating the sequence counters' },
    );
  }

  private read(): SequenceFile {
    let text: string;
    try {
      text = readFileSync(this.filePath, 'utf8');
    } catch (e) {
      if (errCode(e) === 'ENOENT') return { version: 1, next: {} };
      throw new MeshError('fatal', `cannot read the sequence store ${this.filePath}: ${errText(e)}`, optCode(errCode(e)));
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw this.invalid('it is not valid JSON');
    }
    if (!isRecord(data) || data.version !== 1 || !isRecord(data.next)) throw this.invalid('it is not a version 1 sequence store');
    for (const [nonce, perKey] of Object.entries(data.next)) {
      if (!isRecord(perKey)) throw this.invalid(`the entry for nonce ${nonce} is not an object`);
      for (const [key, value] of Object.entries(perKey)) {
        if (typeof value !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(value) || BigInt(value) > U64_MAX) {
          throw this.invalid(`the counter of ${nonce} on ${key} is not a u64 decimal string`);
        }
      }
    }
    return data as unknown as SequenceFile;
  }

  private write(data: SequenceFile): void {
    try {
      writeFileAtomic(this.filePath, JSON.stringify(data, null, 2) + '\n');
    } catch (e) {
      throw new MeshError('fatal', `cannot write the sequence store ${this.filePath}: ${errText(e)}`, optCode(errCode(e)));
    }
  }

  private invalid(problem: string): MeshError {
    return new MeshError('fatal', `the sequence store ${this.filePath} is unusable: ${problem}; fix or delete it`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function errCode(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function optCode(code: string | undefined): { code?: string } {
  return code === undefined ? {} : { code };
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isNoHardLinks(code: string | undefined): boolean {
  return code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS' || code === 'EXDEV';
}

async function syncDir(dir: string): Promise<void> {
  // Makes the new directory entry durable; not possible on every platform (Windows), so best effort.
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // best effort
  }
}

/**
 * The record of test batches published from this config folder (by the desktop app, `serve` and
 * the command line alike), kept across restarts so that a batch can be re-checked, published
 * again with the same ids or deleted (XDEL exactly its ids).
 *
 * One small file per batch in `<home>/batches/` (not one growing JSON rewritten on every publish):
 * its stream ids as runs (`ms`, first `seq`, count: a MULTI/EXEC's ids are consecutive, so a
 * 100,000-event batch is a few runs), its dedup_ids not at all (they are `{nonce}:{shard}:{seq}:{i}`),
 * and its events only when they total at most REPLAY_LIMIT bytes, so a replay is byte-identical to
 * the original (a true retry duplicate, contract 3.13). The folder is capped at MAX_BATCHES files
 * and TOTAL_BYTES bytes; the oldest records go first (unconfirmed ones last: their re-check needs
 * them).
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { PublishedBatch } from '../../shared/contract';
import { MeshError } from '../../shared/errors';
import { readJsonFile } from './json-file';
import { syncDirSync, writeFileAtomic } from './state-files';
import { withLock } from './state-lock';

/** Events are kept for a replay up to this many bytes of event text per batch. */
export const REPLAY_LIMIT = 1024 * 1024;
const MAX_BATCHES = 200;
/** The whole history folder stays under this many bytes. */
export const TOTAL_BYTES = 16 * 1024 * 1024;
/** A history listing carries this many ids per batch (the record keeps them all). */
export const LISTED_IDS = 100;

/** What a replay needs: the events, the first `t` (event i has `tStart + i`) and MAXLEN. */
export interface ReplayData {
  events: string[];
  /** Decimal u64. */
  tStart?: string;
  /** Records written before `tStart` existed kept every `t`. */
  tValues?: string[];
  maxLen?: number;
}

export interface BatchRecord {
  batch: PublishedBatch;
  replay?: ReplayData;
}

/** A stream id run: `[ms, first seq, count]`; `['', '0', count]` for entries no longer found. */
type IdRun = [string, string, number];

interface RecordFile {
  version: 2;
  batch: Omit<PublishedBatch, 'ids' | 'dedupIds'> & { count: number; idRuns: IdRun[] };
  replay?: ReplayData;
}

const BATCH_ID = /^[A-Za-z0-9-]{1,64}$/;

/** Stream ids to runs of consecutive ids; an empty id (an entry not found) is a run of its own kind. */
export function toIdRuns(ids: readonly string[]): IdRun[] {
  const runs: IdRun[] = [];
  // The current run: its ms text and the seq of its last id (a number while it is exact, else a bigint).
  let ms: string | null = null;
  let seq: number | bigint = 0;
  let run: IdRun | null = null;
  for (const id of ids) {
    if (id === '') {
      const prev = runs[runs.length - 1];
      if (prev && prev[0] === '') prev[2]++;
      else runs.push(['', '0', 1]);
      ms = null;
      run = null;
      continue;
    }
    const dash = id.indexOf('-');
    const idMs = id.slice(0, dash);
    const seqText = id.slice(dash + 1);
    // Numbers for the common case (cheap); BigInt once a seq could pass 2^53.
    const idSeq: number | bigint = seqText.length < 16 ? Number(seqText) : BigInt(seqText);
    if (run && ms === idMs && typeof seq === typeof idSeq && (typeof seq === 'number' ? idSeq === seq + 1 : idSeq === (seq as bigint) + 1n)) {
      run[2]++;
      seq = idSeq;
      continue;
    }
    run = [idMs, seqText, 1];
    runs.push(run);
    ms = idMs;
    seq = idSeq;
  }
  return runs;
}

/** The inverse of {@link toIdRuns}; at most `limit` ids. */
export function fromIdRuns(runs: readonly IdRun[], limit = Infinity): string[] {
  const out: string[] = [];
  for (const [ms, first, count] of runs) {
    if (ms === '') {
      for (let k = 0; k < count && out.length < limit; k++) out.push('');
    } else if (first.length < 16 && Number(first) + count < Number.MAX_SAFE_INTEGER) {
      const seq = Number(first);
      const prefix = `${ms}-`;
      for (let k = 0; k < count && out.length < limit; k++) out.push(prefix + (seq + k));
    } else {
      const seq = BigInt(first);
      for (let k = 0; k < count && out.length < limit; k++) out.push(`${ms}-${seq + BigInt(k)}`);
    }
    if (out.length >= limit) break;
  }
  return out;
}

/** `{nonce}:{shard}:{sequenceStart}:{i}` for i in [0, min(count, limit)). */
function dedupIdsOf(b: { nonce: string; shard: number; sequenceStart: string }, count: number, limit = Infinity): string[] {
  const prefix = `${b.nonce}:${b.shard}:${b.sequenceStart}:`;
  const n = Math.min(count, limit);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = prefix + i;
  return out;
}

function toFile(rec: BatchRecord): RecordFile {
  const { ids, dedupIds, ...rest } = rec.batch;
  const file: RecordFile = { version: 2, batch: { ...rest, count: rest.count ?? dedupIds.length, idRuns: toIdRuns(ids) } };
  if (rec.replay) file.replay = rec.replay;
  return file;
}

function fromFile(file: RecordFile, idLimit = Infinity): BatchRecord {
  const { idRuns, ...rest } = file.batch;
  const count = rest.count;
  const batch: PublishedBatch = { ...rest, ids: fromIdRuns(idRuns, idLimit), dedupIds: dedupIdsOf(rest, count, idLimit) };
  if (count > idLimit) batch.idsTruncated = true;
  return file.replay ? { batch, replay: file.replay } : { batch };
}

function isRecordFile(v: unknown): v is RecordFile {
  const f = v as Partial<RecordFile> | null;
  const b = f?.batch as Partial<RecordFile['batch']> | undefined;
  return (
    typeof f === 'object' &&
    f !== null &&
    f.version === 2 &&
    typeof b === 'object' &&
    b !== null &&
    typeof b.batchId === 'string' &&
    typeof b.count === 'number' &&
    typeof b.nonce === 'string' &&
    typeof b.sequenceStart === 'string' &&
    Array.isArray(b.idRuns)
  );
}

interface Cached {
  mtimeMs: number;
  size: number;
  file: RecordFile;
}

/**
 * The batch history of one config folder.
 *
 * Guarantees: every change (add, update, eviction) happens under the history lock
 * (`batches.lock`, state-lock.ts) and touches only its own record file, written atomically and
 * durably, so two instances sharing the folder never lose each other's records; readers never
 * lock (a record file is always whole); the folder stays within MAX_BATCHES records and
 * TOTAL_BYTES bytes (or the caps given); a record file that cannot be read is skipped by listings (and left on disk);
 * an old single-file history (`batches.json`) is imported once and then removed.
 */
export class BatchHistory {
  readonly dir: string;
  private readonly lockFile: string;
  private readonly legacyFile: string;
  private readonly cache = new Map<string, Cached>();
  private imported: Promise<void> | null = null;
  /** Background records ({@link record}) not yet on disk, and the first one that failed. */
  private readonly inflight = new Set<Promise<void>>();
  private failed: Error | null = null;

  private readonly maxBatches: number;
  private readonly totalBytes: number;

  constructor(
    readonly home: string,
    caps: { maxBatches?: number; totalBytes?: number } = {},
  ) {
    this.maxBatches = caps.maxBatches ?? MAX_BATCHES;
    this.totalBytes = caps.totalBytes ?? TOTAL_BYTES;
    this.dir = path.join(home, 'batches');
    this.lockFile = path.join(home, 'batches.lock');
    this.legacyFile = path.join(home, 'batches.json');
    // A damaged old history is reported at once (json-file.ts' error naming the file), as the
    // hosts expect from a state file when the service starts; it is imported on first use.
    if (existsSync(this.legacyFile)) readJsonFile(this.legacyFile, {});
  }

  /**
   * Records a batch in the background: the caller (a publish that landed) does not wait for the
   * file and its fsync. `get`, `list` and `update` of this instance wait for it first, and
   * {@link settled} reports a write that failed.
   */
  record(batch: PublishedBatch, replay?: ReplayData): void {
    const p = this.add(batch, replay).catch((e: unknown) => {
      this.failed ??= e instanceof Error ? e : new Error(String(e));
    });
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** Resolves once every background record is written; rejects (once) if one failed. */
  async settled(): Promise<void> {
    await Promise.all([...this.inflight]);
    const failed = this.failed;
    this.failed = null;
    if (failed) throw new MeshError('fatal', `a test batch could not be recorded in ${this.dir}: ${failed.message}`);
  }

  /** Records a batch (its ids, and its events when they are small enough for a replay) and waits for the file. */
  async add(batch: PublishedBatch, replay?: ReplayData): Promise<void> {
    await this.importLegacy();
    const rec: BatchRecord = { batch: { ...batch, count: batch.count ?? batch.dedupIds.length } };
    if (replay) {
      const size = replay.events.reduce((n, e) => n + Buffer.byteLength(e), 0);
      if (size <= REPLAY_LIMIT) rec.replay = replay;
    }
    await withLock(
      this.lockFile,
      () => {
        this.write(rec);
        this.evict(batch.batchId);
      },
      { purpose: 'recording a test batch' },
    );
  }

  /** One record with every id, or undefined. */
  async get(batchId: string): Promise<BatchRecord | undefined> {
    await this.importLegacy();
    await Promise.all([...this.inflight]);
    if (!BATCH_ID.test(batchId)) return undefined;
    const file = this.load(`${batchId}.json`);
    return file ? fromFile(file) : undefined;
  }

  /** Newest first; each batch with at most {@link LISTED_IDS} ids (`idsTruncated` and `count` say so). */
  async list(): Promise<PublishedBatch[]> {
    await this.importLegacy();
    await Promise.all([...this.inflight]);
    return this.files()
      .map((f) => fromFile(f.file, LISTED_IDS).batch)
      .sort((a, b) => b.at - a.at || (a.batchId < b.batchId ? 1 : -1));
  }

  /**
   * Changes one record under the history lock (re-read first, so a concurrent change by another
   * instance is not lost); undefined when there is no such record.
   */
  async update(batchId: string, change: (rec: BatchRecord) => void): Promise<BatchRecord | undefined> {
    await this.importLegacy();
    await Promise.all([...this.inflight]);
    if (!BATCH_ID.test(batchId)) return undefined;
    return withLock(
      this.lockFile,
      () => {
        const file = this.load(`${batchId}.json`);
        if (!file) return undefined;
        const rec = fromFile(file);
        change(rec);
        this.write(rec);
        return rec;
      },
      { purpose: 'updating a test batch record' },
    );
  }

  markDeleted(batchId: string): Promise<BatchRecord | undefined> {
    return this.update(batchId, (rec) => {
      rec.batch.deleted = true;
    });
  }

  // ---------------------------------------------------------------------------------------------

  private write(rec: BatchRecord): void {
    if (!BATCH_ID.test(rec.batch.batchId)) throw new MeshError('fatal', `invalid batch id ${JSON.stringify(rec.batch.batchId)}`);
    const name = `${rec.batch.batchId}.json`;
    const file = toFile(rec);
    writeFileAtomic(path.join(this.dir, name), JSON.stringify(file));
    // What was just written need not be read and parsed again (a replay's events can be 1 MB).
    try {
      const st = statSync(path.join(this.dir, name));
      this.cache.set(name, { mtimeMs: st.mtimeMs, size: st.size, file });
    } catch {
      this.cache.delete(name);
    }
  }

  /** Every readable record file with its size, oldest first. */
  private files(): Array<{ name: string; size: number; file: RecordFile }> {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new MeshError('fatal', `cannot read the batch history folder ${this.dir}: ${(e as Error).message}`);
    }
    const out: Array<{ name: string; size: number; file: RecordFile }> = [];
    const seen = new Set<string>();
    for (const name of names) {
      if (!name.endsWith('.json') || !BATCH_ID.test(name.slice(0, -5))) continue;
      seen.add(name);
      const file = this.load(name);
      if (file) out.push({ name, size: this.cache.get(name)?.size ?? 0, file });
    }
    for (const name of this.cache.keys()) if (!seen.has(name)) this.cache.delete(name);
    return out.sort((a, b) => a.file.batch.at - b.file.batch.at);
  }

  /** A record file, from the cache while its size and mtime are unchanged; null when absent or unreadable. */
  private load(name: string): RecordFile | null {
    const full = path.join(this.dir, name);
    let st: { mtimeMs: number; size: number };
    try {
      st = statSync(full);
    } catch {
      this.cache.delete(name);
      return null;
    }
    const hit = this.cache.get(name);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.file;
    try {
      const parsed: unknown = JSON.parse(readFileSync(full, 'utf8'));
      if (!isRecordFile(parsed)) return null;
      this.cache.set(name, { mtimeMs: st.mtimeMs, size: st.size, file: parsed });
      return parsed;
    } catch {
      return null;
    }
  }

  /** Removes the oldest records beyond the caps (never `keep`); unconfirmed records go last. */
  private evict(keep: string): void {
    const all = this.files();
    let total = all.reduce((n, f) => n + f.size, 0);
    let count = all.length;
    if (count <= this.maxBatches && total <= this.totalBytes) return;
    const order = [...all.filter((f) => f.file.batch.outcome !== 'unconfirmed'), ...all.filter((f) => f.file.batch.outcome === 'unconfirmed')];
    for (const f of order) {
      if (count <= this.maxBatches && total <= this.totalBytes) break;
      if (f.file.batch.batchId === keep) continue;
      rmSync(path.join(this.dir, f.name), { force: true });
      this.cache.delete(f.name);
      total -= f.size;
      count--;
    }
    syncDirSync(this.dir);
  }

  /**
   * Imports the pre-folder history (`batches.json`, one JSON rewritten per publish) into record
   * files once, then removes it. A damaged `batches.json` is reported (MeshError naming the file)
   * and left in place.
   */
  private importLegacy(): Promise<void> {
    if (this.imported === null && !existsSync(this.legacyFile)) this.imported = Promise.resolve();
    this.imported ??= withLock(
      this.lockFile,
      () => {
        let doc: { batches?: Array<{ batch?: PublishedBatch; replay?: ReplayData }> };
        try {
          doc = readJsonFile<typeof doc>(this.legacyFile, {});
        } catch (e) {
          // json-file.ts names the file; keep its error as it is (hosts recognise it).
          if (e instanceof MeshError) throw e;
          throw new MeshError('fatal', e instanceof Error ? e.message : `${this.legacyFile} cannot be read`, { code: 'STATE_FILE_DAMAGED' });
        }
        const batches = Array.isArray(doc.batches) ? doc.batches : [];
        for (const old of batches) {
          const b = old?.batch;
          if (!b || typeof b.batchId !== 'string' || !BATCH_ID.test(b.batchId) || !Array.isArray(b.ids)) continue;
          const rec: BatchRecord = { batch: { ...b, count: b.dedupIds?.length ?? b.ids.length } };
          if (old.replay && Array.isArray(old.replay.events)) rec.replay = old.replay;
          this.write(rec);
        }
        rmSync(this.legacyFile, { force: true });
        syncDirSync(this.home);
      },
      { purpose: 'importing batches.json' },
    ).catch((e: unknown) => {
      this.imported = null;
      throw e;
    });
    return this.imported;
  }
}

/**
 * The record of test batches this app published (`batches.json` in the config folder), kept
 * across restarts so a batch can be published again with the same ids or deleted (XDEL exactly
 * its ids). Events and their `t` values are kept only for batches up to REPLAY_LIMIT bytes, so a
 * replay is byte-identical to the original (a true retry duplicate, contract 3.13).
 */
import path from 'node:path';
import type { PublishedBatch } from '../../shared/contract';
import { readJsonFile, writeJsonFile } from './json-file';

const REPLAY_LIMIT = 1024 * 1024;
const MAX_BATCHES = 200;

export interface BatchRecord {
  batch: PublishedBatch;
  replay?: { events: string[]; tValues: string[]; maxLen?: number };
}

export class BatchHistory {
  private readonly file: string;
  private records: BatchRecord[];

  constructor(home: string) {
    this.file = path.join(home, 'batches.json');
    const doc = readJsonFile<{ batches?: BatchRecord[] }>(this.file, {});
    this.records = Array.isArray(doc.batches) ? doc.batches : [];
  }

  add(batch: PublishedBatch, replay: { events: string[]; tValues: string[]; maxLen?: number | undefined }): void {
    const size = replay.events.reduce((n, e) => n + e.length, 0);
    const rec: BatchRecord = { batch };
    if (size <= REPLAY_LIMIT) {
      rec.replay = { events: replay.events, tValues: replay.tValues };
      if (replay.maxLen !== undefined) rec.replay.maxLen = replay.maxLen;
    }
    this.records.push(rec);
    if (this.records.length > MAX_BATCHES) this.records.splice(0, this.records.length - MAX_BATCHES);
    this.persist();
  }

  get(batchId: string): BatchRecord | undefined {
    return this.records.find((r) => r.batch.batchId === batchId);
  }

  /** Newest first. */
  list(): PublishedBatch[] {
    return this.records.map((r) => r.batch).reverse();
  }

  markDeleted(batchId: string): void {
    const rec = this.get(batchId);
    if (!rec) return;
    rec.batch.deleted = true;
    this.persist();
  }

  private persist(): void {
    writeJsonFile(this.file, { batches: this.records });
  }
}

/**
 * The batch history (electron/core/batch-history.ts) on the real file system: one small file per
 * batch (ids as runs, dedup_ids derived), listings with a bounded number of ids, updates under the
 * lock by two instances at once, the caps, and the one-time import of the old batches.json.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchHistory, fromIdRuns, LISTED_IDS, toIdRuns } from '../../electron/core/batch-history';
import type { PublishedBatch } from '../../shared/contract';

let home: string;

beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), 'mesh-history-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

function batch(k: number, n: number, over: Partial<PublishedBatch> = {}): PublishedBatch {
  const ids = Array.from({ length: n }, (_, i) => `${1700000000000 + k}-${i}`);
  return {
    batchId: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`,
    at: 1700000000000 + k,
    profileId: 'p',
    shard: 3,
    key: 'net:shard:3',
    nonce: 'abc',
    sequenceStart: String(k * 1000),
    ids,
    dedupIds: ids.map((_, i) => `abc:3:${k * 1000}:${i}`),
    latencyMs: 1,
    ...over,
  };
}

describe('stream ids as runs', () => {
  it('round-trips consecutive ids, ids across milliseconds, gaps and entries not found', () => {
    const ids = ['5-0', '5-1', '5-2', '6-0', '6-1', '', '', '6-7', '18446744073709551615-18446744073709551614', '18446744073709551615-18446744073709551615'];
    const runs = toIdRuns(ids);
    expect(runs).toEqual([
      ['5', '0', 3],
      ['6', '0', 2],
      ['', '0', 2],
      ['6', '7', 1],
      ['18446744073709551615', '18446744073709551614', 2],
    ]);
    expect(fromIdRuns(runs)).toEqual(ids);
    expect(fromIdRuns(runs, 4)).toEqual(ids.slice(0, 4));
  });
});

describe('one file per batch', () => {
  it('a 100,000-event batch is a small file, read back whole; listings carry the first ids and the count', async () => {
    const h = new BatchHistory(home);
    const big = batch(1, 100_000);
    await h.add(big, { events: ['{"a":1}'], tStart: '5' });
    const [file] = readdirSync(path.join(home, 'batches'));
    expect(file).toBe(`${big.batchId}.json`);
    expect(statSync(path.join(home, 'batches', file!)).size).toBeLessThan(2000);
    const rec = await h.get(big.batchId);
    expect(rec?.batch.ids).toEqual(big.ids);
    expect(rec?.batch.dedupIds).toEqual(big.dedupIds);
    const [listed] = await h.list();
    expect(listed).toMatchObject({ batchId: big.batchId, count: 100_000, idsTruncated: true });
    expect(listed!.ids).toEqual(big.ids.slice(0, LISTED_IDS));
    expect(listed!.dedupIds).toEqual(big.dedupIds.slice(0, LISTED_IDS));
  });

  it('keeps events for a replay only up to 1 MB', async () => {
    const h = new BatchHistory(home);
    await h.add(batch(1, 2), { events: ['{"a":1}', '{"a":2}'], tStart: '7', maxLen: 10 });
    await h.add(batch(2, 2), { events: ['"' + 'x'.repeat(600_000) + '"', '"' + 'y'.repeat(600_000) + '"'], tStart: '7' });
    expect((await h.get(batch(1, 2).batchId))?.replay).toEqual({ events: ['{"a":1}', '{"a":2}'], tStart: '7', maxLen: 10 });
    expect((await h.get(batch(2, 2).batchId))?.replay).toBeUndefined();
  });

  it('refuses ids that could leave the folder', async () => {
    const h = new BatchHistory(home);
    expect(await h.get('../profiles')).toBeUndefined();
    expect(await h.update('../../x', () => {})).toBeUndefined();
  });
});

describe('two instances on one folder', () => {
  it('adds and updates from both at once: nothing lost', async () => {
    const a = new BatchHistory(home);
    const b = new BatchHistory(home);
    await Promise.all(Array.from({ length: 20 }, (_, k) => (k % 2 ? a : b).add(batch(k, 3))));
    await Promise.all([a.markDeleted(batch(4, 3).batchId), b.update(batch(4, 3).batchId, (r) => (r.batch.note = 'noted'))]);
    const listed = await a.list();
    expect(listed).toHaveLength(20);
    expect(listed.map((x) => x.batchId)).toEqual(Array.from({ length: 20 }, (_, k) => batch(19 - k, 3).batchId));
    expect(listed.find((x) => x.batchId === batch(4, 3).batchId)).toMatchObject({ deleted: true, note: 'noted' });
    expect((await b.list()).map((x) => x.batchId)).toEqual(listed.map((x) => x.batchId));
  });
});

describe('caps', () => {
  it('drops the oldest records beyond the count and the byte cap, unconfirmed ones last', async () => {
    const h = new BatchHistory(home, { maxBatches: 3 });
    await h.add(batch(1, 1, { outcome: 'unconfirmed', ids: [] }));
    for (let k = 2; k <= 5; k++) await h.add(batch(k, 1));
    expect((await h.list()).map((x) => x.sequenceStart)).toEqual(['5000', '4000', '1000']);

    const small = new BatchHistory(mkdtempSync(path.join(home, 'b-')), { totalBytes: 3000 });
    for (let k = 1; k <= 5; k++) await small.add(batch(k, 1), { events: ['"' + 'z'.repeat(900) + '"'] });
    const kept = await small.list();
    expect(kept.length).toBeLessThan(5);
    expect(kept[0]!.sequenceStart).toBe('5000');
    const bytes = readdirSync(small.dir).reduce((n, f) => n + statSync(path.join(small.dir, f)).size, 0);
    expect(bytes).toBeLessThanOrEqual(3000);
  });
});

describe('the old batches.json', () => {
  it('is imported once into record files and removed', async () => {
    const old = batch(7, 2);
    writeFileSync(path.join(home, 'batches.json'), JSON.stringify({ batches: [{ batch: old, replay: { events: ['1', '2'], tValues: ['5', '6'] } }] }));
    const h = new BatchHistory(home);
    const rec = await h.get(old.batchId);
    expect(rec?.batch).toMatchObject({ ids: old.ids, dedupIds: old.dedupIds, count: 2 });
    expect(rec?.replay).toEqual({ events: ['1', '2'], tValues: ['5', '6'] });
    expect(readdirSync(home).sort()).toEqual(['batches']);
  });

  it('a damaged one is reported when the history is opened, naming the file, and left in place', () => {
    writeFileSync(path.join(home, 'batches.json'), '{"batches": [');
    expect(() => new BatchHistory(home)).toThrow(path.join(home, 'batches.json'));
    expect(readFileSync(path.join(home, 'batches.json'), 'utf8')).toBe('{"batches": [');
  });
});

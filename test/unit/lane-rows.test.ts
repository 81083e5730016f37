/**
 * Browse's evidence rows (issues 13/14), pure parts: the index's position marks (corrupt,
 * misrouted, where each gap lies, electron/core/lane-marks.ts) and the renderer's splicing of gap
 * markers into a positioned lane (lane-rows.ts GapRows), its marker text and the misrouted flag.
 */
import { describe, expect, it } from 'vitest';
import { LaneMarks } from '../../electron/core/lane-marks';
import { ShardAnalyzer } from '../../shared/analysis';
import type { MeshEntry } from '../../shared/types';
import { GapRows, gapBatch, gapMarkers, gapText, misroutedTo } from '../../renderer/src/features/browser/lane-rows';

const ok = (dedupId: string | undefined, s = 7): MeshEntry => ({ id: '1-0', status: 'ok', r: '{}', t: '1', s, dedupId }) as MeshEntry;
const bad = (dedupId: string): MeshEntry => ({ id: '1-0', status: 'corrupt', reason: 'x', d: 'x', dedupId }) as MeshEntry;

/** Feeds entries to both the marks and an analyzer, as the shard index does. */
function feed(entries: MeshEntry[], bytes = false) {
  const marks = new LaneMarks(7);
  const analyzer = new ShardAnalyzer(7, 'k');
  entries.forEach((e, p) => {
    const s = e.status === 'ok' ? e.s : -1;
    if (bytes) {
      const b = e.dedupId === undefined ? new Uint8Array(0) : new TextEncoder().encode(e.dedupId);
      marks.noteBytes(p, e.status === 'ok', s, b, e.dedupId === undefined ? -1 : 0, b.length);
    } else marks.noteText(p, e.status === 'ok', s, e.dedupId);
    analyzer.add(e, e.status === 'ok' ? e.r : '');
  });
  return { marks, gaps: analyzer.result().gaps };
}

describe('LaneMarks', () => {
  for (const bytes of [false, true]) {
    it(`places each gap between the entries bounding it, and lists corrupt and misrouted positions (${bytes ? 'bytes' : 'text'})`, () => {
      const entries: MeshEntry[] = [];
      for (let i = 0; i < 50; i++) entries.push(ok(`a1:7:500:${i}`)); // ordinals 500-549
      entries.push(ok('b2:7:0:0')); // another nonce in between
      entries.push(ok('a1:7:600:0')); // 550-599 missing
      entries.push(ok('a1:7:600:1'));
      entries.push(bad('a1:7:600:2'));
      entries.push(ok('a1:7:500:3', 12)); // a retry of an old ordinal: no jump; payload names shard 12
      entries.push(ok('c3:9:0:0')); // dedup_id names shard 9
      entries.push(ok('b2:7:5:0')); // b2: 1-4 missing
      entries.push(ok(undefined));
      const { marks, gaps } = feed(entries, bytes);
      expect(gaps).toEqual([
        { nonce: 'a1', from: 550, to: 599 },
        { nonce: 'b2', from: 1, to: 4 },
      ]);
      expect(marks.gapPlaces(gaps)).toEqual([
        { before: 49, after: 51, beforeDedupId: 'a1:7:500:49', afterDedupId: 'a1:7:600:0' },
        { before: 50, after: 56, beforeDedupId: 'b2:7:0:0', afterDedupId: 'b2:7:5:0' },
      ]);
      expect([...marks.gapBoundPositions(marks.gapPlaces(gaps))]).toEqual([49, 50, 51, 56]);
      // Head gaps: above each nonce's lowest ordinal here.
      expect(marks.headPlaces([{ nonce: 'a1', from: 0, to: 499 }, { nonce: 'zz', from: 0, to: 3 }])).toEqual([
        { before: null, after: 0, afterDedupId: 'a1:7:500:0' },
        { before: null, after: null },
      ]);
      expect([...marks.corrupt.view()]).toEqual([53]);
      expect([...marks.misrouted.view()]).toEqual([54, 55]);
      expect([...marks.misroutedTo.view()]).toEqual([12, 9]);
    });
  }

  it('places the gaps an out-of-order writer left on both sides of the entry it wrote late', () => {
    const { marks, gaps } = feed([ok('a1:7:0:0'), ok('a1:7:0:9'), ok('a1:7:0:5')]);
    expect(gaps).toEqual([
      { nonce: 'a1', from: 1, to: 4 },
      { nonce: 'a1', from: 6, to: 8 },
    ]);
    expect(marks.gapPlaces(gaps)).toEqual([
      { before: 0, after: 2, beforeDedupId: 'a1:7:0:0', afterDedupId: 'a1:7:0:5' },
      { before: 2, after: 1, beforeDedupId: 'a1:7:0:5', afterDedupId: 'a1:7:0:9' },
    ]);
  });
});

describe('GapRows', () => {
  const gap = (from: number, to: number) => ({ nonce: 'a1', from, to, cause: 'lost' as const, reason: 'r' });
  const markers = gapMarkers([gap(10, 19), gap(30, 39), gap(50, 59)], [
    { before: 4, after: 5 },
    { before: 4, after: 9 }, // two gaps after one entry (two ranges found at once)
    { before: null, after: 8 }, // before unknown: placed above the after entry
  ]);

  it('splices markers in after the entry before each gap, oldest first', () => {
    const rows = new GapRows(markers, 10, false);
    expect(rows.count).toBe(13);
    const seq = Array.from({ length: rows.count }, (_, i) => {
      const r = rows.at(i);
      return r.kind === 'entry' ? r.position : `gap${r.marker.gap.from}`;
    });
    expect(seq).toEqual([0, 1, 2, 3, 4, 'gap10', 'gap30', 5, 6, 7, 'gap50', 8, 9]);
    for (let p = 0; p < 10; p++) expect(rows.at(rows.indexOf(p))).toEqual({ kind: 'entry', position: p });
    expect(rows.positionNear(5)).toBe(4);
  });

  it('mirrors them newest first, and leaves out markers past the last entry', () => {
    const rows = new GapRows(markers, 10, true);
    const seq = Array.from({ length: rows.count }, (_, i) => {
      const r = rows.at(i);
      return r.kind === 'entry' ? r.position : `gap${r.marker.gap.from}`;
    });
    expect(seq).toEqual([9, 8, 'gap50', 7, 6, 5, 'gap30', 'gap10', 4, 3, 2, 1, 0]);
    for (let p = 0; p < 10; p++) expect(rows.at(rows.indexOf(p))).toEqual({ kind: 'entry', position: p });
    expect(new GapRows(markers, 5, false).count).toBe(5);
  });

  it('puts a head gap above the first entry: the first row oldest first, the last newest first', () => {
    const head = gapMarkers([], [], [{ nonce: 'a1', from: 0, to: 9, cause: 'trimmed', reason: 't' }], [{ before: null, after: 0 }]);
    const oldest = new GapRows(head, 3, false);
    expect(oldest.count).toBe(4);
    expect(oldest.at(0)).toMatchObject({ kind: 'marker' });
    expect(oldest.indexOf(0)).toBe(1);
    expect(oldest.positionNear(0)).toBe(0);
    const newest = new GapRows(head, 3, true);
    expect(newest.at(3)).toMatchObject({ kind: 'marker' });
    expect(newest.indexOf(0)).toBe(2);
  });

  it('says how many events are missing, which ordinals, nonce and batch', () => {
    const m = { kind: 'gap' as const, key: 'k', gap: gap(550, 599), place: { before: 1, after: 2, afterDedupId: 'a1:7:600:0' } };
    expect(gapText(m)).toBe('50 events missing: ordinals 550–599 of nonce a1, batch 550');
    // The head of a batch lost: the after entry's batch.
    expect(gapBatch({ ...m, place: { before: 1, after: 2, afterDedupId: 'a1:7:600:3' } })).toBe('600');
    expect(gapText({ ...m, gap: gap(7, 7) })).toBe('1 event missing: ordinal 7 of nonce a1, batch 7');
  });
});

describe('misroutedTo', () => {
  it('names the shard from the dedup_id, else from the payload', () => {
    expect(misroutedTo(ok('a1:7:0:0', 12), 12)).toMatchObject({ shard: 7 });
    expect(misroutedTo(ok('a1:7:0:0', 12), 12)?.why).toContain('names shard 7');
    expect(misroutedTo(ok('a1:12:0:0', 7), 12)).toMatchObject({ shard: 7 });
    expect(misroutedTo(ok('a1:12:0:0', 12), 12)).toBeNull();
    expect(misroutedTo(ok('not an id', 12), 12)).toBeNull();
    expect(misroutedTo(bad('a1:3:0:0'), 12)).toMatchObject({ shard: 3 });
  });
});

import { describe, expect, it } from 'vitest';
import { ShardAnalyzer } from '../../shared/analysis';
import { deletedBetween, deletionEvidence, explainGap, explainHeadGap, type DeletionEvidence } from '../../shared/gap-cause';
import { parseStreamInfo } from '../../electron/core/stream-facts';

const gap = { nonce: 'ab', from: 20, to: 29 };
const record = (o: Partial<{ length: number; entriesAdded: number; maxDeletedId: string; firstId: string }> = {}): DeletionEvidence => ({
  known: true,
  record: { length: 100, entriesAdded: 100, maxDeletedId: '0-0', firstId: '5-0', ...o },
});

describe('explainGap', () => {
  it('nothing ever deleted: lost, whatever the scan saw', () => {
    for (const below of [false, true]) {
      const g = explainGap(gap, record(), below);
      expect(g).toMatchObject({ nonce: 'ab', from: 20, to: 29, cause: 'lost' });
      expect(g.maxDeletedId).toBeUndefined();
      expect(g.reason).toBe("Never written: nothing was ever deleted from this stream (max-deleted-entry-id 0-0), and trimming only removes a stream's head, so ordinals 20–29 never reached it.");
    }
  });

  it('the entry before the gap at or below max-deleted-entry-id: possibly deleted, with the bound', () => {
    const g = explainGap(gap, record({ maxDeletedId: '50-3', length: 90 }), true);
    expect(g).toMatchObject({ cause: 'possibly-deleted', maxDeletedId: '50-3' });
    expect(g.reason).toContain('entries up to 50-3 were removed with XDEL after ordinal 19');
  });

  it('the entry before the gap newer than every deletion: lost', () => {
    const g = explainGap({ nonce: 'ab', from: 7, to: 7 }, record({ maxDeletedId: '50-3' }), false);
    expect(g.cause).toBe('lost');
    expect(g.reason).toContain('ordinal 6 (the entry before the gap) is newer than every entry ever deleted (max-deleted-entry-id 50-3)');
    expect(g.reason).toContain('ordinal 7 never');
  });

  it('a deletion while the scan ran turns lost into possibly deleted with the newer bound', () => {
    const g = explainGap(gap, record({ maxDeletedId: '50-3' }), false, '60-0');
    expect(g).toMatchObject({ cause: 'possibly-deleted', maxDeletedId: '60-0' });
    expect(g.reason).toContain('while the scan ran');
  });

  it('no record (Redis before 7.0, or XINFO refused): unknown, saying why', () => {
    const old = deletionEvidence({ length: 3, entriesAdded: null, maxDeletedEntryId: null, recordedFirstEntryId: null }, '6.2.14');
    expect(old.known).toBe(false);
    const g = explainGap(gap, old, true);
    expect(g.cause).toBe('unknown');
    expect(g.reason).toMatch(/^Redis 6\.2\.14 keeps no record of deletions .*Redis 7\.0.*\.$/);
    expect(explainHeadGap({ nonce: 'ab', from: 0, to: 4 }, old).cause).toBe('unknown');
  });
});

describe('explainHeadGap', () => {
  const head = { nonce: 'ab', from: 0, to: 4 };

  it('nothing ever removed: lost', () => {
    const g = explainHeadGap(head, record());
    expect(g.cause).toBe('lost');
    expect(g.reason).toContain('entries-added 100 equals its length');
  });

  it('removed by trimming only: trimmed, with the count and the new first entry', () => {
    const g = explainHeadGap(head, record({ length: 40, entriesAdded: 1040, firstId: '77-0' }));
    expect(g.cause).toBe('trimmed');
    expect(g.maxDeletedId).toBeUndefined();
    expect(g.reason).toBe("Trimmed: 1,000 entries were trimmed from the stream's head (none was deleted with XDEL; the first entry is now 77-0), and ordinals 0–4 come before this nonce's first entry here.");
  });

  it('removed with XDEL as well: trimmed, naming both and the deleted-id bound', () => {
    const g = explainHeadGap(head, record({ length: 99, entriesAdded: 100, maxDeletedId: '9-0' }));
    expect(g).toMatchObject({ cause: 'trimmed', maxDeletedId: '9-0' });
    expect(g.reason).toMatch(/^Trimmed or deleted: 1 entry was removed/);
  });
});

describe('deletedBetween', () => {
  it('names the newer bound only when max-deleted-entry-id moved', () => {
    expect(deletedBetween(record({ maxDeletedId: '5-0' }), record({ maxDeletedId: '5-0' }))).toBeUndefined();
    expect(deletedBetween(record({ maxDeletedId: '5-0' }), record({ maxDeletedId: '5-1' }))).toBe('5-1');
    expect(deletedBetween({ known: false, why: 'x' }, record({ maxDeletedId: '5-1' }))).toBeUndefined();
  });
});

describe('ShardAnalyzer: head gaps and the max-deleted boundary', () => {
  const add = (a: ShardAnalyzer, nonce: string, ordinal: number) =>
    a.add({ id: '1-0', status: 'ok', s: 1, t: '1', r: '1', dedupId: `${nonce}:1:${ordinal}:0` }, `${nonce}${ordinal}`);

  it('reports per nonce the ordinals below its lowest one, sorted by nonce value', () => {
    const a = new ShardAnalyzer(1, 'net:shard:1');
    for (const o of [5, 6, 7]) add(a, 'ff', o);
    for (const o of [0, 1, 3]) add(a, 'a', o);
    for (const o of [12, 11]) add(a, 'b', o);
    expect(a.headGaps()).toEqual([
      { nonce: 'b', from: 0, to: 10 },
      { nonce: 'ff', from: 0, to: 4 },
    ]);
    expect(a.result().gaps).toEqual([{ nonce: 'a', from: 2, to: 2 }]);
  });

  it('remembers exactly the ordinals added while atOrBelowMaxDeleted was set, in any order', () => {
    const a = new ShardAnalyzer(1, 'net:shard:1');
    a.atOrBelowMaxDeleted = true;
    for (const o of [9, 0, 1, 2, 5]) add(a, 'a', o);
    a.atOrBelowMaxDeleted = false;
    for (const o of [20, 21, 3]) add(a, 'a', o);
    expect([0, 1, 2, 5, 9].every((o) => a.seenAtOrBelowMaxDeleted('a', o))).toBe(true);
    expect([3, 4, 20, 21].some((o) => a.seenAtOrBelowMaxDeleted('a', o))).toBe(false);
    expect(a.seenAtOrBelowMaxDeleted('zz', 0)).toBe(false);
  });
});

describe('parseStreamInfo', () => {
  const b = (s: string) => Buffer.from(s);
  it('reads the Redis 7 fields and the first/last entry ids without decoding payloads', () => {
    const info = parseStreamInfo([
      b('length'), 2, b('radix-tree-keys'), 1, b('last-generated-id'), b('9-0'), b('max-deleted-entry-id'), b('4-0'),
      b('entries-added'), 5, b('recorded-first-entry-id'), b('6-0'), b('groups'), 1,
      b('first-entry'), [b('6-0'), [b('d'), Buffer.from([0xff, 0xfe])]], b('last-entry'), [b('9-0'), [b('d'), b('x')]],
    ]);
    expect(info).toEqual({ length: 2, lastGeneratedId: '9-0', maxDeletedEntryId: '4-0', entriesAdded: 5, recordedFirstEntryId: '6-0', groups: 1, firstEntryId: '6-0', lastEntryId: '9-0' });
  });

  it('leaves the Redis 7 fields null on an older reply, and an empty stream has no entries', () => {
    const info = parseStreamInfo([b('length'), 0, b('last-generated-id'), b('0-0'), b('groups'), 0, b('first-entry'), null, b('last-entry'), null]);
    expect(info).toMatchObject({ maxDeletedEntryId: null, entriesAdded: null, recordedFirstEntryId: null, firstEntryId: null, lastEntryId: null });
  });
});

/**
 * The shard sidebar's pure parts (issues 13 and 14): the filter terms, the sort orders, problem
 * counts from an analysis report, and `shards:list` deltas on both sides (the core's memory and
 * the renderer's merge) giving back exactly the whole list.
 */
import { describe, expect, it } from 'vitest';
import type { AnalysisReport, ShardListResult, ShardSummary } from '../../shared/contract';
import { ShardListMemory, shardListRequest } from '../../electron/core/shard-list-delta';
import {
  applyShardDelta,
  countWithProblems,
  mergeProblems,
  parseShardQuery,
  problemsFromReport,
  shardById,
  shardMatches,
  viewShards,
  type ShardProblems,
} from '../../renderer/src/models/shard-list-model';

const summary = (shard: number, length = shard, appendRate: number | null = null): ShardSummary => ({
  shard,
  key: `bus:shard:${shard}`,
  length,
  firstId: length ? '1-0' : null,
  lastId: length ? `${length}-0` : null,
  appendRate,
});

const problems = (shard: number, p: Partial<ShardProblems>, at = 1): [number, ShardProblems] => {
  const base = { corrupt: 0, collision: 0, duplicate: 0, gap: 0, misrouted: 0, ...p };
  return [shard, { ...base, total: base.corrupt + base.collision + base.duplicate + base.gap + base.misrouted, source: 'analysis', at, ...p }];
};

const ids = (list: ShardSummary[]) => list.map((s) => s.shard);

describe('shard filter terms', () => {
  const shards = [1, 2, 12, 120, 129, 1200, 5000, 65535].map((n) => summary(n));
  const filter = (text: string, p = new Map<number, ShardProblems>()) => ids(viewShards(shards, parseShardQuery(text), 'id', p));

  it('a number matches the ids it begins, #n and =n only that id, a-b the range', () => {
    expect(filter('12')).toEqual([12, 120, 129, 1200]);
    expect(filter('#12')).toEqual([12]);
    expect(filter('=120')).toEqual([120]);
    expect(filter('100-1300')).toEqual([120, 129, 1200]);
    expect(filter('1300-100')).toEqual([120, 129, 1200]);
    expect(filter('012')).toEqual([12, 120, 129, 1200]);
  });

  it('commas are alternatives, spaces must all match', () => {
    expect(filter('#1,#5000')).toEqual([1, 5000]);
    expect(filter('12 #120')).toEqual([120]);
    expect(filter('1 2')).toEqual([]);
    expect(filter('1 shard:12')).toEqual([12, 120, 129, 1200]);
  });

  it('other text is a case-insensitive key substring', () => {
    expect(filter('SHARD:655')).toEqual([65535]);
    expect(filter('nope')).toEqual([]);
    expect(filter('')).toEqual(ids(shards));
    expect(filter('   ')).toEqual(ids(shards));
  });

  it('has:problems keeps the shards with a count above zero', () => {
    const p = new Map([problems(2, { gap: 1 }), problems(12, {}), problems(5000, { corrupt: 3 })]);
    expect(filter('has:problems', p)).toEqual([2, 5000]);
    expect(filter('is:problem 5', p)).toEqual([5000]);
    expect(shardMatches(parseShardQuery('!'), summary(1), undefined)).toBe(false);
    expect(countWithProblems(p)).toBe(2);
  });
});

describe('shard sort orders', () => {
  const shards = [summary(3, 10, 0), summary(1, 50, 2.5), summary(2, 50, null), summary(4, 5, 9)];

  it('id ascending; length and rate descending, ties by id', () => {
    const q = parseShardQuery('');
    const none = new Map<number, ShardProblems>();
    expect(ids(viewShards(shards, q, 'id', none))).toEqual([1, 2, 3, 4]);
    expect(ids(viewShards(shards, q, 'length', none))).toEqual([1, 2, 3, 4]);
    expect(ids(viewShards(shards, q, 'rate', none))).toEqual([4, 1, 3, 2]);
  });

  it('problems first: corrupt over collisions over duplicates over gaps over misrouted; clean before unanalysed', () => {
    const p = new Map([problems(1, { misrouted: 40 }), problems(2, { gap: 2 }), problems(3, { corrupt: 1 }), problems(4, {})]);
    const extra = [...shards, summary(5, 1), summary(6, 1)];
    p.set(...problems(5, { duplicate: 1 }));
    p.set(...problems(6, { collision: 1 }));
    expect(ids(viewShards(extra, parseShardQuery(''), 'problems', p))).toEqual([3, 6, 5, 2, 1, 4]);
    p.delete(4);
    expect(ids(viewShards(extra, parseShardQuery(''), 'problems', p)).slice(-1)).toEqual([4]);
  });

  it('does not reorder the list it was given', () => {
    const before = ids(shards);
    viewShards(shards, parseShardQuery(''), 'length', new Map());
    expect(ids(shards)).toEqual(before);
  });
});

describe('problem counts', () => {
  it('come from an analysis report: retries are duplicate groups that are not collisions, head gaps count as gaps', () => {
    const report = {
      jobId: 'j',
      state: 'done',
      provenance: { server: 'redis://x', prefix: 'bus', shards: [1], startedAt: 1, finishedAt: 7, appVersion: 't' },
      skipped: [],
      shards: [
        {
          shard: 1,
          key: 'bus:shard:1',
          entries: 10,
          ok: 8,
          corrupt: 2,
          duplicateGroups: 3,
          duplicateEntries: 6,
          collisionGroups: 1,
          gaps: [{ nonce: 'a', from: 2, to: 3 }],
          headGaps: [{ nonce: 'b', from: 0, to: 0 }],
          misrouted: 1,
        },
      ],
    } as unknown as AnalysisReport;
    const p = problemsFromReport(report).get(1);
    expect(p).toEqual({ corrupt: 2, collision: 1, duplicate: 2, gap: 2, misrouted: 1, total: 8, source: 'analysis', at: 7 });
    expect(problemsFromReport(null).size).toBe(0);
  });

  it('the newer source wins shard by shard', () => {
    const older = new Map([problems(1, { gap: 1 }, 5), problems(2, { gap: 1 }, 5)]);
    const newer = new Map([problems(1, { corrupt: 1, source: 'index' }, 9)]);
    const merged = mergeProblems(older, newer);
    expect(merged.get(1)?.corrupt).toBe(1);
    expect(merged.get(2)?.gap).toBe(1);
  });
});

describe('shards:list deltas', () => {
  const list = (at: number, shards: ShardSummary[]): ShardListResult => ({ prefix: 'bus', shards, skipped: [], at });

  it('the core answers whole without since, then only what changed; the renderer merges back the whole list', () => {
    const memory = new ShardListMemory();
    // The first list has no rates yet; the second has them: the unchanged shards' 0 is not sent.
    const first = list(100, [summary(1), summary(2), summary(3), summary(9)]);
    expect(memory.answer(first, undefined)).toBe(first);
    const second = list(200, [summary(1, 1, 0), summary(2, 7, 1.5), summary(3, 3, 0), summary(4, 4, null)]);
    const delta = memory.answer(second, 100);
    expect(delta.delta).toEqual({ since: 100, removed: [9] });
    expect(ids(delta.shards)).toEqual([2, 4]);
    expect(applyShardDelta(first, delta)).toEqual(second);
  });

  it('an idle bus answers an empty delta, and the renderer keeps the same array', () => {
    const memory = new ShardListMemory();
    const first = list(100, [summary(1, 1, 0), summary(2, 2, 0)]);
    memory.answer(first, undefined);
    const same = memory.answer(list(200, [summary(1, 1, 0), summary(2, 2, 0)]), 100);
    expect(same.shards).toEqual([]);
    const merged = applyShardDelta(first, same);
    expect(merged.shards).toBe(first.shards);
    expect(merged.at).toBe(200);
  });

  it('a list no longer remembered gets the whole list', () => {
    const memory = new ShardListMemory();
    for (let at = 1; at <= 6; at++) memory.answer(list(at, [summary(1)]), undefined);
    const answer = memory.answer(list(7, [summary(1)]), 1);
    expect(answer.delta).toBeUndefined();
    expect(ids(answer.shards)).toEqual([1]);
    expect(memory.answer(list(8, [summary(1)]), 6).delta).toEqual({ since: 6, removed: [] });
  });

  it('65,536 shards: an unchanged refresh carries nothing, one grown shard carries one', () => {
    const all = Array.from({ length: 65_536 }, (_, i) => summary(i, 10, 0));
    const memory = new ShardListMemory();
    const first = list(1, all);
    memory.answer(first, undefined);
    expect(memory.answer(list(2, all.slice()), 1).shards).toHaveLength(0);
    // A rate that was not 0 and is now is sent: the renderer would keep the old rate otherwise.
    const moving = all.slice();
    moving[7] = summary(7, 10, 3);
    expect(ids(memory.answer(list(4, moving), 2).shards)).toEqual([7]);
    expect(ids(memory.answer(list(5, all.slice()), 4).shards)).toEqual([]);
    const grown = all.slice();
    grown[65_535] = summary(65_535, 11, 0.2);
    const delta = memory.answer(list(3, grown), 2);
    expect(ids(delta.shards)).toEqual([65_535]);
    expect(applyShardDelta(list(2, all), delta).shards[65_535]?.length).toBe(11);
  });
});

describe('shards:list pages', () => {
  const list = (at: number, n: number): ShardListResult => ({ prefix: 'bus', shards: Array.from({ length: n }, (_, i) => summary(i)), skipped: [], at });

  it('the first page comes with a discovery, the rest from the remembered list without one', async () => {
    const session = {};
    let discoveries = 0;
    const discover = async () => {
      discoveries++;
      return list(1000 + discoveries, 10_000);
    };
    const first = await shardListRequest(session, { page: { offset: 0, limit: 4096 } }, discover);
    expect(first.page).toEqual({ offset: 0, total: 10_000 });
    expect(first.shards).toHaveLength(4096);
    const pages = [first];
    while (pages.reduce((n, p) => n + p.shards.length, 0) < 10_000) {
      const offset = pages.reduce((n, p) => n + p.shards.length, 0);
      pages.push(await shardListRequest(session, { page: { at: first.at, offset, limit: 4096 } }, discover));
    }
    expect(discoveries).toBe(1);
    expect(pages.flatMap((p) => ids(p.shards))).toEqual(ids(list(0, 10_000).shards));
    // Then a refresh naming that list is a delta, as without pages.
    const refresh = await shardListRequest(session, { since: first.at }, async () => list(2000, 10_000));
    expect(refresh.delta?.since).toBe(first.at);
  });

  it('a page of a list no longer remembered is refused with a transient error', async () => {
    await expect(shardListRequest({}, { page: { at: 5, offset: 4096, limit: 4096 } }, async () => list(6, 1))).rejects.toMatchObject({ kind: 'transient' });
  });
});

describe('shardById', () => {
  it('finds a shard of a 65,536-shard list through an index kept per list array', () => {
    const all = Array.from({ length: 65_536 }, (_, i) => summary(i));
    expect(shardById(all, 65_535)?.key).toBe('bus:shard:65535');
    expect(shardById(all, 70_000)).toBeUndefined();
    const next = [...all.slice(0, 10), summary(10, 99)];
    expect(shardById(next, 10)?.length).toBe(99);
    expect(shardById(all, 10)?.length).toBe(10);
  });
});

/**
 * The consumer replay's decisions against a dedup window written here from the contract's words
 * (section 5: test-and-insert, FIFO eviction by insertion, evicted ids count as new again), not
 * the app's RedisStreamDedup: arrays and indexOf, slow and obvious.
 */
import { describe, expect, it } from 'vitest';
import { ConsumerReplayState } from '../../electron/core/consumer-replay';
import type { MeshEntry } from '../../shared/types';

/** The contract's window, naively. */
function naiveWindow(capacity: number) {
  const order: string[] = [];
  return (id: string): boolean => {
    if (order.includes(id)) return true;
    if (order.length >= capacity) order.shift();
    order.push(id);
    return false;
  };
}

type Expect = 'delivered' | 'no-id' | 'dropped' | 'let-through' | 'skipped';

/** What a consumer did with each entry, computed independently. */
function naiveReplay(entries: MeshEntry[], capacity: number): Expect[] {
  const isDup = naiveWindow(capacity);
  const ever = new Set<string>();
  return entries.map((e) => {
    if (e.status !== 'ok') return 'skipped';
    if (e.dedupId === undefined) return 'no-id';
    const dup = isDup(e.dedupId);
    const seen = ever.has(e.dedupId);
    ever.add(e.dedupId);
    if (dup) return 'dropped';
    return seen ? 'let-through' : 'delivered';
  });
}

const ok = (n: number, dedupId?: string): MeshEntry => ({ id: `${1000 + n}-0`, status: 'ok', t: '0', s: 0, r: '{}', ...(dedupId === undefined ? {} : { dedupId }) });
const bad = (n: number, dedupId?: string): MeshEntry => ({ id: `${1000 + n}-0`, status: 'corrupt', reason: 'invalid JSON', ...(dedupId === undefined ? {} : { dedupId }) });

/** A deterministic pseudo-random stream with retries near and far, corrupt entries and id-less ones. */
function stream(n: number, seed: number): MeshEntry[] {
  let x = seed;
  const rnd = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32;
  };
  const out: MeshEntry[] = [];
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.05) out.push(bad(i, `ab:0:0:${i}`));
    else if (r < 0.08) out.push(ok(i));
    else if (r < 0.25 && ids.length > 0) out.push(ok(i, ids[Math.floor(rnd() * ids.length)]!));
    else {
      const id = `ab:0:0:${i}`;
      ids.push(id);
      out.push(ok(i, id));
    }
  }
  return out;
}

describe('ConsumerReplayState', () => {
  it('follows the contract example: FIFO, not LRU (capacity 2)', () => {
    const st = new ConsumerReplayState(2);
    const seq = ['a', 'b', 'a', 'c', 'b', 'a'];
    st.addPage({ entries: seq.map((id, i) => ok(i, id)) });
    const verdicts = st.rows('all', 0, 10).map((r) => r.verdict);
    // a, b new; a dup; c new (evicts a); b still a dup; a was evicted: let through.
    expect(verdicts).toEqual(['delivered', 'delivered', 'dropped', 'delivered', 'dropped', 'let-through']);
    expect(st.counts).toMatchObject({ entries: 6, delivered: 3, dropped: 2, letThrough: 1, skipped: 0, noId: 0, pages: 1 });
  });

  it.each([1, 2, 7, 64, 4096])('matches an independent window of capacity %i on a mixed stream', (capacity) => {
    const entries = stream(6000, capacity);
    const st = new ConsumerReplayState(capacity);
    for (let i = 0; i < entries.length; i += 100) st.addPage({ entries: entries.slice(i, i + 100) });
    const want = naiveReplay(entries, capacity);
    const got = st.rows('all', 0, entries.length).map((r) => r.verdict);
    expect(got).toEqual(want);
    const count = (v: Expect) => want.filter((w) => w === v).length;
    expect(st.counts).toMatchObject({ entries: entries.length, delivered: count('delivered'), noId: count('no-id'), dropped: count('dropped'), letThrough: count('let-through'), skipped: count('skipped') });
    // Beside any chosen capacity, what a default (4096) consumer would have let through.
    expect(st.counts.defaultLetThrough).toBe(naiveReplay(entries, 4096).filter((w) => w === 'let-through').length);
  });

  it('windowNeeded is the smallest window that catches every duplicate', () => {
    const entries = stream(3000, 99);
    const need = (() => {
      const st = new ConsumerReplayState(1);
      st.addPage({ entries });
      return st.counts.windowNeeded;
    })();
    expect(need).toBeGreaterThan(1);
    expect(naiveReplay(entries, need).filter((v) => v === 'let-through')).toHaveLength(0);
    expect(naiveReplay(entries, need - 1).filter((v) => v === 'let-through').length).toBeGreaterThan(0);
  });

  it('keeps ids, dedup ids and the previous copy per row; filters and locates', () => {
    const st = new ConsumerReplayState(1);
    st.addPage({ entries: [ok(0, 'x:0:0:0'), bad(1, 'x:0:0:1'), ok(2), ok(3, 'x:0:0:9'), ok(4, 'x:0:0:0'), ok(5, 'x:0:0:0'), ok(6, 'ünï:0:0:0')] });
    const rows = st.rows('all', 0, 100);
    expect(rows.map((r) => r.id)).toEqual(['1000-0', '1001-0', '1002-0', '1003-0', '1004-0', '1005-0', '1006-0']);
    expect(rows[1]).toMatchObject({ verdict: 'skipped', dedupId: 'x:0:0:1' });
    expect(rows[2]).toEqual({ index: 2, id: '1002-0', verdict: 'no-id' });
    // 1004: the window of 1 held x:0:0:9, so x:0:0:0 comes through again; 1005 is caught.
    expect(rows[4]).toMatchObject({ verdict: 'let-through', prevIndex: 0, prevId: '1000-0', windowNeeded: 2, defaultVerdict: 'dropped' });
    expect(rows[5]).toMatchObject({ verdict: 'dropped', prevIndex: 4, prevId: '1004-0', windowNeeded: 2, defaultVerdict: 'dropped' });
    expect(rows[6]!.dedupId).toBe('ünï:0:0:0');
    expect(st.matching('delivered')).toBe(5);
    expect(st.rows('let-through', 0, 10).map((r) => r.index)).toEqual([4]);
    expect(st.rows('dropped', 0, 10).map((r) => r.index)).toEqual([5]);
    expect(st.rows('skipped', 0, 10).map((r) => r.index)).toEqual([1]);
    expect(st.positionOf('delivered', 4)).toBe(3);
    expect(st.positionOf('dropped', 4)).toBe(-1);
    // Filters keep up with entries added later.
    st.addPage({ entries: [ok(7, 'x:0:0:9')] });
    expect(st.rows('let-through', 0, 10).map((r) => r.index)).toEqual([4, 7]);
  });

  it('clamps the capacity as RedisStreamDedup does', () => {
    expect(new ConsumerReplayState(0).capacity).toBe(1);
    expect(new ConsumerReplayState(2 ** 30).capacity).toBe(2 ** 24);
  });

  it('stays compact for 200,000 entries', () => {
    const st = new ConsumerReplayState();
    const page: MeshEntry[] = [];
    for (let i = 0; i < 200_000; i++) page.push({ id: `1733000000000-${i}`, status: 'ok', t: '0', s: 3, r: '{}', dedupId: `0123456789abcdef01:3:${i - (i % 100)}:${i % 100}` });
    st.addPage({ entries: page });
    // 18 bytes of record, ~47 of id texts, the seen-id table, and growth slack (arrays double).
    expect(st.memoryBytes() / 200_000).toBeLessThan(160);
  });

  it('keeps every row, count and filter once sealed, in less memory, and takes no more entries', () => {
    const entries = stream(30_000, 7);
    const st = new ConsumerReplayState(64);
    st.addPage({ entries });
    const filters = ['all', 'delivered', 'dropped', 'let-through', 'skipped'] as const;
    const before = filters.map((f) => st.rows(f, 0, 40_000));
    const counts = { ...st.counts };
    const bytes = st.memoryBytes();
    st.seal();
    expect(filters.map((f) => st.rows(f, 0, 40_000))).toEqual(before);
    expect(st.counts).toEqual(counts);
    expect(st.positionOf('all', 29_999)).toBe(29_999);
    expect(st.memoryBytes()).toBeLessThan(bytes * 0.75);
    expect(() => st.add(ok(1, 'x:0:0:0'))).toThrow(/replay ended/);
  });
});

describe('ShardAnalyzer: duplicates a default consumer would deliver twice', () => {
  it('equals an independent 4096-id window over the ok entries, fed as text or as bytes', async () => {
    const { ShardAnalyzer } = await import('../../shared/analysis');
    // Canonical ids of one producer; copies 10 apart (caught) and 5,000 apart (let through).
    const entries: MeshEntry[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 12_000; i++) {
      let id = `abc:3:0:${i}`;
      if (i % 11 === 10) id = ids[i - 10]!;
      if (i % 501 === 500 && i >= 5000) id = ids[i - 5000]!;
      ids.push(id);
      entries.push(i % 97 === 0 ? bad(i, id) : ok(i, id));
    }
    const want = naiveReplay(entries, 4096).filter((v) => v === 'let-through').length;
    expect(want).toBeGreaterThan(0);
    const text = new ShardAnalyzer(3, 'net:shard:3', { defaultConsumer: true });
    const bytes = new ShardAnalyzer(3, 'net:shard:3', { defaultConsumer: true });
    const enc = new TextEncoder();
    for (const e of entries) {
      text.add(e, e.status === 'ok' ? `{"r":${e.r}}` : 'x');
      bytes.addParts(e.status === 'ok', 3, enc.encode(e.dedupId!), enc.encode(e.status === 'ok' ? `{"r":${e.r}}` : 'x'));
    }
    expect(text.defaultConsumerRedeliveries()).toBe(want);
    expect(bytes.defaultConsumerRedeliveries()).toBe(want);
    // Off unless asked for: the scan's own figures do not change.
    const plain = new ShardAnalyzer(3, 'net:shard:3');
    for (const e of entries) plain.add(e, 'x');
    expect(plain.defaultConsumerRedeliveries()).toBeNull();
    expect(plain.result()).not.toHaveProperty('defaultConsumerRedeliveries');
  });
});

describe('DigestWindow (the analysis scan window)', () => {
  it.each([1, 5, 64, 4096])('answers as the contract window does, capacity %i, under heavy churn', async (capacity) => {
    const { DigestWindow, idDigestText } = await import('../../shared/consumer-window');
    const w = new DigestWindow(capacity);
    const naive = naiveWindow(capacity);
    let x = capacity;
    for (let i = 0; i < 50_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const id = `n:0:0:${x % (capacity * 3 + 7)}`;
      expect(w.isDuplicate(idDigestText(id))).toBe(naive(id));
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ShardAnalyzer } from '../../shared/analysis';
import type { MeshEntry } from '../../shared/types';

const SHARD = 3;
const KEY = 'net:shard:3';
let nextMs = 1;

function ok(dedupId: string | undefined, r = '{"k":0}', opts: { s?: number; t?: string } = {}): [MeshEntry, string] {
  const s = opts.s ?? SHARD;
  const t = opts.t ?? '1000';
  const entry: MeshEntry = { id: `${nextMs++}-0`, status: 'ok', t, s, r };
  if (dedupId !== undefined) entry.dedupId = dedupId;
  return [entry, `{"r":${r},"t":${t},"s":${s}}`];
}

function corrupt(dedupId: string | undefined, d: string | undefined): [MeshEntry, string] {
  const entry: MeshEntry = { id: `${nextMs++}-0`, status: 'corrupt', reason: 'd is not valid JSON' };
  if (dedupId !== undefined) entry.dedupId = dedupId;
  if (d !== undefined) entry.d = d;
  return [entry, d ?? ''];
}

function analyze(items: Array<[MeshEntry, string]>, shard = SHARD): ShardAnalyzer {
  const a = new ShardAnalyzer(shard, `net:shard:${shard}`);
  for (const [e, p] of items) a.add(e, p);
  return a;
}

/** One batch as net-mesh writes it: ids nonce:shard:seq:0..n-1 (contract 1.3). */
function batch(nonce: string, seq: number, n: number, shard = SHARD): Array<[MeshEntry, string]> {
  return Array.from({ length: n }, (_, i) => ok(`${nonce}:${shard}:${seq}:${i}`, `{"i":${seq + i}}`));
}

describe('ShardAnalyzer: counts and shape', () => {
  it('reports the cli.md scan fields in the documented order', () => {
    const r = analyze([...batch('a1', 0, 3), corrupt('a1:3:3:0', 'not json')]).result();
    expect(Object.keys(r)).toEqual([
      'shard', 'key', 'entries', 'ok', 'corrupt', 'duplicateGroups', 'duplicateEntries', 'collisionGroups', 'gaps', 'misrouted',
    ]);
    expect(r).toEqual({
      shard: 3, key: KEY, entries: 4, ok: 3, corrupt: 1, duplicateGroups: 0, duplicateEntries: 0, collisionGroups: 0, gaps: [], misrouted: 0,
    });
  });

  it('an empty shard has zero everything', () => {
    expect(analyze([]).result()).toMatchObject({ entries: 0, ok: 0, corrupt: 0, duplicateGroups: 0, gaps: [], misrouted: 0 });
  });
});

describe('ShardAnalyzer: duplicates', () => {
  it('a retried batch (same ids, same bytes) is duplicate groups without collisions', () => {
    const first = batch('9f3a12', 100, 4);
    const retry = first.map(([e, p]) => [{ ...e, id: `${nextMs++}-0` }, p] as [MeshEntry, string]);
    const a = analyze([...first, ...retry]);
    expect(a.result()).toMatchObject({ entries: 8, duplicateGroups: 4, duplicateEntries: 4, collisionGroups: 0 });
    expect(a.duplicateStatus('9f3a12:3:100:2')).toBe('retry');
    expect(a.duplicateInfo('9f3a12:3:100:2')).toEqual({ kind: 'retry', copies: 2 });
  });

  it('the same id with a different payload is a collision', () => {
    const a = analyze([ok('5e1f:3:0:0', '{"n":1}'), ok('5e1f:3:0:0', '{"n":2}'), ok('5e1f:3:0:1', '{"n":3}')]);
    expect(a.result()).toMatchObject({ duplicateGroups: 1, duplicateEntries: 1, collisionGroups: 1 });
    expect(a.duplicateStatus('5e1f:3:0:0')).toBe('collision');
    expect(a.duplicateStatus('5e1f:3:0:1')).toBeUndefined();
    expect(a.duplicateStatus('5e1f:3:9:9')).toBeUndefined();
    expect(a.duplicateStatus('not an id')).toBeUndefined();
  });

  it('payloads that differ only in t are a collision: the whole stored d is compared', () => {
    const a = analyze([ok('5e1f:3:0:0', '{"n":1}', { t: '1' }), ok('5e1f:3:0:0', '{"n":1}', { t: '2' })]);
    expect(a.result().collisionGroups).toBe(1);
  });

  it('three copies where only the third differs: one group, two extra entries, one collision', () => {
    const a = analyze([ok('b:3:7:0', '1'), ok('b:3:7:0', '1'), ok('b:3:7:0', '2')]);
    expect(a.result()).toMatchObject({ duplicateGroups: 1, duplicateEntries: 2, collisionGroups: 1 });
    expect(a.duplicateInfo('b:3:7:0')).toEqual({ kind: 'collision', copies: 3 });
  });

  it('corrupt entries take part in dedup, their stored d being the payload', () => {
    const a = analyze([corrupt('c0:3:5:0', 'oops'), corrupt('c0:3:5:0', 'oops'), corrupt('c0:3:6:0', 'x'), corrupt('c0:3:6:0', 'y')]);
    expect(a.result()).toMatchObject({ corrupt: 4, duplicateGroups: 2, duplicateEntries: 2, collisionGroups: 1 });
    expect(a.duplicateStatus('c0:3:5:0')).toBe('retry');
    expect(a.duplicateStatus('c0:3:6:0')).toBe('collision');
  });

  it('an ok and a corrupt entry under one id are a collision (their d differ)', () => {
    const a = analyze([ok('d1:3:0:0', '{"a":1}'), corrupt('d1:3:0:0', '{"r":{"a":1},"t":1000,"s":3,"r":2}')]);
    expect(a.result()).toMatchObject({ duplicateGroups: 1, collisionGroups: 1 });
  });

  it('entries without a dedup_id or with one that does not parse are left out of dedup', () => {
    const a = analyze([ok(undefined), ok(undefined), ok('garbage'), ok('garbage'), ok('0A:3:0:0'), ok('0A:3:0:0'), corrupt(undefined, undefined)]);
    expect(a.result()).toMatchObject({ entries: 7, ok: 6, corrupt: 1, duplicateGroups: 0, duplicateEntries: 0, gaps: [] });
  });

  it('dedup ids are exact strings: the same numbers under different nonces or shard parts are different ids', () => {
    const a = analyze([ok('a:3:0:0'), ok('b:3:0:0'), ok('a:4:0:0'), ok('a:3:0:0')]);
    expect(a.result()).toMatchObject({ duplicateGroups: 1, duplicateEntries: 1 });
    expect(a.duplicateStatus('a:3:0:0')).toBe('retry');
    expect(a.duplicateStatus('b:3:0:0')).toBeUndefined();
  });

  it('payloads given as bytes: the same bytes are a retry, one differing byte a collision', () => {
    const bytes = new TextEncoder().encode('{"r":{"name":"Zoë 🚀"},"t":1,"s":3}');
    const a = new ShardAnalyzer(SHARD, KEY);
    const [e] = ok('e:3:0:0');
    a.add(e, bytes);
    a.add(e, bytes.slice());
    expect(a.duplicateStatus('e:3:0:0')).toBe('retry');
    for (let at = 0; at < bytes.length; at += 7) {
      const changed = bytes.slice();
      changed[at] = changed[at]! ^ 1;
      const b = new ShardAnalyzer(SHARD, KEY);
      b.add(e, bytes);
      b.add(e, changed);
      expect(b.duplicateStatus('e:3:0:0'), `byte ${at}`).toBe('collision');
    }
    // Lengths that are not a multiple of the 4-byte block, and a trailing zero byte.
    const c = new ShardAnalyzer(SHARD, KEY);
    c.add(e, new Uint8Array([1, 2, 3, 4, 5]));
    c.add(e, new Uint8Array([1, 2, 3, 4, 5, 0]));
    expect(c.duplicateStatus('e:3:0:0')).toBe('collision');
  });

  it('payloads given as text: the same text is a retry, one differing character a collision', () => {
    const text = '{"r":{"name":"Zoë 🚀"},"t":1,"s":3}';
    const [e] = ok('e:3:0:0');
    for (let at = 0; at < text.length; at += 5) {
      const a = new ShardAnalyzer(SHARD, KEY);
      a.add(e, text);
      a.add(e, text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 2) + text.slice(at + 1));
      expect(a.duplicateStatus('e:3:0:0'), `character ${at}`).toBe('collision');
      a.add(e, `${text}`);
      expect(a.duplicateInfo('e:3:0:0')).toEqual({ kind: 'collision', copies: 3 });
    }
    const b = new ShardAnalyzer(SHARD, KEY);
    b.add(e, text);
    b.add(e, text.split('').join(''));
    expect(b.duplicateStatus('e:3:0:0')).toBe('retry');
  });

  it('ids that do not fit the compact index (huge i or seq) are still counted exactly', () => {
    const huge = '18446744073709551615';
    const a = analyze([
      ok(`f:3:${huge}:0`), ok(`f:3:${huge}:0`),
      ok(`f:3:0:${huge}`, '1'), ok(`f:3:0:${huge}`, '2'),
      ok('f:3:0:1048576'), ok('f:3:0:1048576'),
    ]);
    expect(a.result()).toMatchObject({ duplicateGroups: 3, duplicateEntries: 3, collisionGroups: 1 });
    expect(a.duplicateStatus(`f:3:0:${huge}`)).toBe('collision');
    expect(a.duplicateStatus('f:3:0:1048576')).toBe('retry');
  });

  it('many producers (nonces) keep exact counts, past the compact index group limit too', () => {
    const a = new ShardAnalyzer(SHARD, KEY);
    const entry: MeshEntry = { id: '1-0', status: 'ok', t: '1', s: SHARD, r: '1' };
    const nonces = 140_000;
    for (let k = 1; k <= nonces; k++) {
      entry.dedupId = `${k.toString(16)}:3:0:0`;
      a.add(entry, 'x');
    }
    for (const k of [1, 600, 70_000, 139_999]) {
      entry.dedupId = `${k.toString(16)}:3:0:0`;
      a.add(entry, k === 600 ? 'y' : 'x');
    }
    expect(a.result()).toMatchObject({ entries: nonces + 4, duplicateGroups: 4, duplicateEntries: 4, collisionGroups: 1, gaps: [] });
    expect(a.duplicateStatus('1:3:0:0')).toBe('retry');
    expect(a.duplicateStatus((600).toString(16) + ':3:0:0')).toBe('collision');
    expect(a.duplicateStatus((139_999).toString(16) + ':3:0:0')).toBe('retry');
    expect(a.duplicateStatus('2:3:0:0')).toBeUndefined();
    expect([...a.duplicates()].map((d) => d.dedupId).sort()).toEqual(
      [1, 600, 70_000, 139_999].map((k) => `${k.toString(16)}:3:0:0`).sort(),
    );
  });

  it('ids above 2^32 in seq are distinct from their low 32 bits', () => {
    const a = analyze([ok('a:3:4294967296:0'), ok('a:3:0:0'), ok('a:3:4294967296:0')]);
    expect(a.result()).toMatchObject({ duplicateGroups: 1 });
    expect(a.duplicateStatus('a:3:0:0')).toBeUndefined();
    expect(a.duplicateStatus('a:3:4294967296:0')).toBe('retry');
  });

  it('counts past 255 copies of one id exactly', () => {
    const items = Array.from({ length: 300 }, () => ok('aa:3:1:0'));
    const a = analyze(items);
    expect(a.result()).toMatchObject({ duplicateGroups: 1, duplicateEntries: 299 });
    expect(a.duplicateInfo('aa:3:1:0')).toEqual({ kind: 'retry', copies: 300 });
  });

  it('lists every duplicated id with its count and kind', () => {
    const a = analyze([ok('a:3:0:0', '1'), ok('a:3:0:0', '1'), ok('a:3:5:1', '1'), ok('a:3:5:1', '2'), ok('a:3:9:0')]);
    const list = [...a.duplicates()].sort((x, y) => x.dedupId.localeCompare(y.dedupId));
    expect(list).toEqual([
      { dedupId: 'a:3:0:0', count: 2, kind: 'retry' },
      { dedupId: 'a:3:5:1', count: 2, kind: 'collision' },
    ]);
  });

  it('keeps every id apart while the index grows through many doublings', () => {
    const a = new ShardAnalyzer(SHARD, KEY);
    const n = 50_000;
    for (let k = 0; k < n; k++) {
      const [e] = ok(`ab:3:${k * 10}:${k % 7}`);
      a.add(e, String(k));
    }
    for (let k = 0; k < n; k += 1000) {
      const [e] = ok(`ab:3:${k * 10}:${k % 7}`);
      a.add(e, k % 2000 === 0 ? String(k) : 'different');
    }
    expect(a.result()).toMatchObject({ entries: n + 50, duplicateGroups: 50, duplicateEntries: 50, collisionGroups: 25 });
  });
});

describe('ShardAnalyzer: gaps', () => {
  it('a lost batch is one inclusive gap range', () => {
    const a = analyze([...batch('9f3a12', 0, 700), ...batch('9f3a12', 800, 200)]);
    expect(a.result().gaps).toEqual([{ nonce: '9f3a12', from: 700, to: 799 }]);
  });

  it('a single missing ordinal is a range of one', () => {
    const a = analyze([...batch('a', 0, 5), ...batch('a', 6, 3)]);
    expect(a.result().gaps).toEqual([{ nonce: 'a', from: 5, to: 5 }]);
  });

  it('several gaps come sorted by from', () => {
    const a = analyze([...batch('a', 0, 2), ...batch('a', 5, 1), ...batch('a', 10, 2), ...batch('a', 20, 1)]);
    expect(a.result().gaps).toEqual([
      { nonce: 'a', from: 2, to: 4 },
      { nonce: 'a', from: 6, to: 9 },
      { nonce: 'a', from: 12, to: 19 },
    ]);
  });

  it('gaps are per nonce, sorted by nonce value, and counted between the lowest and highest ordinal seen', () => {
    // Nonce "ff" is smaller than "100" as a number, though not as text.
    const a = analyze([...batch('100', 10, 2), ...batch('100', 14, 1), ...batch('ff', 50, 1), ...batch('ff', 52, 1), ...batch('c', 3, 4)]);
    expect(a.result().gaps).toEqual([
      { nonce: 'ff', from: 51, to: 51 },
      { nonce: '100', from: 12, to: 13 },
    ]);
  });

  it('out-of-order arrival fills gaps and merges ranges', () => {
    const order = [0, 1, 5, 9, 3, 2, 4, 8, 6];
    const a = analyze(order.map((o) => ok(`a:3:${o}:0`)));
    expect(a.result().gaps).toEqual([{ nonce: 'a', from: 7, to: 7 }]);
    const b = analyze([10, 0, 5, 7, 6, 9, 8, 1, 2, 4, 3].map((o) => ok(`a:3:0:${o}`)));
    expect(b.result().gaps).toEqual([]);
  });

  it('a shuffled stream is handled in bulk, fast, with the same gaps', () => {
    const n = 200_000;
    const missing = new Set([17, 18, 19, 50_000, 199_998]);
    const order = Array.from({ length: n }, (_, k) => k).filter((k) => !missing.has(k));
    let seed = 12345;
    for (let k = order.length - 1; k > 0; k--) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const j = seed % (k + 1);
      [order[k], order[j]] = [order[j]!, order[k]!];
    }
    const a = new ShardAnalyzer(SHARD, KEY);
    const entry: MeshEntry = { id: '1-0', status: 'ok', t: '1', s: SHARD, r: '1' };
    for (const o of order) {
      entry.dedupId = `a:3:${o - (o % 10)}:${o % 10}`;
      a.add(entry, 'x');
    }
    expect(a.result().gaps).toEqual([
      { nonce: 'a', from: 17, to: 19 },
      { nonce: 'a', from: 50_000, to: 50_000 },
      { nonce: 'a', from: 199_998, to: 199_998 },
    ]);
    expect(a.result().duplicateGroups).toBe(0);
  });

  it('ordinals are seq + i, so batches of different layouts tile without gaps', () => {
    const a = analyze([...batch('a', 0, 3), ok('a:3:3:0'), ok('a:3:3:1'), ok('a:3:5:0')]);
    expect(a.result().gaps).toEqual([]);
  });

  it('duplicates and corrupt entries fill their ordinal like any other entry', () => {
    const a = analyze([ok('a:3:0:0'), ok('a:3:0:0'), corrupt('a:3:0:1', 'bad'), ok('a:3:0:2')]);
    expect(a.result().gaps).toEqual([]);
  });

  it('ids whose shard part is another shard do not create gaps in this shard', () => {
    const a = analyze([...batch('a', 0, 3), ok('a:9:5000:0')]);
    expect(a.result().gaps).toEqual([]);
  });
});

describe('ShardAnalyzer: misrouted', () => {
  it('counts entries whose payload s differs from the stream shard', () => {
    const a = analyze([ok('a:3:0:0', '1', { s: 4 }), ok('a:3:0:1'), ok(undefined, '1', { s: 0 })]);
    expect(a.result().misrouted).toBe(2);
  });

  it('counts entries whose dedup_id shard part differs, corrupt ones included', () => {
    const a = analyze([ok('a:4:0:0'), corrupt('a:5:0:0', 'bad'), corrupt('a:3:0:0', 'bad'), ok('a:3:0:1')]);
    expect(a.result().misrouted).toBe(2);
  });

  it('an entry wrong on both counts is one misrouted entry', () => {
    const a = analyze([ok('a:4:0:0', '1', { s: 4 })]);
    expect(a.result().misrouted).toBe(1);
  });
});

describe('ShardAnalyzer: memory budget (PRODUCT.md: under 48 bytes per entry)', () => {
  it('1,000,000 synthetic entries stay under 48 bytes each', () => {
    const a = new ShardAnalyzer(SHARD, KEY);
    const entry: MeshEntry = { id: '1-0', status: 'ok', t: '1', s: SHARD, r: '{}' };
    const n = 1_000_000;
    for (let k = 0; k < n; k++) {
      // Two producers, batches of 1000, one duplicate every 100 entries.
      entry.dedupId = `${k % 2 ? '9f3a12' : 'deadbeefcafef00d'}:3:${Math.floor(k / 2000) * 1000}:${(k >> 1) % 1000}`;
      a.add(entry, k % 100 === 0 ? 'dup' : `{"r":{"k":${k}},"t":1,"s":3}`);
    }
    const r = a.result();
    expect(r.entries).toBe(n);
    expect(a.memoryBytes() / n).toBeLessThan(48);
  });

  it('a pre-sized index (expectedEntries) gives the same figures and stays under budget', () => {
    const n = 100_000;
    const sized = new ShardAnalyzer(SHARD, KEY, { expectedEntries: n });
    const grown = new ShardAnalyzer(SHARD, KEY);
    const entry: MeshEntry = { id: '1-0', status: 'ok', t: '1', s: SHARD, r: '{}' };
    for (let k = 0; k < n; k++) {
      entry.dedupId = `b0:3:${k - (k % 100)}:${k % 100}`;
      const payload = k % 1000 === 999 ? 'x' : String(k);
      sized.add(entry, payload);
      grown.add(entry, payload);
      if (k % 1000 === 999) {
        sized.add(entry, 'y');
        grown.add(entry, 'y');
      }
    }
    expect(sized.result()).toEqual(grown.result());
    expect(sized.result()).toMatchObject({ duplicateGroups: 100, collisionGroups: 100 });
    expect(sized.memoryBytes() / n).toBeLessThan(48);
  });

  it('stays under budget right after a growth step, when the table is emptiest', () => {
    const a = new ShardAnalyzer(SHARD, KEY);
    const entry: MeshEntry = { id: '1-0', status: 'ok', t: '1', s: SHARD, r: '{}' };
    let worst = 0;
    let last = a.memoryBytes();
    for (let k = 1; k <= 300_000; k++) {
      entry.dedupId = `a:3:${k}:0`;
      a.add(entry, 'x');
      const m = a.memoryBytes();
      if (m !== last && k > 2000) worst = Math.max(worst, m / k);
      last = m;
    }
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(48);
  });
});

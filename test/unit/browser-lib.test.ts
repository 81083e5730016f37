import { describe, expect, it } from 'vitest';
import { canvasGeometry, MAX_CANVAS_PX, rowRange } from '../../renderer/src/lib/use-row-window';
import { RowSlots } from '../../renderer/src/features/browser/row-slots';
import { parseJumpTarget } from '../../renderer/src/lib/jump-target';
import { hexDump, utf8Length, formatBytes } from '../../renderer/src/lib/hex';
import { Lru } from '../../renderer/src/lib/lru';
import { DedupHints, hashDedupId } from '../../electron/core/dedup-hints';
import { capEntry } from '../../electron/core/browse';

describe('whole-stream scroll geometry', () => {
  it('is 1:1 up to the browser height cap (a million 28 px rows fit)', () => {
    expect(canvasGeometry(1_000_000, 28, 800)).toEqual({ virtualPx: 28_000_000, canvasPx: 28_000_000, scale: 1 });
  });

  it('scales past the cap so the scrollbar still spans the whole stream, ends mapping to ends', () => {
    const g = canvasGeometry(10_000_000, 28, 800);
    expect(g.canvasPx).toBe(MAX_CANVAS_PX);
    // The last dom scroll position shows the last rows.
    expect((g.canvasPx - 800) * g.scale + 800).toBeCloseTo(g.virtualPx, 3);
  });
});

describe('the row window', () => {
  it('renders the rows under the viewport and a few beyond each edge, clamped to the list', () => {
    // 700 px of 28 px rows at offset 2,800 (row 100): rows 100 to 124 are visible, partly 125.
    expect(rowRange(1_000_000, 28, 2800, 700, 6)).toEqual([94, 131]);
    expect(rowRange(1_000_000, 28, 2814, 700, 6)).toEqual([94, 132]);
    expect(rowRange(10, 28, 0, 700, 6)).toEqual([0, 10]);
    expect(rowRange(1000, 28, 27_300, 700, 6)).toEqual([969, 1000]);
    expect(rowRange(0, 28, 0, 700, 6)).toEqual([0, 0]);
  });
});

describe('row elements', () => {
  it('keeps an element per row while the row stays in the window', () => {
    const slots = new RowSlots();
    const a = slots.assign(['10', '11', '12', '13']);
    expect(new Set(a).size).toBe(4);
    // Scrolled by one row: three rows keep their elements, the new one gets a fresh one.
    const b = slots.assign(['11', '12', '13', '14']);
    expect(b.slice(0, 3)).toEqual(a.slice(1));
    expect(a).not.toContain(b[3]);
  });

  it('hands the previous elements, in order, to the rows of a jump', () => {
    const slots = new RowSlots();
    const a = slots.assign(['1', '2', '3', '4']);
    expect(slots.assign(['900', '901', '902', '903', '904'])).toEqual([...a, expect.any(Number)]);
    // Fewer rows than before: the first elements, in order.
    const c = slots.assign(['5000', '5001']);
    expect(c).toEqual(a.slice(0, 2));
  });

  it('never gives two rows one element, even for a repeated key', () => {
    const slots = new RowSlots();
    slots.assign(['a', 'b']);
    const r = slots.assign(['a', 'a', 'b']);
    expect(new Set(r).size).toBe(3);
  });
});

describe('jump targets', () => {
  const now = new Date(2024, 10, 26, 12, 0, 0);
  it('reads ids, bare ms, positions and local times', () => {
    expect(parseJumpTarget(' 1700000000000-3 ')).toEqual({ kind: 'id', id: '1700000000000-3' });
    expect(parseJumpTarget('1700000000000')).toEqual({ kind: 'id', id: '1700000000000-0' });
    expect(parseJumpTarget('18446744073709551615-18446744073709551615')).toEqual({ kind: 'id', id: '18446744073709551615-18446744073709551615' });
    expect(parseJumpTarget('#500000')).toEqual({ kind: 'position', position: 500_000 });
    expect(parseJumpTarget('#1,000')).toEqual({ kind: 'position', position: 1000 });
    expect(parseJumpTarget('2024-11-26 20:21:03.123', now)).toEqual({ kind: 'time', ms: new Date(2024, 10, 26, 20, 21, 3, 123).getTime() });
    expect(parseJumpTarget('20:21', now)).toEqual({ kind: 'time', ms: new Date(2024, 10, 26, 20, 21).getTime() });
    expect(parseJumpTarget('2024-11-26T20:21:03Z')).toEqual({ kind: 'time', ms: Date.UTC(2024, 10, 26, 20, 21, 3) });
  });

  it('names what is wrong', () => {
    expect(parseJumpTarget('18446744073709551616-0')).toHaveProperty('error');
    expect(parseJumpTarget('2024-02-31')).toHaveProperty('error');
    expect(parseJumpTarget('yesterday')).toHaveProperty('error');
  });
});

describe('bytes for display', () => {
  it('dumps hex with printable ASCII', () => {
    const { text } = hexDump(new Uint8Array([0x7b, 0x22, 0xff, 0x0a]));
    expect(text).toBe('00000000  7b 22 ff 0a' + ' '.repeat(3 * 12 + 2) + ' |{"..|');
    expect(hexDump(new Uint8Array(100), 32).truncated).toBe(true);
  });

  it('counts UTF-8 bytes without encoding', () => {
    for (const s of ['', 'abc', 'é', '€', '😀', '\ud800x']) expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB');
  });
});

describe('the page cache', () => {
  it('evicts the least recently used entry, never one it must keep', () => {
    const lru = new Lru<number, string>(2, (k) => k === 1);
    lru.set(1, 'a');
    lru.set(2, 'b');
    lru.set(3, 'c');
    expect([...lru.entries()].map(([k]) => k)).toEqual([1, 3]);
    lru.get(1);
    lru.set(4, 'd');
    expect(lru.has(1)).toBe(true);
  });
});

describe('dedup hints', () => {
  it('finds every position of a dedup_id, and nothing for an absent one', () => {
    const h = new DedupHints();
    for (let i = 0; i < 200_000; i++) h.push(i === 7 || i === 150_000 ? 'n:1:7:0' : i % 10 === 0 ? undefined : `n:1:${i}:0`);
    expect(h.candidates('n:1:7:0')).toEqual([7, 150_000]);
    expect(h.candidates('n:1:10:0')).toEqual([]);
    expect(hashDedupId('x')).not.toBe(0);
  });
});

describe('page previews', () => {
  it('cuts big payloads (never inside a surrogate pair) and says how long they were', () => {
    const e = { id: '1-0', status: 'ok' as const, t: '1', s: 1, r: `"${'😀'.repeat(10)}"` };
    const capped = capEntry(e, 4);
    expect(capped).toMatchObject({ r: '"😀', truncated: e.r.length });
    expect(capEntry(e, 100)).toBe(e);
    expect(capEntry({ id: '1-0', status: 'corrupt', reason: 'x', d: 'abcdef' }, 3)).toMatchObject({ d: 'abc', truncated: 6 });
  });
});

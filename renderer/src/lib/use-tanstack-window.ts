/**
 * The row window built on @tanstack/react-virtual (3.x), with the same shape as use-row-window.ts's
 * own, so EntryList can run on either. It is here to be measured against the hand-written one on
 * the lanes' cases (bench `lane-virtual`: a million rows, jumps, scrollbar drags, a 20,000/s live
 * tail); which one the lanes use is decided by those figures (README, "Benchmarks"). Selected for
 * a page by `localStorage['mesh.rowWindow'] = 'tanstack'` (use-row-window.ts reads it once).
 *
 * Fixed-height rows: `estimateSize` is the row height and nothing is measured. Above Chromium's
 * element height limit (about 1.2 million 28 px rows) the library does not scale, which the own
 * window does (see use-row-window.ts); the lanes' benches stay at a million rows.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useLayoutEffect, useRef, useState, type RefObject } from 'react';

const OVERSCAN = 6;

export function useTanstackWindow(opts: { count: number; rowHeight: number; scrollRef: RefObject<HTMLDivElement | null>; overscanRows?: number }) {
  const { count, rowHeight, scrollRef } = opts;
  const layerRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const v = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: opts.overscanRows ?? OVERSCAN,
  });
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const ro = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentRect;
      if (box) setWidth(Math.round(box.width));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [scrollRef]);
  const items = v.getVirtualItems();
  const start = items[0]?.index ?? 0;
  const end = items.length > 0 ? items[items.length - 1]!.index + 1 : 0;
  const el = () => scrollRef.current;
  const top = () => el()?.scrollTop ?? 0;
  const height = () => el()?.clientHeight ?? 0;
  const range = (offset: number): [number, number] => {
    if (count <= 0) return [0, 0];
    const first = Math.max(0, Math.min(count - 1, Math.floor(offset / rowHeight) - OVERSCAN));
    return [first, Math.max(first, Math.min(count, Math.ceil((offset + height()) / rowHeight) + OVERSCAN))];
  };
  return {
    start,
    end,
    canvasPx: v.getTotalSize(),
    width,
    rowTop: (i: number) => i * rowHeight,
    layerRef,
    scrollToRow(i: number, align: 'auto' | 'center' | 'start' | 'end' = 'auto') {
      v.scrollToIndex(i, { align });
    },
    rangeAt: (domScrollTop: number) => range(domScrollTop),
    firstVisibleRow: () => Math.floor(top() / rowHeight + 0.5),
    visibleRows: () => Math.max(1, Math.floor(height() / rowHeight)),
    shiftBy(rows: number) {
      const e = el();
      if (e && rows !== 0) e.scrollTop += rows * rowHeight;
    },
    atTop: () => top() < rowHeight / 2,
    atBottom: () => top() + height() >= count * rowHeight - rowHeight / 2,
  };
}

/**
 * Windowing for lists of fixed-height rows that can be as long as a whole stream (millions of
 * rows), on @tanstack/react-virtual.
 *
 * Why blocks: tanstack keeps one measurement per item and rebuilds all of them whenever `count`
 * changes; measured at 1,000,000 items that is ~45 ms and ~24 MB per list, and a live tail changes
 * `count` every frame. So the virtualizer is given blocks of ROW_BLOCK rows (1,000,000 rows are
 * 31,250 blocks: a rebuild well under a millisecond), and the rows of the visible blocks are
 * rendered. React renders only when the visible block range changes; in between the browser
 * scrolls the rows natively.
 *
 * Why scaling: browsers cap an element's height (Chromium at 33,554,428 px, measured), which at
 * 28 px rows is ~1.2 million rows. Past MAX_CANVAS_PX the canvas is capped and scroll offsets are
 * scaled (virtual = dom x scale, through tanstack's offset observer and scroll function), so the
 * scrollbar still spans the whole stream; the row layer is then re-placed on each scroll event.
 */
import { elementScroll, observeElementOffset, useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useLayoutEffect, useRef, type RefObject } from 'react';

/** Rows per virtualizer item: small enough that a jump lays out ~60 rows, large enough that React renders only every 16 rows scrolled. */
export const ROW_BLOCK = 16;
/** Below Chromium's 33,554,428 px element height limit, with room to spare. */
export const MAX_CANVAS_PX = 32_000_000;

/** Scroll geometry of `count` rows of `rowHeight` px in a viewport of `viewport` px. */
export function canvasGeometry(count: number, rowHeight: number, viewport: number): { virtualPx: number; canvasPx: number; scale: number } {
  const virtualPx = count * rowHeight;
  if (virtualPx <= MAX_CANVAS_PX) return { virtualPx, canvasPx: virtualPx, scale: 1 };
  const canvasPx = MAX_CANVAS_PX;
  // Map the dom scroll range [0, canvas - viewport] onto the virtual range [0, virtual - viewport].
  const scale = (virtualPx - viewport) / Math.max(1, canvasPx - viewport);
  return { virtualPx, canvasPx, scale };
}

export interface RowWindow {
  /** First row rendered (inclusive) and last (exclusive). */
  start: number;
  end: number;
  /** Canvas height in px (the scrollable extent). */
  canvasPx: number;
  /** The viewport's width in px, as last observed (0 before the first observation). */
  width: number;
  /** Top of row `i` inside the row layer, in px. */
  rowTop(i: number): number;
  /** Ref for the absolutely positioned layer holding the rows. */
  layerRef: RefObject<HTMLDivElement | null>;
  /** Scrolls so row `i` is visible ('auto': only if it is not), centred, or at the top/bottom edge. */
  scrollToRow(i: number, align?: 'auto' | 'center' | 'start' | 'end'): void;
  /** The first row whose top is at or below the viewport top, and the number of rows that fit. */
  firstVisibleRow(): number;
  visibleRows(): number;
  /** The rows [start, end) a render at this dom scroll position will show (for reading ahead of the render). */
  rangeAt(domScrollTop: number): [number, number];
  /** Moves the scroll position by `rows` rows (positive: down) without animation. */
  shiftBy(rows: number): void;
  /** The viewport is at the very top / bottom of the list (within half a row). */
  atTop(): boolean;
  atBottom(): boolean;
}

export function useRowWindow(opts: { count: number; rowHeight: number; scrollRef: RefObject<HTMLDivElement | null>; overscanBlocks?: number }): RowWindow {
  const { count, rowHeight, scrollRef } = opts;
  const blocks = Math.ceil(count / ROW_BLOCK);
  const geometry = useRef(canvasGeometry(count, rowHeight, 600));
  // The viewport height as tanstack's ResizeObserver last saw it: reading clientHeight during
  // render would force a synchronous layout on every render.
  const viewportRef = useRef(600);
  const viewportPx = () => viewportRef.current;
  geometry.current = canvasGeometry(count, rowHeight, viewportPx());
  const layerRef = useRef<HTMLDivElement>(null);
  const base = useRef(0);
  // The virtual scroll offset as last seen (scroll events) or set (scrollToRow, shiftBy). Never
  // read from the element during render: after DOM changes that would force a synchronous layout.
  const offsetRef = useRef(0);

  const virtualizer = useVirtualizer({
    count: blocks,
    getScrollElement: () => scrollRef.current,
    estimateSize: (b) => (b === blocks - 1 ? count - b * ROW_BLOCK : ROW_BLOCK) * rowHeight,
    overscan: opts.overscanBlocks ?? 1,
    useFlushSync: false,
    observeElementOffset: (instance, cb) =>
      observeElementOffset(instance, (offset, isScrolling) => {
        offsetRef.current = offset * geometry.current.scale;
        cb(offsetRef.current, isScrolling);
      }),
    scrollToFn: (offset, o, instance) => elementScroll(offset / geometry.current.scale, o, instance),
  });

  if (virtualizer.scrollRect && virtualizer.scrollRect.height > 0) viewportRef.current = virtualizer.scrollRect.height;
  // The virtualizer re-renders this component when the visible block range changes; the range
  // itself is computed from the live scroll position, so a programmatic scroll (keeping the place
  // while rows are inserted above) followed by a synchronous re-render never shows stale rows.
  virtualizer.getVirtualItems();
  const overscan = opts.overscanBlocks ?? 1;
  const blockPx = ROW_BLOCK * rowHeight;
  const rangeAtOffset = (offset: number): [number, number] => {
    if (blocks === 0) return [0, 0];
    const firstBlock = Math.max(0, Math.floor(offset / blockPx) - overscan);
    const lastBlock = Math.min(blocks - 1, Math.floor((offset + viewportPx()) / blockPx) + overscan);
    return [firstBlock * ROW_BLOCK, Math.min(count, (lastBlock + 1) * ROW_BLOCK)];
  };
  const [start, end] = rangeAtOffset(offsetRef.current);
  base.current = start * rowHeight;

  /**
   * Places the row layer. Unscaled, it stays at 0 and each row sits at its own virtual top, which
   * never changes for a given row, so moving the window re-renders only the rows that enter it.
   * Scaled, rows sit relative to the first rendered row and the layer follows the viewport.
   */
  const place = useCallback(() => {
    const el = scrollRef.current;
    const layer = layerRef.current;
    if (!el || !layer) return;
    const { scale } = geometry.current;
    const top = scale === 1 ? 0 : offsetRef.current / scale + (base.current - offsetRef.current);
    const next = `translateY(${top}px)`;
    if (layer.style.transform !== next) layer.style.transform = next;
  }, [scrollRef]);

  useLayoutEffect(() => {
    place();
  });

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const onScroll = () => {
      if (geometry.current.scale === 1) return;
      // Reading scrollTop inside its own scroll event is cheap (layout is clean here).
      offsetRef.current = el.scrollTop * geometry.current.scale;
      place();
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, [scrollRef, place]);

  const virtualOffset = () => offsetRef.current;
  const setVirtualOffset = (v: number) => {
    const el = scrollRef.current;
    if (!el) return;
    const { virtualPx, scale } = geometry.current;
    const clamped = Math.max(0, Math.min(v, virtualPx - viewportPx()));
    offsetRef.current = clamped;
    el.scrollTop = clamped / scale;
  };

  return {
    start,
    end,
    canvasPx: geometry.current.canvasPx,
    width: virtualizer.scrollRect?.width ?? 0,
    rowTop: (i) => (geometry.current.scale === 1 ? i * rowHeight : i * rowHeight - base.current),
    layerRef,
    scrollToRow(i, align = 'auto') {
      const h = viewportPx();
      const top = i * rowHeight;
      const cur = virtualOffset();
      if (align === 'start') setVirtualOffset(top);
      else if (align === 'end') setVirtualOffset(top + rowHeight - h);
      else if (align === 'center') setVirtualOffset(top + rowHeight / 2 - h / 2);
      else if (top < cur) setVirtualOffset(top);
      else if (top + rowHeight > cur + h) setVirtualOffset(top + rowHeight - h);
    },
    rangeAt: (domScrollTop) => rangeAtOffset(domScrollTop * geometry.current.scale),
    firstVisibleRow: () => Math.floor(virtualOffset() / rowHeight + 0.5),
    visibleRows: () => Math.max(1, Math.floor(viewportPx() / rowHeight)),
    shiftBy(rows) {
      if (rows !== 0) setVirtualOffset(virtualOffset() + rows * rowHeight);
    },
    atTop: () => virtualOffset() < rowHeight / 2,
    atBottom: () => virtualOffset() + viewportPx() >= geometry.current.virtualPx - rowHeight / 2,
  };
}

/**
 * Windowing for lists of fixed-height rows that can be as long as a whole stream (millions of
 * rows).
 *
 * Rows have one fixed height, so the window is arithmetic: the rows under the viewport plus
 * OVERSCAN_ROWS on each side, from the scroll offset (seen in scroll events, never read during a
 * render) and the viewport's size (a ResizeObserver). Nothing is kept per row, so a count that
 * changes every frame (a live tail) costs nothing, and the component re-renders only when the
 * window moves by a row or more. The window is kept small on purpose: every row in it is laid
 * out, shaped and painted, so rows far outside the viewport would only make each scroll frame,
 * jump and page arrival slower (measured in bench/ui-browser.ts). When the list mounts and after
 * a jump (the viewport lands outside the rendered rows: a scrollbar drag, the jump box, Home/End)
 * only the viewport's rows are rendered, and the overscan rows follow once scrolling has settled
 * for SETTLE_MS.
 *
 * Why not @tanstack/react-virtual (PRODUCT.md names it; the first version used it over 16-row
 * blocks): its virtualizer recomputes every item's offset, a loop over all items with a Map lookup
 * each, whenever the count changes, which under a live tail of a million-row stream is every
 * frame; blocks of rows avoided that but made windows of up to 80 rows, and those frames were the
 * 60-130 ms long tasks bench/ui-browser.ts measured. With one row height the window is plain
 * arithmetic, so it is done here. Measured again against 3.14.28 (issue 14, bench `lane-virtual`,
 * use-tanstack-window.ts): within the shared machine's noise of this window, missing the same
 * budgets, and unable to scale past the element height cap below; this window stays.
 *
 * Why scaling: browsers cap an element's height (Chromium at 33,554,428 px, measured), which at
 * 28 px rows is ~1.2 million rows. Past MAX_CANVAS_PX the canvas is capped and scroll offsets are
 * scaled (virtual = dom x scale), so the scrollbar still spans the whole stream; the row layer is
 * then re-placed on each scroll event.
 */
import { useCallback, useLayoutEffect, useReducer, useRef, type RefObject } from 'react';
import { flushSync } from 'react-dom';
import { useTanstackWindow } from './use-tanstack-window';

/** Rows rendered beyond each edge of the viewport: a short scroll never shows an empty edge. */
export const OVERSCAN_ROWS = 6;
/** How long after the last scroll following a jump the overscan rows are added back. */
export const SETTLE_MS = 120;
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

/** The rows [first, last) a viewport of `viewport` px at virtual offset `offset` shows, plus `overscan` rows each side. */
export function rowRange(count: number, rowHeight: number, offset: number, viewport: number, overscan: number): [number, number] {
  if (count <= 0) return [0, 0];
  const first = Math.max(0, Math.min(count - 1, Math.floor(offset / rowHeight) - overscan));
  const last = Math.max(first, Math.min(count, Math.ceil((offset + viewport) / rowHeight) + overscan));
  return [first, last];
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

/**
 * The most recent list size any row window observed: a list mounting now (another shard in the
 * lane, the other order) is almost always as large, so its first render lays out the right rows
 * for the right width without measuring.
 */
let lastSize = { width: 0, height: 0 };

/**
 * The lanes' row window: this file's own, or (`localStorage['mesh.rowWindow'] = 'tanstack'`, read
 * once per page, for bench `lane-virtual`) the one on @tanstack/react-virtual.
 */
export const useRowWindow: (opts: { count: number; rowHeight: number; scrollRef: RefObject<HTMLDivElement | null>; overscanRows?: number }) => RowWindow =
  rowWindowChoice() === 'tanstack' ? useTanstackWindow : useOwnRowWindow;

function rowWindowChoice(): string | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage.getItem('mesh.rowWindow');
  } catch {
    return null;
  }
}

function useOwnRowWindow(opts: { count: number; rowHeight: number; scrollRef: RefObject<HTMLDivElement | null>; overscanRows?: number }): RowWindow {
  const { count, rowHeight, scrollRef } = opts;
  const fullOverscan = opts.overscanRows ?? OVERSCAN_ROWS;
  const [, rerender] = useReducer((x: number) => x + 1, 0);
  // Viewport rows only, at mount and after a jump, until scrolling has settled (see above).
  const lean = useRef<{ on: boolean; timer: ReturnType<typeof setTimeout> | null }>({ on: true, timer: null });
  const overscan = lean.current.on ? 0 : fullOverscan;
  /** Keeps the window lean for SETTLE_MS more (each scroll event re-arms it), then adds the overscan. */
  const settleLater = useCallback(() => {
    const state = lean.current;
    state.on = true;
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.on = false;
      state.timer = null;
      rerender();
    }, SETTLE_MS);
  }, []);
  // The viewport as the ResizeObserver last saw it: reading clientHeight during render would
  // force a synchronous layout on every render. Until the first observation (after the first
  // layout, before the first paint) the last list's size stands in, or the window's height (never
  // less than the list's, so the first frame has no empty strip); nothing is measured at mount (a
  // forced layout there would also hold back the model's first reads, which start in the lane's
  // layout effect after ours).
  const size = useRef({
    width: lastSize.width,
    height: lastSize.height || (typeof window === 'undefined' ? 600 : window.innerHeight || 600),
    observed: false,
  });
  const viewportPx = () => size.current.height;
  const geometry = useRef(canvasGeometry(count, rowHeight, viewportPx()));
  geometry.current = canvasGeometry(count, rowHeight, viewportPx());
  const layerRef = useRef<HTMLDivElement>(null);
  const base = useRef(0);
  // The virtual scroll offset as last seen (scroll events) or set (scrollToRow, shiftBy). Never
  // read from the element during render: after DOM changes that would force a synchronous layout.
  const offsetRef = useRef(0);
  // What the scroll handler compares against to decide whether a render is due.
  const latest = useRef({ count, first: 0, last: 0, rendered: '' });
  latest.current.count = count;

  // The range is computed from the live scroll offset, so a programmatic scroll (keeping the
  // place while rows are inserted above) followed by a synchronous re-render never shows stale rows.
  const [start, end] = rowRange(count, rowHeight, offsetRef.current, viewportPx(), overscan);
  latest.current.rendered = `${start}:${end}`;
  latest.current.first = start;
  latest.current.last = end;
  base.current = start * rowHeight;

  /**
   * Places the row layer. Unscaled, it stays at 0 and each row sits at its own virtual top, which
   * never changes for a given row, so moving the window re-renders only the rows that enter it.
   * Scaled, rows sit relative to the first rendered row and the layer follows the viewport.
   */
  const place = useCallback(() => {
    const layer = layerRef.current;
    if (!layer) return;
    const { scale } = geometry.current;
    const top = scale === 1 ? 0 : offsetRef.current / scale + (base.current - offsetRef.current);
    const next = `translateY(${top}px)`;
    if (layer.style.transform !== next) layer.style.transform = next;
  }, []);

  useLayoutEffect(() => {
    place();
  });

  /**
   * Called with each new virtual offset (scroll events, programmatic scrolls): a viewport that
   * does not overlap the rendered rows is a jump, and the overscan waits for the scroll to settle.
   */
  const noteOffset = useCallback(
    (offset: number) => {
      const l = latest.current;
      const [a, b] = rowRange(l.count, rowHeight, offset, size.current.height, 0);
      const jumped = b <= l.first || a >= l.last;
      if (jumped || lean.current.on) settleLater();
    },
    [rowHeight, settleLater],
  );

  useLayoutEffect(() => {
    const state = lean.current;
    if (state.on) settleLater();
    return () => {
      if (state.timer) clearTimeout(state.timer);
      state.timer = null;
    };
  }, [settleLater]);

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const onScroll = () => {
      offsetRef.current = el.scrollTop * geometry.current.scale;
      if (geometry.current.scale !== 1) place();
      noteOffset(offsetRef.current);
      const l = latest.current;
      const [a, b] = rowRange(l.count, rowHeight, offsetRef.current, viewportPx(), lean.current.on ? 0 : fullOverscan);
      if (`${a}:${b}` !== l.rendered) rerender();
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    const ro = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentRect;
      if (!box) return;
      const w = Math.round(box.width);
      const h = Math.round(box.height);
      const was = size.current;
      size.current = { width: w, height: h > 0 ? h : was.height, observed: true };
      if (w > 0 && h > 0) lastSize = { width: w, height: h };
      // Taller than assumed: render the missing rows before this frame paints an empty strip.
      if (size.current.height > was.height) flushSync(rerender);
      else if (w !== was.width || size.current.height !== was.height) rerender();
    });
    ro.observe(el);
    return () => {
      el.removeEventListener('scroll', onScroll);
      ro.disconnect();
    };
  }, [scrollRef, place, rowHeight, noteOffset, fullOverscan]);

  /** Positioning by the viewport before the first observation: measure it once, now. */
  const measured = () => {
    const el = scrollRef.current;
    if (el && !size.current.observed) size.current = { width: el.clientWidth, height: el.clientHeight || size.current.height, observed: true };
  };
  const virtualOffset = () => offsetRef.current;
  const setVirtualOffset = (v: number) => {
    const el = scrollRef.current;
    if (!el) return;
    measured();
    const { virtualPx, scale } = geometry.current;
    const clamped = Math.max(0, Math.min(v, virtualPx - viewportPx()));
    noteOffset(clamped);
    offsetRef.current = clamped;
    el.scrollTop = clamped / scale;
  };

  return {
    start,
    end,
    canvasPx: geometry.current.canvasPx,
    width: size.current.width,
    rowTop: (i) => (geometry.current.scale === 1 ? i * rowHeight : i * rowHeight - base.current),
    layerRef,
    scrollToRow(i, align = 'auto') {
      measured();
      const h = viewportPx();
      const top = i * rowHeight;
      const cur = virtualOffset();
      if (align === 'start') setVirtualOffset(top);
      else if (align === 'end') setVirtualOffset(top + rowHeight - h);
      else if (align === 'center') setVirtualOffset(top + rowHeight / 2 - h / 2);
      else if (top < cur) setVirtualOffset(top);
      else if (top + rowHeight > cur + h) setVirtualOffset(top + rowHeight - h);
    },
    rangeAt: (domScrollTop) => rowRange(count, rowHeight, domScrollTop * geometry.current.scale, viewportPx(), lean.current.on ? 0 : fullOverscan),
    firstVisibleRow: () => Math.floor(virtualOffset() / rowHeight + 0.5),
    visibleRows: () => {
      measured();
      return Math.max(1, Math.floor(viewportPx() / rowHeight));
    },
    shiftBy(rows) {
      if (rows !== 0) setVirtualOffset(virtualOffset() + rows * rowHeight);
    },
    atTop: () => virtualOffset() < rowHeight / 2,
    atBottom: () => {
      measured();
      return virtualOffset() + viewportPx() >= geometry.current.virtualPx - rowHeight / 2;
    },
  };
}

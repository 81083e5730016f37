/**
 * Long, non-tailing lists of the Analysis and Health views and the batch history, virtualized with
 * @tanstack/react-virtual: only the rows in (and a little around) the scroll box are in the DOM.
 *
 * Two shapes use it: div lists (rows absolutely placed by translateY) and <table>s (one spacer row
 * above and one below the rendered rows, so column layout and table semantics stay). Row heights
 * are measured (`measureElement`), so a row whose text wraps still lands in the right place.
 *
 * Keyboard: the scroll box is focusable; Up/Down move the active row, PageUp/PageDown by a page,
 * Home/End to the ends, Enter activates (when the list has an action). The active row is scrolled
 * into view and announced through aria-activedescendant.
 */
import { useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import { useCallback, useState, type KeyboardEvent, type RefObject } from 'react';

export interface VirtualRowsOptions {
  count: number;
  /** Estimated row height (px) until measured. */
  estimate: number;
  scrollRef: RefObject<HTMLElement | null>;
  getKey?: (index: number) => string | number;
  overscan?: number;
}

export interface VirtualRows {
  virtualizer: Virtualizer<HTMLElement, Element>;
  /** Rows to render, in order. */
  items: ReturnType<Virtualizer<HTMLElement, Element>['getVirtualItems']>;
  /** For table shapes: the heights of the spacer rows above and below the rendered rows. */
  padTop: number;
  padBottom: number;
  total: number;
}

export function useVirtualRows({ count, estimate, scrollRef, getKey, overscan = 8 }: VirtualRowsOptions): VirtualRows {
  const virtualizer = useVirtualizer<HTMLElement, Element>({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => estimate,
    overscan,
    ...(getKey ? { getItemKey: getKey } : {}),
    // A first paint before the box is measured still shows a screenful.
    initialRect: { width: 0, height: 600 },
  });
  const items = virtualizer.getVirtualItems();
  const total = virtualizer.getTotalSize();
  const padTop = items.length > 0 ? items[0]!.start : 0;
  const padBottom = items.length > 0 ? total - items[items.length - 1]!.end : 0;
  return { virtualizer, items, padTop, padBottom, total };
}

/**
 * The active row of a virtualized list and the key handler that moves it. `onActivate` runs on
 * Enter. The returned `active` is -1 until the user first moves with the keyboard or clicks.
 */
export function useListKeys(v: Virtualizer<HTMLElement, Element>, count: number, onActivate?: (index: number) => void) {
  const [active, setActive] = useState(-1);
  const move = useCallback(
    (i: number) => {
      if (count === 0) return;
      const next = Math.max(0, Math.min(count - 1, i));
      setActive(next);
      v.scrollToIndex(next, { align: 'auto' });
    },
    [v, count],
  );
  const onKeyDown = useCallback(
    (e: KeyboardEvent<HTMLElement>) => {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const page = Math.max(1, Math.floor((v.scrollElement?.clientHeight ?? 300) / (v.options.estimateSize(0) || 28)) - 1);
      const from = active < 0 ? -1 : active;
      let handled = true;
      switch (e.key) {
        case 'ArrowDown':
          move(from + 1);
          break;
        case 'ArrowUp':
          move(from < 0 ? 0 : from - 1);
          break;
        case 'PageDown':
          move(from + page);
          break;
        case 'PageUp':
          move(from - page);
          break;
        case 'Home':
          move(0);
          break;
        case 'End':
          move(count - 1);
          break;
        case 'Enter':
          if (onActivate && active >= 0) onActivate(active);
          else handled = false;
          break;
        default:
          handled = false;
      }
      if (handled) e.preventDefault();
    },
    [active, count, move, onActivate, v],
  );
  return { active: active < count ? active : -1, setActive, onKeyDown };
}

/** The spacer row of a virtualized table: `height` px of nothing, across every column. */
export function SpacerRow({ height, columns }: { height: number; columns: number }) {
  if (height <= 0) return null;
  return (
    <tr className="vr-spacer" aria-hidden="true">
      <td colSpan={columns} style={{ height }} />
    </tr>
  );
}

/** The spacer of a virtualized div table (rows in a flex column): `height` px of nothing. */
export function SpacerDiv({ height }: { height: number }) {
  if (height <= 0) return null;
  return <div className="vr-spacer" aria-hidden="true" style={{ height, flex: 'none' }} />;
}

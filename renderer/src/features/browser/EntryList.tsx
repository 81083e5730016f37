import { useCallback, useEffect, useImperativeHandle, useLayoutEffect, useReducer, useRef, type KeyboardEvent, type MouseEvent, type ReactElement, type Ref } from 'react';
import { useRowWindow } from '../../lib/use-row-window';
import { useEvidence } from '../../lib/evidence';
import { monoCharWidth } from './columns';
import { EntryHead, EntryRow, ROW_HEIGHT, type RowProps } from './EntryRow';
import { RowSlots } from './row-slots';

export type RowSource = (index: number) => Omit<RowProps, 'index' | 'top' | 'selected' | 'showShard' | 'chars' | 'dedupFit' | 'evidence'> & { key: string };

export interface EntryListHandle {
  scrollToIndex(index: number, align?: 'auto' | 'center' | 'start' | 'end'): void;
  focus(): void;
}

export interface EntryListProps {
  count: number;
  rowAt: RowSource;
  /** Changes whenever rows may have changed (the model's version). */
  version: number;
  /** Where new entries arrive: 'top' (newest first), 'bottom' (oldest first), or null (no live end). */
  liveEdge: 'top' | 'bottom' | null;
  /**
   * Rows inserted above row 0 since the list mounted (newest first: the stream's growth). When it
   * grows while the view is away from the top, the view moves down by as much, so what the person
   * reads stays put.
   */
  topInserted: number;
  selectedIndex: number | null;
  showShard: boolean;
  label: string;
  /** The rendered rows changed: [first, last) in list indexes. */
  onRange(first: number, last: number): void;
  /** At the live edge or not (scrolling). */
  onFollow(atLiveEdge: boolean): void;
  /** A row was clicked (`open` true: show its detail) or reached with the keyboard (`open` undefined: keep the detail as it is). */
  onSelect(index: number, open?: boolean): void;
  onEscape(): void;
  listRef?: Ref<EntryListHandle>;
}

/**
 * How many payload characters a row can show: the payload column's width (the list's width less
 * the fixed columns, as browser.css lays them out at each lane width) at ~7 px per monospace
 * character, rounded up so small resizes do not re-render every row. Every character in the DOM
 * is shaped on each layout, so rows carry only what can be seen.
 */
function payloadChars(width: number, shard: boolean): number {
  const w = width || 1400;
  const fixed = w > 1060 ? 716 : w > 760 ? 584 : w > 520 ? 384 : w > 400 ? 196 : 106;
  const columns = fixed + (shard ? 66 : 0);
  return Math.min(240, Math.max(40, Math.ceil((w - columns) / 7 / 16) * 16 + 8));
}

/**
 * A virtualized list of entries with fixed-height rows (lib/use-row-window), for a whole stream
 * or a growing list. Keyboard: arrows or j/k move the selection, PageUp/PageDown by a screen,
 * Home/End to the ends, Enter opens the detail, Escape closes it.
 */
export function EntryList(p: EntryListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const rw = useRowWindow({ count: p.count, rowHeight: ROW_HEIGHT, scrollRef });
  const [, forceRender] = useReducer((x: number) => x + 1, 0);
  const slots = useRef(new RowSlots());
  const lastInserted = useRef(p.topInserted);
  const lastCount = useRef(p.count);
  const following = useRef(true);
  const dedupChars = useRef(12);
  // The entry an Analysis figure opened (one subscription per list; rows get it as a prop).
  const target = useEvidence((s) => (s.target?.state === 'found' ? s.target : null));
  const { onFollow, onRange } = p;

  useImperativeHandle(p.listRef, () => ({
    scrollToIndex(index, align = 'auto') {
      rw.scrollToRow(index, align);
      // A jump to the live edge follows from now on, not from the next frame's scroll check: a
      // tail batch folded in before that check would otherwise be taken for rows inserted above a
      // reader (keep-your-place shift), and the view would stay that many rows below the edge
      // while the lane says it is live ("N new" already cleared).
      if ((p.liveEdge === 'top' && index === 0) || (p.liveEdge === 'bottom' && index === p.count - 1)) following.current = true;
      forceRender();
    },
    focus() {
      scrollRef.current?.focus({ preventScroll: true });
    },
  }));

  // Keep the reader's place when rows are inserted above, or follow the live edge.
  useLayoutEffect(() => {
    const inserted = p.topInserted - lastInserted.current;
    const grew = p.count !== lastCount.current;
    lastInserted.current = p.topInserted;
    lastCount.current = p.count;
    // A selected row pins the view: the live tail does not carry it off screen (following pauses; the pill says so).
    const follow = following.current && p.selectedIndex === null;
    if (inserted !== 0 && !(p.liveEdge === 'top' && follow)) {
      rw.shiftBy(inserted);
      forceRender();
    } else if (grew && p.liveEdge === 'bottom' && follow) {
      rw.scrollToRow(p.count - 1, 'end');
      forceRender();
    }
  });

  // A selected row that was on screen stays on screen when the list gets shorter (the detail
  // opening below the lanes, a window resize).
  const rwRef = useRef(rw);
  rwRef.current = rw;
  const selectedRef = useRef(p.selectedIndex);
  selectedRef.current = p.selectedIndex;
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    let lastH = el.clientHeight;
    const ro = new ResizeObserver(() => {
      const h = el.clientHeight;
      const was = lastH;
      lastH = h;
      const i = selectedRef.current;
      if (i === null || h <= 0 || h >= was) return;
      const first = rwRef.current.firstVisibleRow();
      if (i < first || i >= first + Math.max(1, Math.floor(was / ROW_HEIGHT))) return;
      rwRef.current.scrollToRow(i, 'auto');
      forceRender();
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // A selected row pauses following at once (the model then counts what arrives as "N new"); letting it go at the live edge resumes.
  const pinned = p.selectedIndex !== null && p.liveEdge !== null;
  useEffect(() => {
    if (p.liveEdge === null) return;
    if (pinned && following.current) {
      following.current = false;
      onFollow(false);
    } else if (!pinned && !following.current && (p.liveEdge === 'top' ? rw.atTop() : rw.atBottom())) {
      following.current = true;
      onFollow(true);
    }
    // rw's functions read the scroll element; only the pin and the edge matter here.
  }, [pinned, p.liveEdge, onFollow]);

  useLayoutEffect(() => {
    onRange(rw.start, rw.end);
  }, [rw.start, rw.end, p.count, p.version, onRange]);

  // Ask for the rows of a new scroll position from the scroll event itself, a frame before the
  // render that shows them: the read is on its way while React renders the placeholders.
  const rangeAt = useRef(rw.rangeAt);
  rangeAt.current = rw.rangeAt;
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    let last = '';
    const onScroll = () => {
      const [a, b] = rangeAt.current(el.scrollTop);
      const key = `${a}:${b}`;
      if (key !== last) {
        last = key;
        onRange(a, b);
      }
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, [onRange]);

  // Whether the view sits at the live edge, sampled once per frame while scrolling.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || p.liveEdge === null) return;
    let raf = 0;
    const check = () => {
      raf = 0;
      const at = p.liveEdge === 'top' ? rw.atTop() : rw.atBottom();
      if (at !== following.current) {
        following.current = at;
        onFollow(at);
      }
    };
    const onScroll = () => {
      if (!raf) raf = requestAnimationFrame(check);
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    check();
    return () => {
      el.removeEventListener('scroll', onScroll);
      if (raf) cancelAnimationFrame(raf);
    };
    // rw's functions read the scroll element and refs; only the edge and the callback matter here.
  }, [p.liveEdge, onFollow]);

  const onClick = useCallback(
    (e: MouseEvent<HTMLDivElement>) => {
      const row = (e.target as HTMLElement).closest('[data-row-index]');
      if (!row) return;
      p.onSelect(Number(row.getAttribute('data-row-index')), true);
    },
    [p],
  );

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const last = p.count - 1;
    if (last < 0) return;
    const cur = p.selectedIndex ?? rw.firstVisibleRow() - 1;
    let next: number;
    switch (e.key) {
      case 'ArrowDown':
      case 'j':
        next = cur + 1;
        break;
      case 'ArrowUp':
      case 'k':
        next = p.selectedIndex === null ? rw.firstVisibleRow() : cur - 1;
        break;
      case 'PageDown':
        next = cur + rw.visibleRows();
        break;
      case 'PageUp':
        next = cur - rw.visibleRows();
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = last;
        break;
      case 'Enter':
        if (p.selectedIndex !== null) p.onSelect(p.selectedIndex, true);
        e.preventDefault();
        return;
      case 'Escape':
        p.onEscape();
        e.preventDefault();
        return;
      default:
        return;
    }
    e.preventDefault();
    next = Math.max(0, Math.min(last, next));
    p.onSelect(next);
    rw.scrollToRow(next, e.key === 'Home' || e.key === 'End' ? (e.key === 'Home' ? 'start' : 'end') : 'auto');
    forceRender();
  };

  const chars = payloadChars(rw.width, p.showShard);
  const rows: ReactElement[] = [];
  const sources: Array<ReturnType<RowSource>> = [];
  for (let i = rw.start; i < rw.end; i++) sources.push(p.rowAt(i));
  const slotOf = slots.current.assign(sources.map((r) => r.key));
  // The dedup_id column fits the longest dedup_id seen in this list (it only grows, so scrolling never jiggles the columns).
  for (const r of sources) {
    const n = r.entry?.dedupId?.length ?? 0;
    if (n > dedupChars.current) dedupChars.current = Math.min(64, n);
  }
  const ch = monoCharWidth(scrollRef.current);
  let dedupPx = Math.ceil(dedupChars.current * ch + 22);
  // A lane narrower than a whole dedup_id (four lanes on a laptop): its column takes what the lane
  // leaves beside a sliver of payload, and the rows shorten the nonce in its middle, so the shard,
  // seq and i (what tells the rows apart) stay whole; the tooltip has the whole id.
  let dedupFit = 0;
  if (rw.width > 0 && rw.width <= 480) {
    const cap = Math.max(90, rw.width - 56 - (p.showShard ? 52 : 0));
    if (dedupPx > cap) {
      dedupPx = cap;
      dedupFit = Math.max(8, Math.floor((cap - 22) / ch));
    }
  }
  for (let i = rw.start; i < rw.end; i++) {
    const r = sources[i - rw.start] as ReturnType<RowSource>;
    rows.push(
      <EntryRow
        key={slotOf[i - rw.start]}
        index={i}
        top={rw.rowTop(i)}
        entry={r.entry}
        shard={r.shard}
        mark={r.mark}
        position={r.position}
        state={r.state}
        selected={p.selectedIndex === i}
        showShard={p.showShard}
        chars={chars}
        dedupFit={dedupFit}
        evidence={target && r.entry && target.id === r.entry.id && target.shard === r.shard ? target.kind : null}
        marker={r.marker}
      />,
    );
  }

  return (
    <div className="elist" role="table" aria-label={p.label} aria-rowcount={p.count + 1} style={{ ['--w-dedup-auto' as string]: `${dedupPx}px` }}>
      <div className="elist-head" role="rowgroup">
        <EntryHead showShard={p.showShard} />
      </div>
      <div
        className="elist-body"
        ref={scrollRef}
        role="rowgroup"
        tabIndex={0}
        data-event-list
        onKeyDown={onKeyDown}
        onClick={onClick}
      >
        <div className="elist-canvas" style={{ height: rw.canvasPx }}>
          <div className="elist-layer" ref={rw.layerRef}>
            {rows}
          </div>
        </div>
      </div>
    </div>
  );
}

/**
 * The entry table's column widths (issue 13): time, stream id, dedup_id and flags can be dragged
 * wider or narrower from the header (double-click resets one); the widths persist in
 * localStorage. The dedup_id column is never narrower than the longest dedup_id on screen (its
 * auto width, measured by EntryList from the rows it renders), so a dedup_id is never cut: the
 * payload, the last column, gives way first. browser.css turns the widths into the grid template
 * for each lane width (narrow lanes drop the date, then the stream id, then the time).
 */
import { useCallback, type CSSProperties, type PointerEvent } from 'react';
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';

export type Column = 'time' | 'id' | 'dedup' | 'flags';
type Widths = Partial<Record<Column, number>>;

const KEY = 'mesh-inspector.columns.v1';
const MIN: Record<Column, number> = { time: 72, id: 90, dedup: 90, flags: 44 };
const MAX = 640;

function load(): Widths {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    if (!raw) return {};
    const parsed = JSON.parse(raw) as unknown;
    const out: Widths = {};
    if (parsed && typeof parsed === 'object') {
      for (const c of Object.keys(MIN) as Column[]) {
        const v = (parsed as Record<string, unknown>)[c];
        if (typeof v === 'number' && Number.isFinite(v)) out[c] = clampWidth(c, v);
      }
    }
    return out;
  } catch {
    return {};
  }
}

function clampWidth(c: Column, w: number): number {
  return Math.round(Math.min(MAX, Math.max(MIN[c], w)));
}

const columns = createStore<{ widths: Widths }>()(() => ({ widths: load() }));

function save(): void {
  try {
    globalThis.localStorage?.setItem(KEY, JSON.stringify(columns.getState().widths));
  } catch {
    // Storage full or disabled: the widths last for this session.
  }
}

export function setColumnWidth(c: Column, w: number | null, persist = true): void {
  const widths = { ...columns.getState().widths };
  if (w === null) delete widths[c];
  else widths[c] = clampWidth(c, w);
  columns.setState({ widths });
  if (persist) save();
}

/** The user's widths as the CSS variables browser.css reads (`--w-<column>-user`). */
export function useColumnStyle(): CSSProperties {
  const widths = useStore(columns, (s) => s.widths);
  const style: Record<string, string> = {};
  for (const [c, w] of Object.entries(widths)) style[`--w-${c}-user`] = `${w}px`;
  return style as CSSProperties;
}

/** Pixels per character of the rows' monospace text, measured once. */
let monoCh = 0;
export function monoCharWidth(probe: HTMLElement | null): number {
  if (monoCh > 0 || !probe) return monoCh || 7.2;
  const cell = probe.querySelector('.erow:not(.erow-head) .c-dedup, .erow:not(.erow-head) .c-id');
  if (!cell) return 7.2;
  const cs = getComputedStyle(cell);
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return 7.2;
  ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
  const w = ctx.measureText('0123456789abcdef:').width / 17;
  if (w > 3 && w < 20) monoCh = w;
  return monoCh || 7.2;
}

/** A drag handle on a header cell's right edge. */
export function ColumnGrip({ column }: { column: Column }) {
  const onPointerDown = useCallback(
    (e: PointerEvent<HTMLSpanElement>) => {
      e.preventDefault();
      e.stopPropagation();
      const grip = e.currentTarget;
      const cell = grip.parentElement;
      if (!cell) return;
      const start = e.clientX;
      const width = cell.getBoundingClientRect().width;
      grip.setPointerCapture(e.pointerId);
      grip.classList.add('is-dragging');
      const move = (ev: globalThis.PointerEvent) => setColumnWidth(column, width + ev.clientX - start, false);
      const up = () => {
        grip.classList.remove('is-dragging');
        grip.removeEventListener('pointermove', move);
        grip.removeEventListener('pointerup', up);
        grip.removeEventListener('pointercancel', up);
        save();
      };
      grip.addEventListener('pointermove', move);
      grip.addEventListener('pointerup', up);
      grip.addEventListener('pointercancel', up);
    },
    [column],
  );
  return (
    <span
      className="col-grip"
      role="separator"
      aria-orientation="vertical"
      aria-label={`Resize the ${column} column (double-click resets it)`}
      title="Drag to resize; double-click resets"
      data-col-grip={column}
      onPointerDown={onPointerDown}
      onDoubleClick={(e) => {
        e.stopPropagation();
        setColumnWidth(column, null);
      }}
    />
  );
}

/**
 * Pure helpers for the incident panels (issue 17): searching raw INFO and diffing it against the
 * previous read, and the words for a panel that could not be read. No React, no store.
 */
import type { IncidentPanel } from '../../../shared/contract';

export interface InfoRow {
  key: string;
  value: string;
  /** The previous read's value; undefined when the field is new. */
  previous?: string;
  change: 'same' | 'changed' | 'added' | 'removed';
  /** For numeric fields that changed: after - before. */
  delta?: number;
}

/**
 * Every field of the current INFO (sorted by name) with its previous value, plus the fields that
 * disappeared. `query` keeps rows whose name or value contains it (case-insensitive); `changedOnly`
 * keeps the rows that differ from the previous read.
 */
export function infoRows(current: Record<string, string>, previous: Record<string, string> | null, query = '', changedOnly = false): InfoRow[] {
  const q = query.trim().toLowerCase();
  const rows: InfoRow[] = [];
  const keys = new Set([...Object.keys(current), ...(previous ? Object.keys(previous) : [])]);
  for (const key of [...keys].sort()) {
    const value = current[key];
    const before = previous?.[key];
    let row: InfoRow;
    if (value === undefined) row = { key, value: '', previous: before, change: 'removed' };
    else if (previous === null) row = { key, value, change: 'same' };
    else if (before === undefined) row = { key, value, change: 'added' };
    else if (before === value) row = { key, value, previous: before, change: 'same' };
    else {
      row = { key, value, previous: before, change: 'changed' };
      const a = Number(before);
      const b = Number(value);
      if (before.trim() !== '' && value.trim() !== '' && Number.isFinite(a) && Number.isFinite(b)) row.delta = b - a;
    }
    if (changedOnly && row.change === 'same') continue;
    if (q !== '' && !key.toLowerCase().includes(q) && !row.value.toLowerCase().includes(q) && !(row.previous ?? '').toLowerCase().includes(q)) continue;
    rows.push(row);
  }
  return rows;
}

/** `+1,024`, `-3`, `+0.25`. */
export function formatDelta(d: number): string {
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  const abs = Math.abs(d);
  const text = Number.isInteger(abs) ? abs.toLocaleString('en-US') : abs.toLocaleString('en-US', { maximumFractionDigits: 3 });
  return `${sign}${text}`;
}

/** One line for a panel Redis did not fill: refused by the ACL, or failed. Null for a filled one. */
export function panelProblem<T>(panel: IncidentPanel<T>): { tone: 'muted' | 'danger'; text: string; detail: string } | null {
  if (panel.status === 'ok') return null;
  if (panel.status === 'not-permitted') return { tone: 'muted', text: `${panel.command} is not permitted for this user`, detail: panel.reason };
  return { tone: 'danger', text: `${panel.command} failed`, detail: panel.error.message };
}

/** `850 µs`, `12.4 ms`, `1.52 s`. */
export function formatMicros(us: number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

/** `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h` for idle and age columns. */
export function formatSeconds(s: number): string {
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

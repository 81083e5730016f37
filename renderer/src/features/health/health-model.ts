/**
 * Pure helpers of the health view: number formats, percentiles, chart scales, counter rates and
 * outage bands. No React, no DOM.
 */
import type { ConnectionState, HealthSample, HealthTransition, InfoSample } from '../../../../shared/contract';

/** The window every health chart shows. */
export const WINDOW_MS = 15 * 60 * 1000;

/** The shortest window: a fresh session's first minutes fill the chart instead of hugging its edge. */
export const MIN_WINDOW_MS = 2 * 60 * 1000;

/** The window the charts show: from the first sample (at least 2 minutes), at most 15 minutes. */
export function windowFor(firstAt: number | undefined, now: number): number {
  if (firstAt === undefined) return MIN_WINDOW_MS;
  return Math.min(WINDOW_MS, Math.max(MIN_WINDOW_MS, now - firstAt));
}

export const PROBE_CHOICES = [1000, 2000, 5000, 10_000, 30_000, 60_000] as const;

const num1 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const num2 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `1.2 GB`, `340 KB`, `512 B` (1024-based, as Redis' own *_human fields). */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? int.format(v) : v >= 100 ? int.format(v) : num1.format(v)} ${units[u]}`;
}

/** `0.42 ms`, `12 ms`, `1.25 s`. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${num2.format(ms / 1000)} s`;
  if (ms >= 10) return `${int.format(ms)} ms`;
  return `${num2.format(ms)} ms`;
}

/** `42 s`, `3 m 12 s`, `2 h 04 m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} m`;
}

/** `1,234`, `12.5`, `0.4`: a rate or count with at most one decimal. */
export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return Math.abs(n) >= 100 ? int.format(n) : num1.format(n);
}

/** `1 s`, `30 s`, `1 min`. */
export function formatInterval(ms: number): string {
  return ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/** Nearest-rank percentile of numbers (unsorted); null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

export interface LatencyStats {
  now: number | null;
  p50: number | null;
  p99: number | null;
  max: number | null;
  probes: number;
  failed: number;
}

/** Statistics of the probes inside the window ending at `now`. */
export function latencyStats(samples: readonly HealthSample[], now: number, windowMs = WINDOW_MS): LatencyStats {
  const inWindow = samples.filter((s) => s.at >= now - windowMs);
  const ok = inWindow.filter((s) => s.ok && s.latencyMs !== null).map((s) => s.latencyMs as number);
  const last = inWindow[inWindow.length - 1];
  return {
    now: last && last.ok ? last.latencyMs : null,
    p50: percentile(ok, 0.5),
    p99: percentile(ok, 0.99),
    max: ok.length ? Math.max(...ok) : null,
    probes: inWindow.length,
    failed: inWindow.length - ok.length,
  };
}

/** A "nice" upper bound (1, 2, 2.5 or 5 times a power of ten) at or above `v`, and its ticks. */
export function niceScale(v: number, ticks = 4): { max: number; step: number } {
  const target = Math.max(v, 1e-6) / ticks;
  const pow = 10 ** Math.floor(Math.log10(target));
  const clean = (x: number) => Number(x.toPrecision(12)); // 0.6, not 0.6000000000000001
  const step = clean([1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= target) as number);
  return { max: clean(step * Math.ceil(Math.max(v, 1e-6) / step - 1e-9)), step };
}

/** Spacing of time-axis labels for a window of `windowMs` at most `maxLabels` labels. */
export function timeStep(windowMs: number, maxLabels: number): number {
  const steps = [10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];
  return steps.find((s) => windowMs / s <= maxLabels) ?? 3_600_000;
}

export interface Band {
  from: number;
  to: number;
  state: ConnectionState;
}

/**
 * The periods away from `ready` inside [start, end]: from the state changes, plus the current
 * state since `since` (which may predate the first known change).
 */
export function outageBands(transitions: readonly HealthTransition[], current: { state: ConnectionState; since: number } | null, start: number, end: number): Band[] {
  const out = (state: ConnectionState) => state === 'reconnecting' || state === 'down';
  const raw: Band[] = [];
  let open: Band | null = null;
  // Each change ends the band before it and may start the next: reconnecting then down reads as
  // two adjacent bands.
  for (const t of transitions) {
    if (open) {
      raw.push({ ...open, to: t.at });
      open = null;
    }
    if (out(t.to)) open = { from: t.at, to: end, state: t.to };
  }
  if (current) {
    const still = open as Band | null;
    if (out(current.state)) {
      if (!still || still.state !== current.state) {
        if (still) raw.push({ ...still, to: current.since });
        open = { from: current.since, to: end, state: current.state };
      }
    } else if (still) {
      // Ready again but the change itself is not in the list (trimmed): end at `since`.
      raw.push({ ...still, to: Math.max(still.from, current.since) });
      open = null;
    }
  }
  if (open) raw.push(open);
  return raw.filter((b) => b.to > start && b.from < end).map((b) => ({ ...b, from: Math.max(b.from, start), to: Math.min(b.to, end) }));
}

export interface RatePoint {
  at: number;
  value: number;
}

/** Per-second rate of a monotonic INFO counter between consecutive samples (a restart resets it: skipped). */
export function counterRate(info: readonly InfoSample[], pick: (s: InfoSample) => number | null): RatePoint[] {
  const out: RatePoint[] = [];
  for (let i = 1; i < info.length; i++) {
    const a = info[i - 1] as InfoSample;
    const b = info[i] as InfoSample;
    const va = pick(a);
    const vb = pick(b);
    if (va === null || vb === null || vb < va || b.at <= a.at) continue;
    out.push({ at: b.at, value: (vb - va) / ((b.at - a.at) / 1000) });
  }
  return out;
}

/** Increase of a counter over the window (null when unknown; a restart in between is not counted as negative). */
export function counterIncrease(info: readonly InfoSample[], pick: (s: InfoSample) => number | null): number | null {
  let total: number | null = null;
  for (let i = 1; i < info.length; i++) {
    const va = pick(info[i - 1] as InfoSample);
    const vb = pick(info[i] as InfoSample);
    if (va === null || vb === null) continue;
    total = (total ?? 0) + (vb >= va ? vb - va : vb);
  }
  return total;
}

/** `replica` for Redis' `slave`. */
export function roleLabel(role: string | null | undefined): string {
  if (!role) return '—';
  return role === 'slave' ? 'replica' : role;
}

/** The file name a snapshot is saved under: `mesh-health-<host>-<port>-<yyyymmdd-hhmmss>.json`. */
export function exportFileName(url: string | null, at: Date): string {
  let host = 'redis';
  const m = url ? /^[a-z]+:\/\/(?:[^@/]*@)?([^/?#]+)/i.exec(url) : null;
  if (m?.[1]) host = m[1].replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '') || 'redis';
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${at.getFullYear()}${p(at.getMonth() + 1)}${p(at.getDate())}-${p(at.getHours())}${p(at.getMinutes())}${p(at.getSeconds())}`;
  return `mesh-health-${host}-${stamp}.json`;
}

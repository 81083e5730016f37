/**
 * The benchmark harness: a bench case measures something against a baseline run in the same
 * process at the same time (PRODUCT.md "Budgets": ratios, never absolute timings), and reports
 * metrics plus budget checks. New cases (UI benches) are added to the list in run.ts.
 */
import type { TestRedis } from '../test/helpers/redis-server';

export interface BenchContext {
  /** A redis-server started for this run on a free loopback port. */
  redis: TestRedis;
  /** Progress lines for the person watching (stderr). */
  log(line: string): void;
}

export interface BenchMetric {
  name: string;
  value: number;
  unit: string;
}

/** One budget: `value` compared with `limit` by `op`. */
export interface BenchCheck {
  name: string;
  value: number;
  op: '>=' | '<=' | '<';
  limit: number;
  pass: boolean;
}

export interface BenchResult {
  metrics: BenchMetric[];
  checks: BenchCheck[];
  notes?: string[];
}

export interface BenchCase {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

export function check(name: string, value: number, op: BenchCheck['op'], limit: number): BenchCheck {
  const pass = op === '>=' ? value >= limit : op === '<=' ? value <= limit : value < limit;
  return { name, value, op, limit, pass };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs a full GC when node was started with --expose-gc (npm run bench does), so rounds start alike. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** The p-th percentile (nearest rank) of `values`; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

/** One decimal, for the printed figures. */
export const round = (x: number) => Math.round(x * 10) / 10;

/**
 * A seeded scroll of `selector` for `ms`, as page script (a string: the renderer's CSP forbids
 * eval, and this runs through CDP, which it does not restrict). Every frame: a scroll of
 * `minPx`..`minPx + spanPx` px down or up, or (4 % of frames) a jump to a random place, as a
 * scrollbar drag does. Deterministic, so an app and its bare-DOM baseline scroll exactly alike.
 * Resolves with the frame count.
 */
export const scrollScript = (selector: string, ms: number, o: { seed: number; minPx: number; spanPx: number }) => `new Promise((resolve) => {
  const el = document.querySelector(${JSON.stringify(selector)});
  let seed = ${o.seed};
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const start = performance.now();
  let frames = 0;
  function step() {
    frames++;
    const r = rnd();
    if (r < 0.04) el.scrollTop = rnd() * (el.scrollHeight - el.clientHeight);
    else el.scrollTop += (r < 0.5 ? 1 : -0.6) * (${o.minPx} + rnd() * ${o.spanPx});
    if (performance.now() - start < ${ms}) requestAnimationFrame(step);
    else resolve(frames);
  }
  requestAnimationFrame(step);
})`;

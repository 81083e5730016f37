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

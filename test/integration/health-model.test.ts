/**
 * The health view's pure parts (renderer/src/features/health/health-model.ts): outage bands from
 * state changes, counter rates across a Redis restart, the adaptive chart window, scales and
 * formats, the export file name. No Redis needed; kept beside the health integration tests.
 */
import { describe, expect, it } from 'vitest';
import type { HealthTransition, InfoSample } from '../../shared/contract';
import {
  MIN_WINDOW_MS,
  WINDOW_MS,
  counterIncrease,
  counterRate,
  exportFileName,
  formatBytes,
  formatDuration,
  formatLatency,
  latencyStats,
  niceScale,
  outageBands,
  percentile,
  roleLabel,
  timeStep,
  windowFor,
} from '../../renderer/src/features/health/health-model';

const t = (at: number, from: HealthTransition['from'], to: HealthTransition['to']): HealthTransition => ({ at, from, to, reason: 'test' });

function info(at: number, evictedKeys: number | null): InfoSample {
  return { at, usedMemory: 1, maxmemory: 0, connectedClients: 1, blockedClients: 0, opsPerSec: 0, evictedKeys, rejectedConnections: 0, loading: false, role: 'master', masterLinkStatus: null };
}

describe('outage bands', () => {
  it('turns reconnecting then down into two adjacent bands, closed by ready', () => {
    const bands = outageBands([t(100, 'connecting', 'ready'), t(200, 'ready', 'reconnecting'), t(250, 'reconnecting', 'down'), t(400, 'down', 'ready')], { state: 'ready', since: 400 }, 0, 1000);
    expect(bands).toEqual([
      { from: 200, to: 250, state: 'reconnecting' },
      { from: 250, to: 400, state: 'down' },
    ]);
  });

  it('keeps the current outage open to the end of the window, even when its change was trimmed away', () => {
    expect(outageBands([], { state: 'down', since: 300 }, 0, 1000)).toEqual([{ from: 300, to: 1000, state: 'down' }]);
    expect(outageBands([t(200, 'ready', 'down')], { state: 'down', since: 200 }, 0, 1000)).toEqual([{ from: 200, to: 1000, state: 'down' }]);
  });

  it('clips to the window and ends a band whose ready change is missing at `since`', () => {
    expect(outageBands([t(-500, 'ready', 'down')], { state: 'ready', since: 50 }, 0, 1000)).toEqual([{ from: 0, to: 50, state: 'down' }]);
    expect(outageBands([t(-500, 'ready', 'down'), t(-400, 'down', 'ready')], { state: 'ready', since: -400 }, 0, 1000)).toEqual([]);
  });
});

describe('INFO counters', () => {
  it('gives per-second rates and the increase, skipping a restart (counter reset) instead of going negative', () => {
    const trend = [info(0, 10), info(5000, 20), info(10_000, 3), info(15_000, 8)];
    expect(counterRate(trend, (s) => s.evictedKeys)).toEqual([
      { at: 5000, value: 2 },
      { at: 15_000, value: 1 },
    ]);
    expect(counterIncrease(trend, (s) => s.evictedKeys)).toBe(10 + 3 + 5);
    expect(counterIncrease([info(0, null), info(1, null)], (s) => s.evictedKeys)).toBeNull();
  });
});

describe('chart window and scales', () => {
  it('fills the chart in a fresh session: at least 2 minutes, at most 15', () => {
    expect(windowFor(undefined, 1000)).toBe(MIN_WINDOW_MS);
    expect(windowFor(1_000_000 - 10_000, 1_000_000)).toBe(MIN_WINDOW_MS);
    expect(windowFor(1_000_000 - 5 * 60_000, 1_000_000)).toBe(5 * 60_000);
    expect(windowFor(0, 10 * WINDOW_MS)).toBe(WINDOW_MS);
  });

  it('picks nice value and time steps', () => {
    expect(niceScale(0.5)).toEqual({ max: 0.6, step: 0.2 });
    expect(niceScale(0.6)).toEqual({ max: 0.6, step: 0.2 });
    expect(niceScale(7.9)).toEqual({ max: 8, step: 2 });
    expect(niceScale(8.7)).toEqual({ max: 10, step: 2.5 });
    expect(niceScale(72)).toEqual({ max: 80, step: 20 });
    expect(timeStep(WINDOW_MS, 12)).toBe(120_000);
    expect(timeStep(MIN_WINDOW_MS, 10)).toBe(15_000);
    expect(timeStep(MIN_WINDOW_MS, 12)).toBe(10_000);
  });

  it('summarizes the probes in the window', () => {
    const samples = [
      { at: 0, latencyMs: 50, ok: true },
      { at: 900_000, latencyMs: 1, ok: true },
      { at: 901_000, latencyMs: null, ok: false },
      { at: 902_000, latencyMs: 3, ok: true },
    ];
    expect(latencyStats(samples, 902_000)).toEqual({ now: 3, p50: 1, p99: 3, max: 3, probes: 3, failed: 1 });
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('formats', () => {
  it('reads like Redis and like a clock', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1.25 * 1024 * 1024)).toBe('1.3 MB');
    expect(formatBytes(null)).toBe('—');
    expect(formatLatency(0.4231)).toBe('0.42 ms');
    expect(formatLatency(72.4)).toBe('72 ms');
    expect(formatLatency(1250)).toBe('1.25 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(192_000)).toBe('3 m 12 s');
    expect(formatDuration(7_440_000)).toBe('2 h 04 m');
    expect(roleLabel('slave')).toBe('replica');
  });

  it('names the snapshot file after the server and the moment, never with credentials', () => {
    const at = new Date(2026, 10, 26, 21, 5, 9);
    expect(exportFileName('redis://127.0.0.1:6379', at)).toBe('mesh-health-127.0.0.1-6379-20261126-210509.json');
    expect(exportFileName('rediss://[REDACTED]@cache.example.com:6380/2', at)).toBe('mesh-health-cache.example.com-6380-20261126-210509.json');
    expect(exportFileName(null, at)).toBe('mesh-health-redis-20261126-210509.json');
  });
});

/**
 * Health facts both sides agree on: how much history is kept, how a latency summary and the
 * outage list are computed, how a growth rate is derived from two lengths, and the shape of the
 * post-mortem export. The core's HealthMonitor builds its export with {@link shapeHealthExport};
 * the renderer builds the same document from what it holds when the core is out of reach.
 */
import type { ConnectionState, HealthErrorEntry, HealthExport, HealthSample, HealthTransition, IncidentSnapshot, InfoSample, ShardGrowthSample } from './contract';

/** 15 minutes of probes at one per second. */
export const MAX_SAMPLES = 900;
/** 15 minutes of INFO and XLEN samples at one per 5 s. */
export const MAX_TREND = 180;
/** State changes kept. */
export const MAX_TRANSITIONS = 200;
/** Entries of the error log kept (a repeat is counted on its entry, not listed again). */
export const MAX_ERRORS = 500;

/** Nearest-rank percentiles of the answered probes' latencies. */
export function latencySummary(latencies: readonly number[]): HealthExport['summary']['latencyMs'] {
  if (latencies.length === 0) return { p50: null, p95: null, p99: null, max: null };
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] as number };
}

/** Periods away from `ready`, each with the worst state reached and the reason it began. */
export function outagesOf(transitions: readonly HealthTransition[]): HealthExport['summary']['outages'] {
  const out: HealthExport['summary']['outages'] = [];
  let open: HealthExport['summary']['outages'][number] | null = null;
  for (const t of transitions) {
    if (t.to === 'ready') {
      if (open) {
        open.to = t.at;
        open = null;
      }
    } else if (t.from === 'ready' && !open) {
      open = { from: t.at, to: null, state: t.to, reason: t.reason };
      out.push(open);
    } else if (open && t.to === 'down') {
      open.state = 'down';
    }
  }
  return out;
}

/**
 * Entries per second between two lengths of one stream, rounded to 0.01; negative when the stream
 * shrank (trimmed or entries deleted); null without an earlier length or elapsed time. The one
 * rate rule for the sidebar's append rate and the health view's shard growth.
 */
export function ratePerSec(before: number | undefined, after: number, elapsedMs: number): number | null {
  if (before === undefined || !(elapsedMs > 0)) return null;
  return Math.round(((after - before) / (elapsedMs / 1000)) * 100) / 100;
}

/** What a health export is made of; each side gathers it from what it holds. */
export interface HealthExportParts {
  appVersion: string;
  connection: HealthExport['connection'];
  probeIntervalMs: number;
  state: ConnectionState;
  since: number;
  lastOkAt: number | null;
  errorsTotal: number;
  samples: readonly HealthSample[];
  transitions: readonly HealthTransition[];
  errors: readonly HealthErrorEntry[];
  info: Record<string, string> | null;
  infoAt: number | null;
  trend: readonly InfoSample[];
  shards: readonly ShardGrowthSample[];
  /** The incident panels as last read (issue 17); absent when none was read. */
  incident?: IncidentSnapshot | null;
}

/**
 * The post-mortem document (`health:export`, format `mesh-inspector/health-snapshot` version 1;
 * `incident` is additive, present once the incident panels were read).
 */
export function shapeHealthExport(p: HealthExportParts, exportedAt = new Date()): HealthExport {
  const latencies: number[] = [];
  let failed = 0;
  for (const s of p.samples) {
    if (!s.ok) failed++;
    else if (s.latencyMs !== null) latencies.push(s.latencyMs);
  }
  return {
    format: 'mesh-inspector/health-snapshot',
    formatVersion: 1,
    exportedAt: exportedAt.toISOString(),
    appVersion: p.appVersion,
    connection: p.connection,
    probe: { intervalMs: p.probeIntervalMs },
    summary: {
      state: p.state,
      since: p.since,
      lastOkAt: p.lastOkAt,
      probes: p.samples.length,
      failedProbes: failed,
      latencyMs: latencySummary(latencies),
      errorsTotal: p.errorsTotal,
      outages: outagesOf(p.transitions),
    },
    timeline: p.samples.slice(),
    transitions: p.transitions.slice(),
    errors: p.errors.map((e) => ({ ...e })),
    server: { info: p.info, infoAt: p.infoAt, trend: p.trend.slice() },
    shards: p.shards.slice(),
    ...(p.incident && p.incident.at !== null ? { incident: p.incident } : {}),
  };
}

/**
 * Pure helpers of the health view's Nodes panel (PRODUCT.md feature 14): slot ranges, link-state
 * tones, role and flag labels, the topology summary line and the failover sentences. No React, no
 * DOM; every text returned is rendered as a React text node.
 */
import type { TopologyFailover, TopologyMode, TopologyNode, TopologyStatus } from '../../../../shared/contract';

/** Every hash slot of a Redis Cluster. */
export const CLUSTER_SLOTS = 16384;

export type Tone = 'ok' | 'warn' | 'danger' | 'neutral';

/** Inclusive ranges sorted, with touching or overlapping ranges joined (`5461` + `5462-10922` is `5461-10922`). */
export function mergeSlotRanges(slots: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const sorted = slots.map(([a, b]): [number, number] => [Math.min(a, b), Math.max(a, b)]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** How many slots the ranges cover (overlaps counted once). */
export function slotCount(slots: ReadonlyArray<readonly [number, number]>): number {
  return mergeSlotRanges(slots).reduce((n, [a, b]) => n + (b - a + 1), 0);
}

/**
 * `0-5460`, `0-99, 200-299`, `0-9, 20-29, 40-49 +2 more`; `—` for none. Single slots read as one
 * number. At most `max` ranges are spelled out.
 */
export function formatSlotRanges(slots: ReadonlyArray<readonly [number, number]>, max = 3): string {
  const merged = mergeSlotRanges(slots);
  if (merged.length === 0) return '—';
  const text = merged.slice(0, max).map(([a, b]) => (a === b ? String(a) : `${a}-${b}`));
  const rest = merged.length - Math.min(max, merged.length);
  return rest > 0 ? `${text.join(', ')} +${rest} more` : text.join(', ');
}

/** Every range, for a tooltip. */
export function allSlotRanges(slots: ReadonlyArray<readonly [number, number]>): string {
  return mergeSlotRanges(slots)
    .map(([a, b]) => (a === b ? String(a) : `${a}-${b}`))
    .join(', ');
}

/** connected: ok; pfail (suspected) and handshake: warn; fail and disconnected: danger. */
export function linkTone(state: TopologyNode['linkState']): Tone {
  switch (state) {
    case 'connected':
      return 'ok';
    case 'pfail':
    case 'handshake':
      return 'warn';
    case 'fail':
    case 'disconnected':
      return 'danger';
    default:
      return 'neutral';
  }
}

const linkHints: Record<TopologyNode['linkState'], string> = {
  connected: 'Link up',
  pfail: 'Suspected failing (PFAIL): a node stopped answering, the others have not agreed yet',
  fail: 'Failed (FAIL): the majority of masters agreed the node is unreachable',
  disconnected: 'Link down',
  handshake: 'Handshake: joining, or a replica still syncing',
  unknown: 'Link state not known',
};

export function linkHint(state: TopologyNode['linkState']): string {
  return linkHints[state];
}

/** The flags worth a column: the role flags (`master`, `slave`) are the role column already. */
export function shownFlags(flags: readonly string[]): string[] {
  return flags.filter((f) => f !== 'master' && f !== 'slave');
}

export function modeLabel(mode: TopologyMode): string {
  return mode === 'cluster' ? 'Redis Cluster' : mode === 'sentinel' ? 'Sentinel' : 'Standalone';
}

/** `ok`: ok; `fail`: danger; anything else Redis may say: warn. */
export function clusterStateTone(state: string | null): Tone {
  if (state === null) return 'neutral';
  return state === 'ok' ? 'ok' : state === 'fail' ? 'danger' : 'warn';
}

export interface TopologySummary {
  masters: number;
  replicas: number;
  /** Nodes whose link is not `connected` (fail, pfail, disconnected, handshake). */
  unhealthy: number;
  /** Slots served by a live master (Cluster only). */
  slotsServed: number;
}

export function summarize(nodes: readonly TopologyNode[]): TopologySummary {
  let masters = 0;
  let replicas = 0;
  let unhealthy = 0;
  const served: Array<[number, number]> = [];
  for (const n of nodes) {
    const failed = n.linkState === 'fail';
    if (n.role === 'master' && !failed) {
      masters++;
      served.push(...n.slots);
    } else if (n.role === 'replica') replicas++;
    if (n.linkState !== 'connected' && n.linkState !== 'unknown') unhealthy++;
  }
  return { masters, replicas, unhealthy, slotsServed: slotCount(served) };
}

/** `3 masters · 3 replicas · 1 failing`: the header's hint. */
export function summaryText(s: TopologySummary): string {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const parts = [plural(s.masters, 'master', 'masters'), plural(s.replicas, 'replica', 'replicas')];
  if (s.unhealthy > 0) parts.push(`${s.unhealthy} not connected`);
  return parts.join(' · ');
}

export interface FailoverParts {
  failed: string;
  replacedBy: string;
  /** How the old master left, as the core worded it: `failed`, `stepped down`, `is gone`, `lost its slots`; null when not said. */
  how: string | null;
  /** True when the node that took over was the old master's replica. */
  byReplica: boolean;
  sentinel: boolean;
}

/**
 * The parts of a failover for display. The addresses are the contract's fields; how the old master
 * left and whether its own replica took over are read from the core's `detail` text
 * (`X (failed) was replaced by its replica Y`, `master X was replaced by Y (Sentinel failover)`).
 */
export function failoverParts(f: TopologyFailover): FailoverParts {
  const how = /\((failed|stepped down|is gone|lost its slots)\) was replaced by/.exec(f.detail)?.[1] ?? null;
  return {
    failed: f.failed || f.failedId || '?',
    replacedBy: f.replacedBy || f.replacedById || '?',
    how,
    byReplica: /was replaced by its replica /.test(f.detail),
    sentinel: /\(Sentinel failover\)$/.test(f.detail),
  };
}

/** `failed, replaced by its replica`: the words between the two addresses. */
export function failoverVerb(p: FailoverParts): string {
  const left = p.sentinel || p.how === null ? 'was replaced by' : `${p.how}, replaced by`;
  return p.byReplica ? `${left} its replica` : left;
}

/** `127.0.0.1:7001 failed, replaced by its replica 127.0.0.1:7004 at 12:03:04`. */
export function failoverSentence(f: TopologyFailover, clock: (at: number) => string): string {
  const p = failoverParts(f);
  return `${p.sentinel ? 'master ' : ''}${p.failed} ${failoverVerb(p)} ${p.replacedBy} at ${clock(f.at)}`;
}

/** The failovers newest first. */
export function newestFirst(failovers: readonly TopologyFailover[]): TopologyFailover[] {
  return failovers.slice().sort((a, b) => b.at - a.at);
}

/** Whether the panel shows the node table (Cluster, Sentinel) or a one-line summary (standalone). */
export function showsTable(status: Pick<TopologyStatus, 'mode'> | null, fallback: TopologyMode | undefined): boolean {
  const mode = status?.mode ?? fallback;
  return mode === 'cluster' || mode === 'sentinel';
}

/**
 * The table's order: masters as the core sorted them (by first slot, failed ones last), then the
 * replicas in the order of their masters (a master's replicas together), then anything else. So the
 * n-th replica row belongs to the n-th master row in a one-replica-per-master cluster.
 */
export function orderNodes(nodes: readonly TopologyNode[]): TopologyNode[] {
  const masters = nodes.filter((n) => n.role === 'master');
  const rank = new Map(masters.map((m, i) => [m.address, i]));
  const replicas = nodes
    .filter((n) => n.role === 'replica')
    .map((n, i) => ({ n, i, m: n.replicaOf !== null ? (rank.get(n.replicaOf) ?? masters.length) : masters.length }))
    .sort((a, b) => a.m - b.m || a.i - b.i)
    .map((x) => x.n);
  return [...masters, ...replicas, ...nodes.filter((n) => n.role !== 'master' && n.role !== 'replica')];
}

/** The ids of nodes that took over from a failed master in this session (for a marker in the table). */
export function heirs(failovers: readonly TopologyFailover[]): Map<string, TopologyFailover> {
  const out = new Map<string, TopologyFailover>();
  for (const f of failovers) out.set(f.replacedById ?? f.replacedBy, f);
  return out;
}

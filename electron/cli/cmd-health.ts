/**
 * `mesh-inspector health` (cli.md): one PING within the timeout on an established connection,
 * plus what INFO says, plus the nodes behind the connection (PRODUCT.md feature 14). Unhealthy is
 * an answer, not a crash: the document is printed either way.
 */
import type { TopologyMode, TopologyNode, TopologyStatus } from '../../shared/contract';
import { toErrorInfo } from '../../shared/errors';
import type { MeshErrorInfo } from '../../shared/types';
import type { CliCommand } from './commands';
import { clip, table } from './output';

/** One node as `health --json` reports it (additive to cli.md's document). */
interface HealthNodeJson {
  /** Cluster node id; null outside a Cluster. */
  id: string | null;
  address: string;
  role: TopologyNode['role'];
  /** Inclusive hash-slot ranges a Cluster master serves; [] otherwise. */
  slots: Array<[number, number]>;
  latencyMs: number | null;
  /** `used_memory` in bytes; null when the node was not probed, did not answer or refused INFO. */
  usedMemory: number | null;
  linkState: TopologyNode['linkState'];
  replicaOf: string | null;
  flags: string[];
  /** Why the node could not be probed; null when it answered. */
  error: MeshErrorInfo | null;
}

/**
 * The topology part of the document, present only when the connection is a Cluster or Sentinel
 * and PING answered: a Cluster lists every node of CLUSTER NODES (masters first by slot, then
 * replicas); Sentinel lists the master Sentinel named and the replicas its INFO lists. Probed with
 * the core's TopologyMonitor (one PING and one INFO memory per node, each bounded by the timeout;
 * nodes flagged failed are not probed).
 *
 * A standalone server gets no `topology` field at all (choice documented here): the document stays
 * exactly cli.md's five fields, `server.mode` already says `standalone`, and the one node's latency
 * is `latencyMs`. Unhealthy documents have no `topology` either (nothing could be probed).
 */
interface TopologyJson {
  mode: TopologyMode;
  /** `cluster_state` (`ok`/`fail`); null outside a Cluster. */
  clusterState: string | null;
  /** The Sentinel master name; null otherwise. */
  masterName: string | null;
  nodes: HealthNodeJson[];
  /** Why the node list is incomplete (CLUSTER NODES refused by an ACL, a timeout); null otherwise. */
  error: MeshErrorInfo | null;
}

interface HealthJson {
  healthy: boolean;
  latencyMs: number | null;
  url: string;
  /** From INFO; null when Redis could not be reached or refused INFO (an ACL may). */
  server: { version: string | null; role: string | null; mode: string | null } | null;
  error: MeshErrorInfo | null;
  /** Cluster and Sentinel only (see {@link TopologyJson}). */
  topology?: TopologyJson;
}

/** An error as cli.md prints it: kind, message and code only. */
function plainError(e: MeshErrorInfo | null | undefined): MeshErrorInfo | null {
  return e ? { kind: e.kind, message: e.message, ...(e.code ? { code: e.code } : {}) } : null;
}

function topologyJson(s: TopologyStatus): TopologyJson {
  return {
    mode: s.mode,
    clusterState: s.clusterState,
    masterName: s.masterName,
    nodes: s.nodes.map((n) => ({
      id: n.id,
      address: n.address,
      role: n.role,
      slots: n.slots,
      latencyMs: n.latencyMs,
      usedMemory: n.usedMemory,
      linkState: n.linkState,
      replicaOf: n.replicaOf,
      flags: n.flags,
      error: plainError(n.error),
    })),
    error: plainError(s.error),
  };
}

export const healthCommand: CliCommand = {
  name: 'health',
  summary: 'probe Redis: PING within the timeout, plus version, role and mode from INFO (exit 75 when unhealthy)',
  usage: '',
  options: [],
  async run(ctx) {
    // Loaded when the command runs: `--help` and the other commands never load the Redis client.
    const { MeshAdapter, loadTlsFiles, topologyHealth, profileFrom, checkTopology } = await import('./impl');
    checkTopology(ctx.global);
    const adapter = new MeshAdapter(await loadTlsFiles(profileFrom(ctx.global, true)));
    const json: HealthJson = { healthy: false, latencyMs: null, url: adapter.redactedUrl, server: null, error: null };
    try {
      await adapter.init();
      const probe = await adapter.health();
      json.healthy = probe.healthy;
      json.latencyMs = probe.latencyMs;
      json.error = probe.error;
      if (probe.healthy) {
        try {
          // INFO as init read it a moment ago, on this connection: no second round trip for it.
          const info = adapter.serverInfo ?? (await adapter.info());
          json.server = { version: info.redis_version ?? null, role: info.role ?? null, mode: info.redis_mode ?? null };
        } catch {
          // PING answered, so the server is healthy; INFO is extra (an ACL may refuse it).
        }
        if (adapter.topology !== 'standalone') {
          // Never throws: a refused or timed-out probe is the snapshot's (or the node's) error.
          const topo = await topologyHealth(adapter, { masterName: ctx.global.masterName ?? null, secrets: adapter.secretTexts, timeoutMs: ctx.global.timeoutMs });
          json.topology = topologyJson(topo);
        }
      }
    } catch (e) {
      json.error = toErrorInfo(e, adapter.secretTexts);
    } finally {
      // The process exits right after: close without a QUIT round trip.
      await adapter.shutdown({ quit: false });
    }
    json.error = plainError(json.error);
    // cli.md: unhealthy exits 75; a fatal reason (wrong password, TLS rejected) exits 1 like any
    // fatal error, because retrying will not help.
    const exitCode = json.healthy ? 0 : json.error?.kind === 'fatal' ? 1 : 75;
    return { json, human: humanHealth(json), exitCode };
  },
};

function humanHealth(h: HealthJson): string {
  if (!h.healthy) return `unhealthy: ${h.url}: ${h.error?.message ?? 'no answer'} (${h.error?.kind ?? 'transient'})\n`;
  const s = h.server;
  const about = s ? `, Redis ${s.version ?? '?'} (${s.role ?? '?'}, ${s.mode ?? '?'})` : '';
  return `healthy: ${h.url}: PING ${h.latencyMs} ms${about}\n${h.topology ? humanTopology(h.topology) : ''}`;
}

/** A heading line and an aligned table of the nodes: a Cluster's with slots, a Sentinel's with the master name. */
function humanTopology(t: TopologyJson): string {
  const masters = t.nodes.filter((n) => n.role === 'master' && n.linkState !== 'fail').length;
  const replicas = t.nodes.filter((n) => n.role === 'replica').length;
  const head = [
    t.mode === 'cluster' ? 'Redis Cluster' : t.mode === 'sentinel' ? 'Sentinel' : 'Standalone',
    t.clusterState !== null ? `cluster_state ${clip(t.clusterState, 20)}` : null,
    t.masterName !== null ? `master name ${clip(t.masterName, 60)}` : null,
    `${masters} master${masters === 1 ? '' : 's'}`,
    `${replicas} replica${replicas === 1 ? '' : 's'}`,
  ].filter((x): x is string => x !== null);
  let out = `${head.join(', ')}\n`;
  if (t.error) out += `  incomplete: ${clip(t.error.message, 200)} (${t.error.kind})\n`;
  if (t.nodes.length === 0) return out;
  const cluster = t.mode === 'cluster';
  const headers = ['ADDRESS', 'ROLE', ...(cluster ? ['SLOTS', 'COUNT'] : []), 'LATENCY', 'MEMORY', 'LINK', 'REPLICA OF', 'FLAGS'];
  const rows = t.nodes.map((n) => {
    const count = n.slots.reduce((sum, [a, b]) => sum + (b - a + 1), 0);
    return [
      clip(n.address || '(no address)', 60),
      n.role,
      ...(cluster ? [count > 0 ? slotText(n.slots) : null, count > 0 ? count : null] : []),
      n.latencyMs !== null ? `${n.latencyMs} ms` : n.error ? 'no answer' : null,
      n.usedMemory !== null ? bytesText(n.usedMemory) : null,
      n.linkState,
      n.replicaOf !== null ? clip(n.replicaOf, 60) : null,
      n.flags.length > 0 ? clip(n.flags.join(','), 60) : null,
    ];
  });
  const right = cluster ? [3, 4, 5] : [2, 3];
  return out + table(headers, rows, right);
}

/** `0-5460`, `0-99,200-299`, at most three ranges then `+n`. */
function slotText(slots: Array<[number, number]>): string {
  const parts = slots.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`));
  return parts.length > 3 ? `${parts.slice(0, 3).join(',')},+${parts.length - 3}` : parts.join(',');
}

/** `1.6M`-style sizes as Redis' `*_human` fields write them (1024-based). */
function bytesText(n: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v}B` : `${v.toFixed(2)}${units[u]}`;
}

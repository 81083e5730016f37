/**
 * What stands behind a connection (PRODUCT.md feature 14): the nodes of a Redis Cluster with their
 * roles, slots, latency, memory and link state, the Sentinel-managed master and its replicas, or
 * the one server; failovers told by comparing successive snapshots ("who replaced whom"); and the
 * ACL probe that tells whether this user may publish at all. Plain Node: never imports Electron.
 */
import { performance } from 'node:perf_hooks';
import type { Cluster, Redis } from 'ioredis';
import type { TopologyFailover, TopologyMode, TopologyNode, TopologyStatus } from '../../shared/contract';
import { MeshError, toErrorInfo } from '../../shared/errors';
import { streamKey } from '../../shared/stream-key';
import type { MeshErrorInfo } from '../../shared/types';
import { parseInfo, type MeshAdapter } from './adapter';
import { classifyError } from './classify';
import { isClusterClient } from './connection';

/** Failovers kept per session. */
const MAX_FAILOVERS = 50;

/** One line of `CLUSTER NODES`. */
export interface ClusterNodeLine {
  id: string;
  /** `host:port` ('' for a node without an address, flag `noaddr`). */
  address: string;
  flags: string[];
  role: 'master' | 'replica' | 'unknown';
  /** The master's id for a replica; null for a master. */
  masterId: string | null;
  linkState: 'connected' | 'disconnected';
  /** Slot ranges served; importing/migrating markers (`[...]`) are left out. */
  slots: Array<[number, number]>;
}

/**
 * Parses `CLUSTER NODES` (one node per line: id, ip:port@cport[,hostname], flags, master id or -,
 * ping-sent, pong-recv, config-epoch, link-state, slots...). Lines that do not have the eight
 * fixed fields are skipped.
 */
export function parseClusterNodes(text: string): ClusterNodeLine[] {
  const out: ClusterNodeLine[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(' ');
    if (f.length < 8) continue;
    const [id, addr, flagText, master, , , , link] = f as [string, string, string, string, string, string, string, string];
    const hostPort = addr.split('@')[0] ?? '';
    const flags = flagText.split(',').filter((x) => x !== '' && x !== 'noflags');
    const slots: Array<[number, number]> = [];
    for (const s of f.slice(8)) {
      if (s.startsWith('[')) continue;
      const m = /^(\d+)(?:-(\d+))?$/.exec(s);
      if (m) slots.push([Number(m[1]), Number(m[2] ?? m[1])]);
    }
    out.push({
      id,
      address: hostPort.startsWith(':') || flags.includes('noaddr') ? '' : hostPort,
      flags,
      role: flags.includes('master') ? 'master' : flags.includes('slave') ? 'replica' : 'unknown',
      masterId: master === '-' ? null : master,
      linkState: link === 'connected' ? 'connected' : 'disconnected',
      slots,
    });
  }
  return out;
}

/** Per-node facts the failover detector compares. */
interface NodeFacts {
  id: string | null;
  address: string;
  role: 'master' | 'replica' | 'unknown';
  masterId: string | null;
  failed: boolean;
  slots: Array<[number, number]>;
}

type Snapshot = { mode: TopologyMode; nodes: NodeFacts[] };

/**
 * Failovers between two snapshots.
 *
 * Cluster: a master of `prev` that served slots and, in `next`, is no longer a master (demoted,
 * or gone) or no longer serves its slots, while another node now serves them (preferably its
 * former replica): "X was replaced by Y". Sentinel: the master's address changed.
 * Pure; `at` stamps the results.
 */
export function detectFailovers(prev: Snapshot, next: Snapshot, at: number): TopologyFailover[] {
  const out: TopologyFailover[] = [];
  if (prev.mode !== next.mode) return out;
  if (next.mode === 'cluster') {
    const nextById = new Map(next.nodes.map((n) => [n.id, n]));
    for (const old of prev.nodes) {
      if (old.role !== 'master' || old.slots.length === 0 || old.id === null) continue;
      const now = nextById.get(old.id);
      const stillServes = now !== undefined && now.role === 'master' && !now.failed && now.slots.length > 0;
      if (stillServes) continue;
      const firstSlot = old.slots[0]![0];
      // Who serves the old master's first slot now.
      const heir = next.nodes.find((n) => n.role === 'master' && n.id !== old.id && n.slots.some(([a, b]) => firstSlot >= a && firstSlot <= b));
      if (!heir) continue;
      const wasReplica = prev.nodes.find((n) => n.id === heir.id)?.masterId === old.id;
      const how = now === undefined ? 'is gone' : now.failed ? 'failed' : now.role === 'replica' ? 'stepped down' : 'lost its slots';
      out.push({
        at,
        failed: old.address,
        failedId: old.id,
        replacedBy: heir.address,
        replacedById: heir.id,
        detail: `${old.address} (${how}) was replaced by ${wasReplica ? 'its replica ' : ''}${heir.address}`,
      });
    }
    return out;
  }
  if (next.mode === 'sentinel') {
    const a = prev.nodes.find((n) => n.role === 'master');
    const b = next.nodes.find((n) => n.role === 'master');
    if (a && b && a.address !== '' && b.address !== '' && a.address !== b.address) {
      const wasReplica = prev.nodes.some((n) => n.address === b.address && n.role === 'replica');
      out.push({
        at,
        failed: a.address,
        failedId: null,
        replacedBy: b.address,
        replacedById: null,
        detail: `master ${a.address} was replaced by ${wasReplica ? 'its replica ' : ''}${b.address} (Sentinel failover)`,
      });
    }
  }
  return out;
}

export interface TopologyMonitorOptions {
  /** The Sentinel master name, shown in the status. */
  masterName?: string | null;
  /** Texts to scrub from error messages (the password). */
  secrets?: readonly string[];
  /** Per-probe bound (default: 1000 ms). */
  timeoutMs?: number;
}

/**
 * Snapshots of the topology behind an adapter, and the failovers between them.
 *
 * Guarantees: `refresh()` never throws (a failure is the status' `error`); concurrent calls share
 * one snapshot; each node is probed with one PING (timed) and one `INFO memory`, each bounded by
 * the command timeout, nodes flagged failed are not probed; no connection is opened to a node the
 * client does not already know; failovers are remembered for the session (newest 50).
 */
export class TopologyMonitor {
  private prev: Snapshot | null = null;
  private failovers: TopologyFailover[] = [];
  private last: TopologyStatus | null = null;
  private running: Promise<TopologyStatus> | null = null;

  constructor(
    private readonly adapter: MeshAdapter,
    private readonly opts: TopologyMonitorOptions = {},
  ) {}

  /** The newest snapshot, without asking Redis; null before the first refresh. */
  latest(): TopologyStatus | null {
    return this.last;
  }

  refresh(): Promise<TopologyStatus> {
    this.running ??= this.snapshot().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /**
   * A text that changes when something a person should see changed: roles, addresses, links,
   * slots, the cluster state, failovers (not latency or memory, which move all the time).
   */
  static signature(s: TopologyStatus): string {
    return JSON.stringify([
      s.mode,
      s.clusterState,
      s.nodes.map((n) => [n.id, n.address, n.role, n.linkState, n.replicaOf, n.slots, n.flags]),
      s.failovers.length,
      s.error?.message ?? null,
    ]);
  }

  private async snapshot(): Promise<TopologyStatus> {
    const mode = this.adapter.topology;
    const at = Date.now();
    let nodes: TopologyNode[] = [];
    let facts: NodeFacts[] = [];
    let clusterState: string | null = null;
    let error: MeshErrorInfo | null = null;
    try {
      const client = this.adapter.client;
      if (isClusterClient(client)) {
        const r = await this.clusterNodes(client);
        nodes = r.nodes;
        facts = r.facts;
        clusterState = r.clusterState;
      } else {
        const r = await this.serverNodes(client, mode);
        nodes = r.nodes;
        facts = r.facts;
      }
    } catch (e) {
      error = this.info(e, 'CLUSTER NODES');
    }
    if (error === null || facts.length > 0) {
      const snap: Snapshot = { mode, nodes: facts };
      if (this.prev) {
        const known = new Set(this.failovers.map((f) => `${f.failedId ?? f.failed}>${f.replacedById ?? f.replacedBy}`));
        for (const f of detectFailovers(this.prev, snap, at)) {
          const key = `${f.failedId ?? f.failed}>${f.replacedById ?? f.replacedBy}`;
          if (known.has(key) && f.failedId !== null) continue;
          this.failovers.push(f);
        }
        if (this.failovers.length > MAX_FAILOVERS) this.failovers.splice(0, this.failovers.length - MAX_FAILOVERS);
      }
      this.prev = snap;
    }
    const status: TopologyStatus = {
      mode,
      at,
      clusterState,
      masterName: mode === 'sentinel' ? (this.opts.masterName ?? null) : null,
      nodes,
      failovers: this.failovers.slice(),
      error,
    };
    this.last = status;
    return status;
  }

  private async clusterNodes(cluster: Cluster): Promise<{ nodes: TopologyNode[]; facts: NodeFacts[]; clusterState: string | null }> {
    const text = String(await this.bounded(cluster.call('CLUSTER', 'NODES'), 'CLUSTER NODES'));
    let clusterState: string | null = null;
    try {
      const info = String(await this.bounded(cluster.call('CLUSTER', 'INFO'), 'CLUSTER INFO'));
      clusterState = /^cluster_state:(\w+)/m.exec(info)?.[1] ?? null;
    } catch {
      // The state is extra; the nodes are what matters.
    }
    const lines = parseClusterNodes(text);
    const byId = new Map(lines.map((l) => [l.id, l]));
    // The client's own connections, by address: probes reuse them and never open new ones.
    const pool = new Map<string, Redis>();
    for (const r of cluster.nodes('all')) pool.set(`${r.options.host}:${r.options.port}`, r);
    const nodes = await Promise.all(
      lines.map(async (l): Promise<TopologyNode> => {
        const failed = l.flags.includes('fail');
        const node: TopologyNode = {
          id: l.id,
          address: l.address,
          role: l.role,
          slots: l.slots,
          latencyMs: null,
          usedMemory: null,
          linkState: failed ? 'fail' : l.flags.includes('fail?') ? 'pfail' : l.flags.includes('handshake') ? 'handshake' : l.linkState,
          replicaOf: l.masterId ? (byId.get(l.masterId)?.address ?? l.masterId) : null,
          flags: l.flags,
        };
        const conn = pool.get(l.address);
        if (failed || !conn) return node;
        await this.probe(conn, node);
        return node;
      }),
    );
    const facts = lines.map((l) => ({ id: l.id, address: l.address, role: l.role, masterId: l.masterId, failed: l.flags.includes('fail'), slots: l.slots }));
    return { nodes: sortNodes(nodes), facts, clusterState };
  }

  /** Standalone or Sentinel: the server connected to, and the replicas its INFO lists. */
  private async serverNodes(client: Redis, mode: TopologyMode): Promise<{ nodes: TopologyNode[]; facts: NodeFacts[] }> {
    const address = connectedAddress(client, mode);
    const self: TopologyNode = { id: null, address, role: 'unknown', slots: [], latencyMs: null, usedMemory: null, linkState: 'unknown', replicaOf: null, flags: [] };
    const replicas: TopologyNode[] = [];
    await this.probe(client, self);
    if (self.latencyMs !== null) self.linkState = 'connected';
    try {
      const info = parseInfo(String(await this.bounded(client.info('replication'), 'INFO')));
      self.role = info.role === 'master' ? 'master' : info.role === 'slave' ? 'replica' : 'unknown';
      if (self.role === 'replica') {
        self.replicaOf = info.master_host !== undefined ? `${info.master_host}:${info.master_port ?? '?'}` : null;
        self.linkState = info.master_link_status === 'up' ? 'connected' : 'disconnected';
      }
      for (const [k, v] of Object.entries(info)) {
        if (!/^slave\d+$/.test(k)) continue;
        const f = Object.fromEntries(v.split(',').map((p) => p.split('=') as [string, string]));
        const state = f.state ?? '';
        replicas.push({
          id: null,
          address: `${f.ip ?? '?'}:${f.port ?? '?'}`,
          role: 'replica',
          slots: [],
          latencyMs: null,
          usedMemory: null,
          linkState: state === 'online' ? 'connected' : state === 'wait_bgsave' || state === 'send_bulk' ? 'handshake' : 'disconnected',
          replicaOf: address,
          flags: [],
        });
      }
    } catch (e) {
      self.error ??= this.info(e, 'INFO');
    }
    const nodes = [self, ...replicas];
    const facts = nodes.map((n) => ({ id: null, address: n.address, role: n.role, masterId: null, failed: false, slots: [] }));
    return { nodes, facts };
  }

  /** PING (timed) and INFO memory on one node; failures are recorded on the node. */
  private async probe(conn: Redis, node: TopologyNode): Promise<void> {
    try {
      const started = performance.now();
      await this.bounded(conn.ping(), 'PING');
      node.latencyMs = Math.round((performance.now() - started) * 100) / 100;
    } catch (e) {
      node.error = this.info(e, 'PING');
      return;
    }
    try {
      const mem = parseInfo(String(await this.bounded(conn.info('memory'), 'INFO')));
      const used = Number(mem.used_memory);
      node.usedMemory = Number.isFinite(used) ? used : null;
    } catch (e) {
      // An ACL may refuse INFO: the node still answered PING.
      node.error = this.info(e, 'INFO');
    }
  }

  private bounded<T>(p: Promise<T>, command: string): Promise<T> {
    const ms = (this.opts.timeoutMs ?? 1000) + 50;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MeshError('transient', `no reply to ${command} within ${ms - 50} ms`, { command })), ms);
    });
    p.catch(() => {});
    return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
  }

  private info(e: unknown, command: string): MeshErrorInfo {
    return toErrorInfo(classifyError(e, { command, secrets: [...(this.opts.secrets ?? [])] }));
  }
}

/**
 * One snapshot of the nodes behind an adapter (no failover history: that needs a long-lived
 * {@link TopologyMonitor}). Never throws.
 */
export function topologyHealth(adapter: MeshAdapter, opts: TopologyMonitorOptions = {}): Promise<TopologyStatus> {
  return new TopologyMonitor(adapter, opts).refresh();
}

/** Masters first (by first slot, then address), then replicas by address. */
function sortNodes(nodes: TopologyNode[]): TopologyNode[] {
  const rank = (n: TopologyNode) => (n.role === 'master' ? 0 : n.role === 'replica' ? 1 : 2);
  return nodes.sort((a, b) => rank(a) - rank(b) || (a.slots[0]?.[0] ?? 1e6) - (b.slots[0]?.[0] ?? 1e6) || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/**
 * The `host:port` a client talks to: the socket's peer behind Sentinel (the master Sentinel named
 * last), the configured address otherwise.
 */
export function connectedAddress(client: Redis, mode: TopologyMode): string {
  const stream = (client as unknown as { stream?: { remoteAddress?: string; remotePort?: number } }).stream;
  if (mode === 'sentinel' || client.options.sentinels) {
    if (stream?.remoteAddress && stream.remotePort) return `${stream.remoteAddress.replace(/^::ffff:/, '')}:${stream.remotePort}`;
    return '';
  }
  const host = client.options.host ?? '?';
  return `${host.includes(':') ? `[${host}]` : host}:${client.options.port ?? '?'}`;
}

/** Whether the session may publish, and if not, why (for ConnectionStatus). */
export interface PublishAccess {
  canPublish: boolean;
  reason?: string;
}

/**
 * Asks Redis whether this ACL user may publish to the prefix's shard keys, without writing: one
 * `MULTI; XADD <prefix>:shard:0 NOMKSTREAM 0-0 d x; EXEC`. Redis checks ACLs when a command is
 * queued (and before a Cluster redirect), so a user without MULTI or XADD, or without access to
 * the key, is answered NOPERM; a permitted XADD fails at run time because an id must be greater
 * than 0-0 and NOMKSTREAM never creates the key, so nothing is written whatever the path (even a
 * refused MULTI that makes the XADD run alone, or a reconnect in between). Works on every
 * topology and needs no admin permission (ACL DRYRUN would).
 *
 * Returns `canPublish: false` with the NOPERM text as the reason; any other failure (timeout,
 * READONLY replica, an old server's syntax error) says nothing about permissions: `canPublish:
 * true`, and a NOPERM at publish is still fatal.
 */
export async function probePublishAccess(adapter: MeshAdapter, username?: string): Promise<PublishAccess> {
  const key = streamKey(adapter.prefix, 0);
  const errors: string[] = [];
  const note = (e: unknown) => {
    if (e instanceof Error) errors.push(e.message);
    const previous = (e as { previousErrors?: unknown }).previousErrors;
    if (Array.isArray(previous)) for (const p of previous) if (p instanceof Error) errors.push(p.message);
  };
  try {
    const replies = await adapter.client.multi().call('XADD', key, 'NOMKSTREAM', '0-0', 'd', 'x').exec();
    for (const [err] of replies ?? []) if (err) note(err);
  } catch (e) {
    note(e);
  }
  const noperm = errors.find((m) => m.startsWith('NOPERM'));
  if (noperm === undefined) return { canPublish: true };
  const who = username ? `the ACL user "${username}"` : 'this ACL user';
  return { canPublish: false, reason: `${who} may not publish to ${key}: ${redactNothing(noperm)}` };
}

/** Redis' NOPERM text names the command or says "one of the keys"; it never carries arguments. */
function redactNothing(text: string): string {
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/**
 * The incident panels (issue 17): who is loading Redis and what it says about itself, per node (a
 * Cluster: every master). Slow log (`SLOWLOG GET 50`, commands shown without values), clients
 * (`CLIENT LIST`, summarised here: counts by name and host, the longest idle, the biggest output
 * buffers), latency events (`LATENCY LATEST` and `LATENCY HISTORY` where the monitor is on) and
 * raw `INFO` with the previous read for a diff.
 *
 * Load: read on demand and at most once per {@link INCIDENT_EVERY_MS} whoever asks (concurrent
 * asks share one read), only while the connection is ready; nothing on a timer and nothing on a
 * data path. One read is, per node, SLOWLOG GET, CLIENT LIST, LATENCY LATEST, CONFIG GET
 * latency-monitor-threshold, INFO, at most {@link MAX_LATENCY_EVENTS} LATENCY HISTORY and one
 * COMMAND INFO for command names not seen before in the session; every command is bounded by
 * the command timeout and counted in the app's own load.
 *
 * A command the ACL user may not run (NOPERM) makes its panel say so in one line; the others and
 * the rest of the app are unaffected.
 */
import type { Redis } from 'ioredis';
import type { ClientLine, ClientsSummary, IncidentPanel, IncidentSnapshot, LatencyEvent, LatencyReport, NodeIncident, SlowlogEntry } from '../../shared/contract';
import { MeshError, toErrorInfo } from '../../shared/errors';
import type { MeshAdapter } from './adapter';
import { parseInfo } from './adapter';
import { classifyError } from './classify';
import { parseCommandInfo, redactCommand, type CommandMeta } from './command-redact';
import { isClusterClient } from './connection';
import { connectedAddress } from './topology';

/** The panels are read again at most this often. */
export const INCIDENT_EVERY_MS = 10_000;
/** Slow-log entries read per node (Redis keeps 128 by default). */
export const SLOWLOG_ENTRIES = 50;
/** Latency events whose history is read per node. */
export const MAX_LATENCY_EVENTS = 8;
const TOP = 10;
const GROUPS = 20;
/** Command names remembered for redaction (COMMAND INFO answers), per session. */
const MAX_COMMAND_META = 500;

export interface IncidentMonitorOptions {
  /** The per-command bound (the profile's command timeout). */
  timeoutMs: number;
  secrets: readonly string[];
  /** Whether the connection is ready: no read is attempted otherwise. */
  isReady: () => boolean;
  /** Counts a command sent on a node connection that the app's counted client does not see (Cluster nodes). */
  countCommand: () => void;
  /** Client names starting with this are the app's own (connection.ts names them `<name>:<purpose>`). */
  ownNamePrefix?: string;
}

interface NodeConn {
  conn: Redis;
  address: string;
  role: string;
  /** Commands on it are counted by the session's own wrapper already. */
  counted: boolean;
}

export class IncidentMonitor {
  private last: IncidentSnapshot = { at: null, nodes: [], error: null };
  private inflight: Promise<IncidentSnapshot> | null = null;
  private previousInfo = new Map<string, { info: Record<string, string>; at: number }>();
  private meta = new Map<string, CommandMeta | null>();

  constructor(
    private readonly adapter: MeshAdapter,
    private readonly opts: IncidentMonitorOptions,
  ) {}

  /** The last read, from memory (the export uses it while Redis is down). */
  snapshot(): IncidentSnapshot {
    return this.last;
  }

  /** A fresh read when the last is older than {@link INCIDENT_EVERY_MS} and Redis is ready; else the last. Never throws. */
  read(): Promise<IncidentSnapshot> {
    if (this.inflight) return this.inflight;
    const fresh = this.last.at !== null && Date.now() - this.last.at < INCIDENT_EVERY_MS;
    if (fresh || !this.opts.isReady()) return Promise.resolve(this.last);
    this.inflight = this.refresh().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async refresh(): Promise<IncidentSnapshot> {
    let nodes: NodeConn[];
    try {
      nodes = this.nodes();
    } catch (e) {
      this.last = { at: Date.now(), nodes: [], error: this.errorInfo(e, 'CLUSTER') };
      return this.last;
    }
    const read = await Promise.all(nodes.map((n) => this.readNode(n)));
    this.last = { at: Date.now(), nodes: read, error: null };
    return this.last;
  }

  private nodes(): NodeConn[] {
    const client = this.adapter.client;
    if (isClusterClient(client)) {
      const masters = client.nodes('master');
      if (masters.length === 0) throw new MeshError('transient', 'Redis Cluster: no master node is known yet', { command: 'CLUSTER' });
      return masters.map((conn) => ({ conn, address: `${conn.options.host ?? '?'}:${conn.options.port ?? '?'}`, role: 'master', counted: false }));
    }
    return [{ conn: client, address: connectedAddress(client, this.adapter.topology), role: '', counted: true }];
  }

  private async readNode(n: NodeConn): Promise<NodeIncident> {
    const [slowlog, clients, latency, info] = await Promise.all([this.slowlog(n), this.clients(n), this.latency(n), this.info(n)]);
    const role = info.status === 'ok' ? (info.data.current.role ?? n.role) : n.role;
    return { node: n.address, role: role || 'unknown', slowlog, clients, latency, info };
  }

  /** Runs one command on a node within the bound; the panel's refusal or failure as data. */
  private async run<T>(n: NodeConn, command: string, args: string[]): Promise<{ ok: true; value: T } | { ok: false; panel: IncidentPanel<never> }> {
    if (!n.counted) this.opts.countCommand();
    try {
      return { ok: true, value: (await this.bounded(n.conn.call(command, ...args), command)) as T };
    } catch (e) {
      const error = this.errorInfo(e, command);
      const shown = args[0] && /^[A-Za-z]+$/.test(args[0]) ? `${command} ${args[0].toUpperCase()}` : command;
      if (error.code === 'NOPERM') return { ok: false, panel: { status: 'not-permitted', command: shown, reason: error.message } };
      return { ok: false, panel: { status: 'failed', command: shown, error } };
    }
  }

  private async slowlog(n: NodeConn): Promise<IncidentPanel<SlowlogEntry[]>> {
    const r = await this.run<unknown[]>(n, 'SLOWLOG', ['GET', String(SLOWLOG_ENTRIES)]);
    if (!r.ok) return r.panel;
    const raw = parseSlowlog(r.value);
    await this.learnCommands(n, [...new Set(raw.map((e) => e.argv[0]?.toLowerCase() ?? ''))].filter((c) => c !== ''));
    return {
      status: 'ok',
      data: raw.map((e) => {
        const redacted = redactCommand(e.argv, this.meta.get(e.argv[0]?.toLowerCase() ?? '') ?? undefined);
        return {
          id: e.id,
          at: e.at,
          durationUs: e.durationUs,
          command: redacted.text,
          name: redacted.name,
          clientAddress: e.clientAddress,
          clientName: e.clientName,
          ownApp: this.isOwn(e.clientName),
        };
      }),
    };
  }

  /** COMMAND INFO for names not asked before (one call); a refusal leaves them without metadata (values and keys alike hidden). */
  private async learnCommands(n: NodeConn, names: string[]): Promise<void> {
    const unknown = names.filter((c) => !this.meta.has(c) && /^[a-z][a-z0-9_.-]{0,63}$/.test(c));
    if (unknown.length === 0) return;
    const r = await this.run<unknown[]>(n, 'COMMAND', ['INFO', ...unknown]);
    const replies = r.ok && Array.isArray(r.value) ? r.value : [];
    unknown.forEach((c, i) => this.meta.set(c, parseCommandInfo(replies[i])));
    while (this.meta.size > MAX_COMMAND_META) this.meta.delete(this.meta.keys().next().value as string);
  }

  private async clients(n: NodeConn): Promise<IncidentPanel<ClientsSummary>> {
    const r = await this.run<string>(n, 'CLIENT', ['LIST']);
    if (!r.ok) return r.panel;
    return { status: 'ok', data: summariseClients(String(r.value), (name) => this.isOwn(name)) };
  }

  private async latency(n: NodeConn): Promise<IncidentPanel<LatencyReport>> {
    const r = await this.run<unknown[]>(n, 'LATENCY', ['LATEST']);
    if (!r.ok) return r.panel;
    const threshold = await this.run<unknown[]>(n, 'CONFIG', ['GET', 'latency-monitor-threshold']);
    const thresholdMs = threshold.ok && Array.isArray(threshold.value) && threshold.value.length >= 2 ? Number(threshold.value[1]) : null;
    const events = parseLatencyLatest(r.value).slice(0, MAX_LATENCY_EVENTS);
    for (const ev of events) {
      const h = await this.run<unknown[]>(n, 'LATENCY', ['HISTORY', ev.event]);
      if (h.ok) ev.history = parseLatencyHistory(h.value);
    }
    return { status: 'ok', data: { thresholdMs: Number.isFinite(thresholdMs) ? thresholdMs : null, events } };
  }

  private async info(n: NodeConn): Promise<NodeIncident['info']> {
    const r = await this.run<string>(n, 'INFO', []);
    if (!r.ok) return r.panel;
    const current = parseInfo(String(r.value));
    const at = Date.now();
    const prev = this.previousInfo.get(n.address) ?? null;
    this.previousInfo.set(n.address, { info: current, at });
    return { status: 'ok', data: { current, previous: prev?.info ?? null, previousAt: prev?.at ?? null } };
  }

  private isOwn(name: string): boolean {
    const prefix = this.opts.ownNamePrefix ?? 'mesh-inspector';
    return name === prefix || name.startsWith(`${prefix}:`);
  }

  private bounded<T>(p: Promise<T>, command: string): Promise<T> {
    const ms = this.opts.timeoutMs + 50;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MeshError('transient', `no reply to ${command} within ${this.opts.timeoutMs} ms`, { command })), ms);
    });
    p.catch(() => {});
    return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
  }

  private errorInfo(e: unknown, command: string) {
    return toErrorInfo(classifyError(e, { command, secrets: [...this.opts.secrets] }));
  }
}

// ---------- pure parsing ----------

/** `SLOWLOG GET` entries: id, unix seconds, microseconds, argv, client address and name (Redis 4+). */
export function parseSlowlog(reply: unknown): Array<{ id: number; at: number; durationUs: number; argv: string[]; clientAddress: string; clientName: string }> {
  if (!Array.isArray(reply)) return [];
  const out = [];
  for (const e of reply as unknown[]) {
    if (!Array.isArray(e) || e.length < 4) continue;
    out.push({
      id: Number(e[0]),
      at: Number(e[1]) * 1000,
      durationUs: Number(e[2]),
      argv: Array.isArray(e[3]) ? (e[3] as unknown[]).map(String) : [],
      clientAddress: typeof e[4] === 'string' ? e[4] : '',
      clientName: typeof e[5] === 'string' ? e[5] : '',
    });
  }
  return out;
}

/** `CLIENT LIST` (one `k=v k=v ...` line per client) summarised: nothing per client leaves but the top lists. */
export function summariseClients(text: string, isOwn: (name: string) => boolean): ClientsSummary {
  const byName = new Map<string, number>();
  const byHost = new Map<string, number>();
  const lines: ClientLine[] = [];
  for (const row of text.split('\n')) {
    const l = row.trim();
    if (l === '') continue;
    const f = new Map<string, string>();
    for (const part of l.split(' ')) {
      const eq = part.indexOf('=');
      if (eq > 0) f.set(part.slice(0, eq), part.slice(eq + 1));
    }
    const name = f.get('name') ?? '';
    const address = f.get('addr') ?? '';
    const host = address.includes(':') ? address.slice(0, address.lastIndexOf(':')) : address;
    const label = name === '' ? '(no name)' : name;
    byName.set(label, (byName.get(label) ?? 0) + 1);
    byHost.set(host, (byHost.get(host) ?? 0) + 1);
    lines.push({
      id: f.get('id') ?? '',
      name,
      address,
      ageSec: Number(f.get('age') ?? 0) || 0,
      idleSec: Number(f.get('idle') ?? 0) || 0,
      lastCommand: f.get('cmd') ?? '',
      outputBytes: Number(f.get('omem') ?? 0) || 0,
      totalBytes: Number(f.get('tot-mem') ?? 0) || 0,
      ownApp: isOwn(name),
    });
  }
  const top = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, GROUPS);
  return {
    total: lines.length,
    byName: top(byName).map(([name, count]) => ({ name, count })),
    byHost: top(byHost).map(([host, count]) => ({ host, count })),
    oldestIdle: [...lines].sort((a, b) => b.idleSec - a.idleSec).slice(0, TOP),
    biggestOutput: [...lines].sort((a, b) => b.outputBytes - a.outputBytes || b.totalBytes - a.totalBytes).slice(0, TOP),
  };
}

/** `LATENCY LATEST`: event, unix seconds of the latest spike, its ms, the all-time max ms. */
export function parseLatencyLatest(reply: unknown): LatencyEvent[] {
  if (!Array.isArray(reply)) return [];
  const out: LatencyEvent[] = [];
  for (const e of reply as unknown[]) {
    if (!Array.isArray(e) || e.length < 4) continue;
    out.push({ event: String(e[0]), latestAt: Number(e[1]) * 1000, latestMs: Number(e[2]), maxMs: Number(e[3]), history: [] });
  }
  return out.sort((a, b) => b.latestAt - a.latestAt);
}

/** `LATENCY HISTORY event`: [unix seconds, ms] pairs, oldest first. */
export function parseLatencyHistory(reply: unknown): Array<{ at: number; ms: number }> {
  if (!Array.isArray(reply)) return [];
  return (reply as unknown[]).filter(Array.isArray).map((p) => ({ at: Number((p as unknown[])[0]) * 1000, ms: Number((p as unknown[])[1]) }));
}

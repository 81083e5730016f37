/**
 * The health loop of one connection (PRODUCT.md features 12-13): the connection state from the
 * client's own events combined with a PING probe, INFO trends, per-shard growth from XLEN deltas,
 * the app's own command rate, and a bounded log of classified errors. Pushes one `health:changed`
 * snapshot per probe and on every state change; keeps about 15 minutes of history for the chart
 * and the post-mortem export.
 *
 * The state machine (what the pill, the banner and every view's "stale since" follow):
 * - `connecting` until the first connection is ready;
 * - `ready` while the client is connected and the last probe answered;
 * - `reconnecting` as soon as the socket closes or a probe fails: a blip the client may ride out;
 * - `down` when a reconnect attempt fails (refused, unreachable), a fatal error arrives (WRONGPASS,
 *   NOAUTH), two probes in a row fail, or the state stayed `reconnecting` for `downAfterMs`
 *   (1.5 s): a killed server reads `down` well within 2 s;
 * - back to `ready` on the client's `ready` event or the next answered probe. The client keeps
 *   reconnecting forever (connection.ts: capped, jittered backoff), so recovery needs no user.
 *
 * Load stays bounded and honest: one PING per interval (1 s by default, 1-60 s configurable) only
 * while the client is connected, INFO and the shard XLENs at most every 5 s (one pipelined round
 * trip, only shards discovery already found, at most {@link MAX_GROWTH_SHARDS}), nothing else.
 * The incident panels (incident.ts: slow log, clients, latency, raw INFO per node) are read only
 * when the health view or an export asks, at most every 10 s; stream facts (stream-facts.ts) only
 * when a shard's detail or tooltip asks, at most every 5 s per shard. All of it is counted in the
 * app's own commands per second.
 * Topology-agnostic: it uses the adapter's read client whatever it is (standalone, cluster,
 * sentinel); per-node cluster health belongs to the topology code.
 */
import type { EventEmitter } from 'node:events';
import type {
  ConnectionState,
  HealthErrorEntry,
  HealthExport,
  HealthHistory,
  HealthSample,
  HealthSnapshot,
  HealthTransition,
  IncidentSnapshot,
  InfoSample,
  ShardGrowthSample,
} from '../../shared/contract';
import { MAX_PROBE_INTERVAL_MS, MIN_PROBE_INTERVAL_MS } from '../../shared/contract';
import { MAX_ERRORS, MAX_SAMPLES, MAX_TRANSITIONS, MAX_TREND, ratePerSec, shapeHealthExport } from '../../shared/health';
import { MeshError, toErrorInfo, usageError } from '../../shared/errors';
import type { MeshErrorInfo } from '../../shared/types';
import type { MeshAdapter } from './adapter';
import { classifyError } from './classify';

/** Entries of the error log in every pushed snapshot (the export carries all of them). */
const SNAPSHOT_ERRORS = 50;
const SNAPSHOT_TRANSITIONS = 30;
/** INFO and shard XLENs are fetched at most this often, whatever the probe rate. */
export const TREND_EVERY_MS = 5000;
/** Shards whose XLEN the growth sampler reads (the first ones by id). */
export const MAX_GROWTH_SHARDS = 256;
/** How long `reconnecting` may last before the state reads `down`. */
export const DOWN_AFTER_MS = 1500;
/** A repeat of one of the newest this-many errors is counted on it instead of listed again. */
const COLLAPSE_WINDOW = 6;

/** The parts of an ioredis client (standalone or cluster) the monitor observes. */
export type WatchedClient = Pick<EventEmitter, 'on' | 'off'> & { status: string };

interface XlenClient {
  isCluster?: boolean;
  xlen(key: string): Promise<number>;
  pipeline(): { xlen(key: string): unknown; exec(): Promise<Array<[Error | null, unknown]> | null> };
}

export interface HealthMonitorOptions {
  /** Probe interval; default 1000 ms, clamped to 1000..60000. */
  intervalMs?: number;
  onChange: (snapshot: HealthSnapshot) => void;
  /** Commands the app sent since the last call (the service counts them on every connection). */
  takeCommandCount: () => number;
  /** Removes secrets from an error the monitor records itself (from client events). */
  scrub?: (info: MeshErrorInfo) => MeshErrorInfo;
  /** Default {@link DOWN_AFTER_MS}. */
  downAfterMs?: number;
  /** Minimum time between INFO/XLEN samples; default {@link TREND_EVERY_MS} (the service never lowers it). */
  trendEveryMs?: number;
}

export class HealthMonitor {
  private state: ConnectionState = 'connecting';
  private since = Date.now();
  private lastOkAt: number | null = null;
  private latest: HealthSample | null = null;
  private info: Record<string, string> | null = null;
  private infoAt: number | null = null;
  /** Redis' reason while the ACL user may not run INFO (NOPERM); null once INFO is answered. */
  private infoRefused: string | null = null;
  private samples: HealthSample[] = [];
  private infoTrend: InfoSample[] = [];
  private growth: ShardGrowthSample[] = [];
  private errors: HealthErrorEntry[] = [];
  private errorsTotal = 0;
  private transitions: HealthTransition[] = [];
  private cause: HealthErrorEntry | null = null;
  private lastError: HealthErrorEntry | null = null;
  private reconnect: { attempt: number; nextAttemptAt: number | null } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private downTimer: NodeJS.Timeout | null = null;
  private intervalMs: number;
  private ownRate = 0;
  private lastProbeAt = Date.now();
  private lastTrendAt = 0;
  private failures = 0;
  private probing = false;
  private stopped = false;
  private client: WatchedClient | null = null;
  private detach: Array<() => void> = [];
  /** Callers of {@link whenReady} waiting for the next `ready`. */
  private readyWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  /** Discovered shards (id → key), for the growth sampler. */
  private shardKeys = new Map<number, string>();
  private lastLengths: { at: number; lengths: Map<number, number> } | null = null;

  constructor(
    private readonly adapter: MeshAdapter,
    private readonly opts: HealthMonitorOptions,
  ) {
    this.intervalMs = clampInterval(opts.intervalMs ?? 1000);
  }

  // ---------- lifecycle ----------

  /** Starts probing. The connection is ready when this is called (the service calls it after init). */
  start(): void {
    if (this.timer) return;
    this.stopped = false;
    if (this.state !== 'ready' && (!this.client || this.client.status === 'ready')) this.transition('ready', 'connected', false);
    this.schedule();
    void this.probe();
  }

  /** Stops the timers and forgets the client's events; whoever waits in {@link whenReady} is refused. Idempotent. */
  stop(): void {
    this.stopped = true;
    for (const w of this.readyWaiters.splice(0)) w.reject(new MeshError('usage', 'connection closed'));
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clearDownTimer();
    for (const off of this.detach.splice(0)) off();
    this.client = null;
  }

  /**
   * Follows the client's own events: `close`/`reconnecting` mean the socket is gone (state moves
   * at once, without waiting for a probe), an `error` while reconnecting means the attempt failed,
   * `ready` means it is back. Call once per client.
   */
  watch(client: WatchedClient): void {
    this.client = client;
    const on = (event: string, fn: (...args: never[]) => void) => {
      const listener = fn as (...args: unknown[]) => void;
      client.on(event, listener);
      this.detach.push(() => client.off(event, listener));
    };
    on('ready', () => this.onClientReady());
    on('close', () => this.onClientLost('connection closed'));
    on('reconnecting', (delay: number) => this.onClientReconnecting(delay));
    on('error', (e: unknown) => this.onClientError(e));
    on('end', () => {
      this.reconnect = null;
      this.transition('down', 'connection ended; no more reconnect attempts');
    });
  }

  /** A lower (or the default) probe rate; INFO and shard XLENs follow it, at most every 5 s. */
  configure(intervalMs: number): HealthSnapshot {
    if (!Number.isInteger(intervalMs) || intervalMs < MIN_PROBE_INTERVAL_MS || intervalMs > MAX_PROBE_INTERVAL_MS) {
      throw usageError(`the probe interval must be ${MIN_PROBE_INTERVAL_MS}..${MAX_PROBE_INTERVAL_MS} ms (got ${String(intervalMs)})`);
    }
    this.intervalMs = intervalMs;
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.schedule();
    }
    const snap = this.snapshot();
    this.opts.onChange(snap);
    return snap;
  }

  get probeIntervalMs(): number {
    return this.intervalMs;
  }

  get currentState(): ConnectionState {
    return this.state;
  }

  get isHealthy(): boolean {
    return this.state === 'ready';
  }

  /** When the current state began. */
  get sinceAt(): number {
    return this.since;
  }

  /** Why the connection is not ready (the error that came with the loss), or null while ready. */
  get causeOf(): MeshErrorInfo | null {
    if (this.state === 'ready' || !this.cause) return null;
    const out: MeshErrorInfo = { kind: this.cause.kind, message: this.cause.message };
    if (this.cause.code !== undefined) out.code = this.cause.code;
    return out;
  }

  /**
   * Resolves as soon as the state is `ready` (at once when it is). Rejects with MeshError
   * `usage` "connection closed" when the monitor stops first. Background work (shard indexes)
   * waits here while Redis is unhealthy, so it adds no load to a sick server; the wait is the
   * state change itself, not a poll.
   */
  whenReady(): Promise<void> {
    if (this.stopped) return Promise.reject(new MeshError('usage', 'connection closed'));
    if (this.state === 'ready') return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /**
   * The first connect failed (the service retries a transient failure in the background with its
   * own backoff): the error is logged and becomes the cause; the state moves to `reconnecting`
   * on a first transient failure and to `down` on a fatal one or once a retry failed too.
   */
  noteConnectFailure(error: MeshErrorInfo, attempt: number): void {
    if (this.stopped) return;
    const entry = this.record(error, 'connect');
    const to: ConnectionState = entry.kind === 'transient' && attempt === 0 ? 'reconnecting' : 'down';
    this.cause = entry;
    if (this.state === to) this.opts.onChange(this.snapshot());
    else this.transition(to, `connect failed: ${entry.code ?? entry.message}`);
  }

  /** The shards discovery found: the growth sampler reads their XLEN (bounded, see the module doc). */
  noteShards(shards: Array<{ shard: number; key: string }>): void {
    const next = new Map<number, string>();
    for (const s of [...shards].sort((a, b) => a.shard - b.shard).slice(0, MAX_GROWTH_SHARDS)) next.set(s.shard, s.key);
    this.shardKeys = next;
  }

  // ---------- state ----------

  /** Moves the state directly (kept for callers that know better, e.g. tests). */
  setState(state: ConnectionState, reason = 'set by the service'): void {
    this.transition(state, reason);
  }

  private transition(to: ConnectionState, reason: string, emit = true): void {
    if (to === this.state) return;
    const at = Date.now();
    const from = this.state;
    this.transitions.push({ at, from, to, reason });
    if (this.transitions.length > MAX_TRANSITIONS) this.transitions.splice(0, this.transitions.length - MAX_TRANSITIONS);
    this.state = to;
    this.since = at;
    if (to === 'ready') {
      this.cause = null;
      this.reconnect = null;
      this.failures = 0;
      for (const w of this.readyWaiters.splice(0)) w.resolve();
    } else if (from === 'ready' || from === 'connecting') {
      // The error that arrived with the loss (e.g. ECONNRESET just before `close`) explains it.
      this.cause = this.lastError && at - (this.lastError.lastAt ?? this.lastError.at) < 2000 ? this.lastError : null;
    }
    this.clearDownTimer();
    if (to === 'reconnecting') {
      const after = this.opts.downAfterMs ?? DOWN_AFTER_MS;
      this.downTimer = setTimeout(() => {
        this.downTimer = null;
        if (!this.stopped && this.state === 'reconnecting') this.transition('down', `no answer for ${formatMs(after)}`);
      }, after);
      this.downTimer.unref?.();
    }
    if (emit && !this.stopped) this.opts.onChange(this.snapshot());
  }

  private clearDownTimer(): void {
    if (this.downTimer) clearTimeout(this.downTimer);
    this.downTimer = null;
  }

  private onClientReady(): void {
    if (this.stopped) return;
    const wasOut = this.state !== 'ready';
    this.transition('ready', 'connection ready');
    if (wasOut) {
      // Fresh numbers right away: INFO and shard lengths are re-read on this probe.
      this.lastTrendAt = 0;
      this.lastLengths = null;
      void this.probe();
    }
  }

  private onClientLost(reason: string): void {
    if (this.stopped) return;
    if (this.state === 'ready' || this.state === 'connecting') this.transition('reconnecting', reason);
  }

  private onClientReconnecting(delay: number): void {
    if (this.stopped) return;
    const attempt = (this.reconnect?.attempt ?? 0) + 1;
    this.reconnect = { attempt, nextAttemptAt: Number.isFinite(delay) ? Date.now() + delay : null };
    if (this.state === 'ready' || this.state === 'connecting') this.transition('reconnecting', 'connection lost; reconnecting');
    else this.opts.onChange(this.snapshot());
  }

  private onClientError(e: unknown): void {
    if (this.stopped) return;
    const entry = this.record(toErrorInfo(classifyError(e)), 'connection');
    if (entry.kind === 'fatal') this.transition('down', `${entry.code ?? 'fatal error'} on the connection`);
    else if (this.state === 'reconnecting') this.transition('down', `reconnect failed: ${entry.code ?? entry.message}`);
    else this.opts.onChange(this.snapshot());
  }

  // ---------- errors ----------

  /**
   * Adds an error of an app command to the log (callers leave out usage errors: they are not
   * Redis' health). It does not become the outage's `cause`: a read failing because Redis is
   * away is a consequence; the client's and the probe's errors say why.
   */
  recordError(error: MeshErrorInfo, command?: string): void {
    this.record(error, command, false);
  }

  private record(error: MeshErrorInfo, command?: string, causal = true): HealthErrorEntry {
    const info = this.opts.scrub ? this.opts.scrub(error) : error;
    const at = Date.now();
    this.errorsTotal++;
    const from = Math.max(0, this.errors.length - COLLAPSE_WINDOW);
    let entry: HealthErrorEntry | undefined;
    for (let i = this.errors.length - 1; i >= from; i--) {
      const e = this.errors[i] as HealthErrorEntry;
      if (e.command === command && e.kind === info.kind && e.code === info.code && e.message === info.message) {
        entry = e;
        this.errors.splice(i, 1);
        break;
      }
    }
    if (entry) {
      entry.count = (entry.count ?? 1) + 1;
      entry.lastAt = at;
    } else {
      entry = { kind: info.kind, message: info.message, at };
      if (info.code !== undefined) entry.code = info.code;
      if (command !== undefined) entry.command = command;
    }
    this.errors.push(entry);
    if (this.errors.length > MAX_ERRORS) this.errors.splice(0, this.errors.length - MAX_ERRORS);
    if (causal) {
      this.lastError = entry;
      if (this.state !== 'ready' && this.state !== 'connecting') this.cause = entry;
    }
    return entry;
  }

  // ---------- the probe ----------

  private schedule(): void {
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
    this.timer.unref?.();
  }

  /**
   * One probe: PING within the command timeout while the client is connected (while it is not,
   * its reconnect attempts are the probe and a PING would only wait in a queue), then INFO and the
   * shard XLENs when they are due. Never throws.
   */
  async probe(): Promise<void> {
    if (this.probing || this.stopped) return;
    this.probing = true;
    try {
      const connected = !this.client || this.client.status === 'ready';
      const result = connected ? await this.adapter.health() : { healthy: false, latencyMs: null, error: null };
      if (this.stopped) return;
      const at = Date.now();
      const elapsed = Math.max(1, at - this.lastProbeAt) / 1000;
      this.ownRate = Math.round((this.opts.takeCommandCount() / elapsed) * 10) / 10;
      this.lastProbeAt = at;
      const sample: HealthSample = { at, latencyMs: result.latencyMs, ok: result.healthy, ownCommandsPerSec: this.ownRate };
      this.latest = sample;
      this.samples.push(sample);
      if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);

      if (result.healthy) {
        this.lastOkAt = at;
        this.failures = 0;
        if (this.state !== 'ready') this.transition('ready', 'PING answered', false);
        const trendDue = at - this.lastTrendAt >= (this.opts.trendEveryMs ?? TREND_EVERY_MS) - 50;
        if (trendDue) {
          this.lastTrendAt = at;
          await this.readInfo();
          if (this.shardKeys.size > 0) await this.sampleShards();
        }
      } else if (connected) {
        this.failures++;
        const entry = result.error ? this.record(result.error, 'PING') : null;
        const why = entry ? (entry.code ?? entry.message) : 'no answer';
        if (entry?.kind === 'fatal') this.transition('down', `PING failed: ${why}`, false);
        else if (this.state === 'ready' || this.state === 'connecting') this.transition('reconnecting', `PING failed: ${why}`, false);
        else if (this.state === 'reconnecting' && this.failures >= 2) this.transition('down', `${this.failures} probes in a row failed: ${why}`, false);
      }
      if (!this.stopped) this.opts.onChange(this.snapshot());
    } finally {
      this.probing = false;
    }
  }

  private async readInfo(): Promise<void> {
    try {
      const info = await this.adapter.info();
      const at = Date.now();
      this.info = info;
      this.infoAt = at;
      this.infoRefused = null;
      this.infoTrend.push(infoSample(at, info));
      if (this.infoTrend.length > MAX_TREND) this.infoTrend.splice(0, this.infoTrend.length - MAX_TREND);
    } catch (e) {
      const error = toErrorInfo(e);
      // INFO refused by the user's ACL is a permission, not a failure: the snapshot says so (the
      // INFO tiles show it), the error log and its badge stay quiet, and PING alone tells health.
      // Asked again at the next trend tick, so an ACL that allows it later shows at once.
      if (error.code === 'NOPERM') this.infoRefused = (this.opts.scrub ? this.opts.scrub(error) : error).message;
      // A timeout here shows on the next PING as well.
      else this.record(error, 'INFO');
    }
  }

  /** One pipelined XLEN per discovered shard (per-key on a cluster, whose pipelines need one slot). */
  private async sampleShards(): Promise<void> {
    const entries = [...this.shardKeys.entries()];
    const client = this.adapter.client as unknown as XlenClient;
    let lengths: Array<number | null>;
    try {
      if (client.isCluster) {
        lengths = await Promise.all(entries.map(([, key]) => client.xlen(key).then(Number, () => null)));
      } else {
        const p = client.pipeline();
        for (const [, key] of entries) p.xlen(key);
        const replies = (await p.exec()) ?? [];
        lengths = entries.map((_, i) => {
          const r = replies[i];
          return r && !r[0] && r[1] !== null && r[1] !== undefined ? Number(r[1]) : null;
        });
      }
    } catch (e) {
      this.record(toErrorInfo(classifyError(e, { command: 'XLEN' })), 'XLEN');
      return;
    }
    const at = Date.now();
    const prev = this.lastLengths;
    const next = new Map<number, number>();
    const shards: ShardGrowthSample['shards'] = [];
    entries.forEach(([shard], i) => {
      const length = lengths[i];
      if (length === null || length === undefined || !Number.isFinite(length)) return;
      next.set(shard, length);
      shards.push({ shard, length, perSec: prev ? ratePerSec(prev.lengths.get(shard), length, at - prev.at) : null });
    });
    this.lastLengths = { at, lengths: next };
    this.growth.push({ at, shards });
    if (this.growth.length > MAX_TREND) this.growth.splice(0, this.growth.length - MAX_TREND);
  }

  // ---------- what it tells ----------

  snapshot(): HealthSnapshot {
    return {
      state: this.state,
      since: this.since,
      lastOkAt: this.lastOkAt,
      latest: this.latest,
      info: this.info,
      infoRefused: this.infoRefused,
      ownCommandsPerSec: this.ownRate,
      errors: this.errors.slice(-SNAPSHOT_ERRORS).map(copyEntry),
      errorsTotal: this.errorsTotal,
      probeIntervalMs: this.intervalMs,
      infoSample: this.infoTrend[this.infoTrend.length - 1] ?? null,
      shardGrowth: this.growth[this.growth.length - 1] ?? null,
      cause: this.state === 'ready' || !this.cause ? null : copyEntry(this.cause),
      reconnect: this.state === 'ready' || !this.reconnect ? null : { ...this.reconnect },
      transitions: this.transitions.slice(-SNAPSHOT_TRANSITIONS),
    };
  }

  history(): HealthHistory {
    return {
      samples: this.samples.slice(),
      info: this.infoTrend.slice(),
      shards: this.growth.slice(),
      transitions: this.transitions.slice(),
      errors: this.errors.map(copyEntry),
    };
  }

  /** The post-mortem document, from memory only: it works while Redis is down. */
  exportDocument(meta: { appVersion: string; connection: HealthExport['connection']; incident?: IncidentSnapshot }): HealthExport {
    return shapeHealthExport({
      appVersion: meta.appVersion,
      connection: meta.connection,
      probeIntervalMs: this.intervalMs,
      state: this.state,
      since: this.since,
      lastOkAt: this.lastOkAt,
      errorsTotal: this.errorsTotal,
      samples: this.samples,
      transitions: this.transitions,
      errors: this.errors,
      info: this.info,
      infoAt: this.infoAt,
      trend: this.infoTrend,
      shards: this.growth,
      incident: meta.incident ?? null,
    });
  }
}

/** The trended INFO fields of one reply. */
export function infoSample(at: number, info: Record<string, string>): InfoSample {
  const num = (k: string): number | null => {
    const v = info[k];
    if (v === undefined || v === '') return null;
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  };
  const loading = num('loading');
  return {
    at,
    usedMemory: num('used_memory'),
    maxmemory: num('maxmemory'),
    connectedClients: num('connected_clients'),
    blockedClients: num('blocked_clients'),
    opsPerSec: num('instantaneous_ops_per_sec'),
    evictedKeys: num('evicted_keys'),
    rejectedConnections: num('rejected_connections'),
    loading: loading === null ? null : loading !== 0,
    role: info.role ?? null,
    masterLinkStatus: info.master_link_status ?? null,
  };
}

function copyEntry(e: HealthErrorEntry): HealthErrorEntry {
  return { ...e };
}

function clampInterval(ms: number): number {
  return Math.min(MAX_PROBE_INTERVAL_MS, Math.max(MIN_PROBE_INTERVAL_MS, Math.round(ms)));
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

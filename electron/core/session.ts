/**
 * One connection's worth of Redis work: the adapter and everything that lives as long as it does
 * (health monitor, live tails, shard indexes and their scan connection, incident reads, topology
 * snapshots, the test publisher, analysis jobs, timers). The service holds at most one session;
 * `dispose()` is the one place that stops all of it.
 *
 * The connection status is derived here: the health monitor owns the state (with its `since` and
 * the error that explains it), the session owns the facts (profile, server version, topology,
 * whether it may publish), and `connection:changed` is pushed when the derived status changes.
 */
import { ConsumerJobs } from './consumer-jobs';
import type { ConnectionStatus, EventPayloadOf, EventSink, HealthSnapshot, ShardListResult, StreamFacts } from '../../shared/contract';
import { MeshError, toErrorInfo } from '../../shared/errors';
import { ratePerSec } from '../../shared/health';
import { isLoopbackHost } from '../../shared/loopback';
import { redactText } from '../../shared/redact';
import { streamKey } from '../../shared/stream-key';
import type { MeshEntry, MeshErrorInfo } from '../../shared/types';
import { MeshAdapter } from './adapter';
import { parseSentinels, reconnectDelayMs, secretsOf, type ConnectionProfile } from './connection';
import { parseRedisUrl } from './redis-url';
import { discoverShards } from './discovery';
import { SharedScanConnection } from './scan-connection';
import { readStreamFacts } from './stream-facts';
import { viewOf, type StoredProfile } from './profile-store';
import { ShardIndex } from './shard-index';
import { TailManager } from './tail';
import { HealthMonitor } from './health';
import { IncidentMonitor } from './incident';
import { TopologyMonitor, probePublishAccess } from './topology';
import { capEntries, type BrowseContext } from './browse';
import type { TestPublisher } from './test-publisher';
import { DEFAULT_INDEX_LIMITS, IndexCache, type IndexLimits } from './index-cache';

/** ConnectionStatus minus what the health monitor owns (state, since, error). */
export type StatusFacts = Omit<ConnectionStatus, 'state' | 'since' | 'error'>;

/** A shard's stream facts are read again after this long (`shards:facts`). */
const FACTS_TTL_MS = 5000;
const MAX_FACTS_CACHED = 256;

/** How often a Cluster or Sentinel topology is snapshotted (failover detection, `topology:changed`). */
const TOPOLOGY_EVERY_MS = 5000;

/** Live tails that asked for previews are bounded like the tail's own subscription table. */
const MAX_TAIL_PREVIEWS = 64;

export interface SessionHooks {
  /** Where the session's events go (`connection:changed`, `health:changed`, `index:changed`, tails, topology). */
  sink: EventSink;
  /** Every health transition, after the status was derived from it (the service's notices). */
  onHealth(snap: Pick<HealthSnapshot, 'state' | 'cause'>, status: ConnectionStatus): void;
  /** Entries a live tail just read from a shard (the service's notices). */
  onTailEntries(shard: number, entries: MeshEntry[]): void;
  /** Bounds of the kept shard indexes (index-cache.ts); the defaults unless a test needs smaller. */
  indexLimits?: IndexLimits;
}

export class Session {
  readonly adapter: MeshAdapter;
  readonly health: HealthMonitor;
  readonly tail: TailManager;
  readonly incident: IncidentMonitor;
  /** Nodes, roles and failovers behind the connection (`topology:status`). */
  readonly topology: TopologyMonitor;
  /** Secrets of this connection, scrubbed from every message that leaves the core. */
  readonly secrets: string[];
  /** Running analysis jobs, by id (analysis-job.ts). */
  readonly jobs = new Map<string, AbortController>();
  /** Created on the first publish (test-publisher.ts). */
  publisher: TestPublisher | null = null;
  /** The consumer view's replay (`consumer:*`, consumer-jobs.ts); reset in dispose(). */
  readonly consumer = new ConsumerJobs();
  /** Commands sent since the health monitor last asked (its "own load" figure). */
  commandCount = 0;

  /** The shard indexes, bounded by count, bytes and idle time (index-cache.ts). */
  readonly indexes: IndexCache<ShardIndex>;
  private indexSweep: NodeJS.Timeout | null = null;
  /** The shard indexes' scan connection (byte-level page reads), opened when an index first reads. */
  private readonly indexPages: SharedScanConnection;
  /** What the connection is, apart from its state: the status is these plus the health monitor's state. */
  private facts: StatusFacts;
  /** The status last pushed (`connection:changed`); derived, never set directly. */
  private current: ConnectionStatus;
  private lastLengths: { at: number; lengths: Map<number, number> } | null = null;
  /** `shards:facts` answers by shard, newest last (bounded). */
  private readonly streamFactsCache = new Map<number, { at: number; value: StreamFacts }>();
  /** Live tails that asked for previews (`previewChars`), by subscription id. */
  private readonly tailPreviews = new Map<string, number>();
  private initTimer: NodeJS.Timeout | null = null;
  /** Cluster/Sentinel: the 5 s snapshot that notices failovers; the last pushed signature. */
  private topologyTimer: NodeJS.Timeout | null = null;
  private topologySig: string | null = null;
  /** Failovers seen so far: a new one makes the publish client ask for the slot map at once. */
  private failoversSeen = 0;
  private closed = false;

  constructor(
    readonly profile: StoredProfile,
    conn: ConnectionProfile,
    probeIntervalMs: number,
    private readonly hooks: SessionHooks,
  ) {
    const adapter = new MeshAdapter(conn);
    this.adapter = adapter;
    this.secrets = secretsOf(conn);
    this.indexes = new IndexCache<ShardIndex>(hooks.indexLimits ?? DEFAULT_INDEX_LIMITS, Date.now, (shard) => this.tail.tails(shard));
    this.indexSweep = setInterval(() => this.indexes.sweep(), 60_000);
    this.indexSweep.unref();
    this.indexPages = new SharedScanConnection(() => adapter.client, conn.commandTimeoutMs, () => this.commandCount++);
    const redacted = viewOf(profile).url;
    this.facts = { profileId: profile.id, url: redacted, prefix: profile.prefix, readOnly: profile.readOnly, local: isLocalServer(profile) };
    this.current = { state: 'connecting', profileId: profile.id, url: redacted, prefix: profile.prefix, readOnly: profile.readOnly, since: Date.now() };
    this.topology = new TopologyMonitor(adapter, { masterName: profile.topology?.masterName ?? null, secrets: this.secrets, timeoutMs: profile.commandTimeoutMs });
    this.health = new HealthMonitor(adapter, {
      intervalMs: probeIntervalMs,
      onChange: (snap) => {
        this.hooks.sink('health:changed', snap);
        const wasReady = this.current.state === 'ready';
        this.emitStatus();
        if (snap.state === 'ready' && !wasReady && this.current.state === 'ready') this.onRecovered();
        if (!this.closed) this.hooks.onHealth(snap, this.current);
      },
      scrub: (info) => this.scrub(info),
      takeCommandCount: () => {
        const n = this.commandCount;
        this.commandCount = 0;
        return n;
      },
    });
    this.incident = new IncidentMonitor(adapter, {
      timeoutMs: profile.commandTimeoutMs,
      secrets: this.secrets,
      isReady: () => this.health.isHealthy,
      countCommand: () => {
        this.commandCount++;
      },
      ownNamePrefix: conn.connectionName ?? 'mesh-inspector',
    });
    this.tail = new TailManager(
      adapter,
      (event, payload) => {
        // A tail that asked for previews gets its big payloads cut like a page's (PageEntry).
        const cap = event === 'tail:entries' ? this.tailPreviews.get((payload as EventPayloadOf<'tail:entries'>).subscriptionId) : undefined;
        if (cap === undefined) return this.hooks.sink(event, payload);
        const batch = payload as EventPayloadOf<'tail:entries'>;
        this.hooks.sink('tail:entries', { ...batch, entries: capEntries(batch.entries, cap) });
      },
      (shard) => streamKey(profile.prefix, shard),
      (shard, entries) => {
        this.indexes.peek(shard)?.noteGrowth();
        this.hooks.onTailEntries(shard, entries);
      },
      () => this.health.isHealthy,
    );
  }

  get status(): ConnectionStatus {
    return this.current;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Pushes the first status, then connects (a transient failure is retried in the background). */
  async start(): Promise<ConnectionStatus> {
    this.hooks.sink('connection:changed', this.current);
    await this.connect(0);
    return this.current;
  }

  /** Stops every timer, tail, index and job, then closes the clients. Idempotent. */
  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.initTimer) clearTimeout(this.initTimer);
    if (this.topologyTimer) clearInterval(this.topologyTimer);
    this.health.stop();
    this.tail.dispose();
    if (this.indexSweep) clearInterval(this.indexSweep);
    this.indexSweep = null;
    this.indexes.stopAll();
    this.indexPages.close();
    for (const job of this.jobs.values()) job.abort();
    this.consumer.reset();
    await this.adapter.shutdown().catch(() => {});
  }

  // ---------- status ----------

  private emitStatus(): void {
    if (this.closed) return;
    const next: ConnectionStatus = { ...this.facts, state: this.health.currentState, since: this.health.sinceAt };
    const cause = next.state === 'ready' ? null : this.health.causeOf;
    if (cause) next.error = cause;
    if (statusKey(this.current) === statusKey(next)) return;
    this.current = next;
    this.hooks.sink('connection:changed', next);
  }

  setFacts(patch: Partial<StatusFacts>): void {
    this.facts = { ...this.facts, ...patch };
    this.emitStatus();
  }

  // ---------- connecting ----------

  /** First connect; a transient failure is retried with capped backoff. */
  private async connect(attempt: number): Promise<void> {
    try {
      await this.adapter.init();
      if (this.closed) return;
      this.countCommands();
      // The client's own events move the state at once; the health probe confirms (health.ts).
      this.health.watch(this.adapter.client);
      const facts: Partial<StatusFacts> = { topology: this.adapter.topology };
      if (this.adapter.serverVersion) facts.serverVersion = this.adapter.serverVersion;
      Object.assign(facts, await this.publishAccess());
      if (this.closed) return;
      this.facts = { ...this.facts, ...facts };
      // The monitor moves to `ready`; the status follows it (emitStatus).
      this.health.start();
      this.emitStatus();
      this.watchTopology();
    } catch (e) {
      if (this.closed) return;
      const info = this.scrub(toErrorInfo(e));
      // Still unreachable after the first retry: `down` (still retried), as health.ts defines it.
      this.health.noteConnectFailure(info, attempt);
      if (info.kind === 'transient') {
        const delay = reconnectDelayMs(attempt + 3); // 400 ms, 800 ms, 1.6 s, 3.2 s, then 5 s; ±20 % jitter
        this.initTimer = setTimeout(() => void this.connect(attempt + 1), delay);
        this.initTimer.unref?.();
      }
    }
  }

  /** Whether this session may publish (ConnectionStatus.canPublish): the profile, then the ACL probe. */
  private async publishAccess(): Promise<Pick<ConnectionStatus, 'canPublish' | 'publishBlockedReason'>> {
    if (this.profile.readOnly) return { canPublish: false, publishBlockedReason: `the profile "${this.profile.name}" is read-only` };
    const access = await probePublishAccess(this.adapter, this.profile.username);
    return access.canPublish ? { canPublish: true } : { canPublish: false, publishBlockedReason: access.reason ?? 'NOPERM' };
  }

  /** Every command the app sends, on each of its connections (pipelines and MULTI included). */
  private countCommands(): void {
    for (const client of [this.adapter.client, this.adapter.publishClient]) {
      if (!client) continue;
      const c = client as unknown as { sendCommand: (...a: unknown[]) => unknown };
      const orig = c.sendCommand.bind(c);
      c.sendCommand = (...args: unknown[]) => {
        this.commandCount++;
        return orig(...args);
      };
    }
  }

  /** After an outage, background work resumes by itself. */
  private onRecovered(): void {
    for (const idx of this.indexes.values()) {
      if (idx.status().state === 'failed') void idx.refresh();
    }
  }

  // ---------- topology ----------

  /** Cluster and Sentinel: a baseline snapshot now, then one every 5 s while ready; changes are pushed. */
  private watchTopology(): void {
    if (this.adapter.topology === 'standalone' || this.topologyTimer) return;
    const tick = async () => {
      if (this.closed || this.current.state !== 'ready') return;
      this.noteTopology(await this.topology.refresh());
    };
    void tick();
    this.topologyTimer = setInterval(() => void tick(), TOPOLOGY_EVERY_MS);
    this.topologyTimer.unref?.();
  }

  /** A fresh topology read (`topology:status`), noted like the timer's. */
  async readTopology(): Promise<EventPayloadOf<'topology:changed'>> {
    const status = await this.topology.refresh();
    this.noteTopology(status);
    return status;
  }

  private noteTopology(status: EventPayloadOf<'topology:changed'>): void {
    // "The UI lists the failover" must mean "publishing goes to the new master" (issue 11).
    if (status.failovers.length > this.failoversSeen) {
      this.failoversSeen = status.failovers.length;
      this.adapter.refreshRoutes();
    }
    const sig = TopologyMonitor.signature(status);
    if (this.closed || sig === this.topologySig) return;
    this.topologySig = sig;
    this.hooks.sink('topology:changed', status);
  }

  // ---------- Redis calls ----------

  scrub(info: MeshErrorInfo): MeshErrorInfo {
    return { ...info, message: redactText(info.message, this.secrets) };
  }

  /** Runs a Redis operation; failures are logged in the health error log, then rethrown. */
  async redis<T>(command: string, fn: () => Promise<T>): Promise<T> {
    // Before the first connect succeeded there is nothing to ask; the connect error is already
    // the status' cause, so this is not logged again.
    if (!this.adapter.isInitialized && !this.closed) throw this.adapter.notConnectedYet();
    try {
      return await fn();
    } catch (e) {
      const info = this.scrub(toErrorInfo(e));
      // A lock held by another publish of this config folder is not a Redis error.
      if (info.kind !== 'usage' && info.code !== 'LOCKED') this.health.recordError(info, command);
      throw new MeshError(info.kind, info.message, { code: info.code, command });
    }
  }

  // ---------- shards ----------

  key(shard: number): string {
    return streamKey(this.profile.prefix, shard);
  }

  /** The indexes built or being built (shard-problems.ts reads their counts for the sidebar's badges). */
  indexesOpen(): ShardIndex[] {
    return [...this.indexes.values()];
  }

  /** The shard's background index, created (and started) on first use. */
  index(shard: number): ShardIndex {
    return this.indexes.use(shard, () => {
      const idx = new ShardIndex(this.adapter, shard, this.key(shard), (st) => this.hooks.sink('index:changed', st), () => this.health.whenReady(), this.indexPages);
      void idx.refresh();
      return idx;
    });
  }

  /** The shard's index only when one is open already (Find, find.ts: a search never starts a build). */
  indexIfOpen(shard: number): ShardIndex | undefined {
    return this.indexes.peek(shard);
  }

  /** Drops a shard's index (XDEL moved every later position): it is rebuilt on its next use. */
  forgetIndex(shard: number): void {
    this.indexes.delete(shard);
  }

  async listShards(): Promise<ShardListResult> {
    const found = await this.redis('SCAN', () => discoverShards(this.adapter.client, this.profile.prefix));
    const at = Date.now();
    const prev = this.lastLengths;
    const lengths = new Map<number, number>();
    const shards = found.shards.map((sh) => {
      lengths.set(sh.shard, sh.length);
      const rate = prev ? ratePerSec(prev.lengths.get(sh.shard), sh.length, at - prev.at) : null;
      // An append rate: a trimmed stream appends nothing (its shrinking shows in Health's growth).
      return { ...sh, appendRate: rate === null ? null : Math.max(0, rate) };
    });
    this.lastLengths = { at, lengths };
    this.health.noteShards(shards);
    return { prefix: found.prefix, shards, skipped: found.skipped, at };
  }

  /**
   * A shard's stream facts, read at most once per {@link FACTS_TTL_MS} per shard (a tooltip hovered
   * over many shards, a detail re-rendered) and bounded to {@link MAX_FACTS_CACHED} shards.
   */
  async streamFacts(shard: number): Promise<StreamFacts> {
    const cached = this.streamFactsCache.get(shard);
    const now = Date.now();
    if (cached && now - cached.at < FACTS_TTL_MS) return cached.value;
    const value = await this.redis('XINFO', () => readStreamFacts(this.adapter.client, shard, this.key(shard), this.secrets));
    this.streamFactsCache.delete(shard);
    this.streamFactsCache.set(shard, { at: now, value });
    if (this.streamFactsCache.size > MAX_FACTS_CACHED) this.streamFactsCache.delete(this.streamFactsCache.keys().next().value as number);
    return value;
  }

  /** What browse.ts needs to page, locate and filter one shard. */
  browse(shard: number): BrowseContext {
    return { adapter: this.adapter, index: this.index(shard), shard, key: this.key(shard), run: (command, fn) => this.redis(command, fn) };
  }

  // ---------- live tails ----------

  async subscribeTail(shards: number[], after: Parameters<TailManager['subscribe']>[1], lengths: Parameters<TailManager['subscribe']>[2], previewChars: number | undefined): Promise<string> {
    const subscriptionId = await this.redis('XREVRANGE', () => this.tail.subscribe(shards, after, lengths));
    if (previewChars !== undefined) {
      this.tailPreviews.set(subscriptionId, previewChars);
      if (this.tailPreviews.size > MAX_TAIL_PREVIEWS) this.tailPreviews.delete(this.tailPreviews.keys().next().value as string);
    }
    return subscriptionId;
  }

  unsubscribeTail(subscriptionId: string): void {
    this.tail.unsubscribe(subscriptionId);
    this.tailPreviews.delete(subscriptionId);
  }
}

/** Everything a `connection:changed` listener can see, for "did it change". */
function statusKey(c: ConnectionStatus): string {
  return JSON.stringify([c.state, c.since, c.error?.kind, c.error?.code, c.error?.message, c.profileId, c.url, c.prefix, c.readOnly, c.serverVersion, c.topology, c.canPublish, c.publishBlockedReason, c.local]);
}

/**
 * Whether the profile's server runs on this machine (publishing elsewhere asks for the shard id
 * as a confirmation). Behind Sentinel the URL's host is not where the app goes: the sentinels are,
 * and the master they name; all sentinels on loopback count as local.
 */
export function isLocalServer(profile: StoredProfile): boolean {
  if (profile.topology?.mode === 'sentinel') {
    const sentinels = parseSentinels(profile.topology.sentinels ?? '');
    return sentinels.length > 0 && sentinels.every((x) => isLoopbackHost(x.host));
  }
  return isLoopbackHost(parseRedisUrl(profile.address).host);
}

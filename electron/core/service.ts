/**
 * The service behind the contract: one implementation for the Electron main process and for
 * `serve`. It owns every Redis client (one session at a time), the profiles, the background shard
 * indexes, live tails, analysis jobs, the test-batch publisher and the health loop. Handlers take
 * requests already parsed at the gate (dispatch.ts) and throw MeshError on failure.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type {
  AnalysisReport,
  ConnectionStatus,
  ContractHandlers,
  EventPayloadOf,
  EventSink,
  ParsedRequestOf,
  ProfileInput,
  PublishPreview,
  PublishedBatch,
  ShardListResult,
  StreamFacts,
} from '../../shared/contract';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS } from '../../shared/contract';
import { MeshError, toErrorInfo, usageError } from '../../shared/errors';
import { ratePerSec } from '../../shared/health';
import { isLoopbackHost } from '../../shared/loopback';
import { redactText } from '../../shared/redact';
import { formatDedupId, formatNonce, parseNonce } from '../../shared/dedup-id';
import { decodeNonceFile } from '../../shared/nonce-file';
import { streamKey } from '../../shared/stream-key';
import { encodePayload } from '../../shared/wire';
import { U64_MAX } from '../../shared/u64';
import type { MeshEntry, MeshErrorInfo } from '../../shared/types';
import { MeshAdapter } from './adapter';
import { loadTlsFiles, parseSentinels, reconnectDelayMs, secretsOf, type ConnectionProfile } from './connection';
import { parseRedisUrl } from './redis-url';
import { discoverShards } from './discovery';
import { scanShards } from './scan';
import { SharedScanConnection } from './scan-connection';
import { readStreamFacts } from './stream-facts';
import { configHome } from './home';
import { loadOrCreateNonce, SequenceStore } from './nonce-store';
import { ProfileStore, connectUrlOf, viewOf, type StoredProfile } from './profile-store';
import { ShardIndex } from './shard-index';
import { TailManager } from './tail';
import { HealthMonitor } from './health';
import { IncidentMonitor } from './incident';
import { NotifyCenter } from './notify';
import { TopologyMonitor, probePublishAccess } from './topology';
import { BatchHistory } from './batch-history';
import { removeStaleTemps } from './state-files';
import { TestPublisher, type TestPublishResult } from './test-publisher';
import { capEntries, filterStep, findCopies, locateWithPage, pageAt, type BrowseContext } from './browse';
import type { CreateService, MeshService, ServiceOptions } from './service-api';


interface Session {
  profile: StoredProfile;
  adapter: MeshAdapter;
  health: HealthMonitor;
  tail: TailManager;
  indexes: Map<number, ShardIndex>;
  /** The shard indexes' scan connection (byte-level page reads), opened when an index first reads. */
  indexPages: SharedScanConnection;
  secrets: string[];
  /** What the connection is, apart from its state: the status is these plus the health monitor's state. */
  facts: StatusFacts;
  /** The status last pushed (`connection:changed`); derived, never set directly. */
  status: ConnectionStatus;
  lastLengths: { at: number; lengths: Map<number, number> } | null;
  jobs: Map<string, AbortController>;
  commandCount: number;
  initTimer: NodeJS.Timeout | null;
  closed: boolean;
  /** Live tails that asked for previews (`previewChars`), by subscription id. */
  tailPreviews: Map<string, number>;
  /** `shards:facts` answers by shard, newest last (bounded, see streamFacts). */
  streamFacts: Map<number, { at: number; value: StreamFacts }>;
  /** Notifications: the session was ready once (a failed first connect is not "went down"); a `down` was notified. */
  everReady: boolean;
  notifiedDown: boolean;
  /** Slow log, clients, latency, raw INFO per node (`health:incident`), read on demand. */
  incident: IncidentMonitor;
  /** Nodes, roles and failovers behind the connection (`topology:status`). */
  topology: TopologyMonitor;
  /** Cluster/Sentinel: the 5 s snapshot that notices failovers; the last pushed signature. */
  topologyTimer: NodeJS.Timeout | null;
  topologySig: string | null;
  /** Failovers seen so far: a new one makes the publish client ask for the slot map at once. */
  failoversSeen: number;
  /** Created on the first publish (test-publisher.ts). */
  publisher: TestPublisher | null;
}

/** ConnectionStatus minus what the health monitor owns (state, since, error). */
type StatusFacts = Omit<ConnectionStatus, 'state' | 'since' | 'error'>;

/** An analysis that ran at least this long notifies when it ends (opt-in notifications). */
const LONG_ANALYSIS_MS = 10_000;

/** A shard's stream facts are read again after this long (`shards:facts`). */
const FACTS_TTL_MS = 5000;
const MAX_FACTS_CACHED = 256;

/** How often a Cluster or Sentinel topology is snapshotted (failover detection, `topology:changed`). */
const TOPOLOGY_EVERY_MS = 5000;

export const createService: CreateService = (opts: ServiceOptions): MeshService => new Service(opts);

class Service implements MeshService {
  readonly handlers: ContractHandlers;
  private readonly home: string;
  private readonly sink: EventSink;
  private readonly profiles: ProfileStore;
  private readonly history: BatchHistory;
  private sequences: SequenceStore | null = null;
  private session: Session | null = null;
  private demo: { stop(): Promise<void> } | null = null;
  private demoStarting: Promise<ConnectionStatus> | null = null;
  private disposed = false;
  private openGeneration = 0;
  /** The health probe interval the user chose (health:configure); new sessions start with it. */
  private probeIntervalMs = 1000;
  /** Opt-in notifications (notify:configure, `notify:show`). */
  private readonly notices: NotifyCenter;
  /** Nonces of the app's own test batches (no notification for them); read on first need. */
  private own: Promise<Set<string>> | null = null;

  constructor(private readonly opts: ServiceOptions) {
    this.home = opts.home ?? configHome();
    this.sink = opts.sink;
    this.profiles = new ProfileStore(this.home, opts.secrets);
    this.history = new BatchHistory(this.home);
    // Temp files of writers that crashed mid-write (a live instance's are left alone).
    removeStaleTemps(this.home);
    removeStaleTemps(this.history.dir);
    this.notices = new NotifyCenter(this.home, (n) => this.sink('notify:show', n), opts.notifyRules);
    this.handlers = this.buildHandlers();
  }

  knownSecrets(): string[] {
    return this.session?.secrets ?? [];
  }

  async connectUrl(
    url: string,
    prefix: string,
    o: { name?: string; demo?: boolean; commandTimeoutMs?: number; topology?: ProfileInput['topology']; tls?: ProfileInput['tls']; sentinelPassword?: string } = {},
  ): Promise<void> {
    const parsed = parseRedisUrl(url);
    const profile = await this.profiles.save(
      {
        // Behind Sentinel the URL's host is not where the app goes: name the master instead.
        name: o.name ?? (o.topology?.mode === 'sentinel' && o.topology.masterName ? `${o.topology.masterName} (Sentinel)` : `${parsed.host}:${parsed.port}`),
        url,
        prefix,
        commandTimeoutMs: o.commandTimeoutMs ?? 1000,
        readOnly: false,
        ...(o.topology ? { topology: o.topology } : {}),
        ...(o.tls ? { tls: o.tls } : {}),
        ...(o.sentinelPassword && o.topology?.mode === 'sentinel' ? { sentinelPassword: o.sentinelPassword } : {}),
      },
      { ephemeral: true, demo: o.demo ?? false },
    );
    const status = await this.open(profile);
    if (status.error && status.state === 'down') throw new MeshError(status.error.kind, status.error.message, { code: status.error.code });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.notices.dispose();
    await this.closeSession();
    // A sandbox still starting is tracked once it exists: wait for that, then stop it below.
    await this.demoStarting?.catch(() => undefined);
    await this.history.settled().catch(() => {});
    if (this.demo) {
      const d = this.demo;
      this.demo = null;
      await d.stop().catch(() => {});
    }
  }

  // ---------- connection ----------

  private statusOf(): ConnectionStatus {
    return this.session?.status ?? { state: 'disconnected', profileId: null, url: null, prefix: null, readOnly: false, since: Date.now() };
  }

  /**
   * The connection status is derived: the health monitor owns the state (with its `since` and the
   * error that explains it), the session owns the facts (profile, server version, topology, whether
   * it may publish). Pushes `connection:changed` when the derived status differs from the last one.
   */
  private emitStatus(s: Session): void {
    if (s.closed) return;
    const next: ConnectionStatus = { ...s.facts, state: s.health.currentState, since: s.health.sinceAt };
    const cause = next.state === 'ready' ? null : s.health.causeOf;
    if (cause) next.error = cause;
    const prev = s.status;
    if (statusKey(prev) === statusKey(next)) return;
    s.status = next;
    this.sink('connection:changed', next);
  }

  private setFacts(s: Session, patch: Partial<StatusFacts>): void {
    s.facts = { ...s.facts, ...patch };
    this.emitStatus(s);
  }

  private async open(profile: StoredProfile): Promise<ConnectionStatus> {
    // Opens that overlap (two clicks, a demo start during an open) must not both install a
    // session: the later one wins, and the earlier one stops before it creates any client.
    const generation = ++this.openGeneration;
    await this.closeSession();
    this.notices.newSession();
    const password = await this.profiles.password(profile);
    const sentinelPassword = await this.profiles.sentinelPassword(profile);
    const url = connectUrlOf(profile, password);
    const conn: ConnectionProfile = {
      url,
      prefix: profile.prefix,
      commandTimeoutMs: profile.commandTimeoutMs,
      readOnly: profile.readOnly,
      connectionName: 'mesh-inspector',
    };
    if (profile.tls) conn.tls = profile.tls;
    if (profile.topology) conn.topology = { ...profile.topology, ...(sentinelPassword ? { sentinelPassword } : {}) };
    // The TLS paths come from the window: read asynchronously and checked (regular files, 1 MB,
    // bounded in time), so a FIFO or /dev/zero cannot stall or exhaust this process (issue 12).
    const loaded = await loadTlsFiles(conn);
    if (generation !== this.openGeneration || this.disposed) {
      throw new MeshError('usage', this.disposed ? 'the service is shutting down' : 'another connection was opened meanwhile; this one was abandoned');
    }
    const adapter = new MeshAdapter(loaded);
    const redacted = viewOf(profile).url;
    const secrets = secretsOf(conn);
    const session: Session = {
      profile,
      adapter,
      indexes: new Map(),
      indexPages: new SharedScanConnection(() => adapter.client, conn.commandTimeoutMs, () => session.commandCount++),
      secrets,
      facts: { profileId: profile.id, url: redacted, prefix: profile.prefix, readOnly: profile.readOnly, local: isLocalServer(profile) },
      status: { state: 'connecting', profileId: profile.id, url: redacted, prefix: profile.prefix, readOnly: profile.readOnly, since: Date.now() },
      lastLengths: null,
      jobs: new Map(),
      commandCount: 0,
      initTimer: null,
      closed: false,
      tailPreviews: new Map(),
      streamFacts: new Map(),
      topology: new TopologyMonitor(adapter, {
        masterName: profile.topology?.masterName ?? null,
        secrets,
        timeoutMs: profile.commandTimeoutMs,
      }),
      topologyTimer: null,
      topologySig: null,
      failoversSeen: 0,
      publisher: null,
      everReady: false,
      notifiedDown: false,
      incident: undefined as unknown as IncidentMonitor,
      health: undefined as unknown as HealthMonitor,
      tail: undefined as unknown as TailManager,
    };
    session.health = new HealthMonitor(adapter, {
      intervalMs: this.probeIntervalMs,
      onChange: (snap) => {
        this.sink('health:changed', snap);
        const wasReady = session.status.state === 'ready';
        this.emitStatus(session);
        if (snap.state === 'ready' && !wasReady && session.status.state === 'ready') this.onRecovered(session);
        this.noteStateForNotices(session, snap);
      },
      scrub: (info) => this.scrub(session, info),
      takeCommandCount: () => {
        const n = session.commandCount;
        session.commandCount = 0;
        return n;
      },
    });
    session.incident = new IncidentMonitor(adapter, {
      timeoutMs: profile.commandTimeoutMs,
      secrets: session.secrets,
      isReady: () => session.health.isHealthy,
      countCommand: () => {
        session.commandCount++;
      },
      ownNamePrefix: conn.connectionName ?? 'mesh-inspector',
    });
    session.tail = new TailManager(
      adapter,
      (event, payload) => {
        // A tail that asked for previews gets its big payloads cut like a page's (PageEntry).
        const cap = event === 'tail:entries' ? session.tailPreviews.get((payload as EventPayloadOf<'tail:entries'>).subscriptionId) : undefined;
        if (cap === undefined) return this.sink(event, payload);
        const batch = payload as EventPayloadOf<'tail:entries'>;
        this.sink('tail:entries', { ...batch, entries: capEntries(batch.entries, cap) });
      },
      (shard) => streamKey(profile.prefix, shard),
      (shard, entries) => {
        session.indexes.get(shard)?.noteGrowth();
        if (this.notices.isEnabled) void this.ownNonces().then((own) => this.notices.tail(shard, entries, own));
      },
      () => session.health.isHealthy,
    );
    this.session = session;
    this.sink('connection:changed', session.status);
    await this.initSession(session, 0);
    return session.status;
  }

  /** First connect; a transient failure is retried in the background with capped backoff. */
  private async initSession(s: Session, attempt: number): Promise<void> {
    try {
      await s.adapter.init();
      if (s.closed) return;
      this.countCommands(s);
      this.watchClient(s);
      const facts: Partial<StatusFacts> = { topology: s.adapter.topology };
      if (s.adapter.serverVersion) facts.serverVersion = s.adapter.serverVersion;
      Object.assign(facts, await this.publishAccess(s));
      if (s.closed) return;
      s.facts = { ...s.facts, ...facts };
      // The monitor moves to `ready`; the status follows it (emitStatus).
      s.health.start();
      this.emitStatus(s);
      this.watchTopology(s);
    } catch (e) {
      if (s.closed) return;
      const info = this.scrub(s, toErrorInfo(e));
      // Still unreachable after the first retry: `down` (still retried), as health.ts defines it.
      s.health.noteConnectFailure(info, attempt);
      if (info.kind === 'transient') {
        const delay = reconnectDelayMs(attempt + 3); // 400 ms, 800 ms, 1.6 s, 3.2 s, then 5 s; ±20 % jitter
        s.initTimer = setTimeout(() => void this.initSession(s, attempt + 1), delay);
        s.initTimer.unref?.();
      }
    }
  }

  /** Whether this session may publish (ConnectionStatus.canPublish): the profile, then the ACL probe. */
  private async publishAccess(s: Session): Promise<Pick<ConnectionStatus, 'canPublish' | 'publishBlockedReason'>> {
    if (s.profile.readOnly) return { canPublish: false, publishBlockedReason: `the profile "${s.profile.name}" is read-only` };
    const access = await probePublishAccess(s.adapter, s.profile.username);
    return access.canPublish ? { canPublish: true } : { canPublish: false, publishBlockedReason: access.reason ?? 'NOPERM' };
  }

  /** Cluster and Sentinel: a baseline snapshot now, then one every 5 s while ready; changes are pushed. */
  private watchTopology(s: Session): void {
    if (s.adapter.topology === 'standalone' || s.topologyTimer) return;
    const tick = async () => {
      if (s.closed || s.status.state !== 'ready') return;
      this.noteTopology(s, await s.topology.refresh());
    };
    void tick();
    s.topologyTimer = setInterval(() => void tick(), TOPOLOGY_EVERY_MS);
    s.topologyTimer.unref?.();
  }

  private noteTopology(s: Session, status: EventPayloadOf<'topology:changed'>): void {
    // "The UI lists the failover" must mean "publishing goes to the new master" (issue 11).
    if (status.failovers.length > s.failoversSeen) {
      s.failoversSeen = status.failovers.length;
      s.adapter.refreshRoutes();
    }
    const sig = TopologyMonitor.signature(status);
    if (s.closed || sig === s.topologySig) return;
    s.topologySig = sig;
    this.sink('topology:changed', status);
  }

  /** The client's own events move the state at once; the health probe confirms (health.ts). */
  private watchClient(s: Session): void {
    s.health.watch(s.adapter.client);
  }

  /** Every command the app sends, on each of its connections (pipelines and MULTI included). */
  private countCommands(s: Session): void {
    for (const client of [s.adapter.client, s.adapter.publishClient]) {
      if (!client) continue;
      const c = client as unknown as { sendCommand: (...a: unknown[]) => unknown };
      const orig = c.sendCommand.bind(c);
      c.sendCommand = (...args: unknown[]) => {
        s.commandCount++;
        return orig(...args);
      };
    }
  }

  /** Connection notices: `down` once per outage of a session that was ready before, `up` when it is back. */
  private noteStateForNotices(s: Session, snap: { state: ConnectionStatus['state']; cause: { message: string } | null }): void {
    if (s.closed) return;
    if (snap.state === 'ready') {
      s.everReady = true;
      if (s.notifiedDown) this.notices.signal({ kind: 'up', at: Date.now(), server: s.status.url ?? '' });
      s.notifiedDown = false;
    } else if (snap.state === 'down' && s.everReady && !s.notifiedDown) {
      s.notifiedDown = true;
      this.notices.signal({ kind: 'down', at: Date.now(), server: s.status.url ?? '', reason: snap.cause?.message ?? 'no answer' });
    }
  }

  /** A long analysis (at least {@link LONG_ANALYSIS_MS}) that finished or failed; a cancelled one was the user's doing. */
  private noteAnalysisForNotices(report: AnalysisReport): void {
    const durationMs = report.provenance.finishedAt - report.provenance.startedAt;
    if (report.state === 'cancelled' || durationMs < LONG_ANALYSIS_MS) return;
    const sum = (f: (x: AnalysisReport['shards'][number]) => number) => report.shards.reduce((n, x) => n + f(x), 0);
    this.notices.signal({
      kind: 'analysis',
      at: Date.now(),
      ok: report.state === 'done',
      shards: report.shards.length,
      durationMs,
      collisions: sum((x) => x.collisionGroups),
      gaps: sum((x) => x.gaps.length),
      corrupt: sum((x) => x.corrupt),
      ...(report.error ? { error: report.error.message } : {}),
    });
  }

  /**
   * The nonces of every test batch this app published (its history), and its own producer nonce.
   * Read once (the history is on disk), then kept: each publish adds its nonce before sending.
   */
  private ownNonces(): Promise<Set<string>> {
    this.own ??= (async () => {
      const own = new Set((await this.history.list().catch(() => [])).map((b) => b.nonce));
      const file = path.join(this.home, 'producer.nonce');
      if (existsSync(file)) {
        try {
          own.add(formatNonce(decodeNonceFile(readFileSync(file))));
        } catch {
          // Unreadable: the history still names every nonce the app used.
        }
      }
      return own;
    })();
    return this.own;
  }

  /** After an outage, background work resumes by itself. */
  private onRecovered(s: Session): void {
    for (const idx of s.indexes.values()) {
      if (idx.status().state === 'failed') void idx.refresh();
    }
  }

  private async closeSession(): Promise<void> {
    const s = this.session;
    if (!s) return;
    this.session = null;
    s.closed = true;
    if (s.initTimer) clearTimeout(s.initTimer);
    if (s.topologyTimer) clearInterval(s.topologyTimer);
    s.health.stop();
    s.tail.dispose();
    for (const idx of s.indexes.values()) idx.stop();
    s.indexPages.close();
    for (const job of s.jobs.values()) job.abort();
    await s.adapter.shutdown().catch(() => {});
    this.sink('connection:changed', this.statusOf());
  }

  private requireSession(): Session {
    const s = this.session;
    if (!s) throw new MeshError('usage', 'not connected: open a connection profile first');
    return s;
  }

  private scrub(s: Session, info: MeshErrorInfo): MeshErrorInfo {
    return { ...info, message: redactText(info.message, s.secrets) };
  }

  /** Runs a Redis operation; failures are logged in the health error log, then rethrown. */
  private async redis<T>(s: Session, command: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const info = this.scrub(s, toErrorInfo(e));
      // A lock held by another publish of this config folder is not a Redis error.
      if (info.kind !== 'usage' && info.code !== 'LOCKED') s.health.recordError(info, command);
      throw new MeshError(info.kind, info.message, { code: info.code, command });
    }
  }

  // ---------- shards and events ----------

  private index(s: Session, shard: number): ShardIndex {
    let idx = s.indexes.get(shard);
    if (!idx) {
      idx = new ShardIndex(s.adapter, shard, streamKey(s.profile.prefix, shard), (st) => this.sink('index:changed', st), () => s.health.whenReady(), s.indexPages);
      s.indexes.set(shard, idx);
      void idx.refresh();
    }
    return idx;
  }

  private async listShards(s: Session): Promise<ShardListResult> {
    const found = await this.redis(s, 'SCAN', () => discoverShards(s.adapter.client, s.profile.prefix));
    const at = Date.now();
    const prev = s.lastLengths;
    const lengths = new Map<number, number>();
    const shards = found.shards.map((sh) => {
      lengths.set(sh.shard, sh.length);
      const rate = prev ? ratePerSec(prev.lengths.get(sh.shard), sh.length, at - prev.at) : null;
      // An append rate: a trimmed stream appends nothing (its shrinking shows in Health's growth).
      return { ...sh, appendRate: rate === null ? null : Math.max(0, rate) };
    });
    s.lastLengths = { at, lengths };
    s.health.noteShards(shards);
    return { prefix: found.prefix, shards, skipped: found.skipped, at };
  }

  /**
   * A shard's stream facts, read at most once per {@link FACTS_TTL_MS} per shard (a tooltip hovered
   * over many shards, a detail re-rendered) and bounded to {@link MAX_FACTS_CACHED} shards.
   */
  private async streamFacts(s: Session, shard: number): Promise<StreamFacts> {
    const cached = s.streamFacts.get(shard);
    const now = Date.now();
    if (cached && now - cached.at < FACTS_TTL_MS) return cached.value;
    const key = streamKey(s.profile.prefix, shard);
    const value = await this.redis(s, 'XINFO', () => readStreamFacts(s.adapter.client, shard, key, s.secrets));
    s.streamFacts.delete(shard);
    s.streamFacts.set(shard, { at: now, value });
    if (s.streamFacts.size > MAX_FACTS_CACHED) s.streamFacts.delete(s.streamFacts.keys().next().value as number);
    return value;
  }

  private browse(s: Session, shard: number): BrowseContext {
    return {
      adapter: s.adapter,
      index: this.index(s, shard),
      shard,
      key: streamKey(s.profile.prefix, shard),
      run: (command, fn) => this.redis(s, command, fn),
    };
  }

  // ---------- publishing ----------

  private async nonceFor(req: { nonce?: string }): Promise<bigint> {
    if (req.nonce !== undefined) {
      try {
        return parseNonce(req.nonce);
      } catch (e) {
        throw usageError((e as Error).message);
      }
    }
    return loadOrCreateNonce(path.join(this.home, 'producer.nonce'));
  }

  private seqStore(): SequenceStore {
    this.sequences ??= new SequenceStore(path.join(this.home, 'sequences.json'));
    return this.sequences;
  }

  private checkWritable(s: Session, shard: number, confirmShard: number | undefined): void {
    if (s.profile.readOnly) {
      throw new MeshError('fatal', `the profile "${s.profile.name}" is read-only: publishing and deleting are disabled`, { code: 'READ_ONLY_PROFILE' });
    }
    if (!isLocalServer(s.profile) && confirmShard !== shard) {
      throw new MeshError('usage', `this server is not on this machine: type the shard id (${shard}) to confirm publishing to it`, { code: 'CONFIRM_REQUIRED' });
    }
  }

  private validateEvents(events: string[]): number {
    if (events.length > MAX_BATCH_EVENTS) {
      throw usageError(`the batch has ${events.length} events; the limit is ${MAX_BATCH_EVENTS} events per batch (net-mesh writes one MULTI/EXEC per batch)`);
    }
    let bytes = 0;
    events.forEach((text, i) => {
      bytes += Buffer.byteLength(text);
      try {
        JSON.parse(text);
      } catch (e) {
        throw usageError(`event ${i + 1} is not valid JSON: ${(e as Error).message}`);
      }
    });
    if (bytes > MAX_BATCH_BYTES) throw usageError(`the batch is ${bytes} bytes; the limit is ${MAX_BATCH_BYTES} bytes (64 MB)`);
    return bytes;
  }

  private async prepare(s: Session, req: ParsedRequestOf<'publish:batch'>) {
    const bytes = this.validateEvents(req.events);
    const nonce = await this.nonceFor(req);
    const key = streamKey(s.profile.prefix, req.shard);
    const nonceHex = formatNonce(nonce);
    const sequenceStart = req.sequenceStart !== undefined ? BigInt(req.sequenceStart) : this.seqStore().next(nonceHex, key);
    const tStart = req.tStart !== undefined ? BigInt(req.tStart) : BigInt(Date.now()) * 1_000_000n;
    if (tStart + BigInt(Math.max(req.events.length - 1, 0)) > U64_MAX) throw usageError('tStart + the batch length passes 2^64 - 1: t is a u64');
    return { bytes, nonce, nonceHex, key, sequenceStart, tStart };
  }

  private async preview(s: Session, req: ParsedRequestOf<'publish:preview'>): Promise<PublishPreview> {
    const p = await this.prepare(s, req);
    const trim = req.maxLen !== undefined ? ` MAXLEN ~ ${req.maxLen}` : '';
    const tNow = p.tStart;
    const shown = Math.min(req.events.length, 50);
    const commands = ['MULTI'];
    for (let i = 0; i < shown; i++) {
      const d = encodePayload(req.events[i] as string, tNow + BigInt(i), req.shard);
      const dShown = d.length > 160 ? `${d.slice(0, 157)}...` : d;
      commands.push(`XADD ${p.key}${trim} * d ${dShown} dedup_id ${formatDedupId(p.nonce, req.shard, p.sequenceStart, i)}`);
    }
    if (req.events.length > shown) commands.push(`... ${req.events.length - shown} more XADD`);
    commands.push('EXEC');
    return {
      key: p.key,
      nonce: p.nonceHex,
      sequenceStart: p.sequenceStart.toString(),
      tStart: p.tStart.toString(),
      count: req.events.length,
      bytes: p.bytes,
      commands: req.events.length === 0 ? [] : commands,
      confirmRequired: !isLocalServer(s.profile),
    };
  }

  /** The session's test publisher (test-publisher.ts): reservation, send, resolution, record. */
  private publisherOf(s: Session): TestPublisher {
    s.publisher ??= new TestPublisher({
      home: this.home,
      adapter: s.adapter,
      sequences: this.seqStore(),
      history: this.history,
      profileId: s.profile.id,
      server: s.status.url ?? s.adapter.redactedUrl,
    });
    return s.publisher;
  }

  /** Runs a publishing step: Redis failures go to the health log, an unconfirmed batch too; an ACL refusal turns publishing off. */
  private async publishing(s: Session, run: () => Promise<TestPublishResult>): Promise<PublishedBatch> {
    const r = await this.redis(s, 'MULTI/EXEC', run).catch((e: unknown) => {
      // An ACL that refuses the write: publishing is off for this session, with Redis' reason.
      if (e instanceof MeshError && e.code === 'NOPERM') this.setFacts(s, { canPublish: false, publishBlockedReason: e.message });
      throw e;
    });
    if (r.outcome === 'unconfirmed') s.health.recordError(this.scrub(s, toErrorInfo(r.error)), 'MULTI/EXEC');
    return r.batch;
  }

  private async publish(s: Session, req: ParsedRequestOf<'publish:batch'>): Promise<PublishedBatch> {
    this.checkWritable(s, req.shard, req.confirmShard);
    const p = await this.prepare(s, req);
    // Before it is sent: a live tail may read the batch before EXEC's reply arrives here.
    (await this.ownNonces()).add(formatNonce(p.nonce));
    return this.publishing(s, () =>
      this.publisherOf(s).publish({
        shard: req.shard,
        events: req.events,
        nonce: p.nonce,
        ...(req.sequenceStart !== undefined ? { sequenceStart: BigInt(req.sequenceStart) } : {}),
        ...(req.sequenceStart === undefined && req.expectedSequenceStart !== undefined ? { expectedSequenceStart: BigInt(req.expectedSequenceStart) } : {}),
        ...(req.maxLen !== undefined ? { maxLen: req.maxLen } : {}),
        tStart: p.tStart,
      }),
    );
  }

  // ---------- analysis ----------

  private startAnalysis(s: Session, shards: number[] | undefined): string {
    const jobId = randomUUID();
    const ctrl = new AbortController();
    s.jobs.set(jobId, ctrl);
    const startedAt = Date.now();
    const doneByShard = new Map<number, { done: number; total: number }>();
    let lastEmit = 0;
    const selection = shards && shards.length > 0 ? shards : undefined;
    void (async () => {
      let report: AnalysisReport;
      const provenance = () => ({
        server: s.status.url ?? '',
        prefix: s.profile.prefix,
        shards: selection ?? [...doneByShard.keys()].sort((a, b) => a - b),
        startedAt,
        finishedAt: Date.now(),
        appVersion: this.opts.appVersion,
      });
      try {
        const result = await scanShards(s.adapter, {
          ...(selection ? { shards: selection } : {}),
          signal: ctrl.signal,
          // The scan connection's XRANGEs count toward the app's own load like every other command.
          onCommand: () => s.commandCount++,
          onProgress: (p) => {
            doneByShard.set(p.shard, { done: p.done, total: p.total });
            const now = Date.now();
            if (now - lastEmit < 200 && p.done < p.total) return;
            lastEmit = now;
            let entriesDone = 0;
            let entriesTotal = 0;
            for (const v of doneByShard.values()) {
              entriesDone += v.done;
              entriesTotal += v.total;
            }
            this.sink('analysis:progress', {
              jobId,
              shard: p.shard,
              shardsDone: [...doneByShard.values()].filter((v) => v.done >= v.total).length,
              shardsTotal: selection?.length ?? doneByShard.size,
              entriesDone,
              entriesTotal,
              entriesPerSec: p.entriesPerSec,
            });
          },
        });
        report = { jobId, state: 'done', provenance: { ...provenance(), shards: result.shards.map((x) => x.shard) }, shards: result.shards, skipped: result.skipped };
      } catch (e) {
        const cancelled = ctrl.signal.aborted;
        report = { jobId, state: cancelled ? 'cancelled' : 'failed', provenance: provenance(), shards: [], skipped: [] };
        if (!cancelled) report.error = this.scrub(s, toErrorInfo(e));
      } finally {
        s.jobs.delete(jobId);
      }
      this.sink('analysis:done', report);
      this.noteAnalysisForNotices(report);
    })();
    return jobId;
  }

  // ---------- demo ----------

  /**
   * One sandbox at a time (issue 12): calls while a start is in flight share it (three clicks
   * start one redis-server, not three); a later call replaces the running sandbox. The sandbox is
   * tracked from the moment it exists, so dispose() always stops it, even one still starting.
   */
  private startDemo(): Promise<ConnectionStatus> {
    this.demoStarting ??= this.replaceDemo().finally(() => {
      this.demoStarting = null;
    });
    return this.demoStarting;
  }

  private async replaceDemo(): Promise<ConnectionStatus> {
    if (this.disposed) throw new MeshError('usage', 'the service is shutting down');
    const { startDemoSandbox } = await import('./demo/sandbox');
    if (this.demo) {
      const old = this.demo;
      this.demo = null;
      await old.stop().catch(() => {});
    }
    const sandbox = await startDemoSandbox({ trickle: true });
    this.demo = sandbox;
    if (this.disposed) {
      // dispose() ran while the server was starting; it waits for this start, then stops it.
      throw new MeshError('usage', 'the service is shutting down');
    }
    await this.connectUrl(sandbox.url, sandbox.prefix, { name: 'Demo sandbox', demo: true });
    return this.statusOf();
  }

  // ---------- the table ----------

  private buildHandlers(): ContractHandlers {
    return {
      'app:info': async () => ({ version: this.opts.appVersion, transport: this.opts.transport, demoAvailable: onPath('redis-server') }),
      'profiles:list': async () => ({
        profiles: this.profiles.list().map(viewOf),
        activeProfileId: this.session?.profile.id ?? null,
      }),
      'profiles:save': async (req) => viewOf(await this.profiles.save(req)),
      'profiles:delete': async (req) => {
        if (this.session?.profile.id === req.id) await this.closeSession();
        return { deleted: await this.profiles.delete(req.id) };
      },
      'connection:open': async (req) => {
        const profile = this.profiles.get(req.profileId);
        if (!profile) throw usageError(`no profile with id ${req.profileId}`);
        return this.open(profile);
      },
      'connection:close': async () => {
        await this.closeSession();
        return this.statusOf();
      },
      'connection:status': async () => this.statusOf(),
      'demo:start': async () => this.startDemo(),
      'shards:list': async () => this.listShards(this.requireSession()),
      'shards:facts': async (req) => this.streamFacts(this.requireSession(), req.shard),
      'gaps:list': async (req) => {
        const s = this.requireSession();
        const idx = this.index(s, req.shard);
        return { shard: req.shard, ...(await this.redis(s, 'XINFO', () => idx.gapReport())) };
      },
      'events:page': async (req) => {
        const s = this.requireSession();
        const page =
          req.direction === 'forward'
            ? await this.redis(s, 'XRANGE', () => s.adapter.poll(req.shard, req.cursor, req.limit))
            : await this.redis(s, 'XREVRANGE', () => s.adapter.pollReverse(req.shard, req.cursor, req.limit));
        return req.previewChars === undefined ? page : { ...page, entries: capEntries(page.entries, req.previewChars) };
      },
      'events:at': async (req) => pageAt(this.browse(this.requireSession(), req.shard), req.position, req.limit, req.previewChars),
      'events:locate': async (req) => {
        const target = req.id ?? `${req.timeMs}-0`;
        return locateWithPage(this.browse(this.requireSession(), req.shard), target, req.page);
      },
      'events:filter': async (req) => filterStep(this.browse(this.requireSession(), req.shard), req),
      'events:entry': async (req) => {
        const s = this.requireSession();
        return this.redis(s, 'XRANGE', () => s.adapter.fetchEntry(req.shard, req.id));
      },
      'index:status': async (req) => this.index(this.requireSession(), req.shard).status(),
      'duplicates:lookup': async (req) => {
        const idx = this.index(this.requireSession(), req.shard);
        return { ready: idx.ready, marks: idx.duplicateMarks(req.dedupIds) };
      },
      'duplicates:copies': async (req) => findCopies(this.browse(this.requireSession(), req.shard), req.dedupId),
      'tail:subscribe': async (req) => {
        const s = this.requireSession();
        const subscriptionId = await this.redis(s, 'XREVRANGE', () => s.tail.subscribe(req.shards, req.after, req.lengths));
        if (req.previewChars !== undefined) {
          s.tailPreviews.set(subscriptionId, req.previewChars);
          // Bounded like the tail's own subscription table (a view that never unsubscribed).
          if (s.tailPreviews.size > 64) s.tailPreviews.delete(s.tailPreviews.keys().next().value as string);
        }
        return { subscriptionId };
      },
      'tail:unsubscribe': async (req) => {
        this.session?.tail.unsubscribe(req.subscriptionId);
        this.session?.tailPreviews.delete(req.subscriptionId);
        return { ok: true as const };
      },
      'publish:nonce': async (req) => {
        const s = this.requireSession();
        const nonceHex = formatNonce(await this.nonceFor(req));
        const sequenceStart = req.shard === undefined ? null : this.seqStore().next(nonceHex, streamKey(s.profile.prefix, req.shard)).toString();
        return { nonce: nonceHex, persistent: req.nonce === undefined, sequenceStart };
      },
      'publish:preview': async (req) => this.preview(this.requireSession(), req),
      'publish:batch': async (req) => this.publish(this.requireSession(), req),
      'publish:again': async (req) => {
        const s = this.requireSession();
        const rec = await this.history.get(req.batchId);
        if (!rec) throw usageError(`no test batch ${req.batchId} in the history`);
        sameProfile(s, rec.batch);
        this.checkWritable(s, rec.batch.shard, req.confirmShard);
        (await this.ownNonces()).add(rec.batch.nonce);
        return this.publishing(s, () => this.publisherOf(s).replay(req.batchId, req.confirmDuplicates));
      },
      'publish:recheck': async (req) => {
        const s = this.requireSession();
        const rec = await this.history.get(req.batchId);
        if (!rec) throw usageError(`no test batch ${req.batchId} in the history`);
        sameProfile(s, rec.batch);
        return this.redis(s, 'XRANGE', () => this.publisherOf(s).recheck(req.batchId));
      },
      'publish:history': async () => {
        // A background record that could not be written is said here, once.
        await this.history.settled();
        return { batches: await this.history.list() };
      },
      'publish:delete': async (req) => {
        const s = this.requireSession();
        const rec = await this.history.get(req.batchId);
        if (!rec) throw usageError(`no test batch ${req.batchId} in the history`);
        sameProfile(s, rec.batch);
        this.checkWritable(s, rec.batch.shard, rec.batch.shard);
        const ids = rec.batch.ids.filter((id) => id !== '');
        let deleted = 0;
        // XDEL exactly the ids this batch got, in bounded chunks.
        for (let i = 0; i < ids.length; i += 1000) {
          const chunk = ids.slice(i, i + 1000);
          deleted += await this.redis(s, 'XDEL', () => s.adapter.client.xdel(rec.batch.key, ...chunk));
        }
        await this.history.markDeleted(req.batchId);
        // XDEL moved every later position: the shard's index is rebuilt on its next use.
        s.indexes.get(rec.batch.shard)?.stop();
        s.indexes.delete(rec.batch.shard);
        return { deleted };
      },
      'analysis:start': async (req) => ({ jobId: this.startAnalysis(this.requireSession(), req.shards) }),
      'analysis:cancel': async (req) => {
        const job = this.session?.jobs.get(req.jobId);
        job?.abort();
        return { cancelled: job !== undefined };
      },
      'health:snapshot': async () => {
        const s = this.requireSession();
        return s.health.snapshot();
      },
      'health:history': async () => this.requireSession().health.history(),
      'health:configure': async (req) => {
        const s = this.requireSession();
        // Kept for the next sessions too: a struggling server stays probed gently after a reconnect.
        this.probeIntervalMs = req.probeIntervalMs;
        return s.health.configure(req.probeIntervalMs);
      },
      'health:incident': async () => this.requireSession().incident.read(),
      'notify:configure': async (req) => {
        if (req.enabled !== undefined) this.notices.configure(req.enabled);
        return { enabled: this.notices.isEnabled };
      },
      'health:export': async () => {
        const s = this.requireSession();
        // A fresh read while Redis answers (bounded by the command timeout), the last one otherwise.
        const incident = await s.incident.read();
        return s.health.exportDocument({ appVersion: this.opts.appVersion, connection: { ...s.status, commandTimeoutMs: s.profile.commandTimeoutMs }, incident });
      },
      'topology:status': async () => {
        const s = this.requireSession();
        const status = await s.topology.refresh();
        this.noteTopology(s, status);
        return status;
      },
    };
  }
}

/** A batch is replayed or deleted only through the profile that published it: its ids mean nothing on another server. */
function sameProfile(s: Session, batch: PublishedBatch): void {
  if (batch.profileId !== s.profile.id) {
    throw usageError(`this test batch was published through another connection profile; connect with that profile to publish it again or delete it (${batch.key})`);
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
function isLocalServer(profile: StoredProfile): boolean {
  if (profile.topology?.mode === 'sentinel') {
    const sentinels = parseSentinels(profile.topology.sentinels ?? '');
    return sentinels.length > 0 && sentinels.every((x) => isLoopbackHost(x.host));
  }
  return isLoopbackHost(parseRedisUrl(profile.address).host);
}


function onPath(binary: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && existsSync(path.join(dir, binary)));
}

export type { MeshEntry };

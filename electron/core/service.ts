/**
 * The service behind the contract: one implementation for the Electron main process and for
 * `serve`. It holds the profiles, at most one session (session.ts: the adapter and everything that
 * lives as long as it does), the test-batch desk (publish-desk.ts), the demo sandbox and the
 * opt-in notifications; the handler table at the bottom maps each channel to them. Handlers take
 * requests already parsed at the gate (dispatch.ts) and throw MeshError on failure.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AnalysisReport, ConnectionStatus, ContractHandlers, EventSink, ProfileInput } from '../../shared/contract';
import { MeshError, usageError } from '../../shared/errors';
import type { MeshEntry } from '../../shared/types';
import { loadTlsFiles, type ConnectionProfile } from './connection';
import { parseRedisUrl } from './redis-url';
import { configHome } from './home';
import { ProfileStore, connectUrlOf, viewOf, type StoredProfile } from './profile-store';
import { NotifyCenter } from './notify';
import { BatchHistory } from './batch-history';
import { removeStaleTemps } from './state-files';
import { capEntries, filterStep, findCopies, locateWithPage, pageAt } from './browse';
import { Session } from './session';
import { shardListRequest } from './shard-list-delta';
import { indexProblems } from './shard-problems';
import { PublishDesk } from './publish-desk';
import { cancelAnalysisJob, startAnalysisJob } from './analysis-job';
import { consumerDeps } from './consumer-jobs';
import { tryFirstConnect } from './first-connect';
import { findJobsOf, findSourceOf } from './find';
import type { CreateService, MeshService, ServiceOptions } from './service-api';

/** An analysis that ran at least this long notifies when it ends (opt-in notifications). */
const LONG_ANALYSIS_MS = 10_000;

export const createService: CreateService = (opts: ServiceOptions): MeshService => new Service(opts);

class Service implements MeshService {
  readonly handlers: ContractHandlers;
  private readonly home: string;
  private readonly sink: EventSink;
  private readonly profiles: ProfileStore;
  private readonly desk: PublishDesk;
  private session: Session | null = null;
  private demo: { stop(): Promise<void> } | null = null;
  private demoStarting: Promise<ConnectionStatus> | null = null;
  private disposed = false;
  private openGeneration = 0;
  /** The health probe interval the user chose (health:configure); new sessions start with it. */
  private probeIntervalMs = 1000;
  /** Opt-in notifications (notify:configure, `notify:show`). */
  private readonly notices: NotifyCenter;
  /** Notifications: the session was ready once (a failed first connect is not "went down"); a `down` was notified. */
  private everReady = false;
  private notifiedDown = false;

  constructor(private readonly opts: ServiceOptions) {
    this.home = opts.home ?? configHome();
    this.sink = opts.sink;
    this.profiles = new ProfileStore(this.home, opts.secrets);
    const history = new BatchHistory(this.home);
    this.desk = new PublishDesk(this.home, history);
    // Temp files of writers that crashed mid-write (a live instance's are left alone).
    removeStaleTemps(this.home);
    removeStaleTemps(history.dir);
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
    await this.desk.history.settled().catch(() => {});
    if (this.demo) {
      const d = this.demo;
      this.demo = null;
      await d.stop().catch(() => {});
    }
  }

  // ---------- the session ----------

  private statusOf(): ConnectionStatus {
    return this.session?.status ?? { state: 'disconnected', profileId: null, url: null, prefix: null, readOnly: false, since: Date.now() };
  }

  private async open(profile: StoredProfile): Promise<ConnectionStatus> {
    // Opens that overlap (two clicks, a demo start during an open) must not both install a
    // session: the later one wins, and the earlier one stops before it creates any client.
    const generation = ++this.openGeneration;
    await this.closeSession();
    this.notices.newSession();
    this.everReady = false;
    this.notifiedDown = false;
    const password = await this.profiles.password(profile);
    const sentinelPassword = await this.profiles.sentinelPassword(profile);
    const conn: ConnectionProfile = {
      url: connectUrlOf(profile, password),
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
    const session: Session = new Session(profile, loaded, this.probeIntervalMs, {
      sink: this.sink,
      onHealth: (snap, status) => this.noteStateForNotices(status, snap),
      onTailEntries: (shard, entries) => {
        if (this.notices.isEnabled) void this.desk.ownNonces().then((own) => this.notices.tail(shard, entries, own));
      },
      ...(this.opts.indexLimits ? { indexLimits: this.opts.indexLimits } : {}),
    });
    this.session = session;
    return session.start();
  }

  private async closeSession(): Promise<void> {
    const s = this.session;
    if (!s) return;
    this.session = null;
    await s.dispose();
    this.sink('connection:changed', this.statusOf());
  }

  private requireSession(): Session {
    const s = this.session;
    if (!s) throw new MeshError('usage', 'not connected: open a connection profile first');
    return s;
  }

  // ---------- notices ----------

  /** Connection notices: `down` once per outage of a session that was ready before, `up` when it is back. */
  private noteStateForNotices(status: ConnectionStatus, snap: { state: ConnectionStatus['state']; cause: { message: string } | null }): void {
    if (snap.state === 'ready') {
      this.everReady = true;
      if (this.notifiedDown) this.notices.signal({ kind: 'up', at: Date.now(), server: status.url ?? '' });
      this.notifiedDown = false;
    } else if (snap.state === 'down' && this.everReady && !this.notifiedDown) {
      this.notifiedDown = true;
      this.notices.signal({ kind: 'down', at: Date.now(), server: status.url ?? '', reason: snap.cause?.message ?? 'no answer' });
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
    const session = () => this.requireSession();
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
      'shards:list': async (req) => shardListRequest(session(), req, () => session().listShards()),
      'shards:problems': async () => ({ shards: indexProblems(session().indexesOpen()) }),
      'shards:facts': async (req) => session().streamFacts(req.shard),
      'gaps:list': async (req) => {
        const s = session();
        const idx = s.index(req.shard);
        return { shard: req.shard, ...(await s.redis('XINFO', () => idx.gapReport())) };
      },
      'events:page': async (req) => {
        const s = session();
        const page =
          req.direction === 'forward'
            ? await s.redis('XRANGE', () => s.adapter.poll(req.shard, req.cursor, req.limit))
            : await s.redis('XREVRANGE', () => s.adapter.pollReverse(req.shard, req.cursor, req.limit));
        return req.previewChars === undefined ? page : { ...page, entries: capEntries(page.entries, req.previewChars) };
      },
      'events:at': async (req) => pageAt(session().browse(req.shard), req.position, req.limit, req.previewChars),
      'events:locate': async (req) => locateWithPage(session().browse(req.shard), req.id ?? `${req.timeMs}-0`, req.page),
      'events:filter': async (req) => filterStep(session().browse(req.shard), req),
      'events:entry': async (req) => {
        const s = session();
        return s.redis('XRANGE', () => s.adapter.fetchEntry(req.shard, req.id));
      },
      'index:status': async (req) => session().index(req.shard).status(),
      'duplicates:lookup': async (req) => {
        const idx = session().index(req.shard);
        return { ready: idx.ready, marks: idx.duplicateMarks(req.dedupIds) };
      },
      'duplicates:copies': async (req) => findCopies(session().browse(req.shard), req.dedupId),
      'tail:subscribe': async (req) => ({ subscriptionId: await session().subscribeTail(req.shards, req.after, req.lengths, req.previewChars) }),
      'tail:unsubscribe': async (req) => {
        this.session?.unsubscribeTail(req.subscriptionId);
        return { ok: true as const };
      },
      'publish:nonce': async (req) => this.desk.nonce(session(), req),
      'publish:preview': async (req) => this.desk.preview(session(), req),
      'publish:batch': async (req) => this.desk.publish(session(), req),
      'publish:again': async (req) => this.desk.again(session(), req),
      'publish:recheck': async (req) => this.desk.recheck(session(), req),
      'publish:history': async () => this.desk.list(),
      'publish:delete': async (req) => this.desk.delete(session(), req),
      'analysis:start': async (req) => ({
        jobId: startAnalysisJob(session(), req.shards, { sink: this.sink, appVersion: this.opts.appVersion, onDone: (r) => this.noteAnalysisForNotices(r) }),
      }),
      'analysis:cancel': async (req) => ({ cancelled: cancelAnalysisJob(this.session, req.jobId) }),
      'find:start': async (req) => findJobsOf(session()).start(findSourceOf(session()), req.query, req.shards),
      'find:next': async (req) => findJobsOf(session()).next(req.findId),
      'find:cancel': async (req) => ({ cancelled: this.session ? findJobsOf(this.session).cancel(req.findId) : false }),
      'health:snapshot': async () => session().health.snapshot(),
      'health:history': async () => session().health.history(),
      'health:configure': async (req) => {
        const s = session();
        // Kept for the next sessions too: a struggling server stays probed gently after a reconnect.
        this.probeIntervalMs = req.probeIntervalMs;
        return s.health.configure(req.probeIntervalMs);
      },
      'health:incident': async () => session().incident.read(),
      'notify:configure': async (req) => {
        if (req.enabled !== undefined) this.notices.configure(req.enabled);
        return { enabled: this.notices.isEnabled };
      },
      'health:export': async () => {
        const s = session();
        // A fresh read while Redis answers (bounded by the command timeout), the last one otherwise.
        const incident = await s.incident.read();
        return s.health.exportDocument({ appVersion: this.opts.appVersion, connection: { ...s.status, commandTimeoutMs: s.profile.commandTimeoutMs }, incident });
      },
      'topology:status': async () => session().readTopology(),
      'consumer:start': async (req) => session().consumer.start(consumerDeps(session(), this.sink), req),
      'consumer:cancel': async (req) => session().consumer.cancel(req.jobId),
      'consumer:status': async (req) => session().consumer.status(req.jobId),
      'consumer:rows': async (req) => session().consumer.rows(req),
      'consumer:locate': async (req) => session().consumer.locate(req),
      'connection:try': async (req) => tryFirstConnect({ profiles: this.profiles, open: (p) => this.open(p), close: () => this.closeSession() }, req),
    };
  }
}

function onPath(binary: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && existsSync(path.join(dir, binary)));
}

export type { MeshEntry };

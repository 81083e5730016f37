/**
 * The one typed contract between the UI and the core. Each request channel has a runtime schema
 * that the main process (Electron IPC) and the browser-mode server (`serve`) parse before any
 * handler runs; the preload API, the main-side registration and the renderer client are all
 * derived from the tables below, so a channel exists in one place only.
 *
 * Responses travel in an envelope (`Envelope`) on both transports, so a failure reaches the UI
 * as data (`MeshErrorInfo`: kind + message + code), never as a transport exception.
 */
import { z } from 'zod';
import type { FindQuery, FindStep } from './find';
import type { Notice } from './notify-rules';
import type {
  GapRange,
  MeshEntry,
  MeshErrorInfo,
  ShardAnalysis,
  ShardPage,
  SkippedKey,
} from './types';
import { CONSUMER_FILTERS, type ConsumerProgress, type ConsumerRowsPage } from './consumer';
import { MAX_DEDUP_CAPACITY } from './dedup-window';

// ---------- shared building blocks ----------

const shardId = z.number().int().min(0).max(65535);
/** Stream ids travel as strings (`<ms>-<seq>`, each a u64); never as JS numbers. */
const streamId = z.string().regex(/^\d{1,20}-\d{1,20}$/, 'a stream id looks like <ms>-<seq>');
const profileId = z.string().min(1).max(64);

export const MAX_PAGE_LIMIT = 1000;
/** Entries one `events:filter` call may look at. */
export const MAX_FILTER_SCAN = 100_000;
export const MAX_BATCH_EVENTS = 100_000;
export const MAX_BATCH_BYTES = 64 * 1024 * 1024;

export const tlsOptionsSchema = z
  .object({
    caFile: z.string().min(1).max(4096).optional(),
    certFile: z.string().min(1).max(4096).optional(),
    keyFile: z.string().min(1).max(4096).optional(),
    servername: z.string().min(1).max(255).optional(),
  })
  .strict();

/**
 * How a profile reaches Redis (PRODUCT.md feature 14): `auto` detects a Cluster with `INFO cluster`
 * on connect; `sentinel` asks the sentinels (`host:port,host:port`) for the master `masterName`,
 * and the URL then only gives the credentials, db and scheme (rediss:// = TLS to all of them).
 */
export const topologyOptionsSchema = z
  .object({
    mode: z.enum(['auto', 'standalone', 'cluster', 'sentinel']),
    sentinels: z.string().max(1024).optional(),
    masterName: z.string().max(256).optional(),
  })
  .strict()
  .refine((t) => t.mode !== 'sentinel' || (t.sentinels !== undefined && t.sentinels.trim() !== '' && t.masterName !== undefined && t.masterName.trim() !== ''), {
    message: 'Sentinel needs the sentinel addresses (host:port, comma-separated) and the master name',
  });

export const profileInputSchema = z
  .object({
    /** Absent to create a profile. */
    id: profileId.optional(),
    name: z.string().trim().min(1, 'a profile needs a name').max(100),
    /** redis:// or rediss:// URL. A password inside it is moved to the secret store. */
    url: z.string().min(1, 'a URL is required').max(2048),
    /** A new password; `null` forgets the saved one; absent keeps it. */
    password: z.string().max(1024).nullable().optional(),
    prefix: z.string().min(1, 'a prefix is required').max(256),
    commandTimeoutMs: z.number().int().min(50).max(60_000),
    readOnly: z.boolean(),
    tls: tlsOptionsSchema.optional(),
    topology: topologyOptionsSchema.optional(),
    /**
     * Sentinel only: a new password of the sentinels themselves (`requirepass` on a sentinel),
     * kept in the secret store like `password`; `null` forgets the saved one; absent keeps it.
     */
    sentinelPassword: z.string().max(1024).nullable().optional(),
  })
  .strict();
export type ProfileInput = z.input<typeof profileInputSchema>;

/** What the renderer may know of a profile: never the password. */
export interface ProfileView {
  id: string;
  name: string;
  /** Redacted the way net-mesh's `redact_url` does. */
  url: string;
  /** Scheme, host, port and db without credentials, for editing. */
  address: string;
  username?: string;
  hasPassword: boolean;
  prefix: string;
  commandTimeoutMs: number;
  readOnly: boolean;
  tls?: z.infer<typeof tlsOptionsSchema>;
  /** Absent: `auto`. */
  topology?: z.infer<typeof topologyOptionsSchema>;
  /** Sentinel: a password of the sentinels themselves is saved (never the password itself). */
  hasSentinelPassword?: boolean;
  demo?: boolean;
}

export type ConnectionState = 'disconnected' | 'connecting' | 'ready' | 'reconnecting' | 'down';

export interface ConnectionStatus {
  state: ConnectionState;
  profileId: string | null;
  /** Redacted URL of the current connection. */
  url: string | null;
  prefix: string | null;
  readOnly: boolean;
  serverVersion?: string;
  /** Epoch ms since when the current state holds. */
  since: number;
  error?: MeshErrorInfo;
  /** What the connection is, once connected (`auto` profiles: as detected). */
  topology?: TopologyMode;
  /**
   * Whether this session may publish, once known: false for a read-only profile and for an ACL
   * user refused XADD or MULTI/EXEC on the shard keys (probed on connect, and learnt from a NOPERM
   * at publish). Browsing works either way.
   */
  canPublish?: boolean;
  /** Why publishing is disabled, for a person (the Redis NOPERM text, or "read-only profile"). */
  publishBlockedReason?: string;
  /**
   * Whether the server runs on this machine, as the core decides it (a loopback host; behind
   * Sentinel, every sentinel on loopback). Publishing to a server that is not local asks for the
   * shard id as a confirmation.
   */
  local?: boolean;
}

export type TopologyMode = 'standalone' | 'cluster' | 'sentinel';

/** One Redis node as the topology view shows it (`topology:status`). */
export interface TopologyNode {
  /** Cluster node id; null outside a Cluster. */
  id: string | null;
  /** `host:port`. */
  address: string;
  role: 'master' | 'replica' | 'unknown';
  /** Hash-slot ranges `[from, to]` (inclusive) a Cluster master serves; [] otherwise. */
  slots: Array<[number, number]>;
  /** PING round trip from the app, ms; null when not probed or unreachable. */
  latencyMs: number | null;
  /** `used_memory` from INFO memory; null when not probed, unreachable or refused. */
  usedMemory: number | null;
  /**
   * Cluster: the bus link (`connected`/`disconnected`) unless the node is flagged `fail`/`pfail`;
   * a replica outside a Cluster: its replication link (`connected` when online).
   */
  linkState: 'connected' | 'disconnected' | 'fail' | 'pfail' | 'handshake' | 'unknown';
  /** A replica's master (`host:port`); null for a master. */
  replicaOf: string | null;
  /** Cluster flags as CLUSTER NODES lists them (`master`, `myself`, `fail?`, ...). */
  flags: string[];
  /** Why the node could not be probed. */
  error?: MeshErrorInfo;
}

/** A master that was replaced: seen by comparing successive topology snapshots. */
export interface TopologyFailover {
  /** Epoch ms of the snapshot that first showed it. */
  at: number;
  /** The master that failed or stepped down (`host:port`), and its Cluster id. */
  failed: string;
  failedId: string | null;
  /** The node that serves in its place now. */
  replacedBy: string;
  replacedById: string | null;
  /** For a person: `127.0.0.1:7001 (failed) was replaced by its replica 127.0.0.1:7004`. */
  detail: string;
}

export interface TopologyStatus {
  mode: TopologyMode;
  /** Epoch ms of this snapshot. */
  at: number;
  /** `cluster_state` from CLUSTER INFO (`ok`/`fail`); null outside a Cluster. */
  clusterState: string | null;
  /** The Sentinel master name; null otherwise. */
  masterName: string | null;
  /** Masters first (by first slot), then replicas. */
  nodes: TopologyNode[];
  /** Every failover seen in this session, oldest first (the newest 50). */
  failovers: TopologyFailover[];
  /** Why the snapshot is incomplete (e.g. CLUSTER NODES refused by an ACL), or null. */
  error: MeshErrorInfo | null;
}

export interface ShardSummary {
  shard: number;
  key: string;
  length: number;
  firstId: string | null;
  lastId: string | null;
  /** Entries per second over the last refresh interval; null until two samples exist. */
  appendRate: number | null;
}

/** One consumer group of a stream (`XINFO GROUPS`). */
export interface StreamGroupFacts {
  name: string;
  consumers: number;
  pending: number;
  lastDeliveredId: string;
  /** Redis 7.0+; null before, or when Redis cannot tell. */
  entriesRead: number | null;
  lag: number | null;
}

/**
 * What Redis keeps about one shard stream (`shards:facts`, `shards --json`): from `XINFO STREAM`,
 * `MEMORY USAGE key SAMPLES n` and `XINFO GROUPS`. The Redis 7 fields are null on older servers.
 */
export interface StreamFacts {
  shard: number;
  key: string;
  /** Epoch ms of the read. */
  at: number;
  /** Entries present. */
  length: number;
  /** Entries ever added (Redis 7.0+). */
  entriesAdded: number | null;
  /** `entriesAdded - length`: entries removed in all, trimmed or deleted (Redis 7.0+). */
  removed: number | null;
  lastGeneratedId: string;
  /** The first entry present as Redis records it (moved by trimming and by deleting the head; Redis 7.0+). */
  recordedFirstEntryId: string | null;
  /** The greatest id ever removed by XDEL, `0-0` when none was (trimming does not move it; Redis 7.0+). */
  maxDeletedEntryId: string | null;
  firstEntryId: string | null;
  lastEntryId: string | null;
  /** `MEMORY USAGE` in bytes (an estimate from `memorySamples` sampled nodes); null when refused or failed. */
  memoryBytes: number | null;
  memorySamples: number;
  /** Why `memoryBytes` is null (e.g. NOPERM). */
  memoryError?: MeshErrorInfo;
  /** Consumer groups of the stream (`groups` lists the first 50). */
  groupCount: number;
  groups: StreamGroupFacts[];
  /** Why `groups` is empty although `groupCount` is not. */
  groupsError?: MeshErrorInfo;
}

export interface ShardListResult {
  prefix: string;
  shards: ShardSummary[];
  skipped: SkippedKey[];
  /** Epoch ms of this discovery. */
  at: number;
  /**
   * Present when the request gave `since` (the `at` of a list the caller holds) and the service
   * still remembers that list: `shards` then holds only the shards that are new or changed since
   * it, `removed` the ids that are gone (issue 14: 65,536 shards are not resent every refresh).
   * A shard not listed is as it was, with an `appendRate` of 0 (its stream did not change).
   */
  delta?: { since: number; removed: number[] };
  /**
   * Present when the request gave `page`: `shards` holds the list's shards from `offset` on (at
   * most the page's `limit`), `total` how many the whole list of this `at` has.
   */
  page?: { offset: number; total: number };
}

/**
 * One shard's problem counts from its background index (`shards:problems`, issue 13), for the
 * sidebar's badges between whole-bus analyses. Only shards whose index is complete are listed.
 */
export interface ShardProblemCounts {
  shard: number;
  /** Epoch ms of this answer. */
  at: number;
  entries: number;
  corrupt: number;
  duplicateGroups: number;
  collisionGroups: number;
  /** Sequence gaps, head gaps included. */
  gaps: number;
  misrouted: number;
}

export interface PositionedPage extends ShardPage {
  /** 0-based position of the first entry (oldest first), exact when the index is complete. */
  position: number;
  exact: boolean;
  /** The stream's length when the page was read, when the service learnt it on the way (always for a page that reached the end). */
  length?: number;
}

/**
 * An entry in a page asked for with `previewChars` (`events:page`, `events:at`, `events:filter`,
 * `tail:subscribe`): when the event's `r` (a corrupt entry's `d`) is longer, it holds only its
 * first `previewChars` characters and `truncated` holds the full length; `events:entry` returns
 * the whole entry. A page of 500 never carries megabytes that a one-line preview cannot show.
 */
export type PageEntry = MeshEntry & { truncated?: number };

/** Where an id or a time falls in a shard (`events:locate`). */
export interface LocateResult {
  /** Position (oldest first) of the first entry whose id is >= the target; the length when none is. */
  position: number;
  /** False while the index is still being built: then `position` is an estimate from the id times. */
  exact: boolean;
  /** The id found at `position`, null when the target is past the newest entry. */
  id: string | null;
  /** True when `id` is the target itself (jump to an id that exists). */
  found: boolean;
  /**
   * With `page` in the request, when an entry was found: the page of `page.size` entries holding
   * `position` (starting at a multiple of `page.size`), as `events:at` would answer it, so a jump
   * needs one round trip.
   */
  page?: PositionedPage;
}

/** A server-side filter: every given criterion must hold. */
export interface FilterQuery {
  /** Substring of the payload (`r`, or a corrupt entry's stored `d`); case-insensitive when it has no upper-case letter. */
  text?: string;
  /** `$.path == literal`, compared on the raw text (numbers digit for digit, strings decoded). */
  pathEquals?: string;
  /**
   * Entries the shard's background index flagged (issue 13/14; answered from the index's
   * positions, no scan): `duplicate` (every copy, grouped by dedup_id: collisions first, then
   * retries), `retry` / `collision` (one kind only), `gap` (the two entries bounding each gap of a
   * nonce's ordinals), `misrouted` (dedup_id shard part or payload `s` names another shard).
   */
  status?: FilterStatus;
  /** Analysis evidence (issue 13): the entry whose dedup_id is `nonce`'s ordinal `value` (seq + i) on this shard (one gap's bounding entry; scanned, not from the index). */
  ordinal?: { nonce: string; value: number };
}

export const FILTER_STATUSES = ['corrupt', 'duplicate', 'retry', 'collision', 'gap', 'misrouted'] as const;
export type FilterStatus = (typeof FILTER_STATUSES)[number];

/** One bounded step of a filter scan: resume with `cursor` until `done`. */
export interface FilterPage {
  shard: number;
  entries: PageEntry[];
  /** Exclusive cursor to continue from (the last entry looked at), as `events:page`. */
  cursor: string | null;
  /** True when the scan reached the end of the stream in its direction. */
  done: boolean;
  /** Entries looked at by this call. */
  scanned: number;
  /** False while the shard's duplicate index is still being built (a duplicates filter may miss entries). */
  duplicatesReady: boolean;
  /**
   * Status filters answered from the shard's index (additive): the position of each entry (same
   * order as `entries`), the number of matches in all, and while the index is still being built
   * `pending` true with its progress (no entries yet: ask again when `index:changed` says ready).
   */
  positions?: number[];
  matchTotal?: number;
  pending?: boolean;
  index?: IndexStatus;
}

/** The entries of a shard carrying one dedup_id (`duplicates:copies`). */
export interface DuplicateCopies {
  dedupId: string;
  ready: boolean;
  copies: Array<{ id: string; position: number }>;
}

export interface IndexStatus {
  shard: number;
  state: 'idle' | 'building' | 'ready' | 'failed';
  indexed: number;
  total: number;
  /** Sparse step: one id kept per `step` entries. */
  step: number;
  error?: MeshErrorInfo;
}

/**
 * A shard's sequence gaps with their causes (`gaps:list`), from its background index, for Browse's
 * gap rows: the same ranges and causes a scan reports. `ready` is false while the index is still
 * being built, or when entries were deleted since it was built (it then starts over).
 */
export interface ShardGaps {
  shard: number;
  ready: boolean;
  gaps: GapRange[];
  headGaps: GapRange[];
  /**
   * Where each of `gaps` lies (same order, additive): the positions of the entries bounding it
   * (ordinal `from - 1` and `to + 1` of its nonce, as the index met them), null when not known.
   */
  places?: GapPlace[];
  /** Where each of `headGaps` lies (same order, additive): `after` is the nonce's lowest ordinal here. */
  headPlaces?: GapPlace[];
}

export interface GapPlace {
  before: number | null;
  after: number | null;
  /** dedup_ids of the bounding entries, for the marker's text. */
  beforeDedupId?: string;
  afterDedupId?: string;
}

export interface DuplicateMark {
  dedupId: string;
  kind: 'retry' | 'collision';
  /** How many entries of the shard carry this dedup_id. */
  copies: number;
}

export interface PublishPreview {
  key: string;
  nonce: string;
  sequenceStart: string;
  /**
   * `t` of the first event (decimal u64, ns since the epoch); event i gets `tStart + i`. Passing it
   * back with `publish:batch` (with the same nonce and sequence start) sends exactly these bytes.
   */
  tStart: string;
  count: number;
  bytes: number;
  /** The exact commands, one per line, payloads shortened for display. */
  commands: string[];
  confirmRequired: boolean;
}

export interface PublishedBatch {
  batchId: string;
  at: number;
  profileId: string;
  shard: number;
  key: string;
  nonce: string;
  sequenceStart: string;
  /** Stream ids, index-aligned with `dedupIds`; '' for an entry no longer found (see `missing`); empty while unconfirmed. */
  ids: string[];
  dedupIds: string[];
  latencyMs: number;
  deleted?: boolean;
  /** Events in the batch (history listings shorten `ids` and `dedupIds`; this stays exact). */
  count?: number;
  /**
   * What is known about the batch (absent in old records: `landed`). `landed`: in the stream;
   * `unconfirmed`: Redis stayed unreachable after EXEC was sent, so whether it landed is not known
   * yet (re-check with `publish:recheck`); `not-landed`: a re-check found none of it.
   */
  outcome?: 'landed' | 'unconfirmed' | 'not-landed';
  /** How the outcome was learnt: EXEC's own reply, reading the stream back after a lost reply, or a later re-check. */
  verifiedBy?: 'reply' | 'readback' | 'recheck';
  /** Landed, but this many of its entries are no longer in the stream (trimmed or deleted since). */
  missing?: number;
  /** The server it went to, as a redacted URL. */
  server?: string;
  /** A replay ("publish again with the same ids"): the batch whose ids it repeats. */
  replayOf?: string;
  /** The stream's last id before MULTI (null: the stream was empty), where a re-check starts reading. */
  anchorId?: string | null;
  /** A re-check found it not landed and gave its ordinals back (no later batch had taken any after them). */
  ordinalsReleased?: boolean;
  /** In history listings: `ids`/`dedupIds` hold only the first ids. */
  idsTruncated?: boolean;
  /** One sentence for a person: why unconfirmed, or what a re-check found. */
  note?: string;
}

export interface AnalysisProgress {
  jobId: string;
  shard: number;
  shardsDone: number;
  shardsTotal: number;
  entriesDone: number;
  entriesTotal: number;
  entriesPerSec: number;
}

export interface AnalysisReport {
  jobId: string;
  state: 'done' | 'cancelled' | 'failed';
  provenance: { server: string; prefix: string; shards: number[]; startedAt: number; finishedAt: number; appVersion: string };
  /** Done: every shard. Failed: the shards fully read before the failure (complete each; the rest are missing). */
  shards: ShardAnalysis[];
  skipped: SkippedKey[];
  error?: MeshErrorInfo;
}

export interface HealthSample {
  at: number;
  latencyMs: number | null;
  ok: boolean;
  /** The app's own commands per second (all its connections) over the interval ending here. */
  ownCommandsPerSec?: number;
}

/** The INFO fields the health view trends, from one INFO reply; null when the server does not report one. */
export interface InfoSample {
  at: number;
  usedMemory: number | null;
  /** 0 means no limit. */
  maxmemory: number | null;
  connectedClients: number | null;
  blockedClients: number | null;
  /** `instantaneous_ops_per_sec`. */
  opsPerSec: number | null;
  /** Counters since the server started. */
  evictedKeys: number | null;
  rejectedConnections: number | null;
  loading: boolean | null;
  role: string | null;
  /** `master_link_status` (replicas only): `up` or `down`. */
  masterLinkStatus: string | null;
}

/** One pipelined XLEN of the discovered shards; `perSec` is the growth since the previous sample. */
export interface ShardGrowthSample {
  at: number;
  shards: Array<{ shard: number; length: number; perSec: number | null }>;
}

export interface HealthTransition {
  at: number;
  from: ConnectionState;
  to: ConnectionState;
  /** What moved it (a client event, a probe result), for a person. */
  reason: string;
}

/** One error-log entry. Repeats of the same error (same command, class, code and text) are counted, not re-listed. */
export type HealthErrorEntry = MeshErrorInfo & { at: number; command?: string; count?: number; lastAt?: number };

export const MIN_PROBE_INTERVAL_MS = 1000;
export const MAX_PROBE_INTERVAL_MS = 60_000;

export interface HealthSnapshot {
  state: ConnectionState;
  since: number;
  /** Epoch ms of the last successful probe; null if none yet. */
  lastOkAt: number | null;
  latest: HealthSample | null;
  info: Record<string, string> | null;
  /**
   * Redis' reason while the ACL user may not run INFO (`NOPERM ...`). Not an error: the error log
   * and the tab badge leave it out, and the view says INFO is not permitted. Null once INFO is
   * answered, or before it was first asked.
   */
  infoRefused: string | null;
  /** The app's own commands per second over the last probe interval. */
  ownCommandsPerSec: number;
  /** The newest 50 entries of the error log. */
  errors: HealthErrorEntry[];
  /** Errors recorded since the session opened (repeats included). */
  errorsTotal: number;
  probeIntervalMs: number;
  /** The newest INFO trend point and shard growth sample. */
  infoSample: InfoSample | null;
  shardGrowth: ShardGrowthSample | null;
  /** While not ready: the error that explains it, if one was seen since. */
  cause: HealthErrorEntry | null;
  /** While the client reconnects: how many attempts so far and when the next one starts. */
  reconnect: { attempt: number; nextAttemptAt: number | null } | null;
  /** The newest state changes. */
  transitions: HealthTransition[];
}

/** Everything the health loop kept (bounded: about 15 minutes at the default probe rate). */
export interface HealthHistory {
  samples: HealthSample[];
  info: InfoSample[];
  shards: ShardGrowthSample[];
  transitions: HealthTransition[];
  errors: HealthErrorEntry[];
}

/**
 * One incident panel of one node: its data, or a one-line refusal when the ACL user may not run
 * the command (as INFO's `infoRefused`: not an error), or the failure.
 */
export type IncidentPanel<T> =
  | { status: 'ok'; data: T }
  | { status: 'not-permitted'; command: string; reason: string }
  | { status: 'failed'; command: string; error: MeshErrorInfo };

/** One `SLOWLOG GET` entry, its command shown without values (keys and subcommand kept). */
export interface SlowlogEntry {
  id: number;
  /** Epoch ms the command ran. */
  at: number;
  durationUs: number;
  /** `SET user:1 ?`: every argument that is not a key or a subcommand is `?`. */
  command: string;
  /** Lower case, `container|subcommand` when it has one. */
  name: string;
  clientAddress: string;
  clientName: string;
  /** Sent by this app (its connections are named `mesh-inspector`). */
  ownApp: boolean;
}

/** One client as `CLIENT LIST` describes it (the fields the panel shows). */
export interface ClientLine {
  id: string;
  name: string;
  address: string;
  ageSec: number;
  idleSec: number;
  /** The last command it ran (`cmd`), lower case. */
  lastCommand: string;
  /** Output buffer memory (`omem`) and total memory (`tot-mem`), bytes. */
  outputBytes: number;
  totalBytes: number;
  ownApp: boolean;
}

/** `CLIENT LIST` summarised on the node (the whole list is never sent to the UI). */
export interface ClientsSummary {
  total: number;
  /** Counts by client name (`(no name)` for none), most first, the first 20. */
  byName: Array<{ name: string; count: number }>;
  /** Counts by peer host (port dropped), most first, the first 20. */
  byHost: Array<{ host: string; count: number }>;
  /** The 10 clients idle the longest. */
  oldestIdle: ClientLine[];
  /** The 10 clients with the biggest output buffers (then total memory). */
  biggestOutput: ClientLine[];
}

/** One `LATENCY LATEST` event with its `LATENCY HISTORY`. */
export interface LatencyEvent {
  event: string;
  /** Epoch ms of the latest spike. */
  latestAt: number;
  latestMs: number;
  maxMs: number;
  history: Array<{ at: number; ms: number }>;
}

export interface LatencyReport {
  /** `latency-monitor-threshold` in ms; 0 means the monitor is off; null when CONFIG GET is not permitted. */
  thresholdMs: number | null;
  events: LatencyEvent[];
}

/** The incident panels of one Redis node (a Cluster: one per master). */
export interface NodeIncident {
  /** `host:port`. */
  node: string;
  role: string;
  slowlog: IncidentPanel<SlowlogEntry[]>;
  clients: IncidentPanel<ClientsSummary>;
  latency: IncidentPanel<LatencyReport>;
  /** Raw `INFO` (every default section) now and at the previous read, for search and diff. */
  info: IncidentPanel<{ current: Record<string, string>; previous: Record<string, string> | null; previousAt: number | null }>;
}

/** `health:incident`: the incident panels per node, read at most every 10 s (see health.ts's load note). */
export interface IncidentSnapshot {
  /** Epoch ms of the read; null before the first one. */
  at: number | null;
  nodes: NodeIncident[];
  /** Why nodes are missing (a Cluster whose masters are not known yet). */
  error: MeshErrorInfo | null;
}

/** The post-mortem document `health:export` returns (and the UI saves as a file). */
export interface HealthExport {
  format: 'mesh-inspector/health-snapshot';
  formatVersion: 1;
  exportedAt: string;
  appVersion: string;
  connection: ConnectionStatus & { commandTimeoutMs: number };
  probe: { intervalMs: number };
  summary: {
    state: ConnectionState;
    since: number;
    lastOkAt: number | null;
    probes: number;
    failedProbes: number;
    latencyMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
    errorsTotal: number;
    outages: Array<{ from: number; to: number | null; state: ConnectionState; reason: string }>;
  };
  timeline: HealthSample[];
  transitions: HealthTransition[];
  errors: HealthErrorEntry[];
  server: { info: Record<string, string> | null; infoAt: number | null; trend: InfoSample[] };
  shards: ShardGrowthSample[];
  /** Additive (issue 17): the incident panels as last read (slow log, clients, latency, raw INFO per node). */
  incident?: IncidentSnapshot;
}

// ---------- the tables ----------

type Marker<T> = { readonly __type?: T };
const returns = <T>(): Marker<T> => ({});
const empty = z.object({}).strict();

/** Cut each entry's payload in a page response to this many characters (see PageEntry). */
const previewChars = z.number().int().min(16).max(1_000_000);

const filterRequest = z
  .object({
    shard: shardId,
    direction: z.enum(['forward', 'backward']),
    /** Exclusive, as `events:page`: null starts at the oldest (forward) or newest (backward) entry. */
    cursor: streamId.nullable(),
    query: z
      .object({
        text: z.string().min(1).max(1000).optional(),
        pathEquals: z.string().min(1).max(1000).optional(),
        status: z.enum(FILTER_STATUSES).optional(),
        ordinal: z
          .object({ nonce: z.string().regex(/^[0-9a-f]{1,16}$/), value: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) })
          .strict()
          .optional(),
      })
      .strict(),
    /** At most this many matches per call. */
    limit: z.number().int().min(1).max(MAX_PAGE_LIMIT),
    /** At most this many entries looked at per call (the call also stops after about 250 ms). */
    scanLimit: z.number().int().min(1).max(MAX_FILTER_SCAN),
    previewChars: previewChars.optional(),
  })
  .strict();

const pageRequest = z
  .object({
    shard: shardId,
    /** forward: oldest first from `cursor` (exclusive); backward: newest first before `cursor`. */
    direction: z.enum(['forward', 'backward']),
    cursor: streamId.nullable(),
    limit: z.number().int().min(1).max(MAX_PAGE_LIMIT),
    previewChars: previewChars.optional(),
  })
  .strict();

const publishRequest = z
  .object({
    shard: shardId,
    /** Raw JSON texts, one per event, embedded verbatim. */
    events: z.array(z.string().max(MAX_BATCH_BYTES)).max(MAX_BATCH_EVENTS, `a batch holds at most ${MAX_BATCH_EVENTS.toLocaleString('en')} events`),
    nonce: z.string().regex(/^(0x)?[0-9a-fA-F]{1,16}$/, 'a nonce is 1-16 hex digits').optional(),
    sequenceStart: z.string().regex(/^\d{1,20}$/, 'a sequence start is a decimal number').optional(),
    /**
     * The next sequence start a preview showed: the batch is published with it only if it is still
     * the next one (otherwise refused, code SEQUENCE_MOVED: another batch took those ids meanwhile).
     * Ignored when `sequenceStart` is given.
     */
    expectedSequenceStart: z.string().regex(/^\d{1,20}$/, 'a sequence start is a decimal number').optional(),
    maxLen: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    /** `t` of the first event (decimal u64); default: now, in ns since the epoch. See PublishPreview.tStart. */
    tStart: z.string().regex(/^\d{1,20}$/, 'tStart is a decimal number').optional(),
    /** For a non-loopback server: the shard id typed again by the user. */
    confirmShard: shardId.optional(),
  })
  .strict();

/** Request/response channels: `domain:verb`. */
export const channels = {
  'app:info': { request: empty, response: returns<{ version: string; transport: 'electron' | 'serve'; demoAvailable: boolean }>() },
  'profiles:list': { request: empty, response: returns<{ profiles: ProfileView[]; activeProfileId: string | null }>() },
  'profiles:save': { request: profileInputSchema, response: returns<ProfileView>() },
  'profiles:delete': { request: z.object({ id: profileId }).strict(), response: returns<{ deleted: boolean }>() },
  'connection:open': { request: z.object({ profileId }).strict(), response: returns<ConnectionStatus>() },
  'connection:close': { request: empty, response: returns<ConnectionStatus>() },
  'connection:status': { request: empty, response: returns<ConnectionStatus>() },
  'demo:start': { request: empty, response: returns<ConnectionStatus>() },
  /** `since`: the `at` of the list the caller holds; the answer may then be a delta (see ShardListResult). */
  /**
   * `page`: answer in pages (a window opening on many shards): without `at` a discovery answers its
   * first page; with `at` (a list answered before) the page is read from that list, without Redis.
   */
  'shards:list': {
    request: z
      .object({
        since: z.number().int().min(0).optional(),
        page: z.object({ at: z.number().int().min(0).optional(), offset: z.number().int().min(0).max(65_536), limit: z.number().int().min(1).max(65_536) }).strict().optional(),
      })
      .strict(),
    response: returns<ShardListResult>(),
  },
  /** Problem counts of the shards whose background index is complete (the sidebar's badges). */
  'shards:problems': { request: empty, response: returns<{ shards: ShardProblemCounts[] }>() },
  /** What Redis keeps about one shard stream (XINFO STREAM, MEMORY USAGE, XINFO GROUPS); cached a few seconds per shard. */
  'shards:facts': { request: z.object({ shard: shardId }).strict(), response: returns<StreamFacts>() },
  'events:page': { request: pageRequest, response: returns<ShardPage>() },
  'events:at': {
    request: z
      .object({ shard: shardId, position: z.number().int().min(0), limit: z.number().int().min(1).max(MAX_PAGE_LIMIT), previewChars: previewChars.optional() })
      .strict(),
    response: returns<PositionedPage>(),
  },
  'events:entry': { request: z.object({ shard: shardId, id: streamId }).strict(), response: returns<MeshEntry | null>() },
  /** The position of a stream id, or of a wall-clock time (ms since the epoch), through the sparse index. */
  'events:locate': {
    request: z
      .object({
        shard: shardId,
        id: streamId.optional(),
        timeMs: z.number().int().min(0).max(8_640_000_000_000_000).optional(),
        page: z.object({ size: z.number().int().min(1).max(MAX_PAGE_LIMIT), previewChars: previewChars.optional() }).strict().optional(),
      })
      .strict()
      .refine((r) => (r.id === undefined) !== (r.timeMs === undefined), 'give either id or timeMs'),
    response: returns<LocateResult>(),
  },
  /** One bounded step of a server-side filter scan (cancel by not asking for the next step). */
  'events:filter': { request: filterRequest, response: returns<FilterPage>() },
  'index:status': { request: z.object({ shard: shardId }).strict(), response: returns<IndexStatus>() },
  /** Duplicate status of the given dedup_ids in the whole shard (from the background index). */
  'duplicates:lookup': {
    request: z.object({ shard: shardId, dedupIds: z.array(z.string().max(256)).max(MAX_PAGE_LIMIT) }).strict(),
    response: returns<{ ready: boolean; marks: DuplicateMark[] }>(),
  },
  /** The shard's gaps per nonce with their causes (lost, possibly deleted, trimmed head), from the background index. */
  'gaps:list': { request: z.object({ shard: shardId }).strict(), response: returns<ShardGaps>() },
  /** The stream ids and positions of the entries of a shard carrying `dedupId` (links between copies). */
  'duplicates:copies': {
    request: z.object({ shard: shardId, dedupId: z.string().min(1).max(256) }).strict(),
    response: returns<DuplicateCopies>(),
  },
  /**
   * `lengths` (optional): for a shard with an `after` id, how many entries its stream holds up to
   * and including that id, when the caller knows it exactly; the tail then counts the entries it
   * skips (`dropped`) exactly from its first batch on.
   */
  'tail:subscribe': {
    request: z
      .object({
        shards: z.array(shardId).min(1).max(64),
        after: z.record(z.string(), streamId.nullable()).optional(),
        lengths: z.record(z.string(), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)).optional(),
        previewChars: previewChars.optional(),
      })
      .strict(),
    response: returns<{ subscriptionId: string }>(),
  },
  'tail:unsubscribe': { request: z.object({ subscriptionId: z.string().min(1).max(64) }).strict(), response: returns<{ ok: true }>() },
  /** The producer nonce a batch would use (the app's persistent one unless `nonce` is given) and, with `shard`, the next sequence start. */
  'publish:nonce': {
    request: z.object({ shard: shardId.optional(), nonce: publishRequest.shape.nonce }).strict(),
    response: returns<{ nonce: string; persistent: boolean; sequenceStart: string | null }>(),
  },
  'publish:preview': { request: publishRequest, response: returns<PublishPreview>() },
  'publish:batch': { request: publishRequest, response: returns<PublishedBatch>() },
  /**
   * Publishes a recorded batch again with the same ids and bytes. A landed batch's replay writes
   * `count` duplicates on purpose, so `confirmDuplicates` must be that number (the UI asks the
   * person, naming the server); a batch a re-check found not landed is simply sent (no duplicate).
   */
  'publish:again': {
    request: z
      .object({ batchId: z.string().min(1).max(64), confirmDuplicates: z.number().int().min(0).max(MAX_BATCH_EVENTS).optional(), confirmShard: shardId.optional() })
      .strict(),
    response: returns<PublishedBatch>(),
  },
  /** Reads the stream again for an unconfirmed batch's dedup_ids and records what it found. */
  'publish:recheck': { request: z.object({ batchId: z.string().min(1).max(64) }).strict(), response: returns<PublishedBatch>() },
  'publish:history': { request: empty, response: returns<{ batches: PublishedBatch[] }>() },
  'publish:delete': { request: z.object({ batchId: z.string().min(1).max(64) }).strict(), response: returns<{ deleted: number }>() },
  'analysis:start': {
    request: z.object({ shards: z.array(shardId).max(65536).optional() }).strict(),
    response: returns<{ jobId: string }>(),
  },
  'analysis:cancel': { request: z.object({ jobId: z.string().min(1).max(64) }).strict(), response: returns<{ cancelled: boolean }>() },
  /**
   * Find (issue 13; electron/core/find.ts): a stream id, a dedup_id or a prefix of one (nonce,
   * nonce:shard, nonce:shard:seq) across every shard (or `shards`), every copy with its position.
   * Start, then ask `find:next` until `done` (each step is bounded; not asking stops it), or cancel.
   */
  'find:start': {
    request: z.object({ query: z.string().min(1).max(300), shards: z.array(shardId).min(1).max(65536).optional() }).strict(),
    response: returns<{ findId: string; query: FindQuery; shardsTotal: number }>(),
  },
  'find:next': { request: z.object({ findId: z.string().min(1).max(64) }).strict(), response: returns<FindStep>() },
  'find:cancel': { request: z.object({ findId: z.string().min(1).max(64) }).strict(), response: returns<{ cancelled: boolean }>() },
  'health:snapshot': { request: empty, response: returns<HealthSnapshot>() },
  'health:history': { request: empty, response: returns<HealthHistory>() },
  /** A lower probe rate for a struggling server (INFO and shard XLEN follow it, at most every 5 s). */
  'health:configure': {
    request: z.object({ probeIntervalMs: z.number().int().min(MIN_PROBE_INTERVAL_MS).max(MAX_PROBE_INTERVAL_MS) }).strict(),
    response: returns<HealthSnapshot>(),
  },
  /**
   * The incident panels per node: slow log (values redacted), clients, latency events, raw INFO
   * with the previous read. Read again when the last read is older than 10 s and Redis is ready;
   * otherwise the last read is returned.
   */
  'health:incident': { request: empty, response: returns<IncidentSnapshot>() },
  /**
   * Desktop notifications (opt-in, kept in the config folder): with `enabled` turns them on or off;
   * without, answers the setting. When on, the core pushes `notify:show` (folded and rate-limited).
   */
  'notify:configure': { request: z.object({ enabled: z.boolean().optional() }).strict(), response: returns<{ enabled: boolean }>() },
  /** The post-mortem document; answered from memory, so it works while Redis is down. */
  'health:export': { request: empty, response: returns<HealthExport>() },
  /**
   * The nodes behind the connection (Cluster masters and replicas with slots, latency, memory and
   * link state; the Sentinel master and its replicas; or the one server) and the failovers seen.
   */
  'topology:status': { request: empty, response: returns<TopologyStatus>() },
  /**
   * Consumer view (issue 13): replays a shard from `from` (exclusive; null = the oldest entry) as
   * net-mesh's `poll_shard` with `limit` reads it, through a dedup window of `capacity` ids, up to
   * the stream's last entry at the start. One replay at a time; a new one replaces the last.
   * Progress comes as `consumer:progress` events (the last one with a final state).
   */
  'consumer:start': {
    request: z
      .object({
        shard: shardId,
        from: streamId.nullable(),
        limit: z.number().int().min(1).max(10_000),
        capacity: z.number().int().min(1).max(MAX_DEDUP_CAPACITY),
      })
      .strict(),
    response: returns<ConsumerProgress>(),
  },
  'consumer:cancel': { request: z.object({ jobId: z.string().min(1).max(64) }).strict(), response: returns<{ cancelled: boolean }>() },
  'consumer:status': { request: z.object({ jobId: z.string().min(1).max(64) }).strict(), response: returns<ConsumerProgress>() },
  /** Rows `offset..offset+count` of the replay's entries matching `filter`, oldest first. */
  'consumer:rows': {
    request: z
      .object({ jobId: z.string().min(1).max(64), filter: z.enum(CONSUMER_FILTERS), offset: z.number().int().min(0), count: z.number().int().min(0).max(MAX_PAGE_LIMIT) })
      .strict(),
    response: returns<ConsumerRowsPage>(),
  },
  /** Where replay position `index` falls among `filter`'s rows (-1: it does not match the filter). */
  'consumer:locate': {
    request: z.object({ jobId: z.string().min(1).max(64), filter: z.enum(CONSUMER_FILTERS), index: z.number().int().min(0) }).strict(),
    response: returns<{ position: number }>(),
  },
  /**
   * Connects with a profile's values without saving them (issue 13, first connection): on success
   * the profile is saved and stays connected (`saved`); on failure nothing is saved, the
   * connection is closed and `status` is `down` with Redis' reason.
   */
  'connection:try': { request: profileInputSchema, response: returns<{ status: ConnectionStatus; saved: ProfileView | null }>() },
} as const;

/** Events pushed from the core to the UI: facts, named `domain:changed`-style. */
export const events = {
  'connection:changed': returns<ConnectionStatus>(),
  /**
   * New entries of a subscribed shard, oldest first. `dropped`: entries of the stream between the
   * previous batch's last entry and this batch's first that are not delivered (a writer outran the
   * tail, which then sends the newest ones; or the socket was too slow); they come before `entries`.
   * `exact` (absent means false): the tail knows its position, so `dropped` is an exact count and
   * nothing else was skipped; positions counted from it stay exact.
   */
  'tail:entries': returns<{ subscriptionId: string; shard: number; entries: MeshEntry[]; dropped: number; exact?: boolean }>(),
  'index:changed': returns<IndexStatus>(),
  'analysis:progress': returns<AnalysisProgress>(),
  'analysis:done': returns<AnalysisReport>(),
  'health:changed': returns<HealthSnapshot>(),
  /**
   * A notification to show (opt-in, `notify:configure`): the connection went down or came back, a
   * live-tailed shard got new corrupt entries, collisions or gaps, a long analysis finished. One
   * per burst, at most one per category every 30 s (shared/notify-rules.ts). The desktop app shows
   * it from the main process; `serve` shows it in the browser once the user allowed it.
   */
  'notify:show': returns<Notice>(),
  /** Pushed when a role, an address, a link or the failover list changed (Cluster and Sentinel, checked every 5 s). */
  'topology:changed': returns<TopologyStatus>(),
  /** A consumer replay's progress, at most every 150 ms, and once more with its final state. */
  'consumer:progress': returns<ConsumerProgress>(),
} as const;

export type ChannelName = keyof typeof channels;
export type EventName = keyof typeof events;
export type RequestOf<C extends ChannelName> = z.input<(typeof channels)[C]['request']>;
export type ParsedRequestOf<C extends ChannelName> = z.output<(typeof channels)[C]['request']>;
export type ResponseOf<C extends ChannelName> = (typeof channels)[C]['response'] extends Marker<infer T> ? T : never;
export type EventPayloadOf<E extends EventName> = (typeof events)[E] extends Marker<infer T> ? T : never;

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: MeshErrorInfo };

export const channelNames = Object.keys(channels) as ChannelName[];
export const eventNames = Object.keys(events) as EventName[];

export function isChannelName(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}

/**
 * Parses a request at the gate. Returns the parsed value, or a usage error naming the channel
 * and the first problem; never throws.
 */
export function parseRequest<C extends ChannelName>(
  channel: C,
  payload: unknown,
): { ok: true; value: ParsedRequestOf<C> } | { ok: false; error: MeshErrorInfo } {
  const result = channels[channel].request.safeParse(payload ?? {});
  if (result.success) return { ok: true, value: result.data as ParsedRequestOf<C> };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return { ok: false, error: { kind: 'usage', message: `invalid request for ${channel}${where}: ${issue?.message ?? 'rejected'}` } };
}

// ---------- names derived for the preload API ----------

type Camel<S extends string> = S extends `${infer A}:${infer B}` ? `${A}${Capitalize<B>}` : S;
type OnName<S extends string> = S extends `${infer A}:${infer B}` ? `on${Capitalize<A>}${Capitalize<B>}` : never;

/** `events:page` → `eventsPage`. */
export function methodName<C extends ChannelName>(channel: C): Camel<C> {
  const [a, b] = channel.split(':') as [string, string];
  return `${a}${b.charAt(0).toUpperCase()}${b.slice(1)}` as Camel<C>;
}

/** `tail:entries` → `onTailEntries`. */
export function listenerName<E extends EventName>(event: E): OnName<E> {
  const [a, b] = event.split(':') as [string, string];
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return `on${cap(a)}${cap(b)}` as OnName<E>;
}

/**
 * The API the Electron preload puts on `window.meshApi`: one function per channel (resolving to
 * the envelope, so errors stay data) and one `onX(listener) → unsubscribe` per event.
 */
export type PreloadApi = {
  [C in ChannelName as Camel<C>]: (request: RequestOf<C>) => Promise<Envelope<ResponseOf<C>>>;
} & {
  [E in EventName as OnName<E>]: (listener: (payload: EventPayloadOf<E>) => void) => () => void;
};

/** The handler table a service implements: parsed request in, response out (throw MeshError). */
export type ContractHandlers = {
  [C in ChannelName]: (request: ParsedRequestOf<C>) => Promise<ResponseOf<C>>;
};

/** How the core pushes events to whichever transport is attached. */
export type EventSink = <E extends EventName>(event: E, payload: EventPayloadOf<E>) => void;

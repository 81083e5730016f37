/**
 * Domain types shared by the core (main process, command line) and the renderer.
 * Stream ids are always strings; `t` is always a decimal string (it is a u64).
 */

/** One stream entry as the inspector sees it: what net-mesh would accept (`ok`) or skip (`corrupt`). */
export type MeshEntry = OkEntry | CorruptEntry;

export interface OkEntry {
  id: string;
  status: 'ok';
  /** Absent when the entry has no `dedup_id` field. */
  dedupId?: string;
  /** Decimal u64 (nanoseconds since the producer's shard clock started; not wall time). */
  t: string;
  s: number;
  /** The event's raw JSON text, byte-exact as stored (never re-serialized). */
  r: string;
}

export interface CorruptEntry {
  id: string;
  status: 'corrupt';
  /** Why the net-mesh reader would skip it, for a person. */
  reason: string;
  dedupId?: string;
  /** The stored `d` text, or `base64:<...>` when it is not UTF-8; absent when there is no `d`. */
  d?: string;
}

/** One page, with net-mesh `poll_shard` semantics (contract 1.5). */
export interface ShardPage {
  shard: number;
  key: string;
  entries: MeshEntry[];
  /** The id of the last raw entry looked at; null on an empty page. */
  nextId: string | null;
  hasMore: boolean;
}

export type ErrorKind = 'transient' | 'fatal' | 'usage';

/** Errors as data: the UI and the CLI branch on `kind`, never on message text. */
export interface MeshErrorInfo {
  kind: ErrorKind;
  message: string;
  /** The Redis error code when Redis said it (`NOPERM`, `READONLY`, ...), or a Node code (`ECONNREFUSED`). */
  code?: string;
}

export interface ShardInfo {
  shard: number;
  key: string;
  length: number;
  firstId: string | null;
  lastId: string | null;
}

export interface SkippedKey {
  key: string;
  reason: string;
}

export interface ShardDiscovery {
  prefix: string;
  shards: ShardInfo[];
  skipped: SkippedKey[];
}

/**
 * Why a nonce's ordinals are missing from a shard (shared/gap-cause.ts decides it from what Redis 7
 * keeps per stream): `lost` never written; `possibly-deleted` an XDEL may have removed them;
 * `trimmed` (head gaps only) they came before the stream's trimmed head; `unknown` the server
 * keeps no deletion record (Redis before 7.0) or would not say.
 */
export type GapCause = 'lost' | 'possibly-deleted' | 'trimmed' | 'unknown';

export interface GapRange {
  nonce: string;
  /** Inclusive ordinal range (`seq + i`), decimal numbers. */
  from: number;
  to: number;
  /** Why they are missing; set by the scan (additive in `scan --json`), absent where nothing judged it. */
  cause?: GapCause;
  /** The evidence behind `cause`, one sentence for a person. */
  reason?: string;
  /** `possibly-deleted`, and `trimmed` when XDEL was used too: the stream's `max-deleted-entry-id`. */
  maxDeletedId?: string;
}

export interface ShardAnalysis {
  shard: number;
  key: string;
  entries: number;
  ok: number;
  corrupt: number;
  duplicateGroups: number;
  duplicateEntries: number;
  collisionGroups: number;
  gaps: GapRange[];
  misrouted: number;
  /**
   * Per nonce whose lowest ordinal here is above 0: ordinals 0..lowest-1 (every producer counts a
   * shard's ordinals from 0, contract item 6), reported apart from `gaps` with their cause. Set by
   * the scan (additive in `scan --json`).
   */
  headGaps?: GapRange[];
  /**
   * Ok entries a default consumer (4096-id dedup window) would deliver twice: copies farther apart
   * than its window. Set by the app's analysis (not by `scan --json`); absent when the shard was
   * read by parallel workers, out of stream order (issue 13).
   */
  defaultConsumerRedeliveries?: number;
  /**
   * The evidence behind the counts (`scan --details`, the analysis view; shared/evidence.ts): one
   * record per corrupt entry, duplicate group and misrouted entry, with stream ids and a reason.
   * Absent unless asked for.
   */
  anomalies?: Anomaly[];
  /** Anomalies of this shard past the listing's cap (`MAX_ANOMALIES_PER_SHARD`) that are counted only. */
  anomaliesOmitted?: number;
}

/** What one evidence record is about (issue 13). */
export type AnomalyKind = 'corrupt' | 'collision' | 'duplicate' | 'misrouted';

/**
 * One anomaly of a shard, with what a ticket needs: the stream ids of the entries (one, or every
 * copy of a duplicate group, oldest first), the dedup_id when there is one, and a sentence for a person.
 */
export interface Anomaly {
  kind: AnomalyKind;
  ids: string[];
  dedupId?: string;
  reason: string;
}


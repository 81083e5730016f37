/**
 * Whole-bus analysis (cli.md `scan`, PRODUCT.md feature 10): reads every entry of the chosen
 * shard streams page by page and feeds it to a `ShardAnalyzer`. Memory does not grow with the
 * stream or its payloads: one page is held at a time (plus the one read ahead), and the analyzer
 * keeps a few bytes per id.
 */
import { ShardAnalyzer } from '../../shared/analysis';
import { MeshError } from '../../shared/errors';
import { deletedBetween, explainGap, explainHeadGap, type DeletionEvidence } from '../../shared/gap-cause';
import { compareStreamIds, exclusiveStart } from '../../shared/stream-id';
import type { ShardAnalysis, ShardInfo, SkippedKey } from '../../shared/types';
import { decodePayloadBytes, fastShardOfBytes } from '../../shared/wire';
import type { MeshAdapter } from './adapter';
import { classifyError, isCommandTimeout } from './classify';
import { isClusterClient } from './connection';
import { describeShards, discoverShards } from './discovery';
import { ScanConnection, keySlot } from './scan-connection';
import { autoWorkers, scanInWorkers, type MarkedRange } from './parallel-scan';
import { analyzePage } from './scan-page';
import { withEvidence } from './scan-evidence';
import { readDeletionEvidence } from './stream-facts';
import { entryIdText, type XrangePage } from './xrange-reply';

/** Entries per XRANGE. Large enough that round trips are a small share of the time, small enough that one reply stays a few MB. */
export const DEFAULT_SCAN_PAGE = 1000;
export const MAX_SCAN_PAGE = 10_000;
/**
 * Shards shorter than this are read through the adapter's own connection: opening the scan
 * connection (a connect, AUTH, a ready check) costs about what reading this many entries saves.
 */
export const RAW_READER_MIN_ENTRIES = 5000;

export interface ScanProgress {
  shard: number;
  /** Entries of this shard read so far. */
  done: number;
  /** Entries of this shard when the scan of it began (XLEN at discovery); `done` may pass it when the stream grew. */
  total: number;
  /** This shard's read rate since its scan began. */
  entriesPerSec: number;
  /** Worker threads reading this shard now (parallel-scan.ts); absent when it is read on one thread. */
  workers?: number;
}

export interface ScanOptions {
  /** Shard ids to scan; all shards of the prefix (SCAN discovery) when absent or empty. */
  shards?: number[];
  /** Entries per XRANGE page (1..10,000); default 1000. */
  pageSize?: number;
  signal?: AbortSignal;
  /** Called after every page. */
  onProgress?: (p: ScanProgress) => void;
  /**
   * Called with each shard's finished analyzer, for callers that want more than the summary:
   * `duplicateStatus`/`duplicates()` for the UI's duplicate marks, `memoryBytes()` for the bench.
   */
  onShardAnalyzed?: (analyzer: ShardAnalyzer) => void;
  /** Called once with how many shards will be read (after discovery). */
  onShardsFound?: (count: number) => void;
  /** Called with each shard's finished analysis, in order (a caller keeps them if the scan fails later). */
  onShardDone?: (analysis: ShardAnalysis) => void;
  /**
   * Which reader: `auto` (default) uses the byte-level reader on its own connection for shards
   * of at least {@link RAW_READER_MIN_ENTRIES} entries and the adapter's client otherwise; `raw`
   * and `client` force one (tests and benchmarks). Both give identical results; `raw` still
   * falls back to the client when its connection cannot be had or fails.
   */
  reader?: 'auto' | 'raw' | 'client';
  /**
   * Worker threads per shard (parallel-scan.ts): `auto` (default) uses {@link autoWorkers} (none on
   * two cores or for shards under PARALLEL_MIN_ENTRIES); a number forces that many (0 or 1: one
   * thread). Ignored with `reader: 'client'`. Results are identical either way.
   */
  workers?: number | 'auto';
  /** Also count what a default consumer would deliver twice (`defaultConsumerRedeliveries`, issue 13); the app's analysis asks, `scan --json` does not. */
  defaultConsumer?: boolean;
  /** Called for every command sent on connections other than the adapter's (the scan connection), for the app's command count. */
  onCommand?: () => void;
  /**
   * `scan --details` (issue 13): each shard gets `anomalies`, the stream ids and reasons behind its
   * corrupt, duplicate and misrouted counts (scan-evidence.ts: a shard with any is read once more).
   */
  details?: boolean;
}

export interface ScanResult {
  prefix: string;
  shards: ShardAnalysis[];
  skipped: SkippedKey[];
}

/**
 * Scans shards of the adapter's prefix and returns one `ShardAnalysis` per shard stream (sorted
 * by shard id) plus the keys that were skipped.
 *
 * Guarantees:
 * - without `shards`, every shard stream `discoverShards` finds is scanned; with `shards`, exactly
 *   those ids, and an id whose key does not exist is reported in `skipped` as
 *   `no such shard stream` (a non-stream key as `not a stream (<type>)`) rather than failing the
 *   whole scan: a runbook listing shard ids keeps working after a scale-down removed one;
 * - each shard is read with exclusive-cursor `XRANGE key <start> <end> COUNT n` up to the last id
 *   it had at discovery, so a stream that grows faster than it can be read still finishes; the
 *   analysis covers exactly the entries between its first entry and that id;
 * - every entry is classified exactly as `MeshAdapter.poll` classifies it (the same wire decoder
 *   on the entry's bytes), and the analyzer gets the stored bytes of `d` itself, so
 *   "byte-identical" in cli.md's collision rule is about exactly those bytes;
 * - the next page is requested before the current one is decoded, so Redis and the network work
 *   while this process decodes (this is what keeps the scan near a bare XRANGE loop's speed);
 * - an abort stops it between pages and rejects with the signal's reason (a DOMException
 *   `AbortError` by default); Redis errors reject as classified MeshErrors;
 * - every gap carries its cause and each shard its head gaps (shared/gap-cause.ts): XINFO STREAM
 *   is read before and after each shard (never per entry; a refusal or a server before 7.0 makes
 *   the causes `unknown`), and a shard whose present entries include deleted-id territory is read
 *   in two ranges, up to `max-deleted-entry-id` and after it, so the analyzer knows which
 *   ordinals sit at or below it. Every reader honours the cut: the byte-level one and the client
 *   read range by range, the worker threads get ranges that never straddle it.
 */
export async function scanShards(adapter: MeshAdapter, opts: ScanOptions = {}): Promise<ScanResult> {
  const pageSize = Math.min(Math.max(Math.floor(opts.pageSize ?? DEFAULT_SCAN_PAGE), 1), MAX_SCAN_PAGE);
  const { signal } = opts;
  signal?.throwIfAborted();
  const found =
    opts.shards && opts.shards.length > 0
      ? await describeShards(adapter.client, adapter.prefix, opts.shards, signal)
      : await discoverShards(adapter.client, adapter.prefix, signal ? { signal } : {});
  const shards: ShardAnalysis[] = [];
  opts.onShardsFound?.(found.shards.length);
  const readers = new ScanReaders(adapter, opts.reader ?? 'auto', opts.onCommand);
  try {
    for (const info of found.shards) {
      // Gap causes (gap-cause.ts): XINFO STREAM before and after, never per entry; the read is cut
      // at max-deleted-entry-id so the analyzer knows which ordinals sit at or below it.
      const before = await readDeletionEvidence(adapter.client, info.key, adapter.serverVersion, adapter.secretTexts);
      const analyzer = new ShardAnalyzer(info.shard, info.key, { expectedEntries: info.length, ...(opts.defaultConsumer ? { defaultConsumer: true } : {}) });
      await scanShard(adapter, analyzer, info, readSegments(info, before, adapter.exclusiveRanges), pageSize, signal, opts.onProgress, readers, opts.workers ?? 'auto');
      analyzer.atOrBelowMaxDeleted = false;
      signal?.throwIfAborted();
      const after = await readDeletionEvidence(adapter.client, info.key, adapter.serverVersion, adapter.secretTexts);
      opts.onShardAnalyzed?.(analyzer);
      const analysis = explainShardGaps(analyzer, before, after);
      const redeliveries = analyzer.defaultConsumerRedeliveries();
      if (redeliveries !== null) analysis.defaultConsumerRedeliveries = redeliveries;
      shards.push(opts.details ? await withEvidence(adapter, info, analyzer, analysis, signal, await readers.for(info)) : analysis);
      opts.onShardDone?.(shards[shards.length - 1]!);
    }
  } finally {
    readers.close();
  }
  return { prefix: adapter.prefix, shards, skipped: found.skipped };
}

/**
 * The scan connections of one `scanShards` call, opened when a shard first needs one (one per
 * Cluster master, one otherwise) and closed when the call ends. A node whose connection could
 * not be opened is not tried again in the same call.
 */
class ScanReaders {
  private readonly byNode = new Map<string, Promise<ScanConnection | null>>();

  constructor(
    private readonly adapter: MeshAdapter,
    readonly mode: 'auto' | 'raw' | 'client',
    readonly onCommand: (() => void) | undefined,
  ) {}

  /** A scan connection for `info`'s key, or null: read through the adapter's client. */
  async for(info: ShardInfo): Promise<ScanConnection | null> {
    if (this.mode === 'client' || (this.mode === 'auto' && info.length < RAW_READER_MIN_ENTRIES)) return null;
    const client = this.adapter.client;
    const node = isClusterClient(client) ? `slot-owner:${client.slots[keySlot(info.key)]?.[0] ?? '?'}` : 'server';
    let conn = this.byNode.get(node);
    if (conn === undefined) {
      conn = ScanConnection.open(client, info.key, {
        timeoutMs: this.adapter.commandTimeoutMs,
        ...(this.onCommand ? { onCommand: this.onCommand } : {}),
      });
      this.byNode.set(node, conn);
    }
    const c = await conn;
    if (c?.failed) {
      // It failed on an earlier shard (e.g. a Cluster slot moved): try a fresh one once more.
      const again = ScanConnection.open(client, info.key, { timeoutMs: this.adapter.commandTimeoutMs, ...(this.onCommand ? { onCommand: this.onCommand } : {}) });
      this.byNode.set(node, again);
      return again;
    }
    return c;
  }

  close(): void {
    for (const conn of this.byNode.values()) void conn.then((c) => c?.close());
    this.byNode.clear();
  }
}

/** One XRANGE range of a shard's scan (`start` as XRANGE takes it, `end` inclusive) and whether its ids are at or below `max-deleted-entry-id`. */
type ScanSegment = MarkedRange;

/**
 * The ranges a shard is read in: `-`..lastId in one, or cut at `max-deleted-entry-id` when
 * something in the present range was ever deleted (`-`..maxDeleted, then the rest).
 */
function readSegments(info: ShardInfo, evidence: DeletionEvidence, exclusive: boolean): ScanSegment[] {
  const end = info.lastId;
  if (end === null) return [];
  if (!evidence.known) return [{ start: '-', end, atOrBelowMaxDeleted: false }];
  const m = evidence.record.maxDeletedId;
  if (compareStreamIds(m, '0-0') === 0 || (info.firstId !== null && compareStreamIds(m, info.firstId) < 0)) {
    // Nothing deleted, or only below the first entry: no present entry is at or below it.
    return [{ start: '-', end, atOrBelowMaxDeleted: false }];
  }
  if (compareStreamIds(m, end) >= 0) return [{ start: '-', end, atOrBelowMaxDeleted: true }];
  return [
    { start: '-', end: m, atOrBelowMaxDeleted: true },
    { start: exclusiveStart(m, exclusive), end, atOrBelowMaxDeleted: false },
  ];
}

/** The shard's analysis with a cause on every gap and its head gaps (additive fields). */
function explainShardGaps(analyzer: ShardAnalyzer, before: DeletionEvidence, after: DeletionEvidence): ShardAnalysis {
  const result = analyzer.result();
  const since = deletedBetween(before, after);
  return {
    ...result,
    gaps: result.gaps.map((g) => explainGap(g, before, analyzer.seenAtOrBelowMaxDeleted(g.nonce, g.from - 1), since)),
    headGaps: analyzer.headGaps().map((g) => explainHeadGap(g, after.known ? after : before)),
  };
}

type RawRow = [id: Buffer, fields: Buffer[]];

/**
 * Reads `segments` of a shard (readSegments: one, or two cut at `max-deleted-entry-id`) into
 * `analyzer`, setting its `atOrBelowMaxDeleted` for each range it feeds. The caller clears it.
 */
async function scanShard(
  adapter: MeshAdapter,
  analyzer: ShardAnalyzer,
  info: ShardInfo,
  segments: ScanSegment[],
  pageSize: number,
  signal: AbortSignal | undefined,
  onProgress: ScanOptions['onProgress'],
  readers: ScanReaders,
  workersOption: number | 'auto',
): Promise<void> {
  if (segments.length === 0) return;
  // Progress and rate are the shard's, across its segments.
  const started = performance.now();
  const progress = {
    done: 0,
    page(n: number, workers?: number) {
      this.done += n;
      if (onProgress) {
        const seconds = (performance.now() - started) / 1000;
        const p: ScanProgress = { shard: info.shard, done: this.done, total: info.length, entriesPerSec: seconds > 0 ? Math.round(this.done / seconds) : 0 };
        if (workers !== undefined) p.workers = workers;
        onProgress(p);
      }
    },
  };
  const workers = readers.mode === 'client' ? 0 : workersOption === 'auto' ? autoWorkers(info.length) : workersOption;
  if (workers > 1) {
    const leftovers = await scanInWorkers(adapter, info, segments, analyzer, {
      workers,
      pageSize,
      signal,
      onEntries: (n, w) => progress.page(n, w),
      onCommand: readers.onCommand,
    });
    if (leftovers !== null) {
      // What the workers could not read is read (and any error reported) as on one thread.
      for (const range of leftovers) {
        analyzer.atOrBelowMaxDeleted = range.atOrBelowMaxDeleted;
        await readThroughClient(adapter, info.key, range.start, range.end, pageSize, analyzer, signal, progress);
      }
      return;
    }
  }
  const conn = await readers.for(info);
  signal?.throwIfAborted();
  for (const segment of segments) {
    analyzer.atOrBelowMaxDeleted = segment.atOrBelowMaxDeleted;
    let start: string | null = segment.start;
    // A connection that failed in an earlier segment is not tried again: the client reads on.
    if (conn && !conn.failed) start = await readRaw(conn, adapter, info.key, start, segment.end, pageSize, analyzer, signal, progress);
    if (start !== null) await readThroughClient(adapter, info.key, start, segment.end, pageSize, analyzer, signal, progress);
  }
}

interface Progress {
  page(entries: number): void;
}

/**
 * Reads `key` from `start` to `end` on the scan connection, one page ahead. Resolves to null when
 * the range is done, or to the start of the first page it could not read (the connection failed,
 * or Redis answered an error: the client path then reads that page again and reports exactly what
 * it would have reported). A timeout is reported as the client path reports it; it is not retried.
 */
async function readRaw(
  conn: ScanConnection,
  adapter: MeshAdapter,
  key: string,
  start: string,
  end: string,
  pageSize: number,
  analyzer: ShardAnalyzer,
  signal: AbortSignal | undefined,
  progress: Progress,
): Promise<string | null> {
  let pending: Promise<XrangePage> | null = conn.range(key, start, end, pageSize);
  pending.catch(() => {});
  let pendingStart = start;
  while (pending) {
    let page: XrangePage;
    try {
      page = await pending;
    } catch (e) {
      if (isCommandTimeout(e)) throw readError(e, [...adapter.secretTexts]);
      return pendingStart;
    }
    signal?.throwIfAborted();
    if (page.error !== null) return pendingStart;
    if (page.count === 0) return null;
    const last = entryIdText(page, page.count - 1);
    if (page.count < pageSize || last === end) {
      pending = null;
    } else {
      pendingStart = exclusiveStart(last, adapter.exclusiveRanges);
      // Redis builds the next page while this one is analysed.
      pending = conn.range(key, pendingStart, end, pageSize);
      pending.catch(() => {});
    }
    analyzePage(analyzer, page);
    conn.recycle(page);
    progress.page(page.count);
  }
  return null;
}

/** The same read through the adapter's client (ioredis parses the replies into Buffers). */
async function readThroughClient(
  adapter: MeshAdapter,
  key: string,
  start: string,
  end: string,
  pageSize: number,
  analyzer: ShardAnalyzer,
  signal: AbortSignal | undefined,
  progress: Progress,
): Promise<void> {
  const client = adapter.client;
  const secrets = [...adapter.secretTexts];
  const exclusive = adapter.exclusiveRanges;

  const read = (from: string): Promise<RawRow[]> => {
    // Bytes, not text: the analyzer needs the stored bytes of `d` anyway, UTF-8 validity is
    // decided exactly without a second read, and nothing is decoded that is not needed (ids and
    // field names stay bytes).
    const p = client.xrangeBuffer(key, from, end, 'COUNT', pageSize) as unknown as Promise<RawRow[]>;
    // The prefetched page may be abandoned (abort, error on the current page): never unhandled.
    p.catch(() => {});
    return p;
  };

  let pending: Promise<RawRow[]> | null = read(start);
  while (pending) {
    let rows: RawRow[];
    try {
      rows = await pending;
    } catch (e) {
      throw readError(e, secrets, adapter.lastConnectionError);
    }
    signal?.throwIfAborted();
    if (rows.length === 0) break;
    const last = rows[rows.length - 1]![0].toString('latin1');
    pending = rows.length < pageSize || last === end ? null : read(exclusiveStart(last, exclusive));

    for (let k = 0; k < rows.length; k++) {
      const fields = rows[k]![1];
      let d: Buffer | undefined;
      let dedup: Buffer | undefined;
      // Fields by name in any order; a repeated name: the last wins (contract 3.27, as the adapter).
      for (let f = 0; f + 1 < fields.length; f += 2) {
        const name = fields[f]!;
        if (name.length === 1) {
          if (name[0] === 0x64) d = fields[f + 1];
        } else if (name.length === 8 && isDedupIdName(name)) {
          dedup = fields[f + 1];
        }
      }
      if (d === undefined) {
        analyzer.addParts(false, 0, dedup, EMPTY);
        continue;
      }
      // The producer's own layout is decided on the bytes without building r/t strings (about
      // half the per-entry decode cost); anything else goes through the full decoder.
      const s = fastShardOfBytes(d);
      if (s >= 0) {
        analyzer.addParts(true, s, dedup, d);
      } else {
        const r = decodePayloadBytes(d);
        analyzer.addParts(r.ok, r.ok ? r.s : 0, dedup, d);
      }
    }
    progress.page(rows.length);
  }
}

const EMPTY = new Uint8Array(0);
const DEDUP_ID = [0x64, 0x65, 0x64, 0x75, 0x70, 0x5f, 0x69, 0x64];

function isDedupIdName(b: Buffer): boolean {
  for (let i = 0; i < 8; i++) if (b[i] !== DEDUP_ID[i]) return false;
  return true;
}

function readError(e: unknown, secrets: string[], connectionError?: Error): MeshError {
  if (isCommandTimeout(e)) {
    // Same wording as the adapter's poll (net-mesh: Transient("Redis XRANGE timeout"), contract 3.30).
    return new MeshError('transient', 'Redis XRANGE timeout (no reply within the command timeout)', { command: 'XRANGE' });
  }
  return classifyError(e, { command: 'XRANGE', secrets, connectionError });
}

/**
 * Whole-bus analysis (cli.md `scan`, PRODUCT.md feature 10): reads every entry of the chosen
 * shard streams page by page and feeds it to a `ShardAnalyzer`. Memory does not grow with the
 * stream or its payloads: one page is held at a time, and the analyzer keeps a few bytes per id.
 */
import { ShardAnalyzer } from '../../shared/analysis';
import { MeshError } from '../../shared/errors';
import { deletedBetween, explainGap, explainHeadGap, type DeletionEvidence } from '../../shared/gap-cause';
import { compareStreamIds, exclusiveStart } from '../../shared/stream-id';
import type { ShardAnalysis, ShardInfo, SkippedKey } from '../../shared/types';
import { decodePayloadBytes, fastShardOfBytes } from '../../shared/wire';
import type { MeshAdapter } from './adapter';
import { classifyError, isCommandTimeout } from './classify';
import { describeShards, discoverShards } from './discovery';
import { readDeletionEvidence } from './stream-facts';

/** Entries per XRANGE. Large enough that round trips are a small share of the time, small enough that one reply stays a few MB. */
export const DEFAULT_SCAN_PAGE = 1000;
export const MAX_SCAN_PAGE = 10_000;

export interface ScanProgress {
  shard: number;
  /** Entries of this shard read so far. */
  done: number;
  /** Entries of this shard when the scan of it began (XLEN at discovery); `done` may pass it when the stream grew. */
  total: number;
  /** This shard's read rate since its scan began. */
  entriesPerSec: number;
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
 *   ordinals sit at or below it.
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
  for (const info of found.shards) {
    // Gap causes (gap-cause.ts): XINFO STREAM before and after, never per entry; the read is cut
    // at max-deleted-entry-id so the analyzer knows which ordinals sit at or below it.
    const before = await readDeletionEvidence(adapter.client, info.key, adapter.serverVersion, adapter.secretTexts);
    const analyzer = new ShardAnalyzer(info.shard, info.key, { expectedEntries: info.length });
    let done = 0;
    const started = performance.now();
    for (const segment of readSegments(info, before, adapter.exclusiveRanges)) {
      analyzer.atOrBelowMaxDeleted = segment.atOrBelowMaxDeleted;
      done = await scanShard(adapter, analyzer, info, segment, { done, started }, pageSize, signal, opts.onProgress);
    }
    analyzer.atOrBelowMaxDeleted = false;
    signal?.throwIfAborted();
    const after = await readDeletionEvidence(adapter.client, info.key, adapter.serverVersion, adapter.secretTexts);
    opts.onShardAnalyzed?.(analyzer);
    shards.push(explainShardGaps(analyzer, before, after));
  }
  return { prefix: adapter.prefix, shards, skipped: found.skipped };
}

/** One XRANGE range of a shard's scan: `start` as XRANGE takes it, `end` inclusive. */
interface ScanSegment {
  start: string;
  end: string;
  atOrBelowMaxDeleted: boolean;
}

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

/** Reads one segment of a shard into `analyzer`; returns the shard's entries read so far (`done` carried on from `shard`). */
async function scanShard(
  adapter: MeshAdapter,
  analyzer: ShardAnalyzer,
  info: ShardInfo,
  segment: ScanSegment,
  shard: { done: number; started: number },
  pageSize: number,
  signal: AbortSignal | undefined,
  onProgress: ScanOptions['onProgress'],
): Promise<number> {
  const end = segment.end;
  const client = adapter.client;
  const secrets = [...adapter.secretTexts];
  const exclusive = adapter.exclusiveRanges;
  const started = shard.started;
  let done = shard.done;

  const read = (start: string): Promise<RawRow[]> => {
    // Bytes, not text: the analyzer needs the stored bytes of `d` anyway, UTF-8 validity is
    // decided exactly without a second read, and nothing is decoded that is not needed (ids and
    // field names stay bytes).
    const p = client.xrangeBuffer(info.key, start, end, 'COUNT', pageSize) as unknown as Promise<RawRow[]>;
    // The prefetched page may be abandoned (abort, error on the current page): never unhandled.
    p.catch(() => {});
    return p;
  };

  let pending: Promise<RawRow[]> | null = read(segment.start);
  while (pending) {
    let rows: RawRow[];
    try {
      rows = await pending;
    } catch (e) {
      throw readError(e, secrets);
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

    done += rows.length;
    if (onProgress) {
      const seconds = (performance.now() - started) / 1000;
      onProgress({ shard: info.shard, done, total: info.length, entriesPerSec: seconds > 0 ? Math.round(done / seconds) : 0 });
    }
  }
  return done;
}

const EMPTY = new Uint8Array(0);
const DEDUP_ID = [0x64, 0x65, 0x64, 0x75, 0x70, 0x5f, 0x69, 0x64];

function isDedupIdName(b: Buffer): boolean {
  for (let i = 0; i < 8; i++) if (b[i] !== DEDUP_ID[i]) return false;
  return true;
}

function readError(e: unknown, secrets: string[]): MeshError {
  if (isCommandTimeout(e)) {
    // Same wording as the adapter's poll (net-mesh: Transient("Redis XRANGE timeout"), contract 3.30).
    return new MeshError('transient', 'Redis XRANGE timeout (no reply within the command timeout)', { command: 'XRANGE' });
  }
  return classifyError(e, { command: 'XRANGE', secrets });
}

/**
 * The evidence pass of a detailed scan (`scan --details`, the analysis view; issue 13): after a
 * shard's counts are known, a shard with corrupt, duplicated or misrouted entries is read once more,
 * over the same id range the counts cover (up to the last id it had at discovery), through the
 * adapter's poll, so each entry is classified exactly as Browse and the counts classify it. Only
 * those shards are read again; a clean shard costs nothing more. What it keeps is the records
 * themselves (capped per shard, shared/evidence.ts), never the entries.
 */
import type { ShardAnalyzer } from '../../shared/analysis';
import { EvidenceCollector } from '../../shared/evidence';
import { compareStreamIds, exclusiveStart } from '../../shared/stream-id';
import type { MeshEntry, ShardAnalysis, ShardInfo } from '../../shared/types';
import { fastShardOfBytes } from '../../shared/wire';
import { decodeBufferEntry, type MeshAdapter } from './adapter';
import { classifyError, isCommandTimeout } from './classify';
import type { ScanConnection } from './scan-connection';
import { entryVerdict } from './scan-page';
import { D_END, D_START, ENTRY_WORDS, entryIdText, X_END, X_START, type XrangePage } from './xrange-reply';

const PAGE = 1000;

type RawRow = [id: Buffer, fields: Buffer[]];

/** Whether a shard's analysis has anything the evidence pass would list. */
export function needsEvidence(a: ShardAnalysis): boolean {
  return a.corrupt > 0 || a.duplicateGroups > 0 || a.misrouted > 0;
}

/**
 * `analysis` with `anomalies` (always set: empty for a clean shard) and `anomaliesOmitted` past the
 * cap. `info.lastId` bounds the read, as it bounded the counts; entries deleted between the two
 * reads are missing from the records (a duplicate group then says how many copies went).
 */
export async function withEvidence(
  adapter: MeshAdapter,
  info: ShardInfo,
  analyzer: ShardAnalyzer,
  analysis: ShardAnalysis,
  signal?: AbortSignal,
  /** The scan's byte-level connection for this shard, when it used one: read the same way. */
  conn: ScanConnection | null = null,
): Promise<ShardAnalysis> {
  if (!needsEvidence(analysis) || info.lastId === null) return { ...analysis, anomalies: [] };
  const collector = new EvidenceCollector(info.shard, analysis.duplicateGroups > 0 ? analyzer.duplicates() : []);
  const end = info.lastId;
  let start: string | null = '-';
  if (conn && !conn.failed) start = await readRaw(conn, adapter, info.key, end, collector, signal);
  if (start !== null) await readThroughClient(adapter, info.key, start, end, collector, signal);
  const { anomalies, omitted } = collector.finish();
  const out: ShardAnalysis = { ...analysis, anomalies };
  if (omitted > 0) out.anomaliesOmitted = omitted;
  return out;
}

/**
 * The byte-level read: one page ahead, each entry decided in place. Resolves to null when done,
 * or to where the client path must go on (the connection failed, or Redis answered an error).
 */
async function readRaw(conn: ScanConnection, adapter: MeshAdapter, key: string, end: string, collector: EvidenceCollector, signal: AbortSignal | undefined): Promise<string | null> {
  let pendingStart = '-';
  let pending: Promise<XrangePage> | null = conn.range(key, pendingStart, end, PAGE);
  pending.catch(() => {});
  while (pending) {
    let page: XrangePage;
    try {
      page = await pending;
    } catch (e) {
      if (isCommandTimeout(e)) throw classifyError(e, { command: 'XRANGE', secrets: [...adapter.secretTexts] });
      return pendingStart;
    }
    signal?.throwIfAborted();
    if (page.error !== null) return pendingStart;
    if (page.count === 0) return null;
    const last = entryIdText(page, page.count - 1);
    if (page.count < PAGE || compareStreamIds(last, end) >= 0) pending = null;
    else {
      pendingStart = exclusiveStart(last, adapter.exclusiveRanges);
      pending = conn.range(key, pendingStart, end, PAGE);
      pending.catch(() => {});
    }
    notePage(collector, page);
    conn.recycle(page);
  }
  return null;
}

function notePage(collector: EvidenceCollector, page: XrangePage): void {
  const { offsets, count } = page;
  const buf = Buffer.from(page.buf.buffer, page.buf.byteOffset, page.buf.length);
  for (let k = 0, o = 0; k < count; k++, o += ENTRY_WORDS) {
    const dStart = offsets[o + D_START]!;
    const dEnd = offsets[o + D_END]!;
    const xStart = offsets[o + X_START]!;
    const xEnd = offsets[o + X_END]!;
    const s = entryVerdict(buf, dStart, dEnd);
    // The adapter decodes a dedup_id as UTF-8 with replacement: so does this.
    const dedupId = xStart < 0 ? undefined : buf.toString('utf8', xStart, xEnd);
    const id = () => entryIdText(page, k);
    collector.note(s, dedupId, id, () => {
      // Rare (a corrupt entry): the adapter's own decoder gives its exact reason.
      const fields: Buffer[] = [];
      if (dStart >= 0) fields.push(D_NAME, buf.subarray(dStart, dEnd));
      if (xStart >= 0) fields.push(DEDUP_ID, buf.subarray(xStart, xEnd));
      const e = decodeBufferEntry(id(), fields);
      return e.status === 'corrupt' ? e.reason : 'corrupt';
    });
  }
}

/** The same read through the adapter's client (shards read that way by the scan, or after a byte-reader failure). */
async function readThroughClient(adapter: MeshAdapter, key: string, from: string, end: string, collector: EvidenceCollector, signal: AbortSignal | undefined): Promise<void> {
  const client = adapter.client;
  const read = (start: string): Promise<RawRow[]> => {
    const p = client.xrangeBuffer(key, start, end, 'COUNT', PAGE) as unknown as Promise<RawRow[]>;
    // A page read ahead may be abandoned (abort, error on the current page): never unhandled.
    p.catch(() => {});
    return p;
  };
  let pending: Promise<RawRow[]> | null = read(from);
  while (pending) {
    let rows: RawRow[];
    try {
      rows = await pending;
    } catch (e) {
      throw classifyError(e, { command: 'XRANGE', secrets: [...adapter.secretTexts] });
    }
    signal?.throwIfAborted();
    const last = rows.length > 0 ? rows[rows.length - 1]![0].toString('latin1') : null;
    pending = last !== null && rows.length === PAGE && compareStreamIds(last, end) < 0 ? read(exclusiveStart(last, adapter.exclusiveRanges)) : null;
    for (const row of rows) collector.add(entryOf(row));
  }
}

const D_NAME = Buffer.from('d', 'latin1');
const DEDUP_ID = Buffer.from('dedup_id', 'latin1');

/**
 * The entry as the adapter decodes it, built cheaply for the common case: `d` in the producer's
 * own layout is ok with its `s` (the collector needs only status, `s`, dedup_id and id);
 * everything else goes through the adapter's decoder for its exact status and reason.
 */
function entryOf(row: RawRow): MeshEntry {
  const [idBuf, fields] = row;
  let d: Buffer | undefined;
  let dedup: Buffer | undefined;
  for (let f = 0; f + 1 < fields.length; f += 2) {
    const name = fields[f]!;
    if (name.length === 1 && name[0] === 0x64) d = fields[f + 1];
    else if (name.length === 8 && name.equals(DEDUP_ID)) dedup = fields[f + 1];
  }
  const s = d === undefined ? -1 : fastShardOfBytes(d);
  if (s < 0) return decodeBufferEntry(idBuf.toString('latin1'), fields);
  const e: MeshEntry = { id: idBuf.toString('latin1'), status: 'ok', s, t: '', r: '' };
  if (dedup !== undefined) e.dedupId = dedup.toString('utf8');
  return e;
}

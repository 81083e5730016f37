/**
 * Deciding a page of the scan's byte-level reader (xrange-reply.ts) in place: the verdict of each
 * entry from the reply's bytes, and feeding a whole page to an analyzer. Shared by the scan on the
 * main thread and its worker threads (scan-worker.ts).
 */
import type { ShardAnalyzer } from '../../shared/analysis';
import { decodePayloadBytes, fastShardOfRange } from '../../shared/wire';
import { D_END, D_START, ENTRY_WORDS, X_END, X_START, type XrangePage } from './xrange-reply';

/**
 * Feeds every entry of a page to the analyzer, decided in place in the reply's bytes by
 * {@link entryVerdict}: exactly the decisions `MeshAdapter.poll` makes on the same bytes.
 */
export function analyzePage(analyzer: ShardAnalyzer, page: XrangePage): void {
  const { buf, offsets, count } = page;
  for (let k = 0, o = 0; k < count; k++, o += ENTRY_WORDS) {
    const dStart = offsets[o + D_START]!;
    const dEnd = offsets[o + D_END]!;
    const s = entryVerdict(buf, dStart, dEnd);
    // No `d`: hashed as an empty payload, as the client path does.
    analyzer.addRange(s >= 0, s, buf, offsets[o + X_START]!, offsets[o + X_END]!, dStart < 0 ? 0 : dStart, dStart < 0 ? 0 : dEnd);
  }
}

/**
 * The reader's verdict on one entry whose `d` is `buf[dStart..dEnd)` (`dStart` -1: no `d`): its
 * shard `s` (0..65535) when net-mesh's reader accepts it, -1 when it is corrupt. The producer's
 * own layout is decided in place without building a string (`fastShardOfRange`); anything else
 * goes through the full decoder on a view of `d`.
 */
export function entryVerdict(buf: Uint8Array, dStart: number, dEnd: number): number {
  if (dStart < 0) return -1;
  const s = fastShardOfRange(buf, dStart, dEnd);
  if (s >= 0) return s;
  const r = decodePayloadBytes(buf.subarray(dStart, dEnd));
  return r.ok ? r.s : -1;
}

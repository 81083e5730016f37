/**
 * Why a producer's ordinals are missing from a shard (issue 17): never written, perhaps deleted,
 * or before the stream's trimmed head. Pure: the evidence is what Redis 7 keeps per stream
 * (`XINFO STREAM`), gathered by the core; this module only reasons about it.
 *
 * What Redis 7 keeps (checked on 7.0.15): `entries-added` counts every entry ever added;
 * `max-deleted-entry-id` is the greatest id ever removed by XDEL (trimming leaves it alone);
 * `recorded-first-entry-id` is the first entry present (trimming and deleting the head move it).
 * So `entries-added - length` entries were removed in all, and nothing with an id above
 * `max-deleted-entry-id` was ever deleted.
 *
 * The argument for an interior gap between the entries A and B of one nonce: a producer's batches
 * for one shard are dispatched one after the other (contract item 8), so had the missing ordinals
 * been written they would have ids above A's. Trimming only removes a stream's head, never an
 * entry between two present ones. Hence, when every copy of A is newer than
 * `max-deleted-entry-id`, nothing after A was ever deleted and the ordinals were never written
 * (`lost`, e.g. a batch the bus dropped after a failed dispatch, contract item 7); otherwise an
 * XDEL may have removed them (`possibly-deleted`, bounded by that id).
 *
 * A head gap (ordinals 0..lowest-1 of a nonce: producers count each shard from 0, contract
 * item 6) lies before the nonce's first entry here: `lost` when nothing was ever removed from the
 * stream, `trimmed` when something was (trimming takes the head, where those ordinals would be).
 */
import { compareStreamIds } from './stream-id';
import type { GapRange } from './types';

/** What the gap reasoning needs of one stream, from `XINFO STREAM` (Redis 7.0+). */
export interface DeletionRecord {
  length: number;
  entriesAdded: number;
  /** `0-0` when nothing was ever deleted with XDEL. */
  maxDeletedId: string;
  /** The first entry present (`recorded-first-entry-id`); `0-0` for an empty stream. */
  firstId: string;
}

/** The evidence for one shard: the record, or why there is none (said as the reason of `unknown`). */
export type DeletionEvidence = { known: true; record: DeletionRecord } | { known: false; why: string };

/**
 * The evidence from a parsed `XINFO STREAM` reply: known when it carries the Redis 7 fields, else
 * unknown with the server version in the reason.
 */
export function deletionEvidence(
  info: { length: number; entriesAdded: number | null; maxDeletedEntryId: string | null; recordedFirstEntryId: string | null },
  serverVersion: string | undefined,
): DeletionEvidence {
  if (info.entriesAdded === null || info.maxDeletedEntryId === null || info.recordedFirstEntryId === null) {
    const v = serverVersion ? `Redis ${serverVersion}` : 'this server';
    return { known: false, why: `${v} keeps no record of deletions (XINFO STREAM reports max-deleted-entry-id and entries-added from Redis 7.0), so the cause cannot be told` };
  }
  return { known: true, record: { length: info.length, entriesAdded: info.entriesAdded, maxDeletedId: info.maxDeletedEntryId, firstId: info.recordedFirstEntryId } };
}

/** Whether anything was ever deleted with XDEL. */
function everDeleted(r: DeletionRecord): boolean {
  return compareStreamIds(r.maxDeletedId, '0-0') > 0;
}

function ordinals(g: GapRange): string {
  return g.from === g.to ? `ordinal ${g.from}` : `ordinals ${g.from}–${g.to}`;
}

/**
 * The cause of an interior gap (between two present ordinals of its nonce).
 *
 * `beforeGapAtOrBelowMaxDeleted`: whether a copy of the entry before the gap (ordinal `from - 1`)
 * has an id at or below the record's `max-deleted-entry-id` (the scan tells, see
 * `ShardAnalyzer.atOrBelowMaxDeleted`); ignored when nothing was ever deleted.
 *
 * `deletedSince`: a later record's `max-deleted-entry-id` when entries were deleted while the
 * scan ran: then a gap that would read `lost` may have been made by that deletion, and reads
 * `possibly-deleted` bounded by the newer id.
 */
export function explainGap(gap: GapRange, evidence: DeletionEvidence, beforeGapAtOrBelowMaxDeleted: boolean, deletedSince?: string): GapRange {
  const base: GapRange = { nonce: gap.nonce, from: gap.from, to: gap.to };
  if (!evidence.known) return { ...base, cause: 'unknown', reason: capital(evidence.why) + '.' };
  const r = evidence.record;
  if (everDeleted(r) && beforeGapAtOrBelowMaxDeleted) {
    return {
      ...base,
      cause: 'possibly-deleted',
      maxDeletedId: r.maxDeletedId,
      reason: `Possibly deleted: entries up to ${r.maxDeletedId} were removed with XDEL after ordinal ${gap.from - 1} (the entry before the gap) was written, so ${ordinals(gap)} may have been among them.`,
    };
  }
  if (deletedSince !== undefined) {
    return {
      ...base,
      cause: 'possibly-deleted',
      maxDeletedId: deletedSince,
      reason: `Possibly deleted: entries up to ${deletedSince} were removed with XDEL while the scan ran, so ${ordinals(gap)} may have been among them.`,
    };
  }
  return {
    ...base,
    cause: 'lost',
    reason: everDeleted(r)
      ? `Never written: ordinal ${gap.from - 1} (the entry before the gap) is newer than every entry ever deleted (max-deleted-entry-id ${r.maxDeletedId}), and trimming only removes a stream's head, so ${ordinals(gap)} never reached this stream.`
      : `Never written: nothing was ever deleted from this stream (max-deleted-entry-id 0-0), and trimming only removes a stream's head, so ${ordinals(gap)} never reached it.`,
  };
}

/** The cause of a head gap (ordinals 0..lowest-1 of a nonce). */
export function explainHeadGap(gap: GapRange, evidence: DeletionEvidence): GapRange {
  const base: GapRange = { nonce: gap.nonce, from: gap.from, to: gap.to };
  if (!evidence.known) return { ...base, cause: 'unknown', reason: capital(evidence.why) + '.' };
  const r = evidence.record;
  const removed = r.entriesAdded - r.length;
  if (removed <= 0) {
    return {
      ...base,
      cause: 'lost',
      reason: `Never written: nothing was ever removed from this stream (entries-added ${r.entriesAdded} equals its length), so ${ordinals(gap)} of this nonce never reached it.`,
    };
  }
  const n = removed.toLocaleString('en-US');
  if (!everDeleted(r)) {
    return {
      ...base,
      cause: 'trimmed',
      reason: `Trimmed: ${n} ${removed === 1 ? 'entry was' : 'entries were'} trimmed from the stream's head (none was deleted with XDEL; the first entry is now ${r.firstId}), and ${ordinals(gap)} come before this nonce's first entry here.`,
    };
  }
  return {
    ...base,
    cause: 'trimmed',
    maxDeletedId: r.maxDeletedId,
    reason: `Trimmed or deleted: ${n} ${removed === 1 ? 'entry was' : 'entries were'} removed from this stream (its head trimmed to ${r.firstId}, or deleted with XDEL up to ${r.maxDeletedId}), and ${ordinals(gap)} come before this nonce's first entry here.`,
  };
}

/** The newer record's max-deleted-entry-id when it moved past the older one's (deletions between the two reads). */
export function deletedBetween(before: DeletionEvidence, after: DeletionEvidence): string | undefined {
  if (!before.known || !after.known) return undefined;
  return compareStreamIds(after.record.maxDeletedId, before.record.maxDeletedId) > 0 ? after.record.maxDeletedId : undefined;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * The evidence behind a shard's counts (issue 13): which entries are corrupt, which dedup_ids are
 * duplicated (with every copy's stream id), which entries are misrouted, each with a reason.
 * Pure: the scan (electron/core/scan-evidence.ts) feeds it the entries of the range it analysed,
 * and `scan --json --details` and the analysis view's exports print what it returns through the
 * one shaper (scan-document.ts), so both carry the same records in the same order.
 */
import { parseDedupId } from './dedup-id';
import { compareStreamIds } from './stream-id';
import type { Anomaly, AnomalyKind, MeshEntry } from './types';

/** Records listed per shard; past it they are counted in `anomaliesOmitted` (a ticket needs examples, not a million lines). */
export const MAX_ANOMALIES_PER_SHARD = 10_000;

/** One duplicated dedup_id as the analyzer reports it. */
export interface DuplicateGroupInfo {
  dedupId: string;
  count: number;
  kind: 'retry' | 'collision';
}

const KIND_ORDER: Record<AnomalyKind, number> = { corrupt: 0, collision: 1, duplicate: 2, misrouted: 3 };

/**
 * Collects a shard's anomalies while its entries go by (oldest first). Duplicate groups must be
 * known up front (the scan's first pass found them); their copies are gathered here.
 */
export class EvidenceCollector {
  private readonly corrupt: Anomaly[] = [];
  private readonly misrouted: Anomaly[] = [];
  private readonly groups = new Map<string, { info: DuplicateGroupInfo; ids: string[] }>();

  private readonly shardText: string;

  constructor(
    readonly shard: number,
    duplicates: Iterable<DuplicateGroupInfo>,
  ) {
    this.shardText = String(shard);
    for (const d of duplicates) this.groups.set(d.dedupId, { info: d, ids: [] });
  }

  /** True when nothing can be found here (no duplicate groups to locate); the caller may still feed entries for corrupt/misrouted ones. */
  get hasGroups(): boolean {
    return this.groups.size > 0;
  }

  add(e: MeshEntry): void {
    if (e.status === 'corrupt') {
      const a: Anomaly = { kind: 'corrupt', ids: [e.id], reason: e.reason };
      if (e.dedupId !== undefined) a.dedupId = e.dedupId;
      this.corrupt.push(a);
    }
    // Most entries are where they belong: their `s` and their dedup_id's shard part are this shard
    // (read as text, no parse); only the others are judged in full.
    const why = e.status === 'ok' && e.s === this.shard && (e.dedupId === undefined || shardPart(e.dedupId) === this.shardText) ? null : misroutedReason(this.shard, e);
    if (why !== null) {
      const a: Anomaly = { kind: 'misrouted', ids: [e.id], reason: why };
      if (e.dedupId !== undefined) a.dedupId = e.dedupId;
      this.misrouted.push(a);
    }
    if (e.dedupId !== undefined && this.groups.size > 0) this.groups.get(e.dedupId)?.ids.push(e.id);
  }

  /**
   * {@link add} for readers that decide entries in place (the scan's byte reader): `s` the
   * reader's verdict (-1 corrupt); the id and the corrupt reason are asked for only when the entry
   * is recorded, so an entry with nothing to say costs no allocation.
   */
  note(s: number, dedupId: string | undefined, id: () => string, reason: () => string): void {
    const group = dedupId !== undefined && this.groups.size > 0 ? this.groups.get(dedupId) : undefined;
    if (s === this.shard && group === undefined && (dedupId === undefined || shardPart(dedupId) === this.shardText)) return;
    const base = dedupId === undefined ? {} : { dedupId };
    this.add(s < 0 ? { id: id(), status: 'corrupt', reason: reason(), ...base } : { id: id(), status: 'ok', s, t: '', r: '', ...base });
  }

  /** Every record, ordered by kind (corrupt, collision, duplicate, misrouted) and then by first stream id; capped. */
  finish(): { anomalies: Anomaly[]; omitted: number } {
    const dups: Anomaly[] = [];
    for (const { info, ids } of this.groups.values()) {
      // The first pass counted the copies; an entry trimmed or deleted since is not found again.
      if (ids.length === 0) continue;
      const kind: AnomalyKind = info.kind === 'collision' ? 'collision' : 'duplicate';
      dups.push({ kind, ids, dedupId: info.dedupId, reason: duplicateReason(info, ids.length) });
    }
    const all = [...this.corrupt, ...dups, ...this.misrouted];
    all.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compareStreamIds(a.ids[0]!, b.ids[0]!));
    if (all.length <= MAX_ANOMALIES_PER_SHARD) return { anomalies: all, omitted: 0 };
    return { anomalies: all.slice(0, MAX_ANOMALIES_PER_SHARD), omitted: all.length - MAX_ANOMALIES_PER_SHARD };
  }
}

/** The text between a dedup_id's first and second colon (its shard part), or null. */
function shardPart(id: string): string | null {
  const a = id.indexOf(':');
  if (a < 0) return null;
  const b = id.indexOf(':', a + 1);
  return b < 0 ? null : id.slice(a + 1, b);
}

/** Why an entry is misrouted (its payload `s` or its dedup_id's shard part is another shard), or null. Same rule as the analyzer's count. */
export function misroutedReason(shard: number, e: MeshEntry): string | null {
  const parts: string[] = [];
  if (e.status === 'ok' && e.s !== shard) parts.push(`its payload says shard ${e.s} ("s":${e.s})`);
  if (e.dedupId !== undefined) {
    const p = parseDedupId(e.dedupId);
    if (p && p.shard !== shard) parts.push(`its dedup_id names shard ${p.shard}`);
  }
  if (parts.length === 0) return null;
  return `In shard ${shard}, but ${parts.join(' and ')}: consumers of that shard never see it.`;
}

function duplicateReason(info: DuplicateGroupInfo, found: number): string {
  const n = `${info.count} entries carry this dedup_id`;
  const missing = found < info.count ? ` (${info.count - found} removed since the count)` : '';
  return info.kind === 'collision'
    ? `${n} with different payloads${missing}: a reused id; consumers' dedup keeps the first and silently drops the rest.`
    : `${n} with identical payloads${missing}: a retried batch; consumers' dedup drops the repeats.`;
}

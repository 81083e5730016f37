/**
 * Rows between entries in a lane (issues 13/14): gap markers between the two entries that bound a
 * gap of a nonce's ordinals, dedup_id group headers in the Duplicates filter, and the misrouted
 * flag of an entry. Pure: StreamBody and ListModel place these rows, EntryRow draws them.
 *
 * A whole-stream lane is positioned (row i is a stream position), so gap markers are spliced in by
 * arithmetic over their sorted slots, never by building a row array: marker k, placed after
 * position p_k, is row p_k + k + 1 oldest first, and a position q is row q + (markers before it).
 */
import type { GapPlace } from '../../../../shared/contract';
import { parseDedupId } from '../../../../shared/dedup-id';
import type { GapRange, MeshEntry } from '../../../../shared/types';

export interface GapMarker {
  kind: 'gap';
  key: string;
  gap: GapRange;
  place: GapPlace;
}

export interface GroupMarker {
  kind: 'group';
  key: string;
  dedupId: string;
  /** retry | collision once the shard's index said (duplicates:lookup). */
  dup: 'retry' | 'collision' | undefined;
  copies: number | undefined;
  /** The first group of its kind: the header also names the section. */
  section: boolean;
}

export type RowMarker = GapMarker | GroupMarker;

/** The marker's sentence: "50 events missing: ordinals 550–599 of nonce 5eed, batch 550". */
export function gapText(m: GapMarker): string {
  const { gap } = m;
  const count = gap.to - gap.from + 1;
  const events = `${count.toLocaleString('en-US')} ${count === 1 ? 'event' : 'events'} missing`;
  const ords = gap.from === gap.to ? `ordinal ${gap.from}` : `ordinals ${gap.from}–${gap.to}`;
  return `${events}: ${ords} of nonce ${gap.nonce}, batch ${gapBatch(m)}`;
}

/**
 * The batch the missing events belong to: when the entry after the gap starts its batch (i = 0),
 * the missing ones end a batch of their own, which starts at `from` as far as the stream shows;
 * otherwise they are the head of the after entry's batch (its sequence start).
 */
export function gapBatch(m: GapMarker): string {
  const after = m.place.afterDedupId ? parseDedupId(m.place.afterDedupId) : null;
  if (after && after.i !== 0n) return String(after.seq);
  return String(m.gap.from);
}

export function causeLabel(cause: GapRange['cause']): string {
  switch (cause) {
    case 'lost':
      return 'lost';
    case 'possibly-deleted':
      return 'possibly deleted';
    case 'trimmed':
      return 'trimmed';
    case 'unknown':
      return 'cause unknown';
    default:
      return 'gap';
  }
}

/**
 * The shard an entry belongs to when it is not `shard` (its dedup_id's shard part, else its
 * payload's `s`); computed once per entry and lane shard (rows re-render on every scroll frame).
 */
export function misroutedTo(entry: MeshEntry, shard: number): { shard: number; why: string } | null {
  const cached = misroutedCache.get(entry);
  if (cached && cached.lane === shard) return cached.to;
  const to = judgeMisrouted(entry, shard);
  misroutedCache.set(entry, { lane: shard, to });
  return to;
}

const misroutedCache = new WeakMap<MeshEntry, { lane: number; to: { shard: number; why: string } | null }>();

function judgeMisrouted(entry: MeshEntry, shard: number): { shard: number; why: string } | null {
  const id = entry.dedupId !== undefined ? parseDedupId(entry.dedupId) : null;
  if (id && id.shard !== shard) {
    const s = entry.status === 'ok' && entry.s !== shard && entry.s !== id.shard ? `; its payload says s=${entry.s}` : '';
    return { shard: id.shard, why: `Misrouted: its dedup_id names shard ${id.shard}${s}, but it is in shard ${shard}. Consumers of shard ${id.shard} never see it.` };
  }
  if (entry.status === 'ok' && entry.s !== shard) {
    return { shard: entry.s, why: `Misrouted: its payload says s=${entry.s}, but it is in shard ${shard}. Consumers of shard ${entry.s} never see it.` };
  }
  return null;
}

/**
 * One gap marker per placed gap, sorted by slot (the position it follows; -1: before the first).
 * `gaps:list`'s interior gaps and head gaps (ordinals 0..lowest-1, above the nonce's lowest) alike.
 */
export function gapMarkers(
  gaps: GapRange[],
  places: GapPlace[] | undefined,
  headGaps: GapRange[] = [],
  headPlaces: GapPlace[] = [],
): Array<GapMarker & { slot: number }> {
  const out: Array<GapMarker & { slot: number }> = [];
  const all = [...gaps.map((g, k) => [g, places?.[k]] as const), ...headGaps.map((g, k) => [g, headPlaces[k]] as const)];
  all.forEach(([gap, place]) => {
    if (!place) return;
    // Before position 0 (a head gap above the stream's first entry): slot -1, the very first row.
    const slot = place.before ?? (place.after !== null ? place.after - 1 : null);
    if (slot === null || slot < -1) return;
    out.push({ kind: 'gap', key: `gap:${gap.nonce}:${gap.from}`, gap, place, slot });
  });
  out.sort((a, b) => a.slot - b.slot);
  return out;
}

export type LaneRow = { kind: 'entry'; position: number } | { kind: 'marker'; marker: GapMarker };

/**
 * A positioned lane of `n` entries with gap markers spliced in: `count` rows; row ⇄ position.
 * Markers past the last entry (not yet read) are left out.
 */
export class GapRows {
  readonly count: number;
  private readonly slots: Float64Array;
  private readonly markers: GapMarker[];

  constructor(
    all: Array<GapMarker & { slot: number }>,
    readonly n: number,
    readonly newest: boolean,
  ) {
    const kept = all.filter((m) => m.slot < n - 1);
    this.markers = kept;
    this.slots = Float64Array.from(kept, (m) => m.slot);
    this.count = n + kept.length;
  }

  get markerCount(): number {
    return this.markers.length;
  }

  /** What row `i` shows. */
  at(i: number): LaneRow {
    const j = this.newest ? this.count - 1 - i : i;
    // Markers whose row (slot + k + 1) is below j.
    let lo = 0;
    let hi = this.slots.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.slots[mid]! + mid + 1 < j) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.slots.length && this.slots[lo]! + lo + 1 === j) return { kind: 'marker', marker: this.markers[lo]! };
    return { kind: 'entry', position: j - lo };
  }

  /** The position row `i` shows, or for a marker the position it follows. */
  positionNear(i: number): number {
    const r = this.at(i);
    return r.kind === 'entry' ? r.position : Math.max(0, this.slots[this.markers.indexOf(r.marker)] ?? 0);
  }

  /** The row of position `q`. */
  indexOf(q: number): number {
    let lo = 0;
    let hi = this.slots.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.slots[mid]! < q) lo = mid + 1;
      else hi = mid;
    }
    const j = q + lo;
    return this.newest ? this.count - 1 - j : j;
  }
}

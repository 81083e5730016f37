/**
 * Status filters served from the shard's background index (issues 13/14): corrupt, duplicates
 * (grouped by dedup_id, collisions first), retries, collisions, gap bounds and misrouted entries.
 * The index already knows their positions (shard-index.ts `filterList`), so a step reads only the
 * entries it returns: grouped by index anchor, one bounded XRANGE per anchor, all sent at once.
 * While the index is still being built a step returns nothing with `pending` and the index's
 * progress; the lane asks again when `index:changed` says it is ready.
 *
 * Cursor: as every filter step, the id of the last entry returned (exclusive). The list keeps, per
 * cursor it handed out, where to go on; a cursor it did not hand out (another process, an old
 * list) is placed by reading its position.
 */
import type { FilterPage, FilterQuery, FilterStatus, PageEntry } from '../../shared/contract';
import { streamIdPredecessor } from '../../shared/stream-id';
import type { MeshEntry } from '../../shared/types';
import type { BrowseContext, capEntry, compileFilter, locateId } from './browse';

/** browse.ts's helpers, handed in (browse.ts calls this module: no import cycle). */
export interface BrowseHelpers {
  capEntry: typeof capEntry;
  compileFilter: typeof compileFilter;
  locateId: typeof locateId;
}
import type { FilterList } from './shard-index';

/** At most this many positions are read per step (a screenful and more, well under 300 ms). */
const STEP_POSITIONS = 120;

export function servedByIndex(q: FilterQuery): q is FilterQuery & { status: FilterStatus } {
  return q.status !== undefined;
}

export async function indexedFilterStep(
  c: BrowseContext,
  req: { direction: 'forward' | 'backward'; cursor: string | null; query: FilterQuery & { status: FilterStatus }; limit: number; previewChars?: number },
  h: BrowseHelpers,
): Promise<FilterPage> {
  const { index, shard } = c;
  if (!index.servable) {
    const st = index.status();
    if (st.state === 'idle') void index.refresh();
    return { shard, entries: [], cursor: req.cursor, done: false, scanned: 0, duplicatesReady: false, pending: true, index: st };
  }
  // Grouped lists come in the order they are shown either way (collisions first): never reversed.
  const list = index.filterList(req.query.status, req.direction === 'backward');
  const n = list.positions.length;
  const backward = req.direction === 'backward' && !list.grouped;
  let j = req.cursor === null ? 0 : await resumeAt(c, list, req.cursor, backward, h);
  // Other criteria (text, JSON path) apply to the entries read; the status is the list itself.
  const rest = h.compileFilter({ ...req.query, status: undefined }, index);
  const entries: PageEntry[] = [];
  const positions: number[] = [];
  let scanned = 0;
  let cursor = req.cursor;
  const limit = Math.min(req.limit, STEP_POSITIONS);
  while (j < n && entries.length < limit) {
    const take: number[] = [];
    for (let k = j; k < n && take.length < limit - entries.length; k++) take.push(list.positions[backward ? n - 1 - k : k]!);
    const read = await readAt(c, take);
    for (const p of take) {
      j++;
      scanned++;
      const e = read.get(p);
      if (!e) continue;
      cursor = e.id;
      if (list.grouped && !isDuplicate(e, index, req.query.status)) continue; // a hash shared with another id
      if (!rest.test(e)) continue;
      entries.push(h.capEntry(e, req.previewChars));
      positions.push(p);
    }
    if (read.size === 0) break;
  }
  if (cursor !== null && cursor !== req.cursor) {
    if (list.resume.size > 4096) list.resume.clear();
    list.resume.set(`${req.direction}:${cursor}`, j);
  }
  const out: FilterPage = { shard, entries, cursor, done: j >= n, scanned, duplicatesReady: true, positions };
  if (req.query.text === undefined && req.query.pathEquals === undefined) out.matchTotal = n;
  return out;
}

function isDuplicate(e: MeshEntry, index: BrowseContext['index'], status: FilterStatus): boolean {
  if (e.dedupId === undefined) return false;
  const mark = index.duplicateMarks([e.dedupId])[0];
  return mark !== undefined && (status === 'duplicate' || mark.kind === status);
}

/** Where a step after `cursor` goes on in `list` (an index into the list in the step's direction). */
async function resumeAt(c: BrowseContext, list: FilterList, cursor: string, backward: boolean, h: BrowseHelpers): Promise<number> {
  const known = list.resume.get(`${backward ? 'backward' : 'forward'}:${cursor}`) ?? list.resume.get(`backward:${cursor}`);
  if (known !== undefined) return known;
  const loc = await h.locateId(c, cursor);
  const n = list.positions.length;
  const p = loc.position;
  if (list.grouped) {
    const k = list.positions.indexOf(p);
    return k < 0 ? 0 : k + 1;
  }
  // Sorted: count the listed positions before the cursor's entry (and it, when it still exists).
  const countBelow = (x: number, inclusive: boolean) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (inclusive ? list.positions[mid]! <= x : list.positions[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return backward ? n - countBelow(p, false) : countBelow(p, loc.found);
}

/**
 * The entries at `positions` (any order), read per index anchor: one XRANGE from each anchor up to
 * the furthest position wanted past it, all sent together.
 */
export async function readAt(c: BrowseContext, positions: number[]): Promise<Map<number, MeshEntry>> {
  const { adapter, index, shard } = c;
  const groups = new Map<string, { base: number; skips: number[] }>();
  for (const p of positions) {
    const loc = index.locate(p);
    if (!loc) continue;
    let g = groups.get(loc.startId);
    if (!g) groups.set(loc.startId, (g = { base: p - loc.skip, skips: [] }));
    g.skips.push(loc.skip);
  }
  const out = new Map<number, MeshEntry>();
  await Promise.all(
    [...groups].map(async ([startId, g]) => {
      const maxSkip = Math.max(...g.skips);
      const page = await c.run('XRANGE', () => adapter.poll(shard, streamIdPredecessor(startId), maxSkip + 1));
      for (const skip of g.skips) {
        const e = page.entries[skip];
        if (e) out.set(g.base + skip, e);
      }
    }),
  );
  return out;
}

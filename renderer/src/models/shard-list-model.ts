/**
 * The shard sidebar's list model (issues 13 and 14): the filter box's query, the sort orders and
 * each shard's problem counts (corrupt, duplicate, collision, gap, misrouted), kept pure so the
 * 65,536-shard paths are tested without a DOM. Every function here is O(shards) at most and is
 * run only when the list, the query, the sort or the problems change, never on a clock.
 */
import type { AnalysisReport, ShardListResult, ShardProblemCounts, ShardSummary } from '../../../shared/contract';

export type ProblemKind = 'corrupt' | 'collision' | 'duplicate' | 'gap' | 'misrouted';

/** The kinds in the order the badges show them (the worst first). */
export const PROBLEM_KINDS: readonly ProblemKind[] = ['corrupt', 'collision', 'duplicate', 'gap', 'misrouted'];

export interface ShardProblems {
  corrupt: number;
  /** Dedup ids carried by entries with different payloads. */
  collision: number;
  /** Dedup ids carried by more than one entry with the same payload (retries). */
  duplicate: number;
  /** Sequence gaps (ranges of missing ordinals), head gaps included. */
  gap: number;
  misrouted: number;
  /** The sum of the above: the "problems first" order. */
  total: number;
  /** Where the counts come from: the last whole-bus analysis, or the shard's background index. */
  source: 'analysis' | 'index';
  /** Epoch ms the counts describe (the analysis' end, or the index's answer). */
  at: number;
}

export type ShardSort = 'id' | 'length' | 'rate' | 'problems';

export const SHARD_SORTS: ReadonlyArray<{ value: ShardSort; label: string }> = [
  { value: 'id', label: 'Shard id' },
  { value: 'length', label: 'Length' },
  { value: 'rate', label: 'Append rate' },
  { value: 'problems', label: 'Problems first' },
];

export function problemTotal(p: Omit<ShardProblems, 'total' | 'source' | 'at'>): number {
  return p.corrupt + p.collision + p.duplicate + p.gap + p.misrouted;
}

/** Each analysed shard's counts from a whole-bus analysis report (shards without any are kept, at zero). */
export function problemsFromReport(report: AnalysisReport | null): Map<number, ShardProblems> {
  const out = new Map<number, ShardProblems>();
  if (!report) return out;
  const at = report.provenance.finishedAt;
  for (const s of report.shards) {
    const counts = {
      corrupt: s.corrupt,
      collision: s.collisionGroups,
      // Duplicate groups include the collisions; a retry is a group that is not one.
      duplicate: Math.max(0, s.duplicateGroups - s.collisionGroups),
      gap: s.gaps.length + (s.headGaps?.length ?? 0),
      misrouted: s.misrouted,
    };
    out.set(s.shard, { ...counts, total: problemTotal(counts), source: 'analysis', at });
  }
  return out;
}

/** Each indexed shard's counts from `shards:problems` (the opened shards' background indexes). */
export function problemsFromIndexes(list: readonly ShardProblemCounts[]): Map<number, ShardProblems> {
  const out = new Map<number, ShardProblems>();
  for (const s of list) {
    const counts = { corrupt: s.corrupt, collision: s.collisionGroups, duplicate: Math.max(0, s.duplicateGroups - s.collisionGroups), gap: s.gaps, misrouted: s.misrouted };
    out.set(s.shard, { ...counts, total: problemTotal(counts), source: 'index', at: s.at });
  }
  return out;
}

/** Newer counts win shard by shard (an index that read a shard after the analysis knows better). */
export function mergeProblems(...sources: ReadonlyArray<ReadonlyMap<number, ShardProblems>>): Map<number, ShardProblems> {
  const out = new Map<number, ShardProblems>();
  for (const src of sources) {
    for (const [shard, p] of src) {
      const had = out.get(shard);
      if (!had || p.at >= had.at) out.set(shard, p);
    }
  }
  return out;
}

/**
 * One filter box, three kinds of term, separated by spaces (all must match) or commas (any may):
 * - a number `12` matches shard ids starting with 12 (12, 120..129, 1200..), `#12` or `=12` only 12,
 *   `10-20` the ids 10 to 20;
 * - `has:problems` (or `is:problem`, `!`) only shards with a problem count above zero;
 * - anything else is a substring of the stream key, case-insensitive.
 */
export type ShardTerm =
  | { kind: 'id-prefix'; text: string }
  | { kind: 'id'; id: number }
  | { kind: 'range'; from: number; to: number }
  | { kind: 'problems' }
  | { kind: 'key'; text: string };

export interface ShardQuery {
  /** Every group must match; a group matches when any of its terms does. */
  groups: ShardTerm[][];
}

const PROBLEM_WORDS = new Set(['has:problems', 'has:problem', 'is:problem', 'is:problems', 'problems', '!']);

export function parseShardQuery(text: string): ShardQuery {
  const groups: ShardTerm[][] = [];
  for (const word of text.trim().split(/\s+/)) {
    if (word === '') continue;
    const terms: ShardTerm[] = [];
    for (const part of word.split(',')) {
      const t = part.trim();
      if (t === '') continue;
      terms.push(parseTerm(t));
    }
    if (terms.length > 0) groups.push(terms);
  }
  return { groups };
}

function parseTerm(t: string): ShardTerm {
  const lower = t.toLowerCase();
  if (PROBLEM_WORDS.has(lower)) return { kind: 'problems' };
  let m = /^[#=](\d{1,5})$/.exec(t);
  if (m) return { kind: 'id', id: Number(m[1]) };
  m = /^(\d{1,5})-(\d{1,5})$/.exec(t);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    return { kind: 'range', from: Math.min(a, b), to: Math.max(a, b) };
  }
  if (/^\d{1,5}$/.test(t)) return { kind: 'id-prefix', text: String(Number(t)) === t ? t : t.replace(/^0+(?=\d)/, '') };
  return { kind: 'key', text: lower };
}

export function isEmptyQuery(q: ShardQuery): boolean {
  return q.groups.length === 0;
}

function termMatches(t: ShardTerm, s: ShardSummary, idText: string, problems: ShardProblems | undefined): boolean {
  switch (t.kind) {
    case 'id-prefix':
      return idText.startsWith(t.text);
    case 'id':
      return s.shard === t.id;
    case 'range':
      return s.shard >= t.from && s.shard <= t.to;
    case 'problems':
      return (problems?.total ?? 0) > 0;
    case 'key':
      return s.key.toLowerCase().includes(t.text);
  }
}

export function shardMatches(q: ShardQuery, s: ShardSummary, problems?: ShardProblems): boolean {
  if (q.groups.length === 0) return true;
  const idText = String(s.shard);
  for (const group of q.groups) {
    let any = false;
    for (const t of group) {
      if (termMatches(t, s, idText, problems)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

/**
 * The shards to show, filtered and sorted. Id order is the list's own (discovery sorts by id);
 * the others are descending (the longest, the fastest, the most problems first), ties by id.
 */
export function viewShards(
  shards: readonly ShardSummary[],
  query: ShardQuery,
  sort: ShardSort,
  problems: ReadonlyMap<number, ShardProblems>,
): ShardSummary[] {
  const out = isEmptyQuery(query) ? shards.slice() : shards.filter((s) => shardMatches(query, s, problems.get(s.shard)));
  const byId = (a: ShardSummary, b: ShardSummary) => a.shard - b.shard;
  switch (sort) {
    case 'id':
      out.sort(byId);
      break;
    case 'length':
      out.sort((a, b) => b.length - a.length || byId(a, b));
      break;
    case 'rate':
      out.sort((a, b) => (b.appendRate ?? -1) - (a.appendRate ?? -1) || byId(a, b));
      break;
    case 'problems':
      out.sort((a, b) => compareProblems(problems.get(a.shard), problems.get(b.shard)) || byId(a, b));
      break;
  }
  return out;
}

/**
 * "Problems first": the worst kind decides (corrupt, then collisions, duplicates, gaps, misrouted),
 * a higher count of it first; a shard with any problem is before every shard with none, and an
 * analysed clean shard before one never analysed.
 */
function compareProblems(a: ShardProblems | undefined, b: ShardProblems | undefined): number {
  const rank = (p: ShardProblems | undefined) => (!p ? 0 : p.total === 0 ? 1 : 2);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb || !a || !b) return rb - ra;
  for (const k of PROBLEM_KINDS) if (a[k] !== b[k]) return b[k] - a[k];
  return 0;
}

const byIdCache = new WeakMap<readonly ShardSummary[], Map<number, ShardSummary>>();

/**
 * The summary of `shard` in `list`, through an index built once per list array: store selectors
 * run on every store change, and a `find` over 65,536 shards in each would cost that many steps
 * each time (issue 14).
 */
export function shardById(list: readonly ShardSummary[], shard: number): ShardSummary | undefined {
  let index = byIdCache.get(list);
  if (!index) {
    index = new Map();
    for (const s of list) index.set(s.shard, s);
    byIdCache.set(list, index);
  }
  return index.get(shard);
}

/** How many shards have a problem (for the filter's toggle). */
export function countWithProblems(problems: ReadonlyMap<number, ShardProblems>): number {
  let n = 0;
  for (const p of problems.values()) if (p.total > 0) n++;
  return n;
}

/**
 * Applies a `shards:list` delta to the list the renderer holds: changed and new shards replace
 * theirs, removed ids go, the result stays sorted by id. O(shards); run once per refresh.
 */
export function applyShardDelta(base: ShardListResult, next: ShardListResult & { delta?: { since: number; removed: number[] } }): ShardListResult {
  if (!next.delta) return next;
  // A shard not in the delta did not change: it appended nothing, its rate is 0.
  const idle = (s: ShardSummary) => (s.appendRate === 0 ? s : { ...s, appendRate: 0 });
  // Nothing changed (an idle bus): the same array, so what is derived from it is not computed again.
  if (next.shards.length === 0 && next.delta.removed.length === 0 && base.shards.every((s) => s.appendRate === 0)) {
    return { prefix: next.prefix, shards: base.shards, skipped: next.skipped, at: next.at };
  }
  const changed = new Map<number, ShardSummary>();
  for (const s of next.shards) changed.set(s.shard, s);
  const removed = new Set(next.delta.removed);
  const shards: ShardSummary[] = [];
  for (const s of base.shards) {
    if (removed.has(s.shard)) continue;
    const c = changed.get(s.shard);
    if (c) {
      shards.push(c);
      changed.delete(s.shard);
    } else shards.push(idle(s));
  }
  if (changed.size > 0) {
    for (const c of changed.values()) shards.push(c);
    shards.sort((a, b) => a.shard - b.shard);
  }
  return { prefix: next.prefix, shards, skipped: next.skipped, at: next.at };
}

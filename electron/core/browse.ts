/**
 * The shard browser's reads (issue 4): a page at any position of a million-entry stream, the
 * position of an id or a time, a server-side filter scan, and the copies of a duplicated
 * dedup_id. Every read is a bounded XRANGE/XREVRANGE through the adapter (so every entry is
 * decoded exactly as net-mesh's reader would), anchored on the shard's sparse index; nothing here
 * loads a whole stream. The service wires these to the contract (service.ts).
 */
import type { DuplicateCopies, FilterPage, FilterQuery, LocateResult, PageEntry, PositionedPage } from '../../shared/contract';
import { usageError } from '../../shared/errors';
import { matchesPathEquals, parsePathEquals, type PathEquals } from '../../shared/json-text';
import { compareStreamIds, parseStreamId, streamIdPredecessor } from '../../shared/stream-id';
import type { MeshEntry } from '../../shared/types';
import { MAX_POLL_LIMIT, type MeshAdapter } from './adapter';
import { evidenceTests } from './evidence-filter';
import { indexedFilterStep, servedByIndex } from './lane-filter';
import type { ShardIndex } from './shard-index';

/** What a browse read needs: the adapter, the shard's index, and the service's error-logging wrapper. */
export interface BrowseContext {
  adapter: MeshAdapter;
  index: ShardIndex;
  shard: number;
  key: string;
  /** Runs one Redis read; failures are logged in the health view and rethrown classified. */
  run<T>(command: string, fn: () => Promise<T>): Promise<T>;
}

/** Reads per filter call stop after about this long, so a cancel (no next call) takes effect quickly. */
const FILTER_CALL_MS = 250;
const FILTER_PAGE = 1000;
/** At most this many entries are read past an anchor to place an id or a position exactly. */
const LOCATE_SCAN_LIMIT = MAX_POLL_LIMIT;

// ---------- previews ----------

/**
 * An entry with its payload cut to `max` characters (never inside a surrogate pair), the full
 * length in `truncated`; unchanged when it fits or when no cap was asked for.
 */
export function capEntry(e: MeshEntry, max: number | undefined): PageEntry {
  if (max === undefined) return e;
  if (e.status === 'ok') return e.r.length > max ? { ...e, r: cut(e.r, max), truncated: e.r.length } : e;
  return e.d !== undefined && e.d.length > max ? { ...e, d: cut(e.d, max), truncated: e.d.length } : e;
}

export function capEntries(entries: MeshEntry[], max: number | undefined): PageEntry[] {
  return max === undefined ? entries : entries.map((e) => capEntry(e, max));
}

function cut(text: string, max: number): string {
  const c = text.charCodeAt(max - 1);
  return text.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}

// ---------- pages by position ----------

/**
 * The page of `limit` entries starting at `position` (oldest first). Exact (`exact: true`) when
 * the index covers the position, or when the position is within MAX_POLL_LIMIT past the index's
 * tip (read on from the tip); otherwise an estimate from the id times while the index builds, and
 * near the end of the stream the newest entries read backwards. `length` is set whenever the read
 * reached the end of the stream.
 */
export async function pageAt(c: BrowseContext, position: number, limit: number, previewChars?: number): Promise<PositionedPage> {
  const { adapter, index, shard } = c;
  const loc = index.locate(position);
  if (loc) {
    const page = await c.run('XRANGE', () => adapter.poll(shard, streamIdPredecessor(loc.startId), loc.skip + limit));
    const entries = page.entries.slice(loc.skip);
    const out: PositionedPage = { ...page, entries: capEntries(entries, previewChars), position, exact: true };
    if (!page.hasMore) out.length = position + entries.length;
    return out;
  }
  const tip = index.tip();
  if (tip && position > tip.position) {
    // Past the indexed part (the stream grew): let the index catch up, and meanwhile read on from its tip.
    index.noteGrowth();
    const skip = position - tip.position - 1;
    if (skip + limit <= MAX_POLL_LIMIT) {
      const page = await c.run('XRANGE', () => adapter.poll(shard, tip.id, skip + limit));
      const entries = page.entries.slice(skip);
      const out: PositionedPage = { ...page, entries: capEntries(entries, previewChars), position, exact: true };
      if (!page.hasMore) out.length = tip.position + 1 + page.entries.length;
      return out;
    }
  }
  return estimatedPage(c, position, limit, previewChars);
}

/** While the index builds: place the page by the id times (ids are ms timestamps); `exact: false`. */
async function estimatedPage(c: BrowseContext, position: number, limit: number, previewChars?: number): Promise<PositionedPage> {
  const { adapter, shard, key } = c;
  const client = adapter.client;
  const [len, first, last] = await c.run('XRANGE', () =>
    Promise.all([client.xlen(key), client.xrange(key, '-', '+', 'COUNT', 1), client.xrevrange(key, '+', '-', 'COUNT', 1)]),
  );
  const firstId = first[0]?.[0];
  const lastId = last[0]?.[0];
  if (!firstId || !lastId || len === 0 || position >= len) {
    return { shard, key, entries: [], nextId: null, hasMore: false, position, exact: len === 0, length: len };
  }
  if (position + limit >= len) {
    // The newest entries: read them backwards from the end, which needs no index.
    const want = Math.min(len - position, MAX_POLL_LIMIT);
    const page = await c.run('XREVRANGE', () => adapter.pollReverse(shard, null, want));
    const entries = page.entries.reverse();
    return {
      shard,
      key,
      entries: capEntries(entries, previewChars),
      nextId: entries[entries.length - 1]?.id ?? null,
      hasMore: false,
      position: Math.max(0, len - entries.length),
      exact: false,
      length: len,
    };
  }
  const f = parseStreamId(firstId);
  const l = parseStreamId(lastId);
  const frac = len > 1 ? Math.min(1, position / (len - 1)) : 0;
  const ms = f && l ? f.ms + BigInt(Math.floor(Number(l.ms - f.ms) * frac)) : 0n;
  const startId = `${ms}-0`;
  const cursor = startId === '0-0' ? null : streamIdPredecessor(startId);
  const page = await c.run('XRANGE', () => adapter.poll(shard, cursor, limit));
  return { ...page, entries: capEntries(page.entries, previewChars), position: Math.min(position, Math.max(0, len - limit)), exact: false, length: len };
}

// ---------- locate ----------

/**
 * Where `target` (a stream id) falls: the position of the first entry whose id is >= target.
 * Exact from the nearest index anchor at or before it (at most one anchor step read, or up to
 * LOCATE_SCAN_LIMIT past the index's tip); estimated from the id times while nothing is indexed.
 */
export async function locateId(c: BrowseContext, target: string): Promise<LocateResult> {
  const { adapter, index, shard } = c;
  if (index.indexedCount > 0) {
    const anchor = index.anchorBefore(compareStreamIds, target);
    let position = anchor?.position ?? 0;
    let cursor = anchor ? streamIdPredecessor(anchor.startId) : null;
    let read = 0;
    while (read < LOCATE_SCAN_LIMIT) {
      const want = Math.min(index.step + 1, LOCATE_SCAN_LIMIT - read);
      const page = await c.run('XRANGE', () => adapter.poll(shard, cursor, want));
      for (const e of page.entries) {
        if (compareStreamIds(e.id, target) >= 0) return { position, exact: true, id: e.id, found: e.id === target };
        position++;
      }
      read += page.entries.length;
      if (!page.hasMore || page.nextId === null) return { position, exact: true, id: null, found: false };
      cursor = page.nextId;
    }
  }
  return estimateLocate(c, target);
}

/**
 * `locateId`, and with `page` the page of `page.size` entries (aligned on multiples of the size)
 * that holds the located entry, read in the same call: a jump to an id or a time is one round trip.
 */
export async function locateWithPage(c: BrowseContext, target: string, page?: { size: number; previewChars?: number }): Promise<LocateResult> {
  const loc = await locateId(c, target);
  if (!page || loc.id === null) return loc;
  const start = Math.floor(loc.position / page.size) * page.size;
  return { ...loc, page: await pageAt(c, start, page.size, page.previewChars) };
}

async function estimateLocate(c: BrowseContext, target: string): Promise<LocateResult> {
  const { adapter, shard, key } = c;
  const client = adapter.client;
  const [len, first, last] = await c.run('XRANGE', () =>
    Promise.all([client.xlen(key), client.xrange(key, '-', '+', 'COUNT', 1), client.xrevrange(key, '+', '-', 'COUNT', 1)]),
  );
  const f = first[0]?.[0] ? parseStreamId(first[0][0]) : null;
  const l = last[0]?.[0] ? parseStreamId(last[0][0]) : null;
  const t = parseStreamId(target);
  if (!f || !l || !t || len === 0) return { position: 0, exact: len === 0, id: null, found: false };
  const span = Number(l.ms - f.ms);
  const frac = span > 0 ? Math.min(1, Math.max(0, Number(t.ms - f.ms) / span)) : compareStreamIds(target, first[0]![0]) <= 0 ? 0 : 1;
  const page = await c.run('XRANGE', () => adapter.poll(shard, streamIdPredecessor(target), 1));
  const id = page.entries[0]?.id ?? null;
  return { position: id === null ? len : Math.min(len - 1, Math.round(frac * (len - 1))), exact: false, id, found: id === target };
}

// ---------- filter ----------

interface CompiledFilter {
  test(e: MeshEntry): boolean;
  usesDuplicates: boolean;
}

/** Compiles a filter query; a malformed JSON-path expression is a usage error naming the problem. */
export function compileFilter(q: FilterQuery, index: ShardIndex, shard = -1): CompiledFilter {
  const tests: Array<(e: MeshEntry) => boolean> = evidenceTests(q, shard);
  if (q.status === 'corrupt') tests.push((e) => e.status === 'corrupt');
  if (q.status === 'duplicate') {
    tests.push((e) => e.dedupId !== undefined && index.duplicateMarks([e.dedupId]).length > 0);
  }
  if (q.pathEquals !== undefined) {
    let expr: PathEquals;
    try {
      expr = parsePathEquals(q.pathEquals);
    } catch (err) {
      throw usageError(`JSON-path filter: ${(err as Error).message}`);
    }
    tests.push((e) => e.status === 'ok' && matchesPathEquals(e.r, expr));
  }
  if (q.text !== undefined) {
    const needle = q.text;
    // Smart case, as in ripgrep: an all-lower-case needle matches any case.
    const fold = needle === needle.toLowerCase();
    tests.push((e) => {
      const hay = e.status === 'ok' ? e.r : (e.d ?? '');
      return fold ? hay.toLowerCase().includes(needle) : hay.includes(needle);
    });
  }
  return { test: (e) => tests.every((t) => t(e)), usesDuplicates: q.status === 'duplicate' };
}

/**
 * One bounded step of a filter scan: reads pages in `direction` from the exclusive `cursor` until
 * `limit` matches, `scanLimit` entries looked at, FILTER_CALL_MS spent, or the end of the stream.
 * The returned cursor resumes exactly after the last entry looked at, so no entry is skipped or
 * seen twice across steps. Cancelling is not asking for the next step.
 */
export async function filterStep(
  c: BrowseContext,
  req: { direction: 'forward' | 'backward'; cursor: string | null; query: FilterQuery; limit: number; scanLimit: number; previewChars?: number },
): Promise<FilterPage> {
  const { adapter, index, shard } = c;
  // Status filters: the index knows the positions (lane-filter.ts), no scan.
  const q = req.query;
  if (servedByIndex(q)) return indexedFilterStep(c, { ...req, query: q }, { capEntry, compileFilter, locateId });
  const filter = compileFilter(req.query, index, shard);
  const started = performance.now();
  const entries: PageEntry[] = [];
  let cursor = req.cursor;
  let scanned = 0;
  let done = false;
  while (scanned < req.scanLimit && entries.length < req.limit && performance.now() - started < FILTER_CALL_MS) {
    const want = Math.min(FILTER_PAGE, req.scanLimit - scanned);
    const page =
      req.direction === 'forward'
        ? await c.run('XRANGE', () => adapter.poll(shard, cursor, want))
        : await c.run('XREVRANGE', () => adapter.pollReverse(shard, cursor, want));
    let stoppedEarly = false;
    for (const e of page.entries) {
      scanned++;
      cursor = e.id;
      if (filter.test(e)) {
        entries.push(capEntry(e, req.previewChars));
        if (entries.length >= req.limit) {
          stoppedEarly = e.id !== page.nextId;
          break;
        }
      }
    }
    if (!stoppedEarly && page.nextId !== null) cursor = page.nextId;
    if (!stoppedEarly && !page.hasMore) {
      done = true;
      break;
    }
  }
  return { shard, entries, cursor, done, scanned, duplicatesReady: index.ready || !filter.usesDuplicates };
}

// ---------- duplicate copies ----------

/**
 * The entries of the shard carrying `dedupId`, found through the index's per-position hashes and
 * confirmed by reading each candidate (grouped per index anchor, so a handful of small XRANGEs).
 * Covers the indexed part of the stream; `ready` says whether that is all of it.
 */
export async function findCopies(c: BrowseContext, dedupId: string): Promise<DuplicateCopies> {
  const { adapter, index, shard } = c;
  const candidates = index.copyCandidates(dedupId, 256);
  const groups = new Map<string, { position: number; skips: number[] }>();
  for (const p of candidates) {
    const loc = index.locate(p);
    if (!loc) continue;
    const g = groups.get(loc.startId) ?? { position: p - loc.skip, skips: [] };
    g.skips.push(loc.skip);
    groups.set(loc.startId, g);
  }
  const copies: DuplicateCopies['copies'] = [];
  for (const [startId, g] of groups) {
    const maxSkip = Math.max(...g.skips);
    const page = await c.run('XRANGE', () => adapter.poll(shard, streamIdPredecessor(startId), maxSkip + 1));
    for (const skip of g.skips) {
      const e = page.entries[skip];
      if (e && e.dedupId === dedupId) copies.push({ id: e.id, position: g.position + skip });
    }
  }
  copies.sort((a, b) => a.position - b.position);
  return { dedupId, ready: index.ready, copies };
}

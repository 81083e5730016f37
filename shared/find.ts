/**
 * Find (issue 13): what a person may paste to find entries across every shard, and how the
 * results are labelled. Pure: the core's search (electron/core/find.ts) and the UI (the Find
 * dialog, the jump box) parse the same way.
 *
 * A query is a stream id (`1700000000000-3`), a whole dedup_id (`9f3a12c4d5e6f708:0:250:7`), or a
 * prefix of one ending at a part boundary: the nonce, `nonce:shard` or `nonce:shard:seq`.
 */
import { isCanonicalU16Text, isCanonicalU64Text } from './u64';

export type FindQuery =
  | { kind: 'stream-id'; text: string; id: string }
  /** `home`: the shard the dedup_id names (where it belongs; a misrouted copy can be anywhere). */
  | { kind: 'dedup-id'; text: string; dedupId: string; home: number }
  /** `prefix` never ends with `:`; a match is the prefix itself followed by `:`. */
  | { kind: 'dedup-prefix'; text: string; prefix: string; home: number | null };

const NONCE = /^[1-9a-f][0-9a-f]{0,15}$/;
const U64_MAX = 18446744073709551615n;

/** Parses a Find query; `{ error }` names what is wrong, for a person. */
export function parseFindQuery(input: string): FindQuery | { error: string } {
  const text = input.trim();
  if (text === '') return { error: 'Type a stream id, a dedup_id or the start of one (nonce, nonce:shard, nonce:shard:seq)' };
  if (/^\d{1,20}-\d{1,20}$/.test(text)) {
    const [ms, seq] = text.split('-') as [string, string];
    if (BigInt(ms) > U64_MAX || BigInt(seq) > U64_MAX) return { error: 'Each part of a stream id is at most 2^64-1' };
    return { kind: 'stream-id', text, id: `${BigInt(ms)}-${BigInt(seq)}` };
  }
  const parts = text.replace(/:$/, '').split(':');
  if (parts.length > 4) return { error: `Not a dedup_id: ${cut(text)} has more than four parts (nonce:shard:seq:i)` };
  const [nonce, shard, seq, i] = parts as [string, string | undefined, string | undefined, string | undefined];
  if (!NONCE.test(nonce)) {
    if (/^[0-9A-F]+$/.test(nonce) && NONCE.test(nonce.toLowerCase())) {
      return { error: `dedup_id nonces are lowercase hex: try ${[nonce.toLowerCase(), ...parts.slice(1)].join(':')}` };
    }
    return { error: `Not a stream id (1700000000000-0) nor a dedup_id: "${cut(nonce)}" is not a nonce (1 to 16 lowercase hex digits, no leading 0)` };
  }
  if (shard !== undefined && !isCanonicalU16Text(shard)) return { error: `"${cut(shard)}" is not a shard (0..65535, no leading 0)` };
  if (seq !== undefined && !isCanonicalU64Text(seq)) return { error: `"${cut(seq)}" is not a sequence number (a decimal u64)` };
  if (i !== undefined && !isCanonicalU64Text(i)) return { error: `"${cut(i)}" is not an event index (a decimal u64)` };
  const home = shard === undefined ? null : Number(shard);
  const prefix = parts.join(':');
  if (i !== undefined) return { kind: 'dedup-id', text, dedupId: prefix, home: home as number };
  return { kind: 'dedup-prefix', text, prefix, home };
}

/** Whether `dedupId` is found by `q` (a whole id equals; a prefix is followed by `:`). */
export function matchesFindQuery(q: FindQuery, dedupId: string | undefined): boolean {
  if (dedupId === undefined) return false;
  if (q.kind === 'dedup-id') return dedupId === q.dedupId;
  if (q.kind === 'dedup-prefix') return dedupId.length > q.prefix.length && dedupId.startsWith(q.prefix) && dedupId.charCodeAt(q.prefix.length) === 0x3a;
  return false;
}

function cut(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** One entry found. */
export interface FindHit {
  shard: number;
  id: string;
  dedupId?: string;
  status: 'ok' | 'corrupt';
  /** Corrupt: why; misrouted: why (misroutedReason). */
  reason?: string;
  misrouted: boolean;
  /** 64-bit hash of the stored `d` (hex), to tell a retry copy from a collision; absent without `d`. */
  digest?: string;
  /** Position in the shard (0 = oldest) when the search knows it exactly. */
  position?: number;
}

/** What a hit is, for a person: the strongest first. */
export type FindHitKind = 'corrupt' | 'misrouted' | 'collision' | 'duplicate' | 'entry';

/**
 * Labels hits by what the whole result says about them: a dedup_id found more than once is a
 * duplicate (a collision when the copies' payloads differ); corrupt and misrouted entries are
 * that first. Every label that applies, strongest first.
 */
export function labelHits(hits: readonly FindHit[]): FindHitKind[][] {
  const byId = new Map<string, { n: number; digests: Set<string> }>();
  for (const h of hits) {
    if (h.dedupId === undefined) continue;
    const g = byId.get(h.dedupId) ?? { n: 0, digests: new Set<string>() };
    g.n++;
    g.digests.add(h.digest ?? '');
    byId.set(h.dedupId, g);
  }
  return hits.map((h) => {
    const out: FindHitKind[] = [];
    if (h.status === 'corrupt') out.push('corrupt');
    if (h.misrouted) out.push('misrouted');
    const g = h.dedupId === undefined ? undefined : byId.get(h.dedupId);
    if (g && g.n > 1) out.push(g.digests.size > 1 ? 'collision' : 'duplicate');
    if (out.length === 0) out.push('entry');
    return out;
  });
}

/** The progress and results of one `find:next` step. */
export interface FindStep {
  findId: string;
  /** Hits found by this step (append to the earlier ones). */
  hits: FindHit[];
  done: boolean;
  shardsDone: number;
  shardsTotal: number;
  /** Entries read so far (scanned shards; an indexed shard costs only its candidates). */
  scanned: number;
  /** The shard being read now and how far. */
  current: { shard: number; done: number; total: number } | null;
  /** The result cap (`MAX_FIND_HITS`) was reached: the search stopped there. */
  truncated: boolean;
}

export const MAX_FIND_HITS = 50_000;

/**
 * When to tell the user, and in how many words (issue 17's opt-in notifications). Pure: signals go
 * in with their time, notices come out when due; the caller owns the clock, the timer and the
 * display (Electron's `Notification` in the main process, the browser's in `serve`).
 *
 * Folding and rate limits, per category (the connection, problems on live-tailed shards, analyses):
 * - a burst is one notice: the first signal of a category opens a window of `foldMs`, and every
 *   signal of that category arriving before the window ends is folded into the same notice
 *   ("shard 3: 12 corrupt entries, 1 collision"; "Redis dropped and came back");
 * - after a notice, the next one of that category waits at least `minGapMs`; what arrives
 *   meanwhile is folded into it (a flapping connection is one notice per `minGapMs`, saying how
 *   many times it went down);
 * - what a category keeps while it waits is bounded (counts per shard, at most
 *   {@link MAX_SHARDS_KEPT} shards named), whatever the burst.
 *
 * {@link TailWatch} turns live-tail entries into signals: a new corrupt entry, a collision (a
 * dedup_id already seen on the shard in the last {@link TAIL_WINDOW} entries with another payload)
 * and a gap (a nonce's ordinal jumping past the next one), never for the app's own nonces (its
 * test batches), each entry judged once however many tails deliver it.
 */
import { parseDedupId } from './dedup-id';
import { compareStreamIds } from './stream-id';
import type { MeshEntry } from './types';

export type NotifyCategory = 'connection' | 'data' | 'analysis';

export type NotifySignal =
  | { kind: 'down'; at: number; server: string; reason: string }
  | { kind: 'up'; at: number; server: string }
  | { kind: 'corrupt' | 'collision'; at: number; shard: number; count: number }
  | { kind: 'gap'; at: number; shard: number; count: number; nonce: string; from: number; to: number }
  | { kind: 'analysis'; at: number; ok: boolean; shards: number; durationMs: number; collisions: number; gaps: number; corrupt: number; error?: string };

/** One notification to show. `tag` is stable per category, so a display may replace the previous one. */
export interface Notice {
  category: NotifyCategory;
  tag: string;
  title: string;
  body: string;
  at: number;
  /** Signals folded into it. */
  signals: number;
}

export interface NotifyRules {
  /** How long a burst is gathered before its notice (default 2 s). */
  foldMs: number;
  /** The least time between two notices of one category (default 30 s; analyses: none). */
  minGapMs: number;
}

export const DEFAULT_RULES: NotifyRules = { foldMs: 2000, minGapMs: 30_000 };
export const MAX_SHARDS_KEPT = 5;

interface Pending {
  windowEndsAt: number;
  signals: number;
  // connection
  downs: number;
  firstDownAt: number | null;
  lastReason: string;
  server: string;
  lastState: 'down' | 'up' | null;
  /** When the connection was last seen coming back, and since when it had been down. */
  upAt: number | null;
  wasDownSince: number | null;
  // data, by shard
  shards: Map<number, { corrupt: number; collision: number; gap: number; gaps: number; gapText: string | null }>;
  moreShards: number;
  // analysis
  analyses: Array<Extract<NotifySignal, { kind: 'analysis' }>>;
}

export function categoryOf(s: NotifySignal): NotifyCategory {
  return s.kind === 'down' || s.kind === 'up' ? 'connection' : s.kind === 'analysis' ? 'analysis' : 'data';
}

/** Folds signals into notices by the rules above. */
export class NotifyFolder {
  private pending = new Map<NotifyCategory, Pending>();
  private lastShown = new Map<NotifyCategory, number>();
  /** While the connection is down since this time (for "back after N s"). */
  private downSince: number | null = null;

  constructor(private readonly rules: NotifyRules = DEFAULT_RULES) {}

  push(s: NotifySignal): void {
    const cat = categoryOf(s);
    let p = this.pending.get(cat);
    if (!p) {
      const gap = cat === 'analysis' ? 0 : this.rules.minGapMs;
      const last = this.lastShown.get(cat);
      p = {
        windowEndsAt: Math.max(s.at + (cat === 'analysis' ? 0 : this.rules.foldMs), last === undefined ? -Infinity : last + gap),
        signals: 0,
        downs: 0,
        firstDownAt: null,
        lastReason: '',
        server: '',
        lastState: null,
        upAt: null,
        wasDownSince: this.downSince,
        shards: new Map(),
        moreShards: 0,
        analyses: [],
      };
      this.pending.set(cat, p);
    }
    p.signals++;
    switch (s.kind) {
      case 'down':
        p.downs++;
        p.firstDownAt ??= s.at;
        p.lastReason = s.reason;
        p.server = s.server;
        p.lastState = 'down';
        this.downSince ??= s.at;
        break;
      case 'up':
        p.server = s.server;
        p.lastState = 'up';
        p.wasDownSince ??= this.downSince;
        this.downSince = null;
        p.upAt = s.at;
        break;
      case 'analysis':
        if (p.analyses.length < 10) p.analyses.push(s);
        break;
      default: {
        let sh = p.shards.get(s.shard);
        if (!sh) {
          if (p.shards.size >= MAX_SHARDS_KEPT) {
            p.moreShards++;
            break;
          }
          sh = { corrupt: 0, collision: 0, gap: 0, gaps: 0, gapText: null };
          p.shards.set(s.shard, sh);
        }
        if (s.kind === 'gap') {
          sh.gap += s.count;
          sh.gaps++;
          sh.gapText ??= `ordinals ${s.from === s.to ? s.from : `${s.from}–${s.to}`} of nonce ${s.nonce}`;
        } else sh[s.kind] += s.count;
      }
    }
  }

  /** When the next notice is due, or null when nothing waits. */
  nextDueAt(): number | null {
    let next: number | null = null;
    for (const p of this.pending.values()) if (next === null || p.windowEndsAt < next) next = p.windowEndsAt;
    return next;
  }

  /** The notices due at `now` (at most one per category), oldest category first. */
  take(now: number): Notice[] {
    const out: Notice[] = [];
    for (const [cat, p] of [...this.pending.entries()]) {
      if (now < p.windowEndsAt) continue;
      this.pending.delete(cat);
      this.lastShown.set(cat, now);
      const notice = this.compose(cat, p, now);
      if (notice) out.push(notice);
    }
    return out;
  }

  private compose(cat: NotifyCategory, p: Pending, now: number): Notice | null {
    const base = { category: cat, tag: `mesh-inspector-${cat}`, at: now, signals: p.signals };
    if (cat === 'connection') {
      const upAt = p.upAt;
      if (p.downs === 0) {
        if (p.lastState !== 'up') return null;
        const since = p.wasDownSince;
        return { ...base, title: 'Redis is back', body: `${p.server} answers again${since !== null && upAt !== null ? ` after ${duration(upAt - since)} down` : ''}.` };
      }
      if (p.lastState === 'up') {
        const times = p.downs === 1 ? 'went down and came back' : `went down ${p.downs} times`;
        const how = p.downs === 1 && p.firstDownAt !== null && upAt !== null ? ` (down ${duration(upAt - p.firstDownAt)})` : '; it is up now';
        return { ...base, title: p.downs === 1 ? 'Redis dropped and recovered' : 'Redis connection is flapping', body: `${p.server} ${times}${how}. Last cause: ${p.lastReason}.` };
      }
      return {
        ...base,
        title: p.downs === 1 ? 'Redis is down' : 'Redis connection is flapping',
        body: p.downs === 1 ? `${p.server} stopped answering: ${p.lastReason}.` : `${p.server} went down ${p.downs} times and is down now: ${p.lastReason}.`,
      };
    }
    if (cat === 'analysis') {
      const a = p.analyses[p.analyses.length - 1];
      if (!a) return null;
      if (!a.ok) return { ...base, title: 'Analysis failed', body: `After ${duration(a.durationMs)}: ${a.error ?? 'unknown error'}.` };
      const found = [plural(a.collisions, 'collision'), plural(a.gaps, 'gap'), plural(a.corrupt, 'corrupt entry', 'corrupt entries')].filter((x) => x !== '');
      return {
        ...base,
        title: 'Analysis finished',
        body: `${plural(a.shards, 'shard')} in ${duration(a.durationMs)}: ${found.length > 0 ? found.join(', ') : 'no collisions, gaps or corrupt entries'}.`,
      };
    }
    const parts: string[] = [];
    let single: string | null = null;
    for (const [shard, c] of p.shards) {
      const gap = c.gap > 0 ? `${plural(c.gap, 'missing event')}${c.gapText ? ` (${c.gaps > 1 ? 'first: ' : ''}${c.gapText})` : ''}` : '';
      const what = [plural(c.corrupt, 'corrupt entry', 'corrupt entries'), plural(c.collision, 'collision'), gap].filter((x) => x !== '');
      parts.push(`shard ${shard}: ${what.join(', ')}`);
      single = `Shard ${shard}: ${what.join(', ')}`;
    }
    if (p.moreShards > 0) parts.push(`and ${plural(p.moreShards, 'more problem')} on other shards`);
    if (parts.length === 0) return null;
    if (p.shards.size === 1 && p.moreShards === 0 && single) return { ...base, title: 'New problem on a live-tailed shard', body: `${single}.` };
    return { ...base, title: `New problems on ${p.shards.size + (p.moreShards > 0 ? '+' : '')} live-tailed shards`, body: `${capital(parts.join('; '))}.` };
  }
}

/** Entries of a shard remembered for collisions (the default dedup window of a net-mesh consumer). */
export const TAIL_WINDOW = 4096;
/** Nonces whose last ordinal is remembered per shard. */
const MAX_NONCES = 1024;

interface ShardWatch {
  lastId: string | null;
  recent: Map<string, number>;
  ordinals: Map<string, number>;
}

/** Live-tail entries to data signals (see the module doc). */
export class TailWatch {
  private shards = new Map<number, ShardWatch>();

  /** `own`: the nonces of the app's own test batches (hex, as in dedup_ids). */
  entries(shard: number, entries: readonly MeshEntry[], own: ReadonlySet<string>, at: number): NotifySignal[] {
    let w = this.shards.get(shard);
    if (!w) {
      w = { lastId: null, recent: new Map(), ordinals: new Map() };
      this.shards.set(shard, w);
    }
    let corrupt = 0;
    let collision = 0;
    const out: NotifySignal[] = [];
    for (const e of entries) {
      // Several tails of one shard deliver the same entries: each is judged once.
      if (w.lastId !== null && compareStreamIds(e.id, w.lastId) <= 0) continue;
      w.lastId = e.id;
      const parsed = e.dedupId !== undefined ? parseDedupId(e.dedupId) : null;
      if (parsed && own.has(parsed.nonce)) continue;
      if (e.status === 'corrupt') corrupt++;
      if (!parsed || e.dedupId === undefined) continue;
      const digest = payloadDigest(e);
      const seen = w.recent.get(e.dedupId);
      if (seen !== undefined) {
        if (seen !== digest) collision++;
      } else {
        w.recent.set(e.dedupId, digest);
        if (w.recent.size > TAIL_WINDOW) w.recent.delete(w.recent.keys().next().value as string);
      }
      if (parsed.shard !== shard) continue;
      const ordinal = parsed.seq + parsed.i;
      if (ordinal > BigInt(Number.MAX_SAFE_INTEGER)) continue;
      const o = Number(ordinal);
      const last = w.ordinals.get(parsed.nonce);
      if (last !== undefined && o > last + 1) out.push({ kind: 'gap', at, shard, count: o - last - 1, nonce: parsed.nonce, from: last + 1, to: o - 1 });
      if (last === undefined || o > last) {
        w.ordinals.delete(parsed.nonce);
        w.ordinals.set(parsed.nonce, o);
        if (w.ordinals.size > MAX_NONCES) w.ordinals.delete(w.ordinals.keys().next().value as string);
      }
    }
    if (corrupt > 0) out.unshift({ kind: 'corrupt', at, shard, count: corrupt });
    if (collision > 0) out.unshift({ kind: 'collision', at, shard, count: collision });
    return out;
  }

  forget(): void {
    this.shards.clear();
  }
}

/** 32-bit FNV-1a of what a consumer's dedup compares: the event, `t` and `s` (or a corrupt entry's stored `d`). */
function payloadDigest(e: MeshEntry): number {
  const text = e.status === 'ok' ? `${e.r}\u0000${e.t}\u0000${e.s}` : `\u0001${e.d ?? ''}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function plural(n: number, one: string, many = `${one}s`): string {
  if (n === 0) return '';
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `850 ms`, `12 s`, `3 min 5 s`, `2 h 4 min`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

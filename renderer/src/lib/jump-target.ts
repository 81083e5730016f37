/**
 * What a person types in "jump to": a stream id (`1700000000000-3`, or just its ms part), a
 * dedup_id (`9f3a12c4d5e6f708:0:250:7`, issue 13), a position (`#500000`), or a wall-clock time in
 * local time (`2024-11-26 20:21:03.123`, `2024-11-26T20:21`, `20:21:03` for today) or with an
 * explicit zone (`...Z`, `...+02:00`).
 */
import { parseFindQuery } from '../../../shared/find';

export type JumpTarget = { kind: 'id'; id: string } | { kind: 'time'; ms: number } | { kind: 'position'; position: number } | { kind: 'dedup'; dedupId: string };

/** What a jump box accepts; the merged view has no positions. */
export interface JumpOptions {
  positions?: boolean;
  dedupIds?: boolean;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/;
const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

export function parseJumpTarget(input: string, now: Date = new Date(), opts: JumpOptions = {}): JumpTarget | { error: string } {
  const positions = opts.positions ?? true;
  const dedupIds = opts.dedupIds ?? true;
  const t = input.trim();
  const what = ['a stream id', dedupIds ? 'a dedup_id' : null, positions ? '#position' : null].filter(Boolean).join(', ');
  if (t === '') return { error: `Type ${what} or a time` };
  if (!positions && t.startsWith('#')) return { error: 'This list has no positions: type a stream id or a time' };
  if (/^#\d{1,15}$/.test(t)) return { kind: 'position', position: Number(t.slice(1).replace(/,/g, '')) };
  if (/^#[\d,]{1,20}$/.test(t)) return { kind: 'position', position: Number(t.slice(1).replace(/,/g, '')) };
  if (/^\d{1,20}-\d{1,20}$/.test(t)) {
    const [ms, seq] = t.split('-') as [string, string];
    if (BigInt(ms) > 18446744073709551615n || BigInt(seq) > 18446744073709551615n) return { error: 'Each part of a stream id is at most 2^64-1' };
    return { kind: 'id', id: `${BigInt(ms)}-${BigInt(seq)}` };
  }
  if (/^\d{1,20}$/.test(t)) {
    if (BigInt(t) > 18446744073709551615n) return { error: 'A stream id is at most 2^64-1' };
    return { kind: 'id', id: `${BigInt(t)}-0` };
  }
  const local = LOCAL.exec(t);
  if (local) {
    const [, y, mo, d, h, mi, s, ms] = local;
    const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), Number((ms ?? '0').padEnd(3, '0')));
    if (Number.isNaN(date.getTime()) || date.getMonth() !== Number(mo) - 1) return { error: `Not a date: ${t}` };
    return { kind: 'time', ms: date.getTime() };
  }
  const clock = CLOCK.exec(t);
  if (clock) {
    const [, h, mi, s, ms] = clock;
    const date = new Date(now.getFullYear(), now.getMonth(), now.getDate(), Number(h), Number(mi), Number(s ?? 0), Number((ms ?? '0').padEnd(3, '0')));
    return { kind: 'time', ms: date.getTime() };
  }
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(t)) {
    const ms = Date.parse(t);
    if (!Number.isNaN(ms)) return { kind: 'time', ms };
  }
  // A dedup_id has four parts (nonce:shard:seq:i); a clock has at most three.
  if (dedupIds && t.split(':').length === 4) {
    const q = parseFindQuery(t);
    if ('error' in q) return q;
    if (q.kind === 'dedup-id') return { kind: 'dedup', dedupId: q.dedupId };
  }
  return {
    error: dedupIds
      ? `Not a stream id (1700000000000-0), dedup_id (9f3a12:0:250:7)${positions ? ', #position' : ''} or time (2024-11-26 20:21:03)`
      : `Not a stream id (1700000000000-0)${positions ? ', #position' : ''} or time (2024-11-26 20:21:03)`,
  };
}

/**
 * What a person types in "jump to": a stream id (`1700000000000-3`, or just its ms part), a
 * position (`#500000`), or a wall-clock time in local time (`2024-11-26 20:21:03.123`,
 * `2024-11-26T20:21`, `20:21:03` for today) or with an explicit zone (`...Z`, `...+02:00`).
 */
export type JumpTarget = { kind: 'id'; id: string } | { kind: 'time'; ms: number } | { kind: 'position'; position: number };

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/;
const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

export function parseJumpTarget(input: string, now: Date = new Date()): JumpTarget | { error: string } {
  const t = input.trim();
  if (t === '') return { error: 'Type a stream id, #position or a time' };
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
  return { error: 'Not a stream id (1700000000000-0), #position or time (2024-11-26 20:21:03)' };
}

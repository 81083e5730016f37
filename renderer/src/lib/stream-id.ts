/**
 * Stream ids stay strings (`<ms>-<seq>`, each a u64): a JS number cannot hold every u64, and
 * RedisInsight crashed on exactly that. Only the millisecond part is turned into a Date, and only
 * when it fits one.
 */

/** Largest epoch ms a JS Date can represent (ECMA-262: ±8.64e15). */
const MAX_DATE_MS = 8_640_000_000_000_000n;

/** The wall-clock time Redis stamped on an entry, or null when the id is not `<ms>-<seq>` or out of Date range. */
export function streamIdTime(id: string): Date | null {
  const m = /^(\d{1,20})-\d{1,20}$/.exec(id);
  if (!m || m[1] === undefined) return null;
  const ms = BigInt(m[1]);
  if (ms > MAX_DATE_MS) return null;
  return new Date(Number(ms));
}

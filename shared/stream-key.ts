/**
 * Shard stream keys: `{prefix}:shard:{n}` (contract 1.1) and their discovery by SCAN MATCH
 * (contract 2, dynamic scaling: shard ids are sparse, so keys are discovered, not assumed).
 */

import { U16_MAX, isU16 } from './u64';

/**
 * The stream key of a shard, exactly `format!("{}:shard:{}", prefix, shard_id)` (contract 1.1).
 * Throws RangeError when shard is not an integer in 0..65535.
 */
export function streamKey(prefix: string, shard: number): string {
  if (!isU16(shard)) throw new RangeError(`shard must be an integer in 0..65535 (got ${String(shard)})`);
  return `${prefix}:shard:${shard}`;
}

/**
 * Why a prefix is refused, or null when it is usable: control characters (C0, DEL, C1) are, so a
 * prefix can neither break a line nor carry a terminal escape sequence into what the inspector
 * prints (the CLI's `--prefix` and saved profiles share this rule).
 */
export function prefixProblem(prefix: string): string | null {
  // eslint-disable-next-line no-control-regex
  const m = /[\u0000-\u001f\u007f-\u009f]/.exec(prefix);
  if (!m) return null;
  const code = m[0].charCodeAt(0).toString(16).padStart(2, '0');
  return `a prefix cannot contain control characters (found \\x${code} at position ${m.index + 1})`;
}

/**
 * Escapes Redis glob metacharacters (`* ? [ ] \`) so the text matches only itself in a
 * MATCH pattern. `^` and `-` are special only inside brackets, and every bracket is escaped.
 * One regex pass escapes each backslash once, which is what escaping `\` first achieves.
 */
export function escapeGlob(s: string): string {
  return s.replace(/[\\*?[\]]/g, '\\$&');
}

/** The SCAN MATCH pattern for every shard stream of `prefix` (prefix taken literally). */
export function shardScanPattern(prefix: string): string {
  return escapeGlob(prefix) + ':shard:*';
}

/**
 * Decides whether `key` is a shard stream key of `prefix` (cli.md `shards`): exactly
 * `{prefix}:shard:{n}` with `n` a canonical decimal u16. Otherwise returns a reason for the
 * `skipped` list, e.g. `shard id "007" is not canonical (leading zeros)`.
 */
export function parseShardKey(prefix: string, key: string): { shard: number } | { reason: string } {
  const head = `${prefix}:shard:`;
  if (!key.startsWith(head)) {
    if (!key.startsWith(`${prefix}:`)) return { reason: `not under prefix ${JSON.stringify(prefix)}` };
    return { reason: `not a shard key (expected ${JSON.stringify(head + '<n>')})` };
  }
  const parsed = checkShardText(key.slice(head.length));
  return typeof parsed === 'number' ? { shard: parsed } : parsed;
}

/**
 * Parses a shard id typed by a person (CLI `--shard`, UI fields): surrounding whitespace is
 * ignored, otherwise the same canonical rule as keys (0..65535, digits only, no leading zeros),
 * so the id always names the key net-mesh writes. Returns the shard or a reason.
 */
export function parseShardId(text: string): number | { reason: string } {
  return checkShardText(text.trim());
}

function checkShardText(id: string): number | { reason: string } {
  const shown = JSON.stringify(id);
  if (id === '') return { reason: 'shard id is empty' };
  if (!/^[0-9]+$/.test(id)) return { reason: `shard id ${shown} is not a decimal number` };
  if (id.length > 1 && id.startsWith('0')) return { reason: `shard id ${shown} is not canonical (leading zeros)` };
  if (id.length > 5 || Number(id) > U16_MAX) return { reason: `shard id ${shown} is out of range 0..65535` };
  return Number(id);
}

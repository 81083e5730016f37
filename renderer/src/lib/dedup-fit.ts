/** Shortening a dedup_id for a narrow column (issue 13), without losing what tells rows apart. Pure. */

/**
 * A dedup_id in `fit` characters (0: whole): the nonce loses its middle (`9f3a…f708:3:205:239`),
 * so the shard, seq and i, which tell one event from the next, are never cut; an id not in
 * nonce:shard:seq:i form loses its start instead.
 */
export function fitDedupId(id: string, fit: number): string {
  if (fit <= 0 || id.length <= fit) return id;
  const colon = id.indexOf(':');
  const tail = colon > 0 ? id.slice(colon) : '';
  const room = fit - tail.length - 1;
  if (colon > 0 && room >= 4) {
    const nonce = id.slice(0, colon);
    return `${nonce.slice(0, Math.ceil(room / 2))}…${nonce.slice(nonce.length - Math.floor(room / 2))}${tail}`;
  }
  return `…${id.slice(id.length - (fit - 1))}`;
}

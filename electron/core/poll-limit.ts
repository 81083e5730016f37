/**
 * The largest page `poll`/`pollReverse` accept. net-mesh's merger never asks one shard for more
 * than 10,000 entries per poll (contract 3.41); a bigger page would only make one reply huge.
 * `limit + 1` (the COUNT) therefore never overflows (contract 1.5, `saturating_add`).
 */
export const MAX_POLL_LIMIT = 10_000;

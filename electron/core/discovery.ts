/**
 * Shard discovery (cli.md `shards`, PRODUCT.md feature 2): finds every shard stream of a prefix
 * with a bounded `SCAN MATCH`, whatever the ids (net-mesh ids are sparse after a scale-down,
 * contract 2 "Dynamic scaling"), and lists keys that look like shards but are not usable ones
 * with the reason.
 */
import type { Cluster, Redis } from 'ioredis';
import { MeshError } from '../../shared/errors';
import type { ShardDiscovery, ShardInfo, SkippedKey } from '../../shared/types';
import { parseShardKey, shardScanPattern, streamKey } from '../../shared/stream-key';
import { classifyError } from './classify';
import { isClusterClient, type RedisLike } from './connection';

/** SCAN COUNT used when the caller gives none: a hint of keys looked at per call, so each call is short. */
export const DEFAULT_SCAN_COUNT = 500;
/** Upper bound on SCAN COUNT: one SCAN call must stay cheap even on a huge keyspace (PRODUCT.md 13). */
export const MAX_SCAN_COUNT = 10_000;
/** Keys described per pipelined round trip (4 commands each). */
const DESCRIBE_CHUNK = 500;

export interface DiscoveryOptions {
  /** SCAN COUNT hint; clamped to 1..10,000; default 500. */
  count?: number;
  signal?: AbortSignal;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Lists the shard streams of `prefix` sorted by shard id, and every key the pattern matched that
 * is not one (with the reason).
 *
 * Guarantees:
 * - the keyspace is walked with `SCAN <cursor> MATCH <prefix, glob-escaped>:shard:* COUNT <n>`
 *   until the cursor is 0, never `KEYS`, so a neighbour prefix is never listed (`a*` does not
 *   match `ab:shard:0`);
 * - a key SCAN returns twice (it may, during a rehash) is listed once;
 * - a key counts as a shard only when it is exactly `{prefix}:shard:{n}`, `n` canonical u16
 *   (`parseShardKey`), and its TYPE is `stream`; a key that is not valid UTF-8 is skipped;
 * - a key deleted between SCAN and TYPE is skipped as `key vanished during discovery`;
 * - length, first and last id come from one pipelined round trip per 500 keys
 *   (TYPE, XLEN, XRANGE - + COUNT 1, XREVRANGE + - COUNT 1), so they describe the same moment
 *   as closely as a non-transactional read can;
 * - Redis errors are thrown classified (`classifyError`); an abort throws the signal's reason;
 * - on a Redis Cluster (an ioredis `Cluster` client) the same bounded SCAN walks EVERY master
 *   (the slot map is refreshed first, so a master promoted by a failover is included and a dead one
 *   is not) and the results are merged, a key found on two masters (during a slot migration) once;
 *   a master that cannot be scanned fails the discovery (transient, naming the node) rather than
 *   silently listing fewer shards. The reads that describe each key go to the key's own node.
 */
export async function discoverShards(client: RedisLike, prefix: string, opts: DiscoveryOptions = {}): Promise<ShardDiscovery> {
  const count = Math.min(Math.max(Math.floor(opts.count ?? DEFAULT_SCAN_COUNT), 1), MAX_SCAN_COUNT);
  const pattern = shardScanPattern(prefix);
  const seen = new Set<string>();
  const candidates: Array<{ shard: number; key: string }> = [];
  const skipped: SkippedKey[] = [];
  const nodes: Array<{ node: Redis; name: string | null }> = isClusterClient(client)
    ? (await clusterMasters(client)).map((node) => ({ node, name: nodeName(node) }))
    : [{ node: client, name: null }];
  for (const { node, name } of nodes) {
    let cursor = '0';
    do {
      opts.signal?.throwIfAborted();
      let reply: [Buffer, Buffer[]];
      try {
        // Buffers, not strings: a key that is not UTF-8 would otherwise come back mangled, and
        // then TYPE on the mangled name would wrongly say the key vanished.
        reply = await node.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', count);
      } catch (e) {
        const m = classifyError(e, { command: 'SCAN' });
        if (name === null) throw m;
        throw new MeshError(m.kind, `SCAN on cluster master ${name}: ${m.message}`, m.code !== undefined ? { code: m.code, command: 'SCAN' } : { command: 'SCAN' });
      }
      cursor = reply[0].toString('latin1');
      collect(reply[1]);
    } while (cursor !== '0');
  }

  function collect(keys: Buffer[]): void {
    for (const raw of keys) {
      let key: string;
      try {
        key = UTF8.decode(raw);
      } catch {
        const shown = `base64:${raw.toString('base64')}`;
        if (!seen.has(shown)) {
          seen.add(shown);
          skipped.push({ key: shown, reason: 'key is not valid UTF-8' });
        }
        continue;
      }
      if (seen.has(key)) continue;
      seen.add(key);
      const parsed = parseShardKey(prefix, key);
      if ('reason' in parsed) skipped.push({ key, reason: parsed.reason });
      else candidates.push({ shard: parsed.shard, key });
    }
  }

  const described = await describeShardKeys(client, candidates, 'key vanished during discovery', opts.signal);
  skipped.push(...described.skipped);
  skipped.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { prefix, shards: described.shards, skipped };
}

/**
 * Describes the given shard ids of `prefix` without scanning (for `scan --shard n ...`): each id
 * whose key is a stream is listed; a missing key is skipped as `no such shard stream`, any other
 * type as `not a stream (<type>)`. Ids are deduplicated; the result is sorted by shard id.
 */
export async function describeShards(
  client: RedisLike,
  prefix: string,
  shards: readonly number[],
  signal?: AbortSignal,
): Promise<ShardDiscovery> {
  const unique = [...new Set(shards)];
  const candidates = unique.map((shard) => ({ shard, key: streamKey(prefix, shard) }));
  const described = await describeShardKeys(client, candidates, 'no such shard stream', signal);
  return { prefix, shards: described.shards, skipped: described.skipped };
}

async function describeShardKeys(
  client: RedisLike,
  candidates: ReadonlyArray<{ shard: number; key: string }>,
  missingReason: string,
  signal: AbortSignal | undefined,
): Promise<{ shards: ShardInfo[]; skipped: SkippedKey[] }> {
  const sorted = [...candidates].sort((a, b) => a.shard - b.shard);
  const shards: ShardInfo[] = [];
  const skipped: SkippedKey[] = [];
  for (let at = 0; at < sorted.length; at += DESCRIBE_CHUNK) {
    signal?.throwIfAborted();
    const chunk = sorted.slice(at, at + DESCRIBE_CHUNK);
    let results: Array<[Error | null, unknown]>;
    try {
      results = isClusterClient(client)
        ? // A Cluster pipeline must stay in one slot: one small pipeline per key, all in flight at
          // once, each sent to its key's node (MOVED/ASK followed by the client).
          (await Promise.all(chunk.map(({ key }) => describeOne(client, key)))).flat()
        : await describeMany(client, chunk.map((c) => c.key));
    } catch (e) {
      throw classifyError(e, { command: 'TYPE' });
    }
    for (let k = 0; k < chunk.length; k++) {
      const { shard, key } = chunk[k]!;
      const [typeErr, type] = results[4 * k] ?? [new Error('no reply to TYPE'), null];
      if (typeErr) throw classifyError(typeErr, { command: 'TYPE' });
      if (type === 'none') {
        skipped.push({ key, reason: missingReason });
        continue;
      }
      if (type !== 'stream') {
        skipped.push({ key, reason: `not a stream (${String(type)})` });
        continue;
      }
      const [lenErr, length] = results[4 * k + 1] ?? [new Error('no reply to XLEN'), null];
      const [firstErr, first] = results[4 * k + 2] ?? [new Error('no reply to XRANGE'), null];
      const [lastErr, last] = results[4 * k + 3] ?? [new Error('no reply to XREVRANGE'), null];
      const err = lenErr ?? firstErr ?? lastErr;
      if (err) {
        // The key changed type between TYPE and the reads (the only WRONGTYPE possible here).
        if (/^WRONGTYPE/.test(err.message)) {
          skipped.push({ key, reason: 'key changed type during discovery' });
          continue;
        }
        throw classifyError(err, { command: lenErr ? 'XLEN' : firstErr ? 'XRANGE' : 'XREVRANGE' });
      }
      shards.push({ shard, key, length: Number(length), firstId: entryId(first), lastId: entryId(last) });
    }
  }
  return { shards, skipped };
}

type Replies = Array<[Error | null, unknown]>;

async function describeMany(client: Redis, keys: string[]): Promise<Replies> {
  const pipeline = client.pipeline();
  for (const key of keys) {
    pipeline.type(key);
    pipeline.xlen(key);
    pipeline.xrange(key, '-', '+', 'COUNT', 1);
    pipeline.xrevrange(key, '+', '-', 'COUNT', 1);
  }
  return ((await pipeline.exec()) ?? []) as Replies;
}

async function describeOne(client: Cluster, key: string): Promise<Replies> {
  const replies = ((await client.pipeline().type(key).xlen(key).xrange(key, '-', '+', 'COUNT', 1).xrevrange(key, '+', '-', 'COUNT', 1).exec()) ?? []) as Replies;
  // Keep the 4-replies-per-key layout the caller indexes, whatever came back.
  while (replies.length < 4) replies.push([new Error('no reply'), null]);
  return replies.slice(0, 4);
}

/**
 * The Cluster's masters after a slot-map refresh (bounded by the client's slotsRefreshTimeout), so
 * that a master promoted by a recent failover is scanned and a dead one is not asked. Throws a
 * transient MeshError when no master is known.
 */
export async function clusterMasters(cluster: Cluster): Promise<Redis[]> {
  await new Promise<void>((resolve) => {
    // refreshSlotsCache calls back at once when a refresh is already running; an error leaves the
    // previous map in place, which is still the best knowledge there is.
    try {
      cluster.refreshSlotsCache(() => resolve());
    } catch {
      resolve();
    }
  });
  const masters = cluster.nodes('master');
  if (masters.length === 0) throw new MeshError('transient', 'Redis Cluster: no master node is known (the cluster is not reachable yet)', { command: 'SCAN' });
  return masters;
}

function nodeName(node: Redis): string {
  const o = node.options;
  return `${o.host ?? '?'}:${o.port ?? '?'}`;
}

function entryId(reply: unknown): string | null {
  if (!Array.isArray(reply) || reply.length === 0) return null;
  const entry: unknown = reply[0];
  return Array.isArray(entry) && typeof entry[0] === 'string' ? entry[0] : null;
}

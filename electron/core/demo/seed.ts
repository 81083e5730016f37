/**
 * The seeded demo bus: one fixed story of producers, batches and accidents written to an empty
 * prefix, and the manifest of what was written (the figures `scan` must report for it).
 *
 * Every well-formed entry goes through ./producer.ts, so it has net-mesh's exact bytes and
 * command shape; the entries that are corrupt on purpose are written raw.
 */
import type Redis from 'ioredis';
import { formatDedupId, formatNonce } from '../../../shared/dedup-id';
import { streamKey } from '../../../shared/stream-key';
import type { GapRange, ShardAnalysis, SkippedKey } from '../../../shared/types';
import { DemoSandboxError } from './errors';
import { Rng, commerceEvent, gatewayRaw, sortedJson, waveformEvent } from './events';
import { Producer, execBatch, type Fields } from './producer';


/**
 * What `seedDemoBus` wrote to one shard stream: the counts a `scan` of it reports (cli.md), with
 * `entries` the XLEN right after seeding.
 */
export type DemoShardManifest = Pick<
  ShardAnalysis,
  'shard' | 'key' | 'entries' | 'ok' | 'corrupt' | 'duplicateGroups' | 'duplicateEntries' | 'collisionGroups' | 'gaps' | 'misrouted'
>;

export type DemoCorruptKind =
  | 'invalid-json'
  | 'invalid-utf8'
  | 'missing-r'
  | 'negative-t'
  | 's-out-of-range'
  | 'duplicate-key'
  | 'no-d';

/** One entry worth pointing at (in the UI tour or a test), found by its `dedup_id`. */
export interface DemoSample {
  key: string;
  dedupId: string;
  /** The exact `d` bytes written; absent for the entry without `d`. */
  d?: Buffer;
}

export interface DemoProducer {
  /** What kind of producer it stands for. */
  name: string;
  /** Rendered as in dedup_ids. */
  nonce: string;
  shards: number[];
}

export interface DemoManifest {
  prefix: string;
  /** Every canonical shard stream written, sorted by shard id. */
  shards: DemoShardManifest[];
  /** Keys under `{prefix}:shard:*` that discovery must skip (cli.md `shards`). */
  skipped: SkippedKey[];
  producers: DemoProducer[];
  /** Entries written to the canonical shard streams. */
  totalEntries: number;
  samples: {
    /** A batch published twice with identical bytes (contract 3.13): each id twice, same `d`. */
    retry: { shard: number; key: string; dedupIds: string[] };
    /** A restarted producer reusing ids (contract 3.10): each id twice, different `d`. */
    collision: { shard: number; key: string; dedupIds: string[] };
    /** A batch cut but never written (contract 3.7). */
    gap: { shard: number; key: string; nonce: string; from: number; to: number };
    misrouted: DemoSample & { payloadShard: number };
    corrupt: Array<DemoSample & { kind: DemoCorruptKind }>;
    /** Script and markup inside event text: must render as text, never as HTML. */
    html: DemoSample & { r: string };
    /** Integers past 2^53 and 2^64 in `r`: must be shown as written, not rounded. */
    bigIntegers: DemoSample & { r: string };
    /** `r: null` (accepted by net-mesh's reader, contract 3.26). */
    nullEvent: DemoSample;
    /** A payload of about 300 KB. */
    large: DemoSample & { bytes: number };
    /** An entry with t above 2^53 (the long-running producer's shard clock, contract 7.7). */
    hugeT: DemoSample & { t: string };
  };
}

export interface SeedOptions {
  /** Wall-clock "now" (ms) for the timestamps inside event bodies; default Date.now(). */
  now?: number;
  /** PRNG seed for event bodies; the same seed and `now` write the same bytes. */
  seed?: number;
}

/** The long-running producer: ingests `serde_json::Value`s, so its events have sorted keys (contract 1.4). */
const NONCE_CHECKOUT = 0x9f3a12c4d5e6f708n;
/** The raw-ingesting gateway; its nonce renders with 15 hex digits (no zero padding, contract 1.3). */
const NONCE_GATEWAY = 0x0c0ffee5ca1ab1e5n;
/** An operator's replay tool that wrote to the wrong key. */
const NONCE_REPLAY = 0x2b7e15n;
/** A hand-written bridge in another language that gets the payload format wrong. */
const NONCE_BRIDGE = 0xd15ea5en;

const NS_PER_DAY = 86_400_000_000_000n;
const NS_PER_HOUR = 3_600_000_000_000n;

interface Tally {
  entries: number;
  ok: number;
  corrupt: number;
  duplicateGroups: number;
  duplicateEntries: number;
  collisionGroups: number;
  gaps: GapRange[];
  misrouted: number;
}

/**
 * Writes the demo bus under `prefix` and returns what it wrote.
 *
 * The bus tells a story an operator would recognise. Shards 0, 1, 3, 7 and 12 survive a
 * scale-down (ids are sparse, contract 2 "Dynamic scaling"). Two producer processes share the
 * prefix (contract 1.1): a checkout service that has run for 120 days (so its `t` is past 2^53)
 * and a telemetry gateway that ingests raw bytes. On shard 3 the checkout service's batch was
 * retried after a timeout (retry duplicates, contract 3.13); on shard 7 one of its batches was
 * dropped after being cut (a gap, contract 3.7); the gateway restarted with a persisted nonce and
 * reused its ids on shard 1 (collisions, contract 3.10). The gateway forwarded a truncated event
 * and a Latin-1 one (corrupt, contract 1.4: raw ingestion does not validate); a hand-written
 * bridge wrote malformed payloads to shard 12; a replay tool wrote a shard-7 event into shard 12
 * (misrouted, contract 3.25); `{prefix}:shard:99` is a leftover string and `{prefix}:shard:007` a
 * zero-padded stream, both to be skipped by discovery.
 *
 * Guarantees:
 * - Every well-formed entry is written exactly as net-mesh's `on_batch` writes it: one
 *   MULTI/EXEC per batch, `XADD key * d <payload> dedup_id <id>` per event in batch order, `d`
 *   from `encodePayload`, the id from `formatDedupId` (contract 1.2-1.4).
 * - The manifest's per-shard figures are what cli.md's `scan` must report for the bus as written
 *   (they are counted from the plan, not by re-reading Redis).
 * - Refuses (`PREFIX_NOT_EMPTY`, nothing written) when any key it would write already exists,
 *   so it never mixes with a real bus and its figures stay exact.
 * - Event bodies are deterministic for a given `opts.seed` and `opts.now`.
 */
export async function seedDemoBus(client: Redis, prefix: string, opts: SeedOptions = {}): Promise<DemoManifest> {
  const now = opts.now ?? Date.now();
  const rng = new Rng(opts.seed ?? 0x5eed);
  const shards = [0, 1, 3, 7, 12];
  const key = (shard: number): string => streamKey(prefix, shard);
  const paddedKey = `${prefix}:shard:007`;
  const stringKey = `${prefix}:shard:99`;

  const taken = await client.exists(...shards.map(key), paddedKey, stringKey);
  if (taken > 0) {
    throw new DemoSandboxError(
      'PREFIX_NOT_EMPTY',
      `the demo bus needs an empty prefix, but ${taken} of its keys already exist under "${prefix}:shard:*"; nothing was written`,
    );
  }

  const tallies = new Map<number, Tally>(
    shards.map((s) => [s, { entries: 0, ok: 0, corrupt: 0, duplicateGroups: 0, duplicateEntries: 0, collisionGroups: 0, gaps: [], misrouted: 0 }]),
  );
  const tally = (shard: number): Tally => tallies.get(shard)!;
  // Event bodies carry wall-clock times spread over the last 30 minutes, in write order.
  const clock = { ms: now - 30 * 60_000 };
  const tick = (): string => {
    clock.ms += rng.int(50, 900);
    return new Date(Math.min(clock.ms, now)).toISOString();
  };

  const checkout = new Producer(NONCE_CHECKOUT, (shard) => 120n * NS_PER_DAY + BigInt(shard) * 7_919_000n, rng);
  const gateway = new Producer(NONCE_GATEWAY, () => 3n * NS_PER_HOUR + 2_718_000_000n, rng);

  /** Writes one producer batch of well-formed events; returns its dedup_ids. */
  const publish = async (p: Producer, shard: number, raws: string[], o: { replayTwice?: boolean } = {}): Promise<string[]> => {
    const batch = p.cut(shard, raws);
    await execBatch(client, key(shard), batch.entries);
    const t = tally(shard);
    t.entries += batch.entries.length;
    t.ok += batch.entries.length;
    if (o.replayTwice) {
      // The same bytes again (contract 3.13: EXEC ran, the reply timed out, the bus retried).
      // Contract 3.8: the retry lands right after the original in the producer's sequence.
      await execBatch(client, key(shard), batch.entries);
      t.entries += batch.entries.length;
      t.ok += batch.entries.length;
      t.duplicateGroups += batch.entries.length;
      t.duplicateEntries += batch.entries.length;
    }
    return batch.dedupIds;
  };

  const checkoutEvent = (): string => sortedJson(commerceEvent(rng, tick()));
  const gatewayEvent = (): string => gatewayRaw(rng, tick());
  const many = (n: number, make: () => string): string[] => Array.from({ length: n }, make);

  // ---- special events ----
  const htmlRaw =
    '{"type":"user.profile_updated","user_id":"u_31337","display_name":"<script>alert(\\"xss\\")</script>",' +
    '"bio":"<img src=x onerror=alert(1)></textarea><b>bold</b> & \\u003cdiv\\u003e","website":"javascript:alert(document.cookie)"}';
  const bigIntRaw =
    '{"type":"ledger.entry","entry_id":18446744073709551615,"amount_minor":123456789012345678901234567890,' +
    '"balance_minor":-9223372036854775808,"fx_rate":1.0000000000000002,"avogadro":6.02214076e23,"order_id":9007199254740993}';

  // ---- the timeline: rounds of batches, interleaved across producers and shards ----
  const checkoutPlan: Record<number, number[]> = { 0: [250, 180, 300, 220], 1: [200, 240, 160], 3: [180, 25, 240], 7: [300, 250, 50, 200, 150], 12: [140, 110] };
  const gatewayPlan: Record<number, number[]> = { 0: [120, 160, 140], 1: [150, 130, 120], 3: [110, 90] };
  const RETRY = { shard: 3, round: 1 };
  const LOST = { shard: 7, round: 2 };
  const LARGE = { shard: 7, round: 4, index: 10 };

  const samples: Partial<DemoManifest['samples']> = {};
  const corrupt: DemoManifest['samples']['corrupt'] = [];

  for (let round = 0; round < 5; round++) {
    for (const shard of shards) {
      const size = checkoutPlan[shard]?.[round];
      if (size === undefined) continue;
      if (shard === LOST.shard && round === LOST.round) {
        // Cut (ordinals consumed, contract 3.7) but dropped after a failed dispatch: never written.
        const seq = checkout.skip(shard, size);
        tally(shard).gaps.push({ nonce: formatNonce(NONCE_CHECKOUT), from: Number(seq), to: Number(seq) + size - 1 });
        samples.gap = { shard, key: key(shard), nonce: formatNonce(NONCE_CHECKOUT), from: Number(seq), to: Number(seq) + size - 1 };
        continue;
      }
      const raws = many(size, checkoutEvent);
      if (shard === LARGE.shard && round === LARGE.round) raws[LARGE.index] = sortedJson(waveformEvent(rng, tick()));
      const retry = shard === RETRY.shard && round === RETRY.round;
      const ids = await publish(checkout, shard, raws, { replayTwice: retry });
      if (retry) samples.retry = { shard, key: key(shard), dedupIds: ids };
      if (round === 0 && shard === 0) {
        const d = checkout.lastPayloads.get(ids[0]!)!;
        samples.hugeT = { key: key(shard), dedupId: ids[0]!, d: Buffer.from(d), t: tAt(d) };
      }
      if (shard === LARGE.shard && round === LARGE.round) {
        const id = ids[LARGE.index]!;
        const d = checkout.lastPayloads.get(id)!;
        samples.large = { key: key(shard), dedupId: id, d: Buffer.from(d), bytes: Buffer.byteLength(d) };
      }
    }
    for (const shard of [0, 1, 3]) {
      const size = gatewayPlan[shard]?.[round];
      if (size === undefined) continue;
      const raws = many(size, gatewayEvent);
      if (shard === 0 && round === 0) raws[7] = htmlRaw;
      if (shard === 0 && round === 1) raws[3] = bigIntRaw;
      // net-mesh accepts `null` as an event (contract 3.26): a heartbeat with no body.
      if (shard === 0 && round === 2) raws[0] = 'null';
      if (shard === 3 && round === 0) {
        await publishGatewayWithCorrupt(raws);
        continue;
      }
      const ids = await publish(gateway, shard, raws);
      const sampleOf = (index: number): DemoSample => {
        const d = gateway.lastPayloads.get(ids[index]!)!;
        return { key: key(shard), dedupId: ids[index]!, d: Buffer.from(d) };
      };
      if (shard === 0 && round === 0) samples.html = { ...sampleOf(7), r: htmlRaw };
      if (shard === 0 && round === 1) samples.bigIntegers = { ...sampleOf(3), r: bigIntRaw };
      if (shard === 0 && round === 2) samples.nullEvent = sampleOf(0);
    }
    if (round === 1) {
      await writeMisrouted();
      await writeBridge();
    }
  }

  // ---- leftovers that discovery must skip ----
  await client.set(stringKey, 'retired in the scale-down; events moved to shard 12');
  {
    const replay = new Producer(NONCE_REPLAY, () => BigInt(now) * 1_000_000n, rng);
    replay.sequences.set(7, 1n);
    const batch = replay.cut(7, many(3, checkoutEvent));
    await execBatch(client, paddedKey, batch.entries);
  }

  // ---- the gateway restarts with its persisted nonce (contract 1.6, 3.10) ----
  // Sequence back at 0 and a fresh shard clock (t near 0, contract 1.4): the first ids repeat
  // the previous incarnation's with different payloads. Only shard 1 has flushed a batch so far.
  {
    const restarted = new Producer(NONCE_GATEWAY, () => 1_500_000n, rng);
    const shard = 1;
    const previouslyWritten = gatewayPlan[shard]!.reduce((a, b) => a + b, 0);
    const raws = many(16, gatewayEvent);
    const ids = await publish(restarted, shard, raws);
    const overlapping = Math.min(raws.length, previouslyWritten);
    const t = tally(shard);
    t.duplicateGroups += overlapping;
    t.duplicateEntries += overlapping;
    // Different bodies and a restarted t: every reused id carries different bytes.
    t.collisionGroups += overlapping;
    samples.collision = { shard, key: key(shard), dedupIds: ids.slice(0, overlapping) };
  }

  const manifestShards: DemoShardManifest[] = shards.map((shard) => ({ shard, key: key(shard), ...tally(shard) }));
  return {
    prefix,
    shards: manifestShards,
    skipped: [
      { key: paddedKey, reason: 'shard id "007" is not canonical (leading zeros)' },
      { key: stringKey, reason: 'not a stream (string)' },
    ],
    producers: [
      { name: 'checkout service (ingests JSON values: sorted keys; up 120 days)', nonce: formatNonce(NONCE_CHECKOUT), shards: [0, 1, 3, 7, 12] },
      { name: 'telemetry gateway (raw ingestion; restarted with a persisted nonce)', nonce: formatNonce(NONCE_GATEWAY), shards: [0, 1, 3] },
      { name: 'replay tool (wrote to the wrong key)', nonce: formatNonce(NONCE_REPLAY), shards: [12] },
      { name: 'hand-written bridge (malformed payloads)', nonce: formatNonce(NONCE_BRIDGE), shards: [12] },
    ],
    totalEntries: manifestShards.reduce((n, s) => n + s.entries, 0),
    samples: { ...(samples as DemoManifest['samples']), corrupt },
  };

  /**
   * The gateway's first shard-3 batch, with two events that net-mesh's raw ingestion let through
   * unvalidated (contract 1.4): they keep their ids and ordinals, so they cause no gap.
   */
  async function publishGatewayWithCorrupt(raws: string[]): Promise<void> {
    const shard = 3;
    const TRUNCATED = 17;
    const LATIN1 = 41;
    raws[TRUNCATED] = '{"device": "vib-0003", "rms_mm_s": 0.';
    const MARK = '\u0000LATIN1\u0000';
    raws[LATIN1] = `{"device": "th-0012", "location": "Caf${MARK} Central", "temp_c": 22.1}`;
    const batch = gateway.cut(shard, raws);
    const latin = batch.entries[LATIN1]!;
    // `d` is fields[1]: replace the marker with the single Latin-1 byte 0xE9 ("é"), which is not
    // valid UTF-8 on its own.
    const [before, after] = (latin[1] as string).split(MARK) as [string, string];
    latin[1] = Buffer.concat([Buffer.from(before, 'utf8'), Buffer.from([0xe9]), Buffer.from(after, 'utf8')]);
    await execBatch(client, key(shard), batch.entries);
    const t = tally(shard);
    t.entries += raws.length;
    t.ok += raws.length - 2;
    t.corrupt += 2;
    const sampleAt = (i: number): DemoSample => {
      const d = batch.entries[i]![1]!;
      return { key: key(shard), dedupId: batch.dedupIds[i]!, d: Buffer.isBuffer(d) ? d : Buffer.from(d) };
    };
    corrupt.push({ ...sampleAt(TRUNCATED), kind: 'invalid-json' }, { ...sampleAt(LATIN1), kind: 'invalid-utf8' });
  }

  /** A replay tool copied a shard-7 event (s = 7) into shard 12 (contract 3.25). */
  async function writeMisrouted(): Promise<void> {
    const replay = new Producer(NONCE_REPLAY, () => BigInt(now) * 1_000_000n, rng);
    const batch = replay.cut(7, [checkoutEvent()]);
    await execBatch(client, key(12), batch.entries);
    const t = tally(12);
    t.entries += 1;
    t.ok += 1;
    // Both its `s` and its id's shard part say 7; cli.md counts the entry once. Its ordinal
    // belongs to the (nonce, 7) sequence, so it causes no gap on shard 12.
    t.misrouted += 1;
    const d = batch.entries[0]![1] as string;
    samples.misrouted = { key: key(12), dedupId: batch.dedupIds[0]!, d: Buffer.from(d), payloadShard: 7 };
  }

  /**
   * A bridge written against a misread spec: right command shape and ids, wrong payloads. None of
   * these can come out of net-mesh itself; they are what its reader skips (contract 3.22-3.23).
   */
  async function writeBridge(): Promise<void> {
    const shard = 12;
    const nonce = formatNonce(NONCE_BRIDGE);
    const body = (): string => sortedJson(commerceEvent(rng, tick()));
    const ds: Array<{ kind: DemoCorruptKind; d?: string }> = [
      { kind: 'missing-r', d: `{"event":${body()},"t":1717000000,"s":12}` },
      { kind: 'negative-t', d: `{"r":${body()},"t":-1,"s":12}` },
      { kind: 's-out-of-range', d: `{"r":${body()},"t":42,"s":70000}` },
      { kind: 'duplicate-key', d: `{"r":${body()},"r":${body()},"t":43,"s":12}` },
      { kind: 'no-d' },
    ];
    const entries: Fields[] = ds.map((x, i) => {
      const id = formatDedupId(NONCE_BRIDGE, shard, 0n, i);
      // The entry without `d` carries its event under a field name the reader ignores.
      return x.d === undefined ? ['data', body(), 'dedup_id', id] : ['d', x.d, 'dedup_id', id];
    });
    await execBatch(client, key(shard), entries);
    const t = tally(shard);
    t.entries += ds.length;
    t.corrupt += ds.length;
    ds.forEach((x, i) => {
      const sample: DemoSample & { kind: DemoCorruptKind } = { key: key(shard), dedupId: `${nonce}:${shard}:0:${i}`, kind: x.kind };
      if (x.d !== undefined) sample.d = Buffer.from(x.d);
      corrupt.push(sample);
    });
  }
}

/** Extracts the decimal `t` of a payload the producer wrote (`...,"t":<digits>,"s":<digits>}`). */
function tAt(d: string): string {
  return /,"t":(\d+),"s":\d+\}$/.exec(d)?.[1] ?? '';
}

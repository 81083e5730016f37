/**
 * `consumer-1m` (issue 13): the consumer view's replay of a 1,000,000-entry shard (poll_shard pages
 * of 1000 through a 4096-id window, every verdict kept) against a bare ioredis XRANGE loop over the
 * same shard, alternating, plus the bytes the replay keeps per entry; and the whole-shard scan with
 * and without the Analysis view's default-consumer window. Reported; the checks are the memory
 * figure (compact per-entry record) and that both find the seeded re-deliveries.
 */
import Redis from 'ioredis';
import { MeshAdapter } from '../electron/core/adapter';
import { ConsumerReplayState, replayShard } from '../electron/core/consumer-replay';
import { scanShards } from '../electron/core/scan';
import { formatDedupId } from '../shared/dedup-id';
import { encodePayload } from '../shared/wire';
import { check, collectGarbage, median, type BenchCase } from './harness';
import { sendRaw } from './seed';

const PREFIX = 'benchc';
const ENTRIES = 1_000_000;
const ROUNDS = 3;
const LIMIT = 1000;
const NONCE = 0x5eed0c0ffeen;

/** Batches of 1000; every 200th written twice in a row (caught), batch 3 written again at the very end (let through). */
function* seed(key: string): Generator<string[]> {
  const write = function* (batch: number): Generator<string[]> {
    for (let i = 0; i < 1000; i++) {
      const k = batch * 1000 + i;
      yield ['XADD', key, '*', 'd', encodePayload(`{"n":${k},"user":"u${k % 997}"}`, BigInt(k + 1), 0), 'dedup_id', formatDedupId(NONCE, 0, BigInt(batch * 1000), i)];
    }
  };
  let written = 0;
  let batch = 0;
  while (written < ENTRIES - 1000) {
    yield* write(batch);
    written += 1000;
    if (batch % 200 === 199 && written < ENTRIES - 2000) {
      yield* write(batch);
      written += 1000;
    }
    batch++;
  }
  yield* write(3);
}

async function bareScan(client: Redis, key: string): Promise<number> {
  let start = '-';
  let n = 0;
  for (;;) {
    const page = await client.xrange(key, start, '+', 'COUNT', LIMIT + 1);
    const take = Math.min(page.length, LIMIT);
    n += take;
    if (take === 0) break;
    start = `(${page[take - 1]![0]}`;
    if (page.length <= LIMIT) break;
  }
  return n;
}

export const consumerBench: BenchCase = {
  name: 'consumer-1m',
  description: `consumer replay of a ${ENTRIES.toLocaleString('en')}-entry shard (poll_shard, limit ${LIMIT}, 4096-id window, every verdict kept) vs a bare ioredis XRANGE loop; alternating, ${ROUNDS} rounds`,
  async run({ redis, log }) {
    const key = `${PREFIX}:shard:0`;
    await sendRaw(redis.host, redis.port, seed(key));
    const bare = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
    await bare.connect();
    const adapter = new MeshAdapter({ url: redis.url, prefix: PREFIX, commandTimeoutMs: 30_000, readOnly: true });
    await adapter.init();
    const bareRates: number[] = [];
    const replayRates: number[] = [];
    let bytesPerEntry = 0;
    let state: ConsumerReplayState | null = null;
    // The Analysis view's "a default consumer would deliver twice" costs a window per scan: the
    // same scan with and without it, alternating.
    const plainScan: number[] = [];
    const consumerScan: number[] = [];
    let redeliveries: number | undefined;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        for (const withWindow of round % 2 === 0 ? [false, true] : [true, false]) {
          collectGarbage();
          const started = performance.now();
          const r = await scanShards(adapter, { shards: [0], pageSize: LIMIT, workers: 1, ...(withWindow ? { defaultConsumer: true } : {}) });
          (withWindow ? consumerScan : plainScan).push(ENTRIES / ((performance.now() - started) / 1000));
          if (withWindow) redeliveries = r.shards[0]?.defaultConsumerRedeliveries;
          log(`round ${round + 1} scan${withWindow ? ' + default consumer' : ''}: ${Math.round((withWindow ? consumerScan : plainScan).at(-1)!).toLocaleString('en')} entries/s`);
        }
      }
      for (let round = 0; round < ROUNDS; round++) {
        for (const which of round % 2 === 0 ? ['bare', 'replay'] : ['replay', 'bare']) {
          collectGarbage();
          const started = performance.now();
          if (which === 'bare') {
            const n = await bareScan(bare, key);
            bareRates.push(n / ((performance.now() - started) / 1000));
          } else {
            state = new ConsumerReplayState(4096);
            await replayShard(adapter, state, { shard: 0, from: null, limit: LIMIT, until: null });
            replayRates.push(state.length / ((performance.now() - started) / 1000));
            bytesPerEntry = state.memoryBytes() / state.length;
          }
          log(`round ${round + 1} ${which}: ${Math.round((which === 'bare' ? bareRates : replayRates).at(-1)!).toLocaleString('en')} entries/s`);
        }
      }
    } finally {
      bare.disconnect();
      await adapter.shutdown();
      await sendRaw(redis.host, redis.port, [['DEL', key]]);
    }
    const c = state!.counts;
    return {
      metrics: [
        { name: 'bare XRANGE loop (median)', value: Math.round(median(bareRates)), unit: 'entries/s' },
        { name: 'consumer replay (median)', value: Math.round(median(replayRates)), unit: 'entries/s' },
        { name: 'replay / bare (median)', value: Number((median(replayRates) / median(bareRates)).toFixed(2)), unit: 'x' },
        { name: 'kept per entry', value: Math.round(bytesPerEntry), unit: 'bytes' },
        { name: 'analysis scan (median)', value: Math.round(median(plainScan)), unit: 'entries/s' },
        { name: 'analysis scan + default consumer window (median)', value: Math.round(median(consumerScan)), unit: 'entries/s' },
        { name: 'dropped as duplicate', value: c.dropped, unit: 'entries' },
        { name: 'let through', value: c.letThrough, unit: 'entries' },
      ],
      checks: [
        check('analysis: default consumer re-deliveries (batch 3 again at the end)', redeliveries ?? -1, '>=', 1000),
        check('entries replayed', c.entries, '>=', ENTRIES), check('let through (batch 3 again at the end)', c.letThrough, '>=', 1000), check('bytes kept per entry', Math.round(bytesPerEntry), '<=', 160),
      ],
    };
  },
};

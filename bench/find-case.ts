/**
 * `find-500k` (issue 13): Find on a 500,000-entry shard, both ways it can go. Without an index it
 * reads the shard in XRANGE pages and compares the stored dedup_id bytes: measured against a bare
 * ioredis `xrangeBuffer` loop with the same page size over the same shard, alternating, median of
 * the per-round ratios (budget: at least 0.8x of the bare loop). With the shard's background index
 * ready (Browse opened the shard) it reads only the candidate positions: its time is compared with
 * the scan's (budget: under 5% of it).
 */
import Redis from 'ioredis';
import { MeshAdapter } from '../electron/core/adapter';
import type { BrowseContext } from '../electron/core/browse';
import { FindJobs, type FindSource } from '../electron/core/find';
import { ShardIndex } from '../electron/core/shard-index';
import { formatDedupId } from '../shared/dedup-id';
import { streamKey } from '../shared/stream-key';
import { encodePayload } from '../shared/wire';
import { check, collectGarbage, median, type BenchCase } from './harness';
import { sendRaw } from './seed';

const PREFIX = 'benchfind';
const ENTRIES = 500_000;
const ROUNDS = 5;
/** The page size Find reads with (find.ts PAGE). */
const PAGE = 2000;
const NONCE = 0x5eed5eedn;

function* seed(key: string, shard: number, n: number): Generator<string[]> {
  for (let k = 0; k < n; k++) {
    const d = encodePayload(`{"user":"u${k % 9973}","n":${k},"tags":["a","b"]}`, 1_700_000_000_000_000_000n + BigInt(k), shard);
    yield ['XADD', key, '*', 'd', d, 'dedup_id', formatDedupId(NONCE, shard, BigInt(Math.floor(k / 1000) * 1000), k % 1000)];
  }
}

async function bareLoop(client: Redis, key: string): Promise<number> {
  let start = '-';
  let n = 0;
  for (;;) {
    const page = await client.xrangeBuffer(key, start, '+', 'COUNT', PAGE);
    n += page.length;
    if (page.length < PAGE) break;
    start = `(${page[page.length - 1]![0].toString('latin1')}`;
  }
  return n;
}

async function find(jobs: FindJobs, src: FindSource, text: string): Promise<number> {
  const started = await jobs.start(src, text);
  let hits = 0;
  for (;;) {
    const step = await jobs.next(started.findId);
    hits += step.hits.length;
    if (step.done) return hits;
  }
}

export const findBench: BenchCase = {
  name: 'find-500k',
  description: `Find of a dedup_id in a ${ENTRIES.toLocaleString('en')}-entry shard: scanning vs a bare xrangeBuffer loop (COUNT ${PAGE}), ${ROUNDS} alternating rounds; and through a ready shard index vs scanning`,
  async run({ redis, log }) {
    const key = streamKey(PREFIX, 0);
    const t0 = performance.now();
    await sendRaw(redis.host, redis.port, seed(key, 0, ENTRIES));
    log(`seeded ${ENTRIES} entries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const bare = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
    await bare.connect();
    const adapter = new MeshAdapter({ url: redis.url, prefix: PREFIX, commandTimeoutMs: 30_000, readOnly: true });
    await adapter.init();
    // The copy looked for sits near the end: the scan must read the whole shard either way.
    const target = formatDedupId(NONCE, 0, BigInt(Math.floor((ENTRIES - 3) / 1000) * 1000), (ENTRIES - 3) % 1000);
    const scanSource: FindSource = { adapter, prefix: PREFIX, openBrowse: () => undefined, redis: (_c, fn) => fn() };
    const bareMs: number[] = [];
    const findMs: number[] = [];
    const indexMs: number[] = [];
    const index = new ShardIndex(adapter, 0, key, () => {});
    try {
      await bareLoop(bare, key);
      await find(new FindJobs(), scanSource, target);
      for (let round = 0; round < ROUNDS; round++) {
        for (const which of round % 2 === 0 ? ['bare', 'find'] : ['find', 'bare']) {
          collectGarbage();
          const started = performance.now();
          if (which === 'bare') await bareLoop(bare, key);
          else if ((await find(new FindJobs(), scanSource, target)) !== 1) throw new Error('find-500k: the target was not found once');
          (which === 'bare' ? bareMs : findMs).push(performance.now() - started);
          log(`round ${round + 1} ${which}: ${Math.round((which === 'bare' ? bareMs : findMs).at(-1)!)} ms`);
        }
      }
      const builtAt = performance.now();
      await index.refresh();
      log(`index built in ${Math.round(performance.now() - builtAt)} ms (not counted)`);
      const ctx: BrowseContext = { adapter, index, shard: 0, key, run: (_c, fn) => fn() };
      const indexSource: FindSource = { ...scanSource, openBrowse: () => ctx };
      for (let round = 0; round < ROUNDS; round++) {
        const started = performance.now();
        if ((await find(new FindJobs(), indexSource, target)) !== 1) throw new Error('find-500k: the index path did not find the target once');
        indexMs.push(performance.now() - started);
      }
    } finally {
      index.stop();
      bare.disconnect();
      await adapter.shutdown();
      await sendRaw(redis.host, redis.port, [['DEL', key]]);
    }
    const ratio = median(findMs.map((ms, k) => bareMs[k]! / ms));
    const indexShare = median(indexMs) / median(findMs);
    return {
      metrics: [
        { name: 'bare xrangeBuffer loop (median)', value: Math.round(median(bareMs)), unit: 'ms' },
        { name: 'find by scanning (median)', value: Math.round(median(findMs)), unit: 'ms' },
        { name: 'find through a ready index (median)', value: Math.round(median(indexMs) * 10) / 10, unit: 'ms' },
      ],
      checks: [
        check('scan speed vs the bare loop (x, median of rounds)', Math.round(ratio * 100) / 100, '>=', 0.8),
        check('index path time / scan time', Math.round(indexShare * 1000) / 1000, '<', 0.05),
      ],
    };
  },
};

/**
 * `scan-details-500k` (issue 13): what `--details` costs on a 500,000-entry shard with duplicates
 * (a retried batch every 50 batches) and corrupt entries: the evidence pass reads such a shard a
 * second time. Measured against the same scan without details, alternating (budget: at most 2.5x).
 */
export const scanDetailsBench: BenchCase = {
  name: 'scan-details-500k',
  description: `scanShards with details vs without on a ${ENTRIES.toLocaleString('en')}-entry shard with anomalies, ${ROUNDS} alternating rounds`,
  async run({ redis, log }) {
    const key = streamKey(PREFIX, 1);
    function* withAnomalies(): Generator<string[]> {
      for (let batch = 0, k = 0; k < ENTRIES; batch++) {
        const copies = batch % 50 === 49 ? 2 : 1;
        for (let c = 0; c < copies; c++) {
          for (let i = 0; i < 1000 && k < ENTRIES; i++, k++) {
            const d = k % 25_000 === 7 ? 'not json' : encodePayload(`{"n":${batch * 1000 + i}}`, 1_700_000_000_000_000_000n + BigInt(batch * 1000 + i), 1);
            yield ['XADD', key, '*', 'd', d, 'dedup_id', formatDedupId(NONCE, 1, BigInt(batch * 1000), i)];
          }
        }
      }
    }
    await sendRaw(redis.host, redis.port, withAnomalies());
    const adapter = new MeshAdapter({ url: redis.url, prefix: PREFIX, commandTimeoutMs: 30_000, readOnly: true });
    await adapter.init();
    const { scanShards } = await import('../electron/core/scan');
    const plainMs: number[] = [];
    const detailMs: number[] = [];
    let records = 0;
    try {
      await scanShards(adapter, { shards: [1] });
      for (let round = 0; round < ROUNDS; round++) {
        for (const which of round % 2 === 0 ? ['plain', 'details'] : ['details', 'plain']) {
          collectGarbage();
          const started = performance.now();
          const r = await scanShards(adapter, { shards: [1], details: which === 'details' });
          (which === 'plain' ? plainMs : detailMs).push(performance.now() - started);
          if (which === 'details') records = r.shards[0]?.anomalies?.length ?? 0;
          log(`round ${round + 1} ${which}: ${Math.round((which === 'plain' ? plainMs : detailMs).at(-1)!)} ms`);
        }
      }
    } finally {
      await adapter.shutdown();
      await sendRaw(redis.host, redis.port, [['DEL', key]]);
    }
    const ratio = median(detailMs.map((ms, k) => ms / plainMs[k]!));
    return {
      metrics: [
        { name: 'scan without details (median)', value: Math.round(median(plainMs)), unit: 'ms' },
        { name: 'scan with details (median)', value: Math.round(median(detailMs)), unit: 'ms' },
        { name: 'evidence records listed', value: records, unit: 'records' },
      ],
      checks: [check('details time / plain time (median of rounds)', Math.round(ratio * 100) / 100, '<=', 2.5)],
    };
  },
};

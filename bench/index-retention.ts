/**
 * How much a connection's memory keeps after lanes were opened on many shards and left (tester
 * report item 10): seeds SHARDS shards of ENTRIES entries in a real redis-server, opens a lane
 * (builds the index) on each in turn, then prints RSS and heap after a full GC. Run it with the
 * bounds off (`all`: every index kept, as before index-cache.ts) and on (`bounded`: the defaults).
 *   npx tsx --expose-gc bench/index-retention.ts all|bounded|both [shards] [entries]
 * The core runs in a child process of its own (the seeding's garbage stays out of its RSS).
 * Not a bench case (it seeds ~1M entries and starts two processes' worth of indexes): a measurement
 * the report quotes.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../test/helpers/redis-server';
import { encodePayload } from '../shared/wire';
import { connectCore } from './lane-cases';

const mode = process.argv[2] ?? 'bounded';
const SHARDS = Number(process.argv[3] ?? 12);
const ENTRIES = Number(process.argv[4] ?? 80_000);

const gc = () => (globalThis as { gc?: () => void }).gc?.();
const mb = (n: number) => Math.round(n / 1048576);

if (process.argv[5]) {
  // The measuring process: only the core, on the seeded server (seeding's garbage is not in its RSS).
  const core = await connectCore(process.argv[5], 'ret', mode === 'all' ? { maxIndexes: 1e9, maxBytes: Number.MAX_SAFE_INTEGER, idleMs: 1e12 } : undefined);
  gc();
  gc();
  const base = process.memoryUsage();
  for (let s = 0; s < SHARDS; s++) await core.lane(s);
  gc();
  gc();
  const after = process.memoryUsage();
  const kept = await core.indexesKept();
  process.stdout.write(`${JSON.stringify({ mode, shards: SHARDS, entries: ENTRIES, indexesKept: kept, rssMB: mb(after.rss), rssGrowthMB: mb(after.rss - base.rss), heapGrowthMB: mb(after.heapUsed - base.heapUsed), externalGrowthMB: mb(after.external - base.external) })}\n`);
  await core.close();
  process.exit(0);
}

const redis = await startRedis();
const admin = redis.admin();
for (let s = 0; s < SHARDS; s++) {
  for (let base = 0; base < ENTRIES; base += 10_000) {
    const p = admin.pipeline();
    for (let i = base; i < Math.min(ENTRIES, base + 10_000); i++) p.xadd(`ret:shard:${s}`, '*', 'd', encodePayload(`{"i":${i},"msg":"event ${i}"}`, BigInt(i + 1), s), 'dedup_id', `a1:${s}:0:${i}`);
    await p.exec();
  }
}
for (const m of mode === 'both' ? ['all', 'bounded'] : [mode]) {
  process.stdout.write(execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), m, String(SHARDS), String(ENTRIES), redis.url], { encoding: 'utf8' }));
}
await redis.stop();
process.exit(0);

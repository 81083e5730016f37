/**
 * lane-memory's measuring process (bench/lane-cases.ts): a fresh Node process that runs the core
 * as `serve` does and prints, as JSON (LaneMemoryReport), how much its memory grew (after a full
 * GC) for one lane on a million-entry shard. Arguments: url prefix shard warm-shard. With a
 * warm-shard, a small lane is indexed first and the growth counted from there; the cold figure
 * comes from a second process started with `cold` instead.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectCore, type LaneMemoryReport } from './lane-cases';
import { collectGarbage } from './harness';

const [url, prefix, shardText, warmText] = process.argv.slice(2);
const shard = Number(shardText);

function settle(): NodeJS.MemoryUsage {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage();
}

const core = await connectCore(url!, prefix!);
if (warmText !== 'cold') await core.lane(Number(warmText));
const before = settle();
const t0 = performance.now();
await core.lane(shard);
const buildMs = performance.now() - t0;
const after = settle();
await core.close();
if (warmText === 'cold') {
  process.stdout.write(`${after.rss - before.rss}\n`);
} else {
  const cold = Number(execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), url!, prefix!, shardText!, 'cold'], { encoding: 'utf8' }).trim());
  const report: LaneMemoryReport = {
    rss: after.rss - before.rss,
    heap: after.heapUsed - before.heapUsed,
    external: after.external - before.external,
    buildMs,
    rssCold: cold,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
process.exit(0);

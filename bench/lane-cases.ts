/**
 * Lanes (issues 13/14): what one indexed million-entry lane costs the process that runs the core
 * (`serve` or the desktop app's main process), and how fast the status filters answer from the
 * shard's index once it is ready.
 *
 * `lane-memory`: the real service (createService, as `serve` builds it) opens a 1,000,000-entry
 * shard and builds its index; the process's RSS after a full GC, before and after, is the growth
 * (budget: at most 50 MB; the index's own typed arrays are reported beside it).
 *
 * `lane-filters`: on the same shard (gaps, retries, collisions, corrupt and misrouted entries
 * spread through it), the first step of each status filter (`events:filter`, 120 matches), as a
 * lane asks for it: budget 300 ms each, beside the text-scan filter's first step (the path status
 * filters took before: 250 ms per step, then more steps until the matches are found).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createService } from '../electron/core/service';
import type { MeshService } from '../electron/core/service-api';
import type { IndexLimits } from '../electron/core/index-cache';
import type { FilterStatus } from '../shared/contract';
import { formatDedupId } from '../shared/dedup-id';
import { encodePayload } from '../shared/wire';
import { MemorySecrets, serviceGate } from '../test/helpers/service-gate';
import { check, median, type BenchCase, type BenchContext } from './harness';
import { sendRaw } from './seed';

const PREFIX = 'lanebench';
const SHARD = 3;
/** A small lane opened first, so one-time costs (code, connection buffers) are not the big lane's. */
const WARM_SHARD = 4;
const WARM_ENTRIES = 20_000;
const ENTRIES = 1_000_000;
const NONCE = 0x5eed1a9en;
const MEMORY_BUDGET_MB = 50;
const FIRST_ROWS_BUDGET_MS = 300;

function event(k: number): string {
  return `{"order":{"id":"o-${k}","qty":${k % 9}},"note":"lane bench ${k % 97}"}`;
}

/**
 * Batches of 500 events of one producer: every 50th batch lost (a gap), every 97th written twice
 * byte for byte (retries), every 89th's first 20 ids written again with other payloads
 * (collisions), one corrupt entry per 25,000 and one misrouted per 40,000.
 */
function* seed(key: string, shard: number, entries: number): Generator<string[]> {
  let written = 0;
  let batch = 0;
  while (written < entries) {
    const seq = BigInt(batch * 500);
    const lost = batch % 50 === 49;
    const copies = batch % 97 === 96 ? 2 : 1;
    for (let c = 0; c < copies && !lost; c++) {
      for (let i = 0; i < 500 && written < entries; i++) {
        const k = batch * 500 + i;
        const misrouted = k % 40_000 === 11;
        const d = k % 25_000 === 13 ? `{"r":${event(k)},"t":oops}` : encodePayload(event(k), 1_700_000_000_000_000_000n + BigInt(k), misrouted ? shard + 1 : shard);
        yield ['XADD', key, '*', 'd', d, 'dedup_id', formatDedupId(NONCE, shard, seq, i)];
        written++;
      }
    }
    if (batch % 89 === 88) {
      for (let i = 0; i < 20 && written < entries; i++) {
        yield ['XADD', key, '*', 'd', encodePayload(`{"other":${i}}`, 1n, shard), 'dedup_id', formatDedupId(NONCE, shard, seq, i)];
        written++;
      }
    }
    batch++;
  }
}

let seeded = false;
async function seedOnce(ctx: BenchContext): Promise<void> {
  if (seeded) return;
  const t0 = performance.now();
  await sendRaw(ctx.redis.host, ctx.redis.port, seed(`${PREFIX}:shard:${SHARD}`, SHARD, ENTRIES));
  await sendRaw(ctx.redis.host, ctx.redis.port, seed(`${PREFIX}:shard:${WARM_SHARD}`, WARM_SHARD, WARM_ENTRIES));
  seeded = true;
  ctx.log(`seeded ${ENTRIES.toLocaleString('en')} entries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

export const laneMemoryBench: BenchCase = {
  name: 'lane-memory',
  description: `RSS growth of a fresh process running the core (createService as serve runs it, connected, one ${WARM_ENTRIES.toLocaleString('en')}-entry lane already indexed so the code is warm) for an indexed ${ENTRIES.toLocaleString('en')}-entry lane, after a full GC; budget ${MEMORY_BUDGET_MB} MB`,
  async run(ctx) {
    await seedOnce(ctx);
    // A process of its own: nothing another case allocated and freed can hide the growth.
    const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lane-memory-child.js');
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--expose-gc', child, ctx.redis.url, PREFIX, String(SHARD), String(WARM_SHARD)], { maxBuffer: 1 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    const r = JSON.parse(out) as LaneMemoryReport;
    const mb = (b: number) => Math.round((b / 1e6) * 10) / 10;
    return {
      metrics: [
        { name: 'index build (1M entries)', value: Math.round(r.buildMs), unit: 'ms' },
        { name: 'heap growth', value: mb(r.heap), unit: 'MB' },
        { name: 'external growth (typed arrays, buffers)', value: mb(r.external), unit: 'MB' },
        { name: 'RSS growth with no lane open before (one-time code and buffers included)', value: mb(r.rssCold), unit: 'MB' },
      ],
      checks: [check('RSS growth per indexed 1M-entry lane (MB)', mb(r.rss), '<=', MEMORY_BUDGET_MB)],
    };
  },
};

/** What lane-memory-child.ts prints (bytes). */
export interface LaneMemoryReport {
  rss: number;
  heap: number;
  external: number;
  buildMs: number;
  /** The same lane opened first in a second fresh process (no warm lane before it). */
  rssCold: number;
}

/**
 * The service as `serve` runs it, connected; `lane(shard)` opens a lane's index and waits for it.
 * `indexLimits` replaces the core's bounds on kept indexes (bench/index-retention.ts turns them off).
 */
export async function connectCore(
  url: string,
  prefix: string,
  indexLimits?: IndexLimits,
): Promise<{ service: MeshService; lane(shard: number): Promise<void>; indexesKept(): Promise<number>; close(): Promise<void> }> {
  const home = mkdtempSync(path.join(tmpdir(), 'mesh-lanebench-'));
  const waiting = new Map<number, () => void>();
  const service = createService({
    transport: 'serve',
    secrets: new MemorySecrets(),
    home,
    appVersion: '0.0.0-bench',
    sink: (event, payload) => {
      const p = payload as { shard?: number; state?: string };
      if (event === 'index:changed' && p.state === 'ready' && p.shard !== undefined) waiting.get(p.shard)?.();
    },
    ...(indexLimits ? { indexLimits } : {}),
  });
  const { ok } = serviceGate(() => service);
  await service.connectUrl(url, prefix);
  await ok('shards:list', {});
  return {
    service,
    async lane(shard) {
      const ready = new Promise<void>((resolve) => waiting.set(shard, resolve));
      const st = await ok('index:status', { shard });
      if (st.state !== 'ready') await ready;
    },
    indexesKept: async () => (await ok('shards:problems', {})).shards.length,
    async close() {
      await service.dispose();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export const laneFiltersBench: BenchCase = {
  name: 'lane-filters',
  description: `first step of each status filter on an indexed ${ENTRIES.toLocaleString('en')}-entry shard (events:filter, 120 matches, cold: the index's position list is built by this call), budget ${FIRST_ROWS_BUDGET_MS} ms each; the text scan's first step beside it`,
  async run(ctx) {
    await seedOnce(ctx);
    const lane = await connectCore(ctx.redis.url, PREFIX);
    await lane.lane(SHARD);
    const { ok } = serviceGate(() => lane.service);
    const metrics: Array<{ name: string; value: number; unit: string }> = [];
    const checks = [];
    try {
      const statuses: FilterStatus[] = ['duplicate', 'collision', 'retry', 'gap', 'corrupt', 'misrouted'];
      for (const status of statuses) {
        const times: number[] = [];
        let matches = 0;
        let total = 0;
        for (let round = 0; round < 3; round++) {
          // A new list per round: the index builds it again when it has grown; force it by a new lane order.
          const direction = round % 2 === 0 ? 'forward' : 'backward';
          const t = performance.now();
          const res = await ok('events:filter', { shard: SHARD, direction, cursor: null, query: { status }, limit: 120, scanLimit: 20_000, previewChars: 240 });
          times.push(performance.now() - t);
          matches = res.entries.length;
          total = res.matchTotal ?? 0;
        }
        metrics.push({ name: `${status}: matches in all`, value: total, unit: '' });
        checks.push(check(`${status}: first ${matches} rows (ms, worst of 3)`, Math.round(Math.max(...times)), '<', FIRST_ROWS_BUDGET_MS));
      }
      const scan: number[] = [];
      for (let round = 0; round < 3; round++) {
        const t = performance.now();
        await ok('events:filter', { shard: SHARD, direction: 'forward', cursor: null, query: { text: 'no such text' }, limit: 120, scanLimit: 20_000, previewChars: 240 });
        scan.push(performance.now() - t);
      }
      metrics.push({ name: 'text scan, one step (reference)', value: Math.round(median(scan)), unit: 'ms' });
    } finally {
      await lane.close();
    }
    return { metrics, checks };
  },
};

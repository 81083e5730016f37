/**
 * Benchmarks of the core (PRODUCT.md "Budgets"): the full-shard scan against a bare ioredis XRANGE
 * loop, the duplicate index's bytes per entry, and a test batch through the test publisher against
 * a bare MULTI/EXEC (with the reservation lock's own cost and EXEC's cost per event and per MB).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import { execAllowanceMs, MeshAdapter } from '../electron/core/adapter';
import { BatchHistory } from '../electron/core/batch-history';
import { SequenceStore } from '../electron/core/nonce-store';
import { acquireLock } from '../electron/core/state-lock';
import { TestPublisher } from '../electron/core/test-publisher';
import { scanShards } from '../electron/core/scan';
import { ShardAnalyzer } from '../shared/analysis';
import { formatDedupId } from '../shared/dedup-id';
import type { MeshEntry } from '../shared/types';
import { encodePayload } from '../shared/wire';
import { check, collectGarbage, median, peakRssBytes, type BenchCase } from './harness';
import { sendRaw } from './seed';

const PREFIX = 'bench';
const SCAN_ENTRIES = 1_000_000;
const SCAN_ROUNDS = 5;
const WARM_ENTRIES = 100_000;
const PAGE = 1000;
const PUBLISH_EVENTS = 10_000;
const PUBLISH_ROUNDS = 9;
const NONCE = 0x9f3a12c0ffeen;

/** A small, realistic event: a few keys, a number, a string, a boolean. */
function event(k: number): string {
  return `{"user":"u${k % 9973}","action":"${k % 3 ? 'click' : 'view'}","n":${k},"ok":${k % 2 === 0},"tags":["a","b"]}`;
}

/**
 * The seeded shard: batches of 1000 as net-mesh writes them, one retried batch (written twice in a
 * row) every `retryEvery` batches, a few corrupt entries; so the analyzer does its real work on the
 * way.
 */
function* seedCommands(key: string, shard: number, n: number, retryEvery = 200): Generator<string[]> {
  let written = 0;
  let batch = 0;
  while (written < n) {
    const seq = BigInt(batch * 1000);
    const count = Math.min(1000, n - written);
    const copies = batch % retryEvery === retryEvery - 1 && written + 2 * count <= n ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      for (let i = 0; i < count; i++) {
        const k = batch * 1000 + i;
        const d = k % 50_000 === 7 ? `{"r":${event(k)},"t":oops}` : encodePayload(event(k), 1_700_000_000_000_000_000n + BigInt(k), shard);
        yield ['XADD', key, '*', 'd', d, 'dedup_id', formatDedupId(NONCE, shard, seq, i)];
      }
      written += count;
    }
    batch++;
  }
}

/** The bare loop of the budget: ioredis' plain `xrange` (text replies), COUNT, exclusive cursor, nothing else. */
async function bareScan(client: Redis, key: string): Promise<number> {
  let start = '-';
  let n = 0;
  for (;;) {
    const page = await client.xrange(key, start, '+', 'COUNT', PAGE);
    if (page.length === 0) break;
    n += page.length;
    start = `(${page[page.length - 1]![0]}`;
    if (page.length < PAGE) break;
  }
  return n;
}

/** The same loop with `xrangeBuffer` (no UTF-8 decoding at all), shown for reference: the floor no decoder can beat. */
async function bareBufferScan(client: Redis, key: string): Promise<number> {
  let start = '-';
  let n = 0;
  for (;;) {
    const page = await client.xrangeBuffer(key, start, '+', 'COUNT', PAGE);
    if (page.length === 0) break;
    n += page.length;
    start = `(${page[page.length - 1]![0].toString('latin1')}`;
    if (page.length < PAGE) break;
  }
  return n;
}

export const scanBench: BenchCase = {
  name: 'scan-1m',
  description: `scanShards over a ${SCAN_ENTRIES.toLocaleString('en')}-entry shard vs a bare ioredis XRANGE loop (COUNT ${PAGE}, exclusive cursor, no decoding); alternating, ${SCAN_ROUNDS} rounds each, median of the per-round ratios`,
  async run({ redis, log }) {
    const key = `${PREFIX}:shard:0`;
    const warmKey = `${PREFIX}:shard:1`;
    const t0 = performance.now();
    await sendRaw(redis.host, redis.port, seedCommands(key, 0, SCAN_ENTRIES));
    await sendRaw(redis.host, redis.port, seedCommands(warmKey, 1, WARM_ENTRIES));
    log(`seeded ${SCAN_ENTRIES} entries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const bare = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
    await bare.connect();
    const adapter = new MeshAdapter({ url: redis.url, prefix: PREFIX, commandTimeoutMs: 30_000, readOnly: true });
    await adapter.init();
    const bareRates: number[] = [];
    const bufferRates: number[] = [];
    const scanRates: number[] = [];
    // CPU time of this process per entry: unlike wall time it hardly moves when other processes
    // compete for the cores, so it shows where the time goes even on a busy machine.
    const cpu: Record<string, number[]> = { bare: [], buffer: [], scan: [] };
    let bytesPerEntry = 0;
    let entries = 0;
    try {
      // Both sides run once on a small shard first (JIT, connection buffers); not counted.
      await bareScan(bare, warmKey);
      await bareBufferScan(bare, warmKey);
      await scanShards(adapter, { shards: [1], pageSize: PAGE });
      for (let round = 0; round < SCAN_ROUNDS; round++) {
        // Alternate which goes first, so neither always runs on a warmer cache; bare and scan run
        // back to back so each round's pair sees the same machine load (the budget is the median
        // of the per-round ratios; the buffer loop is only a reference).
        const order = round % 2 === 0 ? ['bare', 'scan', 'buffer'] : ['scan', 'bare', 'buffer'];
        for (const which of order) {
          collectGarbage();
          const cpuBefore = process.cpuUsage();
          const started = performance.now();
          if (which === 'bare') {
            const n = await bareScan(bare, key);
            bareRates.push(n / ((performance.now() - started) / 1000));
          } else if (which === 'buffer') {
            const n = await bareBufferScan(bare, key);
            bufferRates.push(n / ((performance.now() - started) / 1000));
          } else {
            const result = await scanShards(adapter, {
              shards: [0],
              pageSize: PAGE,
              onShardAnalyzed: (a) => (bytesPerEntry = a.memoryBytes() / Math.max(1, a.result().entries)),
            });
            entries = result.shards[0]?.entries ?? 0;
            scanRates.push(entries / ((performance.now() - started) / 1000));
          }
          const used = process.cpuUsage(cpuBefore);
          cpu[which]!.push((used.user + used.system) / SCAN_ENTRIES);
          const rates = which === 'bare' ? bareRates : which === 'buffer' ? bufferRates : scanRates;
          log(`round ${round + 1} ${which}: ${Math.round(rates.at(-1)!).toLocaleString('en')} entries/s`);
        }
      }
    } finally {
      bare.disconnect();
      await adapter.shutdown();
      await sendRaw(redis.host, redis.port, [['DEL', key], ['DEL', warmKey]]);
    }
    const bareRate = median(bareRates);
    const scanRate = median(scanRates);
    const pairRatio = median(scanRates.map((r, k) => r / bareRates[k]!));
    return {
      metrics: [
        { name: 'bare XRANGE loop (median)', value: Math.round(bareRate), unit: 'entries/s' },
        { name: 'bare xrangeBuffer loop, reference (median)', value: Math.round(median(bufferRates)), unit: 'entries/s' },
        { name: 'scanShards (median)', value: Math.round(scanRate), unit: 'entries/s' },
        { name: 'entries scanned', value: entries, unit: 'entries' },
        { name: 'scan / bare, ratio of the median rates (no budget)', value: round3(scanRate / bareRate), unit: 'x' },
        { name: 'scan / bare xrangeBuffer (reference, no budget)', value: round3(scanRate / median(bufferRates)), unit: 'x' },
        { name: 'CPU per entry: bare XRANGE loop (median)', value: round3(median(cpu.bare!)), unit: 'µs' },
        { name: 'CPU per entry: bare xrangeBuffer loop (median)', value: round3(median(cpu.buffer!)), unit: 'µs' },
        { name: 'CPU per entry: scanShards (median)', value: round3(median(cpu.scan!)), unit: 'µs' },
        { name: 'peak RSS of the bench process so far', value: Math.round(peakRssBytes() / 2 ** 20), unit: 'MB' },
      ],
      checks: [
        check('scan / bare entries per second (median of per-round ratios)', round3(pairRatio), '>=', 1.0),
        check('duplicate index bytes per entry', round3(bytesPerEntry), '<', 48),
      ],
      notes: [
        `rounds (entries/s): bare ${bareRates.map((r) => Math.round(r)).join(', ')}; buffer ${bufferRates.map((r) => Math.round(r)).join(', ')}; scan ${scanRates.map((r) => Math.round(r)).join(', ')}`,
      ],
    };
  },
};

export const analyzerBench: BenchCase = {
  name: 'analyzer-10m',
  description: 'ShardAnalyzer alone fed 10,000,000 synthetic entries (the 10M-entry scan budget: < 48 bytes per entry, < 1 GB RSS)',
  async run({ log }) {
    const n = 10_000_000;
    collectGarbage();
    const rssBefore = process.memoryUsage().rss;
    const analyzer = new ShardAnalyzer(0, `${PREFIX}:shard:0`);
    const entry: MeshEntry = { id: '1-0', status: 'ok', t: '1', s: 0, r: '{}' };
    const payload = Buffer.from(encodePayload(event(0), 1n, 0));
    const started = performance.now();
    for (let k = 0; k < n; k++) {
      entry.dedupId = `9f3a12:0:${k - (k % 1000)}:${k % 1000}`;
      payload.writeUInt32LE(k, 8);
      analyzer.add(entry, payload);
    }
    const seconds = (performance.now() - started) / 1000;
    const bytes = analyzer.memoryBytes();
    const rss = process.memoryUsage().rss;
    log(`analyzer: ${n} entries in ${seconds.toFixed(1)} s`);
    return {
      metrics: [
        { name: 'analyzer adds', value: Math.round(n / seconds), unit: 'entries/s' },
        { name: 'analyzer memory', value: Math.round(bytes / 2 ** 20), unit: 'MB' },
        { name: 'RSS growth', value: Math.round((rss - rssBefore) / 2 ** 20), unit: 'MB' },
      ],
      checks: [
        check('bytes per entry (10M)', round3(bytes / n), '<', 48),
        check('peak RSS of the run (MB)', Math.round(peakRssBytes() / 2 ** 20), '<', 1024),
      ],
    };
  },
};

export const publishBench: BenchCase = {
  name: 'publish-10k',
  description: `a ${PUBLISH_EVENTS.toLocaleString('en')}-event test batch through the test publisher (reservation lock, counter written ahead, anchor read, MULTI/EXEC, history record) vs a bare ioredis MULTI/EXEC of the same XADDs; alternating, ${PUBLISH_ROUNDS} rounds, median of the per-round ratios; plus the lock's own cost and EXEC's cost per event and per MB (the EXEC allowance)`,
  async run({ redis, log }) {
    const events = Array.from({ length: PUBLISH_EVENTS }, (_, k) => event(k));
    const home = mkdtempSync(path.join(tmpdir(), 'mesh-bench-home-'));
    const adapter = new MeshAdapter({ url: redis.url, prefix: PREFIX, commandTimeoutMs: 30_000 });
    await adapter.init();
    const history = new BatchHistory(home);
    const publisher = new TestPublisher({
      home,
      adapter,
      sequences: new SequenceStore(path.join(home, 'sequences.json')),
      history,
      profileId: 'bench',
      server: adapter.redactedUrl,
    });
    const bare = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
    await bare.connect();
    const bareKey = `${PREFIX}:shard:2`;
    // The baseline gets its payloads and ids ready-made: only the MULTI/EXEC is timed.
    const payloads = events.map((e, i) => encodePayload(e, 1_700_000_000_000_000_000n + BigInt(i), 2));
    const ids = events.map((_, i) => formatDedupId(NONCE, 2, 0n, i));
    const bareExec = async (key: string, ps: string[]) => {
      const multi = bare.multi();
      for (let i = 0; i < ps.length; i++) multi.xadd(key, '*', 'd', ps[i]!, 'dedup_id', ids[i % ids.length]!);
      const replies = await multi.exec();
      if (!replies || replies.some(([err]) => err)) throw new Error('bare MULTI/EXEC failed');
    };
    const publisherMs: number[] = [];
    const bareMs: number[] = [];
    const lockMs: number[] = [];
    // CPU time of this process per round: hardly moved by other processes competing for the cores
    // or the disk, so it shows what the publisher itself adds.
    const cpu: Record<string, number[]> = { bare: [], publisher: [] };
    let perEventUs: number;
    let perMbMs: number;
    try {
      // Round 0 warms both paths up (JIT, connection buffers) and is not counted.
      for (let round = 0; round <= PUBLISH_ROUNDS; round++) {
        const order = round % 2 === 0 ? ['bare', 'publisher'] : ['publisher', 'bare'];
        for (const which of order) {
          collectGarbage();
          const cpuBefore = process.cpuUsage();
          const started = performance.now();
          if (which === 'bare') {
            await bareExec(bareKey, payloads);
            bareMs.push(performance.now() - started);
            const used = process.cpuUsage(cpuBefore);
            cpu.bare!.push((used.user + used.system) / 1000);
          } else {
            const r = await publisher.publish({ shard: 1, events, nonce: NONCE });
            if (r.outcome !== 'landed') throw new Error('the bench batch did not land');
            publisherMs.push(performance.now() - started);
            const used = process.cpuUsage(cpuBefore);
            cpu.publisher!.push((used.user + used.system) / 1000);
            // The record is written in the background; let it finish outside the timed part so it
            // does not land in the next measurement.
            await history.settled();
          }
        }
        log(`${round === 0 ? 'warm-up' : `round ${round}`}: bare ${bareMs.at(-1)!.toFixed(1)} ms, test publisher ${publisherMs.at(-1)!.toFixed(1)} ms`);
        if (round === 0) {
          bareMs.length = 0;
          publisherMs.length = 0;
          cpu.bare!.length = 0;
          cpu.publisher!.length = 0;
        }
        await sendRaw(redis.host, redis.port, [['DEL', bareKey], ['DEL', `${PREFIX}:shard:1`]]);
      }
      // The reservation lock alone, uncontended: what every batch pays for exactly-once ordinals.
      const lockFile = path.join(home, 'locks', 'bench.lock');
      for (let k = 0; k < 200; k++) {
        const t0 = performance.now();
        (await acquireLock(lockFile)).release();
        lockMs.push(performance.now() - t0);
      }
      // EXEC's own cost per event (small events) and per MB (4 KB events): the allowance's basis.
      perEventUs = (median(bareMs) * 1000) / PUBLISH_EVENTS;
      const big = Array.from({ length: 2000 }, (_, i) => encodePayload(`"${'x'.repeat(4096)}"`, BigInt(i), 2));
      const mb = big.reduce((n, p) => n + p.length, 0) / (1024 * 1024);
      const t0 = performance.now();
      await bareExec(bareKey, big);
      perMbMs = (performance.now() - t0 - (perEventUs * big.length) / 1000) / mb;
      await sendRaw(redis.host, redis.port, [['DEL', bareKey]]);
    } finally {
      bare.disconnect();
      await adapter.shutdown();
      rmSync(home, { recursive: true, force: true });
    }
    const a = median(publisherMs);
    const b = median(bareMs);
    const lock = median(lockMs);
    return {
      metrics: [
        { name: 'bare MULTI/EXEC (median)', value: round3(b), unit: 'ms' },
        { name: 'test publisher, whole path (median)', value: round3(a), unit: 'ms' },
        { name: 'publish / bare, ratio of the medians (no budget)', value: round3(a / b), unit: 'x' },
        { name: 'CPU of this process: bare MULTI/EXEC (median)', value: round3(median(cpu.bare!)), unit: 'ms' },
        { name: 'CPU of this process: test publisher (median)', value: round3(median(cpu.publisher!)), unit: 'ms' },
        { name: 'reservation lock, acquire + release (median of 200)', value: round3(lock), unit: 'ms' },
        { name: 'EXEC cost per small event (bare, median)', value: round3(perEventUs), unit: 'µs' },
        { name: 'EXEC cost per MB of payload beyond that', value: round3(Math.max(0, perMbMs)), unit: 'ms' },
        { name: 'EXEC allowance for 100,000 events of this size', value: execAllowanceMs(100_000, 100_000 * (payloads[0]!.length)), unit: 'ms' },
      ],
      // Each round's pair runs back to back under the same machine load; their ratio is the figure.
      checks: [
        check('publish time / bare time (median of per-round ratios)', round3(median(publisherMs.map((x, k) => x / bareMs[k]!))), '<=', 1.3),
        check('reservation lock cost per batch (ms)', round3(lock), '<', 2),
      ],
      notes: [`rounds (ms): bare ${bareMs.map((x) => x.toFixed(1)).join(', ')}; test publisher ${publisherMs.map((x) => x.toFixed(1)).join(', ')}`],
    };
  },
};

const PARALLEL_ROUNDS = 3;
const PARALLEL_WORKERS = 4;

export const parallelScanBench: BenchCase = {
  name: 'scan-parallel',
  description: `scanShards of a ${SCAN_ENTRIES.toLocaleString('en')}-entry shard with ${PARALLEL_WORKERS} worker threads reading id ranges vs the same scan on one thread; alternating, ${PARALLEL_ROUNDS} rounds, median of the per-round ratios (budget >= 1.6x only where 4+ cores exist)`,
  async run({ redis, log }) {
    const key = `${PREFIX}:shard:3`;
    await sendRaw(redis.host, redis.port, seedCommands(key, 3, SCAN_ENTRIES));
    const adapter = new MeshAdapter({ url: redis.url, prefix: PREFIX, commandTimeoutMs: 30_000, readOnly: true });
    await adapter.init();
    const single: number[] = [];
    const parallel: number[] = [];
    let workersSeen = 0;
    try {
      for (let round = 0; round <= PARALLEL_ROUNDS; round++) {
        const order = round % 2 === 0 ? [0, PARALLEL_WORKERS] : [PARALLEL_WORKERS, 0];
        for (const workers of order) {
          collectGarbage();
          const started = performance.now();
          const result = await scanShards(adapter, {
            shards: [3],
            pageSize: PAGE,
            workers,
            onProgress: (p) => (workersSeen = Math.max(workersSeen, p.workers ?? 0)),
          });
          const rate = (result.shards[0]?.entries ?? 0) / ((performance.now() - started) / 1000);
          // Round 0 warms both up (JIT, worker bundle in the page cache) and is not counted.
          if (round > 0) (workers === 0 ? single : parallel).push(rate);
          log(`${round === 0 ? 'warm-up' : `round ${round}`} ${workers === 0 ? 'one thread' : `${workers} workers`}: ${Math.round(rate).toLocaleString('en')} entries/s`);
        }
      }
    } finally {
      await adapter.shutdown();
      await sendRaw(redis.host, redis.port, [['DEL', key]]);
    }
    const cores = availableParallelism();
    const ratio = round3(median(parallel.map((r, k) => r / single[k]!)));
    const metrics = [
      { name: 'cores (availableParallelism)', value: cores, unit: '' },
      { name: 'one thread (median)', value: Math.round(median(single)), unit: 'entries/s' },
      { name: `${PARALLEL_WORKERS} workers (median)`, value: Math.round(median(parallel)), unit: 'entries/s' },
      { name: 'most workers reading at once', value: workersSeen, unit: '' },
      { name: 'workers / one thread (median of per-round ratios)', value: ratio, unit: 'x' },
    ];
    return {
      metrics,
      // On fewer than 4 cores the workers, the main thread and Redis only take turns: reported, not budgeted.
      checks: cores >= 4 ? [check(`${PARALLEL_WORKERS} workers / one thread (median of per-round ratios)`, ratio, '>=', 1.6)] : [],
      notes: [`rounds (entries/s): one thread ${single.map(Math.round).join(', ')}; ${PARALLEL_WORKERS} workers ${parallel.map(Math.round).join(', ')} (${cores} cores)`],
    };
  },
};

const JSON_ENTRIES = 500_000;
const JSON_ROUNDS = 3;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs `node args` from the repository root; resolves with its wall time and peak RSS (its own getrusage, written on exit). */
function runNode(args: string[]): Promise<{ ms: number; peakRssMb: number; stdout: string }> {
  // Loaded before the program: reports the process's own peak RSS on fd 3 as it exits.
  const probe = `data:text/javascript,${encodeURIComponent("import { writeSync } from 'node:fs'; process.on('exit', () => { try { writeSync(3, String(process.resourceUsage().maxRSS)); } catch {} });")}`;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', probe, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let rss = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (rss += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve({ ms, peakRssMb: Number(rss) / 1024, stdout });
    });
  });
}

/** The bare loop as a whole process: ioredis' plain xrange, COUNT, exclusive cursor, nothing else. */
const BARE_PROCESS = (port: number, key: string) =>
  `const Redis = require('ioredis'); (async () => { const c = new Redis({ port: ${port}, host: '127.0.0.1' }); let s = '-'; let n = 0;
   for (;;) { const p = await c.xrange('${key}', s, '+', 'COUNT', ${PAGE}); if (p.length === 0) break; n += p.length; s = '(' + p[p.length - 1][0]; if (p.length < ${PAGE}) break; }
   c.disconnect(); process.stdout.write(String(n)); })();`;

export const scanJsonBench: BenchCase = {
  name: 'scan-json-500k',
  description: `mesh-inspector scan --json of a ${JSON_ENTRIES.toLocaleString('en')}-entry shard with 100,000 duplicate groups, as a whole process: peak RSS (< 120 MB) and time against a whole-process bare XRANGE loop; alternating, ${JSON_ROUNDS} rounds`,
  async run({ redis, log }) {
    const shard = 4;
    const key = `${PREFIX}:shard:${shard}`;
    // 400 batches of 1000, every fourth written twice: 500,000 entries, 100,000 duplicate groups.
    await sendRaw(redis.host, redis.port, seedCommands(key, shard, JSON_ENTRIES, 4));
    const cli = path.join(repoRoot, 'dist/cli/main.js');
    const cliMs: number[] = [];
    const bareMs: number[] = [];
    const rss: number[] = [];
    let groups = 0;
    try {
      for (let round = 0; round <= JSON_ROUNDS; round++) {
        const order = round % 2 === 0 ? ['bare', 'cli'] : ['cli', 'bare'];
        for (const which of order) {
          if (which === 'cli') {
            const r = await runNode([cli, 'scan', '--shard', String(shard), '--json', '--prefix', PREFIX, '--url', redis.url]);
            groups = (JSON.parse(r.stdout) as { shards: Array<{ duplicateGroups: number }> }).shards[0]?.duplicateGroups ?? 0;
            if (round > 0) {
              cliMs.push(r.ms);
              rss.push(r.peakRssMb);
            }
            log(`${round === 0 ? 'warm-up' : `round ${round}`} scan --json: ${Math.round(r.ms)} ms, peak RSS ${Math.round(r.peakRssMb)} MB`);
          } else {
            const r = await runNode(['-e', BARE_PROCESS(redis.port, key)]);
            if (round > 0) bareMs.push(r.ms);
            log(`${round === 0 ? 'warm-up' : `round ${round}`} bare loop process: ${Math.round(r.ms)} ms`);
          }
        }
      }
    } finally {
      await sendRaw(redis.host, redis.port, [['DEL', key]]);
    }
    const ratio = round3(median(cliMs.map((x, k) => x / bareMs[k]!)));
    return {
      metrics: [
        { name: 'duplicate groups found', value: groups, unit: '' },
        { name: 'scan --json process (median)', value: Math.round(median(cliMs)), unit: 'ms' },
        { name: 'bare XRANGE loop process (median)', value: Math.round(median(bareMs)), unit: 'ms' },
        { name: 'scan --json time / bare loop time, whole processes (median of per-round ratios)', value: ratio, unit: 'x' },
      ],
      checks: [check('scan --json peak RSS, MB (largest round)', Math.round(Math.max(...rss)), '<', 120)],
      notes: [`rounds: scan --json ${cliMs.map(Math.round).join(', ')} ms (peak RSS ${rss.map(Math.round).join(', ')} MB); bare ${bareMs.map(Math.round).join(', ')} ms`],
    };
  },
};

const START_ROUNDS = 15;

/** Runs `node args` from the repository root and resolves with its wall time (ms); rejects on a non-zero exit. */
function timeNode(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.slice(0, 300)}`))));
  });
}

export const cliStartBench: BenchCase = {
  name: 'cli-start',
  description: `whole-process time of mesh-inspector --help, health and read against node -e "require('ioredis')" (PRODUCT.md: at most 1.3x); ${START_ROUNDS} rounds, each round runs all four back to back in a rotating order, median of the per-round ratios`,
  async run({ redis, log }) {
    const key = `${PREFIX}:shard:5`;
    await sendRaw(redis.host, redis.port, seedCommands(key, 5, 1000));
    const cli = path.join(repoRoot, 'bin/mesh-inspector.js');
    const cases: Record<string, string[]> = {
      baseline: ['-e', "require('ioredis')"],
      '--help': [cli, '--help'],
      health: [cli, 'health', '--url', redis.url],
      read: [cli, 'read', '--shard', '5', '--limit', '100', '--prefix', PREFIX, '--url', redis.url],
    };
    const names = Object.keys(cases);
    const ms: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    try {
      // Round 0 warms the page cache (node, ioredis, the bundle) and is not counted.
      for (let round = 0; round <= START_ROUNDS; round++) {
        // Rotate the order so no case always runs right after another particular one.
        const order = names.map((_, k) => names[(k + round) % names.length]!);
        for (const n of order) {
          const t = await timeNode(cases[n]!);
          if (round > 0) ms[n]!.push(t);
        }
      }
    } finally {
      await sendRaw(redis.host, redis.port, [['DEL', key]]);
    }
    const ratio = (n: string) => round3(median(ms[n]!.map((t, k) => t / ms.baseline![k]!)));
    log(names.map((n) => `${n} ${Math.round(median(ms[n]!))} ms`).join(', '));
    return {
      metrics: names.map((n) => ({ name: `${n === 'baseline' ? `node -e "require('ioredis')"` : `mesh-inspector ${n}`} (median)`, value: Math.round(median(ms[n]!)), unit: 'ms' })),
      checks: names.filter((n) => n !== 'baseline').map((n) => check(`${n} / require('ioredis'), whole process (median of per-round ratios)`, ratio(n), '<=', 1.3)),
      notes: names.map((n) => `${n} (ms): ${ms[n]!.map(Math.round).join(', ')}`),
    };
  },
};

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

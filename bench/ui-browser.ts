/**
 * The shard browser's budgets (PRODUCT.md "Budgets"), measured in Chromium through `serve` on a
 * 1,000,000-entry shard:
 * - a page of 500 entries from click to painted rows, p95 under 100 ms on loopback: a click on a
 *   shard in the sidebar (a fresh lane reads its newest 500), a jump to a random place (by
 *   position, stream id and time in turn), and a scrollbar move to a random position (each:
 *   performance.now() at the click, then rows found in a requestAnimationFrame callback, then one
 *   more frame, so the rows have been painted);
 * - scrolling the shard for 10 s with programmatic steps (small scrolls and scrollbar jumps): the
 *   longest long task (PerformanceObserver 'longtask') under 50 ms and the renderer's JS heap
 *   (CDP Performance.getMetrics JSHeapUsedSize, sampled every 250 ms) under 200 MB.
 * The live tail at 20,000 entries/s is its own case (`ui-tail`, below).
 * Timings are taken inside the page, so Playwright's own latency is not counted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { EventName } from '../shared/contract';
import { encodePayload } from '../shared/wire';
import { dispatch } from '../electron/core/dispatch';
import { createService } from '../electron/core/service';
import { pipeline, type Arg } from '../test/helpers/browser-seed';
import { launchChromium, openApp, startServeProcess } from '../test/helpers/e2e';
import { check, percentile, round, scrollScript, type BenchCase } from './harness';

const PREFIX = 'uibench';
const N = 1_000_000;
const SMALL = 100_000;
const BASE = 1_720_000_000_000;
const CLICKS = 30;
const JUMPS = 30;
const DRAGS = 30;
const SCROLL_MS = 10_000;
/** The live-tail phase: a writer at TAIL_RATE entries/s for TAIL_MS while a lane follows the live end. */
const TAIL_RATE = 20_000;
const TAIL_MS = 5000;
const TAIL_TICK_MS = 100;
const JUMP_KINDS = ['position', 'id', 'time'] as const;
type JumpKind = (typeof JUMP_KINDS)[number];

function* seed(shard: number, n: number): Generator<Arg[]> {
  const key = `${PREFIX}:shard:${shard}`;
  for (let k = 0; k < n; k++) {
    const raw = `{"user":"u${k % 9973}","action":"${k % 3 ? 'click' : 'view'}","n":${k},"ok":${k % 2 === 0},"tags":["a","b"]}`;
    yield ['XADD', key, `${BASE + Math.floor(k / 8)}-${k % 8}`, 'd', encodePayload(raw, BigInt(k + 1), shard), 'dedup_id', `bench:${shard}:${k}:0`];
  }
}



/** This bench's scroll (harness.ts scrollScript): 200-2000 px a frame, seeded. */
const SCROLL_SCRIPT = (selector: string, ms: number) => scrollScript(selector, ms, { seed: 20240611, minPx: 200, spanPx: 1800 });

/**
 * The data path without the UI, at the same time on the same machine: the service answering
 * `events:at` (500 entries at a random position, index ready) in this process, no WebSocket and
 * no browser. The part of click-to-paint no renderer can remove.
 */
async function serviceBaseline(url: string, samples: number): Promise<number[]> {
  const home = mkdtempSync(path.join(tmpdir(), 'mesh-bench-svc-'));
  const ready = new Set<number>();
  const service = createService({
    transport: 'serve',
    home,
    appVersion: 'bench',
    secrets: { get: async () => undefined, set: async () => {}, delete: async () => {} },
    sink: (event: EventName, payload: unknown) => {
      const st = payload as { shard: number; state: string };
      if (event === 'index:changed' && st.state === 'ready') ready.add(st.shard);
    },
  });
  try {
    await service.connectUrl(url, PREFIX);
    await dispatch(service.handlers, 'index:status', { shard: 1 });
    const started = Date.now();
    while (!ready.has(1) && Date.now() - started < 180_000) await new Promise((r) => setTimeout(r, 100));
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      const position = Math.floor(Math.random() * (N - 500));
      const t0 = performance.now();
      const env = await dispatch(service.handlers, 'events:at', { shard: 1, position, limit: 500, previewChars: 2048 });
      // What serve does with it: one JSON text for the socket.
      JSON.stringify(env);
      out.push(performance.now() - t0);
    }
    return out;
  } finally {
    await service.dispose();
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * Appends to `shard` at `rate` entries/s for `ms`: every TAIL_TICK_MS one pipelined burst of
 * rate/10 XADDs (auto ids, producer-format payloads), paced against the clock so a slow burst
 * does not lower the rate. Resolves with the number written.
 */
async function tailWriter(host: string, port: number, shard: number, rate: number, ms: number): Promise<{ written: number; lastWriteAt: number; lastWriteWall: number }> {
  const key = `${PREFIX}:shard:${shard}`;
  const perTick = Math.round((rate * TAIL_TICK_MS) / 1000);
  const started = performance.now();
  let written = 0;
  let lastWriteAt = started;
  let lastWriteWall = Date.now();
  for (let tick = 0; (tick + 1) * TAIL_TICK_MS <= ms; tick++) {
    const from = written;
    await pipeline(host, port, (function* () {
      for (let k = from; k < from + perTick; k++) {
        yield ['XADD', key, '*', 'd', encodePayload(`{"live":${k},"user":"u${k % 9973}"}`, BigInt(k + 1), shard), 'dedup_id', `tail:${shard}:${k}:0`] as Arg[];
      }
    })());
    written += perTick;
    // Redis has answered every XADD of the burst: its entries are in the stream now.
    lastWriteAt = performance.now();
    lastWriteWall = Date.now();
    const next = started + (tick + 1) * TAIL_TICK_MS;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return { written, lastWriteAt, lastWriteWall };
}

/**
 * The floor any implementation stands on, measured on this machine at the same time: a static
 * page with the same scroll height and row geometry, whose ~80 rows are re-filled by plain DOM
 * code (no framework, no data fetching) on every scroll event. Its frames and long tasks say how
 * much of the app's figures is the machine (CPU contention, software rendering) and how much is
 * the app.
 */
async function bareDomBaseline(page: Page, ms: number): Promise<{ frames: number; longest: number; longTasks: number }> {
  await page.setContent(`<!doctype html><html><head><style>
    body{margin:0;font:12px ui-monospace,'DejaVu Sans Mono',monospace;background:#0d0f13;color:#e4e7ec}
    #s{height:820px;overflow-y:auto;contain:strict}
    #c{position:relative;height:${N * 28}px}
    .r{position:absolute;left:0;width:100%;height:28px;display:grid;grid-template-columns:198px 178px 230px 128px 1fr;align-items:center;contain:strict;border-bottom:1px solid #22262e}
    .r div{padding:0 10px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
  </style></head><body><div id="s"><div id="c"></div></div></body></html>`);
  return page.evaluate(`(async () => {
    const s = document.getElementById('s'), c = document.getElementById('c');
    const rows = [];
    for (let i = 0; i < 80; i++) {
      const r = document.createElement('div'); r.className = 'r';
      for (let k = 0; k < 5; k++) r.appendChild(document.createElement('div'));
      c.appendChild(r); rows.push(r);
    }
    const fill = () => {
      const first = Math.max(0, Math.floor(s.scrollTop / 28) - 24);
      rows.forEach((r, i) => {
        const p = first + i;
        r.style.transform = 'translateY(' + p * 28 + 'px)';
        r.children[0].textContent = '2024-06-11 10:00:' + String(p % 60).padStart(2, '0') + '.' + String(p % 1000).padStart(3, '0');
        r.children[1].textContent = (1720000000000 + Math.floor(p / 8)) + '-' + (p % 8);
        r.children[2].textContent = 'bench:1:' + p + ':0';
        r.children[4].textContent = '{"user":"u' + (p % 9973) + '","action":"click","n":' + p + ',"ok":true,"tags":["a","b"]}';
      });
    };
    s.addEventListener('scroll', fill, { passive: true });
    fill();
    const lt = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) lt.push(e.duration); }).observe({ type: 'longtask' });
    const frames = await ${SCROLL_SCRIPT('#s', ms)};
    await new Promise((r) => setTimeout(r, 300));
    return { frames, longest: lt.length ? Math.max(...lt) : 0, longTasks: lt.length };
  })()`);
}

type Act = { click: string } | { submit: string } | { scroll: string; top: number };

/**
 * `MESH_ROW_WINDOW=tanstack`: the page's lanes run on @tanstack/react-virtual instead of the own
 * row window (renderer/src/lib/use-row-window.ts), for bench `lane-virtual`.
 */
async function chooseRowWindow(page: Page): Promise<void> {
  const choice = process.env.MESH_ROW_WINDOW;
  if (choice) await page.addInitScript((c) => localStorage.setItem('mesh.rowWindow', c), choice);
}

/** In the page: do `act`, then resolve with the ms until `selector` matches and one more frame was painted. */
async function timeToPaint(page: Page, act: Act, selector: string): Promise<number> {
  return page.evaluate(
    ({ act, selector }) =>
      new Promise<number>((resolve, reject) => {
        const t0 = performance.now();
        if ('click' in act) (document.querySelector(act.click) as HTMLElement).click();
        else if ('submit' in act) (document.querySelector(act.submit) as HTMLInputElement).form?.requestSubmit();
        else (document.querySelector(act.scroll) as HTMLElement).scrollTop = act.top;
        const deadline = t0 + 10_000;
        const poll = () => {
          if (document.querySelector(selector)) requestAnimationFrame(() => resolve(performance.now() - t0));
          else if (performance.now() > deadline) reject(new Error(`${selector} did not appear`));
          else requestAnimationFrame(poll);
        };
        requestAnimationFrame(poll);
      }),
    { act, selector },
  );
}

export const uiBrowserBench: BenchCase = {
  name: 'ui-browser',
  description: `shard browser in Chromium through serve: page of 500 click-to-painted-rows p95, and ${SCROLL_MS / 1000} s of scrolling a ${N.toLocaleString('en')}-entry shard (longest long task, JS heap)`,
  async run({ redis, log }) {
    log(`seeding ${PREFIX}:shard:1 (${N.toLocaleString('en')}) and :2 (${SMALL.toLocaleString('en')})`);
    await pipeline(redis.host, redis.port, seed(1, N));
    await pipeline(redis.host, redis.port, seed(2, SMALL));
    const svc = await serviceBaseline(redis.url, 30);
    log(`service events:at (500, in process): p50 ${round(percentile(svc, 50))} ms, p95 ${round(percentile(svc, 95))} ms`);
    const home = mkdtempSync(path.join(tmpdir(), 'mesh-bench-home-'));
    const serve = await startServeProcess({ home, url: redis.url, prefix: PREFIX });
    const browser = await launchChromium();
    try {
      const app = await openApp(browser, serve.url, { viewport: { width: 1440, height: 900 }, beforeGoto: chooseRowWindow });
      const { page } = app;
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      const heapMb = async () => {
        const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
        return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / (1024 * 1024);
      };

      // Both shards indexed first: the budgets are for a browser whose index is built.
      for (const shard of [2, 1]) {
        await page.locator(`[data-shard="${shard}"]`).click();
        await page.locator(`[data-lane-shard="${shard}"] [data-index-state="ready"]`).waitFor({ timeout: 180_000 });
      }
      log('indexes ready');

      // 1. Sidebar click → a fresh lane's newest 500 painted.
      const clicks: number[] = [];
      const reads: number[] = [];
      for (let i = 0; i < CLICKS; i++) {
        const shard = i % 2 === 0 ? 2 : 1;
        const n = shard === 1 ? N : SMALL;
        clicks.push(await timeToPaint(page, { click: `[data-shard="${shard}"]` }, `[data-lane-shard="${shard}"] [data-entry-id][data-position="${n - 1}"]`));
        await page.locator(`[data-lane-shard="${shard}"] [data-live="on"]`).waitFor();
        reads.push(Number(await page.locator(`[data-lane-shard="${shard}"] [data-page-ms]`).first().getAttribute('data-page-ms')));
      }
      log(`sidebar click: p50 ${round(percentile(clicks, 50))} ms, p95 ${round(percentile(clicks, 95))} ms`);

      // 2. Jump box → a random place's page painted: by position, by stream id and by time in turn
      // (an id or a time is located in the core first).
      const jumps: number[] = [];
      const jumpsBy: Record<JumpKind, number[]> = { position: [], id: [], time: [] };
      const jump = page.locator('[data-lane-shard="1"] [data-jump-input]');
      for (let i = 0; i < JUMPS; i++) {
        const kind = JUMP_KINDS[i % JUMP_KINDS.length] as JumpKind;
        let pos = Math.floor(Math.random() * (N - 1000)) + 500;
        // Entry k has id (BASE + floor(k / 8))-(k % 8): a time lands on the first entry of its ms.
        if (kind === 'time') pos -= pos % 8;
        const text = kind === 'position' ? `#${pos}` : kind === 'id' ? `${BASE + Math.floor(pos / 8)}-${pos % 8}` : new Date(BASE + pos / 8).toISOString();
        await jump.fill(text);
        const ms = await timeToPaint(page, { submit: '[data-lane-shard="1"] [data-jump-input]' }, `[data-lane-shard="1"] [data-entry-id][data-position="${pos}"]`);
        jumps.push(ms);
        jumpsBy[kind].push(ms);
      }
      log(
        `jump: p50 ${round(percentile(jumps, 50))} ms, p95 ${round(percentile(jumps, 95))} ms (${JUMP_KINDS.map((k) => `${k} p50 ${round(percentile(jumpsBy[k], 50))}`).join(', ')})`,
      );

      // 3. Scrollbar moved to a random place → that region's rows painted.
      const drags: number[] = [];
      for (let i = 0; i < DRAGS; i++) {
        const frac = Math.random();
        // Newest first: row r shows position N-1-r.
        const row = Math.floor(frac * (N - 40));
        drags.push(
          await timeToPaint(
            page,
            { scroll: '[data-lane-shard="1"] [data-event-list]', top: row * 28 },
            `[data-lane-shard="1"] [data-entry-id][data-position="${N - 1 - row - 5}"]`,
          ),
        );
      }
      log(`scrollbar: p50 ${round(percentile(drags, 50))} ms, p95 ${round(percentile(drags, 95))} ms`);

      // 4. Ten seconds of scrolling: small steps each frame, a scrollbar jump now and then.
      await page.evaluate(() => {
        const w = window as unknown as { __lt: number[] };
        w.__lt = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) w.__lt.push(e.duration);
        }).observe({ type: 'longtask' });
      });
      await cdp.send('HeapProfiler.collectGarbage');
      const heapBefore = await heapMb();
      let heapMax = heapBefore;
      const sampler = setInterval(() => {
        void heapMb().then((h) => (heapMax = Math.max(heapMax, h)));
      }, 250);
      const frames = (await page.evaluate(SCROLL_SCRIPT('[data-lane-shard="1"] [data-event-list]', SCROLL_MS))) as number;
      // What the person sees when the scrolling stops: the rows of the final position arrive.
      await page.waitForFunction(() => {
        const el = document.querySelector('[data-lane-shard="1"] [data-event-list]');
        return el !== null && el.querySelectorAll('[data-placeholder]').length === 0;
      }, undefined, { timeout: 10_000 });
      const scroll = { frames };
      clearInterval(sampler);
      heapMax = Math.max(heapMax, await heapMb());
      const longTasks = await page.evaluate(() => (window as unknown as { __lt: number[] }).__lt);
      const longest = longTasks.length ? Math.max(...longTasks) : 0;
      log(`scroll: ${scroll.frames} frames, ${longTasks.length} long tasks (longest ${round(longest)} ms), heap ${round(heapBefore)} → max ${round(heapMax)} MB`);
      const problems = app.problems;
      await app.close();

      const bare = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      const base = await bareDomBaseline(bare, SCROLL_MS);
      await bare.close();
      log(`bare-DOM baseline: ${base.frames} frames, ${base.longTasks} long tasks (longest ${round(base.longest)} ms)`);

      const clickP95 = percentile(clicks, 95);
      const jumpP95 = percentile(jumps, 95);
      const dragP95 = percentile(drags, 95);
      return {
        metrics: [
          { name: 'sidebar click → newest 500 painted (p50)', value: round(percentile(clicks, 50)), unit: 'ms' },
          { name: '  of which the page read, request to answer in the page (p50)', value: round(percentile(reads, 50)), unit: 'ms' },
          { name: 'jump to a position, id or time → page painted (p50)', value: round(percentile(jumps, 50)), unit: 'ms' },
          { name: 'scrollbar to a position → rows painted (p50)', value: round(percentile(drags, 50)), unit: 'ms' },
          { name: 'scroll frames in 10 s', value: scroll.frames, unit: 'frames' },
          { name: 'long tasks while scrolling', value: longTasks.length, unit: 'tasks' },
          { name: 'JS heap before scrolling', value: round(heapBefore), unit: 'MB' },
          { name: 'baseline: service events:at 500 in process (p95)', value: round(percentile(svc, 95)), unit: 'ms' },
          { name: 'bare-DOM baseline: scroll frames in 10 s', value: base.frames, unit: 'frames' },
          { name: 'bare-DOM baseline: longest long task', value: round(base.longest), unit: 'ms' },
        ],
        checks: [
          check('page of 500, sidebar click to painted rows p95 (ms)', round(clickP95), '<', 100),
          check('page of 500, jump to painted rows p95 (ms)', round(jumpP95), '<', 100),
          check('page of 500, scrollbar move to painted rows p95 (ms)', round(dragP95), '<', 100),
          check('longest long task while scrolling 10 s (ms)', round(longest), '<', 50),
          check('renderer JS heap while scrolling, max (MB)', round(heapMax), '<', 200),
        ],
        notes: [
          `click samples (ms): ${clicks.map(round).join(', ')}`,
          `jump samples (ms, position/id/time in turn): ${jumps.map(round).join(', ')}`,
          `scrollbar samples (ms): ${drags.map(round).join(', ')}`,
          `long tasks while scrolling (ms): ${longTasks.map(round).join(', ') || 'none'}`,
          `bare-DOM baseline on this machine at the same time: ${base.frames} frames, ${base.longTasks} long tasks, longest ${round(base.longest)} ms (app/baseline frames ${round(scroll.frames / Math.max(1, base.frames))})`,
          ...(problems.length ? [`page problems: ${problems.join(' | ')}`] : []),
        ],
      };
    } finally {
      await browser.close().catch(() => {});
      await serve.stop();
      rmSync(home, { recursive: true, force: true });
    }
  },
};

const TAIL_ROUNDS = 3;

/**
 * One live-tail round on an open app whose lane of `shard` follows the live end: a writer appends
 * TAIL_RATE entries/s for TAIL_MS; long tasks and frames while it runs, then how long after its
 * last entry was written that entry is on screen. `profile` records the renderer's CPU profile of the
 * round (CDP Profiler) and a timeline trace beside it, to see where the time goes.
 */
async function tailRound(
  page: Page,
  redis: { host: string; port: number },
  shard: number,
  length: number,
  profile?: string,
): Promise<{ written: number; rate: number; frames: number; longTasks: number[]; lagMs: number; pushLagMs: number; pushes: number; maxPush: number }> {
  const lane = `[data-lane-shard="${shard}"]`;
  await page.locator(`${lane} [data-live="on"]`).waitFor();
  // Following the live end: the newest entry is painted at the top before the writer starts.
  await page.locator(`${lane} [data-entry-id][data-position="${length - 1}"]`).waitFor();
  const cdp = profile ? await page.context().newCDPSession(page) : null;
  const browser = page.context().browser();
  if (cdp && profile && browser) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
    await cdp.send('Profiler.start');
    // And a timeline trace: where the main thread's time goes outside JS (style, layout, paint, parsing).
    await browser.startTracing(page, { path: profile.replace(/\.cpuprofile$/, '.trace.json'), categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8'] });
  }
  await page.evaluate(() => {
    const w = window as unknown as { __tailLt: number[]; __frames: number; __counting: boolean };
    w.__tailLt = [];
    w.__frames = 0;
    w.__counting = true;
    const once = window as unknown as { __tailObserved?: boolean };
    if (!once.__tailObserved) {
      // One observer for every round (a second one would report each long task twice).
      once.__tailObserved = true;
      new PerformanceObserver((list) => {
        if (!w.__counting) return;
        for (const e of list.getEntries()) w.__tailLt.push(e.duration);
      }).observe({ type: 'longtask' });
    }
    const count = () => {
      w.__frames++;
      if (w.__counting) requestAnimationFrame(count);
    };
    requestAnimationFrame(count);
  });
  const started = performance.now();
  const { written, lastWriteAt, lastWriteWall } = await tailWriter(redis.host, redis.port, shard, TAIL_RATE, TAIL_MS);
  const seconds = (performance.now() - started) / 1000;
  // Lag is counted from the moment the last entry was in the stream (the writer's last burst
  // answered), not from the end of its last 100 ms slot.
  const writerDone = lastWriteAt;
  const writerDoneWall = lastWriteWall;
  const newest = `${lane} [data-entry-id][data-position="${length + written - 1}"]`;
  try {
    await page.locator(newest).waitFor({ timeout: 30_000 });
  } catch (e) {
    const top = await page.locator(`${lane} [data-entry-id]`).evaluateAll((rows) => rows.slice(0, 3).map((r) => `${r.getAttribute('data-position')}:${r.getAttribute('data-entry-id')}`));
    await page.screenshot({ path: path.join(tmpdir(), 'mesh-bench-tail-failure.png') });
    throw new Error(`live tail: the newest entry never showed; top rows ${top.join(' | ')}, ${written} written (screenshot in ${tmpdir()})`, { cause: e });
  }
  const lagMs = performance.now() - writerDone;
  const got = await page.evaluate(() => {
    const w = window as unknown as { __tailLt: number[]; __frames: number; __counting: boolean; __pushes?: Array<[number, number, string]> };
    w.__counting = false;
    const pushes = (w.__pushes ?? []).splice(0);
    return { longTasks: w.__tailLt, frames: w.__frames, pushes };
  });
  // The push that carried the newest entry: when it reached the page, against the writer's end.
  const newestId = await page.locator(newest).getAttribute('data-entry-id');
  const carrier = got.pushes.find((x) => x[2] === newestId);
  const pushLagMs = carrier ? carrier[0] - writerDoneWall : NaN;
  const pushSizes = got.pushes.map((x) => x[1]);
  if (cdp && profile && browser) {
    await browser.stopTracing();
    const { profile: data } = (await cdp.send('Profiler.stop')) as { profile: unknown };
    writeFileSync(profile, JSON.stringify(data));
    await cdp.detach();
  }
  return { written, rate: written / seconds, frames: got.frames, longTasks: got.longTasks, lagMs, pushLagMs, pushes: pushSizes.length, maxPush: pushSizes.length ? Math.max(...pushSizes) : 0 };
}

/**
 * The floor of the tail case on this machine at the same time: a static page with the lane's row
 * geometry whose ~40 visible rows all get new texts on every frame for `ms` (what a newest-first
 * lane at the live end does at most once per frame; the app does it once per push), no framework,
 * no data. Its long tasks say how much of the app's are the machine.
 */
async function bareTailBaseline(page: Page, ms: number): Promise<{ frames: number; longest: number; longTasks: number }> {
  await page.setContent(`<!doctype html><html><head><style>
    body{margin:0;font:12px ui-monospace,'DejaVu Sans Mono',monospace;background:#0d0f13;color:#e4e7ec}
    #s{height:820px;overflow-y:auto;contain:strict}
    .r{position:absolute;left:0;width:100%;height:28px;display:grid;grid-template-columns:198px 178px 230px 128px 1fr;align-items:center;contain:strict;border-bottom:1px solid #22262e}
    .r div{padding:0 10px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
  </style></head><body><div id="s"><div id="c" style="position:relative;height:${SMALL * 28}px"></div></div></body></html>`);
  return page.evaluate(`(async () => {
    const c = document.getElementById('c');
    const rows = [];
    for (let i = 0; i < 40; i++) {
      const r = document.createElement('div'); r.className = 'r'; r.style.transform = 'translateY(' + i * 28 + 'px)';
      for (let k = 0; k < 5; k++) r.appendChild(document.createElement('div'));
      c.appendChild(r); rows.push(r);
    }
    const lt = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) lt.push(e.duration); }).observe({ type: 'longtask' });
    let n = 0, frames = 0;
    const start = performance.now();
    await new Promise((resolve) => {
      const step = () => {
        frames++;
        n += 333;
        rows.forEach((r, i) => {
          const k = n - i;
          r.children[0].textContent = '2024-06-11 10:00:' + String(k % 60).padStart(2, '0') + '.' + String(k % 1000).padStart(3, '0');
          r.children[1].textContent = (1720000000000 + Math.floor(k / 8)) + '-' + (k % 8);
          r.children[2].textContent = 'tail:2:' + k + ':0';
          r.children[4].textContent = '{"live":' + k + ',"user":"u' + (k % 9973) + '"}';
        });
        if (performance.now() - start < ${ms}) requestAnimationFrame(step); else resolve();
      };
      requestAnimationFrame(step);
    });
    await new Promise((r) => setTimeout(r, 300));
    return { frames, longest: lt.length ? Math.max(...lt) : 0, longTasks: lt.length };
  })()`);
}

export const uiTailBench: BenchCase = {
  name: 'ui-tail',
  description: `a lane following a live tail at ${TAIL_RATE.toLocaleString('en')} entries/s for ${TAIL_MS / 1000} s in Chromium through serve (${TAIL_ROUNDS} rounds): longest long task (< 50 ms) and the writer’s last entry on screen after it was written (<= 100 ms); $MESH_BENCH_TAIL_PROFILE=<dir> saves the renderer's CPU profile of each round`,
  async run({ redis, log }) {
    const shard = 2;
    // A fresh stream (the ui-browser case, run before this one, leaves its own behind).
    await pipeline(redis.host, redis.port, [['DEL', `${PREFIX}:shard:${shard}`]]);
    await pipeline(redis.host, redis.port, seed(shard, SMALL));
    const home = mkdtempSync(path.join(tmpdir(), 'mesh-bench-home-'));
    const profileDir = process.env.MESH_BENCH_TAIL_PROFILE;
    // With a profile folder, serve writes its own CPU profile there when it exits.
    const serve = await startServeProcess({ home, url: redis.url, prefix: PREFIX, ...(profileDir ? { env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } } : {}) });
    const browser = await launchChromium();
    const rounds: Awaited<ReturnType<typeof tailRound>>[] = [];
    try {
      const app = await openApp(browser, serve.url, {
        viewport: { width: 1440, height: 900 },
        // Every tail push as it reaches the page (wall clock, entries, newest id): tells the
        // server's share of the lag from the page's.
        beforeGoto: async (p) => {
          await chooseRowWindow(p);
          await p.addInitScript(() => {
            const pushes: Array<[number, number, string]> = [];
            (window as unknown as { __pushes: typeof pushes }).__pushes = pushes;
            const Native = window.WebSocket;
            window.WebSocket = class extends Native {
              constructor(url: string | URL, protocols?: string | string[]) {
                super(url, protocols);
                this.addEventListener('message', (ev: MessageEvent) => {
                  // Cheap on purpose (this runs in the page being measured): the push's size in
                  // bytes and its newest id, found from the end, never a scan of every entry.
                  const text = ev.data as unknown;
                  if (typeof text !== 'string' || !text.startsWith('{"type":"event","event":"tail:entries"')) return;
                  const at = text.lastIndexOf('"id":"');
                  pushes.push([Date.now(), text.length, at < 0 ? '' : text.slice(at + 6, text.indexOf('"', at + 6))]);
                });
              }
            };
          });
        },
      });
      const { page } = app;
      await page.locator(`[data-shard="${shard}"]`).click();
      await page.locator(`[data-lane-shard="${shard}"] [data-index-state="ready"]`).waitFor({ timeout: 180_000 });
      let length = SMALL;
      for (let r = 0; r < TAIL_ROUNDS; r++) {
        const round_ = await tailRound(page, redis, shard, length, profileDir ? path.join(profileDir, `tail-round-${r + 1}.cpuprofile`) : undefined);
        length += round_.written;
        rounds.push(round_);
        const longest = round_.longTasks.length ? Math.max(...round_.longTasks) : 0;
        log(
          `round ${r + 1}: ${round_.written} entries at ${Math.round(round_.rate)}/s, ${round_.frames} frames, ${round_.longTasks.length} long tasks (longest ${round(longest)} ms), newest on screen ${round(round_.lagMs)} ms after it was written (its push reached the page after ${round(round_.pushLagMs)} ms; ${round_.pushes} pushes, largest ${Math.round(round_.maxPush / 1024)} KB)`,
        );
      }
      const problems = app.problems;
      await app.close();
      const bare = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      const base = await bareTailBaseline(bare, TAIL_MS);
      await bare.close();
      log(`bare-DOM baseline: ${base.frames} frames, ${base.longTasks} long tasks (longest ${round(base.longest)} ms)`);
      const longest = rounds.map((x) => (x.longTasks.length ? Math.max(...x.longTasks) : 0));
      const lags = rounds.map((x) => x.lagMs);
      const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
      return {
        metrics: [
          { name: `writer rate achieved (target ${TAIL_RATE.toLocaleString('en')}/s, median)`, value: Math.round(mid(rounds.map((x) => x.rate))), unit: 'entries/s' },
          { name: 'frames painted while the writer ran (median)', value: mid(rounds.map((x) => x.frames)), unit: 'frames' },
          { name: 'long tasks while the writer ran (median)', value: mid(rounds.map((x) => x.longTasks.length)), unit: 'tasks' },
          { name: 'longest long task, worst round', value: round(Math.max(...longest)), unit: 'ms' },
          { name: 'bare-DOM baseline (40 rows re-filled every frame): longest long task', value: round(base.longest), unit: 'ms' },
          { name: 'bare-DOM baseline: long tasks, frames', value: base.longTasks, unit: `tasks; ${base.frames} frames` },
          { name: 'newest entry’s push reached the page after it was written (median)', value: round(mid(rounds.map((x) => x.pushLagMs))), unit: 'ms' },
          { name: 'tail pushes per round (median), largest push', value: mid(rounds.map((x) => x.pushes)), unit: `pushes; ${Math.round(Math.max(...rounds.map((x) => x.maxPush)) / 1024)} KB` },
        ],
        checks: [
          // The median round: one round on a shared two-core machine can catch a neighbour's burst.
          check('longest long task while tailing, median round (ms)', round(mid(longest)), '<', 50),
          check('newest entry on screen after it was written (the writer’s last entry), median round (ms)', round(mid(lags)), '<=', 100),
        ],
        notes: [
          ...rounds.map((x, k) => `round ${k + 1}: long tasks (ms) ${x.longTasks.map(round).join(', ') || 'none'}; newest on screen after ${round(x.lagMs)} ms; ${x.frames} frames`),
          ...(problems.length ? [`page problems: ${problems.join(' | ')}`] : []),
        ],
      };
    } finally {
      await browser.close().catch(() => {});
      await serve.stop();
      rmSync(home, { recursive: true, force: true });
    }
  },
};

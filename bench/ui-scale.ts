/**
 * The shard sidebar at scale (issue 14), in Chromium through `serve`, at 5,000 and 65,536 shards of
 * 10 entries each (seeded with pipelined XADDs):
 * - first paint: from the shard list's arrival in the page (the WebSocket message, seen before the
 *   app handles it) to the sidebar's rows painted; budget 500 ms. The time from navigation is
 *   reported beside it (it includes discovery in the core, which the sidebar does not control);
 * - DOM nodes of the whole page with the sidebar filled; budget 2,000;
 * - 10 s idle (nobody touches the page; the sidebar refreshes twice, its ages tick): long tasks
 *   over 50 ms; budget none. The shard list messages received meanwhile and their bytes are reported
 *   (deltas: an unchanged bus sends no shard);
 * - 10 s of scrolling the sidebar (steps each frame, a jump now and then): the longest long task,
 *   budget under 50 ms; frames reported;
 * - a click on the last shard (at the bottom of the scrolled sidebar) → its rows painted, p95 under
 *   150 ms (the last and second-to-last shard in turn, so each click opens a different shard).
 * Timings are taken inside the page (performance.now, requestAnimationFrame), so Playwright's own
 * latency is not counted; long tasks come from PerformanceObserver('longtask').
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { encodePayload } from '../shared/wire';
import { pipeline, type Arg } from '../test/helpers/browser-seed';
import { launchChromium, openApp, startServeProcess } from '../test/helpers/e2e';
import { check, percentile, round, scrollScript, type BenchCase, type BenchCheck, type BenchMetric } from './harness';

const SIZES = [5000, 65_536];
const ENTRIES = 10;
const IDLE_MS = 10_000;
const SCROLL_MS = 10_000;
const CLICKS = 20;
const BASE = 1_730_000_000_000;

function* seed(prefix: string, shards: number): Generator<Arg[]> {
  for (let s = 0; s < shards; s++) {
    const key = `${prefix}:shard:${s}`;
    for (let k = 0; k < ENTRIES; k++) {
      yield ['XADD', key, `${BASE + s}-${k}`, 'd', encodePayload(`{"shard":${s},"n":${k},"kind":"bench"}`, BigInt(k + 1), s), 'dedup_id', `scale:${s}:${k}:0`];
    }
  }
}



/**
 * Page script run before the app loads: long tasks into `__lt` (with their start), and every
 * WebSocket message that carries a shard list (its arrival time and size) into `__lists`.
 */
const INSTRUMENT = `(() => {
  window.__lt = [];
  window.__lists = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__lt.push({ at: e.startTime, ms: e.duration }); }).observe({ type: 'longtask', buffered: true });
  // The first sidebar rows: one frame after they are in the DOM, they have been painted.
  const mo = new MutationObserver(() => {
    if (window.__rowsPaintedAt === undefined && document.querySelector('[data-shard-list] [data-shard-row]')) {
      window.__rowsPaintedAt = null;
      mo.disconnect();
      requestAnimationFrame(() => { window.__rowsPaintedAt = performance.now(); });
    }
  });
  mo.observe(document, { childList: true, subtree: true });
  const Base = window.WebSocket;
  window.WebSocket = class extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        // An answer (not an event) whose value is a shard list.
        if (typeof e.data === 'string' && e.data.startsWith('{"type":"result"') && e.data.slice(0, 200).includes('"value":{"prefix":') && e.data.includes('"skipped":[')) {
          window.__lists.push({ at: performance.now(), bytes: e.data.length });
        }
      });
    }
  };
})()`;

/** This bench's scroll (harness.ts scrollScript): 150-1500 px a frame, seeded. */
const SCROLL_SCRIPT = (selector: string, ms: number) => scrollScript(selector, ms, { seed: 20261205, minPx: 150, spanPx: 1350 });

/**
 * The machine's floor at the same time: a static page with a sidebar-sized scroller of `n` rows of
 * the same height, whose ~20 rows (a dozen text nodes each) are re-filled by plain DOM code on every
 * scroll event, scrolled exactly as the app's sidebar. Its long tasks are CPU contention and
 * software rendering, not the app.
 */
async function bareDomBaseline(page: Page, n: number, ms: number): Promise<{ frames: number; longest: number; longTasks: number }> {
  await page.setContent(`<!doctype html><html><head><style>
    body{margin:0;font:12px ui-monospace,'DejaVu Sans Mono',monospace;background:#0d0f13;color:#e4e7ec}
    #s{width:288px;height:760px;overflow-y:auto}
    #c{position:relative;height:${n * 66}px}
    .r{position:absolute;left:0;width:100%;height:66px;contain:strict;display:flex;flex-direction:column;padding:6px 10px}
    .r div{display:flex;gap:8px;white-space:nowrap;overflow:hidden}
  </style></head><body><div id="s"><div id="c"></div></div></body></html>`);
  return page.evaluate(`(async () => {
    const s = document.getElementById('s'), c = document.getElementById('c');
    const rows = [];
    for (let i = 0; i < 20; i++) {
      const r = document.createElement('div'); r.className = 'r';
      for (let k = 0; k < 3; k++) { const line = document.createElement('div'); for (let j = 0; j < 3; j++) line.appendChild(document.createElement('span')); r.appendChild(line); }
      c.appendChild(r); rows.push(r);
    }
    const fill = () => {
      const first = Math.max(0, Math.floor(s.scrollTop / 66) - 4);
      rows.forEach((r, i) => {
        const p = first + i;
        r.style.transform = 'translateY(' + p * 66 + 'px)';
        const t = r.querySelectorAll('span');
        t[0].textContent = '#' + p; t[1].textContent = 'bench:shard:' + p; t[2].textContent = '10';
        t[3].textContent = '2024-10-27 03:33:' + String(p % 60).padStart(2, '0'); t[6].textContent = 'last ' + (p % 59) + 's ago'; t[8].textContent = 'idle';
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

interface PageLists {
  __rowsPaintedAt?: number | null;
  __lt: Array<{ at: number; ms: number }>;
  __lists: Array<{ at: number; bytes: number }>;
}

/** In the page: click `selector`, resolve with the ms until `until` matches and one more frame was painted. */
function clickToPaint(page: Page, selector: string, until: string): Promise<number> {
  return page.evaluate(
    ({ selector, until }) =>
      new Promise<number>((resolve, reject) => {
        const t0 = performance.now();
        (document.querySelector(selector) as HTMLElement).click();
        const poll = () => {
          if (document.querySelector(until)) requestAnimationFrame(() => resolve(performance.now() - t0));
          else if (performance.now() - t0 > 10_000) reject(new Error(`${until} did not appear`));
          else requestAnimationFrame(poll);
        };
        requestAnimationFrame(poll);
      }),
    { selector, until },
  );
}

async function measure(page: Page, n: number, log: (l: string) => void): Promise<{ metrics: BenchMetric[]; checks: BenchCheck[]; notes: string[] }> {
  const label = n.toLocaleString('en');
  // First paint: rows on screen, then one frame.
  await page.locator('[data-shard-list] [data-shard-row]').first().waitFor({ timeout: 120_000 });
  await page.waitForFunction(() => typeof (window as unknown as { __rowsPaintedAt?: number | null }).__rowsPaintedAt === 'number');
  const paint = await page.evaluate(() => {
    const w = window as unknown as PageLists & { __rowsPaintedAt: number };
    // The list that was painted: the last to arrive before the rows were.
    const before = w.__lists.filter((l) => l.at <= w.__rowsPaintedAt);
    const list = before[before.length - 1] ?? { at: NaN, bytes: 0 };
    return { paintedAt: w.__rowsPaintedAt, listAt: list.at, bytes: list.bytes };
  });
  const firstPaint = paint.paintedAt - paint.listAt;
  const nodes = await page.evaluate(() => document.querySelectorAll('*').length);
  const shown = Number(await page.locator('[data-shard-count]').getAttribute('data-shard-count'));
  log(`${label}: list ${round(paint.bytes / 1024)} KB at ${round(paint.listAt)} ms, rows painted ${round(firstPaint)} ms later; ${nodes} DOM nodes; sidebar says ${shown} shards`);

  // The rest of the list (pages after the first) is in before the idle time starts.
  await page.locator(`[data-shard-count="${n}"]`).waitFor({ timeout: 60_000 });
  const lists = await page.evaluate(() => (window as unknown as PageLists).__lists.length);
  // Idle: nobody touches the page for IDLE_MS.
  const idleFrom = await page.evaluate(() => performance.now());
  await page.waitForTimeout(IDLE_MS);
  const idle = await page.evaluate((from) => {
    const w = window as unknown as PageLists;
    return { lt: w.__lt.filter((t) => t.at >= from).map((t) => t.ms), lists: w.__lists.filter((l) => l.at >= from).map((l) => l.bytes) };
  }, idleFrom);
  log(`${label}: idle ${IDLE_MS / 1000} s: ${idle.lt.length} long tasks (${idle.lt.map(round).join(', ') || 'none'}), ${idle.lists.length} list messages (${idle.lists.join(', ')} bytes)`);

  // Scrolling the sidebar.
  const scrollFrom = await page.evaluate(() => performance.now());
  const frames = (await page.evaluate(SCROLL_SCRIPT('[data-region="sidebar"] .sidebar-scroll', SCROLL_MS))) as number;
  await page.waitForTimeout(300);
  const scrollLt = await page.evaluate((from) => (window as unknown as PageLists).__lt.filter((t) => t.at >= from).map((t) => t.ms), scrollFrom);
  const scrollLongest = scrollLt.length ? Math.max(...scrollLt) : 0;
  const nodesScrolled = await page.evaluate(() => document.querySelectorAll('*').length);
  log(`${label}: scroll ${SCROLL_MS / 1000} s: ${frames} frames, ${scrollLt.length} long tasks (longest ${round(scrollLongest)} ms), ${nodesScrolled} DOM nodes after`);

  // Last shard click → its rows painted.
  await page.locator('[data-region="sidebar"] .sidebar-scroll').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
  await page.locator(`[data-shard="${n - 1}"]`).waitFor();
  const clicks: number[] = [];
  for (let i = 0; i < CLICKS; i++) {
    const shard = i % 2 === 0 ? n - 1 : n - 2;
    clicks.push(await clickToPaint(page, `[data-shard="${shard}"]`, `[data-lane-shard="${shard}"] [data-entry-id]`));
  }
  const clickP95 = percentile(clicks, 95);
  log(`${label}: last-shard click → rows: p50 ${round(percentile(clicks, 50))} ms, p95 ${round(clickP95)} ms`);

  const idleLongest = idle.lt.length ? Math.max(...idle.lt) : 0;
  return {
    metrics: [
      { name: `${label} shards: first shard list message (a page of 4,096)`, value: round(paint.bytes / 1024), unit: 'KB' },
      { name: `${label} shards: shard list messages to the whole list`, value: lists, unit: 'messages' },
      { name: `${label} shards: navigation → shard list arrives`, value: round(paint.listAt), unit: 'ms' },
      { name: `${label} shards: list messages in ${IDLE_MS / 1000} s idle (deltas)`, value: idle.lists.length, unit: 'messages' },
      { name: `${label} shards: bytes of those messages`, value: idle.lists.reduce((a, b) => a + b, 0), unit: 'B' },
      { name: `${label} shards: longest long task idle`, value: round(idleLongest), unit: 'ms' },
      { name: `${label} shards: sidebar scroll frames in ${SCROLL_MS / 1000} s`, value: frames, unit: 'frames' },
      { name: `${label} shards: last-shard click → rows (p50)`, value: round(percentile(clicks, 50)), unit: 'ms' },
    ],
    checks: [
      check(`${label} shards: sidebar first paint after the list arrives (ms)`, round(firstPaint), '<', 500),
      check(`${label} shards: DOM nodes with the sidebar filled`, nodes, '<', 2000),
      check(`${label} shards: DOM nodes after scrolling`, nodesScrolled, '<', 2000),
      check(`${label} shards: long tasks > 50 ms in ${IDLE_MS / 1000} s idle`, idle.lt.filter((ms) => ms > 50).length, '<=', 0),
      check(`${label} shards: longest long task scrolling the sidebar (ms)`, round(scrollLongest), '<', 50),
      check(`${label} shards: last-shard click → rows p95 (ms)`, round(clickP95), '<', 150),
    ],
    notes: [`${label} shards: click samples (ms): ${clicks.map(round).join(', ')}`, `${label} shards: long tasks while scrolling (ms): ${scrollLt.map(round).join(', ') || 'none'}`],
  };
}

export const uiScaleBench: BenchCase = {
  name: 'ui-scale',
  description: `shard sidebar at ${SIZES.map((n) => n.toLocaleString('en')).join(' and ')} shards of ${ENTRIES} entries in Chromium through serve: first paint, DOM nodes, idle and scroll long tasks, last-shard click → rows`,
  async run({ redis, log }) {
    const metrics: BenchMetric[] = [];
    const checks: BenchCheck[] = [];
    const notes: string[] = [];
    const browser = await launchChromium();
    try {
      const bare = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      const base = await bareDomBaseline(bare, 65_536, SCROLL_MS);
      await bare.close();
      log(`bare-DOM baseline: ${base.frames} frames, ${base.longTasks} long tasks (longest ${round(base.longest)} ms)`);
      metrics.push({ name: 'bare-DOM baseline: scroll frames in 10 s', value: base.frames, unit: 'frames' }, { name: 'bare-DOM baseline: longest long task scrolling', value: round(base.longest), unit: 'ms' });
      notes.push(`bare-DOM baseline on this machine at the same time: ${base.frames} frames, ${base.longTasks} long tasks, longest ${round(base.longest)} ms (os load average ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);
      for (const n of SIZES) {
        const prefix = `scale${n}`;
        const t0 = performance.now();
        await pipeline(redis.host, redis.port, seed(prefix, n));
        log(`seeded ${n.toLocaleString('en')} shards × ${ENTRIES} in ${round((performance.now() - t0) / 1000)} s`);
        const home = mkdtempSync(path.join(tmpdir(), 'mesh-bench-scale-'));
        const serve = await startServeProcess({ home, url: redis.url, prefix });
        try {
          const app = await openApp(browser, serve.url, {
            viewport: { width: 1440, height: 900 },
            beforeGoto: async (page) => {
              await page.addInitScript(INSTRUMENT);
            },
          });
          try {
            const r = await measure(app.page, n, log);
            metrics.push(...r.metrics);
            checks.push(...r.checks);
            notes.push(...r.notes);
            if (app.problems.length) notes.push(`${n} shards: page problems: ${app.problems.join(' | ')}`);
          } finally {
            await app.close();
          }
        } finally {
          await serve.stop();
          rmSync(home, { recursive: true, force: true });
        }
        await redis.admin().flushall();
      }
    } finally {
      await browser.close().catch(() => {});
    }
    return { metrics, checks, notes };
  },
};

/**
 * Screenshots of every screen of the UI, for looking at a change and for proving that a refactor
 * changed nothing visible.
 *
 *   npx tsx scripts/ui-shots.ts --out /tmp/shots [--baseline DIR] [--themes dark,light]
 *       [--widths 1440,1024] [--only browse-lanes,health]
 *
 * Starts a throwaway redis-server with the demo bus (no live traffic, so both runs see the same
 * data), runs this checkout's `serve` against it and drives Chromium through the screens: the
 * shard browser (one lane, the entry detail, four lanes, a collision, the merged view), the
 * publisher (empty, a preview, an invalid source, the replay confirmation, a published batch, its
 * history, the delete dialog), the analysis (empty, a report, its end), health (top and end) and the connect screen
 * (empty, the form, a saved profile, a failed connection), in each theme and width. PNGs go to
 * `OUT/new/`.
 *
 * With `--baseline DIR` (another built checkout, e.g. a `git worktree` of main with `node_modules`
 * linked and `node scripts/build.mjs` run), that checkout's `serve` runs too, its pages are driven
 * in lockstep with this one's, and `OUT/report.txt` says per screen how many pixels differ and
 * where (24 px cells merged into boxes), with `OUT/diff/*.png` showing them in red. Before each
 * capture the baseline page's text is copied into this one's when both have the same text nodes,
 * so clocks, timings and random nonces do not count as differences; the latency chart and
 * sparklines are drawn from live probes and still differ a little.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemoSandbox } from '../electron/core/demo/sandbox';
import { setEditorText } from '../test/helpers/editor';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const HEIGHT = 900;
const SOURCE = '[\n  {"kind": "order", "n": {{i}}, "amount": 12.5},\n  {"kind": "refund", "n": {{i}}}\n]';

const { values: opts } = parseArgs({
  options: {
    out: { type: 'string' },
    baseline: { type: 'string' },
    themes: { type: 'string', default: 'dark,light' },
    widths: { type: 'string', default: '1440,1024' },
    only: { type: 'string' },
  },
});
if (!opts.out) {
  process.stderr.write('usage: npx tsx scripts/ui-shots.ts --out DIR [--baseline DIR] [--themes dark,light] [--widths 1440,1024] [--only name,...]\n');
  process.exit(64);
}
const OUT = path.resolve(opts.out);
const only = opts.only ? new Set(opts.only.split(',')) : null;

interface Side {
  name: 'base' | 'new';
  root: string;
}
const SIDES: Side[] = [...(opts.baseline ? [{ name: 'base' as const, root: path.resolve(opts.baseline) }] : []), { name: 'new', root: ROOT }];

/** `serve` from a checkout, connected to the demo bus; resolves with the URL it prints. */
function startServe(root: string, redisUrl: string): Promise<{ url: string; child: ChildProcess; home: string }> {
  const home = mkdtempSync(path.join(tmpdir(), 'ui-shots-home-'));
  const child = spawn(process.execPath, [path.join(root, 'bin/mesh-inspector.js'), 'serve', '--port', '0', '--url', redisUrl, '--prefix', 'net'], {
    cwd: root,
    env: { ...process.env, MESH_INSPECTOR_HOME: home, MESH_REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => {
      out += c;
      const m = /Mesh Inspector UI: (\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, child, home });
    });
    child.once('exit', (code) => reject(new Error(`serve in ${root} exited (${code}) before printing its URL: ${out}`)));
  });
}

interface Driven {
  side: Side;
  page: Page;
}

/** Runs `act` on every side's page, one after the other, so they stay in the same state. */
async function each(pages: Driven[], act: (p: Page) => Promise<void>): Promise<void> {
  for (const d of pages) await act(d.page);
}

const textNodes = (p: Page) =>
  p.evaluate(() => {
    const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const out: string[] = [];
    for (let n = w.nextNode(); n; n = w.nextNode()) out.push(n.nodeValue ?? '');
    return out;
  });

/** Screenshots every side's page as `name`, after giving the new page the baseline's text. */
async function capture(pages: Driven[], name: string): Promise<void> {
  if (only && !only.has(name.replace(/^[a-z]+-\d+-/, ''))) return;
  for (const { page } of pages) {
    await page.mouse.move(1, HEIGHT - 1);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur?.());
  }
  if (pages.length === 2) {
    const ref = await textNodes(pages[0]!.page);
    const mine = await textNodes(pages[1]!.page);
    if (mine.length === ref.length) {
      await pages[1]!.page.evaluate((ref) => {
        const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        let i = 0;
        for (let n = w.nextNode(); n; n = w.nextNode(), i++) if (n.nodeValue !== ref[i]) n.nodeValue = ref[i]!;
      }, ref);
    }
  }
  for (const { side, page } of pages) {
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: path.join(OUT, side.name, `${name}.png`), animations: 'disabled', caret: 'hide' });
  }
  process.stdout.write(`${name}\n`);
}

const lane = (p: Page, shard: number) => p.locator(`[data-lane-shard="${shard}"]`);

/** Scrolls every scrolling box inside `selector` to its end. */
const scrollToEnd = (p: Page, selector: string) =>
  p.locator(selector).evaluate((el) => {
    for (const e of [el, ...el.querySelectorAll('*')]) if (e.scrollHeight > e.clientHeight + 4 && getComputedStyle(e).overflowY !== 'visible') e.scrollTop = e.scrollHeight;
  });

/** The screens, in an order where each step builds on the one before. */
async function screens(pages: Driven[], tag: string): Promise<void> {
  await capture(pages, `${tag}-browse-empty`);
  await each(pages, async (p) => {
    await p.locator('[data-shard="3"]').click();
    await lane(p, 3).locator('[data-index-state="ready"]').waitFor({ state: 'attached' });
  });
  await capture(pages, `${tag}-browse-lane`);
  await each(pages, async (p) => {
    await lane(p, 3).locator('[data-filter-status="duplicate"]').click();
    await lane(p, 3).locator('[data-duplicate="retry"]').first().click();
    await p.locator('[data-detail] [data-json-tree]').waitFor();
  });
  await capture(pages, `${tag}-browse-detail`);
  await each(pages, async (p) => {
    for (const shard of [1, 7, 12]) {
      await p.locator(`[data-shard="${shard}"]`).click({ modifiers: ['Shift'] });
      await lane(p, shard).locator('[data-index-state="ready"]').waitFor({ state: 'attached' });
    }
    await lane(p, 12).locator('[data-filter-status="corrupt"]').click();
    await lane(p, 12).locator('[data-status="corrupt"]').first().click();
    await p.locator('[data-detail]').waitFor();
  });
  await capture(pages, `${tag}-browse-lanes`);
  await each(pages, async (p) => {
    await lane(p, 1).locator('[data-filter-status="duplicate"]').click();
    await lane(p, 1).locator('[data-duplicate="collision"]').first().click();
    await p.locator('[data-detail-duplicate="collision"]').waitFor();
  });
  await capture(pages, `${tag}-browse-collision`);
  await each(pages, async (p) => {
    await p.keyboard.press('Escape');
    await p.locator('[data-browse-tab="merged"]').click();
    await p.locator('[data-lane="merged"] [data-entry-id]').first().waitFor();
  });
  await capture(pages, `${tag}-browse-merged`);

  await each(pages, async (p) => {
    await p.locator('[data-view-tab="publish"]').click();
    await p.locator('[data-publisher-nonce]').waitFor();
  });
  await capture(pages, `${tag}-publish`);
  await each(pages, async (p) => {
    await p.locator('[data-publisher-shard]').fill('40');
    await p.locator('[data-publisher-shard]').press('Enter');
    await setEditorText(p, SOURCE);
    await p.locator('[data-publisher-valid]').waitFor();
    await p.locator('[data-action="preview"]').click();
    await p.locator('[data-publisher-preview][data-current="true"]').waitFor();
  });
  await capture(pages, `${tag}-publish-preview`);
  await each(pages, async (p) => {
    await setEditorText(p, '[\n  {"kind": "order",\n   "n": 1\n]');
    await p.locator('[data-publisher-problem]').waitFor();
  });
  await capture(pages, `${tag}-publish-invalid`);

  await each(pages, async (p) => {
    await p.locator('[data-view-tab="analysis"]').click();
    await p.locator('[data-view="analysis"]').waitFor();
  });
  await capture(pages, `${tag}-analysis-empty`);
  await each(pages, async (p) => {
    await p.locator('[data-action="run-analysis"]').click();
    await p.locator('[data-analysis-report]').waitFor({ timeout: 60_000 });
  });
  await capture(pages, `${tag}-analysis-report`);
  await each(pages, async (p) => {
    await p.locator('[data-col="gaps"] button').first().click();
    await scrollToEnd(p, '[data-view="analysis"]');
  });
  await capture(pages, `${tag}-analysis-end`);

  await each(pages, async (p) => {
    await p.locator('[data-view-tab="health"]').click();
    await p.locator('[data-tile-value]').first().waitFor();
  });
  await capture(pages, `${tag}-health`);
  await each(pages, (p) => scrollToEnd(p, '[data-view="health"]'));
  await capture(pages, `${tag}-health-end`);

  // Publishing writes to the shared bus: only after every screen that shows its data.
  await each(pages, async (p) => {
    await p.locator('[data-view-tab="publish"]').click();
    await setEditorText(p, SOURCE);
    await p.locator('[data-publisher-valid]').waitFor();
    await p.locator('[data-action="preview"]').click();
    await p.locator('[data-publisher-preview][data-current="true"]').waitFor();
    await p.locator('[data-action="publish"]').click();
    await p.locator('[data-publisher-result]').waitFor();
    await p.locator('[data-action="publish-again"]').click();
    await p.locator('dialog[open] [data-replay-summary]').waitFor();
  });
  await capture(pages, `${tag}-publish-replay`);
  await each(pages, async (p) => {
    await p.locator('[data-action="confirm-replay"]').click();
    await p.locator('[data-history-batch]').nth(1).waitFor();
  });
  await capture(pages, `${tag}-publish-result`);
  await each(pages, (p) => scrollToEnd(p, '[data-view="publish"]'));
  await capture(pages, `${tag}-publish-history`);
  await each(pages, async (p) => {
    await p.locator('[data-action="delete-batch"]').click();
    await p.locator('dialog[open]').waitFor();
  });
  await capture(pages, `${tag}-publish-dialog`);
  await each(pages, (p) => p.keyboard.press('Escape'));

  await each(pages, async (p) => {
    await p.locator('[data-action="disconnect"]').click();
    await p.locator('[data-screen="connect"]').waitFor();
  });
  await capture(pages, `${tag}-connect`);
  await each(pages, async (p) => {
    await p.getByLabel('Redis URL').fill('redis://127.0.0.1:1');
    await p.getByLabel('Name', { exact: true }).fill('orders bus');
    await p.locator('input[name="readOnly"]').check();
    await p.locator('[data-section="topology-tls"] summary').click();
  });
  await capture(pages, `${tag}-connect-form`);
  await each(pages, async (p) => {
    await p.locator('[data-action="save"]').click();
    await p.locator('[data-profile-name="orders bus"]').waitFor();
  });
  await capture(pages, `${tag}-connect-saved`);
  await each(pages, async (p) => {
    await p.locator('[data-profile-name="orders bus"] [data-action="connect"]').click();
    await p.locator('[data-error-kind], [data-banner]').first().waitFor({ timeout: 20_000 });
  });
  await capture(pages, `${tag}-connect-failed`);
}

/** Per screen: how many pixels differ between base/ and new/, where, and a diff image. */
async function compare(browser: Browser, names: string[]): Promise<string> {
  const page = await browser.newPage();
  await page.evaluate('globalThis.__name = (f) => f');
  mkdirSync(path.join(OUT, 'diff'), { recursive: true });
  const lines: string[] = [];
  for (const name of names) {
    const [a, b] = (['base', 'new'] as const).map((s) => readFileSync(path.join(OUT, s, name)).toString('base64'));
    const r = await page.evaluate(
      async ([a, b]) => {
        const load = async (s: string) => {
          const bmp = await createImageBitmap(await (await fetch(`data:image/png;base64,${s}`)).blob());
          const c = new OffscreenCanvas(bmp.width, bmp.height);
          const g = c.getContext('2d')!;
          g.drawImage(bmp, 0, 0);
          return g.getImageData(0, 0, bmp.width, bmp.height);
        };
        const A = await load(a);
        const B = await load(b);
        if (A.width !== B.width || A.height !== B.height) return null;
        const { width: w, height: h } = A;
        const out = new ImageData(w, h);
        const cell = 24;
        const cols = Math.ceil(w / cell);
        const cells = new Map<number, number>();
        let differing = 0;
        for (let i = 0; i < w * h; i++) {
          const o = i * 4;
          const same = A.data[o] === B.data[o] && A.data[o + 1] === B.data[o + 1] && A.data[o + 2] === B.data[o + 2];
          for (let k = 0; k < 3; k++) out.data[o + k] = same ? A.data[o + k]! * 0.35 : k === 0 ? 255 : 0;
          out.data[o + 3] = 255;
          if (same) continue;
          differing++;
          const key = Math.floor(Math.floor(i / w) / cell) * cols + Math.floor((i % w) / cell);
          cells.set(key, (cells.get(key) ?? 0) + 1);
        }
        // Neighbouring cells with differences merge into one box.
        const seen = new Set<number>();
        const boxes: string[] = [];
        for (const start of cells.keys()) {
          if (seen.has(start)) continue;
          const stack = [start];
          seen.add(start);
          let [x0, y0, x1, y1, n] = [Infinity, Infinity, -1, -1, 0];
          while (stack.length) {
            const c = stack.pop()!;
            const [cx, cy] = [c % cols, Math.floor(c / cols)];
            n += cells.get(c)!;
            [x0, y0, x1, y1] = [Math.min(x0, cx), Math.min(y0, cy), Math.max(x1, cx), Math.max(y1, cy)];
            for (const next of [c + 1, c - 1, c + cols, c - cols]) {
              if (cells.has(next) && !seen.has(next) && Math.abs((next % cols) - cx) <= 1) {
                seen.add(next);
                stack.push(next);
              }
            }
          }
          boxes.push(`${x0 * cell},${y0 * cell}-${(x1 + 1) * cell},${(y1 + 1) * cell}:${n}`);
        }
        let png: string | null = null;
        if (differing > 0) {
          const c = new OffscreenCanvas(w, h);
          c.getContext('2d')!.putImageData(out, 0, 0);
          const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
          let s = '';
          for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
          png = btoa(s);
        }
        return { differing, boxes, png };
      },
      [a!, b!] as const,
    );
    if (!r) {
      lines.push(`${name}: sizes differ`);
      continue;
    }
    if (r.png) writeFileSync(path.join(OUT, 'diff', name), Buffer.from(r.png, 'base64'));
    lines.push(`${name}: ${r.differing} px differ${r.boxes.length ? ` in ${r.boxes.join(' ')}` : ''}`);
  }
  await page.close();
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  for (const s of SIDES) mkdirSync(path.join(OUT, s.name), { recursive: true });
  const sandbox = await startDemoSandbox({ trickle: false });
  const browser = await chromium.launch({ executablePath: process.env.MESH_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  // Relative times ("12 s ago") read the page's clock: every page shows the same instant.
  const now = Date.now();
  const serves: Array<{ child: ChildProcess; home: string }> = [];
  try {
    for (const theme of opts.themes!.split(',') as Array<'dark' | 'light'>) {
      for (const width of opts.widths!.split(',').map(Number)) {
        // A fresh serve per round: the connect screen at the end of a round disconnects it.
        const started = await Promise.all(SIDES.map((s) => startServe(s.root, sandbox.url)));
        serves.push(...started);
        const pages: Driven[] = [];
        for (const [i, side] of SIDES.entries()) {
          const context = await browser.newContext({ viewport: { width, height: HEIGHT }, colorScheme: theme, deviceScaleFactor: 1, reducedMotion: 'reduce' });
          const page = await context.newPage();
          // tsx keeps function names with a `__name` helper that page functions would call.
          await page.addInitScript('globalThis.__name = (f) => f');
          await page.clock.setFixedTime(now);
          await page.goto(started[i]!.url);
          await page.locator('[data-app-ready="true"]').waitFor();
          await page.locator('[data-shard="3"]').waitFor();
          pages.push({ side, page });
        }
        await screens(pages, `${theme}-${width}`);
        for (const { page } of pages) await page.context().close();
        for (const s of started) s.child.kill('SIGTERM');
      }
    }
    if (opts.baseline) {
      const names = readdirSync(path.join(OUT, 'new'))
        .filter((f) => f.endsWith('.png'))
        .sort();
      const report = await compare(browser, names);
      writeFileSync(path.join(OUT, 'report.txt'), report);
      process.stdout.write(`\n${report}`);
    }
  } finally {
    await browser.close();
    for (const s of serves) {
      s.child.kill('SIGTERM');
      rmSync(s.home, { recursive: true, force: true });
    }
    await sandbox.stop();
  }
}

await main();

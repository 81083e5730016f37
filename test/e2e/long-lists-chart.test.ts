/**
 * Issue 14 in Chromium through `serve` on a real redis-server: a shard with 10,000 gaps opens in
 * Analysis as a virtualized list (the DOM holds a screenful of rows, not 10,000), which the
 * keyboard scrolls to its last gap; the per-shard results of 3,000 shards draw a screenful of rows
 * and the last shard once scrolled to; the Health latency chart (uPlot) keeps its data attributes,
 * shows a readout on hover and from the keyboard, and zooms to a dragged span and back.
 * Node counts and content only, never time (speed is in bench/ui-lists.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePayload } from '../../shared/wire';
import { pipeline, type Arg } from '../helpers/browser-seed';
import { shot, startE2e, type AppPage, type E2e } from '../helpers/e2e';

const NONCE = 'c0ffee';
const SHARD = 4;
const GAPS = 10_000;
/** Shards 1000..3999, one entry each: the per-shard results table must not draw them all. */
const MANY = 3000;

function* manyShards(): Generator<Arg[]> {
  for (let k = 0; k < MANY; k++) {
    const shard = 1000 + k;
    yield ['XADD', `net:shard:${shard}`, '*', 'd', encodePayload('{"n":0}', 1n, shard), 'dedup_id', `${NONCE}:${shard}:0:0`];
  }
}

/** One entry per even ordinal 0..2·GAPS: every odd ordinal is missing, a gap of one each. */
function* everyOtherOrdinal(): Generator<Arg[]> {
  for (let k = 0; k <= GAPS; k++) {
    const seq = 2 * k;
    yield ['XADD', `net:shard:${SHARD}`, '*', 'd', encodePayload(`{"n":${seq}}`, BigInt(seq + 1), SHARD), 'dedup_id', `${NONCE}:${SHARD}:${seq}:0`];
  }
}

describe('long lists and the latency chart', () => {
  let e2e: E2e;
  let app: AppPage;

  beforeAll(async () => {
    e2e = await startE2e({
      connect: { prefix: 'net' },
      seed: async (redis) => {
        await pipeline(redis.host, redis.port, everyOtherOrdinal());
      },
    });
    app = await e2e.open({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    await app.page.locator(`[data-shard="${SHARD}"]`).waitFor();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('opens 10,000 gaps as a list that keeps the DOM small and scrolls to the last gap', async () => {
    const { page } = app;
    await page.locator('[data-view-tab="analysis"]').click();
    await page.locator('[data-action="run-analysis"]').click();
    const row = page.locator(`[data-analysis-shard="${SHARD}"]`);
    await row.waitFor();
    expect(await row.locator('[data-col="gaps"]').getAttribute('data-value')).toBe(String(GAPS));
    await row.locator('[data-col="gaps"] button').click();

    const list = page.locator(`[data-analysis-gaps="${SHARD}"] [data-gap-list]`);
    await list.waitFor();
    expect(await list.getAttribute('data-gap-count')).toBe(String(GAPS));
    await page.locator(`[data-gap="${NONCE}:1-1"]`).waitFor();
    const rendered = await list.locator('[data-gap]').count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(60);
    // The whole list, title row included, is a few hundred nodes; the page stays small too.
    expect(await list.evaluate((el) => el.querySelectorAll('*').length)).toBeLessThan(800);
    expect(await page.locator('[data-analysis-results]').evaluate((el) => el.querySelectorAll('*').length)).toBeLessThan(1500);
    // The scroll height still stands for every row.
    expect(await list.evaluate((el) => el.scrollHeight)).toBeGreaterThan(GAPS * 20);
    await shot(page, 'analysis-gaps-10k-dark');

    // Keyboard: End goes to the last gap, Home back to the first; the active row is announced.
    await list.focus();
    await page.keyboard.press('End');
    const last = page.locator(`[data-gap="${NONCE}:${2 * GAPS - 1}-${2 * GAPS - 1}"]`);
    await last.waitFor();
    expect(await last.getAttribute('data-gap-cause')).toBe('lost');
    expect(await page.locator(`[data-gap="${NONCE}:1-1"]`).count()).toBe(0);
    expect(await list.locator('[data-gap]').count()).toBeLessThan(60);
    const activeId = await list.getAttribute('aria-activedescendant');
    expect(await page.locator(`#${activeId} [data-gap]`).getAttribute('data-gap')).toBe(`${NONCE}:${2 * GAPS - 1}-${2 * GAPS - 1}`);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    const upTwo = await list.getAttribute('aria-activedescendant');
    expect(await page.locator(`#${upTwo} [data-gap]`).getAttribute('data-gap')).toBe(`${NONCE}:${2 * GAPS - 5}-${2 * GAPS - 5}`);
    await page.keyboard.press('Home');
    await page.locator(`[data-gap="${NONCE}:1-1"]`).waitFor();
    await shot(page, 'analysis-gaps-10k-end-dark');
    expect(app.problems).toEqual([]);
  });

  it('draws the latency chart with uPlot: data attributes, hover and keyboard readout, drag zoom and reset', async () => {
    const { page } = app;
    await page.locator('[data-view-tab="health"]').click();
    await page.locator('[data-view="health"]').waitFor();
    const chart = page.locator('[data-latency-chart]');
    await expect.poll(() => chart.getAttribute('data-samples').then(Number), { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
    expect(await chart.getAttribute('data-failed')).toBe('0');
    expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
    expect(await chart.getAttribute('data-zoomed')).toBe('false');

    // Hover over the newest probes (right end of the plot): a readout with time and latency.
    const over = chart.locator('.u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width - 3, box.y + box.height / 2);
    const readout = page.locator('[data-chart-readout]');
    await readout.waitFor();
    expect(await readout.getAttribute('data-ok')).toBe('true');
    expect(Number(await readout.getAttribute('data-latency'))).toBeGreaterThan(0);
    expect(await readout.textContent()).toMatch(/\d\d:\d\d:\d\d.*ms/);
    await shot(page, 'health-chart-hover-dark');
    await page.mouse.move(box.x + box.width / 2, box.y - 40);
    await expect.poll(() => readout.count()).toBe(0);

    // Keyboard: Home and End step to the first and last probe in view.
    await chart.focus();
    await page.keyboard.press('End');
    const lastAt = Number(await readout.getAttribute('data-at'));
    await page.keyboard.press('Home');
    const firstAt = Number(await readout.getAttribute('data-at'));
    expect(firstAt).toBeLessThan(lastAt);
    await page.keyboard.press('ArrowRight');
    expect(Number(await readout.getAttribute('data-at'))).toBeGreaterThan(firstAt);

    // Drag across the right half: zoomed, with a way back.
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => chart.getAttribute('data-zoomed')).toBe('true');
    await shot(page, 'health-chart-zoomed-dark');
    await chart.locator('[data-chart-reset]').click();
    await expect.poll(() => chart.getAttribute('data-zoomed')).toBe('false');
    expect(await chart.locator('[data-chart-reset]').count()).toBe(0);
    expect(app.problems).toEqual([]);
  });
});

describe(`the per-shard results of ${MANY.toLocaleString('en-US')} shards`, () => {
  let e2e: E2e;
  let app: AppPage;

  beforeAll(async () => {
    e2e = await startE2e({
      connect: { prefix: 'net' },
      seed: async (redis) => {
        await pipeline(redis.host, redis.port, manyShards());
      },
    });
    app = await e2e.open({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    await app.page.locator('[data-shard="1000"]').waitFor();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it(`draws a screenful of the ${MANY} per-shard result rows, and the last one when scrolled to`, async () => {
    const { page } = app;
    await page.locator('[data-view-tab="analysis"]').click();
    await page.locator('[data-action="run-analysis"]').click();
    const rows = page.locator('[data-analysis-rows]');
    expect(await rows.getAttribute('data-analysis-rows')).toBe(String(MANY));
    const drawn = await page.locator('[data-analysis-shard]').count();
    expect(drawn).toBeGreaterThan(5);
    expect(drawn).toBeLessThan(80);
    await page.locator('[data-view="analysis"] .pane-body').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const last = page.locator(`[data-analysis-shard="${1000 + MANY - 1}"]`);
    await last.waitFor();
    expect(await last.locator('[data-col="entries"]').getAttribute('data-value')).toBe('1');
    expect(await page.locator('[data-analysis-shard="1000"]').count()).toBe(0);
    expect(await page.locator('[data-analysis-shard]').count()).toBeLessThan(80);
    expect(await page.locator('[data-analysis-total-row] [role="cell"]').nth(1).textContent()).toBe(MANY.toLocaleString('en-US'));
    expect(app.problems).toEqual([]);
  });
});

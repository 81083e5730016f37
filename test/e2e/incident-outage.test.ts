/**
 * The incident view end to end (issue 6): Chromium through `serve`, a real redis-server killed
 * and restarted on the same port. Redis reads "down" within 2 s, what the views showed stays on
 * screen marked "stale since hh:mm:ss", the UI keeps answering, the post-mortem snapshot saves
 * and holds the incident, and after the restart everything is ready and fresh with no click.
 *
 * The server writes an append-only file with fsync on every write, so its data survives SIGKILL
 * and the restarted server serves the same streams (plus what is written after it is back).
 * Waits on DOM and state signals only.
 */
import { readFileSync } from 'node:fs';
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthExport } from '../../shared/contract';
import { encodePayload } from '../../shared/wire';
import type { Page } from 'playwright-core';
import { shot, startE2e, type AppPage, type E2e } from '../helpers/e2e';

const PREFIX = 'inc';

async function append(admin: Redis, shard: number, from: number, n: number): Promise<void> {
  const p = admin.pipeline();
  for (let i = from; i < from + n; i++) {
    p.xadd(`${PREFIX}:shard:${shard}`, '*', 'd', encodePayload(`{"order":${i},"kind":"created","amount":${(i * 37) % 1000}}`, BigInt(i + 1), shard), 'dedup_id', `c0ffee:${shard}:${i}:0`);
  }
  await p.exec();
}

/**
 * Screenshots for looking at the design (/tmp/mesh-shots, and $MESH_E2E_SHOTS when set): the
 * health view from its top, in a viewport tall enough to hold all of it, dark and light.
 */
async function capture(page: Page, name: string): Promise<void> {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 1440, height: 1320 });
  await page.locator('.hv-health-scroll').evaluate((el) => el.scrollTo(0, 0));
  for (const theme of ['dark', 'light'] as const) {
    if ((await page.locator('html').getAttribute('data-theme')) !== theme) await page.locator('[data-theme-toggle]').click();
    await page.locator(`html[data-theme="${theme}"]`).waitFor({ state: 'attached' });
    await page.screenshot({ path: `/tmp/mesh-shots/${name}-${theme}.png`, animations: 'disabled' });
    await shot(page, `${name}-${theme}`);
  }
  await page.locator('[data-theme-toggle]').click();
  await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
  if (size) await page.setViewportSize(size);
}

describe('Redis killed and restarted under the UI', () => {
  let e2e: E2e;
  let app: AppPage;
  let admin: Redis;
  let trickle: ReturnType<typeof setInterval> | null = null;

  beforeAll(async () => {
    e2e = await startE2e({
      redis: { args: ['--appendonly', 'yes', '--appendfsync', 'always'] },
      connect: { prefix: PREFIX },
      seed: async (redis) => {
        const a = redis.admin();
        await append(a, 0, 0, 240);
        await append(a, 3, 0, 120);
        await append(a, 6, 0, 60);
      },
    });
    admin = e2e.redis.admin();
    app = await e2e.open({ colorScheme: 'dark' });
  });
  afterAll(async () => {
    if (trickle) clearInterval(trickle);
    await e2e?.close();
  });

  it('healthy: state, latency, INFO tiles, shard growth and the own load on one screen', async () => {
    const { page } = app;
    await page.locator('[data-shard="0"]').waitFor();
    // A steady writer, so shard growth has something to show.
    let n = 1000;
    trickle = setInterval(() => {
      void append(admin, 0, n, 3);
      void append(admin, 3, n, 1);
      n += 3;
    }, 200);
    await page.locator('[data-view-tab="health"]').click();
    const view = page.locator('[data-view="health"]');
    await view.waitFor();
    expect(await view.getAttribute('data-health-state')).toBe('ready');
    await page.locator('[data-incident="false"]').waitFor();
    await expect.poll(() => page.locator('[data-latency-chart]').getAttribute('data-samples').then(Number)).toBeGreaterThanOrEqual(3);
    expect(await page.locator('[data-latency-now]').textContent()).toMatch(/ms$/);
    expect(await page.locator('[data-tile="memory"] [data-tile-value]').textContent()).toMatch(/B$/);
    expect(await page.locator('[data-tile="role"] [data-tile-value]').textContent()).toBe('master');
    expect(await page.locator('[data-tile="own"] [data-tile-value]').textContent()).toMatch(/^\d/);
    // Growth needs two XLEN samples, 5 s apart (the sampler's bound).
    await expect.poll(() => page.locator('[data-growth-shard="0"]').getAttribute('data-per-sec').then(Number), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.locator('[data-growth-shard]').count()).toBe(3);
    expect(await page.locator('[data-error-row]').count()).toBe(0);
    clearInterval(trickle);
    trickle = null;
    await capture(page, 'health-healthy');
  });

  it('killed: down within 2 s, the data stays on screen marked stale, the UI still answers', async () => {
    const { page } = app;
    await page.locator('[data-view-tab="browse"]').click();
    await page.locator('[data-shard="0"]').click();
    const firstRow = page.locator('[data-entry-id]').first();
    await firstRow.waitFor();
    const idsOf = () => page.locator('[data-entry-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-entry-id')));
    const rowsBefore = await idsOf();
    // The earlier test's writer may still be ahead of the sidebar's last refresh: let the sidebar
    // show the stream's real length before taking it as "what was on screen".
    const realLength = String(await admin.xlen(`${PREFIX}:shard:0`));
    await page.getByRole('button', { name: 'Refresh shards' }).click();
    await expect.poll(() => page.locator('[data-shard="0"] [data-length]').getAttribute('data-length')).toBe(realLength);
    const lengthBefore = realLength;

    const killedAt = Date.now();
    await e2e.redis.kill();
    await page.locator('.pill[data-state="down"]').waitFor({ timeout: 2000 });
    expect(Date.now() - killedAt).toBeLessThan(2000);

    // Marked stale, in the shell: banner and status bar, with the time it went stale.
    const banner = page.locator('[data-banner="redis"]');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/stale since \d{2}:\d{2}:\d{2}/);
    expect(await page.locator('[data-stale-marker]').textContent()).toMatch(/^stale since \d{2}:\d{2}:\d{2}$/);
    expect(await page.locator('[data-screen="shell"]').getAttribute('data-stale')).toBe('true');
    // What was on screen is still there: the same rows in the same order (the banner takes some
    // height and the row window adds its overscan once scrolling settles, so the count of rows
    // rendered below the viewport may differ a little).
    const rowsAfter = await idsOf();
    expect(rowsAfter.length).toBeGreaterThan(0);
    const shorter = Math.min(rowsBefore.length, rowsAfter.length);
    expect(rowsAfter.slice(0, shorter)).toEqual(rowsBefore.slice(0, shorter));
    expect(rowsAfter.length).toBeGreaterThanOrEqual(Math.min(rowsBefore.length, 10));
    expect(await page.locator('[data-shard="0"] [data-length]').getAttribute('data-length')).toBe(lengthBefore);
    expect(await page.locator('[data-shard]').count()).toBe(3);

    // The UI answers: views switch, the banner leads to the health view, filters work.
    await page.locator('[data-action="open-health"]').click();
    await page.locator('[data-view="health"][data-health-state="down"]').waitFor();
    await page.locator('[data-incident="true"][data-state="down"]').waitFor();
    const refused = page.locator('[data-error-row][data-error-code="ECONNREFUSED"]');
    await refused.first().waitFor();
    expect(await refused.first().getAttribute('data-error-kind')).toBe('transient');
    expect(await page.locator('[data-cause-code]').getAttribute('data-cause-kind')).toBe('transient');
    await page.locator('[data-error-filter="fatal"]').click();
    await expect.poll(() => page.locator('[data-error-row]').count()).toBe(0);
    await page.locator('[data-error-filter="all"]').click();
    await expect.poll(() => page.locator('[data-error-row]').count()).toBeGreaterThan(0);
    // A failed probe is on the chart.
    await expect.poll(() => page.locator('[data-latency-chart]').getAttribute('data-failed').then(Number)).toBeGreaterThan(0);
    expect(await page.locator('[data-tile="memory"] [data-tile-value]').textContent()).toMatch(/B$/);
    await capture(page, 'health-outage');
  });

  it('saves a snapshot file for the post-mortem that parses and holds the incident', async () => {
    const { page } = app;
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="export-health"]').click()]);
    expect(download.suggestedFilename()).toMatch(/^mesh-health-127\.0\.0\.1-\d+-\d{8}-\d{6}\.json$/);
    const doc = JSON.parse(readFileSync(await download.path(), 'utf8')) as HealthExport;
    expect(doc.format).toBe('mesh-inspector/health-snapshot');
    expect(doc.appVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.connection).toMatchObject({ state: 'down', url: e2e.redis.url, prefix: PREFIX });
    expect(doc.summary.state).toBe('down');
    expect(doc.summary.outages.at(-1)).toMatchObject({ to: null, state: 'down' });
    expect(doc.errors.some((e) => e.code === 'ECONNREFUSED' && e.kind === 'transient')).toBe(true);
    expect(doc.timeline.some((s) => s.ok)).toBe(true);
    expect(doc.timeline.at(-1)?.ok).toBe(false);
    expect(doc.server.info?.redis_version).toMatch(/^\d/);
    expect(doc.shards.at(-1)?.shards.map((s) => s.shard)).toEqual([0, 3, 6]);
    await page.locator('[data-export-saved]').waitFor();
  });

  it('restarted on the same port: ready and fresh data, with no user action', async () => {
    const { page } = app;
    await page.locator('[data-view-tab="browse"]').click();
    await page.locator('[data-shard="0"]').waitFor();
    await e2e.redis.restart();
    // Written once Redis is back: only a fresh read can show it.
    const fresh = e2e.redis.admin();
    await append(fresh, 9, 0, 5);
    await page.locator('.pill[data-state="ready"]').waitFor({ timeout: 15_000 });
    await page.locator('[data-shard="9"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-banner="redis"]').count()).toBe(0);
    expect(await page.locator('[data-stale-marker]').count()).toBe(0);
    expect(await page.locator('[data-screen="shell"]').getAttribute('data-stale')).toBeNull();
    await page.locator('[data-entry-id]').first().waitFor();

    await page.locator('[data-view-tab="health"]').click();
    await page.locator('[data-incident="false"]').waitFor();
    expect(await page.locator('[data-latency-now]').textContent()).toMatch(/ms$/);
    expect(app.problems).toEqual([]);
  });
});

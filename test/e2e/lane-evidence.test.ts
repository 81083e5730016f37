/**
 * Browse's evidence rows end to end on the demo bus (issues 13/14: Chromium through `serve`, a real
 * redis-server seeded by seedDemoBus, whose manifest names each sample): the gap marker between
 * the two entries that bound shard 7's lost batch, the misrouted flag of shard 12's stray entry
 * naming the shard it belongs to, the Gaps and Misrouted filters, and the Duplicates filter grouped
 * by dedup_id with retries and collisions apart.
 */
import type Redis from 'ioredis';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoBus, type DemoManifest } from '../../electron/core/demo/seed';
import { shot, startE2e, type AppPage, type E2e } from '../helpers/e2e';

const PREFIX = 'bus';

describe('gap rows, misrouted flags and index-served filters on the demo bus', () => {
  let e2e: E2e;
  let app: AppPage;
  let page: Page;
  let admin: Redis;
  let manifest: DemoManifest;
  const lane = (shard: number): Locator => page.locator(`[data-lane-shard="${shard}"]`);

  /** The stream id of the entry carrying `dedupId` in `key` (read straight from Redis). */
  async function idOf(key: string, dedupId: string): Promise<string> {
    const all = (await admin.xrange(key, '-', '+')) as Array<[string, string[]]>;
    const hit = all.find(([, f]) => f[f.indexOf('dedup_id') + 1] === dedupId);
    if (!hit) throw new Error(`${dedupId} not in ${key}`);
    return hit[0];
  }

  /** Rows of a lane in list order: entries by dedup_id, markers by kind. */
  const rowsOf = (shard: number) =>
    lane(shard)
      .locator('[data-row-index], [data-marker]')
      .evaluateAll((els) =>
        els
          .map((el) => ({
            index: Number(el.getAttribute('data-row-index') ?? el.getAttribute('data-marker-index')),
            marker: el.getAttribute('data-marker'),
            dedup: el.querySelector('.c-dedup')?.textContent ?? null,
            group: el.getAttribute('data-group-id'),
            kind: el.getAttribute('data-group-kind'),
            dup: el.getAttribute('data-duplicate'),
            text: el.getAttribute('data-marker') === 'gap' ? (el.querySelector('[data-gap-text]')?.textContent ?? null) : null,
          }))
          .sort((a, b) => a.index - b.index),
      );

  async function openShard(shard: number): Promise<void> {
    await page.locator(`[data-shard="${shard}"]`).first().click();
    await lane(shard).locator('[data-entry-id]').first().waitFor();
  }

  beforeAll(async () => {
    e2e = await startE2e({
      connect: { prefix: PREFIX },
      seed: async (redis) => {
        manifest = await seedDemoBus(redis.admin(), PREFIX);
      },
    });
    admin = e2e.redis.admin();
    app = await e2e.open({ colorScheme: 'dark', viewport: { width: 1440, height: 900 } });
    page = app.page;
    await page.locator('[data-shard]').first().waitFor();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('marks the lost batch of shard 7 between the two entries that bound it', async () => {
    const g = manifest.samples.gap;
    expect(g.shard).toBe(7);
    await openShard(7);
    const prefix = `${g.nonce}:7:`;
    // The entry after the gap starts the next batch; jump to it.
    const afterId = await idOf(g.key, `${prefix}${g.to + 1}:0`);
    const jump = lane(7).locator('[data-jump-input]');
    await jump.fill(afterId);
    await jump.press('Enter');
    const marker = lane(7).locator(`[data-marker="gap"][data-gap-from="${g.from}"]`);
    await marker.waitFor();
    const count = g.to - g.from + 1;
    expect(await marker.locator('[data-gap-text]').textContent()).toBe(`${count} events missing: ordinals ${g.from}–${g.to} of nonce ${g.nonce}, batch ${g.from}`);
    expect(await marker.getAttribute('title')).toMatch(/^Never written/);
    expect((await marker.textContent())?.toLowerCase()).toContain('lost');
    // Newest first: the entry after the gap above the marker, the entry before it below.
    const rows = await rowsOf(7);
    const at = rows.findIndex((r) => r.marker === 'gap');
    expect(rows[at - 1]?.dedup).toBe(`${prefix}${g.to + 1}:0`);
    expect(rows[at + 1]?.dedup?.startsWith(prefix)).toBe(true);
    const before = rows[at + 1]!.dedup!.split(':');
    expect(Number(before[2]) + Number(before[3])).toBe(g.from - 1);
    await shot(page, 'lane-gap-row-dark');
  });

  it('lists only the entries bounding gaps under the Gaps filter, with the marker between them', async () => {
    const g = manifest.samples.gap;
    await lane(7).locator('[data-filter-status="gap"]').click();
    await lane(7).locator('[data-index-served]').waitFor();
    await lane(7).locator('[data-marker="gap"]').first().waitFor();
    const rows = await rowsOf(7);
    const gaps = manifest.shards.find((s) => s.shard === 7)!.gaps;
    expect(rows.filter((r) => r.marker === 'gap')).toHaveLength(gaps.length);
    const at = rows.findIndex((r) => r.marker === 'gap' && r.text?.includes(`ordinals ${g.from}–${g.to}`));
    expect(rows[at - 1]?.dedup).toBe(`${g.nonce}:7:${g.to + 1}:0`);
    // Every other row is an entry next to a marker.
    for (const [k, r] of rows.entries()) if (r.marker === null) expect(rows[k - 1]?.marker === 'gap' || rows[k + 1]?.marker === 'gap').toBe(true);
    await shot(page, 'lane-gaps-filter-dark');
    await lane(7).locator('[data-filter-status="all"]').click();
  });

  it('flags the misrouted entry of shard 12 with the shard it belongs to, and finds it with the Misrouted filter', async () => {
    const m = manifest.samples.misrouted;
    await openShard(12);
    const id = await idOf(m.key, m.dedupId);
    const jump = lane(12).locator('[data-jump-input]');
    await jump.fill(id);
    await jump.press('Enter');
    const row = lane(12).locator(`[data-entry-id="${id}"]`);
    await row.waitFor();
    const flag = row.locator('[data-misrouted-to]');
    expect(await flag.getAttribute('data-misrouted-to')).toBe('7');
    expect(await flag.getAttribute('title')).toContain('names shard 7');
    await shot(page, 'lane-misrouted-flag-dark');

    await lane(12).locator('[data-filter-status="misrouted"]').click();
    await lane(12).locator('[data-index-served]').waitFor();
    await lane(12).locator(`[data-entry-id="${id}"]`).waitFor();
    const shard12 = manifest.shards.find((s) => s.shard === 12)!;
    await expect.poll(() => lane(12).locator('[data-entry-id]').count()).toBe(shard12.misrouted);
    expect(await lane(12).locator('[data-entry-id] [data-misrouted-to]').count()).toBe(shard12.misrouted);
    await lane(12).locator('[data-filter-status="all"]').click();
  });

  it('groups duplicates by dedup_id, collisions apart from retries', async () => {
    const { retry, collision } = manifest.samples;
    for (const sample of [collision, retry]) {
      await openShard(sample.shard);
      const l = lane(sample.shard);
      await l.locator('[data-filter-status="duplicate"]').click();
      await l.locator('[data-index-served]').waitFor();
      const kind = sample === retry ? 'retry' : 'collision';
      await l.locator('[data-marker="group"][data-group-kind]').first().waitFor();
      const rows = await rowsOf(sample.shard);
      // Each header is followed by the copies of its id, and only those, marked with its kind.
      for (const [k, r] of rows.entries()) {
        if (r.marker !== 'group') continue;
        let j = k + 1;
        while (j < rows.length && rows[j]!.marker === null) {
          expect(rows[j]!.dedup).toBe(r.group);
          expect(rows[j]!.dup).toBe(r.kind);
          j++;
        }
        if (j < rows.length) expect(j - k - 1).toBeGreaterThanOrEqual(2);
      }
      // Collisions come before retries.
      const kinds = rows.filter((r) => r.marker === 'group').map((r) => r.kind);
      expect([...kinds].sort((a, b) => (a === b ? 0 : a === 'collision' ? -1 : 1))).toEqual(kinds);
      // One kind only: the sample's ids are there, as groups of that kind, and no other kind.
      const other = kind === 'retry' ? 'collision' : 'retry';
      await l.locator(`[data-dup-kind="${kind}"]`).click();
      await l.locator(`[data-scan-filter="${encodeURIComponent(JSON.stringify({ status: kind }))}"][data-scan-state="done"]`).waitFor();
      await l.locator(`[data-marker="group"][data-group-kind="${kind}"]`).first().waitFor();
      const only = await rowsOf(sample.shard);
      expect(only.filter((r) => r.marker === 'group' && r.kind === other)).toEqual([]);
      const shownIds = new Set(only.filter((r) => r.marker === 'group').map((r) => r.group));
      expect(sample.dedupIds.some((id) => shownIds.has(id))).toBe(true);
      await shot(page, `lane-duplicates-${kind}-dark`);
      await l.locator('[data-filter-status="all"]').click();
    }
  });

  it('draws gap rows, misrouted flags and duplicate groups at 1440 and 1024 px in both themes', async () => {
    const g = manifest.samples.gap;
    const afterId = await idOf(g.key, `${g.nonce}:7:${g.to + 1}:0`);
    const m = manifest.samples.misrouted;
    const strayId = await idOf(m.key, m.dedupId);
    for (const theme of ['dark', 'light'] as const) {
      if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme) {
        await page.locator('[data-theme-toggle]').first().click();
        await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
      }
      for (const width of [1440, 1024]) {
        await page.setViewportSize({ width, height: 800 });
        await openShard(7);
        await lane(7).locator('[data-jump-input]').fill(afterId);
        await lane(7).locator('[data-jump-input]').press('Enter');
        await lane(7).locator(`[data-marker="gap"][data-gap-from="${g.from}"]`).waitFor();
        await shot(page, `lane-gap-row-${width}-${theme}`);
        await openShard(12);
        await lane(12).locator('[data-jump-input]').fill(strayId);
        await lane(12).locator('[data-jump-input]').press('Enter');
        await lane(12).locator(`[data-entry-id="${strayId}"] [data-misrouted-to]`).waitFor();
        await shot(page, `lane-misrouted-${width}-${theme}`);
        const dup = manifest.samples.collision.shard;
        await openShard(dup);
        await lane(dup).locator('[data-filter-status="duplicate"]').click();
        await lane(dup).locator('[data-marker="group"][data-group-kind]').first().waitFor();
        await shot(page, `lane-duplicates-${width}-${theme}`);
        await lane(dup).locator('[data-filter-status="all"]').click();
      }
    }
    expect(app.problems).toEqual([]);
  }, 60_000);
});

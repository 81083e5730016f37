/**
 * The frame fits a 1024 px window (tester report #5, #6, #11), in Chromium through `serve` on the
 * seeded demo bus, in both themes:
 * - the top bar: every control inside the viewport (Disconnect included), tab labels on one line;
 * - the sidebar's problem badges stay inside their row (extra kinds fold into "+N");
 * - with no problem counts the Problems toggle and the Problems-first sort say why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoBus } from '../../electron/core/demo/seed';
import { formatDedupId } from '../../shared/dedup-id';
import { encodePayload } from '../../shared/wire';
import { shot, startE2e, type AppPage, type E2e } from '../helpers/e2e';

const PREFIX = 'bus';
const MANY = 40;

/** Boxes of the top bar's visible controls that are not fully inside the viewport. */
async function outside(app: AppPage): Promise<string[]> {
  return app.page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const bar = document.querySelector('[data-region="topbar"]')!;
    const out: string[] = [];
    for (const el of bar.querySelectorAll<HTMLElement>('button, [data-connection-url], .chip, .badge, .brand')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.left < 0 || r.right > width + 0.5) out.push(`${el.outerHTML.slice(0, 80)} ${r.left}..${r.right}`);
    }
    return out;
  });
}

describe('the frame at 1024 px', () => {
  let e2e: E2e;

  beforeAll(async () => {
    e2e = await startE2e({
      connect: { prefix: PREFIX },
      seed: async (redis) => {
        await seedDemoBus(redis.admin(), PREFIX);
        // Shard 40 has every kind of problem: corrupt, duplicate, collision, gap and misrouted.
        const admin = redis.admin();
        const key = `${PREFIX}:shard:${MANY}`;
        const nonce = 0xabcdefn;
        const add = (d: string, i: number) => admin.xadd(key, '*', 'd', d, 'dedup_id', formatDedupId(nonce, MANY, 0n, i));
        for (let i = 0; i < 30; i++) if (i < 10 || i >= 20) await add(encodePayload(`{"n":${i}}`, 1n, MANY), i);
        await add(encodePayload('{"n":20}', 1n, MANY), 20);
        await add(encodePayload('{"n":"other"}', 1n, MANY), 21);
        await add(encodePayload('{"n":30}', 1n, 5), 30);
        await admin.xadd(key, '*', 'd', '{"r":oops', 'dedup_id', formatDedupId(nonce, MANY, 0n, 31));
      },
    });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('says why Problems and Problems-first have nothing to work with before any count', async () => {
    const app = await e2e.open({ colorScheme: 'dark', viewport: { width: 1440, height: 900 } });
    const { page } = app;
    await page.locator('[data-shard]').first().waitFor();
    const toggle = page.locator('[data-shard-problems-only]');
    expect(await toggle.isDisabled()).toBe(true);
    expect(await toggle.getAttribute('title')).toContain('run an analysis (Analysis tab) or open shards to count problems');
    expect(await page.locator('[data-shard-sort] option[value="problems"]').textContent()).toContain('no counts yet');
    expect(await page.locator('[data-shard-sort-hint]').count()).toBe(0);
    await page.locator('[data-shard-sort]').selectOption('problems');
    expect(await page.locator('[data-shard-sort-hint]').textContent()).toContain('run an analysis or open shards to count problems');
    // Counts arrive (a whole-bus analysis): the hint goes, the toggle works.
    await page.locator('[data-view-tab="analysis"]').click();
    await page.locator('[data-action="run-analysis"]').click();
    await page.locator('[data-analysis-report]').waitFor();
    await page.locator('[data-shard-sort-hint]').waitFor({ state: 'detached' });
    expect(await toggle.isDisabled()).toBe(false);
    expect(await page.locator('[data-shard-sort] option[value="problems"]').textContent()).toBe('Problems first');
    expect(app.problems).toEqual([]);
    await app.close();
  });

  for (const theme of ['light', 'dark'] as const) {
    for (const width of [1024, 1440]) {
      it(`fits the top bar and the sidebar's badges at ${width} px (${theme})`, async () => {
        const app = await e2e.open({ colorScheme: theme, viewport: { width, height: 768 } });
        const { page } = app;
        await page.locator('[data-shard]').first().waitFor();
        // Problem counts for every shard, then the worst shards first.
        await page.locator('[data-view-tab="analysis"]').click();
        await page.locator('[data-action="run-analysis"]').click();
        await page.locator('[data-analysis-report]').waitFor();
        // The per-shard table keeps every column on screen, the last (misrouted) included.
        const cutColumns = await page.locator('[data-analysis-results] [role="columnheader"]').evaluateAll((els) => {
          const table = els[0]!.closest('[data-analysis-results]')!.getBoundingClientRect();
          const right = Math.min(table.right, document.documentElement.clientWidth);
          return els.filter((e) => e.getBoundingClientRect().right > right + 0.5).map((e) => e.textContent);
        });
        expect(cutColumns).toEqual([]);
        await page.locator('[data-shard-sort]').selectOption('problems');
        await page.locator('[data-shard-list] [data-problem]').first().waitFor();

        expect(await outside(app)).toEqual([]);
        await expect(page.locator('[data-action="disconnect"]').isVisible()).resolves.toBe(true);
        // Tab labels on one line: every tab as high as one line of its text (no wrapped "Health / 12").
        const tabs = await page.locator('[data-view-tab]').evaluateAll((els) =>
          els.map((e) => ({ tab: e.getAttribute('data-view-tab'), h: e.getBoundingClientRect().height, line: parseFloat(getComputedStyle(e).lineHeight) || 18 })),
        );
        expect(tabs.length).toBe(5);
        for (const t of tabs) expect(t.h, `${t.tab} tab wraps`).toBeLessThan(t.line * 2);
        // The URL is on screen (elided, not hidden).
        const url = await page.locator('[data-connection-url]').boundingBox();
        expect(url!.width).toBeGreaterThan(40);

        // Every badge inside its row: nothing cut at the sidebar's edge.
        const cut = await page.locator('[data-shard-list] .problem-badges').evaluateAll((groups) =>
          groups.flatMap((g) => {
            const row = g.closest('button.shard-item')!.getBoundingClientRect();
            return [...g.children].map((b) => b.getBoundingClientRect()).filter((r) => r.left < row.left || r.right > row.right - 2).map((r) => `${g.closest('[data-shard-row]')!.getAttribute('data-shard-row')}: ${r.left}..${r.right} of ${row.left}..${row.right}`);
          }),
        );
        expect(cut).toEqual([]);
        // Shard 40's five kinds: the rest fold into "+N", whose tooltip lists every kind.
        const row = page.locator(`[data-shard-row="${MANY}"]`);
        const more = row.locator('[data-problem-more]');
        await more.waitFor();
        const shown = await row.locator('[data-problem]').count();
        expect(shown + Number(await more.getAttribute('data-problem-more'))).toBe(5);
        expect((await more.getAttribute('title'))!.split('\n').length).toBe(5);
        await shot(page, `shell-fit-${width}-${theme}`);
        await page.locator('[data-view-tab="consumer"]').click();
        await page.locator('[data-consumer-shard]').waitFor();
        expect(await outside(app)).toEqual([]);
        await shot(page, `shell-fit-consumer-${width}-${theme}`);
        expect(app.problems).toEqual([]);
        await app.close();
      });
    }
  }

  it('keeps the Health tab on one line with its error badge at 1024 px', async () => {
    const app = await e2e.open({ colorScheme: 'dark', viewport: { width: 1024, height: 768 } });
    const { page } = app;
    await page.locator('[data-shard]').first().waitFor();
    // Redis refuses the lane's reads (an ACL): the errors land in the Health log and its tab badge.
    const admin = e2e.redis.admin();
    await admin.call('ACL', 'SETUSER', 'default', '-xrange', '-xrevrange');
    try {
      await page.locator(`[data-shard="${MANY}"]`).click();
      await page.locator('[data-health-badge]').waitFor();
      expect(await outside(app)).toEqual([]);
      const health = await page.locator('[data-view-tab="health"]').evaluate((e) => ({ h: e.getBoundingClientRect().height, line: parseFloat(getComputedStyle(e).lineHeight) || 18 }));
      expect(health.h).toBeLessThan(health.line * 2);
      const browse = await page.locator('[data-view-tab="browse"]').boundingBox();
      const badge = await page.locator('[data-health-badge]').boundingBox();
      const tab = await page.locator('[data-view-tab="health"]').boundingBox();
      // Inline: the badge sits inside its tab, on the label's line, the tab as high as the others.
      expect(badge!.x + badge!.width).toBeLessThanOrEqual(tab!.x + tab!.width);
      expect(badge!.y).toBeGreaterThanOrEqual(tab!.y);
      expect(badge!.y + badge!.height).toBeLessThanOrEqual(tab!.y + tab!.height);
      expect(tab!.height).toBe(browse!.height);
      await shot(page, 'shell-fit-health-badge-1024-dark');
    } finally {
      await admin.call('ACL', 'SETUSER', 'default', '+@all');
    }
    await app.close();
  });
});

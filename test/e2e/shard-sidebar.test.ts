/**
 * The shard sidebar and the shard pickers end to end (issues 13 and 14): Chromium through `serve`
 * on real redis-servers.
 * - On the demo bus (whose manifest gives every shard's corrupt, duplicate, collision, gap and
 *   misrouted counts): the filter box, the sort orders, problem badges after a whole-bus analysis,
 *   "problems first" and "problems only", keyboard navigation, and the lane picker combobox.
 * - On 20,000 one-entry shards: the sidebar, the lane picker and the analysis picker keep the DOM
 *   small (node counts, not times: speed is bench/ui-scale.ts), the last shard is reachable by
 *   scrolling, by filter and by typing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardSummary } from '../../shared/contract';
import { encodePayload } from '../../shared/wire';
import { seedDemoBus, type DemoManifest } from '../../electron/core/demo/seed';
import { parseShardQuery, viewShards, type ShardProblems } from '../../renderer/src/models/shard-list-model';
import { pipeline, type Arg } from '../helpers/browser-seed';
import { shot, startE2e, type AppPage, type E2e } from '../helpers/e2e';

const PREFIX = 'bus';

/** Waits until the sidebar's rows, in screen order, are exactly `expected`. */
async function waitForRows(app: AppPage, expected: number[]): Promise<void> {
  await app.page.waitForFunction(
    (want) => {
      const rows = [...document.querySelectorAll('[data-shard-list] [data-shard-row]')]
        .map((r) => ({ shard: Number(r.getAttribute('data-shard-row')), top: r.getBoundingClientRect().top }))
        .sort((a, b) => a.top - b.top)
        .map((r) => r.shard);
      return JSON.stringify(rows) === JSON.stringify(want);
    },
    expected,
    { timeout: 10_000 },
  );
}

describe('shard sidebar on the demo bus', () => {
  let e2e: E2e;
  let app: AppPage;
  let manifest: DemoManifest;
  const summaries = () =>
    manifest.shards.map((m): ShardSummary => ({ shard: m.shard, key: m.key, length: m.entries, firstId: null, lastId: null, appendRate: null }));
  const problemsOf = () =>
    new Map(
      manifest.shards.map((m): [number, ShardProblems] => {
        const counts = { corrupt: m.corrupt, collision: m.collisionGroups, duplicate: m.duplicateGroups - m.collisionGroups, gap: m.gaps.length, misrouted: m.misrouted };
        const total = counts.corrupt + counts.collision + counts.duplicate + counts.gap + counts.misrouted;
        return [m.shard, { ...counts, total, source: 'analysis', at: 1 }];
      }),
    );

  beforeAll(async () => {
    e2e = await startE2e({
      connect: { prefix: PREFIX },
      seed: async (redis) => {
        manifest = await seedDemoBus(redis.admin(), PREFIX);
      },
    });
    app = await e2e.open({ colorScheme: 'dark', viewport: { width: 1440, height: 900 } });
    await app.page.locator('[data-shard]').first().waitFor();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('filters by id prefix, exact id, range and key substring', async () => {
    const { page } = app;
    const all = manifest.shards.map((s) => s.shard);
    await waitForRows(app, all);
    expect(await page.locator('[data-shard-count]').getAttribute('data-shard-count')).toBe(String(all.length));
    const filter = page.locator('[data-shard-filter]');
    for (const text of ['1', '#1', '2-8', 'shard:12', '#0,#12', 'nothing-here']) {
      await filter.fill(text);
      const expected = viewShards(summaries(), parseShardQuery(text), 'id', new Map()).map((s) => s.shard);
      if (expected.length === 0) await page.locator('[data-shard-none]').waitFor();
      else await waitForRows(app, expected);
      expect(await page.locator('[data-shard-count]').getAttribute('data-shown')).toBe(String(expected.length));
    }
    await filter.fill('');
    await waitForRows(app, all);
  });

  it('sorts by length, and by problems with badges after an analysis', async () => {
    const { page } = app;
    await page.locator('[data-shard-sort]').selectOption('length');
    await waitForRows(app, viewShards(summaries(), parseShardQuery(''), 'length', new Map()).map((s) => s.shard));
    // No counts before an analysis: the toggle says so and is off.
    await expect(page.locator('[data-shard-problems-only]').isDisabled()).resolves.toBe(true);
    expect(await page.locator('[data-problem]').count()).toBe(0);

    await page.locator('[data-view-tab="analysis"]').click();
    await page.locator('[data-action="run-analysis"]').click();
    await page.locator('[data-analysis-report]').waitFor();

    // Badges: one per kind with a count, each with that count.
    const problems = problemsOf();
    for (const m of manifest.shards) {
      const p = problems.get(m.shard)!;
      for (const kind of ['corrupt', 'collision', 'duplicate', 'gap', 'misrouted'] as const) {
        const badge = page.locator(`[data-shard-row="${m.shard}"] [data-problem="${kind}"]`);
        if (p[kind] === 0) expect(await badge.count()).toBe(0);
        else expect(await badge.getAttribute('data-count')).toBe(String(p[kind]));
      }
    }
    // Every kind of the demo bus is shown somewhere, each in its own tone.
    const tones = await page.locator('[data-shard-list] [data-problem]').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-problem'), e.getAttribute('data-tone')])));
    expect(tones).toEqual({ corrupt: 'danger', collision: 'danger', duplicate: 'warn', gap: 'accent', misrouted: 'neutral' });

    await page.locator('[data-shard-sort]').selectOption('problems');
    const worstFirst = viewShards(summaries(), parseShardQuery(''), 'problems', problems).map((s) => s.shard);
    await waitForRows(app, worstFirst);
    expect(manifest.shards.find((s) => s.shard === worstFirst[0])!.corrupt).toBeGreaterThan(0);
    await shot(page, 'sidebar-problems-dark');

    await page.locator('[data-shard-problems-only]').click();
    const withProblems = worstFirst.filter((s) => problems.get(s)!.total > 0);
    await waitForRows(app, withProblems);
    expect(withProblems.length).toBeLessThan(manifest.shards.length);
    await page.locator('[data-shard-problems-only]').click();
    await page.locator('[data-shard-sort]').selectOption('id');
    await page.locator('[data-view-tab="browse"]').click();
  });

  it('is driven from the keyboard: Ctrl+G, typing, arrows and Enter', async () => {
    const { page } = app;
    const gap = manifest.samples.gap.shard;
    await page.locator('body').click({ position: { x: 900, y: 600 } });
    await page.keyboard.press('Control+g');
    expect(await page.evaluate(() => document.activeElement?.hasAttribute('data-shard-filter'))).toBe(true);
    await page.keyboard.type(`#${gap}`);
    await waitForRows(app, [gap]);
    await page.keyboard.press('Enter');
    await page.locator(`[data-lane-shard="${gap}"] [data-entry-id]`).first().waitFor();
    // Arrows move row to row; Enter opens the focused one.
    await page.keyboard.press('Control+g');
    await page.keyboard.press('Escape');
    const all = manifest.shards.map((s) => s.shard);
    await waitForRows(app, all);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-shard'))).toBe(String(all[1]));
    await page.keyboard.press('End');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-shard'))).toBe(String(all[all.length - 1]));
    await page.keyboard.press('Enter');
    await page.locator(`[data-lane-shard="${all[all.length - 1]}"] [data-entry-id]`).first().waitFor();
  });

  it('counts from an opened shard\'s background index, the same as the analysis', async () => {
    const { page } = app;
    // The keyboard test opened the gap shard and the last one: their indexes are built, and the
    // next shard list refresh brings their counts, newer than the analysis, so they are shown.
    const problems = problemsOf();
    for (const shard of [manifest.samples.gap.shard, manifest.shards[manifest.shards.length - 1]!.shard]) {
      const row = page.locator(`[data-shard-row="${shard}"] [data-problems-source="index"]`);
      await row.waitFor({ timeout: 20_000 });
      expect(Number(await row.getAttribute('data-problems'))).toBe(problems.get(shard)!.total);
    }
  });

  it('adds a lane by typing in the lane picker', async () => {
    const { page } = app;
    const collision = manifest.samples.collision.shard;
    const input = page.locator('[data-add-lane-input]');
    await input.click();
    // Open: every shard is an option; typing narrows them.
    await page.locator('[data-shard-combo-menu] [data-combo-shard]').first().waitFor();
    await input.fill(`#${collision}`);
    await page.waitForFunction(
      (id) => [...document.querySelectorAll('[data-shard-combo-menu] [data-combo-shard]')].map((o) => o.getAttribute('data-combo-shard')).join() === String(id),
      collision,
    );
    await shot(page, 'lane-picker-dark');
    await page.keyboard.press('Enter');
    await page.locator(`[data-lane-shard="${collision}"] [data-entry-id]`).first().waitFor();
    expect(await input.inputValue()).toBe('');
    expect(app.problems).toEqual([]);
  });
});

describe('shard sidebar at 20,000 shards', () => {
  const N = 20_000;
  let e2e: E2e;
  let app: AppPage;

  beforeAll(async () => {
    e2e = await startE2e({
      connect: { prefix: 'big' },
      seed: async (redis) => {
        await pipeline(
          redis.host,
          redis.port,
          (function* (): Generator<Arg[]> {
            for (let s = 0; s < N; s++) yield ['XADD', `big:shard:${s}`, `${1_720_000_000_000 + s}-0`, 'd', encodePayload(`{"n":${s}}`, 1n, s), 'dedup_id', `e2e:${s}:0:0`];
          })(),
        );
      },
    });
    app = await e2e.open({ colorScheme: 'light', viewport: { width: 1440, height: 900 } });
    await app.page.locator('[data-shard]').first().waitFor({ timeout: 60_000 });
  }, 120_000);
  afterAll(async () => {
    await e2e?.close();
  });

  const nodes = (a: AppPage) => a.page.evaluate(() => document.querySelectorAll('*').length);

  it('puts only the rows on screen in the DOM, and reaches the last shard', async () => {
    const { page } = app;
    expect(await page.locator('[data-shard-count]').getAttribute('data-shard-count')).toBe(String(N));
    expect(await page.locator('[data-shard-row]').count()).toBeLessThan(40);
    expect(await nodes(app)).toBeLessThan(2000);
    // Scrolled to the end: the last shard's row is there, the DOM as small.
    await page.locator('[data-region="sidebar"] .sidebar-scroll').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await page.locator(`[data-shard-row="${N - 1}"]`).waitFor();
    expect(await nodes(app)).toBeLessThan(2000);
    await page.locator('[data-shard-filter]').fill(`#${N - 1}`);
    await waitForRows(app, [N - 1]);
    await page.locator(`[data-shard="${N - 1}"]`).click();
    await page.locator(`[data-lane-shard="${N - 1}"] [data-entry-id]`).first().waitFor();
    await page.locator('[data-shard-filter]').fill('');
    await shot(page, 'sidebar-20000-light');
  });

  it('typing a filter then ↓ and Enter at once opens the filtered shard, never a row of the older list', async () => {
    const { page } = app;
    const filter = page.locator('[data-shard-filter]');
    const lanes = () => page.locator('[data-lane-shard]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-lane-shard'))));
    /** Waits until the lanes are no longer `before`, then returns them. */
    const lanesAfter = async (before: number[]) => {
      await page.waitForFunction((b) => JSON.stringify([...document.querySelectorAll('[data-lane-shard]')].map((e) => Number(e.getAttribute('data-lane-shard')))) !== JSON.stringify(b), before, { timeout: 10_000 });
      return lanes();
    };
    // What a keyboard user does, as Playwright types it: fill, ↓, Enter with no wait in between.
    for (let i = 0; i < 10; i++) {
      const target = N - 2 - i;
      await filter.fill('');
      await page.locator('[data-shard-row="0"]').waitFor();
      const before = await lanes();
      await filter.fill(`#${target}`);
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      expect(await lanesAfter(before)).toEqual([target]);
    }
    // The same three keys in one task of the page (a fast typist on a busy machine): the list has
    // not followed the box yet when ↓ arrives, so this always hit the old list before the fix.
    for (let i = 0; i < 10; i++) {
      const target = N - 20 - i;
      await filter.fill('');
      await page.locator('[data-shard-row="0"]').waitFor();
      const before = await lanes();
      await page.evaluate((text) => {
        const input = document.querySelector<HTMLInputElement>('[data-shard-filter]')!;
        input.focus();
        Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, text);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        const key = (k: string) => document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
        key('ArrowDown');
        key('Enter');
      }, `#${target}`);
      expect(await lanesAfter(before)).toEqual([target]);
    }
    // Enter straight from the box, in the same task, opens the first match too.
    await filter.fill('');
    const before = await lanes();
    await page.evaluate(() => {
      const input = document.querySelector<HTMLInputElement>('[data-shard-filter]')!;
      input.focus();
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, '#12345');
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    });
    expect(await lanesAfter(before)).toEqual([12345]);
    await filter.fill('');
    expect(app.problems).toEqual([]);
  });

  it('the lane picker and the analysis picker stay small too', async () => {
    const { page } = app;
    await page.locator('[data-add-lane-input]').click();
    await page.locator('[data-shard-combo-menu] [data-combo-shard]').first().waitFor();
    expect(await page.locator('[data-combo-shard]').count()).toBeLessThan(40);
    expect(await nodes(app)).toBeLessThan(2000);
    await page.locator('[data-add-lane-input]').fill('19998');
    await page.locator('[data-combo-shard="19998"]').waitFor();
    await page.keyboard.press('Enter');
    await page.locator('[data-lane-shard="19998"] [data-entry-id]').first().waitFor();

    await page.locator('[data-view-tab="analysis"]').click();
    await page.locator('[data-scope="selected"]').click();
    await page.locator('[data-pick-shard]').first().waitFor();
    expect(await page.locator('[data-pick-shard]').count()).toBeLessThan(40);
    expect(await nodes(app)).toBeLessThan(2000);
    // Select everything matching a range, then tick one more off-range box.
    await page.locator('[data-pick-filter]').fill('100-199');
    await page.locator('[data-pick-all]').click();
    await page.locator('[data-pick-count="100"]').waitFor();
    await page.locator('[data-pick-filter]').fill('#19999');
    await page.locator('[data-pick-shard="19999"]').check();
    await page.locator('[data-pick-count="101"]').waitFor();
    await page.locator('[data-pick-filter]').fill('1');
    await page.locator('[data-pick-none]').click();
    // Clear matching: every selected id starts with 1.
    await page.locator('[data-pick-count="0"]').waitFor();

    // The consumer's shard picker: the same searchable list, a small DOM, and typing picks.
    await page.locator('[data-view-tab="consumer"]').click();
    await page.locator('[data-consumer-shard]').fill('1999');
    await page.locator('[data-shard-combo-menu] [data-combo-shard]').first().waitFor();
    expect(await page.locator('[data-view="consumer"] option').count()).toBe(0);
    expect(await page.locator('[data-combo-shard]').count()).toBeLessThan(40);
    expect(await nodes(app)).toBeLessThan(2000);
    await page.locator('[data-consumer-shard]').fill('#19997');
    await page.locator('[data-combo-shard="19997"]').waitFor();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('[data-consumer-shard]')?.value === '19997');
    await page.locator('[data-action="run-consumer"]').click();
    await page.locator('[data-consumer-state="done"][data-consumer-entries="1"]').waitFor();
    expect(await page.locator('[data-consumer-state]').textContent()).toContain('#19997');
    expect(app.problems).toEqual([]);
  });
});

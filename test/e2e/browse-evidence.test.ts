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
import { compareStreamIds } from '../../shared/stream-id';
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
    await shot(page, 'evidence-analysis-1440-dark');
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
    // On screen: inside its list's scroll box, not just rendered.
    const inList = async () => {
      const box = await row.boundingBox();
      const body = await page.locator('.lane', { has: row }).locator('.elist-body').boundingBox();
      return !!box && !!body && box.y >= body.y - 1 && box.y + box.height <= body.y + body.height + 1;
    };
    await expect.poll(inList).toBe(true);
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
    // The shard with the most corrupt entries, to step through them.
    const shard = manifest.shards.reduce((a, b) => (b.corrupt > a.corrupt ? b : a)).shard;
    const got = await openFromAnalysis(`[data-analysis-shard="${shard}"] [data-evidence-open="corrupt"]`, 'corrupt');
    expect(got.shard).toBe(shard);
    expect(await page.locator(`.erow[data-entry-id="${got.id}"]`).getAttribute('data-status')).toBe('corrupt');
    await page.locator('[data-corrupt-reason]').waitFor();
    // Next match: the shard's next corrupt entry, selected and ringed in turn; the last one has no Next.
    const count = manifest.shards.find((x) => x.shard === shard)!.corrupt;
    let previous = got.id;
    for (let k = 1; k < count; k++) {
      // By button, then by its key (n), in turn.
      if (k % 2 === 1) await page.locator('[data-action="evidence-next"]').click();
      else await page.keyboard.press('n');
      await page.locator(`[data-evidence-bar="corrupt"][data-evidence-state="found"]:not([data-evidence-id="${previous}"])`).waitFor();
      const id = (await page.locator('[data-evidence-bar]').getAttribute('data-evidence-id')) as string;
      await page.locator(`.erow[data-entry-id="${id}"][data-status="corrupt"][data-evidence="corrupt"][aria-selected="true"]`).waitFor();
      expect(compareStreamIds(id, previous)).toBeGreaterThan(0);
      previous = id;
    }
    expect(await page.locator('[data-action="evidence-next"]').count()).toBe(0);
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
    // The bus-wide total opens the same entry (the first shard that has one).
    const viaTotal = await openFromAnalysis('[data-analysis-totals] [data-evidence-open="misrouted"]', 'misrouted');
    expect(viaTotal.dedupId).toBe(m.dedupId);
  });

  it('opens the entry bounding a gap', async () => {
    const g = manifest.samples.gap;
    await page.locator('[data-view-tab="analysis"]').click();
    const toggle = page.locator(`[data-analysis-shard="${g.shard}"] [data-col="gaps"] button`);
    if ((await page.locator(`[data-analysis-gaps="${g.shard}"]`).count()) === 0) await toggle.click();
    await page.locator(`[data-analysis-gaps="${g.shard}"] [data-evidence-open="gap"]`).first().waitFor();
    await shot(page, 'evidence-analysis-gaps-1440-dark');
    const got = await openFromAnalysis(`[data-analysis-gaps="${g.shard}"] [data-gap="${g.nonce}:${g.from}-${g.to}"] [data-evidence-open="gap"]`, 'gap');
    const p = parseDedupId(got.dedupId);
    expect(p?.nonce).toBe(g.nonce);
    expect(Number(p?.ordinal)).toBe(g.from - 1);
    expect(got.shard).toBe(g.shard);
    await shot(page, 'evidence-gap-1440-dark');
  });

  /** Opens `shard` in one lane (Browse, lanes view) from the sidebar. */
  async function openShard(shard: number): Promise<void> {
    await page.locator('[data-view-tab="browse"]').click();
    await page.locator(`[data-shard="${shard}"]`).first().click();
    await page.locator(`[data-lane-shard="${shard}"] .erow[data-entry-id]`).first().waitFor();
  }

  /** Every rendered dedup_id cell of `scope` that is cut or hidden (its text wider than its box). */
  const cutDedupIds = (scope: string) =>
    page.locator(`${scope} .erow[data-entry-id] .c-dedup`).evaluateAll((els) =>
      els.filter((el) => el.getBoundingClientRect().width === 0 || el.scrollWidth > el.clientWidth + 1).map((el) => el.textContent),
    );

  it('compares a collision\'s copies side by side and marks the differing field', async () => {
    const col = manifest.samples.collision;
    const got = await openFromAnalysis(`[data-analysis-shard="${col.shard}"] [data-evidence-open="collision"]`, 'collision');
    await page.locator('[data-action="compare-copies"]').click();
    const compare = page.locator('[data-compare]');
    await compare.waitFor();
    expect(Number(await compare.getAttribute('data-compare-count'))).toBeGreaterThan(0);
    const left = compare.locator('[data-compare-side="left"]');
    const right = compare.locator('[data-compare-side="right"]');
    expect(await left.getAttribute('data-compare-id')).toBe(got.id);
    const otherId = (await right.getAttribute('data-compare-id')) as string;
    expect(otherId).not.toBe(got.id);
    // Both copies really carry the dedup_id, and the marked field really differs between them.
    const copies = (await admin.xrange(`${PREFIX}:shard:${col.shard}`, '-', '+')).filter(([, f]) => f[f.indexOf('dedup_id') + 1] === got.dedupId).map(([id]) => id);
    expect(copies).toEqual(expect.arrayContaining([got.id, otherId]));
    // Each side marks what differs: a field only on the left is absent on the right, a changed one differs in text.
    const marked = (side: typeof left) =>
      side.locator('.jt-row[data-diff]:not([data-diff="inner"])').evaluateAll((els) => els.map((el) => ({ path: el.getAttribute('data-path') as string, diff: el.getAttribute('data-diff'), text: el.textContent })));
    const l = await marked(left);
    const r = await marked(right);
    expect(l.length).toBeGreaterThan(0);
    expect(r.length).toBeGreaterThan(0);
    const rightPaths = await right.locator('.jt-row[data-path]').evaluateAll((els) => els.map((el) => el.getAttribute('data-path')));
    for (const m of l) {
      if (m.diff === 'removed') expect(rightPaths).not.toContain(m.path);
      else expect(r.find((x) => x.path === m.path)?.text).not.toBe(m.text);
    }
    await page.locator('[data-compare-paths] [data-diff-path]').first().waitFor();
    await shot(page, 'evidence-collision-compare-1440-dark');
    await page.keyboard.press('Escape');
    await compare.waitFor({ state: 'detached' });
  });

  it('highlights the bytes a corrupt entry\'s reason names', async () => {
    const sample = manifest.samples.corrupt.find((c) => c.kind === 'duplicate-key');
    if (!sample?.d) throw new Error('the demo bus has no duplicate-key entry');
    const shard = Number(sample.key.split(':').pop());
    const entry = (await admin.xrange(sample.key, '-', '+')).find(([, f]) => f[f.indexOf('dedup_id') + 1] === sample.dedupId);
    if (!entry) throw new Error('duplicate-key entry not found');
    await openShard(shard);
    const lane = page.locator(`[data-lane-shard="${shard}"]`);
    await lane.locator('[data-jump-input]').fill(entry[0]);
    await lane.locator('[data-jump-input]').press('Enter');
    const row = lane.locator(`.erow[data-entry-id="${entry[0]}"]`);
    await row.click();
    await page.locator(`[data-detail-id="${entry[0]}"] [data-corrupt-reason]`).waitFor();
    const reason = (await page.locator('[data-corrupt-reason] b').textContent()) as string;
    const byte = Number(/at byte (\d+)/.exec(reason)?.[1]);
    const d = sample.d.toString('utf8');
    // The reader names the second "r" key: that is what is marked, and exactly it.
    expect(byte).toBe(Buffer.byteLength(d.slice(0, d.lastIndexOf('"r"'))));
    const blame = page.locator('[data-payload-view="text"] mark.blame');
    expect(await blame.textContent()).toBe('"r"');
    expect(await blame.getAttribute('data-blame')).toBe(`${byte}-${byte + 3}`);
    await page.locator('[data-blame-note]').waitFor();
    await shot(page, 'evidence-corrupt-1440-dark');

    // A d that is not UTF-8 opens on its bytes, the bad byte marked in the hex dump.
    const latin1 = manifest.samples.corrupt.find((c) => c.kind === 'invalid-utf8');
    if (!latin1?.d) throw new Error('the demo bus has no invalid-utf8 entry');
    const l1 = (await admin.xrangeBuffer(latin1.key, '-', '+')).find(([, f]) => f[f.findIndex((x) => x.toString() === 'dedup_id') + 1]?.toString() === latin1.dedupId);
    if (!l1) throw new Error('invalid-utf8 entry not found');
    const l1Id = l1[0].toString();
    const l1Shard = Number(latin1.key.split(':').pop());
    await openShard(l1Shard);
    const l1Lane = page.locator(`[data-lane-shard="${l1Shard}"]`);
    await l1Lane.locator('[data-jump-input]').fill(l1Id);
    await l1Lane.locator('[data-jump-input]').press('Enter');
    await l1Lane.locator(`.erow[data-entry-id="${l1Id}"]`).click();
    const hexMark = page.locator(`[data-detail-id="${l1Id}"] [data-payload-view="hex"] mark.blame[data-blame]`);
    await hexMark.waitFor();
    const bad = Number(/byte (\d+)/.exec((await page.locator('[data-corrupt-reason] b').textContent()) as string)?.[1]);
    expect(await hexMark.getAttribute('data-blame')).toBe(`${bad}-${bad + 1}`);
    // The marked hex pair is that byte as stored.
    expect(Number.parseInt(((await hexMark.textContent()) as string).trim(), 16)).toBe(latin1.d[bad]);
    await shot(page, 'evidence-corrupt-hex-1440-dark');
  });

  it('keeps every dedup_id whole at 1024 px with the detail open, and in two lanes', async () => {
    await page.setViewportSize({ width: 1024, height: 768 });
    try {
      const shard = manifest.samples.collision.shard;
      await openShard(shard);
      const lane = `[data-lane-shard="${shard}"]`;
      await page.locator(`${lane} .erow[data-entry-id]`).nth(3).click();
      await page.locator('[data-detail]').waitFor();
      await expect.poll(() => cutDedupIds(lane)).toEqual([]);
      // The filter stays usable: its input is wider than a few characters.
      const filterWidth = await page.locator(`${lane} [data-filter-input]`).evaluate((el) => el.getBoundingClientRect().width);
      expect(filterWidth).toBeGreaterThan(160);
      // The server URL in the top bar is whole too.
      expect(await page.locator('[data-connection-url]').evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
      await shot(page, 'evidence-detail-1024-dark');
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
    // Two lanes side by side at 1440 px: each keeps its dedup_ids whole.
    await page.keyboard.press('Escape');
    await page.locator(`[data-shard="${manifest.samples.retry.shard}"]`).first().click({ modifiers: ['Shift'] });
    await page.locator(`[data-lane-shard="${manifest.samples.retry.shard}"] .erow[data-entry-id]`).first().waitFor();
    await expect.poll(() => cutDedupIds('[data-lane]')).toEqual([]);
    await shot(page, 'evidence-two-lanes-1440-dark');
  });

  it('clears the results of an invalid filter', async () => {
    const shard = manifest.samples.retry.shard;
    const lane = page.locator(`[data-lane-shard="${shard}"]`);
    await lane.locator('[data-filter-input]').fill('$.nope ==');
    await lane.locator('[data-filter-input]').press('Enter');
    await lane.locator('[data-filter-invalid]').waitFor();
    await lane.locator('.filter-error[role="alert"]').waitFor();
    expect(await lane.locator('.erow[data-entry-id]').count()).toBe(0);
    // Clearing it brings the stream back.
    await lane.locator('[data-filter-input]').press('Escape');
    await lane.locator('.erow[data-entry-id]').first().waitFor();
  });

  it('keeps a selected row in view while the live tail writes, and resumes on request', async () => {
    const shard = manifest.shards[0]!.shard;
    await openShard(shard);
    const lane = page.locator(`[data-lane-shard="${shard}"]`);
    const before = Number(await lane.locator('[data-lane-length]').getAttribute('data-lane-length'));
    const row = lane.locator('.erow[data-entry-id]').nth(2);
    const id = (await row.getAttribute('data-entry-id')) as string;
    await row.click();
    await lane.locator(`.erow[data-entry-id="${id}"][aria-selected="true"]`).waitFor();
    const N = 300;
    const key = `${PREFIX}:shard:${shard}`;
    for (let k = 0; k < N; k += 50) {
      const p = admin.pipeline();
      for (let j = k; j < k + 50; j++) p.xadd(key, '*', 'd', encodePayload(`{"tail":${j}}`, BigInt(j + 1), shard), 'dedup_id', `7a11:${shard}:0:${j}`);
      await p.exec();
    }
    await lane.locator(`[data-lane-length="${before + N}"]`).waitFor();
    await lane.locator('[data-following="paused"]').waitFor();
    // The selected row is still on screen, inside the list's box.
    const inView = async () => {
      const body = await lane.locator('.elist-body').boundingBox();
      const box = await lane.locator(`.erow[data-entry-id="${id}"]`).boundingBox();
      return !!body && !!box && box.y >= body.y - 1 && box.y + box.height <= body.y + body.height + 1;
    };
    await expect.poll(inView).toBe(true);
    // The "N new" pill sits over the payload column, never over a dedup_id.
    const pill = await lane.locator('[data-new-count]').boundingBox({ timeout: 5000 });
    const dedup = await lane.locator('.erow-head .c-dedup').boundingBox();
    expect(pill && dedup && pill.x >= dedup.x + dedup.width).toBe(true);
    await shot(page, 'evidence-tail-paused-1440-dark');
    await lane.locator('[data-action="resume-follow"]').click();
    await lane.locator('.erow[aria-selected="true"]').waitFor({ state: 'detached' });
    await expect.poll(() => lane.locator('.erow[data-entry-id]').first().getAttribute('data-row-index')).toBe('0');
  });

  it('resizes a column by dragging its header edge, and keeps the width after a reload', async () => {
    const shard = manifest.samples.retry.shard;
    await openShard(shard);
    const head = page.locator(`[data-lane-shard="${shard}"] .erow-head .c-dedup`);
    const before = (await head.boundingBox())!;
    const grip = (await page.locator(`[data-lane-shard="${shard}"] [data-col-grip="dedup"]`).boundingBox())!;
    await page.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2);
    await page.mouse.down();
    await page.mouse.move(grip.x + grip.width / 2 + 60, grip.y + grip.height / 2, { steps: 4 });
    await page.mouse.up();
    await expect.poll(async () => Math.round((await head.boundingBox())!.width)).toBe(Math.round(before.width) + 60);
    await page.reload();
    await page.locator('[data-app-ready="true"]').waitFor();
    await openShard(shard);
    await expect.poll(async () => Math.round((await head.boundingBox())!.width)).toBe(Math.round(before.width) + 60);
    // Double-click resets it.
    await page.locator(`[data-lane-shard="${shard}"] [data-col-grip="dedup"]`).dblclick();
    await expect.poll(async () => Math.round((await head.boundingBox())!.width)).toBe(Math.round(before.width));
    // The reload dropped the report: run the analysis again for the tests after this one.
    await page.locator('[data-view-tab="analysis"]').click();
    await page.locator('[data-action="run-analysis"]').click();
    await page.locator('[data-analysis-report]').waitFor();
  });

  it('keeps the evidence readable in both themes at 1440 and 1024 px: detail, collision comparison, corrupt bytes', async () => {
    const col = manifest.samples.collision;
    const sample = manifest.samples.corrupt.find((c) => c.kind === 'duplicate-key')!;
    const corruptShard = Number(sample.key.split(':').pop());
    const corruptId = (await admin.xrange(sample.key, '-', '+')).find(([, f]) => f[f.indexOf('dedup_id') + 1] === sample.dedupId)![0];
    for (const theme of ['dark', 'light'] as const) {
      if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme) await page.locator('[data-theme-toggle]').first().click();
      await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
      for (const width of [1440, 1024]) {
        await page.setViewportSize({ width, height: width === 1440 ? 900 : 768 });
        await openFromAnalysis(`[data-analysis-shard="${col.shard}"] [data-evidence-open="collision"]`, 'collision');
        await expect.poll(() => cutDedupIds(`[data-lane-shard="${col.shard}"]`)).toEqual([]);
        await shot(page, `evidence-detail-${width}-${theme}`);
        await page.locator('[data-action="compare-copies"]').click();
        await page.locator('[data-compare] [data-compare-side="right"] .jt-row[data-diff]').first().waitFor();
        await shot(page, `evidence-compare-${width}-${theme}`);
        await page.keyboard.press('Escape');
        await page.locator('[data-compare]').waitFor({ state: 'detached' });
        await openShard(corruptShard);
        const lane = page.locator(`[data-lane-shard="${corruptShard}"]`);
        await lane.locator('[data-jump-input]').fill(corruptId);
        await lane.locator('[data-jump-input]').press('Enter');
        await lane.locator(`.erow[data-entry-id="${corruptId}"]`).click();
        await page.locator(`[data-detail-id="${corruptId}"] mark.blame`).waitFor();
        await expect.poll(() => cutDedupIds(`[data-lane-shard="${corruptShard}"]`)).toEqual([]);
        await shot(page, `evidence-corrupt-${width}-${theme}`);
      }
    }
    await page.setViewportSize({ width: 1440, height: 900 });
    expect(app.problems).toEqual([]);
  }, 90_000);
});

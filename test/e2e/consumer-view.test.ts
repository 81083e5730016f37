/**
 * Issue 13 end to end, in Chromium through `serve`:
 * - the consumer view on the seeded demo bus: its counts equal a replay computed here, in the test,
 *   straight from Redis (XRANGE with an exclusive cursor and COUNT limit+1, as poll_shard reads)
 *   through a dedup window, not through the app's replay code;
 * - the first connection: a dead port stays on the form with the reason and saves nothing; "Save
 *   anyway" saves it; a live one connects and is saved.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoBus, type DemoManifest } from '../../electron/core/demo/seed';
import { RedisStreamDedup } from '../../shared/dedup-window';
import { decodePayloadBytes } from '../../shared/wire';
import { freePort, type TestRedis } from '../helpers/redis-server';
import { shot, startE2e, type AppPage, type E2e } from '../helpers/e2e';

const PREFIX = 'demo';

interface Counts {
  entries: number;
  pages: number;
  delivered: number;
  dropped: number;
  letThrough: number;
  skipped: number;
}

/** What a consumer with `poll_shard(limit)` and a window of `capacity` did, read from Redis here. */
async function independentReplay(redis: TestRedis, shard: number, limit: number, capacity: number, until: string): Promise<Counts> {
  const admin = redis.admin();
  const key = `${PREFIX}:shard:${shard}`;
  const window = new RedisStreamDedup(capacity);
  const ever = new Set<string>();
  const c: Counts = { entries: 0, pages: 0, delivered: 0, dropped: 0, letThrough: 0, skipped: 0 };
  let cursor: string | null = null;
  for (;;) {
    const reply = (await admin.xrangeBuffer(key, cursor === null ? '-' : `(${cursor}`, '+', 'COUNT', limit + 1)) as unknown as Array<[Buffer, Buffer[]]>;
    c.pages++;
    for (const [idBuf, fields] of reply.slice(0, limit)) {
      c.entries++;
      cursor = idBuf.toString();
      let d: Buffer | undefined;
      let dedup: string | undefined;
      for (let f = 0; f + 1 < fields.length; f += 2) {
        const name = fields[f]!.toString();
        if (name === 'd') d = fields[f + 1];
        else if (name === 'dedup_id') dedup = fields[f + 1]!.toString('utf8');
      }
      if (d === undefined || !decodePayloadBytes(d).ok) {
        c.skipped++;
        continue;
      }
      // Ok entries without a dedup_id are delivered without a check (counted with delivered).
      if (dedup === undefined) {
        c.delivered++;
        continue;
      }
      if (window.isDuplicate(dedup)) c.dropped++;
      else if (ever.has(dedup)) c.letThrough++;
      else c.delivered++;
      ever.add(dedup);
    }
    if (reply.length <= limit || cursor === until) break;
  }
  return c;
}

async function tileValue(app: AppPage, id: string): Promise<number> {
  return Number(await app.page.locator(`[data-consumer-total="${id}"]`).getAttribute('data-value'));
}

async function runReplay(app: AppPage, limit: number, capacity: number): Promise<void> {
  const { page } = app;
  await page.locator('[data-consumer-limit]').fill(String(limit));
  await page.locator('[data-consumer-capacity]').fill(String(capacity));
  // The summary of an earlier replay may already say "done": wait for this run's own job.
  const summary = page.locator('[data-consumer-state]');
  const before = (await summary.count()) > 0 ? await summary.getAttribute('data-consumer-job') : null;
  await page.locator('[data-action="run-consumer"]').click();
  await page.waitForFunction((prev) => {
    const el = document.querySelector('[data-consumer-state]');
    return el !== null && el.getAttribute('data-consumer-job') !== prev && el.getAttribute('data-consumer-state') === 'done';
  }, before);
}

describe('the consumer view on the seeded demo bus', () => {
  let e2e: E2e;
  let app: AppPage;
  let manifest: DemoManifest;

  beforeAll(async () => {
    e2e = await startE2e({
      seed: async (r) => {
        manifest = await seedDemoBus(r.admin(), PREFIX, { now: 1_733_000_000_000, seed: 7 });
      },
      connect: { prefix: PREFIX },
    });
    app = await e2e.open({ colorScheme: 'dark', viewport: { width: 1440, height: 900 } });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it.each([
    { limit: 100, capacity: 4096 },
    { limit: 37, capacity: 16 },
  ])('counts what an independent consumer counts (shard with retries, limit $limit, window $capacity)', async ({ limit, capacity }) => {
    const { page } = app;
    const shard = manifest.samples.retry.shard;
    await page.locator(`[data-shard="${shard}"]`).click();
    // Alt+5 opens the consumer view on the shard selected in the sidebar.
    await page.keyboard.press('Alt+5');
    await page.locator('[data-view="consumer"]').waitFor();
    await page.waitForFunction((want) => document.querySelector<HTMLInputElement>('[data-consumer-shard]')?.value === want, String(shard));
    await runReplay(app, limit, capacity);
    const last = manifest.shards.find((s) => s.shard === shard)!;
    const lastId = ((await e2e.redis.admin().xrevrange(`${PREFIX}:shard:${shard}`, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>)[0]![0];
    const want = await independentReplay(e2e.redis, shard, limit, capacity, lastId);
    expect(want.entries).toBe(last.entries);
    expect(Number(await page.locator('[data-consumer-state]').getAttribute('data-consumer-entries'))).toBe(want.entries);
    expect(await tileValue(app, 'delivered')).toBe(want.delivered);
    expect(await tileValue(app, 'dropped')).toBe(want.dropped);
    expect(await tileValue(app, 'let-through')).toBe(want.letThrough);
    expect(await tileValue(app, 'skipped')).toBe(want.skipped);
    expect(want.dropped + want.letThrough).toBe(last.duplicateEntries);
    const defaultWant = await independentReplay(e2e.redis, shard, limit, 4096, lastId);
    expect(await tileValue(app, 'default-let-through')).toBe(defaultWant.letThrough);
    // The filter counts equal the tiles; the list renders only what is on screen.
    expect(Number(await page.locator('[data-consumer-filter="dropped"]').getAttribute('data-count'))).toBe(want.dropped);
    expect(Number(await page.locator('[data-consumer-filter="all"]').getAttribute('data-count'))).toBe(want.entries);
    await page.locator('[data-consumer-row]').first().waitFor();
    expect(await page.locator('[data-consumer-row]').count()).toBeLessThan(80);
  });

  it('filters to the duplicates the window let through, moves with j and jumps to the previous copy with p', async () => {
    const { page } = app;
    expect(await tileValue(app, 'let-through')).toBeGreaterThan(0);
    await page.locator('[data-consumer-filter="let-through"]').click();
    await page.locator('[data-consumer-row]').first().waitFor();
    const verdicts = await page.locator('[data-consumer-row]').evaluateAll((els) => els.map((e) => e.getAttribute('data-verdict')));
    expect(new Set(verdicts)).toEqual(new Set(['let-through']));
    await page.locator('[data-consumer-list]').focus();
    await page.keyboard.press('j');
    const detail = page.locator('[data-consumer-detail]');
    await detail.waitFor();
    const dup = Number(await detail.getAttribute('data-consumer-detail'));
    const dupDedup = await page.locator(`[data-consumer-row="${dup}"]`).getAttribute('data-verdict');
    expect(dupDedup).toBe('let-through');
    await shot(page, 'consumer-let-through-1440-dark');
    await page.keyboard.press('p');
    await expect.poll(async () => Number(await detail.getAttribute('data-consumer-detail'))).toBeLessThan(dup);
    expect(await page.locator('[data-consumer-filter="all"]').getAttribute('aria-checked')).toBe('true');
    await page.locator('[data-consumer-filter="all"]').click();
    await shot(page, 'consumer-all-1440-dark');
    await page.setViewportSize({ width: 1024, height: 768 });
    await shot(page, 'consumer-all-1024-dark');
    await page.locator('[data-theme-toggle]').first().click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await shot(page, 'consumer-all-1024-light');
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.locator('[data-consumer-filter="let-through"]').click();
    await shot(page, 'consumer-let-through-1440-light');
    await page.locator('[data-theme-toggle]').first().click();
    // A skipped entry says why net-mesh's reader refuses it.
    await page.locator('[data-consumer-filter="skipped"]').click();
    await page.locator('[data-consumer-list]').focus();
    await page.keyboard.press('j');
    await expect.poll(() => page.locator('[data-consumer-detail]').textContent()).toContain('Reason:');
  });

  it('Analysis counts the duplicates a default consumer would deliver twice, as the independent replay does', async () => {
    const { page } = app;
    await page.keyboard.press('Alt+3');
    await page.locator('[data-action="run-analysis"]').click();
    const note = page.locator('[data-analysis-redeliveries]');
    await note.waitFor();
    let want = 0;
    for (const s of manifest.shards) {
      const lastId = ((await e2e.redis.admin().xrevrange(s.key, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>)[0]![0];
      want += (await independentReplay(e2e.redis, s.shard, 1000, 4096, lastId)).letThrough;
    }
    expect(Number(await note.getAttribute('data-analysis-redeliveries'))).toBe(want);
    expect(await note.textContent()).toContain('would deliver twice');
  });

  it('picks the shard by typing its id in a searchable list (no option element per shard)', async () => {
    const { page } = app;
    await page.keyboard.press('Alt+5');
    await page.locator('[data-view="consumer"]').waitFor();
    expect(await page.locator('[data-view="consumer"] option').count()).toBe(0);
    const other = manifest.shards.find((s) => s.shard !== manifest.samples.retry.shard && s.entries > 0)!;
    const input = page.locator('[data-consumer-shard]');
    await input.fill(`#${other.shard}`);
    await page.locator(`[data-view="consumer"] [data-combo-shard="${other.shard}"]`).waitFor();
    await page.keyboard.press('Enter');
    await page.locator('[data-view="consumer"] [data-shard-combo-menu]').waitFor({ state: 'hidden' });
    // The picked id replaces what was typed ("#0" → "0").
    await page.waitForFunction((want) => document.querySelector<HTMLInputElement>('[data-consumer-shard]')?.value === want, String(other.shard));
    await runReplay(app, 100, 4096);
    expect(Number(await page.locator('[data-consumer-state]').getAttribute('data-consumer-entries'))).toBe(other.entries);
    expect(await page.locator('[data-consumer-state]').textContent()).toContain(`#${other.shard}`);
    // Text that names no shard: Replay waits for a pick.
    await input.fill('nothing-here');
    expect(await page.locator('[data-action="run-consumer"]').isDisabled()).toBe(true);
  });

  it('runs under the CSP with no console errors', () => {
    expect(app.problems).toEqual([]);
  });
});

describe('the first connection from the form', () => {
  let e2e: E2e;
  let app: AppPage;
  const profilesOnDisk = () => {
    const file = path.join(e2e.home, 'profiles.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { profiles: Array<{ name: string }> }).profiles.map((p) => p.name) : [];
  };

  beforeAll(async () => {
    e2e = await startE2e({ seed: async (r) => void (await seedDemoBus(r.admin(), PREFIX, { now: 1_733_000_000_000, seed: 7 })) });
    app = await e2e.open({ colorScheme: 'dark', viewport: { width: 1440, height: 1000 } });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('a dead port stays on the form with the reason named, and nothing is saved', async () => {
    const { page } = app;
    await page.locator('[data-screen="connect"]').waitFor();
    const dead = await freePort();
    await page.locator('input[name="name"]').fill('dead bus');
    await page.locator('input[name="url"]').fill(`redis://127.0.0.1:${dead}`);
    await page.locator('input[name="prefix"]').fill(PREFIX);
    await page.locator('[data-action="save-connect"]').click();
    const notice = page.locator('[data-screen="connect"] .connect-main > [role="alert"]');
    await notice.waitFor();
    const text = (await notice.textContent()) ?? '';
    expect(text).toContain('nothing is listening at that address');
    expect(text).toContain('ECONNREFUSED');
    await page.locator('[data-not-saved]').waitFor();
    // Never left the connect screen, never called anything stale.
    expect(await page.locator('[data-screen="shell"]').count()).toBe(0);
    expect(await page.locator('.app').getAttribute('data-connection-state')).toBe('disconnected');
    expect(await page.content()).not.toContain('stale');
    expect(await page.locator('[data-profile-id]').count()).toBe(0);
    expect(profilesOnDisk()).toEqual([]);
    // What was typed is still there to fix.
    expect(await page.locator('input[name="url"]').inputValue()).toBe(`redis://127.0.0.1:${dead}`);
    await shot(page, 'connect-failed-1440-dark');
    await page.setViewportSize({ width: 1024, height: 900 });
    await shot(page, 'connect-failed-1024-dark');
    await page.locator('[data-theme-toggle]').first().click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await shot(page, 'connect-failed-1024-light');
    await page.setViewportSize({ width: 1440, height: 1000 });
    await shot(page, 'connect-failed-1440-light');
    await page.locator('[data-theme-toggle]').first().click();
  });

  it('"Save anyway" saves the dead profile as it is', async () => {
    const { page } = app;
    await page.locator('[data-action="save-anyway"]').click();
    await page.locator('[data-profile-name="dead bus"]').waitFor();
    expect(profilesOnDisk()).toEqual(['dead bus']);
  });

  it('a live one connects and is saved', async () => {
    const { page } = app;
    await page.locator('input[name="name"]').fill('live bus');
    await page.locator('input[name="url"]').fill(e2e.redis.url);
    await page.locator('input[name="prefix"]').fill(PREFIX);
    await page.locator('[data-action="save-connect"]').click();
    await page.locator('[data-connection-state="ready"]').waitFor();
    await page.locator('[data-shard]').first().waitFor();
    expect(profilesOnDisk()).toEqual(['dead bus', 'live bus']);
    expect(app.problems).toEqual([]);
  });
});

/**
 * Issue 17 end to end, Chromium through `serve` on a real redis-server: Analysis tells a deleted
 * batch (possibly deleted), a never-written one (lost) and a trimmed head apart; the lane's stream
 * facts and the sidebar tooltip say what XINFO STREAM says; the Health view shows the slow log with
 * a DEBUG SLEEP the test issued (values hidden), clients and raw INFO; an ACL user without SLOWLOG
 * and CLIENT sees "not permitted" there and the rest works; notifications (browser permission
 * granted to the context) fire once for a burst on a live-tailed shard.
 */
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePayload } from '../../shared/wire';
import { shot, startE2e, startServed, type AppPage, type E2e, type Served } from '../helpers/e2e';

const NONCE = 'c0ffee';
const LIMITED_PW = 'l1mited-E2e-pw';

async function batch(redis: Redis, shard: number, seq: number, n: number): Promise<string[]> {
  const m = redis.multi();
  for (let i = 0; i < n; i++) m.xadd(`net:shard:${shard}`, '*', 'd', encodePayload(`{"n":${seq + i}}`, BigInt(seq + i + 1), shard), 'dedup_id', `${NONCE}:${shard}:${seq}:${i}`);
  return ((await m.exec()) ?? []).map(([, id]) => id as string);
}

describe('incident forensics', () => {
  let e2e: E2e;
  let app: AppPage;
  let admin: Redis;

  beforeAll(async () => {
    e2e = await startE2e({
      redis: { args: ['--enable-debug-command', 'yes'] },
      connect: { prefix: 'net' },
      seed: async (redis) => {
        const a = redis.admin();
        // Shard 3: 0..19 (0..4 then trimmed), 20..29 written then deleted, 30..39, 40..49 never written, 50..59.
        const first = await batch(a, 3, 0, 10);
        await batch(a, 3, 10, 10);
        const deleted = await batch(a, 3, 20, 10);
        await batch(a, 3, 30, 10);
        await batch(a, 3, 50, 10);
        await a.xdel('net:shard:3', ...deleted);
        await a.xtrim('net:shard:3', 'MINID', first[5]!);
        // Shard 5: the live-tail target for notifications.
        await batch(a, 5, 0, 3);
        await a.call('ACL', 'SETUSER', 'limited', 'on', `>${LIMITED_PW}`, '~*', '&*', '+@all', '-slowlog', '-client|list', '-latency', '-debug', '-config');
        await a.call('CLIENT', 'SETNAME', 'ops-console');
        await a.call('DEBUG', 'SLEEP', '0.06');
      },
    });
    admin = e2e.redis.admin();
    app = await e2e.open({ viewport: { width: 1440, height: 900 } });
    await app.page.locator('[data-shard="3"]').waitFor();
  });

  afterAll(async () => {
    await e2e?.close();
  });

  it('Analysis says possibly deleted, lost and a trimmed head, each with its reason', async () => {
    const { page } = app;
    await page.locator('[data-view-tab="analysis"]').click();
    await page.locator('[data-action="run-analysis"]').click();
    const row = page.locator('[data-analysis-shard="3"]');
    await row.waitFor();
    await row.locator('[data-col="gaps"] button').click();
    const gaps = page.locator('[data-analysis-gaps="3"]');
    const deleted = gaps.locator('[data-gap="c0ffee:20-29"]');
    expect(await deleted.getAttribute('data-gap-cause')).toBe('possibly-deleted');
    expect(await deleted.textContent()).toContain('possibly deleted');
    expect(await deleted.getAttribute('title')).toMatch(/^Possibly deleted: entries up to \d+-\d+ were removed with XDEL/);
    expect(await gaps.locator('[data-gap="c0ffee:40-49"]').getAttribute('data-gap-cause')).toBe('lost');
    const head = gaps.locator('[data-head-gap="c0ffee:0-4"]');
    expect(await head.getAttribute('data-gap-cause')).toBe('trimmed');
    expect(await head.textContent()).toContain('trimmed');
    await shot(page, 'analysis-gap-causes-1440');
    expect(app.problems).toEqual([]);
  });

  it('the lane shows the stream facts XINFO STREAM gives, and the sidebar tooltip says the same', async () => {
    const { page } = app;
    await page.locator('[data-view-tab="browse"]').click();
    await page.locator('[data-shard="3"]').click();
    const lane = page.locator('[data-lane-shard="3"]');
    await lane.locator('[data-action="stream-facts"]').click();
    const facts = lane.locator('[data-stream-facts="3"]');
    await facts.locator('[data-fact="removed"] dd').waitFor();
    const flat = (await admin.call('XINFO', 'STREAM', 'net:shard:3')) as unknown[];
    const x = (k: string) => flat[flat.indexOf(k) + 1];
    expect(await facts.locator('[data-fact="added"] dd').textContent()).toBe(String(x('entries-added')));
    expect(await facts.locator('[data-fact="removed"] dd').textContent()).toBe('15');
    expect(await facts.locator('[data-fact="max-deleted"] dd').textContent()).toBe(x('max-deleted-entry-id'));
    expect(await facts.locator('[data-fact="first-recorded"] dd').textContent()).toBe(x('recorded-first-entry-id'));
    await shot(page, 'lane-stream-facts-1440');
    await page.locator('[data-shard="3"]').hover();
    await expect.poll(() => page.locator('[data-shard="3"]').getAttribute('title')).toContain('Removed: 15');
  });

  it('Health shows the slow log with the DEBUG SLEEP (values hidden), clients and searchable raw INFO, at 1440 and 1024 px', async () => {
    const { page } = app;
    await page.locator('[data-view-tab="health"]').click();
    const panels = page.locator('[data-incident-panels]');
    const sleep = panels.locator('[data-command-name="debug|sleep"]').first();
    await sleep.waitFor();
    expect(await sleep.locator('.hv-slowlog-cmd').textContent()).toBe('DEBUG SLEEP ?');
    expect(await sleep.textContent()).toContain('ops-console');
    const look = async (name: string) => {
      await panels.evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await shot(page, name);
    };
    await look('health-incident-slowlog-1440');
    await panels.locator('[data-incident-tab="clients"]').click();
    await panels.locator('[data-clients-total]').waitFor();
    expect(await panels.locator('.hv-countlist li', { hasText: 'ops-console' }).count()).toBe(1);
    await look('health-incident-clients-1440');
    await panels.locator('[data-incident-tab="latency"]').click();
    await panels.locator('[data-latency-threshold]').waitFor();
    await look('health-incident-latency-1440');
    await panels.locator('[data-incident-tab="info"]').click();
    await panels.locator('[data-info-search]').fill('used_memory_peak');
    await expect.poll(() => panels.locator('[data-info-key]').evaluateAll((els) => els.map((e) => e.getAttribute('data-info-key')))).toEqual(['used_memory_peak', 'used_memory_peak_human', 'used_memory_peak_perc']);
    await panels.locator('[data-info-search]').fill('');
    await look('health-incident-info-1440');
    await page.setViewportSize({ width: 1024, height: 768 });
    await look('health-incident-info-1024');
    await panels.locator('[data-incident-tab="clients"]').click();
    await look('health-incident-clients-1024');
    await panels.locator('[data-incident-tab="slowlog"]').click();
    await look('health-incident-slowlog-1024');
    await page.locator('.hv-health-scroll').evaluate((el) => el.scrollTo(0, 0));
    await shot(page, 'health-top-1024');
    await page.setViewportSize({ width: 1440, height: 900 });
    expect(app.problems).toEqual([]);
  });

  it('notifications, once allowed, fire once for a burst of corrupt entries on a live-tailed shard', async () => {
    const notify = await e2e.open({ viewport: { width: 1440, height: 900 }, permissions: ['notifications'] });
    try {
      const { page } = notify;
      // Record what the page shows (the browser's own toast is outside the page).
      await page.evaluate(() => {
        const shown: Array<{ title: string; body: string }> = [];
        (window as unknown as { __notices: typeof shown }).__notices = shown;
        const Real = window.Notification;
        class Recording extends Real {
          constructor(title: string, options?: NotificationOptions) {
            super(title, options);
            shown.push({ title, body: options?.body ?? '' });
          }
        }
        Object.defineProperty(window, 'Notification', { value: Recording, configurable: true });
      });
      await page.locator('[data-view-tab="health"]').click();
      const toggle = page.locator('[data-notify-toggle]');
      await toggle.check();
      await expect.poll(() => toggle.isChecked()).toBe(true);
      await page.locator('[data-view-tab="browse"]').click();
      await page.locator('[data-shard="5"]').click();
      const lane = page.locator('[data-lane-shard="5"]');
      await lane.locator('[data-entry-id]').first().waitFor();
      // The lane follows the live end: a new entry shows up, so the tail runs.
      const marker = await admin.xadd('net:shard:5', '*', 'd', encodePayload('{"n":3}', 4n, 5), 'dedup_id', `${NONCE}:5:3:0`);
      await lane.locator(`[data-entry-id="${marker}"]`).waitFor();
      for (let i = 0; i < 8; i++) await admin.xadd('net:shard:5', '*', 'd', `not json ${i}`, 'dedup_id', `${NONCE}:5:${4 + i}:0`);
      await page.waitForFunction(() => (window as unknown as { __notices: unknown[] }).__notices.length > 0, undefined, { timeout: 15_000 });
      const notices = await page.evaluate(() => (window as unknown as { __notices: Array<{ title: string; body: string }> }).__notices);
      expect(notices).toEqual([{ title: 'New problem on a live-tailed shard', body: 'Shard 5: 8 corrupt entries.' }]);
      expect(notify.problems).toEqual([]);
    } finally {
      await notify.close();
    }
  });
});

describe('an ACL user without SLOWLOG, CLIENT LIST and LATENCY', () => {
  let e2e: E2e;
  let limited: Served;
  let app: AppPage;

  beforeAll(async () => {
    e2e = await startE2e({
      seed: async (redis) => {
        const a = redis.admin();
        await batch(a, 1, 0, 5);
        await a.call('ACL', 'SETUSER', 'limited', 'on', `>${LIMITED_PW}`, '~*', '&*', '+@all', '-slowlog', '-client|list', '-latency', '-debug', '-config');
      },
    });
    limited = await startServed({ url: `redis://limited:${LIMITED_PW}@127.0.0.1:${e2e.redis.port}`, prefix: 'net' });
    app = await limited.open({ viewport: { width: 1440, height: 900 } });
    await app.page.locator('[data-shard="1"]').waitFor();
  });

  afterAll(async () => {
    await limited?.close();
    await e2e?.close();
  });

  it('sees "not permitted" in those panels, raw INFO and everything else working', async () => {
    const { page } = app;
    await page.locator('[data-view-tab="health"]').click();
    const panels = page.locator('[data-incident-panels]');
    const refused = panels.locator('[data-panel-status="not-permitted"]');
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/^SLOWLOG GET is not permitted for this user \(NOPERM/);
    await panels.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot(page, 'health-incident-not-permitted-1440');
    await panels.locator('[data-incident-tab="clients"]').click();
    expect(await panels.locator('[data-panel-status="not-permitted"]').textContent()).toMatch(/^CLIENT LIST is not permitted/);
    await panels.locator('[data-incident-tab="info"]').click();
    await panels.locator('[data-info-search]').fill('redis_version');
    await panels.locator('[data-info-key="redis_version"]').waitFor();
    // Nothing else breaks: no error badge for the refusals, and the shard opens.
    expect(await page.locator('[data-error-log] [data-error-total]').count()).toBe(0);
    expect(await page.locator('[data-error-log]').getAttribute('data-error-total')).toBe('0');
    await page.locator('[data-view-tab="browse"]').click();
    await page.locator('[data-shard="1"]').click();
    await page.locator('[data-lane-shard="1"] [data-entry-id]').first().waitFor();
    expect(app.problems).toEqual([]);
  });
});

/**
 * Browser mode's link to `serve` drops (laptop sleep, proxy hiccup): the UI says so at once, keeps
 * what it shows, reconnects by itself with backoff, and works again afterwards. The drop is made
 * real by routing the page's WebSocket through Playwright and closing or refusing it.
 */
import type { WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shot, startE2e, type AppPage, type E2e } from '../helpers/e2e';

describe('the link to serve', () => {
  let e2e: E2e;
  let app: AppPage;
  let current: WebSocketRoute | null = null;
  let refuse = false;
  let attempts = 0;

  beforeAll(async () => {
    e2e = await startE2e({
      connect: { prefix: 'link' },
      seed: async (redis) => {
        const admin = redis.admin();
        await admin.xadd('link:shard:2', '1700000000000-0', 'd', '{"r":{"n":1},"t":1,"s":2}', 'dedup_id', 'ab:2:0:0');
      },
    });
    app = await e2e.open({
      beforeGoto: (page) =>
        page.routeWebSocket(/\/ws(\?|$)/, (ws) => {
          attempts++;
          if (refuse) {
            // As if serve were unreachable: the upgrade never completes.
            void ws.close({ code: 1011 });
            return;
          }
          ws.connectToServer();
          current = ws;
        }),
    });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('shows the drop, keeps the data, and recovers by itself', async () => {
    const { page } = app;
    await page.locator('[data-shard="2"]').click();
    await page.locator('[data-entry-id="1700000000000-0"]').waitFor();
    expect(await page.locator('[data-app-ready]').getAttribute('data-link')).toBe('open');

    refuse = true;
    const before = attempts;
    await current?.close({ code: 1001 });
    await page.locator('[data-banner="link"]').waitFor();
    expect(await page.locator('[data-app-ready]').getAttribute('data-link')).toBe('reconnecting');
    // Redis' state is unknown while the link is down: the pill does not claim "Ready".
    expect(await page.locator('.pill').textContent()).toBe('Unknown');
    // Retries with backoff while the server is away; the last page stays on screen.
    await expect.poll(() => attempts - before, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(await page.locator('[data-entry-id="1700000000000-0"]').count()).toBe(1);
    await shot(page, 'link-reconnecting-dark');

    refuse = false;
    await expect.poll(() => page.locator('[data-app-ready]').getAttribute('data-link'), { timeout: 15_000 }).toBe('open');
    expect(await page.locator('[data-banner="link"]').count()).toBe(0);
    expect(await page.locator('.pill').textContent()).toBe('Ready');

    // The link works again: a fresh request goes through.
    await page.getByRole('button', { name: 'Refresh shards' }).click();
    await page.getByRole('button', { name: 'Reload page' }).click();
    await page.locator('[data-entry-id="1700000000000-0"]').waitFor();
    expect(await page.locator('.pill').getAttribute('data-state')).toBe('ready');
  });
});

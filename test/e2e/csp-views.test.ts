/**
 * The strict CSP (`style-src 'self'`, no 'unsafe-inline') holds in every view: visiting Browse
 * (a lane, an entry's detail, the merged view), Publish (the editor with a lint mark, its
 * tooltip and search panel), Analysis (a report), Health (the latency chart), Consumer and the
 * Find dialog blocks nothing. A blocked inline style is silently not applied, so the test asks
 * Chromium itself through three channels: the `securitypolicyviolation` event (composed, so it
 * reaches the document from the editor's shadow root too), DevTools' CSP issues (Audits) and the
 * console's security messages (Log).
 */
import type { CDPSession } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2e, type AppPage, type E2e } from '../helpers/e2e';

const PREFIX = 'csp';

describe('the content security policy in every view', () => {
  let e2e: E2e;
  let app: AppPage;
  let cdp: CDPSession;
  const violations: string[] = [];

  beforeAll(async () => {
    e2e = await startE2e({
      connect: { prefix: PREFIX },
      seed: async (redis) => {
        const admin = redis.admin();
        for (let s = 1; s <= 3; s++) {
          for (let i = 0; i < 30; i++) {
            await admin.xadd(`${PREFIX}:shard:${s}`, `${1700000000000 + i * 10 + s}-0`, 'd', `{"r":{"n":${i}},"t":${i + 1},"s":${s}}`, 'dedup_id', `cafe${s}:${s}:0:${i}`);
          }
        }
      },
    });
    app = await e2e.open({ colorScheme: 'light' });
    const { page } = app;
    cdp = await page.context().newCDPSession(page);
    cdp.on('Audits.issueAdded', (e) => {
      if (e.issue.code === 'ContentSecurityPolicyIssue') violations.push(`issue: ${JSON.stringify(e.issue.details.contentSecurityPolicyIssueDetails)}`);
    });
    cdp.on('Log.entryAdded', (e) => {
      if (/Content Security Policy/i.test(e.entry.text)) violations.push(`log: ${e.entry.text}`);
    });
    await cdp.send('Audits.enable');
    await cdp.send('Log.enable');
    // From here on (the page is loaded): every violation, wherever in the DOM it happens.
    await page.evaluate(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener(
        'securitypolicyviolation',
        (e) => w.__csp.push(`${e.violatedDirective} sample=${e.sample} in ${(e.target as Element | null)?.nodeName ?? '?'}`),
        true,
      );
    });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  async function seen(): Promise<string[]> {
    const events = await app.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp.splice(0));
    return [...events.map((v) => `event: ${v}`), ...violations.splice(0), ...app.problems.splice(0).filter((p) => /Content Security Policy|CSP/i.test(p))];
  }

  it('sees a blocked inline style, in the document and in a shadow root (the probe works)', async () => {
    const { page } = app;
    await page.evaluate(() => {
      const host = document.createElement('div');
      host.id = 'csp-probe';
      document.body.append(host);
      host.insertAdjacentHTML('beforeend', '<span style="color: red">x</span>');
      host.attachShadow({ mode: 'open' }).innerHTML = '<span style="color: blue">y</span>';
    });
    await expect.poll(async () => (violations.length > 0 ? 1 : 0) + (await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp.length))).toBeGreaterThanOrEqual(3);
    const found = await seen();
    expect(found.filter((v) => v.startsWith('event: style-src')).length).toBe(2);
    expect(found.some((v) => v.startsWith('issue: '))).toBe(true);
    await page.evaluate(() => document.getElementById('csp-probe')?.remove());
  });

  it('Browse: a lane, an entry detail and the merged view', async () => {
    const { page } = app;
    await page.locator('[data-shard="1"]').click();
    await page.locator('[data-lane-shard="1"] [data-entry-id]').first().click();
    await page.locator('[data-detail] [data-json-tree]').waitFor();
    await page.locator('[data-browse-tab="merged"]').click();
    await page.locator('[data-lane="merged"] [data-entry-id]').first().waitFor();
    expect(await seen()).toEqual([]);
  });

  it('Publish: the editor, a lint mark with its tooltip, and the search panel', async () => {
    const { page } = app;
    await page.keyboard.press('Alt+2');
    await page.locator('[data-view="publish"]').waitFor();
    await page.locator('.cm-content').click();
    await page.keyboard.type('[{"a": 1,}]');
    await page.locator('.cm-lintRange-error').waitFor();
    await page.locator('.cm-lintRange-error').hover();
    await page.locator('.cm-tooltip').waitFor();
    await page.keyboard.press('ControlOrMeta+f');
    await page.locator('.cm-search').waitFor();
    await page.keyboard.press('Escape');
    expect(await seen()).toEqual([]);
  });

  it('Analysis: a whole-bus report', async () => {
    const { page } = app;
    await page.keyboard.press('Alt+3');
    await page.locator('[data-view="analysis"]').waitFor();
    await page.locator('[data-action="run-analysis"]').click();
    await page.locator('[data-analysis-report]').waitFor();
    expect(await seen()).toEqual([]);
  });

  it('Health: the latency chart', async () => {
    const { page } = app;
    await page.keyboard.press('Alt+4');
    await page.locator('[data-view="health"]').waitFor();
    await page.locator('[data-latency-chart] canvas').first().waitFor();
    expect(await seen()).toEqual([]);
  });

  it('Consumer and the Find dialog', async () => {
    const { page } = app;
    await page.keyboard.press('Alt+5');
    await page.locator('[data-view="consumer"]').waitFor();
    await page.keyboard.press('Control+k');
    const dialog = page.locator('[data-dialog="find"]');
    await dialog.locator('[data-find-input]').fill('cafe2:2:0:7');
    await dialog.locator('[data-find-input]').press('Enter');
    await dialog.locator('[data-find-state="done"]').waitFor();
    await dialog.locator('[data-find-hit]').first().waitFor();
    expect(await seen()).toEqual([]);
  });
});

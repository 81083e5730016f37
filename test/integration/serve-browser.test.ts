/**
 * `serve`'s defences as a real browser meets them (the system Chromium, as the e2e suite uses),
 * with the real built UI (dist/renderer) and the real core service (no Redis needed: the UI opens
 * on its connect screen).
 *
 * Issue 12, item 2: cookies ignore ports, so a token kept in a cookie went to every other server on
 * 127.0.0.1. Now the page keeps the token in sessionStorage, removes it from the address bar and
 * sends it only as its WebSocket's first frame: a second loopback server the same browser visits
 * receives it in no header, cookie or URL. A stale or missing token gets a page saying what to do.
 * Also: a page on another origin gets no WebSocket even when it knows the token; a host name
 * rebound to 127.0.0.1 gets 421.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../electron/core/service';
import { startServe, type ServeHandle } from '../../electron/serve/server';
import { TOKEN_STORAGE_KEY } from '../../renderer/src/api/serve-token';
import { CHROMIUM_ARGS, chromiumPath, ensureBuilt, within } from '../helpers/e2e';
import { repoRoot } from '../helpers/cli-run';

const executablePath = chromiumPath();
let base: string;
let serve: ServeHandle;
let other: Server;
let otherPort: number;
let browser: Browser;
/** Every request the other loopback server received: its URL and headers. */
const received: Array<{ url: string; headers: IncomingHttpHeaders }> = [];

beforeAll(async () => {
  if (!existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath}: install it (apt-get install -y chromium) or point $MESH_CHROMIUM at one`);
  ensureBuilt();
  base = mkdtempSync(path.join(tmpdir(), 'mi-serve-browser-'));
  serve = await startServe({ staticDir: path.join(repoRoot, 'dist', 'renderer'), appVersion: '3.2.1', home: path.join(base, 'home'), createService });
  // Another server on this machine, on another port: what any local dev server or web page can be.
  other = createServer((req, res) => {
    received.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><div id="out">pending</div>');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  otherPort = (other.address() as { port: number }).port;
  browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP rebound.test 127.0.0.1'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await serve?.close();
  await new Promise((r) => other?.close(r));
  if (base) rmSync(base, { recursive: true, force: true });
});

/** A fresh context whose console errors and CSP violations are collected. */
async function freshPage(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective}`)));
  return { context, page, problems };
}

const ready = (page: Page) => page.locator('[data-app-ready="true"]').waitFor({ timeout: 20_000 });

describe('the serve token in Chromium', () => {
  it('leaves no trace a second loopback server could receive: no cookie, no URL, no Referer', async () => {
    const { context, page, problems } = await freshPage();
    try {
      await page.goto(serve.url);
      await ready(page);
      // The address bar no longer shows it; the tab keeps it; no cookie exists at all.
      expect(page.url()).toBe(`http://127.0.0.1:${serve.port}/`);
      expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_STORAGE_KEY)).toBe(serve.token);
      expect(await page.evaluate(() => document.cookie)).toBe('');
      expect(await context.cookies()).toEqual([]);
      // A reload of the tab still authenticates, from sessionStorage.
      await page.reload();
      await ready(page);

      // The same browser then visits the other server: by navigation from the UI's tab, in a new
      // tab, and by the other page's own requests.
      received.length = 0;
      await page.goto(`http://127.0.0.1:${otherPort}/from-ui-tab`);
      const tab = await context.newPage();
      await tab.goto(`http://127.0.0.1:${otherPort}/new-tab`);
      await tab.evaluate(() => fetch('/fetch', { credentials: 'include' }).then((r) => r.text()));
      await tab.close();
      // Chromium also asks for /favicon.ico on its own: those requests are checked too.
      expect(received.map((r) => r.url).filter((u) => u !== '/favicon.ico')).toEqual(['/from-ui-tab', '/new-tab', '/fetch']);
      for (const r of received) {
        const all = `${r.url}\n${JSON.stringify(r.headers)}`;
        expect(all).not.toContain(serve.token);
        expect(r.headers.cookie).toBeUndefined();
        // The other server's own pages may name themselves as Referer; never the UI's page.
        expect(r.headers.referer ?? '').not.toContain(`:${serve.port}`);
      }
      expect(problems.filter((p) => !p.includes('favicon'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a page opened without the token says to open the URL serve printed, and connects to nothing', async () => {
    const { context, page } = await freshPage();
    try {
      await page.goto(`http://127.0.0.1:${serve.port}/`);
      await page.locator('[data-screen="unauthorized"]').waitFor();
      expect(await page.locator('[data-app-ready]').getAttribute('data-link')).toBe('unauthorized');
      expect(await page.locator('[data-screen="unauthorized"]').textContent()).toContain('Open the link that serve printed');
    } finally {
      await context.close();
    }
  });

  it('a stale token (serve restarted) is refused: the page says so and forgets it', async () => {
    const { context, page } = await freshPage();
    try {
      await page.goto(`http://127.0.0.1:${serve.port}/`);
      await page.evaluate((key) => sessionStorage.setItem(key, 'a-token-of-an-earlier-serve'), TOKEN_STORAGE_KEY);
      await page.reload();
      await page.locator('[data-screen="unauthorized"]').waitFor();
      expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_STORAGE_KEY)).toBeNull();
    } finally {
      await context.close();
    }
  });

  it('a wrong token in the link gets a small page saying what to do', async () => {
    const { context, page } = await freshPage();
    try {
      const response = await page.goto(`http://127.0.0.1:${serve.port}/?token=wrong`);
      expect(response?.status()).toBe(401);
      expect(await page.locator('h1').textContent()).toBe('This Mesh Inspector link is no longer valid');
      expect(await page.textContent('body')).toContain('Open the URL that serve printed');
    } finally {
      await context.close();
    }
  });
});

describe('serve against other origins in Chromium', () => {
  it('gives a page on another origin no WebSocket, even when it knows the token', async () => {
    const { context, page } = await freshPage();
    try {
      await page.goto(`http://127.0.0.1:${otherPort}/`);
      const outcome = await page.evaluate(
        ({ port, token }) =>
          Promise.all(
            [`ws://127.0.0.1:${port}/ws`, `ws://127.0.0.1:${port}/ws?token=${token}`].map(
              (url) =>
                new Promise<string>((resolve) => {
                  const ws = new WebSocket(url);
                  ws.onopen = () => {
                    ws.send(JSON.stringify({ type: 'auth', token }));
                    ws.onmessage = () => resolve('answered');
                  };
                  ws.onclose = () => resolve('refused');
                }),
            ),
          ),
        { port: serve.port, token: serve.token },
      );
      expect(outcome).toEqual(['refused', 'refused']);
    } finally {
      await context.close();
    }
  });

  it('answers a host name rebound to 127.0.0.1 with 421, even with the token', async () => {
    const { context, page } = await freshPage();
    try {
      const response = await within(20_000, 'loading the rebound host', page.goto(`http://rebound.test:${serve.port}/?token=${serve.token}`));
      expect(response?.status()).toBe(421);
      expect(await page.locator('#root').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});

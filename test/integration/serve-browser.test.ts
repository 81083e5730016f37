/**
 * `serve`'s defences as a real browser meets them (the system Chromium, as the e2e suite uses):
 * the page's module scripts and its WebSocket authenticate by the HttpOnly cookie alone under the
 * served CSP; a page on another origin gets no socket even when it knows the token; a host name
 * rebound to 127.0.0.1 gets 421. The service is a fake: this tests the transport, not Redis.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelNames, type ContractHandlers } from '../../shared/contract';
import { startServe, type ServeHandle } from '../../electron/serve/server';
import { CHROMIUM_ARGS, chromiumPath } from '../helpers/e2e';

const executablePath = chromiumPath();
let base: string;
let serve: ServeHandle;
let evil: Server;
let evilPort: number;
let browser: Browser;

// The page's own code: connects to /ws WITHOUT the token (the cookie must do), asks app:info.
const APP_JS = `
const out = document.getElementById('out');
const ws = new WebSocket('ws://' + location.host + '/ws');
ws.onmessage = (e) => {
  const m = JSON.parse(e.data);
  if (m.type === 'hello') ws.send(JSON.stringify({ type: 'invoke', id: 1, channel: 'app:info', payload: {} }));
  if (m.type === 'result') out.textContent = 'result:' + JSON.stringify(m.envelope);
};
ws.onclose = (e) => { if (!out.textContent.startsWith('result:')) out.textContent = 'closed:' + e.code; };
`;

beforeAll(async () => {
  if (!existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath}: install it (apt-get install -y chromium) or point $MESH_CHROMIUM at one`);
  base = mkdtempSync(path.join(tmpdir(), 'mi-serve-browser-'));
  const staticDir = path.join(base, 'renderer');
  mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
  // As Vite emits it: a module script with `crossorigin`.
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><script type="module" crossorigin src="/assets/app.js"></script></head><body><div id="out">pending</div></body></html>');
  writeFileSync(path.join(staticDir, 'assets', 'app.js'), APP_JS);
  serve = await startServe({
    staticDir,
    appVersion: '3.2.1',
    home: path.join(base, 'home'),
    createService: (opts) => ({
      handlers: {
        ...Object.fromEntries(channelNames.map((c) => [c, async () => ({})])),
        'app:info': async () => ({ version: opts.appVersion, transport: opts.transport, demoAvailable: false }),
      } as unknown as ContractHandlers,
      knownSecrets: () => [],
      connectUrl: async () => undefined,
      dispose: async () => undefined,
    }),
  });
  // Another origin on this machine: what any web page the user visits can be.
  evil = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><div id="out">pending</div>');
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
  evilPort = (evil.address() as { port: number }).port;
  browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP rebound.test 127.0.0.1'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await serve?.close();
  await new Promise((r) => evil?.close(r));
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('serve in Chromium', () => {
  it('loads the page with the token, then authenticates its script and WebSocket by cookie, with no CSP violation', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('favicon')) problems.push(m.text());
    });
    await page.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective}`)));
    const response = await page.goto(serve.url);
    expect(response?.status()).toBe(200);
    await page.waitForFunction(() => document.getElementById('out')!.textContent !== 'pending');
    expect(await page.textContent('#out')).toBe('result:{"ok":true,"value":{"version":"3.2.1","transport":"serve","demoAvailable":false}}');
    // HttpOnly: the page's scripts cannot read the token.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(problems.filter((p) => !p.includes('404'))).toEqual([]);
    await page.close();
  });

  it('gives a page on another origin no WebSocket, even when it knows the token', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${evilPort}/`);
    const outcome = await page.evaluate(
      ({ port, token }) =>
        Promise.all(
          [`ws://127.0.0.1:${port}/ws`, `ws://127.0.0.1:${port}/ws?token=${token}`].map(
            (url) =>
              new Promise<string>((resolve) => {
                const ws = new WebSocket(url);
                ws.onopen = () => resolve('open');
                ws.onclose = () => resolve('refused');
              }),
          ),
        ),
      { port: serve.port, token: serve.token },
    );
    expect(outcome).toEqual(['refused', 'refused']);
    await page.close();
  });

  it('answers a host name rebound to 127.0.0.1 with 421, even with the token', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`http://rebound.test:${serve.port}/?token=${serve.token}`);
    expect(response?.status()).toBe(421);
    expect(await page.content()).not.toContain('pending');
    await page.close();
  });
});

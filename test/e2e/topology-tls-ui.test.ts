/**
 * TLS in the served UI (issue 7): redis-servers that speak only TLS, with certificates the test
 * makes with openssl. `serve --url rediss://... --tls-ca ca.pem` opens the UI already connected and
 * browsing works. Through the connection form (Topology & TLS: CA file, client certificate and key,
 * server name) a profile reaches a server that requires a client certificate; with a wrong CA the
 * UI names the problem (the certificate is not signed by the given CA), the profile is saved whole
 * (all its TLS settings, no second copy) and the form stays on it, so fixing the CA there connects.
 * Waits on DOM signals only.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePayload } from '../../shared/wire';
import { launchChromium, openApp, startServeProcess, tallShot, within, type AppPage, type ServeProcess } from '../helpers/e2e';
import { makeCerts, startTlsRedis, type TestCerts, type TlsRedis } from '../helpers/tls';

const PREFIX = 'tls';

/** Tall enough for the whole connect screen with the TLS fields open (and a notice above them). */
const FORM_HEIGHT = 1400;

let certs: TestCerts;
let plain: TlsRedis;
let mutual: TlsRedis;
const admins: Redis[] = [];
let browser: Browser;
const homes: string[] = [];
const serves: ServeProcess[] = [];

/** A client for seeding and checking over TLS, verified with the test CA (and its client certificate). */
function admin(server: TlsRedis): Redis {
  const c = new Redis({
    host: '127.0.0.1',
    port: server.tlsPort,
    maxRetriesPerRequest: 1,
    tls: { ca: readFileSync(certs.ca), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey), servername: 'localhost' },
  });
  c.on('error', () => {});
  admins.push(c);
  return c;
}

async function seed(c: Redis, shard: number, n: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push((await c.xadd(`${PREFIX}:shard:${shard}`, '*', 'd', encodePayload(`{"over":"${tag}","i":${i}}`, BigInt(i), shard), 'dedup_id', `7150:${shard}:0:${i}`)) as string);
  }
  return ids;
}

function newHome(): string {
  const h = mkdtempSync(path.join(tmpdir(), 'mesh-e2e-tls-home-'));
  homes.push(h);
  return h;
}

async function serve(opts: Parameters<typeof startServeProcess>[0]): Promise<ServeProcess> {
  const s = await startServeProcess(opts);
  serves.push(s);
  return s;
}

beforeAll(async () => {
  certs = makeCerts();
  [plain, mutual] = await Promise.all([startTlsRedis(certs), startTlsRedis(certs, { authClients: 'yes' })]);
  browser = await launchChromium();
});

afterAll(async () => {
  for (const s of serves) await s.stop();
  await browser?.close().catch(() => {});
  for (const c of admins) c.disconnect();
  await Promise.all([plain?.server.stop(), mutual?.server.stop()]);
  certs?.cleanup();
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

describe('serve --url rediss://... --tls-ca', () => {
  it('opens connected over verified TLS, and the shard browser works', async () => {
    const ids = await seed(admin(plain), 2, 4, 'serve');
    const s = await serve({ home: newHome(), url: plain.url, prefix: PREFIX, args: ['--tls-ca', certs.ca] });
    const app = await openApp(browser, s.url);
    try {
      const { page } = app;
      await page.locator('[data-connection-state="ready"]').waitFor();
      expect(await page.locator('[data-connection-url]').textContent()).toBe(plain.url);
      await page.locator('[data-shard="2"]').click();
      for (const id of ids) await page.locator(`[data-entry-id="${id}"]`).waitFor();
      expect(await page.locator(`[data-entry-id="${ids[3]}"]`).textContent()).toContain('"over":"serve"');
      expect(s.stderr()).toBe('');
      expect(app.problems).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('the connection form with TLS settings', () => {
  let s: ServeProcess;
  let home: string;
  let app: AppPage;
  let ids: string[];

  beforeAll(async () => {
    ids = await seed(admin(mutual), 5, 3, 'form');
    home = newHome();
    s = await serve({ home });
    app = await openApp(browser, s.url);
    app.page.setDefaultTimeout(15_000);
  });
  afterAll(async () => {
    await app?.close();
  });

  const savedProfiles = () => (JSON.parse(readFileSync(path.join(home, 'profiles.json'), 'utf8')) as { profiles: Array<Record<string, unknown>> }).profiles;

  it('a wrong CA: the UI names the problem, nothing is saved and the form keeps every field', async () => {
    const { page } = app;
    await page.locator('[data-screen="connect"]').waitFor();
    const form = page.locator('form.profile-form');
    await form.locator('input[name="url"]').fill(mutual.url);
    await form.locator('input[name="name"]').fill('tls bus');
    await form.locator('input[name="prefix"]').fill(PREFIX);
    const section = form.locator('[data-section="topology-tls"]');
    await section.locator('summary').click();
    await section.locator('input[name="tlsCaFile"]').fill(certs.otherCa);
    await section.locator('input[name="tlsCertFile"]').fill(certs.clientCert);
    await section.locator('input[name="tlsKeyFile"]').fill(certs.clientKey);
    await section.locator('input[name="tlsServername"]').fill('localhost');
    await tallShot(page, 'connect-tls-form-dark', FORM_HEIGHT);
    await form.locator('[data-action="save-connect"]').click();

    const notice = page.locator('[data-screen="connect"] .connect-main > [role="alert"]');
    await notice.waitFor();
    const text = (await notice.textContent()) ?? '';
    expect(text).toContain('Could not connect');
    expect(text).toMatch(/TLS: the server certificate is not signed by the given CA/);
    expect(await notice.getAttribute('data-error-kind')).toBe('fatal');
    // Still on the connect screen with what was typed; a profile is saved only once it connected (issue 13).
    expect(await page.locator('.app').getAttribute('data-connection-state')).toBe('disconnected');
    await form.locator('[data-not-saved]').waitFor();
    expect(await page.locator('[data-profile-id]').count()).toBe(0);
    expect(await section.locator('input[name="tlsCaFile"]').inputValue()).toBe(certs.otherCa);
    expect(await section.locator('input[name="tlsServername"]').inputValue()).toBe('localhost');
    expect(existsSync(path.join(home, 'profiles.json')) ? savedProfiles() : []).toEqual([]);
    await tallShot(page, 'connect-tls-wrong-ca-dark', FORM_HEIGHT);
  });

  it('fixing the CA in the same form connects to the server that requires a client certificate; browsing works', async () => {
    const { page } = app;
    const form = page.locator('form.profile-form');
    await form.locator('input[name="tlsCaFile"]').fill(certs.ca);
    await form.locator('[data-action="save-connect"]').click();
    await page.locator('[data-connection-state="ready"]').waitFor();
    await page.locator('[data-shard="5"]').click();
    for (const id of ids) await page.locator(`[data-entry-id="${id}"]`).waitFor();
    // Saved once, now that it connected, with every TLS field.
    expect(savedProfiles()).toEqual([
      expect.objectContaining({ name: 'tls bus', address: mutual.url, prefix: PREFIX, tls: { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey, servername: 'localhost' } }),
    ]);
    // The server saw a client certificate: it refuses connections without one (tls-auth-clients yes).
    const list = String(await admin(mutual).call('CLIENT', 'LIST'));
    expect(list).toContain('name=mesh-inspector:read');
    expect(app.problems).toEqual([]);
    await within(5000, 'disconnect', page.locator('[data-action="disconnect"]').click());
  });
});

/**
 * First run, end to end: a real redis-server seeded like a net-mesh bus, the real `serve` command,
 * the built renderer in Chromium. The UI shows the shards with their sparse ids, the newest page of
 * a shard with corrupt entries marked, renders hostile payloads as text, and connects through the
 * profile form (password kept by the core, never sent back).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestRedis } from '../helpers/redis-server';
import { shot, startE2e, type AppPage, type E2e } from '../helpers/e2e';

const PREFIX = 'e2e';
const NONCE = '9f3a12';

/** `d` exactly as net-mesh writes it (contract 1.4), by hand: the test does not trust the encoder it tests. */
const d = (raw: string, t: number, shard: number) => `{"r":${raw},"t":${t},"s":${shard}}`;

interface Seeded {
  id: string;
  status: 'ok' | 'corrupt';
  text: string;
}

const SCRIPT = '<script>window.__pwned=1</script>';
const IMG = '<img src=x onerror=window.__pwned=2>';

/** Shard 7, oldest first. Sparse shard ids (0 and 7) and explicit, sparse stream ids. */
const SHARD7: Array<Seeded & { fields: string[] }> = [
  { id: '1700000100000-0', status: 'ok', text: SCRIPT, fields: ['d', d(JSON.stringify({ msg: SCRIPT }), 1001, 7), 'dedup_id', `${NONCE}:7:0:0`] },
  { id: '1700000100250-0', status: 'ok', text: IMG, fields: ['d', d(JSON.stringify({ html: IMG }), 1002, 7), 'dedup_id', `${NONCE}:7:0:1`] },
  { id: '1700000100250-5', status: 'corrupt', text: '<b>not json', fields: ['d', '{"r":<b>not json', 'dedup_id', `${NONCE}:7:0:2`] },
  { id: '1700000109999-0', status: 'ok', text: '"order"', fields: ['d', d('{"kind":"order","amount":12.50,"big":18446744073709551615}', 1004, 7), 'dedup_id', `${NONCE}:7:0:3`] },
];
const SHARD0_IDS = ['1700000000000-0', '1700000000001-0', '1700000005000-3'];

async function seedBus(redis: TestRedis, prefix: string): Promise<void> {
  const admin = redis.admin();
  for (const [i, id] of SHARD0_IDS.entries()) {
    await admin.xadd(`${prefix}:shard:0`, id, 'd', d(`{"i":${i}}`, 10 + i, 0), 'dedup_id', `${NONCE}:0:0:${i}`);
  }
  for (const e of SHARD7) await admin.xadd(`${prefix}:shard:7`, e.id, ...e.fields);
  // Keys that look like shards but are not usable ones: listed as skipped, with a reason.
  await admin.set(`${prefix}:shard:5`, 'not a stream');
  await admin.xadd(`${prefix}:shard:007`, '1-0', 'd', d('1', 1, 7));
}

async function shardIds(app: AppPage): Promise<string[]> {
  const items = app.page.locator('[data-shard]');
  await items.first().waitFor();
  return items.evaluateAll((els) => els.map((el) => el.getAttribute('data-shard') ?? ''));
}

describe('first run through serve --url', () => {
  let e2e: E2e;
  let app: AppPage;

  beforeAll(async () => {
    e2e = await startE2e({ seed: (r) => seedBus(r, PREFIX), connect: { prefix: PREFIX } });
    app = await e2e.open({ colorScheme: 'dark' });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('opens connected, with the shards by their sparse ids and the skipped keys with reasons', async () => {
    const { page } = app;
    await expect.poll(() => page.locator('.pill').getAttribute('data-state')).toBe('ready');
    expect(await shardIds(app)).toEqual(['0', '7']);
    await expect.poll(() => page.locator('[data-shard="7"] [data-length]').getAttribute('data-length')).toBe(String(SHARD7.length));
    expect(await page.locator(`[data-skipped-key="${PREFIX}:shard:5"]`).textContent()).toContain('string');
    expect(await page.locator(`[data-skipped-key="${PREFIX}:shard:007"]`).count()).toBe(1);
    expect(await page.locator('[data-connection-prefix]').textContent()).toBe(PREFIX);
    await shot(page, 'shell-no-selection-dark');
  });

  it('shows the newest page of a clicked shard, newest first, with corrupt entries marked', async () => {
    const { page } = app;
    await page.locator('[data-shard="7"]').click();
    const rows = page.locator('[data-entry-id]');
    await expect.poll(() => rows.count()).toBe(SHARD7.length);
    const seen = await rows.evaluateAll((els) => els.map((el) => ({ id: el.getAttribute('data-entry-id'), status: el.getAttribute('data-status') })));
    expect(seen).toEqual([...SHARD7].reverse().map((e) => ({ id: e.id, status: e.status })));
    await shot(page, 'shard-7-dark');

    await page.locator('[data-shard="0"]').click();
    await expect.poll(() => rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-entry-id')))).toEqual([...SHARD0_IDS].reverse());
  });

  it('renders HTML and script in payloads as text and runs none of it', async () => {
    const { page } = app;
    await page.locator('[data-shard="7"]').click();
    for (const e of SHARD7) {
      await expect.poll(() => page.locator(`[data-entry-id="${e.id}"]`).textContent()).toContain(e.text);
    }
    expect(await page.locator('[data-event-list] img, [data-event-list] script, [data-event-list] b').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    // Big integers in `r` are shown exactly as stored.
    expect(await page.locator(`[data-entry-id="1700000109999-0"]`).textContent()).toContain('18446744073709551615');
  });

  it('switches to the light theme and back', async () => {
    const { page } = app;
    await page.locator('[data-theme-toggle]').first().click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await shot(page, 'shard-7-light');
    await page.locator('[data-theme-toggle]').first().click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
  });

  it('runs under the CSP with no console errors', () => {
    expect(app.problems).toEqual([]);
  });
});

describe('first run through the connect form', () => {
  const PASSWORD = 's3cret-pass-never-shown';
  let e2e: E2e;
  let app: AppPage;

  beforeAll(async () => {
    e2e = await startE2e({ redis: { args: ['--requirepass', PASSWORD] }, seed: (r) => seedBus(r, 'bus') });
    app = await e2e.open({ colorScheme: 'dark' });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('starts on the connect screen and validates the form before saving', async () => {
    const { page } = app;
    await page.locator('[data-screen="connect"]').waitFor();
    await shot(page, 'connect-empty-dark');
    await page.locator('[data-action="save"]').click();
    await expect.poll(() => page.locator('[data-field-error]').allTextContents()).toContain('A URL is required, e.g. redis://127.0.0.1:6379');
    await page.locator('input[name="url"]').fill('http://example.com');
    await page.locator('input[name="commandTimeoutMs"]').fill('12x');
    await expect.poll(() => page.locator('[data-field-error]').allTextContents()).toEqual(['The URL must start with redis:// or rediss:// (TLS)', 'Whole milliseconds, 50 to 60000']);
    await shot(page, 'connect-validation-dark');
  });

  it('saves a profile whose password the core keeps, then connects and lists the shards', async () => {
    const { page } = app;
    await page.locator('input[name="url"]').fill(e2e.redis.url);
    await page.locator('input[name="commandTimeoutMs"]').fill('1000');
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.locator('input[name="prefix"]').fill('bus');
    await page.locator('[data-action="save"]').click();

    const item = page.locator('[data-profile-name="127.0.0.1:' + e2e.redis.port + '"]');
    await item.waitFor();
    expect(await item.textContent()).toContain('password saved');
    expect(await page.content()).not.toContain(PASSWORD);
    // Editing never brings the password back into the page.
    await item.getByRole('button', { name: /^Edit/ }).click();
    expect(await page.locator('input[name="password"]').inputValue()).toBe('');
    await page.locator('[data-password-saved]').waitFor();
    await shot(page, 'connect-saved-profile-dark');

    await item.locator('[data-action="connect"]').click();
    await page.locator('[data-screen="shell"]').waitFor();
    expect(await shardIds(app)).toEqual(['0', '7']);
    await page.locator('[data-shard="0"]').click();
    await expect.poll(() => page.locator('[data-entry-id]').count()).toBe(SHARD0_IDS.length);
    expect(await page.content()).not.toContain(PASSWORD);
  });

  it('disconnects back to the connect screen, the profile still saved', async () => {
    const { page } = app;
    await page.locator('[data-action="disconnect"]').click();
    await page.locator('[data-screen="connect"]').waitFor();
    expect(await page.locator('[data-profile-id]').count()).toBe(1);
    expect(app.problems).toEqual([]);
  });
});

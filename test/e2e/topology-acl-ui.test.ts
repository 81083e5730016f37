/**
 * An ACL user in the served UI (issue 7): a `+@read` user (plus `+@connection`, as in the
 * integration test) connects through the connection form, its password typed into the form's
 * password field. Browsing works; the Publish view shows publishing disabled with Redis' NOPERM
 * reason (the connect-time probe, `canPublish`/`publishBlockedReason`), and nothing is written.
 * The Health view stays calm although the user may not run INFO: PING measures health, the INFO
 * tiles say INFO is not permitted, and no error is logged or counted on the tab.
 * The password appears nowhere afterwards: not in the page's text, DOM, attributes or input
 * values, not in serve's stdout/stderr, not in profiles.json.
 * Waits on DOM signals only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePayload } from '../../shared/wire';
import { everythingInPage, shot, startE2e, type AppPage, type E2e } from '../helpers/e2e';
import { setEditorText } from '../helpers/editor';

const READER_PW = 'Acl-r3ader-Pw/with@odd:chars';

describe('a read-only ACL user through the connection form', () => {
  let e2e: E2e;
  let admin: Redis;
  let app: AppPage;
  const ids: string[] = [];

  beforeAll(async () => {
    e2e = await startE2e({
      seed: async (redis) => {
        admin = redis.admin();
        await admin.call('ACL', 'SETUSER', 'reader', 'on', `>${READER_PW}`, '~*', '+@read', '+@connection');
        for (let i = 0; i < 4; i++) ids.push((await admin.xadd('net:shard:4', '*', 'd', encodePayload(`{"acl":${i}}`, BigInt(i), 4), 'dedup_id', `ac1:4:0:${i}`)) as string);
      },
    });
    app = await e2e.open();
    app.page.setDefaultTimeout(15_000);
  });

  afterAll(async () => {
    await e2e?.close();
  });

  it('connects with the user and the typed password, and browses', async () => {
    const { page } = app;
    await page.locator('[data-screen="connect"]').waitFor();
    const form = page.locator('form.profile-form');
    await form.locator('input[name="url"]').fill(`redis://reader@127.0.0.1:${e2e.redis.port}`);
    await form.locator('input[name="name"]').fill('reader');
    await form.locator('input[name="password"]').fill(READER_PW);
    await form.locator('[data-action="save-connect"]').click();
    await page.locator('[data-connection-state="ready"]').waitFor();
    expect(await page.locator('[data-connection-url]').textContent()).toBe(`redis://[REDACTED]@127.0.0.1:${e2e.redis.port}`);
    await page.locator('[data-shard="4"]').click();
    for (const id of ids) await page.locator(`[data-entry-id="${id}"]`).waitFor();
  });

  it('the Publish view shows publishing disabled with the NOPERM reason; nothing is written', async () => {
    const { page } = app;
    await page.locator('[data-view-tab="publish"]').click();
    await page.locator('[data-view="publish"]').waitFor();
    const note = page.locator('[data-publisher-readonly]');
    await note.waitFor();
    const text = (await note.textContent()) ?? '';
    expect(text).toContain('This connection may not publish');
    expect(text).toMatch(/the ACL user "reader" may not publish to net:shard:0: NOPERM /);
    await page.locator('[data-publisher-shard]').fill('4');
    await page.locator('[data-publisher-shard]').press('Enter');
    await setEditorText(page, '[{"should":"not land"}]');
    await page.locator('[data-publisher-valid]').waitFor();
    // Previewing is harmless and allowed; publishing is not, and says why.
    await page.locator('[data-action="preview"]').click();
    await page.locator('[data-publisher-preview][data-current="true"]').waitFor();
    const publish = page.locator('[data-action="publish"]');
    expect(await publish.isDisabled()).toBe(true);
    expect(await publish.getAttribute('data-disabled-reason')).toMatch(/^Publishing is disabled: .*NOPERM/);
    await page.keyboard.press('Control+Enter');
    expect(await admin.xlen('net:shard:4')).toBe(4);
    await note.scrollIntoViewIfNeeded();
    await shot(page, 'acl-publish-disabled-dark');
    expect(app.problems).toEqual([]);
  });

  it('the Health view stays calm without INFO: ready on PING, the INFO tiles say it is not permitted, no error badge', async () => {
    const { page } = app;
    await page.locator('[data-view-tab="health"]').click();
    await page.locator('[data-view="health"][data-health-state="ready"]').waitFor();
    // The INFO tiles' note replaces the wait once the monitor has asked INFO (at its first probe).
    const refused = page.locator('[data-info-tiles] [data-info-refused]');
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/^INFO is not permitted for this user \(NOPERM .*'info'.*\)$/);
    // PING still measures health: a latency, no failed probe.
    await expect.poll(() => page.locator('[data-latency-now]').textContent()).toMatch(/^[\d.,]+ m?s$/);
    expect(await page.locator('[data-failed-probes]').getAttribute('data-failed-probes')).toBe('0');
    // Nothing logged, nothing counted: the snapshot that says INFO is refused is the one that
    // would have carried the error.
    expect(await page.locator('[data-error-log]').getAttribute('data-error-total')).toBe('0');
    expect(await page.locator('[data-health-badge]').count()).toBe(0);
    await shot(page, 'acl-health-info-refused-dark');
    expect(app.problems).toEqual([]);
  });

  it('the password is nowhere: page text, DOM, attributes, inputs, serve output, profiles.json', async () => {
    const { page } = app;
    const forms = [READER_PW, encodeURIComponent(READER_PW)];
    const inPage = () => everythingInPage(page);
    for (const f of forms) expect(await inPage()).not.toContain(f);
    // Back on the connect screen, with the profile open in the form: "password saved", never the password.
    await page.locator('[data-action="disconnect"]').click();
    await page.getByRole('button', { name: 'Edit reader' }).click();
    await page.locator('[data-password-saved]').waitFor();
    expect(await page.locator('form.profile-form input[name="password"]').inputValue()).toBe('');
    for (const f of forms) expect(await inPage()).not.toContain(f);
    const output = e2e.serve.stdout() + e2e.serve.stderr();
    for (const f of forms) expect(output).not.toContain(f);
    const profiles = readFileSync(path.join(e2e.home, 'profiles.json'), 'utf8');
    for (const f of forms) expect(profiles).not.toContain(f);
    expect(app.problems).toEqual([]);
  });
});

/**
 * Sentinel in the served UI (issue 7): a master, a replica and three sentinels with their own
 * password (`requirepass` on the sentinels) started by the test; `serve --sentinel ...
 * --master-name m` with `$MESH_SENTINEL_PASSWORD` opens the UI connected to the master the
 * sentinels name. The shards and their rows show; after `SENTINEL FAILOVER` the app follows the new
 * master by itself (no click, no restart): the connection is ready again, browsing works, and a
 * batch published through the Publish view lands on the new master. Then the same through the
 * connection form (Topology: Sentinel, sentinels, master name, sentinel password), the password
 * never shown again nor printed.
 *
 * Waits on signals only: DOM state through Playwright's auto-waiting and expect.poll, the
 * sentinels' and servers' own answers through the helper's bounded polls (CLIENT LIST showing the
 * app's connections on the new master).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePayload } from '../../shared/wire';
import { everythingInPage, shot, startServed, tallShot, type AppPage, type Served } from '../helpers/e2e';
import { startSentinels, type TestSentinels } from '../helpers/redis-sentinel';
import { setEditorText } from '../helpers/editor';

const PREFIX = 'sent';
const SENTINEL_PW = 'S3ntinel-e2e-Pw';
/** Tall enough for the whole connect screen with the Sentinel fields open. */
const FORM_HEIGHT = 1300;

describe('the served UI through Sentinel, across a failover', () => {
  let setup: TestSentinels;
  let served: Served;
  let app: AppPage;
  const seeded: string[] = [];
  let oldMaster = 0;

  /** Resolves once the server on `port` lists a connection of the app named `name` (bounded poll). */
  const appClientOn = (port: number, name: string) =>
    setup.until(`${name} on 127.0.0.1:${port}`, async () => String(await setup.client(port).call('CLIENT', 'LIST')).includes(`name=${name} `), 20_000);

  beforeAll(async () => {
    setup = await startSentinels({ sentinelPassword: SENTINEL_PW });
    oldMaster = await setup.masterPort();
    const admin = setup.client(oldMaster);
    for (let i = 0; i < 5; i++) {
      seeded.push((await admin.xadd(`${PREFIX}:shard:1`, '*', 'd', encodePayload(`{"before":"failover","i":${i}}`, BigInt(i), 1), 'dedup_id', `5e17:1:0:${i}`)) as string);
    }
    // Acknowledged by the replica, so the failover keeps them.
    expect(Number(await admin.call('WAIT', '1', '5000'))).toBeGreaterThanOrEqual(1);
    // No --url: behind Sentinel the URL gives only credentials, db and scheme.
    served = await startServed({
      prefix: PREFIX,
      timeoutMs: 2000,
      args: ['--sentinel', setup.sentinelList, '--master-name', setup.masterName],
      env: { MESH_SENTINEL_PASSWORD: SENTINEL_PW },
    });
    app = await served.open();
    app.page.setDefaultTimeout(20_000);
  });

  afterAll(async () => {
    await served?.close();
    await setup?.stop();
  });

  it('lists the shards and rows of the master the sentinels name', async () => {
    const { page } = app;
    await page.locator('[data-connection-state="ready"]').waitFor();
    await page.locator('[data-shard="1"]').click();
    for (const id of seeded) await page.locator(`[data-entry-id="${id}"]`).waitFor();
    expect(await page.locator(`[data-entry-id="${seeded[4]}"]`).textContent()).toContain('"before":"failover"');
    await appClientOn(oldMaster, 'mesh-inspector:read');
    expect(served.serve.stderr()).toBe('');
  });

  it('follows SENTINEL FAILOVER: ready again, browsing works, and a publish lands on the new master', async () => {
    const { page } = app;
    const { from, to } = await setup.failover();
    expect(from).toBe(oldMaster);
    // The app's connections move to the new master by themselves (+switch-master).
    await appClientOn(to, 'mesh-inspector:read');
    await appClientOn(to, 'mesh-inspector:publish');
    await expect.poll(() => page.locator('.app').getAttribute('data-connection-state'), { timeout: 20_000 }).toBe('ready');

    // Browsing: an entry written on the new master after the failover shows up in the shard.
    const fresh = (await setup.client(to).xadd(`${PREFIX}:shard:1`, '*', 'd', encodePayload('{"after":"failover"}', 9n, 1), 'dedup_id', '5e17:1:9:0')) as string;
    await page.locator('[data-view-tab="browse"]').click();
    await page.locator(`[data-entry-id="${fresh}"]`).waitFor();
    for (const id of seeded) await page.locator(`[data-entry-id="${id}"]`).waitFor({ state: 'attached' });

    // Publishing through the Publish view.
    await page.locator('[data-view-tab="publish"]').click();
    await page.locator('[data-view="publish"]').waitFor();
    await page.locator('[data-publisher-shard]').fill('4');
    await page.locator('[data-publisher-shard]').press('Enter');
    await setEditorText(page, '[{"published":"after failover"}]');
    await page.locator('[data-publisher-valid]').waitFor();
    await page.locator('[data-action="preview"]').click();
    await page.locator('[data-publisher-preview][data-current="true"]').waitFor();
    await page.locator('[data-action="publish"]').click();
    await page.locator('[data-publisher-result]').waitFor();
    const ids = await page.locator('[data-result-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-result-id') ?? ''));
    expect(ids).toHaveLength(1);
    const onNew = await setup.client(to).xrange(`${PREFIX}:shard:4`, '-', '+');
    expect(onNew.map(([id]) => id)).toEqual(ids);
    expect(onNew[0]?.[1]?.[1]).toContain('"published":"after failover"');
    await shot(page, 'sentinel-after-failover-publish-dark');

    // And the browser shows it, read from the new master.
    await page.locator('[data-action="open-batch"]').click();
    await page.locator(`[data-entry-id="${ids[0]}"]`).waitFor();
    expect(await page.locator('.app').getAttribute('data-connection-state')).toBe('ready');
    expect(app.problems).toEqual([]);
  });

  it('connects through the form with the Sentinel fields; the sentinel password is kept, never shown or printed', async () => {
    const { page } = app;
    await page.locator('[data-action="disconnect"]').click();
    await page.locator('[data-screen="connect"]').waitFor();
    const form = page.locator('form.profile-form');
    await form.locator('input[name="url"]').fill('redis://127.0.0.1');
    await form.locator('input[name="name"]').fill('sentinel bus');
    await form.locator('input[name="prefix"]').fill(PREFIX);
    const section = form.locator('[data-section="topology-tls"]');
    await section.locator('summary').click();
    await section.locator('select[name="topologyMode"]').selectOption('sentinel');
    await section.locator('input[name="sentinels"]').fill(setup.sentinelList.split(',').join(', '));
    await section.locator('input[name="masterName"]').fill(setup.masterName);
    await section.locator('input[name="sentinelPassword"]').fill(SENTINEL_PW);
    await tallShot(page, 'connect-sentinel-form-dark', FORM_HEIGHT);
    await form.locator('[data-action="save-connect"]').click();
    await page.locator('[data-connection-state="ready"]').waitFor();
    await page.locator('[data-shard="4"]').click();
    await page.locator('[data-entry-id]').first().waitFor();

    // Back on the connect screen: the profile says a sentinel password is saved, the form never shows it.
    await page.locator('[data-action="disconnect"]').click();
    const item = page.locator('[data-profile-name="sentinel bus"]');
    await item.waitFor();
    expect(await item.textContent()).toContain('sentinel password saved');
    await item.getByRole('button', { name: 'Edit sentinel bus' }).click();
    await section.locator('[data-sentinel-password-saved]').waitFor();
    expect(await section.locator('input[name="sentinelPassword"]').inputValue()).toBe('');
    await tallShot(page, 'connect-sentinel-edit-dark', FORM_HEIGHT);
    expect(await everythingInPage(page)).not.toContain(SENTINEL_PW);
    expect(served.serve.stdout() + served.serve.stderr()).not.toContain(SENTINEL_PW);
    expect(app.problems).toEqual([]);
  });
});

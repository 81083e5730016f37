/**
 * The test-batch publisher end to end: Chromium through `serve`, a real redis-server. A batch is
 * previewed and published in one MULTI/EXEC with exactly the previewed bytes, shows up in its
 * shard, is published again with the same ids after a confirmation naming the server and the number
 * of duplicates (a retry duplicate the analysis counts), and is deleted (XDEL of exactly its ids).
 * A batch whose EXEC reply never came (Redis killed right after it) shows as unconfirmed with the
 * dedup_ids to look for, and "Re-check" tells what the stream holds once Redis is back. Invalid JSON publishes nothing and names the line. A read-only
 * profile cannot publish from the UI, and says why.
 */
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shot, startE2e, startServed, type AppPage, type E2e, type Served } from '../helpers/e2e';
import { setEditorText } from '../helpers/editor';
import { startRedis, type TestRedis } from '../helpers/redis-server';
import { startRecordingProxy, type RecordingProxy } from '../helpers/redis-wire';

const PREFIX = 'pub';
const SOURCE = '[\n  {"kind": "e2e", "n": {{i}}, "note": "big 18446744073709551615"},\n  {"kind": "e2e", "n": {{i}}, "tag": "{{uuid}}"}\n]';

async function openPublish(app: AppPage): Promise<void> {
  await app.page.locator('[data-view-tab="publish"]').click();
  await app.page.locator('[data-view="publish"]').waitFor();
}

async function setSource(app: AppPage, text: string): Promise<void> {
  await setEditorText(app.page, text);
}

async function pickNewShard(app: AppPage, shard: number): Promise<void> {
  await app.page.locator('[data-publisher-shard]').fill(String(shard));
  await app.page.locator('[data-publisher-shard]').press('Enter');
}

describe('publishing a test batch', () => {
  let e2e: E2e;
  let app: AppPage;
  let admin: Redis;
  let firstIds: string[] = [];

  beforeAll(async () => {
    e2e = await startE2e({
      connect: { prefix: PREFIX },
      seed: async (redis) => {
        await redis.admin().xadd(`${PREFIX}:shard:1`, '1700000000000-0', 'd', '{"r":{"seed":1},"t":1,"s":1}', 'dedup_id', 'abc:1:0:0');
      },
    });
    admin = e2e.redis.admin();
    app = await e2e.open({ colorScheme: 'dark' });
    await app.page.locator('[data-shard="1"]').waitFor();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('shows the persistent producer nonce and the next sequence start before anything is sent', async () => {
    await openPublish(app);
    const { page } = app;
    await expect.poll(() => page.locator('[data-publisher-nonce]').textContent()).toMatch(/^[0-9a-f]{1,16}$/);
    await pickNewShard(app, 5);
    await expect.poll(() => page.locator('[data-publisher-next-seq]').textContent()).toBe('0');
    // Publishing needs a preview first; the button says why it is disabled.
    expect(await page.locator('[data-action="publish"]').getAttribute('data-disabled-reason')).toContain('Preview');
  });

  it('previews the exact commands and publishes exactly those bytes in one MULTI/EXEC', async () => {
    const { page } = app;
    await setSource(app, SOURCE);
    await page.locator('[data-publisher-valid]').waitFor();
    await page.keyboard.press('Control+Shift+P');
    const preview = page.locator('[data-publisher-preview][data-current="true"]');
    await preview.waitFor();
    const commands = await page.locator('[data-preview-commands] .cmd-line').allTextContents();
    expect(commands[0]).toBe('MULTI');
    expect(commands.at(-1)).toBe('EXEC');
    expect(commands).toHaveLength(4);
    const nonce = (await page.locator('[data-publisher-nonce]').textContent()) ?? '';
    expect(commands[1]).toMatch(new RegExp(`^XADD ${PREFIX}:shard:5 \\* d \\{"r":\\{"kind":"e2e","n":0,"note":"big 18446744073709551615"\\},"t":\\d+,"s":5\\} dedup_id ${nonce}:5:0:0$`));
    await shot(page, 'publisher-preview-dark');

    await page.keyboard.press('Control+Enter');
    const result = page.locator('[data-publisher-result]');
    await result.waitFor();
    firstIds = await page.locator('[data-result-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-result-id') ?? ''));
    expect(firstIds).toHaveLength(2);
    expect(await result.textContent()).toMatch(/one MULTI\/EXEC in \d+\.\d ms/);

    // What Redis holds is byte for byte what the preview showed.
    const raw = await admin.xrange(`${PREFIX}:shard:5`, '-', '+');
    expect(raw.map((e) => e[0])).toEqual(firstIds);
    const shown = /^XADD \S+ \* d (.*) dedup_id (\S+)$/.exec(commands[1] ?? '');
    expect(raw[0]?.[1]).toEqual(['d', shown?.[1], 'dedup_id', shown?.[2]]);
    expect(raw[1]?.[1]?.[3]).toBe(`${nonce}:5:0:1`);
    expect(raw[1]?.[1]?.[1]).toMatch(/"tag":"[0-9a-f-]{36}"/);
    await shot(page, 'publisher-result-dark');
  });

  it('links to the entries in the browser', async () => {
    const { page } = app;
    await page.locator('[data-action="open-batch"]').click();
    await page.locator('[data-view-tab="browse"][aria-selected="true"]').waitFor();
    for (const id of firstIds) await page.locator(`[data-entry-id="${id}"]`).waitFor();
  });

  it('publishes again with the same ids after a confirmation naming the server and the number of duplicates; a retry duplicate the analysis counts', async () => {
    const { page } = app;
    await openPublish(app);
    await page.locator('[data-action="publish-again"]').click();
    const dialog = page.locator('dialog[data-dialog="Confirm replay"]');
    await dialog.waitFor();
    expect(await dialog.locator('.modal-head').textContent()).toBe('Write 2 duplicate entries?');
    expect(await dialog.locator('[data-replay-summary]').textContent()).toContain(`to ${PREFIX}:shard:5 on redis://127.0.0.1:${e2e.redis.port}`);
    await shot(page, 'publisher-replay-confirm-dark');
    // Cancel writes nothing.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await admin.xlen(`${PREFIX}:shard:5`)).toBe(2);
    await page.locator('[data-action="publish-again"]').click();
    await dialog.locator('[data-action="confirm-replay"]').click();
    await expect.poll(() => page.locator('[data-publisher-result]').textContent()).toContain('again with the same ids');
    const againIds = await page.locator('[data-result-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-result-id') ?? ''));
    expect(againIds).toHaveLength(2);
    const raw = await admin.xrange(`${PREFIX}:shard:5`, '-', '+');
    expect(raw).toHaveLength(4);
    // Same dedup_ids and same bytes: a retry, not a collision.
    expect(raw[2]?.[1]).toEqual(raw[0]?.[1]);
    expect(raw[3]?.[1]).toEqual(raw[1]?.[1]);
    await page.locator('[data-history-batch]').nth(1).waitFor();
    await shot(page, 'publisher-again-dark');

    // Where the shard browser (issue 4) is in the build, it marks the copies as retry duplicates.
    await page.locator('[data-action="open-batch"]').click();
    await page.locator('[data-view-tab="browse"][aria-selected="true"]').waitFor();
    for (const id of againIds) await page.locator(`[data-entry-id="${id}"]`).waitFor();
    // TODO(issue 4): the shard browser's `data-duplicate="retry"` marks are not landed (the browser
    // is still in progress in this tree), so they are not asserted here yet; the analysis view
    // below is where the duplicates are counted. Once issue 4 lands, assert:
    //   [data-entry-id=<each id of both batches>][data-duplicate="retry"]
    await page.locator('[data-view-tab="analysis"]').click();
    await page.locator('[data-scope="selected"]').click();
    await page.locator('[data-pick-shard="5"]').check();
    await page.locator('[data-action="run-analysis"]').click();
    const row = page.locator('[data-analysis-shard="5"]');
    await row.waitFor();
    expect(await row.locator('[data-col="duplicateGroups"]').getAttribute('data-value')).toBe('2');
    expect(await row.locator('[data-col="duplicateEntries"]').getAttribute('data-value')).toBe('2');
    expect(await row.locator('[data-col="collisionGroups"]').getAttribute('data-value')).toBe('0');
  });

  it('deletes a test batch after confirmation: exactly its ids are gone', async () => {
    const { page } = app;
    await openPublish(app);
    // Newest first: row 0 is the replay, row 1 the original.
    const original = page.locator('[data-history-batch]').nth(1);
    await original.locator('[data-action="history-delete"]').click();
    const dialog = page.locator('dialog[data-dialog="Delete test batch"]');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(`XDEL ${PREFIX}:shard:5`);
    await shot(page, 'publisher-delete-dialog-dark');
    await dialog.locator('[data-action="confirm-delete"]').click();
    await expect.poll(() => original.getAttribute('data-deleted')).toBe('true');
    const left = (await admin.xrange(`${PREFIX}:shard:5`, '-', '+')).map((e) => e[0]);
    expect(left).toHaveLength(2);
    for (const id of firstIds) expect(left).not.toContain(id);

    // And the browser no longer shows them.
    await page.locator('[data-history-batch]').nth(0).getByRole('button', { name: 'Show' }).click();
    await page.locator(`[data-entry-id="${left[0]}"]`).waitFor();
    for (const id of firstIds) expect(await page.locator(`[data-entry-id="${id}"]`).count()).toBe(0);
  });

  it('publishes nothing from invalid JSON and names the line and column', async () => {
    const { page } = app;
    await openPublish(app);
    const before = await admin.xlen(`${PREFIX}:shard:5`);
    await setSource(app, '[\n  {"ok": 1},\n  {"bad": }\n]');
    const problem = page.locator('[data-publisher-problem]');
    await problem.waitFor();
    expect(await problem.getAttribute('data-line')).toBe('3');
    expect(await problem.getAttribute('data-column')).toBe('11');
    expect(await problem.textContent()).toContain('Line 3, column 11');
    expect(await page.locator('[data-action="preview"]').isDisabled()).toBe(true);
    expect(await page.locator('[data-action="publish"]').isDisabled()).toBe(true);
    // The keyboard cannot get around it either.
    await page.locator('[data-publisher-source]').focus();
    await page.keyboard.press('Control+Enter');
    await page.keyboard.press('Control+Shift+P');
    expect(await page.locator('[data-publisher-preview][data-current="true"]').count()).toBe(0);
    expect(await admin.xlen(`${PREFIX}:shard:5`)).toBe(before);
    await shot(page, 'publisher-invalid-dark');
  });

  it('looks right in the light theme', async () => {
    const { page } = app;
    await setSource(app, SOURCE);
    await page.locator('[data-publisher-valid]').waitFor();
    await page.locator('[data-theme-toggle]').first().click();
    await page.locator('[data-action="preview"]').click();
    await page.locator('[data-publisher-preview][data-current="true"]').waitFor();
    await shot(page, 'publisher-light');
    await page.locator('[data-theme-toggle]').first().click();
    expect(app.problems).toEqual([]);
  });
});

describe('a read-only profile', () => {
  let e2e: E2e;
  let app: AppPage;

  beforeAll(async () => {
    e2e = await startE2e();
    app = await e2e.open({ colorScheme: 'dark' });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('cannot publish from the UI, and the UI says why', async () => {
    const { page } = app;
    await page.locator('[data-screen="connect"]').waitFor();
    await page.locator('input[name="url"]').fill(e2e.redis.url);
    await page.locator('input[name="prefix"]').fill('ro');
    await page.locator('input[name="readOnly"]').check();
    await page.locator('[data-action="save"]').click();
    await page.locator('[data-profile-id] [data-action="connect"]').click();
    await page.locator('[data-screen="shell"]').waitFor();
    await openPublish(app);
    await page.locator('[data-publisher-readonly]').waitFor();
    await pickNewShard(app, 2);
    await setSource(app, '[{"a": 1}]');
    // Previewing is harmless and allowed; publishing is not.
    await page.locator('[data-action="preview"]').click();
    await page.locator('[data-publisher-preview][data-current="true"]').waitFor();
    const publish = page.locator('[data-action="publish"]');
    expect(await publish.isDisabled()).toBe(true);
    expect(await publish.getAttribute('data-disabled-reason')).toContain('Read-only profile');
    await page.keyboard.press('Control+Enter');
    expect(await e2e.redis.admin().exists('ro:shard:2')).toBe(0);
    await shot(page, 'publisher-readonly-dark');
    expect(app.problems).toEqual([]);
  });
});

describe('an unconfirmed batch', () => {
  let redis: TestRedis;
  let proxy: RecordingProxy;
  let served: Served;
  let app: AppPage;

  beforeAll(async () => {
    redis = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    proxy = await startRecordingProxy(redis.port);
    served = await startServed({ url: proxy.url, prefix: 'unc' });
    app = await served.open({ colorScheme: 'dark', viewport: { width: 1440, height: 900 } });
  });
  afterAll(async () => {
    await served?.close();
    await proxy?.close();
    await redis?.stop();
  });

  it('shows the dedup_ids to look for when Redis dies right after EXEC, and Re-check tells the truth once it is back', async () => {
    const { page } = app;
    await openPublish(app);
    await pickNewShard(app, 7);
    await setSource(app, JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ n: i }))));
    await page.locator('[data-publisher-valid]').waitFor();
    await page.locator('[data-action="preview"]').click();
    await page.locator('[data-publisher-preview][data-current="true"]').waitFor();
    const exec = Buffer.from('*1\r\n$4\r\nexec\r\n');
    let killed: Promise<void> | undefined;
    proxy.intercept((_conn, chunk) => {
      if (!killed && chunk.subarray(-exec.length).equals(exec)) return { forward: chunk, after: () => (killed = redis.kill()) };
      return { forward: chunk };
    });
    await page.locator('[data-action="publish"]').click();
    const result = page.locator('[data-publisher-result][data-outcome="unconfirmed"]');
    // The core tries to read the stream back for its verification window before it says so.
    await result.waitFor({ timeout: 20_000 });
    await killed;
    proxy.intercept(null);
    const nonce = (await page.locator('[data-publisher-nonce]').textContent()) ?? '';
    expect(await result.locator('[data-result-look-for]').textContent()).toBe(`Look for ${nonce}:7:0:0 … ${nonce}:7:0:1999`);
    expect(await result.locator('[data-action="publish-again"]').count()).toBe(0);
    await page.locator('[data-history-batch][data-outcome="unconfirmed"]').waitFor();
    await shot(page, 'publisher-unconfirmed-dark');
    await page.setViewportSize({ width: 1024, height: 800 });
    await result.scrollIntoViewIfNeeded();
    await shot(page, 'publisher-unconfirmed-1024-dark');
    await page.setViewportSize({ width: 1440, height: 900 });

    // While Redis is still down, a re-check says so and the batch stays unconfirmed.
    await page.locator('[data-banner="redis"]').waitFor();
    await result.locator('[data-action="recheck"]').click();
    await expect.poll(() => page.locator('[data-publisher-error="recheck"]').textContent(), { timeout: 20_000 }).toContain('still unconfirmed');

    await redis.restart();
    await page.locator('[data-banner="redis"]').waitFor({ state: 'detached', timeout: 30_000 });
    const len = await redis.admin().xlen('unc:shard:7');
    await result.locator('[data-action="recheck"]').click();
    const outcome = len === 2000 ? 'landed' : 'not-landed';
    const after = page.locator(`[data-publisher-result][data-outcome="${outcome}"]`);
    await after.waitFor({ timeout: 20_000 });
    if (outcome === 'landed') {
      expect(await after.locator('[data-result-id]').count()).toBe(100);
      expect(await after.textContent()).toContain('confirmed by a re-check');
    } else {
      expect(await after.locator('[data-result-note]').textContent()).toMatch(/did not land, so publishing it again is safe/);
    }
    await shot(page, `publisher-recheck-${outcome}-dark`);
    expect(app.problems).toEqual([]);
  }, 90_000);
});

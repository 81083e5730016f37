/**
 * Issue 13 end to end: Chromium through `serve` on the seeded demo bus. Find (Ctrl+K) lists every
 * copy of a dedup_id across shards, the misrouted one included, and opens the one picked in Browse,
 * selected; a lane's jump box takes a dedup_id; the merged view's jump box starts every shard at a
 * stream id; the analysis exports list every anomaly, and the JSON export is the bytes of the
 * built CLI's `scan --json --details` for the same bus (plus its provenance as a last field).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoBus, type DemoManifest } from '../../electron/core/demo/seed';
import { compareStreamIds } from '../../shared/stream-id';
import type { ShardAnalysis } from '../../shared/types';
import { buildCli } from '../helpers/cli-run';
import { shot, startE2e, type AppPage, type E2e } from '../helpers/e2e';

const PREFIX = 'bus';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('find and evidence', () => {
  let e2e: E2e;
  let app: AppPage;
  let manifest: DemoManifest;
  /** The copy of the misrouted event written to its own shard (7), as the producer meant it. */
  let homeCopyId: string;

  beforeAll(async () => {
    // The command line the export is compared with is the one built from this source.
    buildCli();
    e2e = await startE2e({
      connect: { prefix: PREFIX },
      seed: async (redis) => {
        const admin = redis.admin();
        manifest = await seedDemoBus(admin, PREFIX);
        const m = manifest.samples.misrouted;
        homeCopyId = (await admin.xadd(`${PREFIX}:shard:${m.payloadShard}`, '*', 'd', m.d!, 'dedup_id', m.dedupId)) as string;
      },
    });
    app = await e2e.open({ colorScheme: 'dark' });
    await app.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: e2e.serve.origin });
    await app.page.locator('[data-shard]').first().waitFor();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('Find lists every copy of a dedup_id across shards, the misrouted one included, and opens it in Browse', async () => {
    const { page } = app;
    const m = manifest.samples.misrouted;
    const shard12 = await e2e.redis.admin().xrange(m.key, '-', '+');
    const misroutedPosition = shard12.findIndex(([, f]) => f.includes(m.dedupId));
    const misroutedId = shard12[misroutedPosition]![0];
    await page.keyboard.press('Control+k');
    const dialog = page.locator('[data-dialog="find"]');
    await dialog.waitFor();
    await dialog.locator('[data-find-input]').fill(m.dedupId);
    await dialog.locator('[data-find-input]').press('Enter');
    await dialog.locator(`[data-find-state="done"][data-find-text="${m.dedupId}"]`).waitFor();
    const hits = await dialog.locator('[data-find-hit]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-find-hit'), e.getAttribute('data-hit-kinds')]));
    // Its own shard first (the one the dedup_id names), then the misrouted copy on shard 12.
    expect(hits).toEqual([
      [`${m.payloadShard}/${homeCopyId}`, 'duplicate'],
      [`12/${misroutedId}`, 'misrouted duplicate'],
    ]);
    await shot(page, 'find-dialog-dark');
    // Space picks a row for the incident note; the note then covers only what was picked.
    await dialog.locator('[data-find-results]').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press(' ');
    await dialog.locator(`[data-find-hit="12/${misroutedId}"][data-picked="true"]`).waitFor();
    await dialog.locator('[data-action="copy-find-note"]').click();
    await dialog.locator('[data-action="copy-find-note"][data-copy-state="done"]').waitFor();
    const note = await page.evaluate(() => navigator.clipboard.readText());
    expect(note).toContain(`| 12 | \`${misroutedId}\` | ${misroutedPosition} | \`${m.dedupId}\` | misrouted, duplicate |`);
    expect(note).not.toContain(homeCopyId);
    await dialog.locator(`[data-find-hit="12/${misroutedId}"]`).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('[data-view-tab="browse"][aria-selected="true"]').waitFor();
    await page.locator(`[data-region="events"][data-selected-shard="12"]`).waitFor();
    await page.locator(`[data-entry-id="${misroutedId}"][aria-selected="true"]`).waitFor();
  });

  it('a prefix finds every entry of a producer sequence, with progress to the end', async () => {
    const { page } = app;
    const retry = manifest.samples.retry;
    const [nonce, shard, seq] = retry.dedupIds[0]!.split(':');
    await page.locator('[data-action="open-find"]').click();
    const dialog = page.locator('[data-dialog="find"]');
    await dialog.locator('[data-find-input]').fill(`${nonce}:${shard}:${seq}`);
    await dialog.locator('[data-action="run-find"]').click();
    await dialog.locator(`[data-find-state="done"][data-find-text="${nonce}:${shard}:${seq}"]`).waitFor();
    // A retried batch: every id twice, all on its shard. The list is virtualized: the rows in the
    // DOM are the visible ones, the count is the whole result.
    const count = Number(await dialog.locator('[data-find-hits]').getAttribute('data-find-hits'));
    expect(count).toBe(retry.dedupIds.length * 2);
    const rendered = await dialog.locator('[data-find-hit]').evaluateAll((els) => els.map((e) => e.getAttribute('data-find-hit')!.split('/')[0]));
    expect(rendered.length).toBeLessThan(count);
    expect(new Set(rendered)).toEqual(new Set([String(retry.shard)]));
    // The last one is reached from the keyboard.
    await dialog.locator('[data-find-results]').focus();
    await page.keyboard.press('End');
    await dialog.locator(`#find-hit-${count - 1}[aria-selected="true"]`).waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it("a lane's jump box accepts a dedup_id", async () => {
    const { page } = app;
    const c = manifest.samples.collision;
    await page.locator(`[data-shard="${c.shard}"]`).first().click();
    await page.locator(`[data-region="events"][data-selected-shard="${c.shard}"]`).waitFor();
    const jump = page.locator('[data-jump-input]').first();
    await jump.fill(c.dedupIds[0]!);
    await jump.press('Enter');
    const first = (await e2e.redis.admin().xrange(c.key, '-', '+')).find(([, f]) => f.includes(c.dedupIds[0]!))![0];
    await page.locator(`[data-entry-id="${first}"][aria-selected="true"]`).waitFor();
    expect(await page.locator('.jump-error').count()).toBe(0);
  });

  it('the merged view has a jump box: every shard from a stream id', async () => {
    const { page } = app;
    await page.locator('[data-browse-tab="merged"]').click();
    const merged = page.locator('[data-lane="merged"]');
    await merged.locator('[data-entry-id]').first().waitFor();
    await merged.locator('[data-order]').click();
    await page.locator('[data-lane="merged"][data-lane-order="oldest"]').waitFor();
    // An entry in the middle of the bus: the list then starts there, every shard merged from it.
    const all = await Promise.all(manifest.shards.map(async (s) => (await e2e.redis.admin().xrange(`${PREFIX}:shard:${s.shard}`, '-', '+')).map(([id]) => ({ shard: s.shard, id }))));
    const ordered = all.flat().sort((a, b) => compareStreamIds(a.id, b.id));
    const target = ordered[Math.floor(ordered.length / 2)]!;
    const jump = merged.locator('[data-jump-input]');
    await jump.fill(target.id);
    await jump.press('Enter');
    await page.locator(`[data-merged-anchor="${target.id}"]`).waitFor();
    await expect.poll(() => merged.locator('[data-entry-id]').first().getAttribute('data-entry-id')).toBe(target.id);
    const firstRows = await merged.locator('[data-entry-id]').evaluateAll((els) => els.slice(0, 5).map((e) => e.getAttribute('data-entry-id')));
    const at = ordered.findIndex((e) => e.id === target.id);
    // Entries with the same id on several shards come in any shard order; compare as a set of ids.
    expect(new Set(firstRows)).toEqual(new Set(ordered.slice(at, at + 5).map((e) => e.id)));
    await shot(page, 'merged-jump-dark');
    await page.locator('[data-action="merged-anchor-clear"]').click();
    await page.locator('[data-merged-anchor]').waitFor({ state: 'detached' });
    await page.locator('[data-browse-tab="lanes"]').click();
  });

  it('the analysis exports list every anomaly; the JSON is scan --json --details byte for byte plus provenance', async () => {
    const { page } = app;
    await page.locator('[data-view-tab="analysis"]').click();
    await page.locator('[data-action="run-analysis"]').click();
    await page.locator('[data-analysis-report]').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="export-json"]').click()]);
    const exported = readFileSync(await download.path(), 'utf8');
    const cli = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/mesh-inspector.js'), 'scan', '--json', '--details', '--url', e2e.redis.url, '--prefix', PREFIX], { cwd: ROOT, maxBuffer: 64 << 20 });
    const cut = exported.lastIndexOf(',"provenance":');
    expect(cut).toBeGreaterThan(0);
    expect(`${exported.slice(0, cut)}}\n`).toBe(cli.stdout);
    expect(Object.keys(JSON.parse(exported) as object)).toEqual(['prefix', 'shards', 'skipped', 'provenance']);

    // Every count has its evidence: the ids behind each corrupt, duplicate and misrouted figure.
    const doc = JSON.parse(cli.stdout) as { shards: ShardAnalysis[] };
    for (const s of doc.shards) {
      const of = (k: string) => s.anomalies!.filter((a) => a.kind === k);
      expect(of('corrupt'), `shard ${s.shard}`).toHaveLength(s.corrupt);
      expect(of('collision').length + of('duplicate').length).toBe(s.duplicateGroups);
      expect(of('collision')).toHaveLength(s.collisionGroups);
      expect(of('misrouted')).toHaveLength(s.misrouted);
    }
    const byShard = new Map(doc.shards.map((s) => [s.shard, s]));
    for (const c of manifest.samples.collision.dedupIds) expect(byShard.get(manifest.samples.collision.shard)!.anomalies!.some((a) => a.kind === 'collision' && a.dedupId === c)).toBe(true);
    expect(byShard.get(12)!.anomalies!.some((a) => a.kind === 'misrouted' && a.dedupId === manifest.samples.misrouted.dedupId)).toBe(true);

    // The evidence CSV has a row for every anomaly, by its stream ids.
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="export-evidence-csv"]').click()]);
    const csv = readFileSync(await csvDownload.path(), 'utf8');
    for (const s of doc.shards) for (const a of s.anomalies!) expect(csv).toContain(`${s.shard},${s.key},${a.kind},${a.ids.join(' ')},`);

    // The incident note names them too.
    await page.locator('[data-action="copy-incident-note"]').click();
    await page.locator('[data-action="copy-incident-note"][data-copy-state="done"]').waitFor();
    const note = await page.evaluate(() => navigator.clipboard.readText());
    expect(note).toContain(manifest.samples.misrouted.dedupId);
    for (const c of manifest.samples.corrupt) expect(note).toContain(c.dedupId);
    await shot(page, 'analysis-export-dark');
  });

  it('a search over a big shard shows its progress and stops on Cancel', async () => {
    const { page } = app;
    // 600,000 entries written server-side in one call, on a shard of their own.
    await e2e.redis.admin().eval(
      "for i = 1, tonumber(ARGV[1]) do redis.call('XADD', KEYS[1], '*', 'd', '{\"r\":' .. i .. ',\"t\":0,\"s\":40}', 'dedup_id', 'abc:40:0:' .. i) end",
      1,
      `${PREFIX}:shard:40`,
      600_000,
    );
    await page.locator('[data-action="open-find"]').click();
    const dialog = page.locator('[data-dialog="find"]');
    await dialog.locator('[data-find-input]').fill('abc:40');
    await dialog.locator('[data-find-input]').press('Enter');
    // Cancel once the first step has reported (progress facts on screen).
    await dialog.locator('[data-find-text="abc:40"] [role="progressbar"]').waitFor();
    await expect.poll(async () => Number(await dialog.locator('[data-find-hits]').getAttribute('data-find-hits'))).toBeGreaterThan(0);
    await dialog.locator('[data-action="cancel-find"]').click();
    await dialog.locator('[data-find-state="cancelled"][data-find-text="abc:40"]').waitFor();
    // What was found before the cancel stays listed; fewer than all of them.
    const found = Number(await dialog.locator('[data-find-hits]').getAttribute('data-find-hits'));
    expect(found).toBeGreaterThan(0);
    expect(found).toBeLessThan(600_000);
    await expect.poll(() => dialog.locator('[data-find-hit]').count()).toBeGreaterThan(0);
    await shot(page, 'find-cancelled-dark');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await e2e.redis.admin().del(`${PREFIX}:shard:40`);
  });

  it('Find and the analysis exports fit and read at 1440 and 1024 px, in both themes', async () => {
    const m = manifest.samples.misrouted;
    for (const colorScheme of ['dark', 'light'] as const) {
      for (const width of [1440, 1024]) {
        const view = await e2e.open({ colorScheme, viewport: { width, height: 820 } });
        const { page } = view;
        await page.locator('[data-shard]').first().waitFor();
        await page.locator('[data-action="open-find"]').click();
        const dialog = page.locator('[data-dialog="find"]');
        await dialog.locator('[data-find-input]').fill(m.dedupId);
        await dialog.locator('[data-find-input]').press('Enter');
        await dialog.locator(`[data-find-state="done"][data-find-text="${m.dedupId}"]`).waitFor();
        // The dialog and every column of its rows are inside the window.
        const box = (await dialog.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(width);
        const kinds = (await dialog.locator('.find-kinds').first().boundingBox())!;
        expect(kinds.x + kinds.width).toBeLessThanOrEqual(box.x + box.width);
        await shot(page, `find-dialog-${width}-${colorScheme}`);
        await page.keyboard.press('Escape');
        await page.locator('[data-view-tab="analysis"]').click();
        await page.locator('[data-action="run-analysis"]').click();
        await page.locator('[data-analysis-report]').waitFor();
        const exports = (await page.locator('.an-export').boundingBox())!;
        expect(exports.x + exports.width).toBeLessThanOrEqual(width);
        await shot(page, `analysis-export-${width}-${colorScheme}`);
        expect(view.problems).toEqual([]);
        await view.close();
      }
    }
  });
});

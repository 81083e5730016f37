/**
 * Whole-bus analysis end to end: Chromium through `serve`, a real redis-server seeded with the
 * demo bus (whose manifest gives the exact figures `scan` must report). The view shows exactly those
 * figures; the exported JSON is `mesh-inspector scan --json`'s document plus provenance; the CSV
 * parses and says what the screen says; a cancelled job stops.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoBus, type DemoManifest } from '../../electron/core/demo/seed';
import { shot, startE2e, type AppPage, type E2e } from '../helpers/e2e';

const PREFIX = 'bus';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIG_SHARD = 40;
const BIG_ENTRIES = 200_000;

/** RFC 4180, enough for our export (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

describe('whole-bus analysis', () => {
  let e2e: E2e;
  let app: AppPage;
  let admin: Redis;
  let manifest: DemoManifest;

  beforeAll(async () => {
    e2e = await startE2e({
      connect: { prefix: PREFIX },
      seed: async (redis) => {
        manifest = await seedDemoBus(redis.admin(), PREFIX);
      },
    });
    admin = e2e.redis.admin();
    app = await e2e.open({ colorScheme: 'dark' });
    await app.page.locator('[data-shard]').first().waitFor();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('reports exactly what the seeded bus holds, shard by shard', async () => {
    const { page } = app;
    await page.locator('[data-view-tab="analysis"]').click();
    await page.locator('[data-view="analysis"]').waitFor();
    await shot(page, 'analysis-empty-dark');
    await page.locator('[data-action="run-analysis"]').click();
    await page.locator('[data-analysis-report]').waitFor();

    const shown = await page.locator('[data-analysis-shard]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-analysis-shard'))));
    expect(shown).toEqual(manifest.shards.map((s) => s.shard));
    for (const m of manifest.shards) {
      const row = page.locator(`[data-analysis-shard="${m.shard}"]`);
      const value = async (col: string) => Number(await row.locator(`[data-col="${col}"]`).getAttribute('data-value'));
      expect({
        shard: m.shard,
        entries: await value('entries'),
        ok: await value('ok'),
        corrupt: await value('corrupt'),
        duplicateGroups: await value('duplicateGroups'),
        duplicateEntries: await value('duplicateEntries'),
        collisionGroups: await value('collisionGroups'),
        gaps: await value('gaps'),
        misrouted: await value('misrouted'),
      }).toEqual({
        shard: m.shard,
        entries: m.entries,
        ok: m.ok,
        corrupt: m.corrupt,
        duplicateGroups: m.duplicateGroups,
        duplicateEntries: m.duplicateEntries,
        collisionGroups: m.collisionGroups,
        gaps: m.gaps.length,
        misrouted: m.misrouted,
      });
    }
    // Gap ranges per nonce, as cli.md defines them.
    const gap = manifest.samples.gap;
    await page.locator(`[data-analysis-shard="${gap.shard}"] [data-col="gaps"] button`).click();
    await page.locator(`[data-analysis-gaps="${gap.shard}"] [data-gap="${gap.nonce}:${gap.from}-${gap.to}"]`).waitFor();
    for (const k of manifest.skipped) await page.locator(`[data-analysis-skipped="${k.key}"]`).waitFor();
    expect(await page.locator('[data-total="entries"]').getAttribute('data-value')).toBe(String(manifest.totalEntries));
    await shot(page, 'analysis-report-dark');
  });

  it('exports JSON that is the scan --json document plus provenance', async () => {
    const { page } = app;
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="export-json"]').click()]);
    expect(download.suggestedFilename()).toMatch(/^mesh-analysis-bus-\d{8}-\d{6}\.json$/);
    const doc = JSON.parse(readFileSync(await download.path(), 'utf8')) as Record<string, unknown> & { provenance: Record<string, unknown> };
    const { provenance, ...scanPart } = doc;

    const cli = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/mesh-inspector.js'), 'scan', '--json', '--details', '--url', e2e.redis.url, '--prefix', PREFIX], { cwd: ROOT });
    // The export carries the evidence (issue 13): the document of `scan --json --details`.
    expect(scanPart).toEqual(JSON.parse(cli.stdout));
    // Same keys in the same order as the command line's document.
    expect(Object.keys(doc)).toEqual(['prefix', 'shards', 'skipped', 'provenance']);

    expect(provenance.server).toBe(`redis://127.0.0.1:${e2e.redis.port}`);
    expect(provenance.prefix).toBe(PREFIX);
    expect(provenance.shards).toEqual(manifest.shards.map((s) => s.shard));
    expect(provenance.appVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(Date.parse(String(provenance.startedAt))).toBeLessThanOrEqual(Date.parse(String(provenance.finishedAt)));

    // And it says what the screen says.
    for (const s of scanPart.shards as Array<{ shard: number; corrupt: number; duplicateEntries: number }>) {
      const row = page.locator(`[data-analysis-shard="${s.shard}"]`);
      expect(Number(await row.locator('[data-col="corrupt"]').getAttribute('data-value'))).toBe(s.corrupt);
      expect(Number(await row.locator('[data-col="duplicateEntries"]').getAttribute('data-value'))).toBe(s.duplicateEntries);
    }
  });

  it('exports CSV that parses and matches the screen', async () => {
    const { page } = app;
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="export-csv"]').click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const rows = parseCsv(readFileSync(await download.path(), 'utf8'));
    const [head, ...body] = rows;
    expect(head).toEqual(['shard', 'key', 'entries', 'ok', 'corrupt', 'duplicateGroups', 'duplicateEntries', 'collisionGroups', 'gapRanges', 'missingOrdinals', 'gaps', 'misrouted', 'server', 'prefix', 'startedAt', 'finishedAt', 'appVersion', 'gapCauses', 'headGaps']);
    expect(body).toHaveLength(manifest.shards.length);
    const col = (name: string) => head!.indexOf(name);
    for (const r of body) {
      const row = page.locator(`[data-analysis-shard="${r[col('shard')]}"]`);
      for (const name of ['entries', 'ok', 'corrupt', 'duplicateGroups', 'duplicateEntries', 'collisionGroups', 'misrouted']) {
        expect(r[col(name)], `${name} of shard ${r[0]}`).toBe(await row.locator(`[data-col="${name}"]`).getAttribute('data-value'));
      }
      // gapRanges holds the ranges, gaps their count (issue 13: the two were swapped).
      expect(r[col('gaps')]).toBe(await row.locator('[data-col="gaps"]').getAttribute('data-value'));
      expect(r[col('missingOrdinals')]).toBe(await row.locator('[data-col="gaps"]').getAttribute('data-missing'));
      expect(r[col('server')]).toBe(`redis://127.0.0.1:${e2e.redis.port}`);
      expect(r[col('prefix')]).toBe(PREFIX);
    }
    const gap = manifest.samples.gap;
    expect(body.find((r) => r[0] === String(gap.shard))?.[col('gapRanges')]).toContain(`${gap.nonce}:${gap.from}-${gap.to}`);
    // Nothing in the demo bus was deleted or trimmed: its lost batch was never written (issue 17).
    expect(body.find((r) => r[0] === String(gap.shard))?.[col('gapCauses')]).toContain(`${gap.nonce}:${gap.from}-${gap.to}=lost`);
  });

  it('drills down from a count to the shard in the browser', async () => {
    const { page } = app;
    const corrupt = manifest.shards.find((s) => s.corrupt > 0)!;
    await page.locator(`[data-analysis-shard="${corrupt.shard}"] [data-col="corrupt"] button`).click();
    await page.locator('[data-view-tab="browse"][aria-selected="true"]').waitFor();
    await page.locator(`[data-region="events"][data-selected-shard="${corrupt.shard}"]`).waitFor();
    await page.locator('[data-entry-id]').first().waitFor();
    // The count opens its first entry (issue 13): selected, ringed in the corrupt colour, its detail open.
    await page.locator('.erow[aria-selected="true"][data-status="corrupt"][data-evidence="corrupt"]').waitFor();
    await page.locator('[data-detail] [data-corrupt-reason]').waitFor();
  });

  it('cancels a running job: it stops and says so', async () => {
    const { page } = app;
    const key = `${PREFIX}:shard:${BIG_SHARD}`;
    for (let i = 0; i < BIG_ENTRIES; i += 10_000) {
      const p = admin.pipeline();
      for (let j = i; j < i + 10_000; j++) p.xadd(key, '*', 'd', `{"r":{"n":${j}},"t":${j + 1},"s":${BIG_SHARD}}`, 'dedup_id', `abc:${BIG_SHARD}:${j}:0`);
      await p.exec();
    }
    await page.locator('[data-view-tab="analysis"]').click();
    await page.getByRole('button', { name: 'Refresh shards' }).click();
    await page.locator(`[data-shard="${BIG_SHARD}"]`).waitFor();
    await page.locator('[data-scope="selected"]').click();
    await page.locator(`[data-pick-shard="${BIG_SHARD}"]`).check();
    await page.locator('[data-action="run-analysis"]').click();
    const running = page.locator('[data-analysis-running]');
    await expect.poll(async () => Number((await running.getAttribute('data-entries-done')) ?? 0), { timeout: 10_000 }).toBeGreaterThan(0);
    // Hold Redis still so the job cannot finish before the cancel lands (the service aborts between pages).
    await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
    await shot(page, 'analysis-progress-dark');
    await page.locator('[data-action="cancel-analysis"]').click();
    await page.locator('[data-analysis-cancelled]').waitFor({ timeout: 10_000 });
    expect(await running.count()).toBe(0);
    const text = (await page.locator('[data-analysis-cancelled]').textContent()) ?? '';
    const done = Number(/Cancelled at ([\d,]+)/.exec(text)?.[1]?.replace(/,/g, ''));
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(BIG_ENTRIES);
    // The previous complete report stays on screen, not replaced by a partial one.
    expect(await page.locator(`[data-analysis-shard="${BIG_SHARD}"]`).count()).toBe(0);
    await shot(page, 'analysis-cancelled-dark');
  });

  it('looks right in the light theme', async () => {
    const { page } = app;
    await page.locator('[data-theme-toggle]').first().click();
    await page.locator('[data-scope="all"]').click();
    await shot(page, 'analysis-report-light');
    await page.locator('[data-theme-toggle]').first().click();
    expect(app.problems.filter((p) => !p.includes('Redis'))).toEqual([]);
  });
});

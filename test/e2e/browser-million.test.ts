/**
 * The shard browser on a 1,000,000-entry shard, end to end (real redis-server, the real `serve`,
 * Chromium): the scrollbar spans the whole stream and the middle and the end show exactly the
 * entries written there; jumps by position, id and time; every kind of entry net-mesh's reader
 * skips is marked with its reason; retry duplicates and a collision are marked even when the
 * copies are 500,000 entries apart, and the detail links them; the keyboard drives it all.
 *
 * Ids are written explicitly (`idOf`), so what each position must show is known without reading
 * it back. Waits are DOM signals (rows, `data-index-state`, `aria-selected`), never sleeps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { decodePayload, decodePayloadBytes, encodePayload } from '../../shared/wire';
import { pipeline, type Arg } from '../helpers/browser-seed';
import { shot, startE2e, type AppPage, type E2e } from '../helpers/e2e';

const PREFIX = 'mil';
const SHARD = 1;
const KEY = `${PREFIX}:shard:${SHARD}`;
const N = 1_000_000;
const BASE = 1_700_000_000_000;
const NONCE = 'e2e';
const idOf = (k: number) => `${BASE + Math.floor(k / 10)}-${k % 10}`;
const rawOf = (k: number) => `{"n":${k},"user":"u${k % 1000}"}`;
const dOf = (k: number) => encodePayload(rawOf(k), BigInt(k + 1), SHARD);

/** Every way a `d` can make net-mesh's reader skip an entry (contract 3.22, 3.23), by position. */
const CORRUPT: Array<{ at: number; fields: Arg[]; reason: string }> = [
  { at: 100_001, fields: ['x', 'no d here'], reason: 'entry has no d field' },
  { at: 200_002, fields: ['d', '{"r":<b>not json'], reason: '' },
  { at: 300_003, fields: ['d', Buffer.from([0x7b, 0x22, 0x72, 0x22, 0x3a, 0xff, 0xfe, 0x7d])], reason: '' },
  { at: 400_004, fields: ['d', '{"t":1,"s":1}'], reason: '' },
  { at: 450_005, fields: ['d', '{"r":{},"t":-1,"s":1}'], reason: '' },
  { at: 460_006, fields: ['d', '{"r":{},"t":"7","s":1}'], reason: '' },
  { at: 470_007, fields: ['d', '{"r":{},"t":1,"s":70000}'], reason: '' },
  { at: 480_008, fields: ['d', '{"r":{},"t":1,"t":2,"s":1}'], reason: '' },
  { at: 490_009, fields: ['d', '\ufeff{"r":{},"t":1,"s":1}'], reason: '' },
];
for (const c of CORRUPT) {
  if (c.reason !== '') continue;
  const d = c.fields[1] as Arg;
  const r = typeof d === 'string' ? decodePayload(d) : decodePayloadBytes(d);
  if (r.ok) throw new Error(`corrupt seed at ${c.at} decodes fine`);
  c.reason = r.reason;
}
const CORRUPT_AT = new Map(CORRUPT.map((c) => [c.at, c]));

/** Retry duplicates (byte-identical `d`, same dedup_id): adjacent (10, 11) and 500,000 apart (250,000 and 750,000). */
const RETRY_OF = new Map([
  [11, 10],
  [750_000, 250_000],
]);
/** A collision (same dedup_id, different `d`), 500,000 apart. */
const COLLISION_OF = new Map([[600_000, 100_000]]);

function* seed(): Generator<Arg[]> {
  for (let k = 0; k < N; k++) {
    const c = CORRUPT_AT.get(k);
    const same = RETRY_OF.get(k);
    const other = COLLISION_OF.get(k);
    const dedup = `${NONCE}:${SHARD}:${same ?? other ?? k}:0`;
    if (c) yield ['XADD', KEY, idOf(k), ...c.fields, 'dedup_id', dedup];
    else yield ['XADD', KEY, idOf(k), 'd', same !== undefined ? dOf(same) : dOf(k), 'dedup_id', dedup];
  }
}

describe('a 1,000,000-entry shard', () => {
  let e2e: E2e;
  let app: AppPage;
  let page: Page;
  let list: Locator;

  const row = (position: number) => page.locator(`[data-lane-shard="${SHARD}"] [data-entry-id][data-position="${position}"]`);
  const selected = () => page.locator(`[data-lane-shard="${SHARD}"] [data-entry-id][aria-selected="true"]`);
  async function jump(text: string): Promise<void> {
    const input = page.locator(`[data-lane-shard="${SHARD}"] [data-jump-input]`);
    await input.fill(text);
    await input.press('Enter');
  }
  /** Every loaded row in the lane: its position and id. */
  const loadedRows = () =>
    page.locator(`[data-lane-shard="${SHARD}"] [data-entry-id]`).evaluateAll((els) => els.map((el) => ({ position: Number(el.getAttribute('data-position')), id: el.getAttribute('data-entry-id') })));

  beforeAll(async () => {
    e2e = await startE2e({
      connect: { prefix: PREFIX },
      seed: async (redis) => {
        await pipeline(redis.host, redis.port, seed());
      },
    });
    app = await e2e.open({ colorScheme: 'dark', viewport: { width: 1440, height: 900 } });
    page = app.page;
    list = page.locator(`[data-lane-shard="${SHARD}"] [data-event-list]`);
  }, 240_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it('opens newest first, and the index covers the whole shard', async () => {
    await page.locator(`[data-shard="${SHARD}"]`).click();
    await row(N - 1).waitFor();
    expect(await row(N - 1).getAttribute('data-entry-id')).toBe(idOf(N - 1));
    expect(await page.locator(`[data-lane-shard="${SHARD}"] [data-lane-length]`).getAttribute('data-lane-length')).toBe(String(N));
    await page.locator(`[data-lane-shard="${SHARD}"] [data-index-state="ready"]`).waitFor({ timeout: 150_000 });
    await shot(page, 'browser-million-newest-dark');
  }, 180_000);

  it('spans the whole stream with its scrollbar: the middle and the end show the entries written there', async () => {
    const geometry = await list.evaluate((el) => ({ height: el.scrollHeight, view: el.clientHeight }));
    // 28 px rows: one million of them is 28,000,000 px, below Chromium's 33,554,428 px cap. Plus
    // one gap row per ordinal the seed never wrote (the retry and collision copies take the places
    // of ordinals 11, 600,000 and 750,000): issue 13's gap markers.
    await expect.poll(() => list.evaluate((el) => el.scrollHeight)).toBe((N + 3) * 28);
    expect(geometry.height % 28).toBe(0);

    await list.evaluate((el) => el.scrollTo({ top: (el.scrollHeight - el.clientHeight) / 2 }));
    await expect.poll(async () => (await loadedRows()).filter((r) => Math.abs(r.position - N / 2) < 60).length, { timeout: 20_000 }).toBeGreaterThan(15);
    for (const r of await loadedRows()) expect(r.id).toBe(idOf(r.position));
    await shot(page, 'browser-million-middle-dark');

    await list.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await row(0).waitFor();
    for (const r of await loadedRows()) expect(r.id).toBe(idOf(r.position));

    // Oldest first: the oldest entry on top, the newest at the very end.
    await page.locator(`[data-lane-shard="${SHARD}"] [data-order]`).click();
    await page.locator(`[data-lane-shard="${SHARD}"][data-lane-order="oldest"]`).waitFor();
    await list.evaluate((el) => el.scrollTo({ top: 0 }));
    await row(0).waitFor();
    await list.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await row(N - 1).waitFor();
    for (const r of await loadedRows()) expect(r.id).toBe(idOf(r.position));
    await page.locator(`[data-lane-shard="${SHARD}"] [data-order]`).click();
    await page.locator(`[data-lane-shard="${SHARD}"][data-lane-order="newest"]`).waitFor();
  }, 60_000);

  it('jumps to a position, a stream id, a missing id and a wall-clock time', async () => {
    await jump('#500000');
    await expect.poll(() => selected().getAttribute('data-position')).toBe('500000');
    expect(await selected().getAttribute('data-entry-id')).toBe(idOf(500_000));

    await jump(idOf(123_456));
    await expect.poll(() => selected().getAttribute('data-position')).toBe('123456');

    // An id between two entries lands on the next one.
    await jump(`${BASE + 33_333}-42`);
    await expect.poll(() => selected().getAttribute('data-position')).toBe('333340');

    // A time, typed in local time as a person would: the first entry at or after it.
    const local = await page.evaluate((ms) => {
      const d = new Date(ms);
      const p = (n: number, w = 2) => String(n).padStart(w, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
    }, BASE + 77_777);
    await jump(local);
    await expect.poll(() => selected().getAttribute('data-position')).toBe('777770');
    expect(await selected().getAttribute('data-entry-id')).toBe(idOf(777_770));
  }, 60_000);

  it('marks every kind of entry net-mesh would skip, with its reason', async () => {
    for (const c of CORRUPT) {
      await jump(`#${c.at}`);
      const r = row(c.at);
      await expect.poll(() => r.getAttribute('data-status')).toBe('corrupt');
      expect(await r.locator('.corrupt-why').textContent()).toBe(c.reason);
      expect(await r.locator('.kflag[data-kind="corrupt"]').count()).toBe(1);
      // Its neighbours are fine.
      expect(await row(c.at + 1).getAttribute('data-status')).toBe('ok');
    }
    await shot(page, 'browser-million-corrupt-dark');

    // The stored bytes of the entry that is not UTF-8, as hex: exactly what Redis holds.
    await jump('#300003');
    await row(300_003).click();
    const detail = page.locator('[data-detail]');
    await detail.locator('[data-corrupt-reason]').waitFor();
    await detail.locator('[data-payload-tab="hex"]').click();
    expect(await detail.locator('[data-payload-view="hex"]').textContent()).toContain('7b 22 72 22 3a ff fe 7d');
    await shot(page, 'browser-million-corrupt-hex-dark');
    await page.keyboard.press('Escape');
  }, 90_000);

  it('marks retry duplicates and a collision even 500,000 entries apart, and links the copies', async () => {
    for (const [at, kind] of [
      [10, 'retry'],
      [11, 'retry'],
      [250_000, 'retry'],
      [750_000, 'retry'],
      [100_000, 'collision'],
      [600_000, 'collision'],
    ] as const) {
      await jump(`#${at}`);
      await expect.poll(() => row(at).getAttribute('data-duplicate')).toBe(kind);
    }
    await jump('#12');
    await expect.poll(() => row(12).getAttribute('data-status')).toBe('ok');
    expect(await row(12).getAttribute('data-duplicate')).toBeNull();

    // The detail of one copy links to the other, half a million entries away; the link goes there.
    await jump('#250000');
    await row(250_000).click();
    const detail = page.locator('[data-detail]');
    await detail.locator('[data-detail-duplicate="retry"]').waitFor();
    const link = detail.locator(`[data-copy-link="${idOf(750_000)}"]`);
    await link.waitFor();
    await shot(page, 'browser-million-retry-detail-dark');
    await link.click();
    await expect.poll(() => selected().getAttribute('data-entry-id')).toBe(idOf(750_000));
    await expect.poll(() => detail.getAttribute('data-detail-id')).toBe(idOf(750_000));
    await detail.locator(`[data-copy-link="${idOf(250_000)}"]`).waitFor();

    await jump('#600000');
    await row(600_000).click();
    await detail.locator('[data-detail-duplicate="collision"]').waitFor();
    await detail.locator(`[data-copy-link="${idOf(100_000)}"]`).waitFor();
    await shot(page, 'browser-million-collision-detail-dark');
  }, 90_000);

  it('is driven by the keyboard: j/k and arrows, PageUp/PageDown, Home/End, Enter, Escape and /', async () => {
    await jump('#500000');
    await expect.poll(() => selected().getAttribute('data-position')).toBe('500000');
    await page.keyboard.press('Escape');
    await page.locator('[data-detail]').waitFor({ state: 'detached' });
    // Newest first: down the list is back in time.
    await page.keyboard.press('j');
    await expect.poll(() => selected().getAttribute('data-position')).toBe('499999');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => selected().getAttribute('data-position')).toBe('499998');
    await page.keyboard.press('k');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => selected().getAttribute('data-position')).toBe('500000');
    await page.keyboard.press('PageDown');
    const afterPage = Number(await selected().getAttribute('data-position'));
    expect(afterPage).toBeLessThan(500_000 - 10);
    await page.keyboard.press('PageUp');
    await expect.poll(() => selected().getAttribute('data-position')).toBe('500000');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-detail]').getAttribute('data-detail-id')).toBe(idOf(500_000));
    await page.keyboard.press('Escape');
    await page.locator('[data-detail]').waitFor({ state: 'detached' });
    await list.focus();
    await page.keyboard.press('End');
    await expect.poll(() => selected().getAttribute('data-position')).toBe('0');
    await page.keyboard.press('Home');
    await expect.poll(() => selected().getAttribute('data-position')).toBe(String(N - 1));
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.hasAttribute('data-filter-input'))).toBe(true);
    expect(app.problems).toEqual([]);
  }, 60_000);
});

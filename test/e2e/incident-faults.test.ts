/**
 * Redis refusing or stalling under the UI (issue 6), in Chromium through `serve` against real
 * redis-server processes: SIGSTOP (PING timeouts, transient; the UI keeps answering; SIGCONT
 * recovers), a long Lua script past `busy-reply-threshold` (BUSY, transient), REPLICAOF making the
 * server read-only (a publish gets READONLY, transient), maxmemory reached (a publish gets OOM,
 * fatal), and a wrong password (fatal, and the password in no message: neither in the page's
 * text nor in any frame the server sent).
 *
 * Publishes go through the same contract over serve's WebSocket (a second, token-authenticated
 * client), exactly as the publisher view sends them; the health view must show what Redis said.
 */
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Envelope } from '../../shared/contract';
import { encodePayload } from '../../shared/wire';
import { shot, startE2e, type AppPage, type E2e } from '../helpers/e2e';
import { freePort, startRedis } from '../helpers/redis-server';

const PREFIX = 'flt';

/** One contract call over serve's WebSocket, as the UI makes it. */
async function invoke(e2e: E2e, channel: string, payload: unknown): Promise<Envelope<unknown>> {
  const token = new URL(e2e.serve.url).searchParams.get('token') ?? '';
  const ws = new WebSocket(`ws://127.0.0.1:${e2e.serve.port}/ws?token=${encodeURIComponent(token)}`, { origin: e2e.serve.origin });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return await new Promise<Envelope<unknown>>((resolve, reject) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { type: string; id?: number; envelope?: Envelope<unknown> };
        if (msg.type === 'result' && msg.id === 1 && msg.envelope) resolve(msg.envelope);
      });
      ws.once('error', reject);
      ws.send(JSON.stringify({ type: 'invoke', id: 1, channel, payload }));
    });
  } finally {
    ws.close();
  }
}

describe('Redis stalling and refusing under the UI', () => {
  let e2e: E2e;
  let app: AppPage;
  let admin: Redis;

  beforeAll(async () => {
    e2e = await startE2e({
      connect: { prefix: PREFIX },
      seed: async (redis) => {
        const a = redis.admin();
        for (let i = 0; i < 50; i++) await a.xadd(`${PREFIX}:shard:1`, '*', 'd', encodePayload(`{"i":${i}}`, BigInt(i + 1), 1), 'dedup_id', `f00d:1:${i}:0`);
      },
    });
    admin = e2e.redis.admin();
    app = await e2e.open({ colorScheme: 'dark' });
    await app.page.locator('[data-view-tab="health"]').click();
    await app.page.locator('[data-view="health"][data-health-state="ready"]').waitFor();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('SIGSTOP: PING timeouts show as transient, the UI keeps answering; SIGCONT: ready by itself', async () => {
    const { page } = app;
    e2e.redis.pause();
    try {
      const timeout = page.locator('[data-error-row][data-error-command="PING"][data-error-kind="transient"]');
      await timeout.first().waitFor({ timeout: 10_000 });
      expect(await timeout.first().textContent()).toMatch(/PING timeout/);
      await page.locator('.pill[data-state="down"]').waitFor({ timeout: 10_000 });
      // Responsive while Redis is frozen: views switch, controls answer, the page runs script.
      await page.locator('[data-view-tab="browse"]').click();
      await page.locator('[data-shard="1"]').waitFor();
      await page.locator('[data-view-tab="health"]').click();
      await page.locator('[data-error-filter="transient"]').click();
      expect(await page.locator('[data-error-filter="transient"]').getAttribute('aria-pressed')).toBe('true');
      expect(await page.evaluate(() => document.querySelectorAll('[data-error-row]').length)).toBeGreaterThan(0);
      await page.locator('[data-error-filter="all"]').click();
      expect(await page.locator('[data-cause-code]').count()).toBe(1);
    } finally {
      e2e.redis.resume();
    }
    await page.locator('.pill[data-state="ready"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-incident="false"]').waitFor();
  });

  it('BUSY: a long script past busy-reply-threshold shows as transient', async () => {
    const { page } = app;
    await admin.config('SET', 'busy-reply-threshold', '100');
    // Both connected before the script starts: a new client's ready check would get BUSY too.
    const runner = e2e.redis.admin();
    const killer = e2e.redis.admin();
    await Promise.all([runner.ping(), killer.ping()]);
    const script = runner.eval('while true do end', 0).catch((e: Error) => e);
    try {
      const busy = page.locator('[data-error-row][data-error-code="BUSY"]');
      await busy.first().waitFor({ timeout: 10_000 });
      expect(await busy.first().getAttribute('data-error-kind')).toBe('transient');
      expect(await busy.first().textContent()).toMatch(/BUSY Redis is busy running a script/);
    } finally {
      await killer.call('SCRIPT', 'KILL');
      await script;
    }
    await page.locator('.pill[data-state="ready"]').waitFor({ timeout: 10_000 });
  });

  it('READONLY (REPLICAOF): a publish is refused, transient, and the health view says so', async () => {
    const { page } = app;
    const deadMaster = await freePort();
    await admin.call('REPLICAOF', '127.0.0.1', String(deadMaster));
    try {
      const r = await invoke(e2e, 'publish:batch', { shard: 1, events: ['{"probe":"readonly"}'] });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'transient', code: 'READONLY' });
      const row = page.locator('[data-error-row][data-error-code="READONLY"]');
      await row.first().waitFor();
      expect(await row.first().getAttribute('data-error-kind')).toBe('transient');
      expect(await row.first().getAttribute('data-error-command')).toBe('MULTI/EXEC');
      expect(await row.first().textContent()).toMatch(/READONLY You can't write against a read only replica/);
      // INFO (at most every 5 s) shows the replica and its broken link.
      await expect.poll(() => page.locator('[data-tile="role"] [data-tile-value]').textContent(), { timeout: 10_000 }).toBe('replica');
      expect(await page.locator('[data-tile="replication"]').getAttribute('data-tone')).toBe('danger');
      await shot(page, 'health-readonly-dark');
    } finally {
      await admin.call('REPLICAOF', 'NO', 'ONE');
    }
  });

  it('OOM (maxmemory reached): a publish is refused, fatal, and nothing is written', async () => {
    const { page } = app;
    const before = await admin.xlen(`${PREFIX}:shard:1`);
    await admin.config('SET', 'maxmemory', '1');
    try {
      const r = await invoke(e2e, 'publish:batch', { shard: 1, events: ['{"probe":"oom"}', '{"probe":"oom"}'] });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'fatal', code: 'OOM' });
      const row = page.locator('[data-error-row][data-error-code="OOM"]');
      await row.first().waitFor();
      expect(await row.first().getAttribute('data-error-kind')).toBe('fatal');
      expect(await row.first().textContent()).toMatch(/OOM command not allowed/);
      await page.locator('[data-error-filter="fatal"]').click();
      await expect.poll(() => page.locator('[data-error-row]').count()).toBe(1);
      await page.locator('[data-error-filter="all"]').click();
      // The Health tab carries a red count while a fatal error is recent.
      await page.locator('[data-view-tab="health"] .view-tab-badge.is-fatal').waitFor();
      await expect.poll(() => page.locator('[data-tile="memory"]').getAttribute('data-tone'), { timeout: 10_000 }).toBe('danger');
      await shot(page, 'health-oom-dark');
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    expect(await admin.xlen(`${PREFIX}:shard:1`)).toBe(before);
  });

  it('lowers the probe rate from the view, and the core follows', async () => {
    const { page } = app;
    await page.locator('select[name="probeInterval"]').selectOption('10000');
    await page.locator('select[name="probeInterval"][data-probe-interval="10000"]').waitFor();
    const snap = await invoke(e2e, 'health:snapshot', {});
    expect(snap.ok && (snap.value as { probeIntervalMs: number }).probeIntervalMs).toBe(10_000);
    await page.locator('select[name="probeInterval"]').selectOption('1000');
    await page.locator('select[name="probeInterval"][data-probe-interval="1000"]').waitFor();
  });

  it('a wrong password is fatal, and the password appears in no text and no frame the server sent', async () => {
    const PASSWORD = 'right-horse-7Qp';
    const WRONG = 'wrong-staple-Zx81';
    const secured = await startRedis({ args: ['--requirepass', PASSWORD] });
    const received: string[] = [];
    // A fresh page, listening before it loads: every frame serve sends it is seen.
    const fresh = await e2e.open({
      beforeGoto: async (p) => {
        p.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(String(f.payload))));
      },
    });
    const { page } = fresh;
    try {
      await page.locator('[data-action="disconnect"]').click();
      await page.locator('[data-screen="connect"]').waitFor();
      await page.locator('input[name="url"]').fill(secured.url);
      await page.locator('input[name="password"]').fill(WRONG);
      await page.locator('input[name="prefix"]').fill(PREFIX);
      await page.locator('input[name="commandTimeoutMs"]').fill('1000');
      await page.locator('[data-action="save-connect"]').click();
      const notice = page.locator('[data-error-kind="fatal"]');
      await notice.first().waitFor();
      expect(await notice.first().textContent()).toMatch(/WRONGPASS/);
      await page.locator('[data-screen="connect"]').waitFor();
      expect(received.length).toBeGreaterThan(0);
      expect(received.join('\n')).toContain('WRONGPASS');
      // Text only: the password field itself still holds what the person typed.
      const text = await page.evaluate(() => `${document.title}\n${document.body.innerText}`);
      for (const secret of [WRONG, PASSWORD, encodeURIComponent(WRONG)]) {
        expect(text).not.toContain(secret);
        expect(received.join('\n')).not.toContain(secret);
      }
      await shot(page, 'health-wrongpass-dark');
      expect(fresh.problems).toEqual([]);
    } finally {
      await secured.stop();
    }
    expect(app.problems).toEqual([]);
  });
});

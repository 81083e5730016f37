/**
 * The served UI on a real Redis Cluster (issue 7), in Chromium through `serve --url <one node>`:
 * 3 masters and 3 replicas started by the test, shard streams seeded on every master. The sidebar
 * lists every shard across the masters, a shard's entries show, a batch published from the
 * Publish view lands on the master that owns its key, and the Health view's Nodes panel shows the
 * 3 masters with their slots and the 3 replicas. Then a master is SIGKILLed: the panel shows its
 * replica as master and the failover entry ("who replaced whom"), and the shard it served is
 * browsed (and published to) again on the promoted replica, without a reconnect by hand.
 *
 * Waits on signals only: the cluster's own state (test/helpers/redis-cluster.ts), serve's UI line,
 * the app's readiness marker and Playwright's auto-waiting locators / expect.poll.
 */
import type { Cluster } from 'ioredis';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePayload } from '../../shared/wire';
import { shot, startServed, within, type AppPage, type Served } from '../helpers/e2e';
import { clusterClient, shardsPerMaster, startCluster, waitForReplicasInClusterSlots, type ClusterNodeInfo, type TestCluster } from '../helpers/redis-cluster';
import { setEditorText } from '../helpers/editor';

const PREFIX = 'net';
/** Generous for a failover (node timeout 1 s, election, the UI's 5 s topology refresh), still bounded. */
const FAILOVER_MS = 30_000;

let cluster: TestCluster;
let seeder: Cluster;
let served: Served;
let app: AppPage;
let page: Page;
/** Two shard ids per master port, chosen so their keys hash to that master's slots. */
let shardsByMaster: Map<number, number[]>;
let allShards: number[];
/** The ids each shard was seeded with, oldest first. */
const seeded = new Map<number, string[]>();

const addr = (port: number) => `127.0.0.1:${port}`;

async function view(name: 'browse' | 'publish' | 'health'): Promise<void> {
  await page.locator(`[data-view-tab="${name}"]`).click();
  await page.locator(`[data-view-tab="${name}"][aria-selected="true"]`).waitFor();
}

/** Publishes `events` to `shard` through the Publish view (preview, then publish) and returns the ids it reports. */
async function publishFromUi(shard: number, events: string[]): Promise<string[]> {
  await view('publish');
  // A result already on screen is the previous batch's: wait for one with another batch id.
  const previous = (await page.locator('[data-publisher-result]').count()) > 0 ? await page.locator('[data-publisher-result]').getAttribute('data-batch-id') : null;
  await page.locator('[data-publisher-shard]').fill(String(shard));
  await page.locator('[data-publisher-shard]').press('Enter');
  await setEditorText(page, `[\n${events.map((e) => `  ${e}`).join(',\n')}\n]`);
  await page.locator('[data-publisher-valid]').waitFor();
  await page.locator('[data-action="preview"]').click();
  const preview = page.locator('[data-publisher-preview][data-current="true"]');
  await preview.waitFor();
  expect(await page.locator('[data-preview-commands] .cmd-line').first().textContent()).toBe('MULTI');
  await page.locator('[data-action="publish"]').click();
  const result = page.locator(previous === null ? '[data-publisher-result]' : `[data-publisher-result]:not([data-batch-id="${previous}"])`);
  await result.waitFor({ timeout: 15_000 });
  const ids = await result.locator('[data-result-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-result-id') ?? ''));
  expect(ids).toHaveLength(events.length);
  return ids;
}

/** Opens `shard` in the browser (through another shard first, so the page is read anew). */
async function browseShard(shard: number, other: number): Promise<void> {
  await view('browse');
  await page.locator(`[data-shard="${other}"]`).click();
  await page.locator(`[data-shard="${shard}"]`).click();
  await page.locator(`[data-shard="${shard}"][aria-current="true"]`).waitFor();
}

beforeAll(async () => {
  cluster = await startCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 1000 });
  seeder = clusterClient(cluster);
  shardsByMaster = await shardsPerMaster(cluster, PREFIX);
  expect(shardsByMaster.size).toBe(3);
  allShards = [...shardsByMaster.values()].flat().sort((a, b) => a - b);
  for (const shard of allShards) {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(String(await seeder.xadd(`${PREFIX}:shard:${shard}`, '*', 'd', encodePayload(`{"seed":${i},"shard":${shard}}`, BigInt(i + 1), shard), 'dedup_id', `c1a5:${shard}:${i}:0`)));
    }
    seeded.set(shard, ids);
  }
  await waitForReplicasInClusterSlots(cluster);
  served = await startServed({ url: cluster.url, prefix: PREFIX, timeoutMs: 1000 });
  app = await served.open({ colorScheme: 'dark', viewport: { width: 1440, height: 900 } });
  page = app.page;
});

afterAll(async () => {
  await served?.close();
  seeder?.disconnect();
  await cluster?.stop();
});

describe('the served UI on a 3-master, 3-replica Redis Cluster', () => {
  it('lists every shard across the masters, and a shard shows its entries', async () => {
    for (const shard of allShards) await page.locator(`[data-shard="${shard}"]`).waitFor();
    expect(await page.locator('[data-shard]').count()).toBe(allShards.length);
    // One shard of each master: each is read from its own node.
    const [first, second] = [...shardsByMaster.values()].map((l) => l[0]!);
    for (const shard of [first!, second!]) {
      await page.locator(`[data-shard="${shard}"]`).click();
      for (const id of seeded.get(shard)!) await page.locator(`[data-entry-id="${id}"]`).waitFor();
    }
    await shot(page, 'cluster-browse-dark');
  });

  it('publishes a batch from the Publish view to the master that owns the key', async () => {
    const [port, shards] = [...shardsByMaster.entries()][1]!;
    const shard = shards[1]!;
    const ids = await publishFromUi(shard, ['{"via":"cluster-ui","n":1}', '{"via":"cluster-ui","n":2}']);
    expect(ids).toHaveLength(2);
    // On the owning master, byte for byte what the UI sent, in one MULTI/EXEC (adjacent ids).
    const stored = await cluster.admin(port).xrange(`${PREFIX}:shard:${shard}`, ids[0]!, ids[1]!);
    expect(stored.map((e) => e[0])).toEqual(ids);
    expect(stored.map((e) => JSON.parse(e[1][1]!).r)).toEqual([
      { via: 'cluster-ui', n: 1 },
      { via: 'cluster-ui', n: 2 },
    ]);
    await shot(page, 'cluster-publish-dark');
  });

  it('the Health view shows every node: 3 masters with their slots, 3 replicas, cluster ok', async () => {
    await view('health');
    const panel = page.locator('[data-nodes-panel][data-topology-mode="cluster"]');
    await panel.waitFor();
    await page.locator('[data-nodes-panel][data-cluster-state="ok"]').waitFor();
    const masters = panel.locator('[data-node][data-role="master"]');
    const replicas = panel.locator('[data-node][data-role="replica"]');
    await expect.poll(() => masters.count()).toBe(3);
    await expect.poll(() => replicas.count()).toBe(3);
    const live = await cluster.topology();
    for (const m of live.filter((n) => n.role === 'master')) {
      const row = panel.locator(`[data-node="${addr(m.port)}"]`);
      expect(await row.getAttribute('data-role')).toBe('master');
      expect(await row.getAttribute('data-link')).toBe('connected');
      expect(Number(await row.getAttribute('data-slots'))).toBe(m.slots.reduce((n, [a, b]) => n + b - a + 1, 0));
      // The compact range reads as Redis lists it.
      expect(await row.textContent()).toContain(`${m.slots[0]![0]}-${m.slots[0]![1]}`);
    }
    for (const r of live.filter((n) => n.role === 'replica')) {
      const row = panel.locator(`[data-node="${addr(r.port)}"]`);
      expect(await row.getAttribute('data-role')).toBe('replica');
      expect(await row.getAttribute('data-replica-of')).toBe(addr(live.find((x) => x.id === r.masterId)!.port));
    }
    // Latency and memory come from each node (PING and INFO memory).
    await expect
      .poll(() => panel.locator('[data-node]').evaluateAll((rows) => rows.every((r) => /\d ms/.test(r.textContent ?? '') && /\d (B|KB|MB)/.test(r.textContent ?? ''))), { timeout: 15_000 })
      .toBe(true);
    expect(await panel.locator('[data-failover]').count()).toBe(0);
    await shot(page, 'cluster-health-nodes-dark');
  });

  it('a master is killed: its replica shows as master, the failover is listed, and its shard is browsed and published to again', async () => {
    // The victim serves the first chosen shards; its replica must take over.
    const [victimPort, victimShards] = [...shardsByMaster.entries()][0]!;
    const shard = victimShards[0]!;
    const before = await cluster.topology();
    const victim = before.find((n) => n.port === victimPort)!;
    const heir = before.find((n) => n.masterId === victim.id) as ClusterNodeInfo;
    expect(heir).toBeDefined();

    await cluster.node(victimPort).kill();
    const panel = page.locator('[data-nodes-panel]');
    const entry = panel.locator(`[data-failover="${addr(victimPort)}"][data-replaced-by="${addr(heir.port)}"]`);
    await entry.waitFor({ timeout: FAILOVER_MS });
    expect(await entry.textContent()).toMatch(new RegExp(`^${addr(victimPort).replace(/\./g, '\\.')} failed, replaced by its replica ${addr(heir.port).replace(/\./g, '\\.')} at \\d\\d:\\d\\d:\\d\\d$`));
    await panel.locator(`[data-node="${addr(heir.port)}"][data-role="master"]`).waitFor({ timeout: FAILOVER_MS });
    await panel.locator(`[data-node="${addr(victimPort)}"][data-link="fail"]`).waitFor({ timeout: FAILOVER_MS });
    await page.locator('[data-nodes-panel][data-cluster-state="ok"]').waitFor({ timeout: FAILOVER_MS });
    expect(Number(await panel.locator(`[data-node="${addr(heir.port)}"]`).getAttribute('data-slots'))).toBe(victim.slots.reduce((n, [a, b]) => n + b - a + 1, 0));
    await expect.poll(() => panel.locator('[data-node][data-role="master"][data-link="connected"]').count(), { timeout: FAILOVER_MS }).toBe(3);
    // The sidebar rediscovers on the failover: no discovery error from the dead master stays up.
    await expect.poll(() => page.locator('[data-region="sidebar"] .sidebar-notice').count(), { timeout: FAILOVER_MS }).toBe(0);
    await shot(page, 'cluster-health-failover-dark');
    await page.locator('[data-theme-toggle]').first().click();
    await shot(page, 'cluster-health-failover-light');
    await page.locator('[data-theme-toggle]').first().click();

    // Browsing the shard the dead master served works, read from the promoted replica: an entry
    // written there after the failover shows beside the old ones.
    const fresh = String(await seeder.xadd(`${PREFIX}:shard:${shard}`, '*', 'd', encodePayload('{"after":"failover"}', 99n, shard), 'dedup_id', `c1a5:${shard}:99:0`));
    expect(await cluster.admin(heir.port).xlen(`${PREFIX}:shard:${shard}`)).toBeGreaterThan(0);
    const other = allShards.find((s) => s !== shard)!;
    await within(FAILOVER_MS, 'the shard browsed again after the failover', (async () => {
      await browseShard(shard, other);
      await page.locator(`[data-entry-id="${fresh}"]`).waitFor({ timeout: FAILOVER_MS });
      for (const id of seeded.get(shard)!) await page.locator(`[data-entry-id="${id}"]`).waitFor();
    })());
    await shot(page, 'cluster-browse-after-failover-dark');

    // And publishing to it from the UI lands on the promoted replica.
    const ids = await publishFromUi(shard, ['{"via":"cluster-ui","after":"failover"}']);
    expect((await cluster.admin(heir.port).xrange(`${PREFIX}:shard:${shard}`, ids[0]!, ids[0]!)).map((e) => e[0])).toEqual(ids);
    expect(app.problems).toEqual([]);
  }, 60_000);
});

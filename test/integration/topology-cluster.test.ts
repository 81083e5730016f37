/**
 * Redis Cluster, for real (issue 7): 3 masters and 3 replicas started by the test and joined with
 * `redis-cli --cluster create`. Shards spread over every master are discovered, read, published
 * to and scanned through the command line (detection from one node's URL); a master is killed,
 * its replica takes over, and the same adapter keeps working, reports the failover and has lost
 * no acknowledged entry. One cluster is shared by the whole file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshAdapter } from '../../electron/core/adapter';
import { discoverShards } from '../../electron/core/discovery';
import { FindJobs, type FindSource } from '../../electron/core/find';
import { scanShards } from '../../electron/core/scan';
import { createService } from '../../electron/core/service';
import { TopologyMonitor, parseClusterNodes } from '../../electron/core/topology';
import type { EventName } from '../../shared/contract';
import { MeshError } from '../../shared/errors';
import { encodePayload } from '../../shared/wire';
import { buildCli, jsonDoc, runCli, type CliRun as Run } from '../helpers/cli-run';
import { clusterClient, shardsPerMaster, startCluster, waitForReplicasInClusterSlots, type TestCluster } from '../helpers/redis-cluster';
import { MemorySecrets, serviceGate } from '../helpers/service-gate';

let cluster: TestCluster;
let seeder: Cluster;
let home: string;
let files: string;
/** Two shard ids per master, chosen so that their keys hash to that master's slots. */
let shardsByMaster: Map<number, number[]>;
let allShards: number[];

function cli(args: string[]): Promise<Run> {
  return runCli(args, home);
}

const doc = jsonDoc;

beforeAll(async () => {
  buildCli();
  home = mkdtempSync(path.join(tmpdir(), 'mesh-topo-cluster-home-'));
  files = mkdtempSync(path.join(tmpdir(), 'mesh-topo-cluster-files-'));
  cluster = await startCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 1000 });
  seeder = clusterClient(cluster);
  shardsByMaster = await shardsPerMaster(cluster, 'net');
  allShards = [...shardsByMaster.values()].flat().sort((a, b) => a - b);
  expect(shardsByMaster.size).toBe(3);
  for (const shard of allShards) {
    for (let i = 0; i < 3; i++) await seeder.xadd(`net:shard:${shard}`, '*', 'd', encodePayload(`{"seed":${i}}`, BigInt(i), shard), 'dedup_id', `abc:${shard}:0:${i}`);
  }
});

afterAll(async () => {
  seeder?.disconnect();
  await cluster?.stop();
  rmSync(home, { recursive: true, force: true });
  rmSync(files, { recursive: true, force: true });
});

describe('Redis Cluster through the command line (detected from one node URL)', () => {
  it('shards: every shard on every master is discovered (one SCAN walk per master, merged)', async () => {
    const found = doc(await cli(['shards', '--url', cluster.url, '--json']));
    const shards = found.shards as Array<{ shard: number; length: number }>;
    expect(shards.map((s) => s.shard)).toEqual(allShards);
    expect(shards.every((s) => s.length >= 3)).toBe(true);
    // --cluster forces the same thing, from another node.
    const forced = doc(await cli(['shards', '--url', `redis://127.0.0.1:${cluster.nodes[3]!.port}`, '--cluster', '--json']));
    expect((forced.shards as Array<{ shard: number }>).map((s) => s.shard)).toEqual(allShards);
  });

  it('read and publish reach each shard on its own master; scan reads them all', async () => {
    const batch = path.join(files, 'batch.ndjson');
    writeFileSync(batch, '{"k":1}\n{"k":2}\n');
    for (const [port, shards] of shardsByMaster) {
      const shard = shards[0]!;
      const pub = doc(await cli(['publish', '--url', cluster.url, '--shard', String(shard), '--file', batch, '--json']));
      expect((pub.ids as string[]).length).toBe(2);
      // It landed on the master that owns the key, in one MULTI/EXEC.
      const direct = cluster.admin(port);
      expect(await direct.xlen(`net:shard:${shard}`)).toBeGreaterThanOrEqual(5);
      const page = doc(await cli(['read', '--url', cluster.url, '--shard', String(shard), '--limit', '100', '--json']));
      const entries = page.entries as Array<{ id: string; status: string; r?: string }>;
      expect(entries.slice(-2).map((e) => e.id)).toEqual(pub.ids);
      expect(entries.slice(-2).map((e) => e.r)).toEqual(['{"k":1}', '{"k":2}']);
      expect(entries.every((e) => e.status === 'ok')).toBe(true);
    }
    const scan = doc(await cli(['scan', '--url', cluster.url, '--json']));
    const scanned = scan.shards as Array<{ shard: number; entries: number; corrupt: number }>;
    expect(scanned.map((s) => s.shard)).toEqual(allShards);
    expect(scanned.every((s) => s.entries >= 3 && s.corrupt === 0)).toBe(true);
  });

  it('health: healthy, mode cluster', async () => {
    const h = doc(await cli(['health', '--url', cluster.url, '--json']));
    expect(h).toMatchObject({ healthy: true, server: { mode: 'cluster' }, error: null });
  });

  it('health: per node role, slots, latency, memory, link state and master (JSON and an aligned table)', async () => {
    await waitForReplicasInClusterSlots(cluster);
    const live = await cluster.topology();
    const h = doc(await cli(['health', '--url', cluster.url, '--json']));
    const topo = h.topology as {
      mode: string;
      clusterState: string;
      masterName: string | null;
      error: unknown;
      nodes: Array<{ id: string; address: string; role: string; slots: Array<[number, number]>; latencyMs: number | null; usedMemory: number | null; linkState: string; replicaOf: string | null; flags: string[]; error: unknown }>;
    };
    expect(topo).toMatchObject({ mode: 'cluster', clusterState: 'ok', masterName: null, error: null });
    expect(topo.nodes).toHaveLength(6);
    // The same nodes Redis lists, masters first, each with what the server itself says.
    expect(topo.nodes.map((n) => n.address).sort()).toEqual(cluster.nodes.map((n) => `127.0.0.1:${n.port}`).sort());
    const masters = topo.nodes.slice(0, 3);
    const replicas = topo.nodes.slice(3);
    expect(masters.every((n) => n.role === 'master' && n.replicaOf === null)).toBe(true);
    expect(replicas.every((n) => n.role === 'replica' && n.slots.length === 0)).toBe(true);
    expect(masters.flatMap((n) => n.slots).reduce((sum, [a, b]) => sum + (b - a + 1), 0)).toBe(16384);
    for (const n of topo.nodes) {
      const truth = live.find((x) => x.id === n.id)!;
      expect(n.address).toBe(`127.0.0.1:${truth.port}`);
      expect(n.slots).toEqual(truth.slots);
      expect(n).toMatchObject({ linkState: 'connected', error: null, latencyMs: expect.any(Number), usedMemory: expect.any(Number) });
      expect(n.usedMemory).toBeGreaterThan(0);
      if (truth.masterId) expect(n.replicaOf).toBe(`127.0.0.1:${live.find((x) => x.id === truth.masterId)!.port}`);
    }
    // Where each master's slots are, the shards seeded there live: the table names them by address.
    for (const port of shardsByMaster.keys()) expect(masters.map((m) => m.address)).toContain(`127.0.0.1:${port}`);

    const human = await cli(['health', '--url', cluster.url]);
    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^healthy: redis:\/\/127\.0\.0\.1:\d+: PING [\d.]+ ms, Redis [\d.]+ \(master, cluster\)$/);
    expect(lines[1]).toBe('Redis Cluster, cluster_state ok, 3 masters, 3 replicas');
    expect(lines[2]).toMatch(/^ADDRESS +ROLE +SLOTS +COUNT +LATENCY +MEMORY +LINK +REPLICA OF +FLAGS$/);
    const rows = lines.slice(3);
    expect(rows).toHaveLength(6);
    // Aligned: every column starts at the same offset on every row.
    const roleAt = lines[2]!.indexOf('ROLE');
    const linkAt = lines[2]!.indexOf('LINK');
    for (const row of rows) {
      expect(row.slice(roleAt)).toMatch(/^(master|replica) /);
      expect(row.slice(linkAt)).toMatch(/^connected /);
    }
    for (const m of masters) {
      const row = rows.find((r) => r.startsWith(`${m.address} `))!;
      expect(row).toContain(m.slots.map(([a, b]) => `${a}-${b}`).join(','));
    }
  });

  it('a plain client on one node gets MOVED for another master: surfaced as transient with the Redis reason', async () => {
    const [portA] = [...shardsByMaster.keys()];
    const otherShard = [...shardsByMaster.entries()].find(([p]) => p !== portA)![1][0]!;
    const a = new MeshAdapter({ url: `redis://127.0.0.1:${portA}`, prefix: 'net', commandTimeoutMs: 1000, readOnly: true, topology: { mode: 'standalone' } });
    try {
      await a.init();
      expect(a.topology).toBe('standalone');
      const e = await a.poll(otherShard, null, 10).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(MeshError);
      expect((e as MeshError).kind).toBe('transient');
      expect((e as MeshError).code).toBe('MOVED');
      expect((e as MeshError).message).toMatch(/^MOVED \d+ 127\.0\.0\.1:\d+/);
    } finally {
      await a.shutdown();
    }
  });

  it("the scan's byte-level reader reads each shard on its own master, with the client reader's figures", async () => {
    const adapter = new MeshAdapter({ url: cluster.url, prefix: 'net', commandTimeoutMs: 2000, readOnly: true });
    try {
      await adapter.init();
      let commands = 0;
      const raw = await scanShards(adapter, { reader: 'raw', onCommand: () => commands++ });
      expect(raw).toEqual(await scanShards(adapter, { reader: 'client' }));
      expect(raw.shards.map((s) => s.shard)).toEqual(allShards);
      // Every shard was read on a scan connection to its master (one XRANGE each here).
      expect(commands).toBe(allShards.length);
    } finally {
      await adapter.shutdown();
    }
  });
});

describe('Find on a Cluster (issue 13)', () => {
  it('reaches every master: a nonce lists every shard, and a copy misrouted onto another master is found', async () => {
    const [a, b] = [...shardsByMaster.values()].map((s) => s[0]!);
    // A replay tool copied abc:<a>:0:0 (same bytes) into shard b, which lives on another master.
    const copyId = (await seeder.xadd(`net:shard:${b}`, '*', 'd', encodePayload('{"seed":0}', 0n, a!), 'dedup_id', `abc:${a}:0:0`)) as string;
    const adapter = new MeshAdapter({ url: cluster.url, prefix: 'net', commandTimeoutMs: 2000, readOnly: true });
    try {
      await adapter.init();
      const src: FindSource = { adapter, prefix: 'net', openBrowse: () => undefined, redis: (_c, fn) => fn() };
      const all = async (text: string) => {
        const jobs = new FindJobs();
        const { findId } = await jobs.start(src, text);
        const hits = [];
        for (;;) {
          const step = await jobs.next(findId);
          hits.push(...step.hits);
          if (step.done) return hits;
        }
      };
      const copies = await all(`abc:${a}:0:0`);
      expect(copies.map((h) => [h.shard, h.misrouted])).toEqual([
        [a, false],
        [b, true],
      ]);
      expect(copies[1]!.id).toBe(copyId);
      const nonce = await all('abc');
      expect([...new Set(nonce.map((h) => h.shard))].sort((x, y) => x - y)).toEqual(allShards);
      expect(nonce).toHaveLength(allShards.length * 3 + 1);
    } finally {
      await seeder.xdel(`net:shard:${b}`, copyId);
      await adapter.shutdown();
    }
  });
});

describe('the service (desktop app and serve) on a Cluster', () => {
  it('detects the Cluster, lists every shard, may publish, and answers topology:status per node', async () => {
    const events: Array<{ event: EventName; payload: unknown }> = [];
    const service = createService({ transport: 'serve', secrets: new MemorySecrets(), sink: (event, payload) => void events.push({ event, payload }), appVersion: 'test', home });
    const { ok } = serviceGate(() => service);
    try {
      const profile = await ok('profiles:save', { name: 'cluster', url: cluster.url, prefix: 'net', commandTimeoutMs: 1000, readOnly: false, topology: { mode: 'auto' } });
      const status = await ok('connection:open', { profileId: profile.id });
      expect(status).toMatchObject({ state: 'ready', topology: 'cluster', canPublish: true });
      const list = await ok('shards:list', {});
      expect(list.shards.map((s) => s.shard)).toEqual(allShards);
      const topo = await ok('topology:status', {});
      expect(topo.mode).toBe('cluster');
      expect(topo.nodes).toHaveLength(6);
      expect(topo.nodes.slice(0, 3).every((n) => n.role === 'master' && n.slots.length > 0)).toBe(true);
      expect(topo.nodes.slice(3).every((n) => n.role === 'replica' && n.replicaOf !== null)).toBe(true);
      expect(events.some((e) => e.event === 'topology:changed')).toBe(true);
      // Issue 17: the incident panels per master, each naming its node; stream facts from the key's node.
      const incident = await ok('health:incident', {});
      expect(incident.nodes.map((n) => n.node).sort()).toEqual(topo.nodes.slice(0, 3).map((n) => n.address).sort());
      expect(incident.nodes.every((n) => n.role === 'master' && n.slowlog.status === 'ok' && n.clients.status === 'ok' && n.info.status === 'ok')).toBe(true);
      const facts = await ok('shards:facts', { shard: allShards[0]! });
      expect(facts).toMatchObject({ shard: allShards[0], removed: 0, maxDeletedEntryId: '0-0' });
      expect(facts.memoryBytes).toBeGreaterThan(0);
    } finally {
      await service.dispose();
    }
  });
});

describe('a master fails: its replica takes over and the same adapter keeps working', () => {
  it('reports the failover, loses no acknowledged entry, publishes and reads again without a restart', async () => {
    const adapter = new MeshAdapter({ url: cluster.url, prefix: 'net', commandTimeoutMs: 1000 });
    const monitor = new TopologyMonitor(adapter, { timeoutMs: 1000 });
    try {
      await adapter.init();
      expect(adapter.topology).toBe('cluster');

      const before = await monitor.refresh();
      expect(before.error).toBeNull();
      expect(before.clusterState).toBe('ok');
      const masters = before.nodes.filter((n) => n.role === 'master');
      expect(masters).toHaveLength(3);
      expect(before.nodes.filter((n) => n.role === 'replica')).toHaveLength(3);
      // Every slot is served, every live node answered PING and INFO.
      expect(masters.flatMap((m) => m.slots).reduce((sum, [a, b]) => sum + (b - a + 1), 0)).toBe(16384);
      for (const n of before.nodes) {
        expect(n.latencyMs).toEqual(expect.any(Number));
        expect(n.usedMemory).toEqual(expect.any(Number));
        expect(n.linkState).toBe('connected');
      }

      // The victim: the master of the first chosen shard; its replica must take over.
      const [victimPort, victimShards] = [...shardsByMaster.entries()][0]!;
      const shard = victimShards[0]!;
      const key = `net:shard:${shard}`;
      const victim = (await cluster.topology()).find((n) => n.port === victimPort)!;
      const heir = (await cluster.topology()).find((n) => n.masterId === victim.id)!;
      expect(heir).toBeDefined();

      // Publish through the adapter, then acknowledge: a write after ours on the same master,
      // followed by WAIT 1, returns >= 1 only once the replica has everything up to it.
      const acknowledged: string[] = [];
      for (let b = 0; b < 5; b++) {
        const out = await adapter.publish({ shard, events: [`{"b":${b},"i":0}`, `{"b":${b},"i":1}`], nonce: 0xfeedn, sequenceStart: BigInt(2 * b) });
        acknowledged.push(...out.ids);
      }
      const direct = cluster.admin(victimPort);
      await direct.set(`{${key}}:ack`, '1');
      expect(Number(await direct.call('WAIT', '1', '2000'))).toBeGreaterThanOrEqual(1);
      const otherShard = [...shardsByMaster.entries()][1]![1][0]!;

      // Kill the master; wait (bounded, from the servers) for the replica to be master and the cluster ok.
      await cluster.node(victimPort).kill();
      await cluster.waitUntil('the replica promoted', async () => {
        const role = (await cluster.admin(heir.port).call('ROLE')) as unknown[];
        return role[0] === 'master';
      });

      // Every live node's CLUSTER NODES shows the victim failed and the heir as master (read from
      // the servers, re-read as they log the failover); then one snapshot of the app must tell who
      // replaced whom (successive CLUSTER NODES snapshots).
      await cluster.waitUntil('every live node sees the failover', async () => {
        const live = cluster.nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null);
        for (const n of live) {
          const view = await cluster.topology(n.port);
          if (!view.some((x) => x.id === victim.id && x.failed) || !view.some((x) => x.id === heir.id && x.role === 'master')) return false;
        }
        return true;
      });
      const after = await monitor.refresh();
      const failover = after.failovers.find((f) => f.failedId === victim.id);
      expect(failover).toMatchObject({ failed: `127.0.0.1:${victimPort}`, replacedBy: `127.0.0.1:${heir.port}`, replacedById: heir.id });
      expect(failover!.detail).toContain('its replica');
      const failedNode = after.nodes.find((n) => n.id === victim.id);
      expect(failedNode?.linkState).toBe('fail');
      expect(failedNode?.latencyMs).toBeNull();
      expect(after.nodes.find((n) => n.id === heir.id)).toMatchObject({ role: 'master' });

      // The same adapter: no acknowledged entry is lost, and reading works.
      const page = await adapter.poll(shard, null, 1000);
      const ids = new Set(page.entries.map((e) => e.id));
      for (const id of acknowledged) expect(ids.has(id)).toBe(true);

      // Publishing works again, on the promoted replica, and reads back.
      const again = await adapter.publish({ shard, events: ['{"after":"failover"}'], nonce: 0xfeedn, sequenceStart: 100n });
      expect(await cluster.admin(heir.port).xrange(key, again.ids[0]!, again.ids[0]!)).toHaveLength(1);
      const tail = await adapter.poll(shard, acknowledged[acknowledged.length - 1]!, 10);
      expect(tail.entries.map((e) => e.id)).toEqual(again.ids);
      // Other masters were never disturbed; discovery sees every shard on the three live masters.
      await adapter.publish({ shard: otherShard, events: ['{"x":1}'], nonce: 0xfeedn, sequenceStart: 0n });
      const found = await discoverShards(adapter.client, 'net');
      expect(found.shards.map((s) => s.shard)).toEqual(allShards);

      // The command line sees the same: the killed master failed (not probed), its replica serves its slots.
      const h = doc(await cli(['health', '--url', `redis://127.0.0.1:${heir.port}`, '--json']));
      const nodes = (h.topology as { nodes: Array<{ id: string; role: string; slots: Array<[number, number]>; latencyMs: number | null; linkState: string; flags: string[] }> }).nodes;
      expect(h).toMatchObject({ healthy: true, topology: { mode: 'cluster', clusterState: 'ok' } });
      expect(nodes.find((n) => n.id === victim.id)).toMatchObject({ linkState: 'fail', latencyMs: null, flags: expect.arrayContaining(['fail']) });
      expect(nodes.find((n) => n.id === heir.id)).toMatchObject({ role: 'master', slots: victim.slots, linkState: 'connected', latencyMs: expect.any(Number) });
    } finally {
      await adapter.shutdown();
    }
  });
});

describe('CLUSTER NODES parsing', () => {
  it('reads ids, addresses, roles, masters, links, slot ranges; skips migration markers', () => {
    const text = [
      'aaa 127.0.0.1:7001@17001,host-a myself,master - 0 0 1 connected 0-5460 [5461->-bbb]',
      'bbb 127.0.0.1:7002@17002 master,fail - 1 1 2 disconnected 5461 5462-10922',
      'ccc 127.0.0.1:7004@17004 slave aaa 0 1 1 connected',
      'ddd :0@0 master,noaddr - 0 0 0 disconnected',
    ].join('\n');
    const nodes = parseClusterNodes(text);
    expect(nodes[0]).toMatchObject({ id: 'aaa', address: '127.0.0.1:7001', role: 'master', masterId: null, linkState: 'connected', slots: [[0, 5460]] });
    expect(nodes[1]).toMatchObject({ address: '127.0.0.1:7002', flags: ['master', 'fail'], linkState: 'disconnected', slots: [[5461, 5461], [5462, 10922]] });
    expect(nodes[2]).toMatchObject({ role: 'replica', masterId: 'aaa', slots: [] });
    expect(nodes[3]!.address).toBe('');
  });
});

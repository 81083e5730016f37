/**
 * Sentinel, for real (issue 7): one master, one replica and three sentinels started by the test.
 * The command line connects through `--sentinel ... --master-name m`; after `SENTINEL FAILOVER`
 * the same adapter follows the master: a publish lands on the new master, reads see it, and the
 * topology view names who replaced whom.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshAdapter } from '../../electron/core/adapter';
import { TopologyMonitor } from '../../electron/core/topology';
import { startSentinels, type TestSentinels } from '../helpers/redis-sentinel';
import { jsonDoc, runCli, type CliRun as Run } from '../helpers/cli-run';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let setup: TestSentinels;
let home: string;
let files: string;


function cli(args: string[]): Promise<Run> {
  return runCli(args, home);
}

const doc = jsonDoc;

/** Resolves once the master on `port` lists a client named `name` (CLIENT LIST), bounded. */
async function clientOn(port: number, name: string): Promise<void> {
  await setup.until(`a ${name} connection on 127.0.0.1:${port}`, async () => String(await setup.client(port).call('CLIENT', 'LIST')).includes(`name=${name} `));
}

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), 'cli'], { cwd: root, stdio: 'inherit' });
  home = mkdtempSync(path.join(tmpdir(), 'mesh-topo-sentinel-home-'));
  files = mkdtempSync(path.join(tmpdir(), 'mesh-topo-sentinel-files-'));
  setup = await startSentinels();
});

afterAll(async () => {
  await setup?.stop();
  rmSync(home, { recursive: true, force: true });
  rmSync(files, { recursive: true, force: true });
});

describe('Sentinel through the command line', () => {
  it('publish, shards, read and health go to the master the sentinels name', async () => {
    const sentinel = ['--sentinel', setup.sentinelList, '--master-name', setup.masterName];
    const batch = path.join(files, 'b.ndjson');
    writeFileSync(batch, '{"via":"sentinel"}\n');
    const pub = doc(await cli(['publish', ...sentinel, '--shard', '7', '--file', batch, '--json']));
    const masterPort = await setup.masterPort();
    expect(await setup.client(masterPort).xrange('net:shard:7', '-', '+')).toHaveLength(1);
    const shards = doc(await cli(['shards', ...sentinel, '--json']));
    expect(shards.shards).toEqual([expect.objectContaining({ shard: 7, length: 1, firstId: (pub.ids as string[])[0] })]);
    const page = doc(await cli(['read', ...sentinel, '--shard', '7', '--json']));
    expect((page.entries as Array<{ r: string }>).map((e) => e.r)).toEqual(['{"via":"sentinel"}']);
    const health = doc(await cli(['health', ...sentinel, '--json']));
    expect(health).toMatchObject({ healthy: true, server: { role: 'master' } });
  });

  it('bad topology options are usage errors (exit 64), nothing sent', async () => {
    const noName = await cli(['shards', '--sentinel', setup.sentinelList, '--json']);
    expect(noName.code).toBe(64);
    expect(JSON.parse(noName.stdout)).toMatchObject({ error: { kind: 'usage', message: expect.stringContaining('--master-name') } });
    const badAddr = await cli(['shards', '--sentinel', '127.0.0.1:notaport', '--master-name', 'm', '--json']);
    expect(badAddr.code).toBe(64);
    expect(JSON.parse(badAddr.stdout).error.message).toContain('127.0.0.1:notaport');
    const both = await cli(['shards', '--sentinel', setup.sentinelList, '--master-name', 'm', '--cluster']);
    expect(both.code).toBe(64);
  });

  it('an unknown master name is a clear fatal error (exit 1), not a hang', async () => {
    const run = await cli(['read', '--sentinel', setup.sentinelList, '--master-name', 'nosuchmaster', '--shard', '0', '--timeout-ms', '500', '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).error).toMatchObject({ kind: 'fatal', message: expect.stringMatching(/^Sentinel: the sentinels know no master by the name given/) });
  });
});

describe('SENTINEL FAILOVER: the same adapter follows the master', () => {
  it('a publish after the failover lands on the new master; reads and the topology view follow', async () => {
    const adapter = new MeshAdapter({
      url: 'redis://127.0.0.1:6379',
      prefix: 'net',
      commandTimeoutMs: 3000,
      connectionName: 'mesh-sentinel-test',
      topology: { mode: 'sentinel', sentinels: setup.sentinelList, masterName: setup.masterName },
    });
    const monitor = new TopologyMonitor(adapter, { masterName: setup.masterName, timeoutMs: 1000 });
    try {
      await adapter.init();
      expect(adapter.topology).toBe('sentinel');
      const before = await monitor.refresh();
      const oldPort = await setup.masterPort();
      expect(before).toMatchObject({ mode: 'sentinel', masterName: 'm', error: null });
      expect(before.nodes[0]).toMatchObject({ address: `127.0.0.1:${oldPort}`, role: 'master', linkState: 'connected' });
      expect(before.nodes[1]).toMatchObject({ role: 'replica', replicaOf: `127.0.0.1:${oldPort}` });
      const first = await adapter.publish({ shard: 9, events: ['{"n":1}'], nonce: 0xabcn, sequenceStart: 0n });
      expect(await setup.client(oldPort).xrange('net:shard:9', '-', '+')).toHaveLength(1);
      // Acknowledged by the replica before the failover (a later write on the master, then WAIT).
      await setup.client(oldPort).set('ack', '1');
      expect(Number(await setup.client(oldPort).call('WAIT', '1', '2000'))).toBeGreaterThanOrEqual(1);

      const { from, to } = await setup.failover();
      expect(from).toBe(oldPort);
      // The clients reconnect through the sentinels (+switch-master): both are on the new master.
      await clientOn(to, 'mesh-sentinel-test:publish');
      await clientOn(to, 'mesh-sentinel-test:read');

      const second = await adapter.publish({ shard: 9, events: ['{"n":2}'], nonce: 0xabcn, sequenceStart: 1n });
      const onNew = await setup.client(to).xrange('net:shard:9', '-', '+');
      expect(onNew.map(([id]) => id)).toEqual([...first.ids, ...second.ids]);
      const page = await adapter.poll(9, null, 10);
      expect(page.entries.map((e) => e.id)).toEqual([...first.ids, ...second.ids]);

      let after = await monitor.refresh();
      for (let k = 0; k < 50 && after.failovers.length === 0; k++) {
        await new Promise((r) => setTimeout(r, 100));
        after = await monitor.refresh();
      }
      expect(after.failovers).toEqual([expect.objectContaining({ failed: `127.0.0.1:${from}`, replacedBy: `127.0.0.1:${to}` })]);
      expect(after.nodes[0]).toMatchObject({ address: `127.0.0.1:${to}`, role: 'master' });
    } finally {
      await adapter.shutdown();
    }
  });
});

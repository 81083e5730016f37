/**
 * Sentinel, for real (issue 7): one master, one replica and three sentinels started by the test.
 * The command line connects through `--sentinel ... --master-name m`; after `SENTINEL FAILOVER`
 * the same adapter follows the master: a publish lands on the new master, reads see it, and the
 * topology view names who replaced whom. Sentinels with their own password (`requirepass`): a
 * saved profile keeps it in the secret store (never in the view or profiles.json) and connects;
 * without it the sentinels' NOAUTH is a clear fatal error; the command line takes it from
 * `$MESH_SENTINEL_PASSWORD`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshAdapter } from '../../electron/core/adapter';
import { scanShards } from '../../electron/core/scan';
import { createService } from '../../electron/core/service';
import type { MeshService } from '../../electron/core/service-api';
import { TopologyMonitor } from '../../electron/core/topology';
import { encodePayload } from '../../shared/wire';
import { buildCli, jsonDoc, runCli, type CliRun as Run } from '../helpers/cli-run';
import { startSentinels, type TestSentinels } from '../helpers/redis-sentinel';
import { MemorySecrets, serviceGate } from '../helpers/service-gate';

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
  buildCli();
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

  it("the scan's byte-level reader reaches the master the sentinels name, with the client reader's figures", async () => {
    const adapter = new MeshAdapter({
      url: 'redis://127.0.0.1:6379',
      prefix: 'net',
      commandTimeoutMs: 3000,
      readOnly: true,
      topology: { mode: 'sentinel', sentinels: setup.sentinelList, masterName: setup.masterName },
    });
    try {
      await adapter.init();
      let commands = 0;
      const raw = await scanShards(adapter, { reader: 'raw', onCommand: () => commands++ });
      expect(raw).toEqual(await scanShards(adapter, { reader: 'client' }));
      expect(raw.shards.length).toBeGreaterThan(0);
      expect(commands).toBe(raw.shards.length);
    } finally {
      await adapter.shutdown();
    }
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

      // Both connections are on the new master (above) and it reports role master (failover()):
      // one snapshot of the app must tell who replaced whom.
      const after = await monitor.refresh();
      expect(after.failovers).toEqual([expect.objectContaining({ failed: `127.0.0.1:${from}`, replacedBy: `127.0.0.1:${to}` })]);
      expect(after.nodes[0]).toMatchObject({ address: `127.0.0.1:${to}`, role: 'master' });
    } finally {
      await adapter.shutdown();
    }
  });
});

describe('sentinels with their own password, through a saved profile (the UI path)', () => {
  const SENTINEL_PW = 'sEnt1nel-0wn-pw';
  let guarded: TestSentinels;
  let service: MeshService;
  const secrets = new MemorySecrets();
  const store = secrets.map;
  const { call, ok } = serviceGate(() => service);
  const base = () => ({ url: 'redis://sentinel-managed', prefix: 'net', commandTimeoutMs: 1000, readOnly: false });
  const topology = () => ({ mode: 'sentinel' as const, sentinels: guarded.sentinelList, masterName: guarded.masterName });

  beforeAll(async () => {
    guarded = await startSentinels({ sentinelPassword: SENTINEL_PW });
    await guarded.client(await guarded.masterPort()).xadd('net:shard:3', '*', 'd', encodePayload('{"guarded":1}', 0n, 3), 'dedup_id', 'abc:3:0:0');
    service = createService({ transport: 'serve', secrets, sink: () => {}, appVersion: 'test', home });
  });
  afterAll(async () => {
    await service?.dispose();
    await guarded?.stop();
  });

  it('the password is kept in the secret store, never in the view or profiles.json, and the profile connects', async () => {
    const saved = await ok('profiles:save', { name: 'guarded', ...base(), topology: topology(), sentinelPassword: SENTINEL_PW });
    expect(saved).toMatchObject({ hasSentinelPassword: true, hasPassword: false, topology: topology() });
    expect(JSON.stringify(saved)).not.toContain(SENTINEL_PW);
    expect(readFileSync(path.join(home, 'profiles.json'), 'utf8')).not.toContain(SENTINEL_PW);
    expect([...store.values()]).toEqual([SENTINEL_PW]);
    expect(JSON.stringify((await ok('profiles:list', {})).profiles)).not.toContain(SENTINEL_PW);

    const status = await ok('connection:open', { profileId: saved.id });
    expect(status).toMatchObject({ state: 'ready', topology: 'sentinel', canPublish: true, local: true });
    expect(JSON.stringify(status)).not.toContain(SENTINEL_PW);
    expect(service.knownSecrets()).toContain(SENTINEL_PW);
    expect((await ok('shards:list', {})).shards).toEqual([expect.objectContaining({ shard: 3, length: 1 })]);
    // Every sentinel is on loopback, so the server counts as local whatever host the URL names:
    // no "type the shard id" confirmation.
    expect((await ok('publish:preview', { shard: 3, events: ['{"via":"guarded sentinels"}'] })).confirmRequired).toBe(false);
    const published = await ok('publish:batch', { shard: 3, events: ['{"via":"guarded sentinels"}'] });
    expect(await guarded.client(await guarded.masterPort()).xlen('net:shard:3')).toBe(2);
    expect(published.ids).toHaveLength(1);

    // Saving again without a password keeps it; the connection still works.
    const kept = await ok('profiles:save', { id: saved.id, name: 'guarded', ...base(), topology: topology() });
    expect(kept.hasSentinelPassword).toBe(true);
    expect(await ok('connection:open', { profileId: saved.id })).toMatchObject({ state: 'ready', topology: 'sentinel' });
  });

  it('without it the sentinels refuse: a clear error, no password anywhere; forgetting and leaving Sentinel drop it', async () => {
    const bare = await ok('profiles:save', { name: 'bare', ...base(), topology: topology() });
    expect(bare.hasSentinelPassword).toBeUndefined();
    const status = await ok('connection:open', { profileId: bare.id });
    expect(status.state).not.toBe('ready');
    expect(status).toMatchObject({ state: 'down', error: { kind: 'fatal', code: 'NOAUTH', message: expect.stringMatching(/^Sentinel: the sentinels refused this client: NOAUTH/) } });

    const withPw = await ok('profiles:save', { name: 'forget-me', ...base(), topology: topology(), sentinelPassword: SENTINEL_PW });
    const forgotten = await ok('profiles:save', { id: withPw.id, name: 'forget-me', ...base(), topology: topology(), sentinelPassword: null });
    expect(forgotten.hasSentinelPassword).toBeUndefined();
    const again = await ok('profiles:save', { id: withPw.id, name: 'forget-me', ...base(), topology: topology(), sentinelPassword: SENTINEL_PW });
    expect(again.hasSentinelPassword).toBe(true);
    const standalone = await ok('profiles:save', { id: withPw.id, name: 'forget-me', ...base(), topology: { mode: 'standalone' } });
    expect(standalone.hasSentinelPassword).toBeUndefined();
    // A sentinel password without the Sentinel mode is refused, and nothing is saved half-way.
    const before = new Map(store);
    const refused = await call('profiles:save', { name: 'odd', ...base(), sentinelPassword: SENTINEL_PW });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error).toMatchObject({ kind: 'usage', message: expect.stringContaining('Sentinel') });
    expect(store).toEqual(before);
    expect((await ok('profiles:list', {})).profiles.map((p) => p.name)).not.toContain('odd');
    // Deleting a profile deletes its sentinel password too.
    await ok('profiles:delete', { id: again.id });
    expect([...store.values()]).toEqual([SENTINEL_PW]);
  });

  it('the command line takes it from $MESH_SENTINEL_PASSWORD and never prints it', async () => {
    const run = await runCli(['health', '--sentinel', guarded.sentinelList, '--master-name', guarded.masterName, '--json'], home, { MESH_SENTINEL_PASSWORD: SENTINEL_PW });
    expect(doc(run)).toMatchObject({ healthy: true, server: { role: 'master' } });
    expect(run.stdout + run.stderr).not.toContain(SENTINEL_PW);
  });
});

/**
 * Issue 17's incident panels against a real redis-server: the slow log shows a DEBUG SLEEP the
 * test issued, with every value redacted and keys kept; clients are counted by name and host;
 * latency events appear once the monitor is on; raw INFO comes with the previous read. An ACL
 * user without SLOWLOG, CLIENT LIST and LATENCY sees "not permitted" for those panels and
 * nothing else breaks. The health export carries the panels.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshAdapter } from '../../electron/core/adapter';
import { IncidentMonitor } from '../../electron/core/incident';
import { createService } from '../../electron/core/service';
import type { MeshService } from '../../electron/core/service-api';
import type { IncidentPanel, NodeIncident } from '../../shared/contract';
import { encodePayload } from '../../shared/wire';
import { startRedis, type TestRedis } from '../helpers/redis-server';
import { MemorySecrets, serviceGate } from '../helpers/service-gate';

const LIMITED_PW = 'l1mited-S3cret-pw';

let server: TestRedis;
let admin: Redis;
let adapter: MeshAdapter;
let home: string;
let service: MeshService;
const { ok } = serviceGate(() => service);

function data<T>(panel: IncidentPanel<T>): T {
  if (panel.status !== 'ok') throw new Error(`panel ${panel.status}: ${JSON.stringify(panel)}`);
  return panel.data;
}

/** A monitor that reads every time it is asked (the service's 10 s floor is its own). */
async function readNow(a: MeshAdapter, counted = { n: 0 }): Promise<NodeIncident> {
  const m = new IncidentMonitor(a, { timeoutMs: 5000, secrets: [], isReady: () => true, countCommand: () => counted.n++ });
  const snap = await m.read();
  expect(snap.error).toBeNull();
  expect(snap.nodes).toHaveLength(1);
  return snap.nodes[0]!;
}

beforeAll(async () => {
  server = await startRedis({ args: ['--enable-debug-command', 'yes'] });
  admin = server.admin();
  await admin.call('CLIENT', 'SETNAME', 'test-admin');
  await admin.call('ACL', 'SETUSER', 'limited', 'on', `>${LIMITED_PW}`, '~*', '&*', '+@all', '-slowlog', '-client|list', '-latency', '-debug', '-config');
  await admin.xadd('net:shard:2', '*', 'd', encodePayload('{"i":1}', 1n, 2), 'dedup_id', 'f00:2:0:0');
  adapter = new MeshAdapter({ url: server.url, prefix: 'net', commandTimeoutMs: 5000, connectionName: 'mesh-inspector' });
  await adapter.init();
  home = mkdtempSync(path.join(tmpdir(), 'mesh-incident-home-'));
  service = createService({ transport: 'serve', secrets: new MemorySecrets(), home, appVersion: '0.0.0-test', sink: () => {} });
});

afterAll(async () => {
  await service?.dispose();
  await adapter?.shutdown();
  await server?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('slow log', () => {
  it('shows the DEBUG SLEEP the test issued, with its duration, client and no values', async () => {
    await admin.config('SET', 'slowlog-log-slower-than', '0');
    await admin.set('user:42:token', 'hunter2-the-secret-value');
    await admin.call('DEBUG', 'SLEEP', '0.06');
    await admin.config('SET', 'slowlog-log-slower-than', '10000');
    const node = await readNow(adapter);
    expect(node.node).toBe(`127.0.0.1:${server.port}`);
    expect(node.role).toBe('master');
    const log = data(node.slowlog);
    const sleep = log.find((e) => e.name === 'debug|sleep');
    expect(sleep).toMatchObject({ command: 'DEBUG SLEEP ?', clientName: 'test-admin', ownApp: false });
    expect(sleep!.durationUs).toBeGreaterThanOrEqual(60_000);
    expect(sleep!.at).toBeGreaterThan(Date.now() - 60_000);
    expect(sleep!.clientAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    const set = log.find((e) => e.name === 'set');
    expect(set?.command).toBe('SET user:42:token ?');
    expect(log.find((e) => e.name === 'config|set')?.command).toBe('CONFIG SET ? ?');
    expect(JSON.stringify(log)).not.toContain('hunter2');
    // Newest first, as Redis lists them.
    expect(log.map((e) => e.id)).toEqual([...log.map((e) => e.id)].sort((a, b) => b - a));
  });
});

describe('clients, latency and raw INFO', () => {
  it('counts clients by name and host and lists the longest idle and biggest buffers', async () => {
    const node = await readNow(adapter);
    const clients = data(node.clients);
    expect(clients.total).toBeGreaterThanOrEqual(2);
    expect(clients.byName.find((x) => x.name === 'test-admin')?.count).toBe(1);
    expect(clients.byName.some((x) => x.name.startsWith('mesh-inspector:'))).toBe(true);
    expect(clients.byHost[0]).toEqual({ host: '127.0.0.1', count: clients.total });
    expect(clients.oldestIdle.length).toBe(Math.min(10, clients.total));
    expect(clients.oldestIdle.some((c) => c.ownApp)).toBe(true);
    expect(clients.biggestOutput[0]!.totalBytes).toBeGreaterThan(0);
  });

  it('reports latency events with their history once the latency monitor is on, and says when it is off', async () => {
    await admin.config('SET', 'latency-monitor-threshold', '0');
    expect(data((await readNow(adapter)).latency)).toEqual({ thresholdMs: 0, events: [] });
    await admin.config('SET', 'latency-monitor-threshold', '20');
    await admin.call('DEBUG', 'SLEEP', '0.05');
    const latency = data((await readNow(adapter)).latency);
    expect(latency.thresholdMs).toBe(20);
    const command = latency.events.find((e) => e.event === 'command');
    expect(command!.latestMs).toBeGreaterThanOrEqual(50);
    expect(command!.history.length).toBeGreaterThanOrEqual(1);
  });

  it('gives raw INFO with the previous read of the same node, and counts its commands as the app\'s', async () => {
    const counted = { n: 0 };
    const m = new IncidentMonitor(adapter, { timeoutMs: 5000, secrets: [], isReady: () => true, countCommand: () => counted.n++ });
    const first = data((await m.read()).nodes[0]!.info);
    expect(first.previous).toBeNull();
    expect(first.current.redis_version).toMatch(/^\d+\.\d+/);
    // The second ask within 10 s is answered from memory.
    expect(await m.read()).toBe(m.snapshot());
    expect(counted.n).toBe(0);
  });
});

describe('through the service', () => {
  it('an ACL user without SLOWLOG, CLIENT LIST and LATENCY sees "not permitted" for those, and the rest works', async () => {
    await service.connectUrl(`redis://limited:${LIMITED_PW}@127.0.0.1:${server.port}`, 'net');
    const snap = await ok('health:incident', {});
    const node = snap.nodes[0]!;
    expect(node.slowlog).toMatchObject({ status: 'not-permitted', command: 'SLOWLOG GET' });
    expect(node.clients).toMatchObject({ status: 'not-permitted', command: 'CLIENT LIST' });
    expect(node.latency).toMatchObject({ status: 'not-permitted', command: 'LATENCY LATEST' });
    for (const p of [node.slowlog, node.clients, node.latency]) if (p.status === 'not-permitted') expect(p.reason).toMatch(/^NOPERM/);
    expect(data(node.info).current.redis_version).toBeDefined();
    // Nothing else breaks: shards, a page, health, and no refusal in the error log.
    expect((await ok('shards:list', {})).shards.map((s) => s.shard)).toEqual([2]);
    expect((await ok('events:page', { shard: 2, direction: 'forward', cursor: null, limit: 10 })).entries).toHaveLength(1);
    const health = await ok('health:snapshot', {});
    expect(health.errors.filter((e) => e.code === 'NOPERM')).toEqual([]);
    expect(health.state).toBe('ready');
    // The export carries the panels; the password appears nowhere.
    const doc = await ok('health:export', {});
    expect(doc.incident?.nodes[0]?.slowlog.status).toBe('not-permitted');
    expect(JSON.stringify(doc)).not.toContain(LIMITED_PW);
  });

  it('a user with every right gets the panels in health:incident and the export', async () => {
    await service.connectUrl(server.url, 'net');
    const snap = await ok('health:incident', {});
    expect(snap.at).not.toBeNull();
    expect(data(snap.nodes[0]!.slowlog).length).toBeGreaterThan(0);
    const doc = await ok('health:export', {});
    expect(doc.incident?.at).toBe(snap.at);
    expect(data(doc.incident!.nodes[0]!.clients).total).toBeGreaterThan(0);
  });
});

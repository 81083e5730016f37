/**
 * Publishing through a Redis Cluster failover with a long-lived service, as the desktop app and
 * `serve` hold it (issue 11, item 3): 3 masters and 3 replicas, a master SIGKILLed. Until its
 * replica is promoted, publishes to its shards fail saying nothing was sent (never "unconfirmed");
 * from the promotion on, every publish succeeds on the new master, without a reconnect; and the
 * failed attempts consumed no ordinals, so the shard has no gap.
 *
 * Waits on signals only: the cluster's own CLUSTER NODES, the service's replies and events.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../electron/core/service';
import type { MeshService } from '../../electron/core/service-api';
import type { EventName, EventPayloadOf } from '../../shared/contract';
import { shardsPerMaster, startCluster, waitForReplicasInClusterSlots, type TestCluster } from '../helpers/redis-cluster';
import { MemorySecrets, serviceGate } from '../helpers/service-gate';

let cluster: TestCluster;
let home: string;
let service: MeshService;
const listeners = new Set<(event: string, payload: unknown) => void>();
const { call, ok } = serviceGate(() => service);

function nextEvent<E extends EventName>(event: E, match: (p: EventPayloadOf<E>) => boolean = () => true): Promise<EventPayloadOf<E>> {
  return new Promise((resolve) => {
    const l = (name: string, payload: unknown) => {
      if (name === event && match(payload as EventPayloadOf<E>)) {
        listeners.delete(l);
        resolve(payload as EventPayloadOf<E>);
      }
    };
    listeners.add(l);
  });
}

beforeAll(async () => {
  cluster = await startCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 1000 });
  await waitForReplicasInClusterSlots(cluster);
  home = mkdtempSync(path.join(tmpdir(), 'mesh-pub-cluster-'));
  service = createService({
    transport: 'serve',
    secrets: new MemorySecrets(),
    home,
    appVersion: '0.0.0-test',
    sink: (event, payload) => {
      for (const l of [...listeners]) l(event, payload);
    },
  });
});

afterAll(async () => {
  await service?.dispose();
  await cluster?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('a long-lived service publishing through a master failover', () => {
  it('fails with "nothing was sent" until the promotion, then every publish lands on the new master; no ordinal lost', async () => {
    const byMaster = await shardsPerMaster(cluster, 'net');
    const [victimPort, shards] = [...byMaster.entries()][0]!;
    const [shard, other] = shards as [number, number];
    const view = await ok('profiles:save', { name: 'cluster', url: cluster.url, prefix: 'net', commandTimeoutMs: 1000, readOnly: false });
    const ready = nextEvent('connection:changed', (s) => s.state === 'ready');
    await ok('connection:open', { profileId: view.id });
    await ready;
    expect((await ok('connection:status', {})).topology).toBe('cluster');
    const first = await ok('publish:batch', { shard, events: ['{"before":"failover"}'] });
    expect(first.outcome).toBe('landed');

    // The replica has the first batch before its master dies (WAIT: acknowledged by one replica).
    expect(await cluster.admin(victimPort).wait(1, 10_000)).toBe(1);
    const before = await cluster.topology();
    const victim = before.find((n) => n.port === victimPort)!;
    const heir = before.find((n) => n.masterId === victim.id)!;
    await cluster.node(victimPort).kill();

    const promoted = async () => (await cluster.topology(heir.port)).some((n) => n.id === heir.id && n.role === 'master' && !n.failed);
    const failures: string[] = [];
    let attempts = 0;
    // Publish back to back until the heir says it is master; each attempt is bounded by the command timeout.
    while (!(await promoted())) {
      attempts++;
      const env = await call('publish:batch', { shard, events: [`{"during":${attempts}}`] });
      if (!env.ok) failures.push(env.error.message);
      expect(attempts).toBeLessThan(60);
    }
    // Every failure said what happened on the socket: nothing was sent (never "unconfirmed").
    for (const m of failures) expect(m).toMatch(/nothing was sent/);

    // From the promotion on, every publish lands, on both of the dead master's shards.
    const after: Array<{ shard: number; ids: string[] }> = [];
    for (let k = 0; k < 4; k++) {
      for (const s of [shard, other]) {
        const b = await ok('publish:batch', { shard: s, events: [`{"after":${k}}`, `{"after":${k},"n":2}`] });
        expect(b.outcome).toBe('landed');
        after.push({ shard: s, ids: b.ids });
      }
    }
    const onHeir = cluster.admin(heir.port);
    for (const a of after) expect((await onHeir.xrange(`net:shard:${a.shard}`, a.ids[0]!, a.ids[1]!)).map((e) => e[0])).toEqual(a.ids);

    // The failed attempts consumed no ordinals: the shard's ordinals are contiguous from 0.
    const mine = (await onHeir.xrange(`net:shard:${shard}`, '-', '+')).map((e) => e[1][3] as string).filter((d) => d.startsWith(`${first.nonce}:`));
    const ordinals = mine.map((d) => {
      const [, , seq, i] = d.split(':');
      return Number(seq) + Number(i);
    });
    expect(new Set(ordinals).size).toBe(ordinals.length);
    expect([...ordinals].sort((a, b) => a - b)).toEqual(Array.from({ length: ordinals.length }, (_, k) => k));
  }, 120_000);
});

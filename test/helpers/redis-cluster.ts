/**
 * A real Redis Cluster for tests: N masters with R replicas each, every node a redis-server on a
 * free loopback port in its own directory (test/helpers/redis-server.ts), joined with
 * `redis-cli --cluster create`. Readiness is read from the servers themselves (`cluster_state:ok`
 * on every node), re-read whenever a node logs something (test/helpers/wait.ts), never a fixed
 * sleep.
 *
 * Every node also listens on its cluster bus port, its port + 10000; nodes get ports whose bus
 * port is free too (`freeClusterPort`).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import Redis, { Cluster } from 'ioredis';
import { startRedis, type TestRedis } from './redis-server';
import { waitFor } from './wait';

export interface ClusterNodeInfo {
  id: string;
  port: number;
  role: 'master' | 'replica';
  masterId: string | null;
  failed: boolean;
  slots: Array<[number, number]>;
}

export interface TestCluster {
  nodes: TestRedis[];
  /** `redis://127.0.0.1:<port of the first node>`: any one node's URL (cli.md: detection). */
  url: string;
  /** A plain client to one live node (closed by stop()). */
  admin(port: number): Redis;
  /** CLUSTER NODES as seen by the node on `port`. */
  topology(port?: number): Promise<ClusterNodeInfo[]>;
  /** The port of the master serving `key`'s slot (CLUSTER KEYSLOT + CLUSTER NODES). */
  masterPortFor(key: string): Promise<number>;
  /**
   * Waits (bounded) until every live node reports cluster_state:ok and `check` (if given) holds;
   * re-checked whenever a node logs a line.
   */
  waitUntil(what: string, check?: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  node(port: number): TestRedis;
  stop(): Promise<void>;
}

/** Redis Cluster's bus port is the client port + 10000 (redis.conf `cluster-port` default). */
const BUS_PORT_OFFSET = 10_000;

/** Whether `port` can be bound on 127.0.0.1 right now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** The kernel's range for outgoing connections' local ports (Linux); a common default elsewhere. */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo && hi) return [lo, hi];
  } catch {
    // Not Linux.
  }
  return [49152, 65535];
}

const reserved = new Set<number>();

/**
 * A port for a cluster node: free, and its bus port (+10000) free as well. Both are picked below
 * the ephemeral range, so no outgoing connection (of this run or anything else on the machine)
 * is handed either of them between this check and the node's start. Ports handed out are not
 * handed out again by this process.
 */
export async function freeClusterPort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const lo = 10_000;
  const hi = Math.min(ephemeralLow, 65_536) - BUS_PORT_OFFSET - 1;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = lo + Math.floor(Math.random() * (hi - lo + 1));
    if (reserved.has(port) || reserved.has(port + BUS_PORT_OFFSET) || reserved.has(port - BUS_PORT_OFFSET)) continue;
    if ((await bindable(port)) && (await bindable(port + BUS_PORT_OFFSET))) {
      reserved.add(port);
      return port;
    }
  }
  throw new Error(`no port in ${lo}..${hi} with a free bus port (+${BUS_PORT_OFFSET})`);
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

export function parseNodes(text: string): ClusterNodeInfo[] {
  const out: ClusterNodeInfo[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(' ');
    if (f.length < 8) continue;
    const flags = f[2]!.split(',');
    const port = Number(f[1]!.split('@')[0]!.split(':')[1]);
    const slots: Array<[number, number]> = [];
    for (const s of f.slice(8)) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(s);
      if (m) slots.push([Number(m[1]), Number(m[2] ?? m[1])]);
    }
    out.push({
      id: f[0]!,
      port,
      role: flags.includes('master') ? 'master' : 'replica',
      masterId: f[3] === '-' ? null : f[3]!,
      failed: flags.includes('fail'),
      slots,
    });
  }
  return out;
}

export async function startCluster(opts: { masters?: number; replicas?: number; nodeTimeoutMs?: number; args?: string[] } = {}): Promise<TestCluster> {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicas ?? 1;
  const count = masters * (1 + replicas);
  const args = [
    '--cluster-enabled', 'yes',
    '--cluster-config-file', 'nodes.conf',
    '--cluster-node-timeout', String(opts.nodeTimeoutMs ?? 1000),
    // A replica may take over however long it was cut off (tests kill masters on purpose).
    '--cluster-replica-validity-factor', '0',
    ...(opts.args ?? []),
  ];
  const ports: number[] = [];
  for (let k = 0; k < count; k++) ports.push(await freeClusterPort());
  const nodes = await Promise.all(ports.map((port) => startRedis({ port, args })));
  const admins = new Map<number, Redis>();
  const admin = (port: number): Redis => {
    let c = admins.get(port);
    if (!c) {
      c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, lazyConnect: false, retryStrategy: () => null, enableOfflineQueue: true });
      c.on('error', () => {});
      admins.set(port, c);
    }
    return c;
  };
  const alive = () => nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null);
  const live = (port: number): Redis => {
    const c = admins.get(port);
    if (c && c.status === 'end') admins.delete(port);
    return admin(port);
  };

  const handle: TestCluster = {
    nodes,
    url: `redis://127.0.0.1:${nodes[0]!.port}`,
    admin: live,
    async topology(port) {
      const p = port ?? alive()[0]!.port;
      return parseNodes(String(await live(p).call('CLUSTER', 'NODES')));
    },
    async masterPortFor(key) {
      const p = alive()[0]!.port;
      const slot = Number(await live(p).call('CLUSTER', 'KEYSLOT', key));
      const master = (await handle.topology(p)).find((n) => n.role === 'master' && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b));
      if (!master) throw new Error(`no master serves slot ${slot}`);
      return master.port;
    },
    async waitUntil(what, check, timeoutMs = 30_000) {
      await waitFor(
        `cluster: ${what}`,
        async () => {
          const states = await Promise.all(alive().map(async (n) => String(await live(n.port).call('CLUSTER', 'INFO'))));
          if (!states.every((s) => /^cluster_state:ok/m.test(s))) throw new Error('cluster_state is not ok on every node');
          return !check || (await check());
        },
        { wake: alive().map((n) => n.process.stdout), timeoutMs },
      );
    },
    node(port) {
      const n = nodes.find((x) => x.port === port);
      if (!n) throw new Error(`no node on port ${port}`);
      return n;
    },
    async stop() {
      for (const c of admins.values()) c.disconnect();
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };

  try {
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes']);
    // Every node agrees the cluster is ok and every replica is attached to a master.
    await handle.waitUntil('cluster_state:ok with every replica attached', async () => {
      const t = await handle.topology();
      return t.filter((n) => n.role === 'master').length === masters && t.filter((n) => n.role === 'replica' && n.masterId !== null).length === masters * replicas;
    });
  } catch (e) {
    await handle.stop();
    throw e;
  }
  return handle;
}

/** A cluster-mode client for seeding and checking (follows MOVED); the caller disconnects it. */
export function clusterClient(cluster: TestCluster): Cluster {
  const c = new Cluster([{ host: '127.0.0.1', port: cluster.nodes[0]!.port }], { lazyConnect: false });
  c.on('error', () => {});
  return c;
}

/**
 * `perMaster` shard ids for every live master (by port): the smallest ids whose
 * `{prefix}:shard:{n}` key hashes to that master's slots. Bounded: tests assert they got one list
 * per master.
 */
export async function shardsPerMaster(cluster: TestCluster, prefix: string, perMaster = 2): Promise<Map<number, number[]>> {
  const masters = (await cluster.topology()).filter((n) => n.role === 'master' && !n.failed).length;
  const byMaster = new Map<number, number[]>();
  for (let n = 0; n < 300 && [...byMaster.values()].filter((s) => s.length >= perMaster).length < masters; n++) {
    const port = await cluster.masterPortFor(`${prefix}:shard:${n}`);
    const list = byMaster.get(port) ?? [];
    if (list.length < perMaster) list.push(n);
    byMaster.set(port, list);
  }
  return byMaster;
}

/**
 * Waits (bounded, from the server) until CLUSTER SLOTS names a replica for every range. Redis 7
 * lists a replica there only once it has replicated data, and the inspector probes the nodes its
 * client knows from CLUSTER SLOTS.
 */
export function waitForReplicasInClusterSlots(cluster: TestCluster): Promise<void> {
  return cluster.waitUntil('every replica listed in CLUSTER SLOTS', async () => {
    const ranges = (await cluster.admin(cluster.nodes[0]!.port).call('CLUSTER', 'SLOTS')) as unknown[][];
    return ranges.length > 0 && ranges.every((r) => r.length >= 4);
  });
}

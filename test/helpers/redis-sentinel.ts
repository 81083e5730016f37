/**
 * A real Sentinel deployment for tests: one master, one replica and three sentinels
 * (`redis-server <conf> --sentinel`, each with its own writable config file), all on free loopback
 * ports. Readiness comes from the servers: the sentinel's `+monitor` log line, the replica's
 * `master_link_status:up`, `SENTINEL replicas` listing a fresh replica; a failover is complete
 * when every sentinel names the new master and it reports role master. Waits re-read the servers
 * whenever one of them logs a line (test/helpers/wait.ts), bounded in time, never fixed sleeps.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { freePort, spawnRedisUntil, startRedis, type TestRedis } from './redis-server';
import { waitFor } from './wait';

export interface TestSentinels {
  masterName: string;
  /** `127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`, as `--sentinel` takes it. */
  sentinelList: string;
  sentinelPorts: number[];
  /** The two data nodes; which one is master changes with a failover. */
  servers: TestRedis[];
  /** A plain client to a data node or a sentinel by port (closed by stop()). */
  client(port: number): Redis;
  /** The master's port as the sentinel on `sentinelPort` (default: the first) names it. */
  masterPort(sentinelPort?: number): Promise<number>;
  /**
   * `SENTINEL FAILOVER` and waits (bounded) until every sentinel names the other server and it
   * reports role master (Sentinel turns the old master into its replica some seconds later).
   * Returns `{ from, to }` ports.
   */
  failover(): Promise<{ from: number; to: number }>;
  /**
   * Waits until `check` holds, at most `timeoutMs`: re-checked whenever a sentinel or a data node
   * logs a line (test/helpers/wait.ts).
   */
  until(what: string, check: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const NAME = 'm';

function startSentinel(port: number, dir: string, masterPort: number, extra: string[]): Promise<ChildProcess> {
  const conf = path.join(dir, `sentinel-${port}.conf`);
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${NAME} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${NAME} 1000`,
      `sentinel failover-timeout ${NAME} 5000`,
      ...extra,
      '',
    ].join('\n'),
  );
  return spawnRedisUntil([conf, '--sentinel'], '+monitor master', 'sentinel');
}

/**
 * `sentinelPassword`: the sentinels require it (`requirepass` in their config; they use it with
 * each other too), and the helper's own clients to them send it.
 */
export async function startSentinels(opts: { serverArgs?: string[]; sentinelConf?: string[]; sentinelPassword?: string } = {}): Promise<TestSentinels> {
  const serverArgs = opts.serverArgs ?? [];
  const master = await startRedis({ args: serverArgs });
  const replica = await startRedis({ args: [...serverArgs, '--replicaof', '127.0.0.1', String(master.port)] });
  const dir = mkdtempSync(path.join(tmpdir(), 'mesh-sentinel-'));
  const sentinelPorts = await Promise.all([freePort(), freePort(), freePort()]);
  const processes: ChildProcess[] = [];
  const clients = new Map<number, Redis>();
  const client = (port: number): Redis => {
    let c = clients.get(port);
    if (!c || c.status === 'end') {
      const password = opts.sentinelPassword !== undefined && sentinelPorts.includes(port) ? { password: opts.sentinelPassword } : {};
      c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, lazyConnect: false, ...password });
      c.on('error', () => {});
      clients.set(port, c);
    }
    return c;
  };
  const until = (what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> =>
    waitFor(`sentinel setup: ${what}`, check, { wake: [...processes, master.process, replica.process].map((p) => p.stdout), timeoutMs });
  const masterPort = async (sentinelPort = sentinelPorts[0]!) => {
    const addr = (await client(sentinelPort).call('SENTINEL', 'get-master-addr-by-name', NAME)) as [string, string] | null;
    if (!addr) throw new Error('no master known');
    return Number(addr[1]);
  };
  const stop = async () => {
    for (const c of clients.values()) c.disconnect();
    for (const p of processes) {
      p.kill('SIGKILL');
    }
    await Promise.all(processes.map((p) => (p.exitCode !== null || p.signalCode !== null ? undefined : new Promise((r) => p.once('exit', r)))));
    await Promise.all([master.stop(), replica.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await until('replica link up', async () => /master_link_status:up/.test(await client(replica.port).info('replication')));
    const conf = [...(opts.sentinelConf ?? []), ...(opts.sentinelPassword !== undefined ? [`requirepass ${opts.sentinelPassword}`] : [])];
    for (const port of sentinelPorts) processes.push(await startSentinel(port, dir, master.port, conf));
    // Every sentinel knows the replica, with a fresh INFO from it (SENTINEL FAILOVER needs one).
    await until('every sentinel sees a fresh replica', async () => {
      for (const port of sentinelPorts) {
        const replicas = (await client(port).call('SENTINEL', 'replicas', NAME)) as string[][];
        const fresh = replicas.some((r) => {
          const f = new Map<string, string>();
          for (let i = 0; i + 1 < r.length; i += 2) f.set(r[i]!, r[i + 1]!);
          return f.get('flags') === 'slave' && Number(f.get('info-refresh')) < 10_000 && f.get('master-link-status') === 'ok';
        });
        if (!fresh) return false;
      }
      return true;
    });
  } catch (e) {
    await stop();
    throw e;
  }

  const handle: TestSentinels = {
    masterName: NAME,
    sentinelList: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
    sentinelPorts,
    servers: [master, replica],
    client,
    masterPort,
    until,
    async failover() {
      const from = await masterPort();
      const to = [master, replica].find((s) => s.port !== from)!.port;
      await until('SENTINEL FAILOVER accepted', async () => {
        try {
          await client(sentinelPorts[0]!).call('SENTINEL', 'FAILOVER', NAME);
          return true;
        } catch (e) {
          // NOGOODSLAVE until the sentinel has a fresh INFO from the replica; INPROG is fine.
          if (/INPROG/.test((e as Error).message)) return true;
          throw e;
        }
      });
      await until('every sentinel names the new master', async () => {
        for (const port of sentinelPorts) if ((await masterPort(port)) !== to) return false;
        return true;
      });
      await until('the new master reports role master', async () => ((await client(to).call('ROLE')) as unknown[])[0] === 'master');
      return { from, to };
    },
    stop,
  };
  return handle;
}

/**
 * Issue 12, item 6: the UI's demo sandbox is one redis-server at a time, always removed. Three
 * concurrent `demo:start` calls leave exactly one server; the service's dispose stops it, even one
 * still starting; and a `serve` ended by SIGINT, SIGTERM or SIGHUP removes it (process and
 * directory) before it exits.
 *
 * Servers are found the way an operator would: the redis-server processes whose parent is the host
 * process and whose working directory is a demo directory (`.../mesh-demo-redis-*`), from /proc.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createService } from '../../electron/core/service';
import type { MeshService } from '../../electron/core/service-api';
import type { ServerMessage } from '../../shared/serve-protocol';
import { startServeProcess, within } from '../helpers/e2e';
import { MemorySecrets, serviceGate } from '../helpers/service-gate';

interface DemoServer {
  pid: number;
  dir: string;
}

/** The demo redis-servers whose parent is `ppid` (zombies excluded: those have exited). */
function demoServersOf(ppid: number): DemoServer[] {
  const out: DemoServer[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
      const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(parent) !== ppid || state === 'Z') continue;
      // redis-server rewrites its command line (`redis-server 127.0.0.1:port`); the demo starts it
      // in its own directory, so the working directory names it.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const dir = readlinkSync(`/proc/${entry}/cwd`);
      if (comm === 'redis-server' && path.basename(dir).startsWith('mesh-demo-redis-')) out.push({ pid: Number(entry), dir });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

let home: string;

beforeAll(() => {
  home = mkdtempSync(path.join(tmpdir(), 'mesh-demo-life-'));
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

describe.runIf(existsSync('/proc/self/stat'))('the demo sandbox, one at a time and always removed', () => {
  function service(): MeshService {
    return createService({ transport: 'serve', secrets: new MemorySecrets(), sink: () => undefined, appVersion: 't', home: mkdtempSync(path.join(home, 'svc-')) });
  }

  it('three concurrent demo:start calls leave exactly one redis-server; a later call replaces it; dispose removes it', async () => {
    const svc = service();
    const { ok } = serviceGate(() => svc);
    try {
      const statuses = await Promise.all([ok('demo:start', {}), ok('demo:start', {}), ok('demo:start', {})]);
      const servers = demoServersOf(process.pid);
      expect(servers).toHaveLength(1);
      // All three callers got the one sandbox's connection.
      expect(new Set(statuses.map((s) => s.url)).size).toBe(1);
      expect(statuses[0]).toMatchObject({ state: 'ready' });

      const again = await ok('demo:start', {});
      expect(again).toMatchObject({ state: 'ready' });
      const after = demoServersOf(process.pid);
      expect(after).toHaveLength(1);
      expect(after[0]!.pid).not.toBe(servers[0]!.pid);
      expect(running(servers[0]!.pid)).toBe(false);
      expect(existsSync(servers[0]!.dir)).toBe(false);
    } finally {
      await svc.dispose();
    }
    expect(demoServersOf(process.pid)).toEqual([]);
  });

  it('dispose while a demo is still starting (server up, bus being seeded) stops it before dispose resolves', async () => {
    const svc = service();
    const { call } = serviceGate(() => svc);
    // The signal that the server runs and the start is still in flight: the sandbox installs its
    // process exit hook right after the server is ready, before seeding the bus.
    const serverUp = new Promise<void>((resolve) => {
      const onListener = (event: string | symbol) => {
        if (event !== 'exit') return;
        process.off('newListener', onListener);
        resolve();
      };
      process.on('newListener', onListener);
    });
    const starting = call('demo:start', {});
    await serverUp;
    expect(demoServersOf(process.pid)).toHaveLength(1);
    await svc.dispose();
    expect(demoServersOf(process.pid)).toEqual([]);
    expect(await starting).toMatchObject({ ok: false, error: { message: 'the service is shutting down' } });
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('serve ended by %s removes the demo redis-server and its directory before it exits', async (signal) => {
    const serve = await startServeProcess({ home: mkdtempSync(path.join(home, 'serve-')) });
    try {
      const u = new URL(serve.url);
      const ws = new WebSocket(`ws://${u.host}/ws${u.search}`, { origin: u.origin });
      const reply = new Promise<ServerMessage>((resolve, reject) => {
        ws.on('message', (data) => {
          const m = JSON.parse(String(data)) as ServerMessage;
          if (m.type === 'hello') ws.send(JSON.stringify({ type: 'invoke', id: 1, channel: 'demo:start', payload: {} }));
          if (m.type === 'result') resolve(m);
        });
        ws.once('error', reject);
      });
      expect(await within(30_000, 'demo:start through serve', reply)).toMatchObject({ envelope: { ok: true, value: { state: 'ready' } } });
      ws.close();
      const servers = demoServersOf(serve.child.pid!);
      expect(servers).toHaveLength(1);
      const exited = new Promise<void>((resolve) => serve.child.once('exit', () => resolve()));
      serve.child.kill(signal);
      await within(10_000, `serve exiting on ${signal}`, exited);
      expect(serve.child.exitCode).toBe(0);
      expect(running(servers[0]!.pid)).toBe(false);
      expect(existsSync(servers[0]!.dir)).toBe(false);
    } finally {
      await serve.stop();
    }
  });
});

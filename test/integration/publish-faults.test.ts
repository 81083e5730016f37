/**
 * Honest publish outcomes under real faults (issue 11), through the command line as a script
 * would run it, against real redis-server processes and a loopback proxy that can cut a
 * connection or kill the server the moment EXEC has gone through:
 * - a publish to a dead port consumes no ordinals: the next batch to a live server leaves no gap;
 * - EXEC held by Redis past the timeout (CLIENT PAUSE WRITE): the command waits and reports the
 *   batch landed, once;
 * - the reply lost while Redis executed the batch: read back, landed;
 * - EXEC never reached Redis and the connection dropped: read back, not landed, ordinals given back;
 * - Redis killed right after EXEC: unconfirmed, with the dedup_ids and a re-check command; after a
 *   restart the re-check tells what the stream holds;
 * - a 100,000-event batch with default options succeeds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildCli, runCli, type CliRun } from '../helpers/cli-run';
import { freePort, startRedis, type TestRedis } from '../helpers/redis-server';
import { startRecordingProxy, type RecordingProxy } from '../helpers/redis-wire';

const EXEC_FRAME = Buffer.from('*1\r\n$4\r\nexec\r\n');
let home: string;
let files: string;
const servers: TestRedis[] = [];
const proxies: RecordingProxy[] = [];

interface PublishDoc {
  shard: number;
  key: string;
  nonce: string;
  sequenceStart: number;
  ids: string[];
  dedupIds: string[];
  batchId?: string;
  outcome?: string;
  verifiedBy?: string;
  missing?: number;
  recheck?: string;
  error?: { kind: string; message: string };
}

function doc(run: CliRun): PublishDoc {
  return JSON.parse(run.stdout) as PublishDoc;
}

function eventsFile(name: string, n: number): string {
  const f = path.join(files, name);
  writeFileSync(f, Array.from({ length: n }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(40)}"}`).join('\n'));
  return f;
}

async function server(args: string[] = []): Promise<TestRedis> {
  const s = await startRedis({ args });
  servers.push(s);
  return s;
}

async function proxyTo(s: TestRedis): Promise<RecordingProxy> {
  const p = await startRecordingProxy(s.port);
  proxies.push(p);
  return p;
}

/** Calls `onExec(conn, chunk)` for the client chunk that completes an EXEC frame; other chunks pass. */
function onExec(proxy: RecordingProxy, onExecChunk: (conn: number, chunk: Buffer) => { forward: Buffer; after?: () => void }): void {
  const tails = new Map<number, Buffer>();
  let fired = false;
  proxy.intercept((conn, chunk) => {
    const tail = Buffer.concat([tails.get(conn) ?? Buffer.alloc(0), chunk]).subarray(-EXEC_FRAME.length);
    tails.set(conn, tail);
    if (!fired && tail.equals(EXEC_FRAME)) {
      fired = true;
      return onExecChunk(conn, chunk);
    }
    return { forward: chunk };
  });
}

beforeAll(() => {
  buildCli();
  files = mkdtempSync(path.join(tmpdir(), 'mesh-pubfault-files-'));
});

beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), 'mesh-pubfault-home-'));
});

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  rmSync(home, { recursive: true, force: true });
});

afterAll(() => {
  rmSync(files, { recursive: true, force: true });
});

describe('ordinals are spent only by batches that may have reached Redis', () => {
  it('a dead port, then a live server: the first batch consumed no ordinals, so scan finds no gap', async () => {
    const f = eventsFile('three.ndjson', 3);
    const dead = await runCli(['publish', '--url', `redis://127.0.0.1:${await freePort()}`, '--shard', '2', '--file', f, '--json'], home);
    expect(dead.code).toBe(75);
    expect(doc(dead).error?.message).toMatch(/ECONNREFUSED/);
    const r = await server();
    const live = doc(await runCli(['publish', '--url', r.url, '--shard', '2', '--file', f, '--json'], home));
    expect(live.sequenceStart).toBe(0);
    const second = doc(await runCli(['publish', '--url', r.url, '--shard', '2', '--file', f, '--json'], home));
    expect(second.sequenceStart).toBe(3);
    const scan = JSON.parse((await runCli(['scan', '--url', r.url, '--shard', '2', '--json'], home)).stdout) as { shards: Array<{ gaps: unknown[] }> };
    expect(scan.shards[0]!.gaps).toEqual([]);
  }, 60_000);

  it('EXEC never reached Redis and the connection dropped: read back, not landed (exit 75), and the ordinals are given back', async () => {
    const r = await server();
    const proxy = await proxyTo(r);
    const f = eventsFile('k.ndjson', 200);
    onExec(proxy, (conn, chunk) => ({
      // Everything but EXEC reaches Redis; then the connection is cut: Redis discards the MULTI.
      forward: chunk.subarray(0, Math.max(0, chunk.length - EXEC_FRAME.length)),
      after: () => proxy.drop(conn),
    }));
    const run = await runCli(['publish', '--url', proxy.url, '--shard', '4', '--file', f, '--json'], home);
    expect(run.code).toBe(75);
    expect(doc(run).error?.message).toMatch(/reading net:shard:4 back found none of the batch's dedup_ids.*it did not land.*publishing it again is safe/);
    expect(await r.admin().xlen('net:shard:4')).toBe(0);
    proxy.intercept(null);
    const next = doc(await runCli(['publish', '--url', r.url, '--shard', '4', '--file', f, '--json'], home));
    expect(next.sequenceStart).toBe(0);
  }, 60_000);
});

describe('a lost or late EXEC reply is resolved, not handed to the user', () => {
  it('EXEC held past the timeout (CLIENT PAUSE WRITE): the command waits and reports the batch landed, exactly once', async () => {
    const r = await server();
    const proxy = await proxyTo(r);
    const admin = r.admin();
    const f = eventsFile('paused.ndjson', 50);
    // Writes are paused before the CLI starts; reads (its connect, the anchor read) still pass.
    await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE');
    let unpaused: Promise<number> | undefined;
    onExec(proxy, (_conn, chunk) => ({
      forward: chunk,
      // The fault: Redis holds EXEC for well past the CLI's 200 ms timeout, then runs it.
      after: () =>
        (unpaused = new Promise((resolve) => setTimeout(resolve, 1500)).then(async () => {
          const held = await admin.xlen('net:shard:1');
          await admin.call('CLIENT', 'UNPAUSE');
          return held;
        })),
    }));
    const run = await runCli(['publish', '--url', proxy.url, '--timeout-ms', '200', '--shard', '1', '--file', f, '--json'], home);
    // Nothing was in the stream while Redis held the EXEC: the reply really came after the timeout.
    expect(await unpaused).toBe(0);
    expect(run.code, run.stderr).toBe(0);
    const d = doc(run);
    expect(d).toMatchObject({ outcome: 'landed', verifiedBy: 'reply' });
    const stored = await admin.xrange('net:shard:1', '-', '+');
    expect(stored.map((e) => e[0])).toEqual(d.ids);
    expect(stored).toHaveLength(50);
  }, 60_000);

  it('the reply lost on the way back while Redis ran the batch: read back, landed (exit 0), with the real ids', async () => {
    const r = await server();
    const proxy = await proxyTo(r);
    const f = eventsFile('lost.ndjson', 2000);
    // EXEC reaches Redis; the client's side of the connection is cut at once (Redis keeps its side).
    onExec(proxy, (conn, chunk) => ({ forward: chunk, after: () => proxy.drop(conn, { keepUpstream: true }) }));
    const run = await runCli(['publish', '--url', proxy.url, '--shard', '3', '--file', f, '--json'], home);
    expect(run.code, run.stderr).toBe(0);
    const d = doc(run);
    expect(d).toMatchObject({ outcome: 'landed', verifiedBy: 'readback', sequenceStart: 0 });
    const stored = await r.admin().xrange('net:shard:3', '-', '+');
    expect(stored.map((e) => e[0])).toEqual(d.ids);
    expect(stored.map((e) => e[1][3])).toEqual(d.dedupIds);
  }, 60_000);

  it('Redis killed right after EXEC: unconfirmed (exit 75) with the dedup_ids and a re-check; after a restart the re-check tells what the stream holds', async () => {
    const r = await server(['--appendonly', 'yes', '--appendfsync', 'always']);
    const proxy = await proxyTo(r);
    const f = eventsFile('killed.ndjson', 5000);
    let killed: Promise<void> | undefined;
    onExec(proxy, (_conn, chunk) => ({ forward: chunk, after: () => (killed = r.kill()) }));
    const run = await runCli(['publish', '--url', proxy.url, '--shard', '5', '--file', f, '--json'], home);
    await killed;
    expect(run.code).toBe(75);
    const d = doc(run);
    expect(d.outcome).toBe('unconfirmed');
    expect(d.error?.kind).toBe('transient');
    expect(d.error?.message).toContain(`${d.nonce}:5:0:0 .. ${d.nonce}:5:0:4999`);
    expect(d.dedupIds).toHaveLength(5000);
    expect(d.recheck).toBe(`mesh-inspector publish --recheck ${d.batchId}`);
    expect(run.stderr).toContain(`publish --recheck ${d.batchId}`);

    // Still down: the re-check cannot tell yet.
    const early = await runCli(['publish', '--url', proxy.url, '--recheck', d.batchId!, '--json'], home);
    expect(early.code).toBe(75);

    await r.restart();
    const len = await r.admin().xlen('net:shard:5');
    expect([0, 5000]).toContain(len);
    const re = await runCli(['publish', '--url', proxy.url, '--recheck', d.batchId!, '--json'], home);
    const rd = doc(re);
    if (len === 5000) {
      expect(re.code, re.stderr).toBe(0);
      expect(rd).toMatchObject({ outcome: 'landed', verifiedBy: 'recheck' });
      expect(rd.ids).toEqual((await r.admin().xrange('net:shard:5', '-', '+')).map((e) => e[0]));
    } else {
      expect(re.code).toBe(75);
      expect(rd.outcome).toBe('not-landed');
      expect(rd.error?.message).toMatch(/did not land/);
      // Its ordinals were given back (no batch came after it): the next batch starts at 0 again.
      expect(doc(await runCli(['publish', '--url', r.url, '--shard', '5', '--file', eventsFile('one.ndjson', 1), '--json'], home)).sequenceStart).toBe(0);
    }
  }, 90_000);
});

describe('the largest batch', () => {
  it('100,000 events with default options: exit 0, all in the stream', async () => {
    const r = await server();
    const f = eventsFile('max.ndjson', 100_000);
    const run = await runCli(['publish', '--url', r.url, '--shard', '0', '--file', f, '--json'], home);
    expect(run.code, run.stderr).toBe(0);
    expect(doc(run).ids).toHaveLength(100_000);
    expect(await r.admin().xlen('net:shard:0')).toBe(100_000);
  }, 120_000);
});

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodePayload } from '../../shared/wire';
import { buildCli, cliBin, repoRoot, runCli, type CliRun } from '../helpers/cli-run';
import { freePort, startRedis, type TestRedis } from '../helpers/redis-server';

const root = repoRoot;
const bin = cliBin;
const PASSWORD = 'hunter2-S3cret';

let server: TestRedis;
let redis: Redis;
let secured: TestRedis;
let home: string;
let files: string;

type Run = CliRun;

/** The command line with this file's home directory. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return runCli(args, home, env);
}

/** The one JSON document stdout must hold with --json (cli.md), parsed. */
function doc(run: Run): Record<string, unknown> {
  expect(run.stdout.endsWith('\n')).toBe(true);
  expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

function file(name: string, text: string): string {
  const p = path.join(files, name);
  writeFileSync(p, text);
  return p;
}

async function connectionsReceived(): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_connections_received:(\d+)/.exec(info)?.[1]);
}

beforeAll(async () => {
  buildCli();
  [server, secured] = await Promise.all([startRedis(), startRedis({ args: ['--requirepass', PASSWORD] })]);
  redis = server.admin();
  files = mkdtempSync(path.join(tmpdir(), 'mesh-cli-files-'));
});

afterAll(async () => {
  await Promise.all([server.stop(), secured.stop()]);
  rmSync(files, { recursive: true, force: true });
});

beforeEach(async () => {
  await redis.flushall();
  home = mkdtempSync(path.join(tmpdir(), 'mesh-cli-home-'));
});

describe('mesh-inspector shards', () => {
  it('prints the cli.md document: prefix, shards sorted by id with their fields in order, skipped keys', async () => {
    const id0 = await redis.xadd('net:shard:0', '*', 'd', encodePayload('{}', 1n, 0));
    const id12a = await redis.xadd('net:shard:12', '*', 'd', encodePayload('1', 1n, 12));
    const id12b = await redis.xadd('net:shard:12', '*', 'd', encodePayload('2', 2n, 12));
    await redis.set('net:shard:5', 'x');
    const memory0 = Number(await redis.call('MEMORY', 'USAGE', 'net:shard:0', 'SAMPLES', '5'));
    const memory12 = Number(await redis.call('MEMORY', 'USAGE', 'net:shard:12', 'SAMPLES', '5'));
    // The additive `facts` (issue 17): what XINFO STREAM and MEMORY USAGE say.
    const facts = (added: number, last: string | null, memoryBytes: number) => ({
      entriesAdded: added, removed: 0, lastGeneratedId: last, recordedFirstEntryId: expect.any(String) as unknown, maxDeletedEntryId: '0-0',
      memoryBytes, memorySamples: 5, groupCount: 0, groups: [],
    });
    const run = await cli(['shards', '--url', server.url, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(
      ({
        prefix: 'net',
        shards: [
          { shard: 0, key: 'net:shard:0', length: 1, firstId: id0, lastId: id0, facts: facts(1, id0, memory0) },
          { shard: 12, key: 'net:shard:12', length: 2, firstId: id12a, lastId: id12b, facts: facts(2, id12b, memory12) },
        ],
        skipped: [{ key: 'net:shard:5', reason: 'not a stream (string)' }],
      }),
    );
    expect(Object.keys((JSON.parse(run.stdout) as { shards: object[] }).shards[0]!)).toEqual(['shard', 'key', 'length', 'firstId', 'lastId', 'facts']);
    expect(run.stdout.endsWith('}\n')).toBe(true);
    expect(run.stderr).toBe('');
  });

  it('without --json prints a table for people', async () => {
    await redis.xadd('app:shard:3', '*', 'd', encodePayload('{}', 1n, 3));
    const run = await cli(['shards', '--url', server.url, '--prefix', 'app']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/SHARD\s+KEY\s+LENGTH/);
    expect(run.stdout).toMatch(/3\s+app:shard:3\s+1/);
  });

  it('reads the URL from MESH_REDIS_URL', async () => {
    await redis.xadd('net:shard:1', '*', 'd', encodePayload('{}', 1n, 1));
    const run = await cli(['shards', '--json'], { MESH_REDIS_URL: server.url });
    expect(run.code).toBe(0);
    expect((doc(run).shards as unknown[]).length).toBe(1);
  });
});

describe('mesh-inspector publish and read', () => {
  it('round trip: what publish writes, read returns byte-exact, in cli.md field order', async () => {
    const events = file('events.ndjson', '{"b": 2,  "a":1}\r\n\n  [1, 2.50, 1e3]\n12345678901234567890123\n"h\\u00e9llo <b>"\n');
    const pub = await cli(['publish', '--url', server.url, '--shard', '3', '--file', events, '--json']);
    expect(pub.code).toBe(0);
    const published = doc(pub);
    // cli.md's fields first, in order; the rest are additive (issue 11: batch id, outcome, latency).
    expect(Object.keys(published).slice(0, 6)).toEqual(['shard', 'key', 'nonce', 'sequenceStart', 'ids', 'dedupIds']);
    expect(published).toMatchObject({ outcome: 'landed', verifiedBy: 'reply', batchId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const nonce = published.nonce as string;
    expect(nonce).toMatch(/^[1-9a-f][0-9a-f]{0,15}$/);
    expect(published).toMatchObject({ shard: 3, key: 'net:shard:3', sequenceStart: 0 });
    expect(published.dedupIds).toEqual([0, 1, 2, 3].map((i) => `${nonce}:3:0:${i}`));
    const ids = published.ids as string[];
    expect(ids).toHaveLength(4);

    // The stored bytes are exactly net-mesh's: d then dedup_id, d = {"r":<event>,"t":<u64>,"s":3}.
    const stored = await redis.xrange('net:shard:3', '-', '+');
    expect(stored.map(([id]) => id)).toEqual(ids);
    const raw = ['{"b": 2,  "a":1}', '[1, 2.50, 1e3]', '12345678901234567890123', '"h\\u00e9llo <b>"'];
    const ts: bigint[] = [];
    stored.forEach(([, fields], i) => {
      expect(fields[0]).toBe('d');
      expect(fields[2]).toBe('dedup_id');
      expect(fields[3]).toBe(`${nonce}:3:0:${i}`);
      const m = /^\{"r":(.*),"t":(\d+),"s":3\}$/s.exec(fields[1]!);
      expect(m?.[1]).toBe(raw[i]);
      ts.push(BigInt(m![2]!));
    });
    // t: epoch nanoseconds, strictly increasing within the batch.
    for (let i = 1; i < ts.length; i++) expect(ts[i]! > ts[i - 1]!).toBe(true);
    expect(ts[0]! > 1_600_000_000_000_000_000n).toBe(true);

    const read = await cli(['read', '--url', server.url, '--shard', '3', '--json']);
    expect(read.code).toBe(0);
    const page = doc(read);
    expect(Object.keys(page)).toEqual(['shard', 'key', 'entries', 'nextId', 'hasMore']);
    const entries = page.entries as Array<Record<string, unknown>>;
    expect(entries.map((e) => e.r)).toEqual(raw);
    expect(Object.keys(entries[0]!)).toEqual(['id', 'status', 'dedupId', 't', 's', 'r']);
    expect(entries[0]).toEqual({ id: ids[0], status: 'ok', dedupId: `${nonce}:3:0:0`, t: String(ts[0]), s: 3, r: raw[0] });
    expect(page).toMatchObject({ shard: 3, key: 'net:shard:3', nextId: ids[3], hasMore: false });
    // The raw JSON text of the read document carries r as a string, big integer intact.
    expect(read.stdout).toContain('"r":"12345678901234567890123"');
  });

  it('a .json array is published element by element as compact JSON', async () => {
    const events = file('events.json', '[ {"z": 1, "a": [1.0, 2]} ,\n 18446744073709551616 ]');
    const pub = await cli(['publish', '--url', server.url, '--shard', '1', '--file', events, '--json']);
    expect(pub.code).toBe(0);
    const read = doc(await cli(['read', '--url', server.url, '--shard', '1', '--json']));
    expect((read.entries as Array<{ r: string }>).map((e) => e.r)).toEqual(['{"z":1,"a":[1.0,2]}', '18446744073709551616']);
  });

  it('read pages with --after and --limit exactly as poll_shard, and marks corrupt entries', async () => {
    const a = await redis.xadd('net:shard:2', '*', 'd', encodePayload('1', 1n, 2), 'dedup_id', 'aa:2:0:0');
    const b = await redis.xadd('net:shard:2', '*', 'd', 'not json', 'dedup_id', 'aa:2:1:0');
    const c = await redis.xadd('net:shard:2', '*', 'dedup_id', 'aa:2:2:0');
    const first = doc(await cli(['read', '--url', server.url, '--shard', '2', '--limit', '2', '--json']));
    expect(first).toMatchObject({ nextId: b, hasMore: true });
    const entries = first.entries as Array<Record<string, unknown>>;
    expect(entries[0]).toMatchObject({ id: a, status: 'ok' });
    expect(Object.keys(entries[1]!)).toEqual(['id', 'status', 'reason', 'dedupId', 'd']);
    expect(entries[1]).toMatchObject({ id: b, status: 'corrupt', dedupId: 'aa:2:1:0', d: 'not json' });
    expect(entries[1]!.reason).toMatch(/not valid JSON/);
    const second = doc(await cli(['read', '--url', server.url, '--shard', '2', '--after', b!, '--json']));
    expect(second).toMatchObject({ nextId: c, hasMore: false });
    expect(second.entries).toEqual([{ id: c, status: 'corrupt', reason: 'entry has no d field', dedupId: 'aa:2:2:0' }]);
    const empty = doc(await cli(['read', '--url', server.url, '--shard', '2', '--after', c!, '--json']));
    expect(empty).toEqual({ shard: 2, key: 'net:shard:2', entries: [], nextId: null, hasMore: false });
  });

  it('without --sequence-start, the second batch continues after the first', async () => {
    const events = file('three.ndjson', '1\n2\n3\n');
    const one = doc(await cli(['publish', '--url', server.url, '--shard', '4', '--file', events, '--json']));
    const two = doc(await cli(['publish', '--url', server.url, '--shard', '4', '--file', events, '--json']));
    expect(one.nonce).toBe(two.nonce);
    expect(one.sequenceStart).toBe(0);
    expect(two.sequenceStart).toBe(3);
    expect(two.dedupIds).toEqual([0, 1, 2].map((i) => `${two.nonce as string}:4:3:${i}`));
    // Another shard has its own sequence.
    const other = doc(await cli(['publish', '--url', server.url, '--shard', '5', '--file', events, '--json']));
    expect(other.sequenceStart).toBe(0);
    // The nonce lives in the config folder in net-mesh's 9-byte format.
    const bytes = readFileSync(path.join(home, 'producer.nonce'));
    expect(bytes.length).toBe(9);
    expect(bytes[0]).toBe(1);
    expect(bytes.readBigUInt64LE(1).toString(16)).toBe(one.nonce);
  });

  it('--nonce and --sequence-start choose the ids; --max-len trims', async () => {
    const events = file('two.ndjson', '{"x":1}\n{"x":2}\n');
    const run = await cli(['publish', '--url', server.url, '--shard', '6', '--file', events, '--nonce', '0x5E1F', '--sequence-start', '40', '--json']);
    expect(run.code).toBe(0);
    expect(doc(run)).toMatchObject({ nonce: '5e1f', sequenceStart: 40, dedupIds: ['5e1f:6:40:0', '5e1f:6:40:1'] });
    // The next default batch of that nonce continues after it.
    const next = doc(await cli(['publish', '--url', server.url, '--shard', '6', '--file', events, '--nonce', '5e1f', '--json']));
    expect(next.sequenceStart).toBe(42);
    const big = doc(await cli(['publish', '--url', server.url, '--shard', '6', '--file', events, '--nonce', '5e1f', '--sequence-start', '18446744073709551610', '--json']));
    expect(big.dedupIds).toEqual(['5e1f:6:18446744073709551610:0', '5e1f:6:18446744073709551610:1']);
    const run2 = await cli(['publish', '--url', server.url, '--shard', '6', '--file', events, '--nonce', '5e1f', '--sequence-start', '18446744073709551610']);
    expect(run2.code).toBe(0);
    expect(run2.stdout).toContain('ordinals 18446744073709551610..18446744073709551611');
    const trimmed = await cli(['publish', '--url', server.url, '--shard', '7', '--file', file('many.ndjson', '1\n'.repeat(300)), '--max-len', '10', '--json']);
    expect(trimmed.code).toBe(0);
    expect(await redis.xlen('net:shard:7')).toBeLessThan(300);
  });

  it('an invalid file names the line, publishes nothing and exits 64', async () => {
    const events = file('bad.ndjson', '{"ok":1}\n{"ok":2}\n{"broken": }\n');
    const before = await connectionsReceived();
    const run = await cli(['publish', '--url', server.url, '--shard', '3', '--file', events, '--json']);
    expect(run.code).toBe(64);
    const error = doc(run).error as { kind: string; message: string };
    expect(error.kind).toBe('usage');
    expect(error.message).toMatch(/bad\.ndjson line 3: not valid JSON/);
    expect(run.stderr).toMatch(/line 3/);
    expect(await redis.exists('net:shard:3')).toBe(0);
    expect(await connectionsReceived()).toBe(before);
  });

  it('an empty file succeeds and sends nothing, even with no server to send to', async () => {
    const dead = `redis://127.0.0.1:${await freePort()}`;
    const run = await cli(['publish', '--url', dead, '--shard', '3', '--file', file('empty.ndjson', '\n\n'), '--json']);
    expect(run.code).toBe(0);
    expect(doc(run)).toMatchObject({ shard: 3, key: 'net:shard:3', ids: [], dedupIds: [] });
  });
});

describe('mesh-inspector scan', () => {
  it('prints the cli.md document with every field in order', async () => {
    const events = file('ten.ndjson', Array.from({ length: 10 }, (_, i) => `{"i":${i}}`).join('\n'));
    await cli(['publish', '--url', server.url, '--shard', '0', '--file', events, '--nonce', '9f3a12', '--sequence-start', '0']);
    await cli(['publish', '--url', server.url, '--shard', '0', '--file', events, '--nonce', '9f3a12', '--sequence-start', '20']);
    await redis.xadd('net:shard:0', '*', 'd', 'oops', 'dedup_id', '9f3a12:0:20:0');
    await redis.set('net:shard:8', 'x');
    const run = await cli(['scan', '--url', server.url, '--json']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      JSON.stringify({
        prefix: 'net',
        shards: [
          {
            shard: 0, key: 'net:shard:0', entries: 21, ok: 20, corrupt: 1,
            duplicateGroups: 1, duplicateEntries: 1, collisionGroups: 1,
            gaps: [{ nonce: '9f3a12', from: 10, to: 19, cause: 'lost', reason: 'Never written: nothing was ever deleted from this stream (max-deleted-entry-id 0-0), and trimming only removes a stream\'s head, so ordinals 10–19 never reached it.' }],
            misrouted: 0,
            headGaps: [],
          },
        ],
        skipped: [{ key: 'net:shard:8', reason: 'not a stream (string)' }],
      }) + '\n',
    );
    // Not a terminal: no progress on stderr.
    expect(run.stderr).toBe('');
    const some = doc(await cli(['scan', '--url', server.url, '--shard', '0', '--shard', '9', '--json']));
    expect((some.shards as Array<{ shard: number }>).map((s) => s.shard)).toEqual([0]);
    expect(some.skipped).toEqual([{ key: 'net:shard:9', reason: 'no such shard stream' }]);
    const human = await cli(['scan', '--url', server.url]);
    expect(human.stdout).toMatch(/missing ordinals/);
    expect(human.stdout).toMatch(/9f3a12\s+10\s+19\s+10/);

    // --details (issue 13): the same document, each shard with the evidence behind its counts.
    const oops = (await redis.xrange('net:shard:0', '-', '+')).find(([, f]) => f[1] === 'oops')![0];
    const twice = (await redis.xrange('net:shard:0', '-', '+')).filter(([, f]) => f[3] === '9f3a12:0:20:0').map(([id]) => id);
    const detailed = doc(await cli(['scan', '--url', server.url, '--json', '--details']));
    const [s0] = detailed.shards as Array<Record<string, unknown>>;
    expect(Object.keys(s0!).slice(-2)).toEqual(['headGaps', 'anomalies']);
    expect(s0!.anomalies).toEqual([
      { kind: 'corrupt', ids: [oops], dedupId: '9f3a12:0:20:0', reason: expect.stringContaining('JSON') },
      { kind: 'collision', ids: twice, dedupId: '9f3a12:0:20:0', reason: expect.stringContaining('different payloads') },
    ]);
    const humanDetails = await cli(['scan', '--url', server.url, '--details']);
    expect(humanDetails.stdout).toMatch(/evidence:/);
    expect(humanDetails.stdout).toContain(twice.join(' '));
  });
});

describe('mesh-inspector scan, interrupted', () => {
  it('SIGINT stops a running scan: exit 130 and one JSON error document', async () => {
    // 400,000 entries written server-side in one call, so the scan is still running when the signal comes.
    await redis.eval(
      "for i = 1, tonumber(ARGV[1]) do redis.call('XADD', KEYS[1], '*', 'd', '{\"r\":' .. i .. ',\"t\":0,\"s\":5}', 'dedup_id', 'ab:5:0:' .. i) end",
      1,
      'net:shard:5',
      400_000,
    );
    const child = spawn(process.execPath, [bin, 'scan', '--url', server.url, '--json'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', MESH_INSPECTOR_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    // Its read connection is open: the scan has started (or is discovering shards).
    while (!String(await redis.client('LIST')).includes('name=mesh-inspector-cli:read')) await new Promise((r) => setImmediate(r));
    child.kill('SIGINT');
    expect(await closed).toBe(130);
    expect(JSON.parse(stdout)).toEqual({ error: { kind: 'transient', message: 'interrupted' } });
    expect(stderr).toMatch(/interrupted/);
  });
});

describe('mesh-inspector health', () => {
  it('healthy: the cli.md document, exit 0', async () => {
    const run = await cli(['health', '--url', server.url, '--json']);
    expect(run.code).toBe(0);
    const h = doc(run);
    expect(Object.keys(h)).toEqual(['healthy', 'latencyMs', 'url', 'server', 'error']);
    expect(h).toMatchObject({ healthy: true, url: server.url, server: { role: 'master', mode: 'standalone' }, error: null });
    expect(typeof h.latencyMs).toBe('number');
    expect((h.server as { version: string }).version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('unhealthy when unreachable: healthy false, a transient error, exit 75', async () => {
    const dead = `redis://127.0.0.1:${await freePort()}`;
    const run = await cli(['health', '--url', dead, '--json', '--timeout-ms', '300']);
    expect(run.code).toBe(75);
    const h = doc(run);
    expect(h).toMatchObject({ healthy: false, latencyMs: null, url: dead, server: null });
    expect((h.error as { kind: string }).kind).toBe('transient');
    expect(run.stderr).toMatch(/unhealthy/);
  });

  it('unhealthy when the server stops answering (paused): transient, exit 75', async () => {
    const paused = await startRedis();
    try {
      paused.pause();
      const run = await cli(['health', '--url', paused.url, '--json', '--timeout-ms', '200']);
      expect(run.code).toBe(75);
      expect(doc(run)).toMatchObject({ healthy: false, error: { kind: 'transient' } });
    } finally {
      paused.resume();
      await paused.stop();
    }
  });
});

describe('exit codes and errors', () => {
  it('usage errors exit 64 with one JSON error document and a human line, without connecting', async () => {
    const before = await connectionsReceived();
    for (const args of [
      ['read', '--shard', '70000'],
      ['read', '--shard', '1', '--limit', '100000'],
      ['read', '--shard', '1', '--colour'],
      ['read'],
      ['frobnicate'],
      ['shards', '--timeout-ms', 'x'],
    ]) {
      const run = await cli([...args, '--url', server.url, '--json']);
      expect(run.code, args.join(' ')).toBe(64);
      expect(doc(run)).toEqual({ error: { kind: 'usage', message: expect.any(String) } });
      expect(run.stderr).toMatch(/^mesh-inspector: usage error: /);
    }
    expect(await connectionsReceived()).toBe(before);
  });

  it('an unreachable server is transient: exit 75', async () => {
    const dead = `redis://127.0.0.1:${await freePort()}`;
    const run = await cli(['shards', '--url', dead, '--json']);
    expect(run.code).toBe(75);
    expect(doc(run)).toMatchObject({ error: { kind: 'transient' } });
    expect(run.stderr).toMatch(/ECONNREFUSED/);
  });

  it('a wrong password is fatal (exit 1) and no password appears in any output', async () => {
    const wrong = 'not-the-Pa55word';
    const runs = await Promise.all([
      cli(['shards', '--url', `redis://default:${wrong}@127.0.0.1:${secured.port}`, '--json']),
      cli(['shards', '--url', `redis://default:${wrong}@127.0.0.1:${secured.port}`]),
      cli(['health', '--url', `redis://:${wrong}@127.0.0.1:${secured.port}`, '--json']),
      cli(['read', '--shard', '1', '--url', `redis://:${wrong}@127.0.0.1:${secured.port}`]),
    ]);
    for (const run of runs) {
      expect(run.code).toBe(1);
      expect(run.stdout + run.stderr).toMatch(/WRONGPASS|invalid password|NOAUTH/);
      expect(run.stdout + run.stderr).not.toContain(wrong);
    }
    expect(doc(runs[0]!)).toMatchObject({ error: { kind: 'fatal' } });
    expect(doc(runs[2]!)).toMatchObject({ healthy: false, url: `redis://[REDACTED]@127.0.0.1:${secured.port}`, error: { kind: 'fatal' } });
  });

  it('the right password works and is never printed either', async () => {
    const url = `redis://:${PASSWORD}@127.0.0.1:${secured.port}`;
    for (const args of [['health', '--json'], ['health'], ['shards'], ['read', '--shard', '1', '--after', 'bad']]) {
      const run = await cli([...args, '--url', url]);
      expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    }
    const health = doc(await cli(['health', '--url', url, '--json']));
    expect(health).toMatchObject({ healthy: true, url: `redis://[REDACTED]@127.0.0.1:${secured.port}` });
  });

  it('inconsistent topology options are usage errors (exit 64) and nothing is sent', async () => {
    const before = await connectionsReceived();
    for (const args of [['--sentinel', '127.0.0.1:1'], ['--master-name', 'm'], ['--cluster', '--sentinel', '127.0.0.1:1', '--master-name', 'm']]) {
      const run = await cli(['shards', '--url', server.url, ...args, '--json']);
      expect(run.code, args.join(' ')).toBe(64);
      expect(doc(run)).toEqual({ error: { kind: 'usage', message: expect.stringMatching(/--sentinel|--master-name|--cluster/) } });
    }
    expect(await connectionsReceived()).toBe(before);
  });

  it('--tls-* options need a rediss:// URL (usage error naming the problem)', async () => {
    const run = await cli(['shards', '--url', server.url, '--tls-ca', '/nonexistent/ca.pem', '--json']);
    expect(run.code).toBe(64);
    expect(doc(run)).toMatchObject({ error: { kind: 'usage', message: expect.stringMatching(/rediss:\/\//) } });
    const missing = await cli(['shards', '--url', `rediss://127.0.0.1:${server.port}`, '--tls-ca', '/nonexistent/ca.pem', '--json']);
    expect(missing.code).toBe(64);
    expect(doc(missing)).toMatchObject({ error: { kind: 'usage', message: expect.stringMatching(/cannot use the TLS CA certificate file \(--tls-ca\) \/nonexistent\/ca.pem: no such file/) } });
  });

  it('--version prints the package version; --help lists the commands', async () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    const version = await cli(['--version']);
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    expect(doc(await cli(['--version', '--json']))).toEqual({ version: pkg.version });
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['shards', 'read', 'scan', 'publish', 'health']) expect(help.stdout).toContain(c);
    const jsonHelp = doc(await cli(['read', '--help', '--json']));
    expect(jsonHelp.help).toMatch(/usage: mesh-inspector read --shard/);
  });
});

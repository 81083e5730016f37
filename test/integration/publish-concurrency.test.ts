/**
 * Exactly-once ordinals across processes (issue 11): eight `mesh-inspector publish` processes and
 * three concurrent `publish:batch` calls through one `serve`, all on one shard and one config
 * folder, get every dedup_id once and ordinals that tile 0..total-1 with no gap and no overlap;
 * `scan` agrees. Two `serve` processes on one folder saving profiles and publishing at the same
 * time lose nothing from profiles.json, secrets.json or the batch history.
 *
 * Real redis-server, real child processes; every wait is for a process or a reply.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli } from '../helpers/cli-run';
import { startServeProcess, type ServeProcess } from '../helpers/e2e';
import { startRedis, type TestRedis } from '../helpers/redis-server';
import { connectServe } from '../helpers/serve-client';

let redis: TestRedis;
let admin: Redis;
const temps: string[] = [];
const serves: ServeProcess[] = [];

function temp(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

beforeAll(async () => {
  buildCli();
  redis = await startRedis();
  admin = redis.admin();
});

afterAll(async () => {
  await Promise.all(serves.map((s) => s.stop()));
  await redis?.stop();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** Per batch in the stream: its sequence start and how many entries carry it, from the dedup_ids. */
async function batchesInStream(key: string): Promise<{ dedupIds: string[]; ranges: Map<bigint, number> }> {
  const entries = await admin.xrange(key, '-', '+');
  const dedupIds = entries.map((e) => e[1][3] as string);
  const ranges = new Map<bigint, number>();
  for (const d of dedupIds) {
    const seq = BigInt(d.split(':')[2] as string);
    ranges.set(seq, (ranges.get(seq) ?? 0) + 1);
  }
  return { dedupIds, ranges };
}

/** The ranges [start, start+count) must tile 0..total-1 exactly. */
function expectTiled(ranges: Map<bigint, number>, total: number): void {
  let next = 0n;
  for (const start of [...ranges.keys()].sort((a, b) => (a < b ? -1 : 1))) {
    expect(start).toBe(next);
    next = start + BigInt(ranges.get(start)!);
  }
  expect(next).toBe(BigInt(total));
}

describe('ordinals reserved once across processes', () => {
  it('8 CLI publishes and 3 concurrent publish:batch through serve, one shard, one folder: unique dedup_ids, contiguous ordinals, scan finds no gap or duplicate', async () => {
    const home = temp('mesh-conc-home-');
    const files = temp('mesh-conc-files-');
    const prefix = 'conc';
    const cliEvents = Array.from({ length: 8 }, (_, p) => {
      const f = path.join(files, `p${p}.ndjson`);
      writeFileSync(f, Array.from({ length: 5 }, (_, i) => `{"cli":${p},"i":${i}}`).join('\n'));
      return f;
    });
    const serve = await startServeProcess({ home, url: redis.url, prefix });
    serves.push(serve);
    const ws = await connectServe(serve);
    try {
      await ws.ok('connection:status', {});
      const cli = cliEvents.map((f) => runCli(['publish', '--url', redis.url, '--prefix', prefix, '--shard', '0', '--file', f, '--json'], home));
      const viaServe = [0, 1, 2].map((k) => ws.call('publish:batch', { shard: 0, events: Array.from({ length: 7 }, (_, i) => `{"serve":${k},"i":${i}}`) }));
      const runs = await Promise.all(cli);
      const envs = await Promise.all(viaServe);
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      for (const e of envs) expect(e.ok, JSON.stringify(e)).toBe(true);

      const total = 8 * 5 + 3 * 7;
      const { dedupIds, ranges } = await batchesInStream(`${prefix}:shard:0`);
      expect(dedupIds).toHaveLength(total);
      expect(new Set(dedupIds).size).toBe(total);
      expect(ranges.size).toBe(11);
      expectTiled(ranges, total);

      const scan = await runCli(['scan', '--url', redis.url, '--prefix', prefix, '--shard', '0', '--json'], home);
      expect(scan.code, scan.stderr).toBe(0);
      const shard = (JSON.parse(scan.stdout) as { shards: Array<Record<string, unknown>> }).shards[0]!;
      expect(shard).toMatchObject({ entries: total, duplicateGroups: 0, duplicateEntries: 0, collisionGroups: 0, gaps: [] });
      // Every batch is in the shared history, whoever published it.
      expect(readdirSync(path.join(home, 'batches')).filter((n) => n.endsWith('.json'))).toHaveLength(11);
    } finally {
      ws.close();
    }
  }, 120_000);
});

describe('two serve processes on one config folder', () => {
  it('both save profiles (with passwords) and publish at the same time: nothing is lost from profiles.json, secrets.json or the history', async () => {
    const home = temp('mesh-two-serve-home-');
    const prefix = 'two';
    const [a, b] = await Promise.all([startServeProcess({ home, url: redis.url, prefix }), startServeProcess({ home, url: redis.url, prefix })]);
    serves.push(a, b);
    const [ca, cb] = await Promise.all([connectServe(a), connectServe(b)]);
    try {
      const save = (c: typeof ca, who: string, k: number) =>
        c.ok('profiles:save', { name: `${who}${k}`, url: `redis://user${k}:pw-${who}-${k}@127.0.0.1:${redis.port}`, prefix, commandTimeoutMs: 1000, readOnly: false });
      const work = [0, 1, 2, 3, 4].flatMap((k) => [
        save(ca, 'a', k),
        save(cb, 'b', k),
        ...(k < 3 ? [ca.ok('publish:batch', { shard: 1, events: [`{"from":"a","k":${k}}`] }), cb.ok('publish:batch', { shard: 1, events: [`{"from":"b","k":${k}}`] })] : []),
      ]);
      await Promise.all(work);

      const names = (list: Array<{ name: string }>) => list.map((p) => p.name).filter((n) => /^[ab]\d$/.test(n)).sort();
      const expected = ['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2', 'b3', 'b4'];
      expect(names((await ca.ok('profiles:list', {})).profiles)).toEqual(expected);
      expect(names((await cb.ok('profiles:list', {})).profiles)).toEqual(expected);
      const onDisk = JSON.parse(readFileSync(path.join(home, 'profiles.json'), 'utf8')) as { profiles: Array<{ id: string; name: string }> };
      expect(names(onDisk.profiles)).toEqual(expected);
      // Every saved profile's password is in the secret store, under its id.
      const secrets = JSON.parse(readFileSync(path.join(home, 'secrets.json'), 'utf8')) as { secrets: Record<string, string> };
      for (const p of onDisk.profiles) expect(secrets.secrets[p.id]).toBe(`pw-${p.name[0]}-${p.name[1]}`);

      // Six batches from two processes: one history, unique ids.
      const history = (await ca.ok('publish:history', {})).batches;
      expect(history).toHaveLength(6);
      expect((await cb.ok('publish:history', {})).batches.map((x) => x.batchId).sort()).toEqual(history.map((x) => x.batchId).sort());
      const { dedupIds, ranges } = await batchesInStream(`${prefix}:shard:1`);
      expect(new Set(dedupIds).size).toBe(6);
      expectTiled(ranges, 6);

      // A profile deleted by one instance is gone for the other too, and its password with it.
      const victim = onDisk.profiles.find((p) => p.name === 'a2')!;
      await cb.ok('profiles:delete', { id: victim.id });
      expect(names((await ca.ok('profiles:list', {})).profiles)).toEqual(expected.filter((n) => n !== 'a2'));
      const after = JSON.parse(readFileSync(path.join(home, 'secrets.json'), 'utf8')) as { secrets: Record<string, string> };
      expect(after.secrets[victim.id]).toBeUndefined();
    } finally {
      ca.close();
      cb.close();
    }
  }, 120_000);
});

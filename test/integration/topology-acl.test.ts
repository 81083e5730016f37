/**
 * ACL users, for real (issue 7): a `+@read` user browses (shards, read) but its publish is refused
 * with NOPERM, fatal, exit 1, its password in no output; the service probes the permission on
 * connect (without writing anything) and reports `canPublish: false` with the reason, while a
 * user allowed to write may publish. The same user may not run INFO: health stays on PING, and the
 * refusal is reported as such, not logged as an error.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../electron/core/service';
import type { MeshService } from '../../electron/core/service-api';
import type { HealthSnapshot } from '../../shared/contract';
import { encodePayload } from '../../shared/wire';
import { buildCli, runCli, type CliRun as Run } from '../helpers/cli-run';
import { startRedis, type TestRedis } from '../helpers/redis-server';
import { MemorySecrets, serviceGate } from '../helpers/service-gate';

const READER_PW = 'rEad3r-S3cret-pw';
const WRITER_PW = 'wr1ter-S3cret-pw';

let server: TestRedis;
let admin: Redis;
let home: string;
let files: string;

function cli(args: string[]): Promise<Run> {
  return runCli(args, home);
}

function noSecret(run: Run, secret: string): void {
  expect(run.stdout).not.toContain(secret);
  expect(run.stderr).not.toContain(secret);
  expect(run.stdout + run.stderr).not.toContain(encodeURIComponent(secret));
}

const readerUrl = () => `redis://reader:${READER_PW}@127.0.0.1:${server.port}`;

beforeAll(async () => {
  buildCli();
  home = mkdtempSync(path.join(tmpdir(), 'mesh-topo-acl-home-'));
  files = mkdtempSync(path.join(tmpdir(), 'mesh-topo-acl-files-'));
  server = await startRedis();
  admin = server.admin();
  await admin.call('ACL', 'SETUSER', 'reader', 'on', `>${READER_PW}`, '~*', '+@read', '+@connection');
  await admin.call('ACL', 'SETUSER', 'writer', 'on', `>${WRITER_PW}`, '~net:*', '+@read', '+@write', '+@transaction', '+@connection');
  await admin.call('ACL', 'SETUSER', 'elsewhere', 'on', `>${WRITER_PW}`, '~other:*', '+@all');
  for (let i = 0; i < 3; i++) await admin.xadd('net:shard:4', '*', 'd', encodePayload(`{"i":${i}}`, BigInt(i), 4), 'dedup_id', `f00:4:0:${i}`);
});

afterAll(async () => {
  await server?.stop();
  rmSync(home, { recursive: true, force: true });
  rmSync(files, { recursive: true, force: true });
});

describe('a read-only ACL user through the command line', () => {
  it('browses: shards and read work', async () => {
    const shards = await cli(['shards', '--url', readerUrl(), '--json']);
    expect(shards.code).toBe(0);
    expect(JSON.parse(shards.stdout).shards).toEqual([expect.objectContaining({ shard: 4, length: 3 })]);
    noSecret(shards, READER_PW);
    const read = await cli(['read', '--url', readerUrl(), '--shard', '4', '--json']);
    expect(read.code).toBe(0);
    expect(JSON.parse(read.stdout).entries.map((e: { r: string }) => e.r)).toEqual(['{"i":0}', '{"i":1}', '{"i":2}']);
    noSecret(read, READER_PW);
    const health = await cli(['health', '--url', readerUrl(), '--json']);
    expect(health.code).toBe(0);
    expect(JSON.parse(health.stdout).url).toBe(`redis://[REDACTED]@127.0.0.1:${server.port}`);
    noSecret(health, READER_PW);
  });

  it('publish is refused with NOPERM: fatal, exit 1, nothing written, password nowhere', async () => {
    const batch = path.join(files, 'b.ndjson');
    writeFileSync(batch, '{"x":1}\n');
    const run = await cli(['publish', '--url', readerUrl(), '--shard', '4', '--file', batch, '--json']);
    expect(run.code).toBe(1);
    const error = JSON.parse(run.stdout).error as { kind: string; message: string };
    expect(error.kind).toBe('fatal');
    expect(error.message).toMatch(/^NOPERM /);
    expect(run.stderr).toContain('fatal error: NOPERM');
    noSecret(run, READER_PW);
    expect(await admin.xlen('net:shard:4')).toBe(3);
  });
});

describe('the service reports whether the user may publish (probed on connect, nothing written)', () => {
  let service: MeshService;
  const { call, ok } = serviceGate(() => service);
  /** Waiters on the service's `health:changed` pushes (one per probe). */
  const healthWaiters = new Set<(snap: HealthSnapshot) => void>();
  const nextHealth = (pred: (snap: HealthSnapshot) => boolean) =>
    new Promise<HealthSnapshot>((resolve) => {
      const waiter = (snap: HealthSnapshot) => {
        if (!pred(snap)) return;
        healthWaiters.delete(waiter);
        resolve(snap);
      };
      healthWaiters.add(waiter);
    });

  beforeAll(() => {
    const sink = (event: string, payload: unknown) => {
      if (event === 'health:changed') for (const w of [...healthWaiters]) w(payload as HealthSnapshot);
    };
    service = createService({ transport: 'serve', secrets: new MemorySecrets(), sink, appVersion: 'test', home });
  });
  afterAll(async () => {
    await service.dispose();
  });

  it('+@read user: canPublish false with the NOPERM reason; browsing works; a publish is refused as fatal NOPERM', async () => {
    const profile = await ok('profiles:save', { name: 'reader', url: readerUrl(), prefix: 'net', commandTimeoutMs: 1000, readOnly: false });
    expect(JSON.stringify(profile)).not.toContain(READER_PW);
    const status = await ok('connection:open', { profileId: profile.id });
    expect(status).toMatchObject({ state: 'ready', canPublish: false });
    expect(status.publishBlockedReason).toMatch(/^the ACL user "reader" may not publish to net:shard:0: NOPERM .*'(multi|xadd)'/);
    expect(JSON.stringify(status)).not.toContain(READER_PW);
    expect((await ok('shards:list', {})).shards.map((s) => s.shard)).toEqual([4]);
    const page = await ok('events:page', { shard: 4, direction: 'forward', cursor: null, limit: 10 });
    expect(page.entries).toHaveLength(3);
    const refused = await call('publish:batch', { shard: 4, events: ['{"y":1}'] });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error).toMatchObject({ kind: 'fatal', code: 'NOPERM' });
      expect(refused.error.message).not.toContain(READER_PW);
    }
    expect(await admin.xlen('net:shard:4')).toBe(3);
    expect((await ok('connection:status', {})).canPublish).toBe(false);
  });

  it('+@read user without INFO: health is ready on PING, INFO is reported as not permitted, and no error is logged or counted', async () => {
    // The previous connection's monitor stops with it: every push from here on is the new one's.
    await ok('connection:close', {});
    const profile = await ok('profiles:save', { name: 'reader-health', url: readerUrl(), prefix: 'net', commandTimeoutMs: 1000, readOnly: false });
    // The first probe answers PING, then asks INFO (due at once) and pushes the snapshot: the first
    // one with INFO's outcome in it, whatever it is (an answer, a refusal, an error).
    const infoOutcome = nextHealth((snap) => snap.infoRefused !== null || snap.infoSample !== null || snap.errors.length > 0);
    expect(await ok('connection:open', { profileId: profile.id })).toMatchObject({ state: 'ready' });
    const snap = await infoOutcome;
    expect(snap.infoRefused).toMatch(/^NOPERM .*'info'/);
    expect(snap).toMatchObject({ state: 'ready', latest: { ok: true }, info: null, infoSample: null, errors: [], errorsTotal: 0 });
    expect(snap.infoRefused).not.toContain(READER_PW);
    expect(await ok('health:snapshot', {})).toMatchObject({ state: 'ready', infoRefused: snap.infoRefused, errors: [], errorsTotal: 0 });
  });

  it('a user refused the shard keys is blocked too; a writer may publish; the probe writes nothing', async () => {
    const elsewhere = await ok('profiles:save', { name: 'elsewhere', url: `redis://elsewhere:${WRITER_PW}@127.0.0.1:${server.port}`, prefix: 'net', commandTimeoutMs: 1000, readOnly: false });
    const s1 = await ok('connection:open', { profileId: elsewhere.id });
    expect(s1).toMatchObject({ state: 'ready', canPublish: false });
    expect(s1.publishBlockedReason).toMatch(/NOPERM .*key/i);

    const writer = await ok('profiles:save', { name: 'writer', url: `redis://writer:${WRITER_PW}@127.0.0.1:${server.port}`, prefix: 'net', commandTimeoutMs: 1000, readOnly: false });
    const s2 = await ok('connection:open', { profileId: writer.id });
    expect(s2).toMatchObject({ state: 'ready', canPublish: true });
    expect(s2.publishBlockedReason).toBeUndefined();
    // The probe (MULTI; XADD net:shard:0 NOMKSTREAM 0-0 ...; EXEC) created nothing.
    expect(await admin.exists('net:shard:0')).toBe(0);
    const published = await ok('publish:batch', { shard: 4, events: ['{"w":1}'] });
    expect(published.ids).toHaveLength(1);

    const readOnly = await ok('profiles:save', { name: 'ro', url: `redis://writer:${WRITER_PW}@127.0.0.1:${server.port}`, prefix: 'net', commandTimeoutMs: 1000, readOnly: true });
    expect(await ok('connection:open', { profileId: readOnly.id })).toMatchObject({ canPublish: false, publishBlockedReason: 'the profile "ro" is read-only' });
  });
});

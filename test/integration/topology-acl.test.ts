/**
 * ACL users, for real (issue 7): a `+@read` user browses (shards, read) but its publish is refused
 * with NOPERM, fatal, exit 1, its password in no output; the service probes the permission on
 * connect (without writing anything) and reports `canPublish: false` with the reason, while a
 * user allowed to write may publish.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../electron/core/dispatch';
import { createService } from '../../electron/core/service';
import type { MeshService, SecretStore } from '../../electron/core/service-api';
import type { ChannelName, Envelope, RequestOf, ResponseOf } from '../../shared/contract';
import { encodePayload } from '../../shared/wire';
import { startRedis, type TestRedis } from '../helpers/redis-server';
import { runCli, type CliRun as Run } from '../helpers/cli-run';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
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
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), 'cli'], { cwd: root, stdio: 'inherit' });
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
  const store = new Map<string, string>();
  const secrets: SecretStore = { get: async (id) => store.get(id), set: async (id, v) => void store.set(id, v), delete: async (id) => void store.delete(id) };
  const call = async <C extends ChannelName>(channel: C, req: RequestOf<C>): Promise<Envelope<ResponseOf<C>>> =>
    (await dispatch(service.handlers, channel, JSON.parse(JSON.stringify(req)), () => service.knownSecrets())) as Envelope<ResponseOf<C>>;
  const ok = async <C extends ChannelName>(channel: C, req: RequestOf<C>): Promise<ResponseOf<C>> => {
    const env = await call(channel, req);
    if (!env.ok) throw new Error(`${channel}: ${env.error.message}`);
    return env.value;
  };

  beforeAll(() => {
    service = createService({ transport: 'serve', secrets, sink: () => {}, appVersion: 'test', home });
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

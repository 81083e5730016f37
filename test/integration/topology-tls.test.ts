/**
 * TLS, for real (issue 7): redis-server speaking only TLS with certificates the test makes with
 * openssl. The command line connects with the CA; a wrong CA, a wrong host name and a certificate
 * for another host are refused with fatal errors that name the problem (exit 1, no endless
 * retrying); client-certificate authentication works with --tls-cert/--tls-key; the service (UI)
 * connects through a profile's TLS settings.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshAdapter } from '../../electron/core/adapter';
import { scanShards } from '../../electron/core/scan';
import { createService } from '../../electron/core/service';
import { encodePayload } from '../../shared/wire';
import { buildCli, jsonDoc, runCli, type CliRun as Run } from '../helpers/cli-run';
import { MemorySecrets, serviceGate } from '../helpers/service-gate';
import { makeCerts, startTlsRedis, type TestCerts, type TlsRedis } from '../helpers/tls';

let certs: TestCerts;
let plain: TlsRedis;
let otherHost: TlsRedis;
let mutual: TlsRedis;
let home: string;
let files: string;

function cli(args: string[]): Promise<Run> {
  return runCli(args, home);
}

const doc = jsonDoc;

function fatal(run: Run): string {
  expect(run.code).toBe(1);
  const error = (JSON.parse(run.stdout) as { error: { kind: string; message: string } }).error;
  expect(error.kind).toBe('fatal');
  expect(run.stderr).toContain(error.message);
  return error.message;
}

beforeAll(async () => {
  buildCli();
  home = mkdtempSync(path.join(tmpdir(), 'mesh-topo-tls-home-'));
  files = mkdtempSync(path.join(tmpdir(), 'mesh-topo-tls-files-'));
  certs = makeCerts();
  [plain, otherHost, mutual] = await Promise.all([
    startTlsRedis(certs),
    startTlsRedis(certs, { cert: certs.otherHostCert, key: certs.otherHostKey }),
    startTlsRedis(certs, { authClients: 'yes' }),
  ]);
});

afterAll(async () => {
  await Promise.all([plain?.server.stop(), otherHost?.server.stop(), mutual?.server.stop()]);
  certs?.cleanup();
  rmSync(home, { recursive: true, force: true });
  rmSync(files, { recursive: true, force: true });
});

describe('rediss:// with the CA: health, publish and read', () => {
  it('works end to end, certificate and host name verified', async () => {
    const tls = ['--url', plain.url, '--tls-ca', certs.ca];
    expect(doc(await cli(['health', ...tls, '--json']))).toMatchObject({ healthy: true, url: plain.url, error: null });
    const batch = path.join(files, 'b.ndjson');
    writeFileSync(batch, '{"over":"tls"}\n');
    const pub = doc(await cli(['publish', ...tls, '--shard', '2', '--file', batch, '--json']));
    const page = doc(await cli(['read', ...tls, '--shard', '2', '--json']));
    expect((page.entries as Array<{ id: string; r: string }>).map((e) => [e.id, e.r])).toEqual([[(pub.ids as string[])[0], '{"over":"tls"}']]);
    // localhost is in the certificate too.
    expect(doc(await cli(['health', '--url', `rediss://localhost:${plain.tlsPort}`, '--tls-ca', certs.ca, '--json']))).toMatchObject({ healthy: true });
  });
});

describe("the scan's byte-level reader over TLS", () => {
  it("reads on its own verified TLS connection, with the client reader's figures", async () => {
    const adapter = new MeshAdapter({ url: plain.url, prefix: 'net', commandTimeoutMs: 3000, readOnly: true, tls: { caFile: certs.ca } });
    try {
      await adapter.init();
      await adapter.client.xadd('net:shard:4', '*', 'd', encodePayload('{"over":"tls"}', 1n, 4), 'dedup_id', 'ab:4:0:0');
      let commands = 0;
      const raw = await scanShards(adapter, { shards: [4], reader: 'raw', onCommand: () => commands++ });
      expect(raw).toEqual(await scanShards(adapter, { shards: [4], reader: 'client' }));
      expect(raw.shards[0]).toMatchObject({ shard: 4, entries: 1, ok: 1 });
      expect(commands).toBe(1);
    } finally {
      await adapter.shutdown();
    }
  });
});

describe('refusals name the problem, are fatal (exit 1) and are not retried forever', () => {
  it('a CA that did not sign the server certificate', async () => {
    const message = fatal(await cli(['shards', '--url', plain.url, '--tls-ca', certs.otherCa, '--json']));
    expect(message).toMatch(/^TLS: the server certificate is not signed by the given CA \(the TLS CA certificate file, --tls-ca\).*\((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)$/);
    // No CA at all: the system's CAs do not know the test CA either.
    expect(fatal(await cli(['shards', '--url', plain.url, '--json']))).toMatch(/^TLS: /);
  });

  it('a host name the certificate does not hold (--tls-servername), and a certificate for another host', async () => {
    const wrongName = fatal(await cli(['shards', '--url', plain.url, '--tls-ca', certs.ca, '--tls-servername', 'wrong.example', '--json']));
    expect(wrongName).toBe(
      'TLS: the certificate is for 127.0.0.1, localhost, not wrong.example (use the name it holds, or set it as the TLS server name, --tls-servername) (ERR_TLS_CERT_ALTNAME_INVALID)',
    );
    const otherCert = fatal(await cli(['shards', '--url', otherHost.url, '--tls-ca', certs.ca, '--json']));
    expect(otherCert).toBe('TLS: the certificate is for redis.test, not 127.0.0.1 (use the name it holds, or set it as the TLS server name, --tls-servername) (ERR_TLS_CERT_ALTNAME_INVALID)');
    // Naming the host the certificate is for makes it verify.
    expect(doc(await cli(['health', '--url', otherHost.url, '--tls-ca', certs.ca, '--tls-servername', 'redis.test', '--json']))).toMatchObject({ healthy: true });
  });

  it('health says unhealthy with the fatal reason and exits 1', async () => {
    const run = await cli(['health', '--url', plain.url, '--tls-ca', certs.otherCa, '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ healthy: false, error: { kind: 'fatal', message: expect.stringMatching(/^TLS: /) } });
  });

  it('TLS options without rediss:// are a usage error (exit 64), nothing sent', async () => {
    const run = await cli(['shards', '--url', `redis://127.0.0.1:${plain.tlsPort}`, '--tls-ca', certs.ca, '--json']);
    expect(run.code).toBe(64);
    expect(JSON.parse(run.stdout).error.message).toContain('rediss://');
  });
});

describe('client certificates (--tls-auth-clients yes)', () => {
  it('works with --tls-cert/--tls-key; without them the refusal says what to give', async () => {
    const ok = doc(await cli(['health', '--url', mutual.url, '--tls-ca', certs.ca, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey, '--json']));
    expect(ok).toMatchObject({ healthy: true });
    const batch = path.join(files, 'm.ndjson');
    writeFileSync(batch, '{"mutual":true}\n');
    const pub = doc(await cli(['publish', '--url', mutual.url, '--tls-ca', certs.ca, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey, '--shard', '1', '--file', batch, '--json']));
    expect((pub.ids as string[]).length).toBe(1);

    const without = await cli(['shards', '--url', mutual.url, '--tls-ca', certs.ca, '--json']);
    expect([1, 75]).toContain(without.code);
    expect(JSON.parse(without.stdout).error.message).toMatch(/^TLS: .*(client certificate|--tls-cert)/);

    const half = await cli(['shards', '--url', mutual.url, '--tls-ca', certs.ca, '--tls-cert', certs.clientCert, '--json']);
    expect(half.code).toBe(64);
  });
});

describe('the service (UI) with a TLS profile', () => {
  it('connects with the CA; a wrong CA is down with the fatal TLS reason and not retried', async () => {
    const service = createService({ transport: 'serve', secrets: new MemorySecrets(), sink: () => {}, appVersion: 'test', home });
    const { ok } = serviceGate(() => service);
    try {
      const good = await ok('profiles:save', { name: 'tls', url: plain.url, prefix: 'net', commandTimeoutMs: 1000, readOnly: false, tls: { caFile: certs.ca } });
      expect(good.tls).toEqual({ caFile: certs.ca });
      expect(await ok('connection:open', { profileId: good.id })).toMatchObject({ state: 'ready', topology: 'standalone', canPublish: true });
      expect((await ok('shards:list', {})).shards.map((s) => s.shard)).toContain(2);

      const bad = await ok('profiles:save', { name: 'tls-bad', url: plain.url, prefix: 'net', commandTimeoutMs: 1000, readOnly: false, tls: { caFile: certs.otherCa } });
      const status = await ok('connection:open', { profileId: bad.id });
      expect(status.state).toBe('down');
      expect(status.error).toMatchObject({ kind: 'fatal', message: expect.stringMatching(/^TLS: the server certificate is not signed by the given CA/) });
    } finally {
      await service.dispose();
    }
  });
});

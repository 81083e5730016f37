/**
 * Test certificates made with openssl, and a TLS-only redis-server. Everything lives in one
 * temporary directory that `cleanup()` removes. Keys are EC P-256 (fast to make).
 *
 * - `ca.pem`: the test CA; `server.pem`/`server.key`: signed by it, SAN IP:127.0.0.1 and
 *   DNS:localhost; `other-host.pem`/`.key`: signed by it for DNS:redis.test only;
 * - `other-ca.pem`: an unrelated CA (verification against it must fail);
 * - `client.pem`/`client.key`: a client certificate signed by the test CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startRedis, type TestRedis } from './redis-server';

export interface TestCerts {
  dir: string;
  ca: string;
  otherCa: string;
  serverCert: string;
  serverKey: string;
  otherHostCert: string;
  otherHostKey: string;
  clientCert: string;
  clientKey: string;
  cleanup(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string, cn: string): void {
  openssl(dir, ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${cn}`]);
}

function makeLeaf(dir: string, name: string, cn: string, ext: string): void {
  writeFileSync(path.join(dir, `${name}.ext`), `${ext}\n`);
  openssl(dir, ['req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
}

export function makeCerts(): TestCerts {
  const dir = mkdtempSync(path.join(tmpdir(), 'mesh-tls-'));
  makeCa(dir, 'ca', 'Mesh Inspector Test CA');
  makeCa(dir, 'other-ca', 'Unrelated Test CA');
  makeLeaf(dir, 'server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth');
  makeLeaf(dir, 'other-host', 'redis.test', 'subjectAltName=DNS:redis.test\nextendedKeyUsage=serverAuth');
  makeLeaf(dir, 'client', 'mesh-inspector', 'extendedKeyUsage=clientAuth');
  const p = (f: string) => path.join(dir, f);
  return {
    dir,
    ca: p('ca.pem'),
    otherCa: p('other-ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    otherHostCert: p('other-host.pem'),
    otherHostKey: p('other-host.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TlsRedis {
  server: TestRedis;
  /** The TLS port (the plain port is off). */
  tlsPort: number;
  /** `rediss://127.0.0.1:<tlsPort>` */
  url: string;
}

/**
 * A redis-server that speaks only TLS (`--port 0 --tls-port P`) with the given certificate, the
 * test CA for client certificates, and `--tls-auth-clients` as given (default `optional`).
 */
export async function startTlsRedis(certs: TestCerts, opts: { cert?: string; key?: string; authClients?: 'yes' | 'no' | 'optional'; args?: string[] } = {}): Promise<TlsRedis> {
  const tlsPort = await freePort();
  const server = await startRedis({
    args: [
      '--port', '0',
      '--tls-port', String(tlsPort),
      '--tls-cert-file', opts.cert ?? certs.serverCert,
      '--tls-key-file', opts.key ?? certs.serverKey,
      '--tls-ca-cert-file', certs.ca,
      '--tls-auth-clients', opts.authClients ?? 'optional',
      ...(opts.args ?? []),
    ],
  });
  return { server, tlsPort, url: `rediss://127.0.0.1:${tlsPort}` };
}

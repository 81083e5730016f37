/**
 * The pure parts of issue 7, no server needed: the connection factory's options for Cluster and
 * Sentinel, sentinel address parsing, the command line's topology options, TLS failure wording,
 * Cluster/Sentinel error shapes, failover detection between snapshots, the profile schema.
 */
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../electron/cli/args';
import { profileFrom } from '../../electron/cli/connect';
import { classifyError, describeTlsFailure } from '../../electron/core/classify';
import {
  buildClusterOptions,
  buildRedisOptions,
  createRedisClient,
  isClusterClient,
  parseSentinels,
  topologyModeOf,
  type ConnectionProfile,
} from '../../electron/core/connection';
import { detectFailovers } from '../../electron/core/topology';
import { profileInputSchema } from '../../shared/contract';
import { MeshError } from '../../shared/errors';

const base: ConnectionProfile = { url: 'redis://u:pw@10.0.0.5:7000', prefix: 'net', commandTimeoutMs: 1000 };

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MeshError);
    expect((e as MeshError).kind).toBe('usage');
    return (e as MeshError).message;
  }
  throw new Error('expected a usage error');
}

describe('parseSentinels', () => {
  it('host:port lists, default port 26379, IPv6 in brackets, blanks ignored', () => {
    expect(parseSentinels(' 10.0.0.1:26379, sentinel-b ,[::1]:5000,')).toEqual([
      { host: '10.0.0.1', port: 26379 },
      { host: 'sentinel-b', port: 26379 },
      { host: '::1', port: 5000 },
    ]);
  });
  it('names the bad entry', () => {
    expect(usage(() => parseSentinels('a:1,b:x'))).toContain('"b:x"');
    expect(usage(() => parseSentinels(':26379'))).toContain('needs a host');
    expect(usage(() => parseSentinels('::1:26379'))).toContain('brackets');
    expect(usage(() => parseSentinels('a:70000'))).toContain('1..65535');
  });
});

describe('one factory for standalone, Cluster and Sentinel', () => {
  it('Sentinel: sentinels + name from the profile, URL credentials for the master, same TLS for the sentinels', () => {
    const o = buildRedisOptions(
      { ...base, url: 'rediss://u:pw@ignored:1/2', topology: { mode: 'sentinel', sentinels: 'a:1,b:2', masterName: 'm', sentinelPassword: 'spw' } },
      'publish',
    );
    expect(o).toMatchObject({
      sentinels: [{ host: 'a', port: 1 }, { host: 'b', port: 2 }],
      name: 'm',
      role: 'master',
      sentinelPassword: 'spw',
      username: 'u',
      password: 'pw',
      db: 2,
      enableTLSForSentinelMode: true,
      failoverDetector: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    expect(o.tls).toMatchObject({ rejectUnauthorized: true });
    // The URL's host names no certificate behind Sentinel: no server name unless given.
    expect(o.tls?.servername).toBeUndefined();
    expect(o.sentinelTLS).toEqual(o.tls);
    expect(typeof o.sentinelRetryStrategy!(50)).toBe('number');
  });

  it('Sentinel needs addresses and a master name', () => {
    expect(usage(() => topologyModeOf({ ...base, topology: { mode: 'sentinel', sentinels: 'a:1' } }))).toContain('master name');
    expect(usage(() => topologyModeOf({ ...base, topology: { mode: 'sentinel', masterName: 'm' } }))).toContain('sentinel address');
  });

  it('Cluster: per-node options from the one builder; publish never replays on a closed connection or CLUSTERDOWN', () => {
    const read = buildClusterOptions(base, 'read');
    const publish = buildClusterOptions(base, 'publish');
    expect(read.startupNodes).toEqual([{ host: '10.0.0.5', port: 7000 }]);
    expect(read.options.redisOptions).toMatchObject({ username: 'u', password: 'pw', commandTimeout: 1000, autoResendUnfulfilledCommands: false, connectionName: 'mesh-inspector:read' });
    expect(read.options.redisOptions).not.toHaveProperty('host');
    expect(read.options.redisOptions).not.toHaveProperty('db');
    expect(read.options).toMatchObject({ enableOfflineQueue: true, retryDelayOnFailover: 100, scaleReads: 'master', lazyConnect: true });
    expect(publish.options).toMatchObject({ enableOfflineQueue: false, retryDelayOnFailover: 0, retryDelayOnClusterDown: 0 });
    expect(usage(() => buildClusterOptions({ ...base, url: 'redis://h:1/3' }, 'read'))).toContain('database 0');
  });

  it('createRedisClient builds the kind asked for, lazily', () => {
    const c = createRedisClient({ ...base, topology: { mode: 'cluster' } }, 'read', 'cluster');
    expect(isClusterClient(c)).toBe(true);
    expect(c.status).toBe('wait');
    const r = createRedisClient(base, 'read');
    expect(isClusterClient(r)).toBe(false);
    c.disconnect();
    r.disconnect();
  });
});

describe('command line topology options', () => {
  const parse = (argv: string[], env: Record<string, string> = {}) => parseCommandLine(['shards', ...argv], env, [{ name: 'shards', summary: '', usage: '', options: [] }]);

  it('--sentinel with --master-name, the sentinel password from the environment only', () => {
    const p = parse(['--sentinel', 'a:1,b:2', '--master-name', 'm'], { MESH_SENTINEL_PASSWORD: 'spw' });
    expect(profileFrom(p.global, true).topology).toEqual({ mode: 'sentinel', sentinels: 'a:1,b:2', masterName: 'm', sentinelPassword: 'spw' });
    expect(profileFrom(parse(['--cluster']).global, true).topology).toEqual({ mode: 'cluster' });
    expect(profileFrom(parse([]).global, true).topology).toEqual({ mode: 'auto' });
  });

  it('usage errors: one without the other, --cluster with --sentinel', () => {
    expect(usage(() => parse(['--sentinel', 'a:1']))).toContain('--master-name');
    expect(usage(() => parse(['--master-name', 'm']))).toContain('--sentinel');
    expect(usage(() => parse(['--sentinel', 'a:1', '--master-name', 'm', '--cluster']))).toContain('exclude');
  });
});

describe('TLS failures are fatal and named', () => {
  it('the usual verification codes', () => {
    expect(describeTlsFailure('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate')?.message).toBe(
      'TLS: the server certificate is not signed by the given CA (the TLS CA certificate file, --tls-ca) nor by a CA this system trusts (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
    );
    expect(describeTlsFailure('CERT_HAS_EXPIRED', 'certificate has expired')?.message).toBe('TLS: the server certificate has expired (CERT_HAS_EXPIRED)');
    const alt = Object.assign(new Error("Hostname/IP does not match certificate's altnames: Host: wrong.example. is not in the cert's altnames: DNS:localhost, IP Address:127.0.0.1"), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      host: 'wrong.example',
      cert: { subjectaltname: 'DNS:localhost, IP Address:127.0.0.1' },
    });
    const m = classifyError(alt);
    expect(m.kind).toBe('fatal');
    expect(m.message).toBe('TLS: the certificate is for localhost, 127.0.0.1, not wrong.example (use the name it holds, or set it as the TLS server name, --tls-servername) (ERR_TLS_CERT_ALTNAME_INVALID)');
    expect(describeTlsFailure('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number')?.message).toContain('plain redis:// port');
    expect(describeTlsFailure('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsv13 alert certificate required')?.message).toContain('(--tls-cert, --tls-key)');
    expect(describeTlsFailure('ECONNREFUSED', 'connect ECONNREFUSED')).toBeUndefined();
  });

  it('a Cluster that reached no node reports the last node error; Sentinel rounds are told plainly', () => {
    const all = Object.assign(new Error('Failed to refresh slots cache.'), { name: 'ClusterAllFailedError', lastNodeError: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7000'), { code: 'ECONNREFUSED' }) });
    expect(classifyError(all)).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED', message: expect.stringContaining('last node error: connect ECONNREFUSED') });
    expect(classifyError(new Error('All sentinels are unreachable. Retrying from scratch after 120ms. Last error: ERR No such master with that name'))).toMatchObject({
      kind: 'fatal',
      message: expect.stringMatching(/^Sentinel: the sentinels know no master by the name given/),
    });
    expect(classifyError(new Error('All sentinels are unreachable. Retrying from scratch after 120ms. Last error: Connection is closed.'))).toMatchObject({
      kind: 'transient',
      message: 'Sentinel: no sentinel could be reached or named the master; last error: Connection is closed.',
    });
    expect(classifyError(new Error('All sentinels are unreachable. Retrying from scratch after 9ms. Last error: unable to verify the first certificate'))).toMatchObject({
      kind: 'fatal',
      message: expect.stringMatching(/^TLS: .*\(connecting to the sentinels\)$/),
    });
  });

  it('MOVED and ASK that surface are transient with the Redis reason (contract 4)', () => {
    const moved = Object.assign(new Error('MOVED 3999 127.0.0.1:7002'), { name: 'ReplyError' });
    expect(classifyError(moved)).toMatchObject({ kind: 'transient', code: 'MOVED', message: 'MOVED 3999 127.0.0.1:7002' });
    const ask = Object.assign(new Error('ASK 3999 127.0.0.1:7002'), { name: 'ReplyError' });
    expect(classifyError(ask)).toMatchObject({ kind: 'transient', code: 'ASK' });
  });
});

describe('failover detection between snapshots', () => {
  const node = (id: string, port: number, role: 'master' | 'replica', slots: Array<[number, number]>, masterId: string | null = null, failed = false) => ({
    id,
    address: `127.0.0.1:${port}`,
    role,
    masterId,
    failed,
    slots,
  });

  it('Cluster: the failed master and the replica that now serves its slots', () => {
    const prev = { mode: 'cluster' as const, nodes: [node('a', 1, 'master', [[0, 8000]]), node('b', 2, 'master', [[8001, 16383]]), node('c', 3, 'replica', [], 'a')] };
    const next = { mode: 'cluster' as const, nodes: [node('a', 1, 'master', [], null, true), node('b', 2, 'master', [[8001, 16383]]), node('c', 3, 'master', [[0, 8000]])] };
    expect(detectFailovers(prev, next, 42)).toEqual([
      { at: 42, failed: '127.0.0.1:1', failedId: 'a', replacedBy: '127.0.0.1:3', replacedById: 'c', detail: '127.0.0.1:1 (failed) was replaced by its replica 127.0.0.1:3' },
    ]);
    expect(detectFailovers(prev, prev, 42)).toEqual([]);
  });

  it('Sentinel: the master address changed', () => {
    const prev = { mode: 'sentinel' as const, nodes: [node('', 1, 'master', []), node('', 2, 'replica', [])].map((n) => ({ ...n, id: null })) };
    const next = { mode: 'sentinel' as const, nodes: [node('', 2, 'master', []), node('', 1, 'replica', [])].map((n) => ({ ...n, id: null })) };
    expect(detectFailovers(prev, next, 1)).toEqual([expect.objectContaining({ failed: '127.0.0.1:1', replacedBy: '127.0.0.1:2', detail: expect.stringContaining('its replica') })]);
  });
});

describe('profile schema: topology', () => {
  const input = { name: 'p', url: 'redis://h:1', prefix: 'net', commandTimeoutMs: 1000, readOnly: false };
  it('accepts auto/standalone/cluster, and sentinel only with addresses and a master name', () => {
    expect(profileInputSchema.safeParse({ ...input, topology: { mode: 'cluster' } }).success).toBe(true);
    expect(profileInputSchema.safeParse({ ...input, topology: { mode: 'sentinel', sentinels: 'a:1', masterName: 'm' } }).success).toBe(true);
    expect(profileInputSchema.safeParse({ ...input, topology: { mode: 'sentinel', sentinels: 'a:1' } }).success).toBe(false);
    expect(profileInputSchema.safeParse({ ...input, topology: { mode: 'ring' } }).success).toBe(false);
  });
});

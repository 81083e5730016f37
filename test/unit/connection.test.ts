/**
 * The one options builder (connection.ts), the URL parser it stands on (redis-url.ts) and the
 * mapping of ioredis' error shapes (classify.ts). Pure: no server needed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReplyError } from 'ioredis';
import { MaxRetriesPerRequestError } from 'ioredis/built/errors';
import { classifyError } from '../../electron/core/classify';
import {
  RECONNECT_CAP_MS,
  buildRedisOptions,
  createRedisClient,
  reconnectDelayMs,
  secretsOf,
  type ConnectionProfile,
} from '../../electron/core/connection';
import { displayRedisUrl, parseRedisUrl } from '../../electron/core/redis-url';
import { redactText } from '../../shared/redact';
import { MeshError } from '../../shared/errors';

const profile = (over: Partial<ConnectionProfile> = {}): ConnectionProfile => ({
  url: 'redis://127.0.0.1:6380',
  prefix: 'net',
  commandTimeoutMs: 1000,
  ...over,
});

function usage(fn: () => unknown): MeshError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MeshError);
    expect((e as MeshError).kind).toBe('usage');
    return e as MeshError;
  }
  throw new Error('expected a usage error');
}

describe('reconnectDelayMs: capped, jittered, never gives up', () => {
  it('doubles from 100 ms and caps at 5 s (jitter at its midpoint)', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 50, 1e9].map((n) => reconnectDelayMs(n, mid))).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  it('jitter stays within ±20 % of the base', () => {
    expect(reconnectDelayMs(3, () => 0)).toBe(320);
    expect(reconnectDelayMs(3, () => 1)).toBe(480);
    expect(reconnectDelayMs(100, () => 1)).toBe(RECONNECT_CAP_MS * 1.2);
    for (let k = 0; k < 200; k++) {
      const d = reconnectDelayMs(1 + (k % 12));
      expect(Number.isInteger(d) && d >= 80 && d <= 6000).toBe(true);
    }
  });

  it('odd attempt counts (0, negative, NaN) give the first delay, never NaN', () => {
    expect([0, -3, Number.NaN].map((n) => reconnectDelayMs(n, () => 0.5))).toEqual([100, 100, 100]);
  });

  it('the built options use it and always return a number (ioredis stops reconnecting otherwise)', () => {
    const o = buildRedisOptions(profile(), 'read');
    for (const n of [1, 10, 1000]) expect(typeof o.retryStrategy!(n)).toBe('number');
  });
});

describe('buildRedisOptions: one builder for every connection', () => {
  it('read: offline queue on, one retry per request, no resend, bounded connect, command timeout, lazy', () => {
    const o = buildRedisOptions(profile({ url: 'redis://alice:s3cret@cache.internal:6390/4' }), 'read');
    expect(o).toMatchObject({
      host: 'cache.internal',
      port: 6390,
      db: 4,
      username: 'alice',
      password: 's3cret',
      connectionName: 'mesh-inspector:read',
      lazyConnect: true,
      enableReadyCheck: true,
      enableOfflineQueue: true,
      maxRetriesPerRequest: 1,
      autoResendUnfulfilledCommands: false,
      connectTimeout: 5000,
      commandTimeout: 1000,
    });
    expect(o.tls).toBeUndefined();
  });

  it('publish: no offline queue and no retries, so an unanswered MULTI/EXEC is never sent again (contract 3.13)', () => {
    expect(buildRedisOptions(profile(), 'publish')).toMatchObject({
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      connectionName: 'mesh-inspector:publish',
    });
    expect(buildRedisOptions(profile({ connectionName: 'ops laptop' }), 'probe')).toMatchObject({
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectionName: 'ops-laptop:probe',
    });
  });

  it('a password kept apart overrides the URL one', () => {
    expect(buildRedisOptions(profile({ url: 'redis://:old@h', password: 'new' }), 'read').password).toBe('new');
  });

  it('rediss:// verifies certificates and host names; CA, cert and key come from files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mesh-tls-'));
    try {
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(dir, f), `-----${f}-----`);
      const o = buildRedisOptions(
        profile({ url: 'rediss://redis.example.com:6380', tls: { caFile: path.join(dir, 'ca.pem'), certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem') } }),
        'read',
      );
      expect(o.tls).toMatchObject({ rejectUnauthorized: true, servername: 'redis.example.com' });
      expect(String(o.tls!.ca)).toBe('-----ca.pem-----');
      expect(String(o.tls!.cert)).toBe('-----cert.pem-----');
      expect(String(o.tls!.key)).toBe('-----key.pem-----');
      expect(buildRedisOptions(profile({ url: 'rediss://10.0.0.1', tls: { servername: 'redis.internal' } }), 'read').tls).toEqual({
        rejectUnauthorized: true,
        servername: 'redis.internal',
      });
      expect(buildRedisOptions(profile({ url: 'rediss://10.0.0.1' }), 'read').tls).toEqual({ rejectUnauthorized: true });
      expect(usage(() => buildRedisOptions(profile({ url: 'rediss://h', tls: { caFile: path.join(dir, 'missing.pem') } }), 'read')).message).toMatch(
        /cannot use the TLS CA certificate file \(--tls-ca\) .*missing\.pem: no such file \(ENOENT\)/,
      );
      expect(usage(() => buildRedisOptions(profile({ url: 'rediss://h', tls: { certFile: path.join(dir, 'cert.pem') } }), 'read')).message).toMatch(/both/);
      expect(usage(() => buildRedisOptions(profile({ tls: { caFile: path.join(dir, 'ca.pem') } }), 'read')).message).toMatch(/rediss:\/\//);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a non-positive or fractional command timeout (net-mesh validate(): must be > 0)', () => {
    for (const t of [0, -1, 1.5, Number.NaN]) usage(() => buildRedisOptions(profile({ commandTimeoutMs: t }), 'read'));
  });

  it('createRedisClient does not connect (lazy) and has an error listener', () => {
    const c = createRedisClient(profile(), 'probe');
    expect(c.status).toBe('wait');
    expect(c.listenerCount('error')).toBeGreaterThan(0);
    c.disconnect();
  });
});

describe('secretsOf and displayRedisUrl: one derivation, one display form', () => {
  it('knows the URL password as written and decoded, the kept password and the sentinels’ one, each percent-encoded and JSON-escaped', () => {
    const s = secretsOf({ url: 'redis://app:p%2Fw%22d@h:1', password: 'kept/pw', topology: { mode: 'sentinel', sentinelPassword: 's@nt' } });
    for (const text of ['p%2Fw%22d', 'p/w"d', 'p%2Fw%22d', 'p/w\\"d', 'kept/pw', 'kept%2Fpw', 's@nt', 's%40nt']) expect(s).toContain(text);
    expect(s).not.toContain('');
    expect(secretsOf({ url: 'redis://h:1' })).toEqual([]);
    expect(secretsOf({ url: 'redis://user@h:1' })).toEqual([]);
  });

  it('derives the password of a URL that does not parse by the parser’s own rule (last @)', () => {
    expect(secretsOf({ url: 'redis://:bad%zz/pw@h:1' })).toContain('bad%zz/pw');
    expect(secretsOf({ url: 'redis://:a@b@h:99999' })).toContain('a@b');
    const message = 'ERR something quoted redis://:a@b@h and a@b';
    expect(redactText(message, secretsOf({ url: 'redis://:a@b@h:99999' }))).not.toContain('a@b');
  });

  it.each([
    ['redis://:le/ft@127.0.0.1:1', 'redis://[REDACTED]@127.0.0.1:1'],
    ['redis://app:le:ft@127.0.0.1:1/2', 'redis://[REDACTED]@127.0.0.1:1/2'],
    ['redis://:le%zzft@127.0.0.1:1', 'redis://[REDACTED]@127.0.0.1:1'],
    ['redis://:le?ft@127.0.0.1:1', 'redis://[REDACTED]'],
    ['redis://127.0.0.1:1/0?password=left', 'redis://127.0.0.1:1/0'],
  ])('shows %j as %j, parsable or not', (url, shown) => {
    expect(displayRedisUrl(url)).toBe(shown);
  });
});

describe('parseRedisUrl', () => {
  it('parses scheme, user, password (percent-decoded), host, port and db', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({ tls: false, host: '127.0.0.1', port: 6379, db: 0, redacted: 'redis://127.0.0.1:6379' });
    expect(parseRedisUrl('rediss://u:p%40ss%3Aw@redis.svc:6380/15')).toEqual({
      tls: true,
      host: 'redis.svc',
      port: 6380,
      db: 15,
      username: 'u',
      password: 'p@ss:w',
      passwordAsWritten: 'p%40ss%3Aw',
      redacted: 'rediss://[REDACTED]@redis.svc:6380/15',
    });
    expect(parseRedisUrl('redis://:pw@h')).toMatchObject({ host: 'h', port: 6379, password: 'pw' });
    expect(parseRedisUrl('redis://:pw@h').username).toBeUndefined();
    expect(parseRedisUrl('redis://[::1]:7000/')).toMatchObject({ host: '::1', port: 7000, db: 0 });
    expect(parseRedisUrl('REDIS://h')).toMatchObject({ tls: false, host: 'h' });
  });

  it('3.38: an unencoded @ in the password: the last @ ends the userinfo, and the display form hides all of it', () => {
    const u = parseRedisUrl('redis://user:p@ss:word@redis.svc:6379');
    expect(u).toMatchObject({ host: 'redis.svc', port: 6379, username: 'user', password: 'p@ss:word', redacted: 'redis://[REDACTED]@redis.svc:6379' });
    // A '/' in an unencoded password must not let it leak into the display form.
    const v = parseRedisUrl('redis://:pa/ss@h:1');
    expect(v.password).toBe('pa/ss');
    expect(v.redacted).not.toContain('pa/ss');
    expect(v.redacted).not.toContain('ss@');
  });

  it.each([
    ['http://h', /must start with redis:\/\/ or rediss:\/\/ \(got "http:\/\/"\)/],
    ['localhost:6379', /must start with redis:\/\/ or rediss:\/\/ \(got no recognisable scheme\)/],
    ['redis://', /has no host/],
    ['redis://:secret-pw@:6379', /has no host/],
    ['redis://h:0', /redis:\/\/h has an invalid port/],
    ['redis://h:65536', /invalid port/],
    ['redis://h:http', /invalid port/],
    // A forgotten '@host': what follows ':' may be the password.
    ['redis://user:secret-pw', /redis:\/\/user has an invalid port \(not shown/],
    ['redis://:secret-pw', /has no host/],
    ['redis://127.0.0.1:1/0?password=secret-pw', /query or fragment \(not shown\)/],
    ['redis://:secret-pw@h/0#secret-pw', /query or fragment/],
    ['redis://:secret?pw@h', /'\?' or '#' before its last '@'.*must be percent-encoded/],
    ['redis://:secret#pw@h', /'\?' or '#' before its last '@'/],
    ['redis://h:1/0?password=secret@pw', /'\?' or '#' before its last '@'/],
    ['redis://h/x', /invalid database "x"/],
    ['redis://h/-1', /invalid database "-1"/],
    ['redis://:secret-pw@h/1?x=1', /query or fragment/],
    ['redis://:%E0%A4%A@h', /malformed %-escape in its password/],
  ])('%s is a usage error naming the problem, without the password', (url, reason) => {
    const e = usage(() => parseRedisUrl(url));
    expect(e.message).toMatch(reason);
    expect(e.message).not.toContain('secret-pw');
    expect(e.message).not.toContain('%E0');
  });
});

describe('classifyError: ioredis error shapes → MeshError (contract section 4)', () => {
  const reply = (msg: string, command?: string): Error => Object.assign(new (ReplyError as new (m: string) => Error)(msg), command ? { command: { name: command, args: ['secret-arg'] } } : {});

  it('reply errors keep the Redis reason and code; transient exactly for net-mesh prefixes', () => {
    const cases: [string, 'transient' | 'fatal', string][] = [
      ["READONLY You can't write against a read only replica.", 'transient', 'READONLY'],
      ['LOADING Redis is loading the dataset in memory', 'transient', 'LOADING'],
      ['BUSY Redis is busy running a script.', 'transient', 'BUSY'],
      ['MASTERDOWN Link with MASTER is down', 'transient', 'MASTERDOWN'],
      ['TRYAGAIN Multiple keys request during rehashing of slot', 'transient', 'TRYAGAIN'],
      ['CLUSTERDOWN The cluster is down', 'transient', 'CLUSTERDOWN'],
      ['MOVED 3999 127.0.0.1:6381', 'transient', 'MOVED'],
      ['NOREPLICAS Not enough good replicas to write.', 'transient', 'NOREPLICAS'],
      ['WRONGPASS invalid username-password pair or user is disabled.', 'fatal', 'WRONGPASS'],
      ['NOAUTH Authentication required.', 'fatal', 'NOAUTH'],
      ["NOPERM User reader has no permissions to run the 'xadd' command", 'fatal', 'NOPERM'],
      ['WRONGTYPE Operation against a key holding the wrong kind of value', 'fatal', 'WRONGTYPE'],
      ["OOM command not allowed when used memory > 'maxmemory'.", 'fatal', 'OOM'],
      ['EXECABORT Transaction discarded because of previous errors.', 'fatal', 'EXECABORT'],
    ];
    for (const [msg, kind, code] of cases) {
      const e = classifyError(reply(msg), { command: 'XADD' });
      expect([e.kind, e.code, e.message, e.command]).toEqual([kind, code, msg, 'XADD']);
    }
  });

  it('EXECABORT takes its class and reason from the queued command that caused it', () => {
    const exec = Object.assign(reply('EXECABORT Transaction discarded because of previous errors.', 'exec'), {
      previousErrors: [reply("READONLY You can't write against a read only replica.", 'xadd')],
    });
    const e = classifyError(exec, { command: 'MULTI/EXEC' });
    expect([e.kind, e.code]).toEqual(['transient', 'READONLY']);
    expect(e.message).toMatch(/^READONLY You can't write against a read only replica\. \(EXECABORT: Redis discarded the whole transaction/);
    expect(e.message).not.toContain('secret-arg');
    // A refused MULTI means the commands ran outside the transaction: said out loud.
    const noMulti = Object.assign(reply('ERR EXEC without MULTI', 'exec'), { previousErrors: [reply("NOPERM User u has no permissions to run the 'multi' command", 'multi')] });
    expect(classifyError(noMulti).message).toMatch(/MULTI was refused, so the commands after it were not atomic/);
  });

  it('client-side failures are transient: timeout, refused, reset, closed, not writeable, max retries, aborted', () => {
    const node = (code: string, msg: string) => Object.assign(new Error(msg), { code });
    const cases: unknown[] = [
      new Error('Command timed out'),
      node('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:6379'),
      node('ECONNRESET', 'read ECONNRESET'),
      node('EPIPE', 'write EPIPE'),
      node('ETIMEDOUT', 'connect ETIMEDOUT'),
      node('ENOTFOUND', 'getaddrinfo ENOTFOUND redis.invalid'),
      new Error('Connection is closed.'),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new MaxRetriesPerRequestError(1),
      Object.assign(new Error('Command aborted due to connection close'), { name: 'AbortError' }),
    ];
    for (const c of cases) expect(classifyError(c).kind).toBe('transient');
    expect(classifyError(new Error('Command timed out'), { command: 'PING' }).message).toBe('Redis command timeout (PING)');
  });

  it("names the connection's own reason for ioredis' retry limit, never its option advice", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7391'), { code: 'ECONNREFUSED' });
    const e = classifyError(new MaxRetriesPerRequestError(1), { command: 'XRANGE', connectionError: refused });
    expect(e).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED', message: 'Redis connection lost and not re-established in time (connect ECONNREFUSED 127.0.0.1:7391)' });
    expect(classifyError(new MaxRetriesPerRequestError(1)).message).toBe('Redis connection lost and not re-established in time');
    expect(classifyError(new Error('something. Refer to "fooBar" option for details.')).message).toBe('something.');
  });

  it('never lets a secret through, and keeps a MeshError kind', () => {
    const e = classifyError(new Error('connect ECONNREFUSED with hunter2 in it'), { secrets: ['hunter2'] });
    expect(e.message).toBe('connect ECONNREFUSED with [REDACTED] in it');
    const m = new MeshError('usage', 'bad hunter2');
    expect(classifyError(m, { secrets: ['hunter2'] })).toMatchObject({ kind: 'usage', message: 'bad [REDACTED]' });
    expect(classifyError(m)).toBe(m);
    expect(classifyError('weird').kind).toBe('fatal');
  });
});

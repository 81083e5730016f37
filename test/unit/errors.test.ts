import { describe, expect, it } from 'vitest';
import {
  MeshError,
  TRANSIENT_PREFIXES,
  classifyNodeError,
  classifyRedisReply,
  redisErrorCode,
  toErrorInfo,
  usageError,
} from '../../shared/errors';

describe('classifyRedisReply (contract section 4)', () => {
  it('lists exactly the nine net-mesh transient prefixes', () => {
    expect([...TRANSIENT_PREFIXES]).toEqual(['LOADING', 'BUSY', 'TRYAGAIN', 'MASTERDOWN', 'MOVED', 'ASK', 'READONLY', 'CLUSTERDOWN', 'NOREPLICAS']);
  });

  it.each([
    'LOADING Redis is loading the dataset in memory',
    'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.',
    'TRYAGAIN Multiple keys request during rehashing of slot',
    'MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no.',
    'MOVED 3999 127.0.0.1:6381',
    'ASK 3999 127.0.0.1:6381',
    "READONLY You can't write against a read only replica.",
    'CLUSTERDOWN The cluster is down',
    'NOREPLICAS Not enough good replicas to write.',
  ])('contract 4: %j is transient', (reply) => {
    expect(classifyRedisReply(reply)).toBe('transient');
  });

  it('contract 4: BUSYGROUP is transient too, because BUSY is matched as a prefix (as net-mesh does)', () => {
    expect(classifyRedisReply('BUSYGROUP Consumer Group name already exists')).toBe('transient');
  });

  it.each([
    'EXECABORT Transaction discarded because of previous errors.',
    'ERR unknown command',
    'WRONGTYPE Operation against a key holding the wrong kind of value',
    "NOPERM this user has no permissions to run the 'xadd' command",
    'NOAUTH Authentication required.',
    'WRONGPASS invalid username-password pair or user is disabled.',
    "OOM command not allowed when used memory > 'maxmemory'.",
    'CROSSSLOT Keys in request don\'t hash to the same slot',
    'NOSCRIPT No matching script.',
    'ERR LOADING is mentioned but not at the start',
    'loading lower-case is not a Redis code',
    '',
  ])('contract 4: %j is fatal', (reply) => {
    expect(classifyRedisReply(reply)).toBe('fatal');
  });
});

describe('redisErrorCode', () => {
  it.each([
    ['NOPERM this user has no permissions', 'NOPERM'],
    ['ERR unknown command', 'ERR'],
    ['BUSYGROUP Consumer Group name already exists', 'BUSYGROUP'],
    ['WRONGTYPE', 'WRONGTYPE'],
    ['MOVED 3999 127.0.0.1:6381', 'MOVED'],
  ])('%j -> %s', (message, code) => {
    expect(redisErrorCode(message)).toBe(code);
  });

  it.each(['Connection is closed.', 'connect ECONNREFUSED 127.0.0.1:6379', 'Err lower', 'X single', '', ' ERR leading space', 'ERR: colon'])(
    '%j has no Redis code',
    (message) => {
      expect(redisErrorCode(message)).toBeUndefined();
    },
  );
});

describe('classifyNodeError', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'EADDRNOTAVAIL'])(
    'contract 4 (Io is transient): code %s is transient',
    (code) => {
      expect(classifyNodeError(code, `connect ${code} 127.0.0.1:6379`)).toBe('transient');
    },
  );

  it.each([
    'CERT_HAS_EXPIRED',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'CERT_NOT_YET_VALID',
    'ERR_SSL_WRONG_VERSION_NUMBER',
  ])('TLS certificate code %s is fatal', (code) => {
    expect(classifyNodeError(code, 'some TLS failure')).toBe('fatal');
  });

  it.each([
    'Command timed out',
    'Connection is closed.',
    'Reached the max retries per request limit (which is 20). Refer to "maxRetriesPerRequest" option for details.',
    "Stream isn't writeable and enableOfflineQueue options is false",
    'None of startup nodes is available',
    'All sentinels are unreachable. Retrying from scratch after 10ms.',
    'socket hang up',
  ])('the client message %j (no code) is transient', (message) => {
    expect(classifyNodeError(undefined, message)).toBe('transient');
  });

  it('classifies TLS messages without a code as fatal', () => {
    expect(classifyNodeError(undefined, 'self-signed certificate in certificate chain')).toBe('fatal');
    expect(classifyNodeError(undefined, "Hostname/IP does not match certificate's altnames: Host: x. is not in the cert's altnames")).toBe('fatal');
  });

  it('classifies a Redis reply passed without a code as a reply', () => {
    expect(classifyNodeError(undefined, 'READONLY You can\'t write against a read only replica.')).toBe('transient');
    expect(classifyNodeError(undefined, 'NOAUTH Authentication required.')).toBe('fatal');
  });

  it('treats unknown errors and programming errors as fatal', () => {
    expect(classifyNodeError(undefined, 'something odd')).toBe('fatal');
    expect(classifyNodeError('ERR_INVALID_ARG_TYPE', 'The "path" argument must be of type string')).toBe('fatal');
  });
});

describe('MeshError / usageError', () => {
  it('carries kind, code, command and cause', () => {
    const cause = new Error('root');
    const e = new MeshError('transient', 'READONLY replica', { code: 'READONLY', command: 'XADD', cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('MeshError');
    expect(e.kind).toBe('transient');
    expect(e.code).toBe('READONLY');
    expect(e.command).toBe('XADD');
    expect(e.cause).toBe(cause);
    expect(e.message).toBe('READONLY replica');
  });

  it('leaves optional fields absent when not given', () => {
    const e = new MeshError('fatal', 'x');
    expect('code' in e).toBe(false);
    expect('command' in e).toBe(false);
    expect(e.cause).toBeUndefined();
  });

  it('usageError builds a usage MeshError', () => {
    const e = usageError('bad --limit');
    expect(e).toBeInstanceOf(MeshError);
    expect(e.kind).toBe('usage');
    expect(e.message).toBe('bad --limit');
  });
});

describe('toErrorInfo', () => {
  it('keeps a MeshError kind and code', () => {
    expect(toErrorInfo(new MeshError('usage', 'bad', { code: 'X' }))).toEqual({ kind: 'usage', message: 'bad', code: 'X' });
    expect(toErrorInfo(usageError('bad'))).toEqual({ kind: 'usage', message: 'bad' });
  });

  it('passes through an already serialized MeshErrorInfo', () => {
    expect(toErrorInfo({ kind: 'transient', message: 'later', code: 'LOADING' })).toEqual({ kind: 'transient', message: 'later', code: 'LOADING' });
  });

  it('classifies a Node system error by its code', () => {
    const e = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    expect(toErrorInfo(e)).toEqual({ kind: 'transient', message: 'connect ECONNREFUSED 127.0.0.1:6379', code: 'ECONNREFUSED' });
    const tls = Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' });
    expect(toErrorInfo(tls)).toMatchObject({ kind: 'fatal', code: 'CERT_HAS_EXPIRED' });
  });

  it('classifies an ioredis ReplyError by its reply text and extracts the Redis code', () => {
    const reply = Object.assign(new Error("NOPERM this user has no permissions to run the 'xrange' command"), { name: 'ReplyError' });
    expect(toErrorInfo(reply)).toEqual({ kind: 'fatal', message: reply.message, code: 'NOPERM' });
    const busy = Object.assign(new Error('BUSYGROUP Consumer Group name already exists'), { name: 'ReplyError' });
    expect(toErrorInfo(busy)).toMatchObject({ kind: 'transient', code: 'BUSYGROUP' });
  });

  it('classifies a plain Error whose message starts with a Redis code', () => {
    expect(toErrorInfo(new Error('LOADING Redis is loading'))).toEqual({ kind: 'transient', message: 'LOADING Redis is loading', code: 'LOADING' });
  });

  it('classifies client messages and unknown errors', () => {
    expect(toErrorInfo(new Error('Command timed out'))).toEqual({ kind: 'transient', message: 'Command timed out' });
    expect(toErrorInfo(new Error('boom'))).toEqual({ kind: 'fatal', message: 'boom' });
    expect(toErrorInfo('a string')).toEqual({ kind: 'fatal', message: 'a string' });
    expect(toErrorInfo(undefined)).toEqual({ kind: 'fatal', message: 'undefined' });
    expect(toErrorInfo(42)).toEqual({ kind: 'fatal', message: '42' });
  });

  it('scrubs given secrets from the message', () => {
    const e = new Error('WRONGPASS invalid password hunter2 for user bob');
    expect(toErrorInfo(e, ['hunter2'])).toEqual({ kind: 'fatal', message: 'WRONGPASS invalid password [REDACTED] for user bob', code: 'WRONGPASS' });
  });
});

import { describe, expect, it } from 'vitest';
import { parseCommandInfo, redactCommand } from '../../electron/core/command-redact';
import { parseSlowlog, summariseClients } from '../../electron/core/incident';

// COMMAND INFO replies as Redis 7.0.15 gives them (RESP2), cut to the fields the parser reads.
const range = (index: number, lastkey: number, limit = 0) => ['flags', [], 'begin_search', ['type', 'index', 'spec', ['index', index]], 'find_keys', ['type', 'range', 'spec', ['lastkey', lastkey, 'keystep', 1, 'limit', limit]]];
const SET = parseCommandInfo(['set', -3, ['write', 'denyoom'], 1, 1, 1, ['@write'], [], [range(1, 0)], []])!;
const XREAD = parseCommandInfo([
  'xread', -4, ['readonly', 'movablekeys'], 0, 0, 0, ['@read'], [],
  [['flags', [], 'begin_search', ['type', 'keyword', 'spec', ['keyword', 'STREAMS', 'startfrom', 1]], 'find_keys', ['type', 'range', 'spec', ['lastkey', -1, 'keystep', 1, 'limit', 2]]]],
  [],
])!;
const EVAL = parseCommandInfo([
  'eval', -3, ['noscript', 'movablekeys'], 0, 0, 0, ['@scripting'], [],
  [['flags', [], 'begin_search', ['type', 'index', 'spec', ['index', 2]], 'find_keys', ['type', 'keynum', 'spec', ['keynumidx', 0, 'firstkey', 1, 'keystep', 1]]]],
  [],
])!;
const MSET = parseCommandInfo(['mset', -3, ['write'], 1, -1, 2, ['@write'], [], [['flags', [], 'begin_search', ['type', 'index', 'spec', ['index', 1]], 'find_keys', ['type', 'range', 'spec', ['lastkey', -1, 'keystep', 2, 'limit', 0]]]], []])!;
const CONFIG = parseCommandInfo(['config', -2, [], 0, 0, 0, ['@slow'], [], [], [['config|set', -4, ['admin'], 0, 0, 0, ['@admin'], [], [], []]]])!;
const XINFO = parseCommandInfo(['xinfo', -2, [], 0, 0, 0, ['@slow'], [], [], [['xinfo|stream', -3, ['readonly'], 2, 2, 1, ['@read'], [], [range(2, 0)], []]]])!;
/** Redis 6: no key specs, the legacy triple only. */
const OLD_HSET = parseCommandInfo(['hset', -4, ['write'], 1, 1, 1])!;

describe('redactCommand', () => {
  it('keeps the name and the key, hides the value', () => {
    expect(redactCommand(['set', 'user:1', 'secret', 'EX', '10'], SET)).toEqual({ text: 'SET user:1 ? ? ?', name: 'set', keys: ['user:1'] });
    expect(redactCommand(['HSET', 'h', 'f', 'v'], OLD_HSET).text).toBe('HSET h ? ?');
  });

  it('finds keys after a keyword and counted keys, as Redis itself does', () => {
    expect(redactCommand(['XREAD', 'COUNT', '10', 'STREAMS', 'net:shard:1', 'net:shard:2', '0-0', '0-0'], XREAD).text).toBe('XREAD ? ? ? net:shard:1 net:shard:2 ? ?');
    expect(redactCommand(['EVAL', 'return redis.call("get", KEYS[1])', '2', 'a', 'b', 'argv1'], EVAL).text).toBe('EVAL ? ? a b ?');
    expect(redactCommand(['MSET', 'k1', 'v1', 'k2', 'v2'], MSET).text).toBe('MSET k1 ? k2 ?');
  });

  it('keeps a subcommand (from the server, or a verb-first command such as DEBUG) and its keys', () => {
    expect(redactCommand(['config', 'set', 'requirepass', 'p4ss'], CONFIG)).toEqual({ text: 'CONFIG SET ? ?', name: 'config|set', keys: [] });
    expect(redactCommand(['XINFO', 'STREAM', 'net:shard:3'], XINFO).text).toBe('XINFO STREAM net:shard:3');
    expect(redactCommand(['debug', 'sleep', '0.2'], undefined)).toEqual({ text: 'DEBUG SLEEP ?', name: 'debug|sleep', keys: [] });
  });

  it('hides everything it cannot place: unknown commands, AUTH, a value where a subcommand would be', () => {
    expect(redactCommand(['AUTH', 'user', 'pw'], undefined).text).toBe('AUTH ? ?');
    expect(redactCommand(['mymodule.cmd', 'a', 'b'], undefined).text).toBe('MYMODULE.CMD ? ?');
    expect(redactCommand(['config', 's3cret value'], undefined).text).toBe('CONFIG ?');
    // A server that lists CONFIG's subcommands decides: a word that is not one of them is a value.
    expect(redactCommand(['config', 'hunter', 'x'], CONFIG).text).toBe('CONFIG ? ?');
  });

  it('on a truncated slow-log entry keeps Redis\' marker and trusts no position counted from the end', () => {
    const argv = ['MSET', 'k1', 'v1', 'k2', 'v2', '... (30 more arguments)'];
    expect(redactCommand(argv, MSET).text).toBe('MSET ? ? ? ? ... (30 more arguments)');
    expect(redactCommand(['SET', 'k', 'v', '... (2 more arguments)'], SET).text).toBe('SET k ? ... (2 more arguments)');
  });

  it('quotes a key holding spaces', () => {
    expect(redactCommand(['SET', 'a key', 'v'], SET).text).toBe('SET "a key" ?');
  });
});

describe('slow log and client list parsing', () => {
  it('reads SLOWLOG GET entries with client address and name', () => {
    expect(parseSlowlog([[7, 1700000000, 51234, ['debug', 'sleep', '0.05'], '127.0.0.1:5000', 'worker']])).toEqual([
      { id: 7, at: 1700000000000, durationUs: 51234, argv: ['debug', 'sleep', '0.05'], clientAddress: '127.0.0.1:5000', clientName: 'worker' },
    ]);
  });

  it('summarises CLIENT LIST by name and host, longest idle and biggest output first', () => {
    const line = (id: number, name: string, addr: string, idle: number, omem: number) =>
      `id=${id} addr=${addr} laddr=127.0.0.1:6379 fd=8 name=${name} age=100 idle=${idle} flags=N db=0 omem=${omem} tot-mem=${omem + 1000} cmd=get user=default`;
    const text = [line(1, 'api', '10.0.0.1:5000', 5, 0), line(2, 'api', '10.0.0.1:5001', 90, 0), line(3, '', '10.0.0.2:7000', 1, 1 << 20), line(4, 'mesh-inspector:read', '127.0.0.1:9', 0, 0)].join('\n') + '\n';
    const s = summariseClients(text, (n) => n.startsWith('mesh-inspector:'));
    expect(s.total).toBe(4);
    expect(s.byName).toEqual([{ name: 'api', count: 2 }, { name: '(no name)', count: 1 }, { name: 'mesh-inspector:read', count: 1 }]);
    expect(s.byHost).toEqual([{ host: '10.0.0.1', count: 2 }, { host: '10.0.0.2', count: 1 }, { host: '127.0.0.1', count: 1 }]);
    expect(s.oldestIdle.map((c) => c.id)).toEqual(['2', '1', '3', '4']);
    expect(s.biggestOutput[0]).toMatchObject({ id: '3', outputBytes: 1 << 20, lastCommand: 'get' });
    expect(s.oldestIdle.find((c) => c.id === '4')?.ownApp).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_URL, helpText, parseCommandLine, type CommandSpec, type ParsedCommandLine } from '../../electron/cli/args';
import { toJson } from '../../electron/cli/output';
import { batchFormat, parseBatchFile } from '../../electron/cli/publish-input';
import { MeshError } from '../../shared/errors';

const commands: CommandSpec[] = [
  { name: 'shards', summary: 'list', usage: '', options: [] },
  {
    name: 'read',
    summary: 'read',
    usage: '',
    options: [
      { name: 'shard', kind: 'shard', required: true, description: '' },
      { name: 'after', kind: 'stream-id', description: '' },
      { name: 'limit', kind: 'count', min: 0, max: 10_000, description: '' },
    ],
  },
  { name: 'scan', summary: 'scan', usage: '', options: [{ name: 'shard', kind: 'shard', multi: true, description: '' }] },
  {
    name: 'publish',
    summary: 'publish',
    usage: '',
    options: [
      { name: 'shard', kind: 'shard', required: true, description: '' },
      { name: 'file', kind: 'string', required: true, description: '' },
      { name: 'nonce', kind: 'hex-nonce', description: '' },
      { name: 'sequence-start', kind: 'u64', description: '' },
      { name: 'max-len', kind: 'count', min: 1, description: '' },
    ],
  },
];

function parse(argv: string[], env: Record<string, string> = {}): ParsedCommandLine {
  return parseCommandLine(argv, env, commands);
}

function usage(argv: string[], env: Record<string, string> = {}): string {
  try {
    parse(argv, env);
  } catch (e) {
    expect(e).toBeInstanceOf(MeshError);
    expect((e as MeshError).kind).toBe('usage');
    return (e as MeshError).message;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('parseCommandLine: global options', () => {
  it('defaults: local Redis, prefix net, 1000 ms, human output', () => {
    const p = parse(['shards']);
    expect(p).toEqual({
      kind: 'run',
      command: 'shards',
      global: { url: DEFAULT_URL, prefix: 'net', timeoutMs: 1000, json: false, cluster: false, tls: {} },
      options: {},
    });
  });

  it('takes the URL from MESH_REDIS_URL unless --url is given', () => {
    expect(parse(['shards'], { MESH_REDIS_URL: 'redis://env:1' }).global.url).toBe('redis://env:1');
    expect(parse(['shards', '--url', 'redis://flag:2'], { MESH_REDIS_URL: 'redis://env:1' }).global.url).toBe('redis://flag:2');
    expect(parse(['shards'], { MESH_REDIS_URL: '' }).global.url).toBe(DEFAULT_URL);
  });

  it('accepts global options before or after the command, and --name=value', () => {
    const p = parse(['--prefix', 'app', 'shards', '--timeout-ms=250', '--json', '--url=redis://h:1/2']);
    expect(p.global).toMatchObject({ prefix: 'app', timeoutMs: 250, json: true, url: 'redis://h:1/2' });
  });

  it('maps the TLS options to file paths and the server name', () => {
    const p = parse(['shards', '--tls-ca', 'ca.pem', '--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--tls-servername', 'redis.local']);
    expect(p.global.tls).toEqual({ caFile: 'ca.pem', certFile: 'c.pem', keyFile: 'k.pem', servername: 'redis.local' });
  });

  it('parses the topology options: --cluster, or --sentinel with --master-name', () => {
    expect(parse(['shards', '--cluster']).global).toMatchObject({ cluster: true });
    expect(parse(['shards', '--sentinel', 'a:1,b:2', '--master-name', 'm']).global).toMatchObject({ cluster: false, sentinel: 'a:1,b:2', masterName: 'm' });
    expect(usage(['shards', '--sentinel', 'a:1'])).toMatch(/--sentinel needs --master-name/);
    expect(usage(['shards', '--master-name', 'm'])).toMatch(/--master-name needs --sentinel/);
    expect(usage(['shards', '--cluster', '--sentinel', 'a:1', '--master-name', 'm'])).toMatch(/--cluster and --sentinel/);
  });

  it('--help and --version win, with or without a command', () => {
    expect(parse(['--help']).kind).toBe('help');
    expect(parse(['-h']).kind).toBe('help');
    expect(parse(['read', '--help'])).toMatchObject({ kind: 'help', command: 'read' });
    expect(parse(['--version']).kind).toBe('version');
    // A required option missing does not matter when asking for help.
    expect(parse(['publish', '--help']).kind).toBe('help');
  });

  it('rejects a bad or out-of-range timeout naming --timeout-ms', () => {
    expect(usage(['shards', '--timeout-ms', 'soon'])).toMatch(/--timeout-ms must be a whole number/);
    expect(usage(['shards', '--timeout-ms', '0'])).toMatch(/--timeout-ms 0 is too small/);
    expect(usage(['shards', '--timeout-ms', '1.5'])).toMatch(/--timeout-ms/);
    expect(usage(['shards', '--timeout-ms', '99999999'])).toMatch(/--timeout-ms 99999999 is too large/);
  });

  it('rejects empty values and repeated single-valued options', () => {
    expect(usage(['shards', '--prefix', ''])).toMatch(/--prefix must not be empty/);
    expect(usage(['shards', '--url='])).toMatch(/--url must not be empty/);
    expect(usage(['shards', '--prefix', 'a', '--prefix', 'b'])).toMatch(/--prefix was given more than once/);
  });
});

describe('parseCommandLine: usage errors name the option', () => {
  it('an unknown option', () => {
    expect(usage(['shards', '--colour'])).toMatch(/unknown option --colour for "shards"/);
    expect(usage(['--colour', 'shards'])).toMatch(/unknown option --colour/);
    expect(usage(['shards', '-x'])).toMatch(/unknown option -x/);
    // A command's option belongs after it and only to it.
    expect(usage(['shards', '--shard', '1'])).toMatch(/unknown option --shard for "shards"/);
  });

  it('an unknown command, a missing command, an extra argument', () => {
    expect(usage(['list'])).toMatch(/unknown command "list"; commands: shards, read, scan, publish/);
    expect(usage([])).toMatch(/no command given/);
    expect(usage(['read', 'extra', '--shard', '1'])).toMatch(/unexpected argument "extra"/);
  });

  it('a URL given without --url is quoted in its display form, never with its password', () => {
    const m = usage(['shards', 'redis://app:hunter2@10.0.0.5:6379']);
    expect(m).toMatch(/unexpected argument "redis:\/\/\[REDACTED\]@10.0.0.5:6379"/);
    expect(m).not.toContain('hunter2');
    expect(usage(['redis://:hunter2@h'])).not.toContain('hunter2');
  });

  it('a missing value, including one swallowed by the next option', () => {
    expect(usage(['read', '--shard'])).toMatch(/--shard needs a value/);
    expect(usage(['read', '--shard', '--json'])).toMatch(/--shard needs a value/);
    expect(usage(['shards', '--url'])).toMatch(/--url needs a value/);
  });

  it('a flag given a value', () => {
    expect(usage(['shards', '--json=yes'])).toMatch(/--json takes no value/);
  });

  it('a missing required option', () => {
    expect(usage(['read'])).toMatch(/read needs --shard/);
    expect(usage(['publish', '--shard', '1'])).toMatch(/publish needs --file/);
  });

  it('a shard id that is not a canonical u16', () => {
    expect(usage(['read', '--shard', '65536'])).toMatch(/--shard: shard id "65536" is out of range 0\.\.65535/);
    expect(usage(['read', '--shard', '-1'])).toMatch(/--shard: shard id "-1" is not a decimal number/);
    expect(usage(['read', '--shard', '007'])).toMatch(/--shard: .*leading zeros/);
    expect(usage(['read', '--shard', 'x'])).toMatch(/--shard/);
    expect(parse(['read', '--shard', '65535'])).toMatchObject({ options: { shard: 65535 } });
  });

  it('a limit that is not a number or too large', () => {
    expect(usage(['read', '--shard', '1', '--limit', 'ten'])).toMatch(/--limit must be a whole number 0\.\.10000/);
    expect(usage(['read', '--shard', '1', '--limit', '10001'])).toMatch(/--limit 10001 is too large \(at most 10000\)/);
    expect(usage(['read', '--shard', '1', '--limit', '99999999999999999999999'])).toMatch(/--limit .* is too large/);
    expect(parse(['read', '--shard', '1', '--limit', '0'])).toMatchObject({ options: { shard: 1, limit: 0 } });
  });

  it('a cursor that is not a stream id', () => {
    expect(usage(['read', '--shard', '1', '--after', '123'])).toMatch(/--after must be a stream id <ms>-<seq>/);
    expect(usage(['read', '--shard', '1', '--after', '1-2-3'])).toMatch(/--after/);
    expect(usage(['read', '--shard', '1', '--after', '18446744073709551616-0'])).toMatch(/--after/);
    expect(parse(['read', '--shard', '1', '--after', '1700000000000-5'])).toMatchObject({ options: { after: '1700000000000-5' } });
  });

  it('a nonce that is not 1-16 hex digits or is 0', () => {
    const base = ['publish', '--shard', '1', '--file', 'f.ndjson'];
    expect(usage([...base, '--nonce', 'xyz'])).toMatch(/--nonce must be 1 to 16 hex digits/);
    expect(usage([...base, '--nonce', '0'])).toMatch(/--nonce must not be 0/);
    expect(usage([...base, '--nonce', '1'.repeat(17)])).toMatch(/--nonce/);
    expect(parse([...base, '--nonce', '0x5E1F'])).toMatchObject({ options: { nonce: 0x5e1fn } });
  });

  it('a sequence start that is not a u64; a max-len below 1', () => {
    const base = ['publish', '--shard', '1', '--file', 'f.ndjson'];
    expect(usage([...base, '--sequence-start', '-1'])).toMatch(/--sequence-start must be a whole number/);
    expect(usage([...base, '--sequence-start', '18446744073709551616'])).toMatch(/--sequence-start/);
    expect(parse([...base, '--sequence-start', '18446744073709551615'])).toMatchObject({ options: { 'sequence-start': 18446744073709551615n } });
    expect(usage([...base, '--max-len', '0'])).toMatch(/--max-len 0 is too small/);
  });

  it('repeatable --shard for scan collects every id; repeating a single-valued one is refused', () => {
    expect(parse(['scan', '--shard', '3', '--shard', '0'])).toMatchObject({ options: { shard: [3, 0] } });
    expect(usage(['read', '--shard', '1', '--shard', '2'])).toMatch(/--shard was given more than once/);
  });
});

describe('helpText', () => {
  it('lists every command, the global options and the exit codes; per command its options', () => {
    const all = helpText(commands);
    for (const c of commands) expect(all).toContain(c.name);
    expect(all).toMatch(/--timeout-ms/);
    expect(all).toMatch(/64 usage error/);
    const read = helpText(commands, 'read');
    expect(read).toMatch(/usage: mesh-inspector read/);
    expect(read).toMatch(/--after/);
  });
});

describe('parseBatchFile', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const usageOf = (name: string, text: string | Uint8Array): string => {
    try {
      parseBatchFile(name, typeof text === 'string' ? enc(text) : text);
    } catch (e) {
      expect((e as MeshError).kind).toBe('usage');
      return (e as MeshError).message;
    }
    throw new Error('expected a usage error');
  };

  it('chooses the format by extension and refuses others', () => {
    expect(batchFormat('a.NDJSON')).toBe('ndjson');
    expect(batchFormat('a.jsonl')).toBe('ndjson');
    expect(batchFormat('a.json')).toBe('json');
    expect(usageOf('a.txt', '{}')).toMatch(/must end in \.ndjson .* or \.json/);
  });

  it('ndjson: one event per non-blank line, text verbatim but for the line end and outer whitespace', () => {
    const text = '{"b": 2,  "a":1}\r\n\n   \n  [1, 2.50, 1e3]  \n12345678901234567890123\n"x\\u00e9"\nnull';
    expect(parseBatchFile('e.ndjson', enc(text))).toEqual(['{"b": 2,  "a":1}', '[1, 2.50, 1e3]', '12345678901234567890123', '"x\\u00e9"', 'null']);
  });

  it('ndjson: an invalid line is named by its number and nothing is returned', () => {
    expect(usageOf('e.ndjson', '{"ok":1}\n\n{"bad":}\n{"ok":2}\n')).toMatch(/^e\.ndjson line 3: not valid JSON/);
    expect(usageOf('e.ndjson', '{"a":1} {"b":2}\n')).toMatch(/line 1: not valid JSON/);
  });

  it('json: each element as compact JSON with numbers, escapes and key order kept byte for byte', () => {
    const text = '[\n  {"z": 1, "a" : [ 1.0 , 2e-3 ]},\n  12345678901234567890123,\n  "a b\\n\\"c\\"",\n  { "big": 18446744073709551616 },\n  null\n]\n';
    expect(parseBatchFile('e.json', enc(text))).toEqual([
      '{"z":1,"a":[1.0,2e-3]}',
      '12345678901234567890123',
      '"a b\\n\\"c\\""',
      '{"big":18446744073709551616}',
      'null',
    ]);
  });

  it('json: an invalid element is named by its index and position', () => {
    expect(usageOf('e.json', '[{"a":1},\n {"b":}]')).toMatch(/^e\.json element 2 \(line 2, column 2\): not valid JSON/);
    // Whitespace inside an element is checked in the original text: `1 2` is not `12`.
    expect(usageOf('e.json', '[1 2]')).toMatch(/element 1 .*not valid JSON/);
    expect(usageOf('e.json', '[1,]')).toMatch(/element 2 .*expected an event/);
    expect(usageOf('e.json', '{"a":1}')).toMatch(/must hold a JSON array of events/);
    expect(usageOf('e.json', '[1] 2')).toMatch(/unexpected text after the array/);
    expect(usageOf('e.json', '[1')).toMatch(/expected "," or "]" after element 1, found the end of the file/);
  });

  it('empty files, blank files and [] are empty batches', () => {
    expect(parseBatchFile('e.ndjson', enc(''))).toEqual([]);
    expect(parseBatchFile('e.ndjson', enc('\n  \n'))).toEqual([]);
    expect(parseBatchFile('e.json', enc(''))).toEqual([]);
    expect(parseBatchFile('e.json', enc(' [ ] '))).toEqual([]);
  });

  it('a UTF-8 byte order mark is dropped; invalid UTF-8 is refused with its byte offset', () => {
    expect(parseBatchFile('e.ndjson', enc('\uFEFF{"a":1}\n'))).toEqual(['{"a":1}']);
    expect(usageOf('e.ndjson', new Uint8Array([0x7b, 0x7d, 0x0a, 0xff]))).toMatch(/not valid UTF-8 \(byte 3\)/);
  });
});

describe('toJson', () => {
  it('writes bigints as exact JSON numbers and keeps field order', () => {
    expect(toJson({ b: 1, a: 18446744073709551615n, list: [1n, 'x'] })).toBe('{"b":1,"a":18446744073709551615,"list":[1,"x"]}');
  });
});

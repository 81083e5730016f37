import { describe, expect, it } from 'vitest';
import { escapeGlob, parseShardId, parseShardKey, prefixProblem, shardScanPattern, streamKey } from '../../shared/stream-key';

const escapeRe = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Redis glob matching (stringmatchlen) for what these tests need: \x escapes, *, ?, simple [..] classes. */
function redisGlobMatch(pattern: string, text: string): boolean {
  let re = '';
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k]!;
    if (c === '\\' && k + 1 < pattern.length) re += escapeRe(pattern[++k]!);
    else if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '[') {
      const end = pattern.indexOf(']', k + 1);
      re += '[' + pattern.slice(k + 1, end).replace(/\\/g, '\\\\') + ']';
      k = end;
    } else re += escapeRe(c);
  }
  return new RegExp('^' + re + '$').test(text);
}

describe('streamKey', () => {
  it('contract 3.1: renders myapp:shard:0 and myapp:shard:65535', () => {
    expect(streamKey('myapp', 0)).toBe('myapp:shard:0');
    expect(streamKey('myapp', 65535)).toBe('myapp:shard:65535');
  });

  it('contract 1.1: uses the default prefix net with plain decimal shard ids', () => {
    expect(streamKey('net', 3)).toBe('net:shard:3');
    expect(streamKey('net', 10)).toBe('net:shard:10');
  });

  it('keeps the prefix verbatim, glob characters and colons included', () => {
    expect(streamKey('a:b*[c]', 1)).toBe('a:b*[c]:shard:1');
    expect(streamKey('', 1)).toBe(':shard:1');
  });

  it.each([[-1], [65536], [1.5], [Number.NaN]])('throws RangeError for shard %s', (shard) => {
    expect(() => streamKey('net', shard)).toThrow(RangeError);
  });
});

describe('escapeGlob / shardScanPattern', () => {
  it('escapes * ? [ ] and backslash, leaving other characters alone', () => {
    expect(escapeGlob('a*b?c[d]e\\f^g-h:i')).toBe('a\\*b\\?c\\[d\\]e\\\\f^g-h:i');
    expect(escapeGlob('plain')).toBe('plain');
  });

  it('escapes each backslash exactly once (the same as escaping backslashes first)', () => {
    expect(escapeGlob('\\*')).toBe('\\\\\\*');
  });

  it('cli.md shards: the pattern is the escaped prefix + :shard:*', () => {
    expect(shardScanPattern('net')).toBe('net:shard:*');
    expect(shardScanPattern('my*app')).toBe('my\\*app:shard:*');
  });

  it('the pattern matches its own prefix literally and nothing a bare glob would over-match', () => {
    const prefix = 'te[st]*?\\x';
    const pattern = shardScanPattern(prefix);
    expect(redisGlobMatch(pattern, streamKey(prefix, 7))).toBe(true);
    expect(redisGlobMatch(pattern, 'tes*?\\x:shard:7')).toBe(false);
    expect(redisGlobMatch(pattern, 'te[st]XY\\x:shard:7')).toBe(false);
    // Control: the unescaped prefix really would over-match.
    expect(redisGlobMatch(prefix + ':shard:*', 'tes*?\\x:shard:7')).toBe(true);
    expect(redisGlobMatch(shardScanPattern('net'), 'net:shard:12')).toBe(true);
    expect(redisGlobMatch(shardScanPattern('net'), 'netx:shard:12')).toBe(false);
  });
});

describe('parseShardKey', () => {
  it('cli.md shards: accepts {prefix}:shard:{n} for canonical u16 n', () => {
    expect(parseShardKey('net', 'net:shard:0')).toEqual({ shard: 0 });
    expect(parseShardKey('net', 'net:shard:65535')).toEqual({ shard: 65535 });
    expect(parseShardKey('my*app', 'my*app:shard:12')).toEqual({ shard: 12 });
  });

  it('works with a prefix that itself contains :shard:', () => {
    expect(parseShardKey('a:shard:1', 'a:shard:1:shard:2')).toEqual({ shard: 2 });
    expect(parseShardKey('a', 'a:shard:1:shard:2')).toEqual({ reason: 'shard id "1:shard:2" is not a decimal number' });
  });

  it.each([
    ['net:shard:007', 'shard id "007" is not canonical (leading zeros)'],
    ['net:shard:00', 'shard id "00" is not canonical (leading zeros)'],
    ['net:shard:70000', 'shard id "70000" is out of range 0..65535'],
    ['net:shard:65536', 'shard id "65536" is out of range 0..65535'],
    ['net:shard:99999999999999999999', 'shard id "99999999999999999999" is out of range 0..65535'],
    ['net:shard:-1', 'shard id "-1" is not a decimal number'],
    ['net:shard:+1', 'shard id "+1" is not a decimal number'],
    ['net:shard:1.0', 'shard id "1.0" is not a decimal number'],
    ['net:shard: 1', 'shard id " 1" is not a decimal number'],
    ['net:shard:abc', 'shard id "abc" is not a decimal number'],
    ['net:shard:', 'shard id is empty'],
    ['net:shard:1:x', 'shard id "1:x" is not a decimal number'],
  ])('cli.md shards: skips %j with a reason', (key, reason) => {
    expect(parseShardKey('net', key)).toEqual({ reason });
  });

  it('names keys outside the prefix and keys that are not shard keys', () => {
    expect(parseShardKey('net', 'other:shard:1')).toEqual({ reason: 'not under prefix "net"' });
    expect(parseShardKey('net', 'netx:shard:1')).toEqual({ reason: 'not under prefix "net"' });
    expect(parseShardKey('net', 'net:cursor')).toEqual({ reason: 'not a shard key (expected "net:shard:<n>")' });
  });
});

describe('parseShardId', () => {
  it('accepts canonical ids and ignores surrounding whitespace', () => {
    expect(parseShardId('0')).toBe(0);
    expect(parseShardId('65535')).toBe(65535);
    expect(parseShardId(' 12 ')).toBe(12);
  });

  it.each([
    ['', 'shard id is empty'],
    ['007', 'shard id "007" is not canonical (leading zeros)'],
    ['65536', 'shard id "65536" is out of range 0..65535'],
    ['-1', 'shard id "-1" is not a decimal number'],
    ['1e3', 'shard id "1e3" is not a decimal number'],
    ['three', 'shard id "three" is not a decimal number'],
  ])('rejects %j', (text, reason) => {
    expect(parseShardId(text)).toEqual({ reason });
  });
});

describe('prefixProblem', () => {
  it('accepts any prefix without control characters, glob and non-ASCII characters included', () => {
    for (const p of ['net', 'te[st]*?\\x', 'bus:eu-1', 'événements', 'a b']) expect(prefixProblem(p)).toBeNull();
  });

  it('refuses C0, DEL and C1 controls, naming the first and where it is', () => {
    expect(prefixProblem('net\u001b[2J')).toBe('a prefix cannot contain control characters (found \\x1b at position 4)');
    expect(prefixProblem('a\nb')).toMatch(/\\x0a at position 2/);
    expect(prefixProblem('\u007f')).toMatch(/\\x7f at position 1/);
    expect(prefixProblem('x\u009b')).toMatch(/\\x9b at position 2/);
  });
});

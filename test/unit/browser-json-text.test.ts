import { describe, expect, it } from 'vitest';
import {
  decodeString,
  evaluatePath,
  matchesPathEquals,
  membersOf,
  parseJsonPath,
  parseLiteral,
  parsePathEquals,
  prettyPrint,
  rootSpan,
  skipValue,
} from '../../shared/json-text';

describe('json-text: walking JSON as source text', () => {
  it('skips values of every kind, escaped quotes included', () => {
    const t = '{"a":"x\\"}y","b":[1,{"c":null}],"d":-1.5e3}';
    expect(skipValue(t, 0)).toBe(t.length);
    expect(skipValue(' "\\\\" ', 0)).toBe(5);
    expect(skipValue('18446744073709551615,', 0)).toBe(20);
    expect(skipValue('{"open":', 0)).toBe(-1);
  });

  it('lists members with their spans, in bounded pages', () => {
    const t = '{"a": 1, "b" : "two", "c":[true,false]}';
    const page = membersOf(t, 0, 2);
    expect(page.members.map((m) => [m.keyRaw, m.kind, t.slice(m.start, m.end)])).toEqual([
      ['"a"', 'number', '1'],
      ['"b"', 'string', '"two"'],
    ]);
    const rest = membersOf(t, 0, 10, page.next, page.nextIndex);
    expect(rest.members.map((m) => [m.index, t.slice(m.start, m.end)])).toEqual([[2, '[true,false]']]);
    expect(rest.next).toBe(-1);
    expect(membersOf('[]', 0).members).toEqual([]);
  });

  it('does not recurse: a 100,000-deep array is walked without a stack overflow', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(rootSpan(deep)).toEqual({ kind: 'array', start: 0, end: deep.length });
    expect(prettyPrint(deep, 0, 50).truncated).toBe(true);
  });

  it('pretty-prints with every literal kept as its source text', () => {
    const t = '{"big":18446744073709551615,"amount":12.50,"s":"a\\u0041","e":{},"l":[]}';
    expect(prettyPrint(t).text).toBe(
      '{\n  "big": 18446744073709551615,\n  "amount": 12.50,\n  "s": "a\\u0041",\n  "e": {},\n  "l": []\n}',
    );
    expect(prettyPrint('not json').text).toBe('not json');
  });

  it('decodes string literals', () => {
    expect(decodeString('"plain"')).toBe('plain');
    expect(decodeString('"a\\u0041\\n"')).toBe('aA\n');
  });
});

describe('json-text: JSON-path equals', () => {
  it('parses dotted, bracketed and indexed steps', () => {
    expect(parseJsonPath('$.order.items[2]["unit price"]')).toEqual([{ key: 'order' }, { key: 'items' }, { index: 2 }, { key: 'unit price' }]);
    expect(parseJsonPath('$')).toEqual([]);
    expect(() => parseJsonPath('order.id')).toThrow(/starts with \$/);
  });

  it('finds values and compares literals exactly', () => {
    const t = '{"order":{"id":"123","n":123,"big":18446744073709551615,"price":12.50,"ok":true,"items":[{"sku":"a"},{"sku":"b"}]}}';
    expect(evaluatePath(t, parseJsonPath('$.order.items[1].sku'))).toMatchObject({ kind: 'string' });
    expect(matchesPathEquals(t, parsePathEquals('$.order.id == "123"'))).toBe(true);
    expect(matchesPathEquals(t, parsePathEquals('$.order.id == 123'))).toBe(false);
    expect(matchesPathEquals(t, parsePathEquals('$.order.n == 123'))).toBe(true);
    expect(matchesPathEquals(t, parsePathEquals('$.order.big == 18446744073709551615'))).toBe(true);
    expect(matchesPathEquals(t, parsePathEquals('$.order.big == 18446744073709551616'))).toBe(false);
    expect(matchesPathEquals(t, parsePathEquals('$.order.price == 12.5'))).toBe(false);
    expect(matchesPathEquals(t, parsePathEquals('$.order.ok == true'))).toBe(true);
    expect(matchesPathEquals(t, parsePathEquals('$.order.items[1].sku == b'))).toBe(true);
    expect(matchesPathEquals(t, parsePathEquals('$.order.missing == 1'))).toBe(false);
  });

  it('reads bare words as strings', () => {
    expect(parseLiteral('ok')).toEqual({ kind: 'string', raw: '"ok"', value: 'ok' });
    expect(parseLiteral(' 007 ')).toMatchObject({ kind: 'string', value: '007' });
    expect(parseLiteral('-0.5')).toEqual({ kind: 'number', raw: '-0.5' });
  });
});

/**
 * The publisher's source parser (renderer) uses cli.md `publish`'s definitions: it must embed
 * exactly what the command line's `parseBatchFile` embeds, reject what it rejects, point at the
 * line and column of the first problem, and expand templates per event of the final batch.
 */
import { describe, expect, it } from 'vitest';
import { expandEvents, parseSource, type ExpandContext } from '../../renderer/src/models/batch-source';
import { parseBatchFile } from '../../electron/cli/publish-input';

const fixed: ExpandContext = { now: () => 1700000000123, uuid: () => '00000000-0000-4000-8000-000000000000', random: () => 0.5 };

function events(text: string, format: 'json' | 'ndjson', copies = 1): string[] {
  const r = parseSource(text, format);
  if (!r.ok) throw new Error(`${r.problem.line}:${r.problem.column} ${r.problem.message}`);
  return expandEvents(r.events, copies, fixed);
}

function problem(text: string, format: 'json' | 'ndjson') {
  const r = parseSource(text, format);
  if (r.ok) throw new Error('expected a problem');
  return r.problem;
}

const cli = (text: string, format: 'json' | 'ndjson') => parseBatchFile(format === 'json' ? 'b.json' : 'b.ndjson', new TextEncoder().encode(text));

describe('same events as the command line', () => {
  const jsonCases = [
    '[]',
    '  [ ]  ',
    '[{"a": 1, "b" : [1, 2 ,3]}]',
    '[\n  {"k": "with  spaces\\t and \\"quotes\\""},\n  18446744073709551615,\n  1.0,\n  1e3,\n  -0.5E-2,\n  null, true, false, "x"\n]',
    '[{"z":1,"a":2}, {"nested": {"deep": [[[{}]]]}}]',
    '[{"emoji": "🚀", "esc": "\\u00e9\\ud83d\\ude80"}]',
    '[\r\n{"crlf": 1}\r\n]',
  ];
  for (const text of jsonCases) {
    it(`json: ${JSON.stringify(text).slice(0, 60)}`, () => {
      expect(events(text, 'json')).toEqual(cli(text, 'json'));
    });
  }
  const ndCases = ['{"a": 1}\n{"b" :2}\n', '\n\n  {"a":1}  \n\t\n[1, 2]\r\n"s"\n42', '', '   \n  '];
  for (const text of ndCases) {
    it(`ndjson: ${JSON.stringify(text).slice(0, 60)}`, () => {
      expect(events(text, 'ndjson')).toEqual(cli(text, 'ndjson'));
    });
  }

  const bad: Array<[string, 'json' | 'ndjson']> = [
    ['[{"a":1},]', 'json'],
    ['[{"a":}]', 'json'],
    ['{"a":1}', 'json'],
    ['[01]', 'json'],
    ['[1.]', 'json'],
    ["[{'a':1}]", 'json'],
    ['[{"a":1}] x', 'json'],
    ['[{"a":"\\x"}]', 'json'],
    ['{"a":1} {"b":2}', 'ndjson'],
    ['{"a":1', 'ndjson'],
    ['[1,2', 'json'],
    ['[tru]', 'json'],
  ];
  for (const [text, format] of bad) {
    it(`rejects like the command line: ${text}`, () => {
      expect(() => cli(text, format)).toThrow();
      expect(parseSource(text, format).ok).toBe(false);
    });
  }
});

describe('positions', () => {
  it('names the line and column of a missing value', () => {
    const p = problem('[\n  {"a": 1},\n  {"b": }\n]', 'json');
    expect([p.line, p.column]).toEqual([3, 9]);
    expect(p.message).toContain('expected a value');
  });

  it('names the line in NDJSON', () => {
    const p = problem('{"a":1}\n{"b":2}\n{"c":3,}\n', 'ndjson');
    expect(p.line).toBe(3);
    expect(p.message).toContain('trailing comma');
  });

  it('points at an unclosed string at the end of its line', () => {
    const p = problem('[{"a": "open\n}]', 'json');
    expect(p.line).toBe(1);
    expect(p.message).toContain('not closed');
  });

  it('says why a trailing comma fails', () => {
    expect(problem('[1, 2,\n]', 'json').message).toContain('trailing comma');
  });
});

describe('templates', () => {
  it('expands per event of the whole batch, copies included', () => {
    const text = '[{"i": {{i}}, "id": "ev-{{i}}"}, {"j": {{i}}}]';
    expect(events(text, 'json', 2)).toEqual(['{"i":0,"id":"ev-0"}', '{"j":1}', '{"i":2,"id":"ev-2"}', '{"j":3}']);
  });

  it('expands now, uuid and rand', () => {
    expect(events('{"at": {{now}}, "u": "{{uuid}}", "r": {{rand:10..20}}}', 'ndjson')).toEqual([
      '{"at": 1700000000123, "u": "00000000-0000-4000-8000-000000000000", "r": 15}',
    ]);
  });

  it('refuses an unquoted uuid and unknown templates outside strings, at their position', () => {
    const p = problem('[{"u": {{uuid}}}]', 'json');
    expect(p.column).toBe(8);
    expect(p.message).toContain('inside a string');
    expect(problem('[{{nope}}]', 'json').message).toContain('unknown template');
    expect(problem('[{{rand:5..1}}]', 'json').message).toContain('lower bound');
  });

  it('keeps unknown {{...}} text inside strings as written', () => {
    expect(events('["{{name}} {{i}}"]', 'json')).toEqual(['"{{name}} 0"']);
  });

  it('gives valid JSON after expansion', () => {
    for (const e of events('[{"a": {{rand:-5..5}}, "b": [{{i}}, {{now}}]}]', 'json', 3)) expect(() => JSON.parse(e)).not.toThrow();
  });
});

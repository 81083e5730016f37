import { describe, expect, it } from 'vitest';
import { formatDelta, formatMicros, formatSeconds, infoRows, panelProblem } from '../../renderer/src/models/incident-model';
import { factLines, factsTooltip } from '../../renderer/src/models/stream-facts-model';
import type { StreamFacts } from '../../shared/contract';

describe('raw INFO search and diff', () => {
  const prev = { used_memory: '1000', role: 'master', gone: 'x', redis_version: '7.0.15' };
  const cur = { used_memory: '1500', role: 'master', added: 'y', redis_version: '7.0.15', mem_fragmentation_ratio: '1.5' };

  it('lists every field sorted, with what changed since the previous read and by how much', () => {
    const rows = infoRows(cur, prev);
    expect(rows.map((r) => [r.key, r.change])).toEqual([
      ['added', 'added'],
      ['gone', 'removed'],
      ['mem_fragmentation_ratio', 'added'],
      ['redis_version', 'same'],
      ['role', 'same'],
      ['used_memory', 'changed'],
    ]);
    expect(rows.find((r) => r.key === 'used_memory')).toMatchObject({ value: '1500', previous: '1000', delta: 500 });
  });

  it('filters by a case-insensitive substring of the name or the value, and to the changes only', () => {
    expect(infoRows(cur, prev, 'MEM').map((r) => r.key)).toEqual(['mem_fragmentation_ratio', 'used_memory']);
    expect(infoRows(cur, prev, 'master').map((r) => r.key)).toEqual(['role']);
    expect(infoRows(cur, prev, '', true).map((r) => r.key)).toEqual(['added', 'gone', 'mem_fragmentation_ratio', 'used_memory']);
    // Without a previous read nothing is "changed".
    expect(infoRows(cur, null, '', true)).toEqual([]);
  });

  it('formats deltas, durations and idle times for people', () => {
    expect([formatDelta(1024), formatDelta(-3), formatDelta(0.25)]).toEqual(['+1,024', '−3', '+0.25']);
    expect([formatMicros(850), formatMicros(51_234), formatMicros(1_520_000)]).toEqual(['850 µs', '51.2 ms', '1.52 s']);
    expect([formatSeconds(45), formatSeconds(720), formatSeconds(11_100), formatSeconds(187_200)]).toEqual(['45 s', '12 min', '3 h 5 min', '2 d 4 h']);
  });

  it('says in one line why a panel is empty', () => {
    expect(panelProblem({ status: 'not-permitted', command: 'SLOWLOG GET', reason: 'NOPERM this user has no permissions to run the \'slowlog\' command' })).toEqual({
      tone: 'muted',
      text: 'SLOWLOG GET is not permitted for this user',
      detail: "NOPERM this user has no permissions to run the 'slowlog' command",
    });
    expect(panelProblem({ status: 'ok', data: [] })).toBeNull();
  });
});

describe('stream facts in words', () => {
  const facts: StreamFacts = {
    shard: 3, key: 'net:shard:3', at: 1, length: 35, entriesAdded: 50, removed: 15, lastGeneratedId: '9-9', recordedFirstEntryId: '2-0',
    maxDeletedEntryId: '5-3', firstEntryId: '2-0', lastEntryId: '9-9', memoryBytes: 4728, memorySamples: 5, groupCount: 1,
    groups: [{ name: 'billing', consumers: 1, pending: 3, lastDeliveredId: '3-0', entriesRead: null, lag: null }],
  };

  it('gives the same lines to the shard detail and the sidebar tooltip', () => {
    expect(factLines(facts).map((l) => [l.id, l.value])).toEqual([
      ['added', '50'], ['present', '35'], ['removed', '15'], ['last-generated', '9-9'], ['first-recorded', '2-0'], ['max-deleted', '5-3'], ['memory', '4.6 KiB'], ['groups', 'billing (3 pending)'],
    ]);
    expect(factsTooltip(facts).split('\n')[2]).toBe('Removed: 15');
  });

  it('says what an older server or a refusal leaves out', () => {
    const old = factLines({ ...facts, entriesAdded: null, removed: null, maxDeletedEntryId: null, recordedFirstEntryId: null, memoryBytes: null, memoryError: { kind: 'fatal', code: 'NOPERM', message: 'NOPERM no memory' }, groupCount: 0, groups: [] });
    expect(old.find((l) => l.id === 'removed')).toMatchObject({ value: '—', hint: 'Redis 7.0 and later keep this' });
    expect(old.find((l) => l.id === 'memory')).toMatchObject({ value: 'not permitted', hint: 'NOPERM no memory' });
    expect(old.find((l) => l.id === 'groups')?.value).toBe('none');
    expect(factLines({ ...facts, maxDeletedEntryId: '0-0' }).find((l) => l.id === 'max-deleted')?.value).toBe('none deleted');
  });
});

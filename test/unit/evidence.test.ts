/**
 * Issue 13's pure parts: the evidence collector and the one shaper that writes it (the CLI's
 * `scan --json --details` and the analysis export), the exports' bytes, the incident note, the
 * Find query parser and labels, and the jump box's parser with dedup_ids.
 */
import { describe, expect, it } from 'vitest';
import { parseJumpTarget } from '../../renderer/src/lib/jump-target';
import { evidenceCsv, reportCsv, reportJsonText } from '../../renderer/src/features/analysis/report-export';
import type { AnalysisReport } from '../../shared/contract';
import { EvidenceCollector, MAX_ANOMALIES_PER_SHARD, misroutedReason } from '../../shared/evidence';
import { labelHits, matchesFindQuery, parseFindQuery, type FindHit } from '../../shared/find';
import { findIncidentNote, reportIncidentNote } from '../../shared/incident-note';
import { scanDocument, scanDocumentText, withTrailingField } from '../../shared/scan-document';
import type { MeshEntry, ShardAnalysis } from '../../shared/types';

const ok = (id: string, s: number, dedupId?: string): MeshEntry => ({ id, status: 'ok', s, t: '1', r: '{}', ...(dedupId ? { dedupId } : {}) });
const bad = (id: string, reason: string, dedupId?: string): MeshEntry => ({ id, status: 'corrupt', reason, ...(dedupId ? { dedupId } : {}) });

describe('EvidenceCollector', () => {
  it('lists corrupt, collision, duplicate and misrouted records in that order, each by first stream id', () => {
    const c = new EvidenceCollector(2, [
      { dedupId: 'ab:2:9:0', count: 2, kind: 'retry' },
      { dedupId: 'ab:2:1:0', count: 3, kind: 'collision' },
    ]);
    c.add(ok('1-0', 2, 'ab:2:9:0'));
    c.add(bad('2-0', 'd is not valid JSON', 'ab:2:5:0'));
    c.add(ok('3-0', 2, 'ab:2:1:0'));
    c.add(ok('4-0', 7, 'ab:7:0:0'));
    c.add(ok('5-0', 2, 'ab:2:1:0'));
    c.add(ok('6-0', 2, 'ab:2:9:0'));
    c.add(bad('7-0', 'entry has no d field'));
    const { anomalies, omitted } = c.finish();
    expect(omitted).toBe(0);
    expect(anomalies.map((a) => [a.kind, a.ids, a.dedupId])).toEqual([
      ['corrupt', ['2-0'], 'ab:2:5:0'],
      ['corrupt', ['7-0'], undefined],
      ['collision', ['3-0', '5-0'], 'ab:2:1:0'],
      ['duplicate', ['1-0', '6-0'], 'ab:2:9:0'],
      ['misrouted', ['4-0'], 'ab:7:0:0'],
    ]);
    // A copy removed between the count and the listing is said.
    expect(anomalies[2]!.reason).toContain('3 entries carry this dedup_id with different payloads (1 removed since the count)');
  });

  it('caps the listing per shard and counts the rest', () => {
    const c = new EvidenceCollector(0, []);
    for (let i = 0; i < MAX_ANOMALIES_PER_SHARD + 5; i++) c.add(bad(`${i + 1}-0`, 'x'));
    const { anomalies, omitted } = c.finish();
    expect(anomalies).toHaveLength(MAX_ANOMALIES_PER_SHARD);
    expect(omitted).toBe(5);
  });

  it('says why an entry is misrouted, by the same rule as the count', () => {
    expect(misroutedReason(3, ok('1-0', 3, 'ab:3:0:0'))).toBeNull();
    expect(misroutedReason(3, ok('1-0', 7, 'ab:3:0:0'))).toContain('payload says shard 7');
    expect(misroutedReason(3, ok('1-0', 7, 'ab:7:0:0'))).toContain('payload says shard 7 ("s":7) and its dedup_id names shard 7');
    expect(misroutedReason(3, bad('1-0', 'x', 'ab:9:0:0'))).toContain('dedup_id names shard 9');
    // A dedup_id that does not parse names no shard.
    expect(misroutedReason(3, ok('1-0', 3, 'not-an-id'))).toBeNull();
  });
});

const SHARD: ShardAnalysis = {
  shard: 1,
  key: 'net:shard:1',
  entries: 9,
  ok: 8,
  corrupt: 1,
  duplicateGroups: 1,
  duplicateEntries: 1,
  collisionGroups: 0,
  gaps: [{ nonce: 'ab', from: 3, to: 4, cause: 'lost', reason: 'never written' }],
  misrouted: 0,
  headGaps: [],
  anomalies: [
    { reason: 'bad json', ids: ['5-0'], kind: 'corrupt' },
    { kind: 'duplicate', dedupId: 'ab:1:0:0', ids: ['1-0', '7-0'], reason: '2 entries' },
  ],
};

describe('the scan document with evidence (one shaper)', () => {
  it('writes anomalies after the documented fields, each as kind, ids, dedupId, reason', () => {
    const text = scanDocumentText(scanDocument('net', [SHARD], []));
    expect(text).toBe(
      '{"prefix":"net","shards":[{"shard":1,"key":"net:shard:1","entries":9,"ok":8,"corrupt":1,"duplicateGroups":1,"duplicateEntries":1,"collisionGroups":0,' +
        '"gaps":[{"nonce":"ab","from":3,"to":4,"cause":"lost","reason":"never written"}],"misrouted":0,"headGaps":[],' +
        '"anomalies":[{"kind":"corrupt","ids":["5-0"],"reason":"bad json"},{"kind":"duplicate","ids":["1-0","7-0"],"dedupId":"ab:1:0:0","reason":"2 entries"}]}],"skipped":[]}\n',
    );
    // Without evidence the document is what it always was.
    const { anomalies: _a, ...plain } = SHARD;
    expect(scanDocumentText(scanDocument('net', [plain], []))).not.toContain('anomalies');
    expect(JSON.stringify(scanDocument('net', [{ ...SHARD, anomaliesOmitted: 3 }], []))).toContain('"anomaliesOmitted":3}');
  });

  it('appends a last field without touching a byte before it', () => {
    const text = scanDocumentText(scanDocument('net', [SHARD], []));
    const more = withTrailingField(text, 'provenance', { a: 1 });
    expect(more.startsWith(text.slice(0, -2))).toBe(true);
    expect(more.endsWith(',"provenance":{"a":1}}\n')).toBe(true);
    expect(JSON.parse(more)).toMatchObject({ prefix: 'net', provenance: { a: 1 } });
  });
});

const REPORT: AnalysisReport = {
  jobId: 'j',
  state: 'done',
  provenance: { server: 'redis://127.0.0.1:6379', prefix: 'net', shards: [1], startedAt: 0, finishedAt: 1000, appVersion: '1.2.3' },
  shards: [SHARD],
  skipped: [],
};

describe('analysis exports', () => {
  it('JSON: the scan --json --details bytes, then provenance', () => {
    const text = reportJsonText(REPORT);
    const cut = text.lastIndexOf(',"provenance":');
    expect(`${text.slice(0, cut)}}\n`).toBe(scanDocumentText(scanDocument('net', REPORT.shards, [])));
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['prefix', 'shards', 'skipped', 'provenance']);
  });

  it('CSV: gapRanges holds the ranges and gaps their count (they were swapped)', () => {
    const [head, row] = reportCsv(REPORT).split('\r\n').map((l) => l.split(','));
    expect(row![head!.indexOf('gapRanges')]).toBe('ab:3-4');
    expect(row![head!.indexOf('gaps')]).toBe('1');
    expect(row![head!.indexOf('missingOrdinals')]).toBe('2');
  });

  it('evidence CSV: one row per anomaly and per gap', () => {
    const lines = evidenceCsv(REPORT).trimEnd().split('\r\n');
    expect(lines[0]).toBe('shard,key,kind,streamIds,dedupId,reason,server,prefix,finishedAt');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 5).join(','))).toEqual(['1,net:shard:1,corrupt,5-0,', '1,net:shard:1,duplicate,1-0 7-0,ab:1:0:0', '1,net:shard:1,gap:lost,,']);
  });

  it('incident note: every anomaly with its ids, in Markdown that cannot break out of its spans', () => {
    const note = reportIncidentNote({ server: 'redis://h:1', prefix: 'net', at: '2026-01-01T00:00:00.000Z', tool: 't' }, [
      { ...SHARD, anomalies: [...SHARD.anomalies!, { kind: 'corrupt', ids: ['9-0'], dedupId: 'a`b', reason: 'line\nbreak <script>' }] },
    ]);
    expect(note).toContain('| 1 | 9 | 1 | 1 | 0 | 1 | 0 |');
    expect(note).toContain('- shard 1: `1-0`, `7-0` dedup_id `ab:1:0:0`: 2 entries');
    expect(note).toContain('dedup_id `` a`b ``: line break &lt;script>');
    expect(note).toContain('nonce `ab`, ordinals 3-4 (2): lost. never written');
    const clean = reportIncidentNote({ server: 's', prefix: 'p', at: 'now', tool: 't' }, [{ ...SHARD, corrupt: 0, duplicateGroups: 0, gaps: [], anomalies: [] }]);
    expect(clean).toContain('Nothing wrong in 1 shard(s).');
  });
});

describe('find queries', () => {
  it('reads stream ids, whole dedup_ids and prefixes at part boundaries', () => {
    expect(parseFindQuery(' 1700000000000-3 ')).toEqual({ kind: 'stream-id', text: '1700000000000-3', id: '1700000000000-3' });
    expect(parseFindQuery('9f3a12c4d5e6f708:0:250:7')).toEqual({ kind: 'dedup-id', text: '9f3a12c4d5e6f708:0:250:7', dedupId: '9f3a12c4d5e6f708:0:250:7', home: 0 });
    expect(parseFindQuery('9f3a12c4d5e6f708')).toMatchObject({ kind: 'dedup-prefix', prefix: '9f3a12c4d5e6f708', home: null });
    expect(parseFindQuery('9f3a:12:')).toMatchObject({ kind: 'dedup-prefix', prefix: '9f3a:12', home: 12 });
    expect(parseFindQuery('9f3a:12:250')).toMatchObject({ kind: 'dedup-prefix', prefix: '9f3a:12:250', home: 12 });
  });

  it('names what is wrong', () => {
    expect(parseFindQuery('')).toHaveProperty('error');
    expect((parseFindQuery('9F3A:0:1:0') as { error: string }).error).toContain('try 9f3a:0:1:0');
    expect(parseFindQuery('0ab:0:1:0')).toHaveProperty('error');
    expect(parseFindQuery('ab:65536:1:0')).toHaveProperty('error');
    expect(parseFindQuery('ab:01:1:0')).toHaveProperty('error');
    expect(parseFindQuery('ab:1:1:0:9')).toHaveProperty('error');
    expect(parseFindQuery('18446744073709551616-0')).toHaveProperty('error');
  });

  it('matches prefixes only at a colon', () => {
    const q = parseFindQuery('ab:1') as Exclude<ReturnType<typeof parseFindQuery>, { error: string }>;
    expect(matchesFindQuery(q, 'ab:1:0:0')).toBe(true);
    expect(matchesFindQuery(q, 'ab:12:0:0')).toBe(false);
    expect(matchesFindQuery(q, 'ab:1')).toBe(false);
    expect(matchesFindQuery(q, undefined)).toBe(false);
  });

  it('labels hits by what the whole result says', () => {
    const h = (shard: number, id: string, more: Partial<FindHit> = {}): FindHit => ({ shard, id, status: 'ok', misrouted: false, dedupId: 'ab:1:0:0', digest: 'x', ...more });
    expect(labelHits([h(1, '1-0'), h(1, '2-0'), h(4, '1-0', { misrouted: true })])).toEqual([['duplicate'], ['duplicate'], ['misrouted', 'duplicate']]);
    expect(labelHits([h(1, '1-0'), h(1, '2-0', { digest: 'y' })])).toEqual([['collision'], ['collision']]);
    expect(labelHits([h(1, '1-0', { status: 'corrupt', dedupId: 'zz:1:0:0' }), h(2, '1-0', { dedupId: undefined })])).toEqual([['corrupt'], ['entry']]);
    const note = findIncidentNote({ server: 's', prefix: 'p', at: 'now', tool: 't' }, 'ab:1:0:0', [h(1, '1-0', { position: 4 })], [['entry']]);
    expect(note).toContain('| 1 | `1-0` | 4 | `ab:1:0:0` | entry |  |');
  });
});

describe('jump box with dedup_ids (issue 13)', () => {
  it('takes a dedup_id where it used to say "Not a stream id"', () => {
    expect(parseJumpTarget('9f3a12c4d5e6f708:0:250:7')).toEqual({ kind: 'dedup', dedupId: '9f3a12c4d5e6f708:0:250:7' });
    expect((parseJumpTarget('9F3A:0:250:7') as { error: string }).error).toContain('lowercase');
    // Clocks still read as times.
    expect(parseJumpTarget('19:25', new Date(2024, 0, 1))).toEqual({ kind: 'time', ms: new Date(2024, 0, 1, 19, 25).getTime() });
  });

  it('the merged view takes ids and times only', () => {
    const opts = { positions: false, dedupIds: false };
    expect(parseJumpTarget('#5', new Date(), opts)).toHaveProperty('error');
    expect(parseJumpTarget('ab:0:1:0', new Date(), opts)).toHaveProperty('error');
    expect(parseJumpTarget('1700000000000-1', new Date(), opts)).toEqual({ kind: 'id', id: '1700000000000-1' });
  });
});

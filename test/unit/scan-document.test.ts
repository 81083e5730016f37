import { describe, expect, it } from 'vitest';
import { scanDocument } from '../../shared/scan-document';
import type { ShardAnalysis } from '../../shared/types';

describe('scanDocument', () => {
  it('writes cli.md scan fields in the documented order and drops anything else', () => {
    const shard = {
      misrouted: 1,
      gaps: [{ to: 9, from: 5, nonce: 'ab', extra: true }],
      collisionGroups: 2,
      duplicateEntries: 4,
      duplicateGroups: 2,
      corrupt: 3,
      ok: 7,
      entries: 10,
      key: 'net:shard:0',
      shard: 0,
      internal: 'not documented',
    } as unknown as ShardAnalysis;
    const doc = scanDocument('net', [shard], [{ key: 'net:shard:x', reason: 'not a shard id', note: 1 } as never]);
    expect(JSON.stringify(doc)).toBe(
      '{"prefix":"net","shards":[{"shard":0,"key":"net:shard:0","entries":10,"ok":7,"corrupt":3,"duplicateGroups":2,"duplicateEntries":4,"collisionGroups":2,"gaps":[{"nonce":"ab","from":5,"to":9}],"misrouted":1}],"skipped":[{"key":"net:shard:x","reason":"not a shard id"}]}',
    );
  });
});

/**
 * Pure pieces of issue 11: the Cluster hash slot the publisher checks before MULTI
 * (shared/cluster-slot.ts) and the publisher view's outcome model (what a batch's state means for
 * "publish again": how many duplicates it writes, the dedup_ids to look for).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { clusterKeySlot } from '../../shared/cluster-slot';
import { batchCount, batchOutcome, dedupRange, replayDuplicates } from '../../renderer/src/models/publisher-model';
import type { PublishedBatch } from '../../shared/contract';

describe('clusterKeySlot', () => {
  it('matches the Cluster specification and Redis documentation examples', () => {
    expect(clusterKeySlot('123456789')).toBe(0x31c3); // the CRC16-XMODEM check value
    expect(clusterKeySlot('somekey')).toBe(11058);
    expect(clusterKeySlot('foo{hash_tag}')).toBe(2515);
    expect(clusterKeySlot('bar{hash_tag}')).toBe(2515);
    // The first { and the next } delimit the tag; an empty one means the whole key.
    expect(clusterKeySlot('foo{{bar}}zap')).toBe(clusterKeySlot('{bar'));
    expect(clusterKeySlot('foo{}{bar}')).not.toBe(clusterKeySlot('bar'));
  });

  it('agrees with the slot ioredis routes by, for stream keys and odd prefixes', () => {
    const reference = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;
    const keys = ['net:shard:0', 'net:shard:65535', 'app{x}:shard:3', 'é€:shard:7', '😀{ü}:shard:9', '{}:shard:1', 'a}b{c}:shard:2'];
    for (let n = 0; n < 500; n++) keys.push(`p${n * 7919}:shard:${n}`);
    for (const k of keys) expect(clusterKeySlot(k), k).toBe(reference(k));
  });
});

function batch(over: Partial<PublishedBatch>): PublishedBatch {
  return { batchId: 'b', at: 0, profileId: 'p', shard: 3, key: 'net:shard:3', nonce: 'ab', sequenceStart: '40', ids: ['1-0', '1-1'], dedupIds: ['ab:3:40:0', 'ab:3:40:1'], latencyMs: 1, ...over };
}

describe('the publisher outcome model', () => {
  it('counts events from count when a listing shortened the ids', () => {
    expect(batchCount(batch({}))).toBe(2);
    expect(batchCount(batch({ count: 100_000, idsTruncated: true }))).toBe(100_000);
  });

  it('treats records without an outcome as landed', () => {
    expect(batchOutcome(batch({}))).toBe('landed');
    expect(batchOutcome(batch({ outcome: 'unconfirmed' }))).toBe('unconfirmed');
  });

  it('a replay duplicates every event of a landed batch, none of a batch that did not land, and is unknown while unconfirmed', () => {
    expect(replayDuplicates(batch({ count: 2 }))).toBe(2);
    expect(replayDuplicates(batch({ outcome: 'not-landed' }))).toBe(0);
    expect(replayDuplicates(batch({ outcome: 'unconfirmed', ids: [] }))).toBeNull();
  });

  it('names the dedup_ids to look for', () => {
    expect(dedupRange('ab', 3, '40', 2000)).toBe('ab:3:40:0 … ab:3:40:1999');
    expect(dedupRange('ab', 3, '40', 1)).toBe('ab:3:40:0');
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_DEDUP_CAPACITY, MAX_DEDUP_CAPACITY, RedisStreamDedup } from '../../shared/dedup-window';

describe('RedisStreamDedup (contract section 5)', () => {
  it('contract 5: capacity-2 example: a, b new; a duplicate; c new and evicts a; b still a duplicate', () => {
    const dedup = new RedisStreamDedup(2);
    expect(dedup.isDuplicate('a')).toBe(false);
    expect(dedup.isDuplicate('b')).toBe(false);
    expect(dedup.isDuplicate('a')).toBe(true);
    expect(dedup.isDuplicate('c')).toBe(false);
    expect(dedup.isDuplicate('b')).toBe(true);
    // a was evicted: it counts as new again (and evicts b, the oldest now).
    expect(dedup.isDuplicate('a')).toBe(false);
    expect(dedup.isDuplicate('b')).toBe(false);
    expect(dedup.isDuplicate('c')).toBe(false);
  });

  it('contract 5: eviction is FIFO by insertion, not LRU (a repeat does not refresh an id)', () => {
    const dedup = new RedisStreamDedup(3);
    for (const id of ['a', 'b', 'c']) dedup.isDuplicate(id);
    for (let k = 0; k < 10; k++) expect(dedup.isDuplicate('a')).toBe(true);
    expect(dedup.isDuplicate('d')).toBe(false);
    expect(dedup.isDuplicate('a')).toBe(false);
  });

  it('contract 5: an evicted id is re-inserted as new and can evict another id', () => {
    const dedup = new RedisStreamDedup(2);
    dedup.isDuplicate('x');
    dedup.isDuplicate('y');
    dedup.isDuplicate('z');
    expect(dedup.isDuplicate('x')).toBe(false);
    expect(dedup.isDuplicate('y')).toBe(false);
    expect(dedup.len).toBe(2);
  });

  it('contract 5: compares ids exactly (case-sensitive) and treats the empty string as an id', () => {
    const dedup = new RedisStreamDedup();
    expect(dedup.isDuplicate('Ab')).toBe(false);
    expect(dedup.isDuplicate('ab')).toBe(false);
    expect(dedup.isDuplicate('ab ')).toBe(false);
    expect(dedup.isDuplicate('')).toBe(false);
    expect(dedup.isDuplicate('')).toBe(true);
  });

  it('contract 5: defaults to capacity 4096', () => {
    expect(new RedisStreamDedup().capacity).toBe(4096);
    expect(DEFAULT_DEDUP_CAPACITY).toBe(4096);
  });

  it('contract 5: clamps capacity to [1, 2^24]; 0 becomes 1', () => {
    expect(new RedisStreamDedup(0).capacity).toBe(1);
    expect(new RedisStreamDedup(-5).capacity).toBe(1);
    expect(new RedisStreamDedup(MAX_DEDUP_CAPACITY + 1).capacity).toBe(16_777_216);
    expect(new RedisStreamDedup(Infinity).capacity).toBe(16_777_216);
    expect(new RedisStreamDedup(2.9).capacity).toBe(2);
    expect(MAX_DEDUP_CAPACITY).toBe(1 << 24);
  });

  it('rejects a NaN capacity', () => {
    expect(() => new RedisStreamDedup(Number.NaN)).toThrow(RangeError);
  });

  it('capacity 1 remembers only the last new id', () => {
    const dedup = new RedisStreamDedup(0);
    expect(dedup.isDuplicate('a')).toBe(false);
    expect(dedup.isDuplicate('a')).toBe(true);
    expect(dedup.isDuplicate('b')).toBe(false);
    expect(dedup.isDuplicate('a')).toBe(false);
  });

  it('contract 5: reports len and isEmpty, and clear() resets the window but keeps the capacity', () => {
    const dedup = new RedisStreamDedup(3);
    expect(dedup.isEmpty).toBe(true);
    expect(dedup.len).toBe(0);
    dedup.isDuplicate('a');
    dedup.isDuplicate('a');
    dedup.isDuplicate('b');
    expect(dedup.len).toBe(2);
    expect(dedup.isEmpty).toBe(false);
    for (const id of ['c', 'd', 'e']) dedup.isDuplicate(id);
    expect(dedup.len).toBe(3);
    dedup.clear();
    expect(dedup.isEmpty).toBe(true);
    expect(dedup.capacity).toBe(3);
    expect(dedup.isDuplicate('e')).toBe(false);
    // After a clear the FIFO order restarts from the new insertions.
    dedup.isDuplicate('f');
    dedup.isDuplicate('g');
    dedup.isDuplicate('h');
    expect(dedup.isDuplicate('f')).toBe(true);
    expect(dedup.isDuplicate('e')).toBe(false);
  });

  it('matches a straightforward FIFO model on a long random sequence', () => {
    let seed = 99;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
    for (const capacity of [1, 2, 3, 7, 50]) {
      const dedup = new RedisStreamDedup(capacity);
      const model: string[] = [];
      for (let n = 0; n < 5000; n++) {
        const id = String(Math.floor(rand() * capacity * 3));
        const expected = model.includes(id);
        if (!expected) {
          if (model.length >= capacity) model.shift();
          model.push(id);
        }
        expect(dedup.isDuplicate(id)).toBe(expected);
        expect(dedup.len).toBe(model.length);
      }
    }
  });

  it('contract 5 consumer pattern: retry duplicates with the same dedup_id are filtered, distinct ids pass', () => {
    const dedup = new RedisStreamDedup(4096);
    const entries = ['5e1f:3:0:0', '5e1f:3:0:1', '5e1f:3:0:0', '5e1f:3:0:1', '5e1f:3:2:0'];
    expect(entries.filter((id) => !dedup.isDuplicate(id))).toEqual(['5e1f:3:0:0', '5e1f:3:0:1', '5e1f:3:2:0']);
  });

  it('handles a million ids at O(1) per call', () => {
    const dedup = new RedisStreamDedup(100_000);
    const start = performance.now();
    for (let k = 0; k < 1_000_000; k++) dedup.isDuplicate(`n:0:${k}:0`);
    expect(dedup.len).toBe(100_000);
    expect(dedup.isDuplicate('n:0:999999:0')).toBe(true);
    expect(dedup.isDuplicate('n:0:899999:0')).toBe(false);
    expect(performance.now() - start).toBeLessThan(10_000);
  });
});

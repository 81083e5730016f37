/**
 * The Nodes panel's pure parts (renderer/src/features/health/nodes-model.ts): slot ranges, link
 * tones, flags, the summary line and the failover sentences built from what the core reports.
 */
import { describe, expect, it } from 'vitest';
import type { TopologyFailover, TopologyNode } from '../../shared/contract';
import {
  allSlotRanges,
  clusterStateTone,
  failoverParts,
  failoverSentence,
  formatSlotRanges,
  heirs,
  linkTone,
  mergeSlotRanges,
  modeLabel,
  newestFirst,
  orderNodes,
  showsTable,
  shownFlags,
  slotCount,
  summarize,
  summaryText,
} from '../../renderer/src/features/health/nodes-model';

const node = (over: Partial<TopologyNode>): TopologyNode => ({
  id: 'x',
  address: '127.0.0.1:7000',
  role: 'master',
  slots: [],
  latencyMs: 0.3,
  usedMemory: 1_000_000,
  linkState: 'connected',
  replicaOf: null,
  flags: ['master'],
  ...over,
});

const failover = (over: Partial<TopologyFailover>): TopologyFailover => ({
  at: 1000,
  failed: '127.0.0.1:7001',
  failedId: 'a',
  replacedBy: '127.0.0.1:7004',
  replacedById: 'd',
  detail: '127.0.0.1:7001 (failed) was replaced by its replica 127.0.0.1:7004',
  ...over,
});

describe('slot ranges', () => {
  it('joins touching and overlapping ranges, sorts them and counts each slot once', () => {
    expect(mergeSlotRanges([[5462, 10922], [5461, 5461]])).toEqual([[5461, 10922]]);
    expect(mergeSlotRanges([[10, 20], [0, 5], [15, 30]])).toEqual([[0, 5], [10, 30]]);
    expect(mergeSlotRanges([[9, 3]])).toEqual([[3, 9]]);
    expect(slotCount([[0, 5460]])).toBe(5461);
    expect(slotCount([[0, 10], [5, 20]])).toBe(21);
    expect(slotCount([])).toBe(0);
  });

  it('reads compactly: ranges, single slots, at most three spelled out', () => {
    expect(formatSlotRanges([[0, 5460]])).toBe('0-5460');
    expect(formatSlotRanges([[5461, 5461], [5462, 10922]])).toBe('5461-10922');
    expect(formatSlotRanges([[7, 7], [100, 199]])).toBe('7, 100-199');
    expect(formatSlotRanges([[0, 1], [3, 4], [6, 7], [9, 10], [12, 12]])).toBe('0-1, 3-4, 6-7 +2 more');
    expect(formatSlotRanges([[0, 1], [3, 4], [6, 7], [9, 10]], 2)).toBe('0-1, 3-4 +2 more');
    expect(formatSlotRanges([])).toBe('—');
    expect(allSlotRanges([[0, 1], [3, 4], [6, 7], [9, 10], [12, 12]])).toBe('0-1, 3-4, 6-7, 9-10, 12');
  });
});

describe('link state, cluster state, flags, mode', () => {
  it('connected is ok, suspected and joining warn, failed and disconnected are danger', () => {
    expect(linkTone('connected')).toBe('ok');
    expect(linkTone('pfail')).toBe('warn');
    expect(linkTone('handshake')).toBe('warn');
    expect(linkTone('fail')).toBe('danger');
    expect(linkTone('disconnected')).toBe('danger');
    expect(linkTone('unknown')).toBe('neutral');
    expect(clusterStateTone('ok')).toBe('ok');
    expect(clusterStateTone('fail')).toBe('danger');
    expect(clusterStateTone('something-new')).toBe('warn');
    expect(clusterStateTone(null)).toBe('neutral');
  });

  it('leaves the role flags to the role column', () => {
    expect(shownFlags(['myself', 'master'])).toEqual(['myself']);
    expect(shownFlags(['slave', 'fail?'])).toEqual(['fail?']);
    expect(shownFlags(['master', 'fail', 'noaddr'])).toEqual(['fail', 'noaddr']);
  });

  it('names the mode, and only Cluster and Sentinel get the table', () => {
    expect(modeLabel('cluster')).toBe('Redis Cluster');
    expect(modeLabel('sentinel')).toBe('Sentinel');
    expect(modeLabel('standalone')).toBe('Standalone');
    expect(showsTable(null, 'cluster')).toBe(true);
    expect(showsTable({ mode: 'sentinel' }, 'standalone')).toBe(true);
    expect(showsTable({ mode: 'standalone' }, undefined)).toBe(false);
    expect(showsTable(null, undefined)).toBe(false);
  });
});

describe('summary', () => {
  it('counts live masters, replicas, nodes not connected and the slots live masters serve', () => {
    const nodes = [
      node({ id: 'a', address: '127.0.0.1:7001', slots: [], linkState: 'fail', latencyMs: null, flags: ['master', 'fail'] }),
      node({ id: 'b', slots: [[5461, 10922]] }),
      node({ id: 'c', slots: [[10923, 16383]] }),
      node({ id: 'd', slots: [[0, 5460]] }),
      node({ id: 'e', role: 'replica', replicaOf: '127.0.0.1:7002', flags: ['slave'], linkState: 'pfail' }),
      node({ id: 'f', role: 'replica', replicaOf: '127.0.0.1:7003', flags: ['slave'] }),
    ];
    const s = summarize(nodes);
    expect(s).toEqual({ masters: 3, replicas: 2, unhealthy: 2, slotsServed: 16384 });
    expect(summaryText(s)).toBe('3 masters · 2 replicas · 2 not connected');
    expect(summaryText({ masters: 1, replicas: 1, unhealthy: 0, slotsServed: 0 })).toBe('1 master · 1 replica');
  });
});

describe('failovers', () => {
  const clock = (at: number) => `t${at}`;

  it('says who replaced whom, and how, from the core report', () => {
    const f = failover({});
    expect(failoverParts(f)).toEqual({ failed: '127.0.0.1:7001', replacedBy: '127.0.0.1:7004', how: 'failed', byReplica: true, sentinel: false });
    expect(failoverSentence(f, clock)).toBe('127.0.0.1:7001 failed, replaced by its replica 127.0.0.1:7004 at t1000');
  });

  it('words the other ways a master leaves', () => {
    const down = failover({ detail: '127.0.0.1:7001 (stepped down) was replaced by its replica 127.0.0.1:7004' });
    expect(failoverSentence(down, clock)).toBe('127.0.0.1:7001 stepped down, replaced by its replica 127.0.0.1:7004 at t1000');
    const gone = failover({ detail: '127.0.0.1:7001 (is gone) was replaced by 127.0.0.1:7004' });
    expect(failoverSentence(gone, clock)).toBe('127.0.0.1:7001 is gone, replaced by 127.0.0.1:7004 at t1000');
    const sentinel = failover({ failedId: null, replacedById: null, detail: 'master 127.0.0.1:7001 was replaced by its replica 127.0.0.1:7004 (Sentinel failover)' });
    expect(failoverParts(sentinel)).toMatchObject({ sentinel: true, byReplica: true, how: null });
    expect(failoverSentence(sentinel, clock)).toBe('master 127.0.0.1:7001 was replaced by its replica 127.0.0.1:7004 at t1000');
    // A wording it does not know still names both nodes.
    expect(failoverSentence(failover({ detail: 'something else' }), clock)).toBe('127.0.0.1:7001 was replaced by 127.0.0.1:7004 at t1000');
  });

  it('lists the newest first and knows which node took over', () => {
    const a = failover({ at: 1 });
    const b = failover({ at: 5, failed: '127.0.0.1:7004', failedId: 'd', replacedBy: '127.0.0.1:7001', replacedById: 'a' });
    expect(newestFirst([a, b])).toEqual([b, a]);
    const h = heirs([a, b]);
    expect(h.get('d')).toBe(a);
    expect(h.get('a')).toBe(b);
    expect(heirs([failover({ replacedById: null })]).get('127.0.0.1:7004')).toBeDefined();
  });
});

describe('table order', () => {
  it('keeps the masters first and puts each master\'s replicas in its order', () => {
    const m1 = node({ id: 'm1', address: 'h:1', slots: [[0, 10]] });
    const m2 = node({ id: 'm2', address: 'h:2', slots: [[11, 20]] });
    const dead = node({ id: 'm0', address: 'h:0', linkState: 'fail' });
    const r2 = node({ id: 'r2', address: 'h:3', role: 'replica', replicaOf: 'h:2' });
    const r1 = node({ id: 'r1', address: 'h:4', role: 'replica', replicaOf: 'h:1' });
    const orphan = node({ id: 'r9', address: 'h:5', role: 'replica', replicaOf: 'gone:1' });
    const odd = node({ id: 'u', address: 'h:6', role: 'unknown' });
    expect(orderNodes([m1, m2, dead, orphan, r2, odd, r1]).map((n) => n.id)).toEqual(['m1', 'm2', 'm0', 'r1', 'r2', 'r9', 'u']);
  });
});

/**
 * Status filters served from the shard's background index (issues 13/14) through the real gate and
 * service against a real redis-server: each one equals what a full scan of the shard finds
 * (every entry read with `events:page` and judged here: corrupt, misrouted, the analyzer's
 * duplicates and gaps), in small steps in both directions, and `gaps:list` places every gap
 * between the entries bounding it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { startRedis, type TestRedis } from '../helpers/redis-server';
import { createService } from '../../electron/core/service';
import type { MeshService } from '../../electron/core/service-api';
import type { FilterStatus, PageEntry, ResponseOf } from '../../shared/contract';
import { ShardAnalyzer } from '../../shared/analysis';
import { parseDedupId } from '../../shared/dedup-id';
import { encodePayload } from '../../shared/wire';
import { MemorySecrets, serviceGate, wire } from '../helpers/service-gate';
import { waitFor } from '../helpers/wait';

const PREFIX = 'lanef';
const SHARD = 4;
const KEY = `${PREFIX}:shard:${SHARD}`;

let redis: TestRedis;
let admin: Redis;
let home: string;
let service: MeshService;
let ready: () => void;
const indexReady = new Promise<void>((r) => (ready = r));
const { ok } = serviceGate(() => service);

/** Batches of 40 of two producers; lost batches, a retried batch, a colliding restart, corrupt and misrouted entries. */
async function seed(): Promise<void> {
  const p = admin.pipeline();
  let n = 0;
  for (let b = 0; b < 90; b++) {
    const seq = b * 40;
    for (const nonce of ['a1', 'b2']) {
      if ((nonce === 'a1' && b % 17 === 16) || (nonce === 'b2' && b === 30)) continue; // lost
      const copies = nonce === 'a1' && b % 23 === 5 ? 2 : 1; // retried byte for byte
      for (let c = 0; c < copies; c++) {
        for (let i = 0; i < 40; i++) {
          const k = seq + i;
          const d = k % 997 === 3 ? '{"r":{"x":1},"t":-1}' : encodePayload(`{"n":"${nonce}","k":${k}}`, BigInt(k + 1), k % 613 === 5 ? 9 : SHARD);
          p.xadd(KEY, '*', 'd', d, 'dedup_id', `${nonce}:${SHARD}:${seq}:${i}`);
          n++;
        }
      }
    }
    if (b % 31 === 7) for (let i = 0; i < 5; i++) p.xadd(KEY, '*', 'd', encodePayload(`{"other":${i}}`, 1n, SHARD), 'dedup_id', `b2:${SHARD}:${seq}:${i}`); // collision
    if (b === 44) p.xadd(KEY, '*', 'd', encodePayload('{"stray":1}', 1n, 2), 'dedup_id', `c3:2:0:0`); // misrouted by id
  }
  await p.exec();
  expect(n).toBeGreaterThan(5000);
}

beforeAll(async () => {
  redis = await startRedis();
  admin = redis.admin();
  home = mkdtempSync(path.join(tmpdir(), 'mesh-home-'));
  service = createService({
    transport: 'serve',
    secrets: new MemorySecrets(),
    home,
    appVersion: '0.0.0-test',
    sink: (event, payload) => {
      const st = wire(payload) as { shard?: number; state?: string };
      if (event === 'index:changed' && st.shard === SHARD && st.state === 'ready') ready();
    },
  });
  await seed();
  await service.connectUrl(redis.url, PREFIX);
  if ((await ok('index:status', { shard: SHARD })).state !== 'ready') await indexReady;
});

afterAll(async () => {
  await service?.dispose();
  await redis?.stop();
  rmSync(home, { recursive: true, force: true });
});

/** Every entry, oldest first, read page by page as any lane would (the full scan). */
async function everything(shard = SHARD): Promise<PageEntry[]> {
  const out: PageEntry[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: ResponseOf<'events:page'> = await ok('events:page', { shard, direction: 'forward', cursor, limit: 1000 });
    out.push(...page.entries);
    if (!page.hasMore || page.nextId === null) return out;
    cursor = page.nextId;
  }
}

/** What a full scan says each status filter lists, as positions in the order shown. */
function expected(all: PageEntry[], status: FilterStatus, newest: boolean, shard = SHARD): number[] {
  const SHARD = shard;
  const analyzer = new ShardAnalyzer(SHARD, `${PREFIX}:shard:${shard}`);
  for (const e of all) analyzer.add(e, e.status === 'ok' ? JSON.stringify({ r: JSON.parse(e.r), t: e.t, s: e.s }) : (e.d ?? ''));
  const order = (xs: number[]) => (newest ? [...xs].reverse() : xs);
  if (status === 'corrupt') return order(all.flatMap((e, p) => (e.status === 'corrupt' ? [p] : [])));
  if (status === 'misrouted') {
    return order(
      all.flatMap((e, p) => {
        const id = e.dedupId === undefined ? null : parseDedupId(e.dedupId);
        return (id && id.shard !== SHARD) || (e.status === 'ok' && e.s !== SHARD) ? [p] : [];
      }),
    );
  }
  if (status === 'gap') {
    const bounds = new Set<number>();
    const ordinal = (e: PageEntry) => {
      const id = e.dedupId === undefined ? null : parseDedupId(e.dedupId);
      return id && id.shard === SHARD ? { nonce: id.nonce, o: Number(id.ordinal) } : null;
    };
    for (const g of analyzer.result().gaps) {
      const before = all.findIndex((e) => ordinal(e)?.nonce === g.nonce && ordinal(e)?.o === g.from - 1);
      const after = all.findIndex((e) => ordinal(e)?.nonce === g.nonce && ordinal(e)?.o === g.to + 1);
      bounds.add(before).add(after);
    }
    return order([...bounds].sort((a, b) => a - b));
  }
  // Duplicates: the byte rule is the stored `d`'s, which the analyzer fed with the decoded text
  // cannot see; take the kinds from the service's own lookup and check the grouping here.
  const groups = new Map<string, number[]>();
  all.forEach((e, p) => {
    if (e.dedupId !== undefined) groups.set(e.dedupId, [...(groups.get(e.dedupId) ?? []), p]);
  });
  return [...groups.entries()].filter(([, ps]) => ps.length > 1).flatMap(([, ps]) => ps);
}

async function served(status: FilterStatus, direction: 'forward' | 'backward', limit: number, shard = SHARD) {
  const positions: number[] = [];
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let step = 0; step < 2000; step++) {
    const page: ResponseOf<'events:filter'> = await ok('events:filter', { shard, direction, cursor, query: { status }, limit, scanLimit: 1000 });
    expect(page.pending).toBeUndefined();
    positions.push(...(page.positions ?? []));
    ids.push(...page.entries.map((e) => e.id));
    cursor = page.cursor;
    if (page.done) return { positions, ids };
  }
  throw new Error('filter did not finish');
}

describe('status filters from the shard index', () => {
  it('list exactly what a full scan finds, step by step, in both directions', async () => {
    const all = await everything();
    for (const status of ['corrupt', 'misrouted', 'gap'] as const) {
      for (const direction of ['forward', 'backward'] as const) {
        const got = await served(status, direction, 7);
        expect(got.positions, `${status} ${direction}`).toEqual(expected(all, status, direction === 'backward'));
        expect(got.ids).toEqual(got.positions.map((p) => all[p]!.id));
      }
    }
    expect((await served('corrupt', 'forward', 7)).positions.length).toBeGreaterThan(3);
    expect((await served('misrouted', 'forward', 7)).positions.length).toBeGreaterThan(5);
    expect((await served('gap', 'forward', 7)).positions.length).toBeGreaterThan(8);
  });

  it('groups duplicates by dedup_id, collisions before retries, and splits the two kinds', async () => {
    const all = await everything();
    const dupPositions = new Set(expected(all, 'duplicate', false));
    for (const direction of ['forward', 'backward'] as const) {
      const both = await served('duplicate', direction, 5);
      expect(new Set(both.positions)).toEqual(dupPositions);
      expect(both.positions).toHaveLength(dupPositions.size);
      const idAt = (p: number) => all[p]!.dedupId!;
      // Copies of one id are together, oldest first.
      const seen = new Set<string>();
      both.positions.forEach((p, k) => {
        const id = idAt(p);
        if (k > 0 && idAt(both.positions[k - 1]!) === id) expect(p).toBeGreaterThan(both.positions[k - 1]!);
        else {
          expect(seen.has(id)).toBe(false);
          seen.add(id);
        }
      });
      const kinds = await ok('duplicates:lookup', { shard: SHARD, dedupIds: [...seen] });
      const kindOf = new Map(kinds.marks.map((m) => [m.dedupId, m.kind]));
      const groupKinds = [...seen].map((id) => kindOf.get(id));
      const firstRetry = groupKinds.indexOf('retry');
      expect(firstRetry).toBeGreaterThan(0);
      expect(groupKinds.slice(firstRetry).every((k) => k === 'retry')).toBe(true);
      // Groups in order of their first copy within each kind (newest first: the reverse).
      const firsts = [...seen].map((id) => both.positions.find((p) => idAt(p) === id)!);
      const sorted = (xs: number[]) => [...xs].sort((a, b) => (direction === 'forward' ? a - b : b - a));
      expect(firsts.slice(0, firstRetry)).toEqual(sorted(firsts.slice(0, firstRetry)));
      expect(firsts.slice(firstRetry)).toEqual(sorted(firsts.slice(firstRetry)));
      const retries = await served('retry', direction, 5);
      const collisions = await served('collision', direction, 5);
      expect(collisions.positions).toEqual(both.positions.slice(0, collisions.positions.length));
      expect(retries.positions).toEqual(both.positions.slice(collisions.positions.length));
    }
  });

  it('places every gap between its bounding entries in gaps:list', async () => {
    const all = await everything();
    const res = await ok('gaps:list', { shard: SHARD });
    expect(res.ready).toBe(true);
    expect(res.places).toHaveLength(res.gaps.length);
    res.gaps.forEach((g, k) => {
      const place = res.places![k]!;
      const before = parseDedupId(all[place.before!]!.dedupId!)!;
      const after = parseDedupId(all[place.after!]!.dedupId!)!;
      expect([before.nonce, Number(before.ordinal)]).toEqual([g.nonce, g.from - 1]);
      expect([after.nonce, Number(after.ordinal)]).toEqual([g.nonce, g.to + 1]);
      expect(place.beforeDedupId).toBe(all[place.before!]!.dedupId);
      expect(place.afterDedupId).toBe(all[place.after!]!.dedupId);
    });
  });

  it('places a trimmed head gap above the lowest ordinal left of its nonce, and lists that entry under Gaps', async () => {
    const key = `${PREFIX}:shard:8`;
    const p = admin.pipeline();
    for (let i = 0; i < 1000; i++) p.xadd(key, '*', 'd', encodePayload(`{"i":${i}}`, BigInt(i + 1), 8), 'dedup_id', `d4:8:0:${i}`);
    await p.exec();
    await admin.xtrim(key, 'MAXLEN', 900);
    await waitFor('shard 8 indexed', async () => (await ok('index:status', { shard: 8 })).state === 'ready');
    const res = await ok('gaps:list', { shard: 8 });
    expect(res.gaps).toEqual([]);
    expect(res.headGaps).toMatchObject([{ nonce: 'd4', from: 0, to: 99, cause: 'trimmed' }]);
    expect(res.headPlaces).toEqual([{ before: null, after: 0, afterDedupId: 'd4:8:0:100' }]);
    const page = await ok('events:filter', { shard: 8, direction: 'forward', cursor: null, query: { status: 'gap' }, limit: 10, scanLimit: 100 });
    expect(page.positions).toEqual([0]);
    expect(page.entries.map((e) => e.dedupId)).toEqual(['d4:8:0:100']);
  });

  it('serves Gaps on a shard whose retries, collisions, misrouted and corrupt entries go back and forth across huge jumps', async () => {
    // The shape of the tester's shard 60002, scaled down: one producer's run, its retries and a
    // colliding restart (ordinals going back), misrouted entries, corrupt entries carrying
    // ordinals far ahead, then entries going back below those; retries of both gaps' bounds;
    // and a second producer jumping by 10^12 in order.
    const S = 12;
    const key = `${PREFIX}:shard:${S}`;
    const p = admin.pipeline();
    const add = (d: string, id: string) => p.xadd(key, '*', 'd', d, 'dedup_id', id);
    const okd = (i: number, s = S) => encodePayload(`{"i":${i}}`, BigInt(i + 1), s);
    for (let i = 0; i < 2000; i++) add(okd(i), `f0:${S}:0:${i}`);
    for (let i = 0; i < 500; i++) add(okd(i), `f0:${S}:0:${i}`); // retries
    for (let i = 500; i < 700; i++) add(encodePayload(`{"i":${i},"restarted":true}`, 1n, S), `f0:${S}:0:${i}`); // collisions
    for (let i = 0; i < 30; i++) add(okd(i, 5), `f0:5:900000:${i}`); // misrouted
    for (let i = 0; i < 50; i++) add(i % 2 ? '{"t":1,"s":12}' : 'not json <b>', `f0:${S}:800000:${i}`); // corrupt, far ahead
    for (let k = 0; k < 3; k++) add(okd(k), `f0:${S}:${700000 + k}:0`); // back below them
    add(okd(1999), `f0:${S}:0:1999`); // retry of the first gap's lower bound
    add(okd(2), `f0:${S}:700002:0`); // retry of the second gap's lower bound
    add('{"t":1,"s":12}', `f0:${S}:800000:0`); // corrupt retry of its upper bound
    for (let i = 0; i < 100; i++) add(okd(i), `ab:${S}:0:${i}`);
    add(okd(99), `ab:${S}:0:99`); // doubled writes at both bounds of a jump
    add(okd(0), `ab:${S}:1000000000000:0`);
    add(okd(0), `ab:${S}:1000000000000:0`);
    for (let i = 1; i < 10; i++) add(okd(i), `ab:${S}:1000000000000:${i}`);
    await p.exec();
    await waitFor('shard 12 indexed', async () => (await ok('index:status', { shard: S })).state === 'ready');
    const list = await ok('gaps:list', { shard: S });
    expect(list.gaps.map((g) => [g.nonce, g.from, g.to])).toEqual(
      expect.arrayContaining([
        ['f0', 2000, 699999],
        ['f0', 700003, 799999],
        ['ab', 100, 999999999999],
      ]),
    );
    expect(list.gaps).toHaveLength(3);
    expect(list.places!.every((pl) => pl.before !== null && pl.after !== null)).toBe(true);
    const all = await everything(S);
    for (const direction of ['forward', 'backward'] as const) {
      const got = await served('gap', direction, 4, S);
      expect(got.positions).toEqual(expected(all, 'gap', direction === 'backward', S));
      expect(got.positions).toHaveLength(6);
    }
  });

  it('answers pending with the index progress while the index is being built', async () => {
    // A shard the service has not indexed yet: its first filter call starts the index.
    const key = `${PREFIX}:shard:6`;
    const p = admin.pipeline();
    for (let i = 0; i < 3000; i++) p.xadd(key, '*', 'd', encodePayload('{}', 1n, 6), 'dedup_id', `a1:6:0:${i}`);
    await p.exec();
    const first = await ok('events:filter', { shard: 6, direction: 'forward', cursor: null, query: { status: 'corrupt' }, limit: 10, scanLimit: 100 });
    expect(first.pending).toBe(true);
    expect(first.entries).toEqual([]);
    expect(first.done).toBe(false);
    expect(first.index?.shard).toBe(6);
  });
});

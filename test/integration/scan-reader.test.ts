/**
 * The scan's byte-level reader (its own connection, RESP parsed in place, entries decided without
 * strings) against the reference path: the adapter's poll (ioredis replies, the full decoder per
 * entry) over a fixture of every corrupt kind plus random valid entries, with ids, field orders and
 * duplicates of every shape. Issue 16: the fast path must keep the Rust reader's acceptance rules
 * exactly.
 */
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshAdapter, storedPayload } from '../../electron/core/adapter';
import { RAW_READER_MIN_ENTRIES, scanShards } from '../../electron/core/scan';
import { entryVerdict } from '../../electron/core/scan-page';
import { autoWorkers, idRanges, PARALLEL_MIN_ENTRIES } from '../../electron/core/parallel-scan';
import { ScanConnection, SharedScanConnection } from '../../electron/core/scan-connection';
import { ShardIndex } from '../../electron/core/shard-index';
import { D_END, D_START, ENTRY_WORDS, entryIdText, X_END, X_START } from '../../electron/core/xrange-reply';
import { ShardAnalyzer } from '../../shared/analysis';
import type { GapRange, MeshEntry, ShardAnalysis } from '../../shared/types';
import { encodePayload } from '../../shared/wire';
import { int, jsonValue, mutate, mutateBytes, pick, prng, producerPayload, variedPayload } from '../helpers/payload-gen';
import { startRedis, type TestRedis } from '../helpers/redis-server';

let server: TestRedis;
let redis: Redis;
let adapter: MeshAdapter;

const SHARD = 5;
const KEY = `net:shard:${SHARD}`;
const enc = new TextEncoder();

/** One `d` of every corrupt kind net-mesh's reader skips (contract 3.23), as text or bytes. */
const CORRUPT_D: Array<string | Uint8Array> = [
  // Malformed JSON, each structural mistake.
  '{"r":1', '{"r":"abc', '{', '{"r":[1,2,]}', '{"r":{"a":1,}}', '{"r":1,}', '{"r":{"a" 1}}', '{"r":{1:2}}', "{'r':1}",
  '{"r":[1 2]}', '{"r":1,,"t":1}', '{,"r":1}', '{"r":1 "t":1}', '{"r":1]', '{"r":[1}', 'not json', '',  ' \n',
  // Invalid numbers and literals in r, in the producer's layout so the fast path looks at them.
  ...['+1', '.5', '1.', '1e', '1e+', '01', '-', '-a', 'NaN', 'Infinity', '0x10', '--1', 'nul', 'True', 'nulll', 'fals', 't'].map(
    (v) => `{"r":${v},"t":1,"s":${SHARD}}`,
  ),
  // Bad string content and escapes, also in the producer's layout (a string that runs into `,"t":`).
  ...['\\x', '\\u12', '\\u12G4', "\\'", '\t', '\n', '\u0000', '\u001f', '\\'].map((b) => `{"r":"a${b}b","t":1,"s":${SHARD}}`),
  `{"r":"abc,"t":1,"s":${SHARD}}`, `{"r":"a\\","t":1,"s":${SHARD}}`, `{"r":{"a":"b,"t":1,"s":${SHARD}}`, `{"r":[1,"t":1,"s":${SHARD}}`,
  // Missing r, bad t, bad s, leading zeros, duplicate keys, trailing characters, wrong top level.
  '{}', '{"t":1,"s":2}', '{"R":1}', '{"event":{},"t":1,"s":5}',
  ...['-5', '-0', '1.0', '1e3', '18446744073709551616', 'null', '"5"', '01'].map((t) => `{"r":1,"t":${t},"s":${SHARD}}`),
  ...['65536', '70000', '-1', '-0', '1.5', 'null', '"3"', '00'].map((s) => `{"r":1,"t":1,"s":${s}}`),
  '{"r":1,"r":2}', '{"r":1,"t":1,"t":1}', '{"r":1,"s":1,"s":1}', '{"r":1,"\\u0072":2}', `{"r":{},"r":{},"t":43,"s":${SHARD}}`,
  '{"r":1}}', '{"r":1}{"r":1}', '{"r":1} x', `{"r":1,"t":1,"s":${SHARD}}\n,`, '"str"', '42', 'true', 'null', '[]',
  '\ufeff{"r":1}', '{"\\ud800":1,"r":1}', '{"a\u0001":1,"r":1}', '[1,2,3,4]', '[1,]',
  // Invalid UTF-8 of every kind, inside r and around it.
  ...[[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xef, 0xbb, 0xbf]].flatMap((bad) => [
    Uint8Array.from([...enc.encode('{"r":"a'), ...bad, ...enc.encode(`","t":1,"s":${SHARD}}`)]),
    Uint8Array.from([...bad, ...enc.encode(`{"r":1,"t":1,"s":${SHARD}}`)]),
    Uint8Array.from([...enc.encode(`{"r":1,"t":1,"s":${SHARD}}`), ...bad]),
  ]),
];

/** Accepted, but not in the producer's layout (the full decoder decides these). */
const ODD_VALID_D = ['{"r":null}', '[1]', '[1,2,3]', ` {"s":${SHARD},"r":{"a":1},"t":7} `, '{"r":1,"x":[1,{"y":2}]}', `{"r":"\\ud800","t":1,"s":${SHARD}}`, `{"r" : 1 , "t" : 2 , "s" : ${SHARD}}`];

type Fields = Array<string | Buffer>;

/** The fixture shard: every kind above, random valid and damaged payloads, ids and field layouts of every shape. */
function fixture(): Fields[] {
  const rand = prng(0x16);
  const nonces = ['9f3a12', 'deadbeefcafef00d', '1'];
  const ids: string[] = [];
  const idFor = (k: number): string | Buffer | undefined => {
    const roll = rand();
    if (roll < 0.06) return undefined;
    if (roll < 0.2 && ids.length > 0) return pick(rand, ids); // a duplicate (retry or collision)
    if (roll < 0.24) return pick(rand, ['AB:5:0:0', '0a:5:0:0', 'x', '', 'ab:5:01:0', 'ab:5:0', 'ab:-5:0:0', 'é:5:0:0', 'ab:5:0:0 ']);
    if (roll < 0.25) return Buffer.from([0x61, 0x62, 0xff, 0x3a, 0x35]);
    const shard = rand() < 0.05 ? 7 : SHARD;
    const id = `${pick(rand, nonces)}:${shard}:${1000 * int(rand, 40)}:${k % 1000}`;
    ids.push(id);
    return id;
  };
  const entries: Fields[] = [];
  const total = RAW_READER_MIN_ENTRIES + 1500;
  for (let k = 0; k < total; k++) {
    let d: string | Buffer | undefined;
    if (k < CORRUPT_D.length) {
      const c = CORRUPT_D[k]!;
      d = typeof c === 'string' ? c : Buffer.from(c);
    } else if (k < CORRUPT_D.length + ODD_VALID_D.length) {
      d = ODD_VALID_D[k - CORRUPT_D.length];
    } else {
      const roll = rand();
      if (roll < 0.55) d = encodePayload(jsonValue(rand, 0), BigInt(int(rand, 1e9)), rand() < 0.05 ? 9 : SHARD);
      else if (roll < 0.65) d = producerPayload(rand);
      else if (roll < 0.75) d = variedPayload(rand);
      else if (roll < 0.9) d = mutate(rand, producerPayload(rand));
      else if (roll < 0.97) d = Buffer.from(mutateBytes(rand, enc.encode(producerPayload(rand))));
      else d = undefined;
    }
    const id = idFor(k);
    const fields: Fields = [];
    const layout = int(rand, 6);
    if (layout === 1 && id !== undefined) fields.push('dedup_id', id);
    if (layout === 2) fields.push('x', 'an unknown field', 'D', 'not d');
    if (layout === 3) fields.push('d', 'a first d: the last one wins', 'dedup_id', 'a first id');
    if (d !== undefined) fields.push('d', d);
    else fields.push('data', '{"r":1}');
    if (layout !== 1 && id !== undefined) fields.push('dedup_id', id);
    if (layout === 4) fields.push('dedup_ix', 'x');
    entries.push(fields);
  }
  return entries;
}

/** A scan's shard analysis without what issue 17 adds (gap causes, head gaps): what an analyzer fed by poll gives. */
function withoutCauses(a: ShardAnalysis): ShardAnalysis {
  const { headGaps: _headGaps, ...rest } = a;
  return { ...rest, gaps: a.gaps.map((g) => ({ nonce: g.nonce, from: g.from, to: g.to })) };
}

/** Every entry of the fixture shard as the adapter's poll (the reference decoder) returns it. */
async function referenceEntries(): Promise<MeshEntry[]> {
  const out: MeshEntry[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await adapter.poll(SHARD, after, 997);
    out.push(...page.entries);
    if (!page.hasMore) return out;
    after = page.nextId;
  }
}

beforeAll(async () => {
  server = await startRedis();
  redis = server.admin();
  adapter = new MeshAdapter({ url: server.url, prefix: 'net', commandTimeoutMs: 5000, readOnly: true });
  await adapter.init();
  const pipeline = redis.pipeline();
  for (const fields of fixture()) pipeline.xadd(KEY, '*', ...fields);
  await pipeline.exec();
});

afterAll(async () => {
  await adapter.shutdown();
  await server.stop();
});

describe('the scan’s byte-level reader', () => {
  it('decides every entry of the fixture exactly as the reference decoder does', async () => {
    const reference = await referenceEntries();
    const conn = await ScanConnection.open(adapter.client, KEY, { timeoutMs: 5000 });
    expect(conn).not.toBeNull();
    try {
      for (const pageSize of [100_000, 333]) {
        let k = 0;
        let start = '-';
        for (;;) {
          const page = await conn!.range(KEY, start, '+', pageSize);
          expect(page.error).toBeNull();
          for (let e = 0; e < page.count; e++, k++) {
            const o = e * ENTRY_WORDS;
            const ref = reference[k]!;
            const { buf, offsets } = page;
            expect(entryIdText(page, e)).toBe(ref.id);
            const s = entryVerdict(buf, offsets[o + D_START]!, offsets[o + D_END]!);
            expect({ id: ref.id, verdict: s }).toEqual({ id: ref.id, verdict: ref.status === 'ok' ? ref.s : -1 });
            const xStart = offsets[o + X_START]!;
            expect(xStart < 0 ? undefined : Buffer.from(buf.subarray(xStart, offsets[o + X_END]!)).toString('utf8')).toBe(ref.dedupId);
            const dStart = offsets[o + D_START]!;
            const d = dStart < 0 ? undefined : Buffer.from(buf.subarray(dStart, offsets[o + D_END]!));
            expect(d).toEqual(storedPayload(ref) === undefined ? undefined : Buffer.from(storedPayload(ref)!));
          }
          if (page.count < pageSize) break;
          start = `(${entryIdText(page, page.count - 1)}`;
        }
        expect(k).toBe(reference.length);
      }
    } finally {
      conn!.close();
    }
    // The fixture exercises both verdicts and both decoders.
    expect(reference.filter((e) => e.status === 'corrupt').length).toBeGreaterThan(CORRUPT_D.length);
    expect(reference.filter((e) => e.status === 'ok').length).toBeGreaterThan(RAW_READER_MIN_ENTRIES / 2);
  });

  it('gives scanShards the same figures as the client reader and as an analyzer fed by poll, at any page size', async () => {
    const ref = new ShardAnalyzer(SHARD, KEY);
    for (const e of await referenceEntries()) ref.add(e, storedPayload(e) ?? new Uint8Array(0));
    const expected = ref.result();
    expect(expected.duplicateGroups).toBeGreaterThan(100);
    expect(expected.collisionGroups).toBeGreaterThan(10);
    expect(expected.misrouted).toBeGreaterThan(10);
    for (const pageSize of [1, 7, 1000, 10_000]) {
      for (const reader of ['raw', 'client'] as const) {
        let commands = 0;
        const result = await scanShards(adapter, { shards: [SHARD], pageSize, reader, onCommand: () => commands++ });
        expect({ pageSize, reader, shard: withoutCauses(result.shards[0]!) }).toEqual({ pageSize, reader, shard: expected });
        // `raw` sent its XRANGEs on the scan connection (and counted them); `client` none there.
        if (reader === 'raw') expect(commands).toBe(Math.ceil(expected.entries / pageSize));
        else expect(commands).toBe(0);
      }
    }
  });

  it('uses the byte reader by itself for a shard of RAW_READER_MIN_ENTRIES or more, on a connection named …:scan', async () => {
    let commands = 0;
    let names = '';
    await scanShards(adapter, {
      shards: [SHARD],
      pageSize: 1000,
      onCommand: () => commands++,
      onProgress: (p) => {
        if (p.done === 1000) void redis.client('LIST').then((list) => (names = String(list)));
      },
    });
    expect(commands).toBeGreaterThan(0);
    await redis.ping();
    expect(names).toMatch(/name=mesh-inspector:scan/);
  });

  it('reads on through the client, with the same figures, when the scan connection is killed mid-shard', async () => {
    const expected = (await scanShards(adapter, { shards: [SHARD], reader: 'client' })).shards[0];
    let commands = 0;
    let killed: Promise<unknown> | undefined;
    const result = await scanShards(adapter, {
      shards: [SHARD],
      pageSize: 50,
      reader: 'raw',
      onCommand: () => commands++,
      onProgress: () => {
        killed ??= redis.client('LIST').then((list) => {
          const id = /^id=(\d+) .*name=mesh-inspector:scan/m.exec(String(list))?.[1];
          return id === undefined ? Promise.reject(new Error('no scan connection')) : redis.client('KILL', 'ID', id);
        });
      },
    });
    await killed;
    expect(result.shards[0]).toEqual(expected);
    // The killed connection answered only the first pages; the rest came through the client.
    expect(commands).toBeLessThan(Math.ceil(expected!.entries / 50));
  });

  it('reports a Redis error on the scan connection exactly as the client reader does', async () => {
    const key = 'net:shard:6';
    const errors: unknown[] = [];
    for (const reader of ['raw', 'client'] as const) {
      const pipeline = redis.pipeline();
      for (let k = 0; k < 200; k++) pipeline.xadd(key, '*', 'd', encodePayload('1', 1n, 6), 'dedup_id', `ab:6:0:${k}`);
      await pipeline.exec();
      let replaced: Promise<unknown> | undefined;
      const scan = scanShards(adapter, {
        shards: [SHARD, 6],
        reader,
        onProgress: (p) => {
          // Both shards were found as streams; shard 6 becomes a string while shard 5 is read, so
          // its first XRANGE gets WRONGTYPE.
          if (p.shard === SHARD) replaced ??= redis.multi().del(key).set(key, 'not a stream').exec();
        },
      });
      errors.push(await scan.then(() => 'no error', (e: unknown) => e));
      await replaced;
      await redis.del(key);
    }
    expect(errors[0]).toMatchObject({ kind: 'fatal', code: 'WRONGTYPE' });
    expect(errors[0]).toEqual(errors[1]);
  });

  it('reports a server that stops answering as an XRANGE timeout, as the client reader does', async () => {
    const quick = new MeshAdapter({ url: server.url, prefix: 'net', commandTimeoutMs: 300, readOnly: true });
    await quick.init();
    try {
      for (const reader of ['raw', 'client'] as const) {
        let paused = false;
        const scan = scanShards(quick, {
          shards: [SHARD],
          pageSize: 100,
          reader,
          onProgress: () => {
            if (!paused) server.pause();
            paused = true;
          },
        });
        const error = await scan.then(() => 'no error', (e: unknown) => e);
        server.resume();
        expect({ reader, error }).toMatchObject({ reader, error: { kind: 'transient', message: expect.stringMatching(/^Redis XRANGE timeout/) } });
      }
    } finally {
      server.resume();
      await quick.shutdown();
    }
  });

  it('stops at the next page when cancelled, and closes its scan connection', async () => {
    const controller = new AbortController();
    const scan = scanShards(adapter, {
      shards: [SHARD],
      pageSize: 100,
      reader: 'raw',
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= 300) controller.abort();
      },
    });
    await expect(scan).rejects.toMatchObject({ name: 'AbortError' });
    // The server drops the connection once the client has closed it: wait for that, bounded.
    let list = '';
    for (let round = 0; round < 200; round++) {
      list = String(await redis.client('LIST'));
      if (!list.includes('name=mesh-inspector:scan')) break;
    }
    expect(list).not.toMatch(/name=mesh-inspector:scan/);
  });

  it('gives the same figures with worker threads reading id ranges in parallel', async () => {
    const expected = (await scanShards(adapter, { shards: [SHARD], reader: 'client' })).shards[0];
    for (const workers of [2, 3]) {
      let commands = 0;
      const progress: number[] = [];
      let threads = 0;
      const result = await scanShards(adapter, {
        shards: [SHARD],
        pageSize: 200,
        workers,
        onCommand: () => commands++,
        onProgress: (p) => {
          progress.push(p.done);
          threads = Math.max(threads, p.workers ?? 0);
        },
      });
      expect({ workers, shard: result.shards[0] }).toEqual({ workers, shard: expected });
      // Read by worker threads (they start at their own pace; at least one always connects here).
      expect(threads).toBeGreaterThanOrEqual(1);
      expect(threads).toBeLessThanOrEqual(workers);
      expect(commands).toBeGreaterThan(expected!.entries / 200);
      expect(progress.at(-1)).toBe(expected!.entries);
    }
  });

  it('reads what a worker could not (its connection killed) through the client, with the same figures', async () => {
    const expected = (await scanShards(adapter, { shards: [SHARD], reader: 'client' })).shards[0];
    let killed: Promise<unknown> | undefined;
    const result = await scanShards(adapter, {
      shards: [SHARD],
      pageSize: 50,
      workers: 2,
      onProgress: () => {
        killed ??= redis.client('LIST').then((list) => {
          const id = /^id=(\d+) .*name=mesh-inspector:scan/m.exec(String(list))?.[1];
          return id === undefined ? Promise.reject(new Error('no scan connection')) : redis.client('KILL', 'ID', id);
        });
      },
    });
    await killed;
    expect(result.shards[0]).toEqual(expected);
  });

  it('reports a server that stops answering as an XRANGE timeout with worker threads too, and stops them', async () => {
    const quick = new MeshAdapter({ url: server.url, prefix: 'net', commandTimeoutMs: 300, readOnly: true });
    await quick.init();
    try {
      let paused = false;
      const scan = scanShards(quick, {
        shards: [SHARD],
        pageSize: 100,
        workers: 2,
        onProgress: () => {
          if (!paused) server.pause();
          paused = true;
        },
      });
      const error = await scan.then(() => 'no error', (e: unknown) => e);
      server.resume();
      expect(error).toMatchObject({ kind: 'transient', message: expect.stringMatching(/^Redis XRANGE timeout/) });
    } finally {
      server.resume();
      await quick.shutdown();
    }
    let list = '';
    for (let round = 0; round < 200; round++) {
      list = String(await redis.client('LIST'));
      if (!list.includes('name=mesh-inspector:scan')) break;
    }
    expect(list).not.toMatch(/name=mesh-inspector:scan/);
  });
});

describe('gap causes on every reader (the read cut at max-deleted-entry-id)', () => {
  const CUT_SHARD = 6;
  const CUT_KEY = `net:shard:${CUT_SHARD}`;

  it('gives the same causes through the byte reader, the client and worker threads, ranges cut at the newest XDEL', async () => {
    // One nonce, batches of 50 ordinals: 0..5999 written, except the never-written 2000..2049
    // (before the deleted batch) and 5000..5049 (after it); 3000..3049 written, then XDELed.
    const ids: string[] = [];
    for (let seq = 0; seq < 6000; seq += 50) {
      if (seq === 2000 || seq === 5000) continue;
      const m = redis.multi();
      for (let i = 0; i < 50; i++) m.xadd(CUT_KEY, '*', 'd', encodePayload(`{"n":${seq + i}}`, BigInt(seq + i + 1), CUT_SHARD), 'dedup_id', `cafe:${CUT_SHARD}:${seq}:${i}`);
      const res = await m.exec();
      if (seq === 3000) ids.push(...(res ?? []).map(([, id]) => id as string));
    }
    await redis.xdel(CUT_KEY, ...ids);
    const maxDeleted = ids[ids.length - 1]!;

    const reference = (await scanShards(adapter, { shards: [CUT_SHARD], reader: 'client' })).shards[0]!;
    // Before the newest XDEL: possibly deleted (the gap before 3000 too); after it: lost.
    expect(reference.entries).toBeGreaterThanOrEqual(RAW_READER_MIN_ENTRIES);
    expect(reference.gaps.map((g) => [g.from, g.to, g.cause, g.maxDeletedId])).toEqual([
      [2000, 2049, 'possibly-deleted', maxDeleted],
      [3000, 3049, 'possibly-deleted', maxDeleted],
      [5000, 5049, 'lost', undefined],
    ]);
    for (const pageSize of [1, 49, 1000]) {
      let commands = 0;
      const raw = await scanShards(adapter, { shards: [CUT_SHARD], reader: 'raw', pageSize, onCommand: () => commands++ });
      expect({ pageSize, shard: raw.shards[0] }).toEqual({ pageSize, shard: reference });
      // Every XRANGE went over the scan connection.
      expect(commands).toBeGreaterThanOrEqual(Math.ceil(reference.entries / pageSize));
    }
    for (const workers of [2, 3]) {
      let threads = 0;
      const parallel = await scanShards(adapter, { shards: [CUT_SHARD], pageSize: 100, workers, onProgress: (p) => (threads = Math.max(threads, p.workers ?? 0)) });
      expect({ workers, shard: parallel.shards[0] }).toEqual({ workers, shard: reference });
      expect(threads).toBeGreaterThanOrEqual(1);
    }

    // The shard index marks its byte-read pages as poll's: Browse's gaps carry the same causes.
    const causes = (gaps: GapRange[]) => gaps.map((g) => [g.from, g.to, g.cause, g.maxDeletedId]);
    let commands = 0;
    const shared = new SharedScanConnection(() => adapter.client, 5000, () => commands++);
    const viaPoll = new ShardIndex(adapter, CUT_SHARD, CUT_KEY, () => {});
    const viaBytes = new ShardIndex(adapter, CUT_SHARD, CUT_KEY, () => {}, undefined, shared);
    try {
      await Promise.all([viaPoll.refresh(), viaBytes.refresh()]);
      expect(commands).toBeGreaterThan(0);
      const [byPoll, byBytes] = await Promise.all([viaPoll.gapReport(), viaBytes.gapReport()]);
      expect(byPoll.ready && byBytes.ready).toBe(true);
      expect(causes(byBytes.gaps)).toEqual(causes(reference.gaps));
      expect(causes(byPoll.gaps)).toEqual(causes(reference.gaps));
    } finally {
      viaPoll.stop();
      viaBytes.stop();
      shared.close();
    }
  });

  it('cuts each segment into worker ranges of its own, from the segment\'s start', () => {
    expect(idRanges('1000-5', '1003-0', 2, '(1000-5')).toEqual([
      { start: '(1000-5', end: '1001-18446744073709551615' },
      { start: '1002-0', end: '1003-0' },
    ]);
    expect(idRanges('1000-5', '1000-9', 4, '1000-6')).toEqual([{ start: '1000-6', end: '1000-9' }]);
  });
});

describe('the shard index on the byte-level reader', () => {
  it('builds exactly the index poll builds: positions, duplicate marks and where the copies are', async () => {
    const reference = await referenceEntries();
    let commands = 0;
    const shared = new SharedScanConnection(() => adapter.client, 5000, () => commands++);
    const viaPoll = new ShardIndex(adapter, SHARD, KEY, () => {});
    const viaBytes = new ShardIndex(adapter, SHARD, KEY, () => {}, undefined, shared);
    try {
      await Promise.all([viaPoll.refresh(), viaBytes.refresh()]);
      expect(viaBytes.status()).toEqual(viaPoll.status());
      expect(viaBytes.status()).toMatchObject({ state: 'ready', indexed: reference.length });
      // It did read on the shared scan connection.
      expect(commands).toBeGreaterThan(0);
      for (let p = 0; p < reference.length; p += 97) expect(viaBytes.locate(p)).toEqual(viaPoll.locate(p));
      expect(viaBytes.tip()).toEqual(viaPoll.tip());
      const ids = [...new Set(reference.map((e) => e.dedupId).filter((d): d is string => d !== undefined))];
      expect(viaBytes.duplicateMarks(ids)).toEqual(viaPoll.duplicateMarks(ids));
      const duplicated = viaPoll.duplicateMarks(ids).map((m) => m.dedupId);
      expect(duplicated.length).toBeGreaterThan(50);
      for (const id of [...duplicated, ...ids.slice(0, 50)]) expect(viaBytes.copyCandidates(id)).toEqual(viaPoll.copyCandidates(id));
    } finally {
      viaPoll.stop();
      viaBytes.stop();
      shared.close();
    }
  });
});

describe('SharedScanConnection', () => {
  it('opens another connection when the server closed its own, and counts every command', async () => {
    let commands = 0;
    const shared = new SharedScanConnection(() => adapter.client, 5000, () => commands++);
    try {
      const first = await shared.connection(KEY);
      expect((await first!.range(KEY, '-', '+', 1)).count).toBe(1);
      const list = String(await redis.client('LIST'));
      const id = /^id=(\d+) .*name=mesh-inspector:scan/m.exec(list)?.[1];
      await redis.client('KILL', 'ID', id!);
      // The next command on it fails (the server closed it); the shared connection opens another.
      await expect(first!.range(KEY, '-', '+', 1)).rejects.toThrow();
      const second = await shared.connection(KEY);
      expect(second).not.toBe(first);
      expect((await second!.range(KEY, '-', '+', 1)).count).toBe(1);
      // Each command written was counted (the one after the kill only if it was written before
      // the close arrived).
      expect(commands).toBeGreaterThanOrEqual(2);
      expect(commands).toBeLessThanOrEqual(3);
    } finally {
      shared.close();
    }
  });
});

describe('idRanges', () => {
  it('cuts first..last into consecutive millisecond spans covering exactly - .. last', () => {
    expect(idRanges('1000-5', '1009-3', 4)).toEqual([
      { start: '-', end: '1001-18446744073709551615' },
      { start: '1002-0', end: '1004-18446744073709551615' },
      { start: '1005-0', end: '1006-18446744073709551615' },
      { start: '1007-0', end: '1009-3' },
    ]);
  });

  it('makes no more ranges than milliseconds, and one range for one millisecond or unparsable ids', () => {
    expect(idRanges('7-0', '8-9', 16)).toEqual([
      { start: '-', end: '7-18446744073709551615' },
      { start: '8-0', end: '8-9' },
    ]);
    expect(idRanges('7-0', '7-9', 4)).toEqual([{ start: '-', end: '7-9' }]);
    expect(idRanges('x', '7-9', 4)).toEqual([{ start: '-', end: '7-9' }]);
  });
});

describe('autoWorkers', () => {
  it('uses workers only on more than two cores and for big shards, at most four', () => {
    expect(autoWorkers(10_000_000, 2)).toBe(0);
    expect(autoWorkers(PARALLEL_MIN_ENTRIES - 1, 16)).toBe(0);
    expect(autoWorkers(PARALLEL_MIN_ENTRIES, 3)).toBe(2);
    expect(autoWorkers(PARALLEL_MIN_ENTRIES, 4)).toBe(3);
    expect(autoWorkers(PARALLEL_MIN_ENTRIES, 64)).toBe(4);
  });
});

/**
 * The net-mesh Redis adapter against a real redis-server: what goes on the wire (byte for byte,
 * compared with the contract's RESP examples), what poll returns for every shape of entry, and
 * the lifecycle rules. Contract items are named in the test names.
 */
import { encodePayload } from '../../shared/wire';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type Redis from 'ioredis';
import { MeshAdapter, MAX_POLL_LIMIT } from '../../electron/core/adapter';
import type { ConnectionProfile } from '../../electron/core/connection';
import { MeshError } from '../../shared/errors';
import { exclusiveStart, streamIdSuccessor } from '../../shared/stream-id';
import type { CorruptEntry, MeshEntry, OkEntry } from '../../shared/types';
import { startRedis, type TestRedis } from '../helpers/redis-server';
import {
  frameCommand,
  splitRespFrames,
  startMonitor,
  startRecordingProxy,
  type Monitor,
  type MonitoredCommand,
} from '../helpers/redis-wire';

const NONCE = 0xdeadbeefcafef00dn;
const CONTRACT_EVENT = '{"token":"hello","index":42}';
const CONTRACT_PAYLOAD = '{"r":{"token":"hello","index":42},"t":1702123456789,"s":3}';
const CONTRACT_XADD_FRAME =
  '*7\r\n$4\r\nXADD\r\n$11\r\nnet:shard:3\r\n$1\r\n*\r\n$1\r\nd\r\n$58\r\n{"r":{"token":"hello","index":42},"t":1702123456789,"s":3}\r\n$8\r\ndedup_id\r\n$25\r\ndeadbeefcafef00d:3:1000:0\r\n';
const CONTRACT_XADD_MAXLEN_HEAD = '*10\r\n$4\r\nXADD\r\n$11\r\nnet:shard:3\r\n$6\r\nMAXLEN\r\n$1\r\n~\r\n$5\r\n10000\r\n$1\r\n*\r\n';

let redis: TestRedis;
let admin: Redis;
let monitor: Monitor;
const adapters: MeshAdapter[] = [];
let prefixCounter = 0;

beforeAll(async () => {
  redis = await startRedis();
  admin = redis.admin();
  monitor = await startMonitor(redis.port);
});

afterAll(async () => {
  monitor.close();
  await redis.stop();
});

afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.shutdown()));
  monitor.clear();
});

function freshPrefix(): string {
  return `t${++prefixCounter}`;
}

async function adapterFor(overrides: Partial<ConnectionProfile> = {}, opts: ConstructorParameters<typeof MeshAdapter>[1] = {}): Promise<MeshAdapter> {
  const a = new MeshAdapter({ url: redis.url, prefix: freshPrefix(), commandTimeoutMs: 2000, ...overrides }, opts);
  adapters.push(a);
  await a.init();
  return a;
}

/** Waits until MONITOR has shown a command that marks the end of the test's traffic. */
/**
 * Forgets what the monitor saw so far, after everything sent before this call reached it: MONITOR
 * output arrives on its own connection, so an init PING can otherwise land after a bare clear().
 */
let settles = 0;
async function clearMonitor(): Promise<void> {
  await monitored(`settle-${++settles}`);
  monitor.clear();
}

async function monitored(marker: string): Promise<MonitoredCommand[]> {
  await admin.echo(marker);
  await monitor.waitFor((c) => c.text[0]?.toUpperCase() === 'ECHO' && c.text[1] === marker);
  const all = [...monitor.commands];
  return all.slice(0, all.findIndex((c) => c.text[1] === marker && c.text[0]?.toUpperCase() === 'ECHO'));
}

function commandsOn(cmds: MonitoredCommand[], keyPrefix: string): MonitoredCommand[] {
  return cmds.filter((c) => c.text[1]?.startsWith(keyPrefix) || ['MULTI', 'EXEC'].includes(c.text[0]!.toUpperCase()));
}

const ok = (e: MeshEntry | null | undefined): OkEntry => {
  expect(e?.status).toBe('ok');
  return e as OkEntry;
};
const corrupt = (e: MeshEntry | null | undefined): CorruptEntry => {
  expect(e?.status).toBe('corrupt');
  return e as CorruptEntry;
};

async function rejection(p: Promise<unknown>): Promise<MeshError> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MeshError);
  return e as MeshError;
}

describe('publish: what goes on the wire', () => {
  it('1.2/1.4/3.5: the XADD frame is byte-identical to the contract RESP example, inside MULTI/EXEC', async () => {
    const proxy = await startRecordingProxy(redis.port);
    try {
      const a = new MeshAdapter({ url: proxy.url, prefix: 'net', commandTimeoutMs: 2000 });
      adapters.push(a);
      await a.init();
      await admin.del('net:shard:3');
      const out = await a.publish({ shard: 3, events: [CONTRACT_EVENT], nonce: NONCE, sequenceStart: 1000n, t: () => 1702123456789n });
      expect(out.dedupIds).toEqual(['deadbeefcafef00d:3:1000:0']);

      // Find the connection that carried the transaction and cut it into RESP frames.
      const frames = proxy.sent().map(splitRespFrames).find((fs) => fs.some((f) => frameCommand(f) === 'XADD'));
      expect(frames).toBeDefined();
      const tx = frames!.filter((f) => ['MULTI', 'XADD', 'EXEC'].includes(frameCommand(f)));
      expect(tx.map(frameCommand)).toEqual(['MULTI', 'XADD', 'EXEC']);
      expect(tx[1]!.toString('utf8')).toBe(CONTRACT_XADD_FRAME);
      // ioredis spells the transaction commands in lower case; Redis command names are
      // case-insensitive, so the frames are equal up to that (contract: `*1\r\n$5\r\nMULTI\r\n`).
      expect(tx[0]!.toString().toUpperCase()).toBe('*1\r\n$5\r\nMULTI\r\n');
      expect(tx[2]!.toString().toUpperCase()).toBe('*1\r\n$4\r\nEXEC\r\n');

      // And what Redis stored is exactly those bytes.
      const stored = (await admin.xrangeBuffer('net:shard:3', '-', '+')) as [Buffer, Buffer[]][];
      const fields = stored[0]![1];
      expect(fields.map((b) => b.toString('utf8'))).toEqual(['d', CONTRACT_PAYLOAD, 'dedup_id', 'deadbeefcafef00d:3:1000:0']);
      expect(fields[1]!.length).toBe(58);
    } finally {
      await proxy.close();
    }
  });

  it('3.4: with maxLen every XADD carries MAXLEN ~ N before * (RESP bytes as in the contract)', async () => {
    const proxy = await startRecordingProxy(redis.port);
    try {
      const a = new MeshAdapter({ url: proxy.url, prefix: 'net', commandTimeoutMs: 2000 });
      adapters.push(a);
      await a.init();
      await a.publish({ shard: 3, events: [CONTRACT_EVENT, CONTRACT_EVENT], nonce: NONCE, sequenceStart: 1000n, maxLen: 10000, t: () => 1702123456789n });
      const xadds = proxy.sent().flatMap(splitRespFrames).filter((f) => frameCommand(f) === 'XADD');
      expect(xadds).toHaveLength(2);
      for (const [i, f] of xadds.entries()) {
        expect(f.toString()).toBe(
          CONTRACT_XADD_MAXLEN_HEAD +
            `$1\r\nd\r\n$58\r\n${CONTRACT_PAYLOAD}\r\n$8\r\ndedup_id\r\n$25\r\ndeadbeefcafef00d:3:1000:${i}\r\n`,
        );
      }
    } finally {
      await proxy.close();
    }
  });

  it('1.2/3.3: MONITOR sees MULTI, one XADD per event in batch order with i = 0..n-1, then EXEC', async () => {
    const a = await adapterFor();
    const events = ['{"n":0}', '{"n":1}', '{"n":2}'];
    const out = await a.publish({ shard: 7, events, nonce: 0x123456789abcdefn, sequenceStart: 40n, t: (i) => 1000n + BigInt(i) });
    const cmds = commandsOn(await monitored('end-3.3'), a.prefix);
    // The stream's last id is read first (the anchor a lost reply is resolved from), then the batch.
    expect(cmds.map((c) => c.text[0]!.toUpperCase())).toEqual(['XREVRANGE', 'MULTI', 'XADD', 'XADD', 'XADD', 'EXEC']);
    const key = `${a.prefix}:shard:7`;
    expect(cmds[0]!.text.slice(1)).toEqual([key, '+', '-', 'COUNT', '1']);
    cmds.slice(2, 5).forEach((c, i) => {
      // The exact argument vector, bytes compared.
      expect(c.args).toEqual(
        [
          'XADD',
          key,
          '*',
          'd',
          `{"r":${events[i]},"t":${1000 + i},"s":7}`,
          'dedup_id',
          `123456789abcdef:7:40:${i}`,
        ].map((s) => Buffer.from(s)),
      );
    });
    expect(out.dedupIds).toEqual(['123456789abcdef:7:40:0', '123456789abcdef:7:40:1', '123456789abcdef:7:40:2']);
    expect(out.ids).toEqual((await admin.xrange(key, '-', '+')).map(([id]) => id));
    expect(out.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('tStart: event i carries tStart + i exactly (small, padded and carrying last six digits, up to 2^64-1)', async () => {
    const a = await adapterFor();
    const cases: Array<[bigint, number]> = [
      [5n, 3],
      [1_000_005n, 2],
      [1_999_998n, 4],
      [1_796_421_000_000_999_999n, 3],
      [18446744073709551613n, 3],
    ];
    for (const [tStart, n] of cases) {
      const out = await a.publish({ shard: 9, events: Array.from({ length: n }, () => '{}'), nonce: 1n, sequenceStart: 0n, tStart });
      const stored = await admin.xrange(`${a.prefix}:shard:9`, out.ids[0]!, out.ids[n - 1]!);
      expect(stored.map((e) => e[1][1])).toEqual(Array.from({ length: n }, (_, i) => encodePayload('{}', tStart + BigInt(i), 9)));
    }
    await expect(a.publish({ shard: 9, events: ['{}', '{}'], nonce: 1n, sequenceStart: 0n, tStart: 18446744073709551615n })).rejects.toThrow(/must stay a u64/);
  });

  it('1.3: the nonce is lowercase hex without padding (0x0123456789ABCDEF renders as 123456789abcdef)', async () => {
    const a = await adapterFor();
    const out = await a.publish({ shard: 7, events: ['1', '2', '3'], nonce: 0x0123456789abcdefn, sequenceStart: 1234n });
    expect(out.dedupIds[2]).toBe('123456789abcdef:7:1234:2');
  });

  it('3.2: an empty batch succeeds without any Redis I/O', async () => {
    const proxy = await startRecordingProxy(redis.port);
    try {
      const a = new MeshAdapter({ url: proxy.url, prefix: freshPrefix(), commandTimeoutMs: 2000 });
      adapters.push(a);
      await a.init();
      const before = proxy.sent().map((b) => b.length);
      expect(await a.publish({ shard: 1, events: [], nonce: NONCE, sequenceStart: 0n })).toEqual({ ids: [], dedupIds: [], latencyMs: 0 });
      await a.info('server'); // something that does go out, so the proxy has caught up
      const after = proxy.sent();
      expect(after.flatMap(splitRespFrames).map(frameCommand)).not.toContain('MULTI');
      // Only the INFO was added on the read connection.
      const grown = after.map((b, i) => b.length - (before[i] ?? 0));
      expect(grown.filter((g) => g > 0)).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it('default t: nanoseconds since the Unix epoch, strictly increasing within and across batches (cli.md publish)', async () => {
    const a = await adapterFor();
    const before = BigInt(Date.now()) * 1_000_000n;
    await a.publish({ shard: 0, events: ['1', '2', '3'], nonce: 5n, sequenceStart: 0n });
    await a.publish({ shard: 0, events: ['4'], nonce: 5n, sequenceStart: 3n });
    const after = (BigInt(Date.now()) + 1n) * 1_000_000n;
    const page = await a.poll(0, null, 10);
    const ts = page.entries.map((e) => BigInt(ok(e).t));
    expect(ts).toHaveLength(4);
    for (let i = 1; i < ts.length; i++) expect(ts[i]! > ts[i - 1]!).toBe(true);
    // within a few ms of wall time (hrtime-anchored, so allow clock-adjustment slack)
    expect(ts[0]! > before - 1_000_000_000n && ts[3]! < after + 1_000_000_000n).toBe(true);
  });

  it('rejects bad batches before sending anything (usage): shard, nonce 0, lone surrogate, bad t', async () => {
    const a = await adapterFor();
    const key = `${a.prefix}:shard:1`;
    const cases: [string, Parameters<MeshAdapter['publish']>[0]][] = [
      ['shard', { shard: 65536, events: ['1'], nonce: 1n, sequenceStart: 0n }],
      ['nonce', { shard: 1, events: ['1'], nonce: 0n, sequenceStart: 0n }],
      ['surrogate', { shard: 1, events: ['"\ud800"'], nonce: 1n, sequenceStart: 0n }],
      ['t', { shard: 1, events: ['1'], nonce: 1n, sequenceStart: 0n, t: () => -1n }],
      ['maxLen', { shard: 1, events: ['1'], nonce: 1n, sequenceStart: 0n, maxLen: 1.5 }],
    ];
    for (const [, batch] of cases) expect((await rejection(a.publish(batch))).kind).toBe('usage');
    expect(await admin.exists(key)).toBe(0);
  });
});

describe('poll: contract 1.5 page semantics', () => {
  it('round trip: publish then poll returns r byte-exact, t, s and dedupId', async () => {
    const a = await adapterFor();
    const events = ['{"b":1,"a":[1,2,3]}', '  {"spaced" : true }  '.trim(), '"just a string"', 'null', '12.50'];
    const out = await a.publish({ shard: 9, events, nonce: 0xabcn, sequenceStart: 7n, t: (i) => 100n + BigInt(i) });
    const page = await a.poll(9, null, 100);
    expect(page).toMatchObject({ shard: 9, key: `${a.prefix}:shard:9`, hasMore: false, nextId: out.ids[4] });
    expect(page.entries).toEqual(
      events.map((r, i) => ({ id: out.ids[i], status: 'ok', dedupId: `abc:9:7:${i}`, t: String(100 + i), s: 9, r })),
    );
  });

  it('7.8: big integers, number formatting and whitespace in r are kept byte-exact; t up to u64 max', async () => {
    const a = await adapterFor();
    const raw = '{ "big": 123456789012345678901234567890, "f": 1.0e+2, "neg": -0.000, "arr": [ 1 , 2 ] }';
    await a.publish({ shard: 1, events: [raw], nonce: 1n, sequenceStart: 0n, t: () => 18446744073709551615n });
    const e = ok((await a.poll(1, null, 1)).entries[0]);
    expect(e.r).toBe(raw);
    expect(e.t).toBe('18446744073709551615');
  });

  it('3.16-3.18: pages of limit entries, exclusive cursor, COUNT limit+1, hasMore and nextId until the end', async () => {
    const a = await adapterFor();
    const out = await a.publish({ shard: 2, events: Array.from({ length: 25 }, (_, i) => `{"i":${i}}`), nonce: 1n, sequenceStart: 0n });
    await clearMonitor();
    const pages = [];
    let after: string | null = null;
    for (;;) {
      const page = await a.poll(2, after, 10);
      pages.push(page);
      if (!page.hasMore) break;
      after = page.nextId;
    }
    expect(pages.map((p) => p.entries.length)).toEqual([10, 10, 5]);
    expect(pages.map((p) => p.hasMore)).toEqual([true, true, false]);
    expect(pages.map((p) => p.nextId)).toEqual([out.ids[9], out.ids[19], out.ids[24]]);
    expect(pages.flatMap((p) => p.entries.map((e) => e.id))).toEqual(out.ids);
    const xranges = (await monitored('end-3.16')).filter((c) => c.text[0]!.toUpperCase() === 'XRANGE' && c.text[1] === `${a.prefix}:shard:2`);
    // The first two pages are what the caller asked; a scanning caller also gets the next page
    // read ahead (same command), so the third XRANGE may come from the read-ahead.
    expect(xranges.map((c) => c.text.slice(2))).toEqual([
      ['-', '+', 'COUNT', '11'],
      [`(${out.ids[9]}`, '+', 'COUNT', '11'],
      [`(${out.ids[19]}`, '+', 'COUNT', '11'],
    ]);
  });

  it('3.21: an empty stream (or a missing key) gives no entries, nextId null, hasMore false', async () => {
    const a = await adapterFor();
    expect(await a.poll(4, null, 10)).toEqual({ shard: 4, key: `${a.prefix}:shard:4`, entries: [], nextId: null, hasMore: false });
  });

  it('3.29: limit 0 sends COUNT 1 and reports only whether an entry follows the cursor', async () => {
    const a = await adapterFor();
    const out = await a.publish({ shard: 3, events: ['1', '2'], nonce: 1n, sequenceStart: 0n });
    expect(await a.poll(3, null, 0)).toMatchObject({ entries: [], nextId: null, hasMore: true });
    expect(await a.poll(3, out.ids[0]!, 0)).toMatchObject({ entries: [], nextId: null, hasMore: true });
    expect(await a.poll(3, out.ids[1]!, 0)).toMatchObject({ entries: [], nextId: null, hasMore: false });
    const counts = (await monitored('end-3.29')).filter((c) => c.text[0]!.toUpperCase() === 'XRANGE' && c.text[1] === `${a.prefix}:shard:3`).map((c) => c.text[5]);
    expect(counts).toEqual(['1', '1', '1']);
  });

  it(`limit above ${MAX_POLL_LIMIT}, a negative limit, a bad cursor or shard are usage errors and send nothing`, async () => {
    const a = await adapterFor();
    await clearMonitor();
    expect((await rejection(a.poll(0, null, MAX_POLL_LIMIT + 1))).message).toBe(`limit must be 0..${MAX_POLL_LIMIT} (got ${MAX_POLL_LIMIT + 1})`);
    expect((await rejection(a.poll(0, null, -1))).kind).toBe('usage');
    expect((await rejection(a.poll(0, '12', 5))).kind).toBe('usage');
    expect((await rejection(a.poll(65536, null, 5))).kind).toBe('usage');
    expect((await rejection(a.pollReverse(0, 'x-1', 5))).kind).toBe('usage');
    const cmds = await monitored('end-usage');
    expect(cmds.filter((c) => c.text[1]?.startsWith(a.prefix))).toEqual([]);
  });

  it('3.19/3.20: an all-corrupt page still advances nextId to the last raw entry; trailing corrupt entries too', async () => {
    const a = await adapterFor();
    const key = `${a.prefix}:shard:5`;
    const bad1 = await admin.xadd(key, '*', 'd', 'not json');
    const bad2 = await admin.xadd(key, '*', 'd', '{"t":1}');
    const bad3 = await admin.xadd(key, '*', 'x', 'no d');
    const page1 = await a.poll(5, null, 3);
    expect(page1.entries.map((e) => e.status)).toEqual(['corrupt', 'corrupt', 'corrupt']);
    expect(page1.nextId).toBe(bad3);
    expect(page1.hasMore).toBe(false);

    const good = (await a.publish({ shard: 5, events: ['{"ok":1}'], nonce: 1n, sequenceStart: 0n })).ids[0];
    const bad4 = await admin.xadd(key, '*', 'd', '[]');
    const bad5 = await admin.xadd(key, '*', 'd', '');
    const page2 = await a.poll(5, bad3!, 10);
    expect(page2.entries.map((e) => [e.id, e.status])).toEqual([
      [good, 'ok'],
      [bad4, 'corrupt'],
      [bad5, 'corrupt'],
    ]);
    expect(page2.nextId).toBe(bad5);
    expect([bad1, bad2].every((id) => page1.entries.some((e) => e.id === id))).toBe(true);
  });

  it('3.22-3.28: every corrupt kind is returned marked with a reason, never dropped; edge cases that net-mesh accepts are ok', async () => {
    const a = await adapterFor();
    const key = `${a.prefix}:shard:6`;
    const add = (...fields: (string | Buffer)[]) => admin.xadd(key, '*', ...fields);
    const invalidUtf8 = Buffer.concat([Buffer.from('{"r":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","t":1,"s":6}')]);
    const rows: [string, string | null][] = [];
    const expectRow = async (label: string, fields: (string | Buffer)[]) => rows.push([label, await add(...fields)]);

    await expectRow('invalid JSON', ['d', '{"r":{"a":1},"t":1,"s":6', 'dedup_id', 'n:6:0:0']);
    await expectRow('invalid UTF-8', ['d', invalidUtf8, 'dedup_id', 'n:6:0:1']);
    await expectRow('BOM', ['d', '\ufeff{"r":1,"t":1,"s":6}']);
    await expectRow('missing r', ['d', '{"t":1,"s":6}']);
    await expectRow('bad t (negative)', ['d', '{"r":1,"t":-1,"s":6}']);
    await expectRow('bad t (string)', ['d', '{"r":1,"t":"5","s":6}']);
    await expectRow('bad t (fraction)', ['d', '{"r":1,"t":1.5,"s":6}']);
    await expectRow('t above u64', ['d', '{"r":1,"t":18446744073709551616,"s":6}']);
    await expectRow('s > 65535', ['d', '{"r":1,"t":1,"s":65536}']);
    await expectRow('duplicate key', ['d', '{"r":1,"r":2,"t":1,"s":6}']);
    await expectRow('trailing bytes', ['d', '{"r":1,"t":1,"s":6}x']);
    await expectRow('no d field', ['dedup_id', 'n:6:0:9', 'other', 'x']);
    // accepted by the Rust reader:
    await expectRow('dedup_id before d (3.27)', ['dedup_id', 'n:6:1:0', 'd', '{"r":{"k":1},"t":2,"s":6}']);
    await expectRow('unknown fields ignored', ['z', '1', 'd', '{"r":2,"t":3,"s":6,"extra":[1]}', 'y', '2']);
    await expectRow('r null (3.26)', ['d', '{"r":null}']);
    await expectRow('t and s absent default to 0 (3.24)', ['d', '{"r":[]}']);
    await expectRow('real U+FFFD in the text is valid UTF-8', ['d', '{"r":"\ufffd","t":1,"s":6}']);
    await expectRow('invalid UTF-8 in dedup_id is shown lossy', ['d', '{"r":1}', 'dedup_id', Buffer.from([0x61, 0xff])]);
    await expectRow('last d wins when a field repeats', ['d', 'garbage', 'd', '{"r":5}']);

    const page = await a.poll(6, null, 100);
    expect(page.entries.map((e) => e.id)).toEqual(rows.map(([, id]) => id));
    const by = new Map(rows.map(([label], i) => [label, page.entries[i]]));

    expect(corrupt(by.get('invalid JSON'))).toMatchObject({ dedupId: 'n:6:0:0', d: '{"r":{"a":1},"t":1,"s":6' });
    expect(corrupt(by.get('invalid JSON')).reason).toMatch(/not valid JSON/);
    const utf8 = corrupt(by.get('invalid UTF-8'));
    expect(utf8.reason).toBe('d is not valid UTF-8 (byte 6)');
    expect(utf8.d).toBe(`base64:${invalidUtf8.toString('base64')}`);
    expect(utf8.dedupId).toBe('n:6:0:1');
    expect(corrupt(by.get('BOM')).reason).toMatch(/byte order mark/);
    expect(corrupt(by.get('BOM')).d).toBe('\ufeff{"r":1,"t":1,"s":6}');
    expect(corrupt(by.get('missing r')).reason).toBe('d has no "r" field');
    for (const label of ['bad t (negative)', 'bad t (string)', 'bad t (fraction)', 't above u64']) {
      expect(corrupt(by.get(label)).reason).toMatch(/"t" is not an unsigned 64-bit integer/);
    }
    expect(corrupt(by.get('s > 65535')).reason).toMatch(/"s" is out of range 0..65535/);
    expect(corrupt(by.get('duplicate key')).reason).toMatch(/duplicate field "r"/);
    expect(corrupt(by.get('trailing bytes')).reason).toMatch(/trailing characters/);
    const noD = corrupt(by.get('no d field'));
    expect(noD).toEqual({ id: noD.id, status: 'corrupt', reason: 'entry has no d field', dedupId: 'n:6:0:9' });

    expect(ok(by.get('dedup_id before d (3.27)'))).toMatchObject({ dedupId: 'n:6:1:0', r: '{"k":1}', t: '2', s: 6 });
    expect(ok(by.get('unknown fields ignored'))).toMatchObject({ r: '2', t: '3', s: 6 });
    expect(ok(by.get('unknown fields ignored')).dedupId).toBeUndefined();
    expect(ok(by.get('r null (3.26)'))).toMatchObject({ r: 'null', t: '0', s: 0 });
    expect(ok(by.get('t and s absent default to 0 (3.24)'))).toMatchObject({ r: '[]', t: '0', s: 0 });
    expect(ok(by.get('real U+FFFD in the text is valid UTF-8')).r).toBe('"\ufffd"');
    expect(ok(by.get('invalid UTF-8 in dedup_id is shown lossy')).dedupId).toBe('a\ufffd');
    expect(ok(by.get('last d wins when a field repeats')).r).toBe('5');
  });

  it('invalid UTF-8 is detected exactly on every path: poll, pollReverse and fetchEntry', async () => {
    const a = await adapterFor();
    const key = `${a.prefix}:shard:8`;
    // An overlong encoding and a lone continuation byte: both decode lossily to U+FFFD.
    const id1 = await admin.xadd(key, '*', 'd', Buffer.concat([Buffer.from('{"r":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]));
    const id2 = await admin.xadd(key, '*', 'd', Buffer.concat([Buffer.from('{"r":"ok'), Buffer.from([0x80]), Buffer.from('"}')]));
    const fwd = await a.poll(8, null, 10);
    const rev = await a.pollReverse(8, null, 10);
    const one = await a.fetchEntry(8, id2!);
    expect(fwd.entries.map((e) => corrupt(e).reason)).toEqual(['d is not valid UTF-8 (byte 6)', 'd is not valid UTF-8 (byte 8)']);
    expect(rev.entries.map((e) => e.id)).toEqual([id2, id1]);
    expect(rev.entries.map((e) => corrupt(e).reason)).toEqual(['d is not valid UTF-8 (byte 8)', 'd is not valid UTF-8 (byte 6)']);
    expect(one).toEqual(fwd.entries[1]);
  });

  it('300 KB and 5 MB payloads round-trip byte-exact', async () => {
    // MONITOR would echo 5 MB through Redis' escaping; this test needs no wire view.
    monitor.close();
    onTestFinished(async () => {
      monitor = await startMonitor(redis.port);
    });
    const a = await adapterFor({ commandTimeoutMs: 10_000 });
    const big300 = JSON.stringify({ blob: 'x'.repeat(300 * 1024), u: 'é€😀' });
    const big5m = JSON.stringify({ blob: 'y'.repeat(5 * 1024 * 1024) });
    const out = await a.publish({ shard: 1, events: [big300, big5m], nonce: 1n, sequenceStart: 0n });
    const page = await a.poll(1, null, 2);
    expect(ok(page.entries[0]).r).toBe(big300);
    expect(ok(page.entries[1]).r).toBe(big5m);
    expect(ok(await a.fetchEntry(1, out.ids[1]!)).r.length).toBe(big5m.length);
    const stored = (await admin.xrangeBuffer(`${a.prefix}:shard:1`, out.ids[0]!, out.ids[0]!)) as [Buffer, Buffer[]][];
    expect(stored[0]![1][1]!.equals(Buffer.from(`{"r":${big300},"t":${ok(page.entries[0]).t},"s":1}`))).toBe(true);
  });
});

describe('pollReverse and fetchEntry', () => {
  it('pollReverse pages newest first with an exclusive ( end, COUNT limit+1, mirrored nextId/hasMore', async () => {
    const a = await adapterFor();
    const out = await a.publish({ shard: 1, events: Array.from({ length: 7 }, (_, i) => String(i)), nonce: 1n, sequenceStart: 0n });
    const p1 = await a.pollReverse(1, null, 3);
    const p2 = await a.pollReverse(1, p1.nextId, 3);
    const p3 = await a.pollReverse(1, p2.nextId, 3);
    expect([p1, p2, p3].map((p) => p.entries.map((e) => ok(e).r))).toEqual([['6', '5', '4'], ['3', '2', '1'], ['0']]);
    expect([p1, p2, p3].map((p) => [p.nextId, p.hasMore])).toEqual([
      [out.ids[4], true],
      [out.ids[1], true],
      [out.ids[0], false],
    ]);
    const revs = (await monitored('end-rev')).filter((c) => c.text[0]!.toUpperCase() === 'XREVRANGE' && c.text[1] === `${a.prefix}:shard:1`);
    expect(revs.map((c) => c.text.slice(2))).toEqual([
      // publish's read of the stream's last id before MULTI
      ['+', '-', 'COUNT', '1'],
      ['+', '-', 'COUNT', '4'],
      [`(${out.ids[4]}`, '-', 'COUNT', '4'],
      [`(${out.ids[1]}`, '-', 'COUNT', '4'],
    ]);
  });

  it('fetchEntry returns one entry with its full payload, or null when absent', async () => {
    const a = await adapterFor();
    const out = await a.publish({ shard: 2, events: ['{"a":1}', '{"b":2}'], nonce: 0xfn, sequenceStart: 3n, t: () => 9n });
    expect(await a.fetchEntry(2, out.ids[1]!)).toEqual({ id: out.ids[1], status: 'ok', dedupId: 'f:2:3:1', t: '9', s: 2, r: '{"b":2}' });
    expect(await a.fetchEntry(2, '1-0')).toBeNull();
  });
});

describe('Redis before 6.2 (contract 7.10): successor ids instead of (', () => {
  it('exclusiveStart uses ( on 6.2+ and the successor id before', () => {
    expect(exclusiveStart('5-3', true)).toBe('(5-3');
    expect(exclusiveStart('5-3', false)).toBe('5-4');
    expect(exclusiveStart('5-18446744073709551615', false)).toBe('6-0');
    expect(streamIdSuccessor('18446744073709551615-18446744073709551615')).toBeNull();
  });

  it('an adapter that believes the server is 6.0 paginates with successor ids and gets the same pages', async () => {
    const a = await adapterFor({}, { serverVersionOverride: '6.0.20' });
    expect(a.exclusiveRanges).toBe(false);
    const out = await a.publish({ shard: 1, events: ['1', '2', '3', '4', '5'], nonce: 1n, sequenceStart: 0n });
    const p1 = await a.poll(1, null, 2);
    const p2 = await a.poll(1, p1.nextId, 2);
    const r1 = await a.pollReverse(1, out.ids[2]!, 5);
    expect(p2.entries.map((e) => e.id)).toEqual(out.ids.slice(2, 4));
    expect(r1.entries.map((e) => e.id)).toEqual([out.ids[1], out.ids[0]]);
    const cmds = (await monitored('end-6.0')).filter((c) => c.text[1] === `${a.prefix}:shard:1` && /RANGE/i.test(c.text[0]!));
    expect(cmds.some((c) => c.text.slice(2).some((arg) => arg.startsWith('(')))).toBe(false);
    const forward = cmds.filter((c) => /^XRANGE$/i.test(c.text[0]!));
    expect(forward[1]!.text[2]).toBe(streamIdSuccessor(p1.nextId!));
  });
});

describe('lifecycle', () => {
  it('3.32: init is idempotent: a second (or concurrent) init is a no-op on the same connections', async () => {
    const a = new MeshAdapter({ url: redis.url, prefix: freshPrefix(), commandTimeoutMs: 2000, connectionName: 'idem-test' });
    adapters.push(a);
    await Promise.all([a.init(), a.init()]);
    await a.init();
    const names = (await admin.client('LIST') as string).split('\n').filter((l) => l.includes('name=idem-test'));
    expect(names.map((l) => /name=(\S+)/.exec(l)![1]).sort()).toEqual(['idem-test:publish', 'idem-test:read']);
    expect(a.serverVersion).toMatch(/^\d+\.\d+/);
    expect(a.exclusiveRanges).toBe(true);
  });

  it('3.34/3.2: after shutdown publish and poll refuse as fatal "adapter is shut down"; an empty publish still succeeds', async () => {
    const a = await adapterFor();
    await a.shutdown();
    await a.shutdown();
    const p = await rejection(a.publish({ shard: 1, events: ['1'], nonce: 1n, sequenceStart: 0n }));
    expect([p.kind, p.message]).toEqual(['fatal', 'adapter is shut down']);
    const q = await rejection(a.poll(1, null, 1));
    expect([q.kind, q.message]).toEqual(['fatal', 'adapter is shut down']);
    expect((await rejection(a.init())).message).toBe('adapter is shut down');
    expect(await a.publish({ shard: 1, events: [], nonce: 1n, sequenceStart: 0n })).toEqual({ ids: [], dedupIds: [], latencyMs: 0 });
    expect(a.client.status).toBe('end');
    expect(await a.health()).toMatchObject({ healthy: false, latencyMs: null, error: { kind: 'fatal', message: 'adapter is shut down' } });
  });

  it('3.34: before init, publish and poll refuse', async () => {
    const a = new MeshAdapter({ url: redis.url, prefix: freshPrefix(), commandTimeoutMs: 2000 });
    adapters.push(a);
    expect((await rejection(a.poll(0, null, 1))).kind).toBe('fatal');
    expect((await a.health()).healthy).toBe(false);
  });

  it('3.36: health is a PING on the established connection with its latency; info parses INFO', async () => {
    const a = await adapterFor();
    await clearMonitor();
    const h = await a.health();
    expect(h.healthy).toBe(true);
    expect(h.error).toBeNull();
    expect(typeof h.latencyMs).toBe('number');
    const info = await a.info('server');
    expect(info.redis_version).toBe(a.serverVersion);
    expect(info.tcp_port).toBe(String(redis.port));
    const cmds = await monitored('end-health');
    expect(cmds.filter((c) => c.text[0]!.toUpperCase() === 'PING')).toHaveLength(1);
  });

  it('read-only profiles cannot publish (usage) and open no publish connection', async () => {
    const a = await adapterFor({ readOnly: true });
    expect(a.publishClient).toBeUndefined();
    expect((await rejection(a.publish({ shard: 1, events: ['1'], nonce: 1n, sequenceStart: 0n }))).kind).toBe('usage');
  });

  it('a single poll sends exactly one XRANGE (no read-ahead unless the caller is scanning)', async () => {
    const a = await adapterFor();
    await a.publish({ shard: 1, events: Array.from({ length: 30 }, (_, i) => String(i)), nonce: 1n, sequenceStart: 0n });
    await clearMonitor();
    const p1 = await a.poll(1, null, 5);
    await a.poll(1, p1.entries[2]!.id, 5); // not a continuation of p1
    const cmds = (await monitored('end-single')).filter((c) => c.text[0]!.toUpperCase() === 'XRANGE' && c.text[1] === `${a.prefix}:shard:1`);
    expect(cmds).toHaveLength(2);
  });
});

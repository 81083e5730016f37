/**
 * The shard browser's list models (renderer/src/features/browser/): StreamModel (one shard by
 * position) and ListModel (the merged and filtered lists), against a fake api client. The
 * browser's frame clock is the test's: `frame()` runs what the models scheduled for the next
 * animation frame (the live tail is folded in once per frame).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../renderer/src/api';
import { ListModel } from '../../renderer/src/features/browser/list-model';
import { compareStreamIds } from '../../shared/stream-id';
import { PAGE_SIZE, StreamModel } from '../../renderer/src/features/browser/stream-model';
import type { DuplicateMark, PageEntry, PositionedPage } from '../../shared/contract';
import { FakeApi, deferred, whenTrue } from '../helpers/fake-api';

// ---- the frame clock ----
let frameQueue = new Map<number, FrameRequestCallback>();
let nextFrame = 1;
const saved = { raf: globalThis.requestAnimationFrame, caf: globalThis.cancelAnimationFrame };
beforeAll(() => {
  globalThis.requestAnimationFrame = (cb) => {
    frameQueue.set(nextFrame, cb);
    return nextFrame++;
  };
  globalThis.cancelAnimationFrame = (id) => void frameQueue.delete(id);
});
afterAll(() => {
  globalThis.requestAnimationFrame = saved.raf;
  globalThis.cancelAnimationFrame = saved.caf;
});
function frame(): void {
  const due = [...frameQueue.values()];
  frameQueue = new Map();
  for (const cb of due) cb(0);
}

// ---- a shard as the core would answer it ----
const idAt = (shard: number, i: number): string => `${1_000 + i * 10 + shard}-0`;
const entryAt = (shard: number, i: number): PageEntry => ({ id: idAt(shard, i), status: 'ok', dedupId: `ab:${shard}:0:${i}`, t: String(i), s: shard, r: `{"i":${i}}` });

/** Answers `events:at`, `index:status` and the tail's channels for one shard of `length` entries. */
function serveShard(api: FakeApi, shard: number, length: number): { subscriptions: string[]; page: (req: { position: number; limit: number }) => PositionedPage } {
  const subscriptions: string[] = [];
  const page = (req: { position: number; limit: number }): PositionedPage => {
    const entries: PageEntry[] = [];
    for (let i = req.position; i < Math.min(length, req.position + req.limit); i++) entries.push(entryAt(shard, i));
    const reachesEnd = req.position + req.limit >= length;
    return {
      shard,
      key: `net:shard:${shard}`,
      entries,
      nextId: entries.at(-1)?.id ?? null,
      hasMore: !reachesEnd,
      position: req.position,
      exact: true,
      ...(reachesEnd ? { length } : {}),
    };
  };
  api
    .handle('index:status', () => ({ shard, state: 'ready' as const, indexed: length, total: length, step: 256 }))
    .handle('events:at', page)
    .handle('tail:subscribe', () => {
      const subscriptionId = `sub-${subscriptions.length + 1}`;
      subscriptions.push(subscriptionId);
      return { subscriptionId };
    })
    .handle('tail:unsubscribe', () => ({ ok: true as const }))
    .handle('duplicates:lookup', () => ({ ready: true, marks: [] }));
  return { subscriptions, page };
}

const models: Array<{ stop(): void }> = [];
afterEach(() => {
  for (const m of models.splice(0)) m.stop();
  frameQueue.clear();
});

function openStream(api: FakeApi, shard: number, length: number): StreamModel {
  const model = new StreamModel(api, shard, length);
  models.push(model);
  model.start();
  return model;
}

describe('StreamModel: one shard by position', () => {
  it('opens at the end: reads the newest page first, anchors there and follows the tail after the newest id', async () => {
    const api = new FakeApi();
    serveShard(api, 3, 1_200);
    const model = openStream(api, 3, 1_200);
    await whenTrue(model.subscribe, () => model.tailActive);

    expect(api.requests('events:at')[0]).toMatchObject({ shard: 3, position: 2 * PAGE_SIZE, limit: PAGE_SIZE });
    expect(api.requests('tail:subscribe')).toEqual([expect.objectContaining({ shards: [3], after: { '3': idAt(3, 1_199) } })]);
    expect(model.length).toBe(1_200);
    expect(model.rowAt(1_199)).toMatchObject({ state: 'ready', entry: { id: idAt(3, 1_199) } });
  });

  it('shows rows as loading until their page arrives, then ready, and reads only pages near the view', async () => {
    const api = new FakeApi();
    serveShard(api, 1, 5_000);
    const model = openStream(api, 1, 5_000);
    await whenTrue(model.subscribe, () => model.tailActive);

    model.setView(2_000, 2_030);
    expect(model.rowAt(2_010).state).toBe('loading');
    await whenTrue(model.subscribe, () => model.rowAt(2_010).state === 'ready');
    expect(model.rowAt(2_010).entry?.id).toBe(idAt(1, 2_010));
    // The view's page (4) and the one its margin reaches (3); never the far pages.
    const positions = api.requests('events:at').map((r) => r.position);
    expect(positions).toContain(4 * PAGE_SIZE);
    expect(positions).not.toContain(0);
    expect(positions).not.toContain(7 * PAGE_SIZE);
  });

  it('folds the live tail in once per frame, after the anchor, never counting an entry twice', async () => {
    const api = new FakeApi();
    const { subscriptions } = serveShard(api, 0, 10);
    const model = openStream(api, 0, 10);
    await whenTrue(model.subscribe, () => model.tailActive);

    api.emit('tail:entries', { subscriptionId: subscriptions[0]!, shard: 0, entries: [entryAt(0, 9), entryAt(0, 10), entryAt(0, 11)], dropped: 0 });
    expect(model.length).toBe(10); // not before the frame
    frame();
    expect(model.length).toBe(12);
    expect(model.rowAt(11)).toMatchObject({ state: 'ready', entry: { id: idAt(0, 11) } });
    expect(model.newCount).toBe(0); // following the live end

    model.setFollowing(false);
    api.emit('tail:entries', { subscriptionId: subscriptions[0]!, shard: 0, entries: [entryAt(0, 12)], dropped: 0 });
    // A batch of a subscription that is not the model's (an older one) is ignored.
    api.emit('tail:entries', { subscriptionId: 'someone-else', shard: 0, entries: [entryAt(0, 13)], dropped: 0 });
    frame();
    expect(model.length).toBe(13);
    expect(model.newCount).toBe(1);
    model.setFollowing(true);
    expect(model.newCount).toBe(0);
  });

  it('a failed page shows error rows and the reason; a reload reads it again', async () => {
    const api = new FakeApi();
    const { page } = serveShard(api, 2, 400);
    let failing = true;
    api.handle('events:at', (req) => {
      if (failing) throw new ApiError({ kind: 'transient', message: 'Connection is closed.', code: 'ECONNRESET' });
      return page(req);
    });
    const model = openStream(api, 2, 400);
    model.setView(0, 20);
    await whenTrue(model.subscribe, () => model.rowAt(0).state === 'error');
    expect(model.error).toEqual({ kind: 'transient', message: 'Connection is closed.', code: 'ECONNRESET' });

    failing = false;
    model.reload();
    await whenTrue(model.subscribe, () => model.rowAt(0).state === 'ready');
    expect(model.error).toBeNull();
  });

  it('reload() re-reads what it shows and follows the tail again from a new subscription', async () => {
    // What the reload button does, and what the store has every open lane do once after the link
    // to the core or Redis came back (serve dropped the tail meanwhile).
    const api = new FakeApi();
    const { subscriptions } = serveShard(api, 5, 100);
    const model = openStream(api, 5, 100);
    model.setView(0, 30);
    await whenTrue(model.subscribe, () => model.tailActive && model.rowAt(0).state === 'ready');
    const readsBefore = api.requests('events:at').length;

    model.reload();
    expect(model.tailActive).toBe(false);
    await whenTrue(model.subscribe, () => subscriptions.length === 2 && model.tailActive);
    expect(api.requests('tail:unsubscribe')).toEqual([{ subscriptionId: 'sub-1' }]);
    expect(api.requests('events:at').length).toBeGreaterThan(readsBefore);
    expect(model.rowAt(0).state).toBe('ready');
  });

  it('marks duplicates on the rows on screen', async () => {
    const api = new FakeApi();
    serveShard(api, 4, 50);
    const mark: DuplicateMark = { dedupId: 'ab:4:0:7', kind: 'retry', copies: 2 };
    api.handle('duplicates:lookup', (req) => ({ ready: true, marks: req.dedupIds.includes(mark.dedupId) ? [mark] : [] }));
    const model = openStream(api, 4, 50);
    model.setView(0, 20);
    await whenTrue(model.subscribe, () => model.rowAt(7).mark !== undefined);
    expect(model.rowAt(7).mark).toEqual(mark);
    expect(model.rowAt(8).mark).toBeUndefined();
  });

  it('stop() removes its listeners and ends its tail', async () => {
    const api = new FakeApi();
    serveShard(api, 6, 10);
    const model = openStream(api, 6, 10);
    await whenTrue(model.subscribe, () => model.tailActive);
    model.stop();
    expect(api.listenerCount('tail:entries')).toBe(0);
    expect(api.listenerCount('index:changed')).toBe(0);
    expect(api.requests('tail:unsubscribe')).toEqual([{ subscriptionId: 'sub-1' }]);
  });
});

describe('ListModel: merged and filtered lists', () => {
  /** `events:page` backward (newest first) over `count` entries of each shard. */
  function servePages(api: FakeApi, count: number, hold?: Map<number, Promise<void>>): { answered: Set<number> } {
    const answered = new Set<number>();
    api.handle('events:page', async (req) => {
      await hold?.get(req.shard);
      answered.add(req.shard);
      const all = Array.from({ length: count }, (_, i) => entryAt(req.shard, i)).reverse();
      const start = req.cursor ? all.findIndex((e) => e.id === req.cursor) + 1 : 0;
      const entries = all.slice(start, start + (req.limit ?? 100));
      return { shard: req.shard, key: `net:shard:${req.shard}`, entries, nextId: entries.at(-1)?.id ?? null, hasMore: start + entries.length < all.length };
    });
    api.handle('duplicates:lookup', () => ({ ready: true, marks: [] }));
    let n = 0;
    api.handle('tail:subscribe', () => ({ subscriptionId: `tail-${++n}` }));
    api.handle('tail:unsubscribe', () => ({ ok: true as const }));
    return { answered };
  }

  it('merges shards newest first by stream id, whatever order their pages arrive in', async () => {
    const api = new FakeApi();
    const slow = deferred<void>();
    const { answered } = servePages(api, 5, new Map([[1, slow.promise]]));
    const list = new ListModel(api, [1, 2], 'newest', null, 10);
    models.push(list);
    list.start();
    // Shard 2 answered, shard 1 not yet: nothing can be shown, as shard 1 may hold a newer entry.
    await whenTrue(list.subscribe, () => answered.has(2) && list.loading);
    expect(answered.has(1)).toBe(false);
    expect(list.rows).toEqual([]);

    slow.resolve();
    await whenTrue(list.subscribe, () => list.done);
    const ids = list.rows.map((r) => r.entry.id);
    expect(ids).toEqual([...ids].sort((a, b) => b.localeCompare(a, undefined, { numeric: true })));
    expect(list.rows.map((r) => r.shard)).toEqual([2, 1, 2, 1, 2, 1, 2, 1, 2, 1]);
  });

  it('merges 600 shards exactly (ties in shard order), with a bounded number of page reads in flight', async () => {
    const api = new FakeApi();
    let inFlight = 0;
    let most = 0;
    const SHARDS = 600;
    // Every shard has ids 1000-0, 1010-0, ... and shard s also (s % 7) * 3 + 5 in between: many ties.
    const idsOf = (shard: number) => Array.from({ length: 6 }, (_, i) => `${1_000 + i * 10 + (i % 2 === 0 ? 0 : shard % 7)}-0`).reverse();
    api.handle('events:page', async (req) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await Promise.resolve();
      inFlight--;
      const all = idsOf(req.shard);
      const start = req.cursor ? all.indexOf(req.cursor) + 1 : 0;
      const entries = all.slice(start, start + (req.limit ?? 100)).map((id) => ({ ...entryAt(req.shard, 0), id }));
      return { shard: req.shard, key: `net:shard:${req.shard}`, entries, nextId: entries.at(-1)?.id ?? null, hasMore: start + entries.length < all.length };
    });
    api.handle('duplicates:lookup', () => ({ ready: true, marks: [] }));
    let n = 0;
    api.handle('tail:subscribe', () => ({ subscriptionId: `tail-${++n}` }));
    api.handle('tail:unsubscribe', () => ({ ok: true as const }));
    const shards = Array.from({ length: SHARDS }, (_, i) => i + 1);
    const list = new ListModel(api, shards, 'newest', null, SHARDS * 6);
    models.push(list);
    list.start();
    list.ensure(SHARDS * 6);
    await whenTrue(list.subscribe, () => list.done);
    const expected = shards
      .flatMap((shard) => idsOf(shard).map((id) => ({ shard, id })))
      .sort((a, b) => compareStreamIds(b.id, a.id) || a.shard - b.shard)
      .map((r) => `${r.shard}:${r.id}`);
    expect(list.rows.map((r) => `${r.shard}:${r.entry.id}`)).toEqual(expected);
    expect(most).toBeLessThanOrEqual(64);
    expect(list.loading).toBe(false);
    expect(list.scanned).toBe(SHARDS * 6);
  });

  it('puts live entries on top by id once per frame, and counts them as new while the view is away', async () => {
    const api = new FakeApi();
    servePages(api, 3);
    const list = new ListModel(api, [1, 2], 'newest', null, 6);
    models.push(list);
    list.start();
    await whenTrue(list.subscribe, () => list.live);
    expect(api.requests('tail:subscribe')).toEqual([expect.objectContaining({ shards: [1, 2], after: { '1': idAt(1, 2), '2': idAt(2, 2) } })]);

    list.setFollowing(false);
    api.emit('tail:entries', { subscriptionId: 'tail-1', shard: 1, entries: [entryAt(1, 3)], dropped: 0 });
    api.emit('tail:entries', { subscriptionId: 'tail-1', shard: 2, entries: [entryAt(2, 3)], dropped: 0 });
    expect(list.rows).toHaveLength(6);
    frame();
    expect(list.rows.slice(0, 2).map((r) => r.entry.id)).toEqual([idAt(2, 3), idAt(1, 3)]);
    expect(list.topInserted).toBe(2);
    expect(list.newCount).toBe(2);
  });

  it('a filter reads in bounded steps, and a cancelled scan asks for no further step', async () => {
    const api = new FakeApi();
    const step = deferred<void>();
    let steps = 0;
    api.handle('events:filter', async (req) => {
      steps++;
      if (steps === 2) await step.promise;
      const matches = steps === 1 ? [entryAt(7, 3)] : [];
      return { shard: req.shard, entries: matches, cursor: `c${steps}`, done: false, scanned: 20_000, duplicatesReady: true };
    });
    api.handle('duplicates:lookup', () => ({ ready: true, marks: [] }));
    const list = new ListModel(api, [7], 'oldest', { text: 'needle' }, 100_000);
    models.push(list);
    list.start();
    await whenTrue(list.subscribe, () => steps === 2);
    expect(api.requests('events:filter')[0]).toMatchObject({ shard: 7, direction: 'forward', cursor: null, query: { text: 'needle' } });
    expect(api.requests('events:filter')[1]).toMatchObject({ cursor: 'c1' });

    list.cancel();
    step.resolve();
    await whenTrue(list.subscribe, () => !list.loading);
    expect(list.scanned).toBe(40_000);
    expect(list.stopped).toBe(true);
    expect(steps).toBe(2);
  });
});

describe('ListModel: status filters served from the shard index (issues 13/14)', () => {
  const pos = (i: number) => i;

  it('waits for the index with its progress, then asks again and lists rows with their positions', async () => {
    const api = new FakeApi();
    let ready = false;
    api.handle('events:filter', (req) =>
      ready
        ? { shard: req.shard, entries: [entryAt(3, 7), entryAt(3, 9)], positions: [pos(7), pos(9)], cursor: idAt(3, 9), done: true, scanned: 2, duplicatesReady: true, matchTotal: 2 }
        : { shard: req.shard, entries: [], cursor: null, done: false, scanned: 0, duplicatesReady: false, pending: true, index: { shard: 3, state: 'building' as const, indexed: 40, total: 100, step: 256 } },
    );
    api.handle('duplicates:lookup', () => ({ ready: true, marks: [] }));
    const list = new ListModel(api, [3], 'oldest', { status: 'misrouted' }, 100);
    models.push(list);
    list.start();
    await whenTrue(list.subscribe, () => list.indexStatus?.indexed === 40 && !list.loading);
    expect(list.rows).toEqual([]);
    expect(api.calls.filter((c) => c.channel === 'events:filter')).toHaveLength(1);
    ready = true;
    api.emit('index:changed', { shard: 3, state: 'ready', indexed: 100, total: 100, step: 256 });
    await whenTrue(list.subscribe, () => list.done);
    expect(list.rows.map((r) => [r.entry.id, r.position])).toEqual([
      [idAt(3, 7), 7],
      [idAt(3, 9), 9],
    ]);
    expect(list.matchTotal).toBe(2);
  });

  it('puts a gap marker after the entry before each gap (above it newest first), and a header over each duplicated id', async () => {
    for (const order of ['oldest', 'newest'] as const) {
      const api = new FakeApi();
      const before = entryAt(3, 4);
      const after = entryAt(3, 5);
      const rows = order === 'oldest' ? [before, after] : [after, before];
      api.handle('events:filter', (req) => ({ shard: req.shard, entries: rows, positions: rows.map((e) => Number(e.dedupId!.split(':')[3])), cursor: rows[1]!.id, done: true, scanned: 2, duplicatesReady: true, matchTotal: 2 }));
      api.handle('gaps:list', () => ({
        shard: 3,
        ready: true,
        gaps: [{ nonce: 'ab', from: 10, to: 19, cause: 'lost' as const, reason: 'r' }],
        headGaps: [],
        places: [{ before: 4, after: 5, beforeDedupId: 'ab:3:0:9', afterDedupId: 'ab:3:20:0' }],
      }));
      api.handle('duplicates:lookup', () => ({ ready: true, marks: [] }));
      const list = new ListModel(api, [3], order, { status: 'gap' }, 100);
      models.push(list);
      list.start();
      await whenTrue(list.subscribe, () => list.done && list.itemCount === 3);
      const shown = Array.from({ length: list.itemCount }, (_, i) => {
        const it = list.itemAt(i)!;
        return typeof it === 'number' ? list.rows[it]!.position : it.kind;
      });
      expect(shown).toEqual(order === 'oldest' ? [4, 'gap', 5] : [5, 'gap', 4]);
    }

    const api = new FakeApi();
    const copies = [entryAt(3, 1), { ...entryAt(3, 2), dedupId: 'ab:3:0:1' }, entryAt(3, 6), { ...entryAt(3, 8), dedupId: 'ab:3:0:6' }];
    api.handle('events:filter', (req) => ({ shard: req.shard, entries: copies, positions: [1, 2, 6, 8], cursor: copies[3]!.id, done: true, scanned: 4, duplicatesReady: true, matchTotal: 4 }));
    const marks: DuplicateMark[] = [
      { dedupId: 'ab:3:0:1', kind: 'collision', copies: 2 },
      { dedupId: 'ab:3:0:6', kind: 'retry', copies: 2 },
    ];
    api.handle('duplicates:lookup', () => ({ ready: true, marks }));
    const list = new ListModel(api, [3], 'oldest', { status: 'duplicate' }, 100);
    models.push(list);
    list.start();
    await whenTrue(list.subscribe, () => list.done && list.itemCount === 6 && list.markOf(list.rows[3]!) !== undefined);
    const shown = Array.from({ length: list.itemCount }, (_, i) => {
      const it = list.itemAt(i)!;
      return typeof it === 'number' ? list.rows[it]!.position : it.kind === 'group' ? `${it.dup}:${it.dedupId}:${it.section}` : it.kind;
    });
    expect(shown).toEqual(['collision:ab:3:0:1:true', 1, 2, 'retry:ab:3:0:6:true', 6, 8]);
    expect(list.itemOf(2)).toBe(4);
  });
});

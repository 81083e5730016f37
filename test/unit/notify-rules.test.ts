import { describe, expect, it } from 'vitest';
import { NotifyFolder, TailWatch, duration, type NotifySignal } from '../../shared/notify-rules';
import type { MeshEntry } from '../../shared/types';
import { withDesktopNotifications, type NotificationClass } from '../../electron/main/notifications';

const RULES = { foldMs: 2000, minGapMs: 30_000 };
const T0 = 1_700_000_000_000;
const corrupt = (at: number, shard = 3, count = 1): NotifySignal => ({ kind: 'corrupt', at, shard, count });

describe('NotifyFolder: one notice per burst', () => {
  it('gathers a burst for foldMs and shows it once, with every signal counted', () => {
    const f = new NotifyFolder(RULES);
    f.push(corrupt(T0));
    expect(f.nextDueAt()).toBe(T0 + 2000);
    for (let i = 1; i < 12; i++) f.push(corrupt(T0 + i * 100));
    f.push({ kind: 'collision', at: T0 + 1500, shard: 3, count: 1 });
    expect(f.take(T0 + 1999)).toEqual([]);
    const [n, ...rest] = f.take(T0 + 2000);
    expect(rest).toEqual([]);
    expect(n).toMatchObject({ category: 'data', title: 'New problem on a live-tailed shard', body: 'Shard 3: 12 corrupt entries, 1 collision.', signals: 13 });
    expect(f.nextDueAt()).toBeNull();
  });

  it('waits minGapMs after a notice; what arrives meanwhile becomes one notice at the end of the wait', () => {
    const f = new NotifyFolder(RULES);
    f.push(corrupt(T0));
    expect(f.take(T0 + 2000)).toHaveLength(1);
    f.push(corrupt(T0 + 3000, 3));
    f.push({ kind: 'gap', at: T0 + 4000, shard: 7, count: 10, nonce: 'c0ffee', from: 40, to: 49 });
    f.push({ kind: 'gap', at: T0 + 5000, shard: 7, count: 5, nonce: 'c0ffee', from: 60, to: 64 });
    expect(f.nextDueAt()).toBe(T0 + 2000 + 30_000);
    expect(f.take(T0 + 31_999)).toEqual([]);
    const [n] = f.take(T0 + 32_000);
    expect(n!.title).toBe('New problems on 2 live-tailed shards');
    expect(n!.body).toBe('Shard 3: 1 corrupt entry; shard 7: 15 missing events (first: ordinals 40–49 of nonce c0ffee).');
  });

  it('keeps categories apart: a data burst does not delay a connection notice', () => {
    const f = new NotifyFolder(RULES);
    f.push(corrupt(T0));
    f.take(T0 + 2000);
    f.push({ kind: 'down', at: T0 + 2500, server: 'redis://h:1', reason: 'connect ECONNREFUSED' });
    f.push(corrupt(T0 + 2600));
    const due = f.take(T0 + 4500);
    expect(due.map((n) => n.category)).toEqual(['connection']);
    expect(due[0]).toMatchObject({ title: 'Redis is down', body: 'redis://h:1 stopped answering: connect ECONNREFUSED.' });
  });

  it('a drop and recovery inside the window is one notice; a flapping link is one notice per wait', () => {
    const f = new NotifyFolder(RULES);
    f.push({ kind: 'down', at: T0, server: 's', reason: 'ECONNRESET' });
    f.push({ kind: 'up', at: T0 + 1200, server: 's' });
    expect(f.take(T0 + 2000)).toEqual([expect.objectContaining({ title: 'Redis dropped and recovered', body: 's went down and came back (down 1 s). Last cause: ECONNRESET.' })]);
    for (let k = 0; k < 3; k++) {
      f.push({ kind: 'down', at: T0 + 5000 + k * 4000, server: 's', reason: `cause ${k}` });
      f.push({ kind: 'up', at: T0 + 6000 + k * 4000, server: 's' });
    }
    f.push({ kind: 'down', at: T0 + 20_000, server: 's', reason: 'cause 3' });
    const [n] = f.take(T0 + 32_000);
    expect(n).toMatchObject({ title: 'Redis connection is flapping', body: 's went down 4 times and is down now: cause 3.', signals: 7 });
    f.push({ kind: 'up', at: T0 + 70_000, server: 's' });
    expect(f.take(T0 + 72_000)[0]).toMatchObject({ title: 'Redis is back', body: 's answers again after 50 s down.' });
  });

  it('an analysis notice is not delayed, says what it found, and a failure says why', () => {
    const f = new NotifyFolder(RULES);
    f.push({ kind: 'analysis', at: T0, ok: true, shards: 64, durationMs: 72_000, collisions: 3, gaps: 1, corrupt: 0 });
    expect(f.take(T0)).toEqual([expect.objectContaining({ title: 'Analysis finished', body: '64 shards in 1 min 12 s: 3 collisions, 1 gap.' })]);
    f.push({ kind: 'analysis', at: T0 + 10, ok: false, shards: 0, durationMs: 12_000, collisions: 0, gaps: 0, corrupt: 0, error: 'Redis XRANGE timeout' });
    expect(f.take(T0 + 10)[0]).toMatchObject({ title: 'Analysis failed', body: 'After 12 s: Redis XRANGE timeout.' });
  });

  it('stays bounded: a burst over many shards names five and counts the rest', () => {
    const f = new NotifyFolder(RULES);
    for (let s = 0; s < 1000; s++) f.push(corrupt(T0 + s, s));
    const [n] = f.take(T0 + 5000);
    expect(n!.title).toBe('New problems on 5+ live-tailed shards');
    expect(n!.body).toMatch(/^Shard 0: 1 corrupt entry; .*shard 4: 1 corrupt entry; and 995 more problems on other shards\.$/);
  });
});

describe('TailWatch', () => {
  let id = 0;
  const ok = (dedupId: string, r = '{}', t = '1'): MeshEntry => ({ id: `${++id}-0`, status: 'ok', dedupId, t, s: 3, r });
  const bad = (dedupId?: string): MeshEntry => ({ id: `${++id}-0`, status: 'corrupt', reason: 'x', ...(dedupId ? { dedupId } : {}), d: 'oops' });
  const none = new Set<string>();

  it('signals new corrupt entries, collisions (not retries) and gaps per nonce', () => {
    const w = new TailWatch();
    expect(w.entries(3, [ok('a:3:0:0'), ok('a:3:0:1'), ok('a:3:0:1')], none, T0)).toEqual([]);
    const s = w.entries(3, [ok('a:3:0:1', '{"other":1}'), bad('a:3:2:0'), bad(), ok('a:3:10:0')], none, T0);
    expect(s).toEqual([
      { kind: 'collision', at: T0, shard: 3, count: 1 },
      { kind: 'corrupt', at: T0, shard: 3, count: 2 },
      { kind: 'gap', at: T0, shard: 3, count: 7, nonce: 'a', from: 3, to: 9 },
    ]);
  });

  it('never signals for the app\'s own nonces, and judges each entry once however many tails deliver it', () => {
    const w = new TailWatch();
    const batch = [ok('f00:3:0:0'), ok('f00:3:5:0'), bad('f00:3:9:0')];
    expect(w.entries(3, batch, new Set(['f00']), T0)).toEqual([]);
    const theirs = [bad('b:3:0:0')];
    expect(w.entries(3, theirs, none, T0)).toHaveLength(1);
    expect(w.entries(3, theirs, none, T0)).toEqual([]);
  });
});

describe('desktop notifications (main process)', () => {
  it('passes every event on and shows notify:show natively; a click brings the window forward', () => {
    const shown: Array<{ title: string; body: string }> = [];
    let click: (() => void) | null = null;
    const Fake = class {
      constructor(readonly o: { title: string; body: string }) {}
      static isSupported() {
        return true;
      }
      on(_e: 'click', l: () => void) {
        click = l;
        return this;
      }
      show() {
        shown.push(this.o);
      }
    } as unknown as NotificationClass;
    const sent: string[] = [];
    const calls: string[] = [];
    const win = { isDestroyed: () => false, isMinimized: () => true, restore: () => calls.push('restore'), show: () => calls.push('show'), focus: () => calls.push('focus') };
    const sink = withDesktopNotifications((e) => sent.push(e), Fake, () => win);
    sink('health:changed', {} as never);
    sink('notify:show', { category: 'data', tag: 't', title: 'T', body: 'B', at: 1, signals: 1 });
    expect(sent).toEqual(['health:changed', 'notify:show']);
    expect(shown).toEqual([{ title: 'T', body: 'B' }]);
    click!();
    expect(calls).toEqual(['restore', 'show', 'focus']);
  });

  it('a platform without notifications loses the notification, never the event', () => {
    const Unsupported = class {
      static isSupported() {
        return false;
      }
    } as unknown as NotificationClass;
    const sent: string[] = [];
    withDesktopNotifications((e) => sent.push(e), Unsupported, () => null)('notify:show', { category: 'data', tag: 't', title: 'T', body: 'B', at: 1, signals: 1 });
    expect(sent).toEqual(['notify:show']);
  });
});

describe('duration', () => {
  it('says a duration in the largest units that fit', () => {
    expect([duration(850), duration(12_400), duration(72_000), duration(3_600_000), duration(7_440_000)]).toEqual(['850 ms', '12 s', '1 min 12 s', '1 h', '2 h 4 min']);
  });
});

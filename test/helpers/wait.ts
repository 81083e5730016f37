/**
 * Waiting for a state of real servers that they do not announce to clients (Cluster gossip,
 * Sentinel's view, replication links).
 *
 * `waitFor` re-reads the state when a server says something: every process in `wake` that prints
 * a log line (a node marking another failing, a failover, `Cluster state changed: ok`, a replica
 * finishing its sync, a sentinel's `+switch-master`) triggers one more `check`. Some changes
 * reach a node without a log line of its own (gossip about a third node), so a check also runs
 * after `quietMs` without any line; that bound is a backstop for the unlogged case, not the
 * pace of the wait. Never a fixed sleep before an assertion: the wait ends the moment the check
 * holds, and fails with the last reason after `timeoutMs`.
 */
import type { Readable } from 'node:stream';

export interface WaitOptions {
  /** Log streams whose output means "look again" (a redis-server's stdout). */
  wake?: ReadonlyArray<Readable | null | undefined>;
  timeoutMs?: number;
  /** Re-check after this long without a log line (default 500 ms). */
  quietMs?: number;
}

export async function waitFor(what: string, check: () => Promise<boolean>, opts: WaitOptions = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const quietMs = opts.quietMs ?? 500;
  const streams = (opts.wake ?? []).filter((s): s is Readable => s != null && !s.destroyed);
  const deadline = Date.now() + timeoutMs;
  let last: string;
  let poke: (() => void) | null = null;
  let poked: boolean;
  const onLine = (): void => {
    poked = true;
    poke?.();
  };
  for (const s of streams) s.on('data', onLine);
  try {
    for (;;) {
      poked = false;
      try {
        if (await check()) return;
        last = 'not yet';
      } catch (e) {
        last = (e as Error).message;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what} not reached within ${timeoutMs} ms (${last})`);
      // A line printed while the check ran counts: look again at once.
      if (poked) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(quietMs, left));
        function done(): void {
          clearTimeout(timer);
          poke = null;
          resolve();
        }
        poke = done;
      });
    }
  } finally {
    for (const s of streams) s.off('data', onLine);
  }
}

/**
 * Runs `flush` at most once per animation frame however often `schedule` is called: a live tail
 * delivering thousands of entries per second becomes one state change per frame, never one per
 * entry. Falls back to a 16 ms timer where requestAnimationFrame is not available (or paused, in
 * a hidden tab, where the timer keeps memory bounded by flushing anyway).
 */
export function frameBatcher(flush: () => void): { schedule(): void; cancel(): void } {
  let raf: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    if (raf !== null) cancelAnimationFrame(raf);
    if (timer !== null) clearTimeout(timer);
    raf = null;
    timer = null;
    flush();
  };
  return {
    schedule() {
      if (raf !== null || timer !== null) return;
      if (typeof requestAnimationFrame === 'function') raf = requestAnimationFrame(run);
      // A hidden tab gets no frames: the timer flushes within a quarter second anyway.
      timer = setTimeout(run, 250);
    },
    cancel() {
      if (raf !== null) cancelAnimationFrame(raf);
      if (timer !== null) clearTimeout(timer);
      raf = null;
      timer = null;
    },
  };
}

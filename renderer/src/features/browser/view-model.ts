/**
 * What the browser's two list models (StreamModel: a whole shard by position; ListModel: a
 * growing merged or filtered list) share: how React reads them, and the live end.
 *
 * Components read a model through `subscribe`/`getVersion` (useSyncExternalStore). Every change
 * made in one task (a page answer and its end anchor, say) is one notification, sent in a
 * microtask, so before the browser paints: a page that just arrived is on screen in the same
 * frame. A stopped model notifies nobody.
 */
export abstract class ViewModel {
  version = 0;
  /** Entries the live tail added while the view was away from the live end. */
  newCount = 0;

  protected started = false;
  protected following = true;
  private listeners = new Set<() => void>();
  private notifyQueued = false;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  /** Whether the view is at the live end; entries arriving while it is not are counted as "new". */
  setFollowing(following: boolean): void {
    if (following === this.following) return;
    this.following = following;
    if (following && this.newCount !== 0) {
      this.newCount = 0;
      this.changed();
    }
  }

  protected changed(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      if (this.started) this.emit();
    });
  }

  private emit(): void {
    this.version++;
    for (const l of [...this.listeners]) l();
  }
}

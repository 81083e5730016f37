/**
 * The core's side of the opt-in notifications (issue 17): the setting (kept in the config folder
 * so it survives restarts and is the same for the desktop app's main process and `serve`), the
 * folding clock, and the live-tail watch. The rules themselves are shared/notify-rules.ts; the
 * display is the host's (electron/main/notifications.ts, or the browser in `serve`).
 *
 * While off, nothing is kept or computed: signals are dropped at the door.
 */
import path from 'node:path';
import { NotifyFolder, TailWatch, type Notice, type NotifyRules, type NotifySignal } from '../../shared/notify-rules';
import type { MeshEntry } from '../../shared/types';
import { readJsonFile, writeJsonFile } from './json-file';

export class NotifyCenter {
  private enabled: boolean;
  private readonly file: string;
  private folder: NotifyFolder;
  private watch = new TailWatch();
  private timer: NodeJS.Timeout | null = null;
  private timerAt: number | null = null;

  constructor(
    home: string,
    private readonly show: (n: Notice) => void,
    private readonly rules?: NotifyRules,
  ) {
    this.file = path.join(home, 'notifications.json');
    this.enabled = readEnabled(this.file);
    this.folder = new NotifyFolder(rules);
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  /** Turns notifications on or off (persisted); turning off drops what was waiting. */
  configure(enabled: boolean): void {
    if (enabled === this.enabled) return;
    this.enabled = enabled;
    writeJsonFile(this.file, { enabled });
    if (!enabled) this.reset();
  }

  signal(s: NotifySignal): void {
    if (!this.enabled) return;
    this.folder.push(s);
    this.schedule();
  }

  /** New entries a live tail delivered for `shard`; `own` are the nonces of the app's own test batches. */
  tail(shard: number, entries: readonly MeshEntry[], own: ReadonlySet<string>): void {
    if (!this.enabled || entries.length === 0) return;
    for (const s of this.watch.entries(shard, entries, own, Date.now())) this.folder.push(s);
    this.schedule();
  }

  /** A new connection: what the tail watch remembered of the old one's streams no longer applies. */
  newSession(): void {
    this.watch.forget();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private reset(): void {
    this.dispose();
    this.timerAt = null;
    this.folder = new NotifyFolder(this.rules);
    this.watch.forget();
  }

  private schedule(): void {
    const due = this.folder.nextDueAt();
    if (due === null || (this.timer && this.timerAt !== null && this.timerAt <= due)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = due;
    this.timer = setTimeout(() => this.fire(), Math.max(0, due - Date.now()));
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = null;
    this.timerAt = null;
    if (!this.enabled) return;
    for (const n of this.folder.take(Date.now())) this.show(n);
    this.schedule();
  }
}

/**
 * The saved setting; off when the file is missing or damaged. Unlike profiles or the batch history,
 * this file holds one preference the user sets again with one click, so a damaged one does not stop
 * the app (json-file.ts' StateFileError): it reads as off and the next change replaces it.
 */
function readEnabled(file: string): boolean {
  try {
    return readJsonFile<{ enabled?: unknown }>(file, {}).enabled === true;
  } catch {
    return false;
  }
}

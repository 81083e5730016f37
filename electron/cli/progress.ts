/**
 * The `scan` progress line on stderr (cli.md: progress goes to stderr when stderr is a terminal;
 * stdout carries only the result). Redrawn in place at most 10 times a second.
 */
import type { ScanProgress } from '../core/scan';
import { grouped } from './output';

export interface ProgressBar {
  update(p: ScanProgress): void;
  /** Erases the line. */
  done(): void;
}

/** A progress line writer for a terminal `stream`, or a no-op when `stream` is not a terminal. */
export function progressBar(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }): ProgressBar {
  if (!stream.isTTY) return { update() {}, done() {} };
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 100 && p.done < p.total) return;
      last = now;
      const fraction = p.total > 0 ? Math.min(p.done / p.total, 1) : 1;
      const width = 20;
      const filled = Math.round(fraction * width);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      const text = `scan shard ${p.shard} [${bar}] ${Math.floor(fraction * 100)}% ${grouped(p.done)}/${grouped(p.total)} ${grouped(p.entriesPerSec)} entries/s`;
      const columns = stream.columns ?? 80;
      stream.write(`\r${text.slice(0, columns - 1)}\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/**
 * "last 4s ago" labels refreshed outside React (issue 14). A list of 65,536 shards must not
 * re-render every row each second to move its ages on: each mounted label registers its element
 * and its time here, and one shared one-second timer rewrites only the labels whose text changed.
 * Only rows on screen are mounted (the list is virtualized), so a tick touches a few dozen nodes.
 */
import { useLayoutEffect, type RefObject } from 'react';
import { formatAge } from './format';

/** Ages under this are "fresh" (the green dot). */
export const FRESH_MS = 10_000;

interface Label {
  at: number;
  text: string;
  fresh: boolean;
}

const labels = new Map<HTMLElement, Label>();
let timer: ReturnType<typeof setInterval> | null = null;

/** Writes `el`'s age text and its `is-fresh` class when they changed. */
function paint(el: HTMLElement, label: Label, now: number): void {
  const text = `last ${formatAge(label.at, now)}`;
  const fresh = now - label.at < FRESH_MS;
  if (text !== label.text) {
    label.text = text;
    const target = el.querySelector<HTMLElement>('[data-age-text]') ?? el;
    target.textContent = text;
  }
  if (fresh !== label.fresh) {
    label.fresh = fresh;
    el.classList.toggle('is-fresh', fresh);
  }
}

function tick(): void {
  const now = Date.now();
  for (const [el, label] of labels) paint(el, label, now);
}

/**
 * Keeps the age label in `ref` (an element holding a `[data-age-text]` child, or the text itself)
 * saying how long ago `at` was, while it is mounted. `at` null leaves the element alone.
 */
export function useAgeLabel(ref: RefObject<HTMLElement | null>, at: number | null): void {
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || at === null) return;
    const label: Label = { at, text: '', fresh: el.classList.contains('is-fresh') };
    labels.set(el, label);
    paint(el, label, Date.now());
    timer ??= setInterval(tick, 1000);
    return () => {
      labels.delete(el);
      if (labels.size === 0 && timer !== null) {
        clearInterval(timer);
        timer = null;
      }
    };
  }, [ref, at]);
}

import { useCallback, useSyncExternalStore } from 'react';

export type Theme = 'dark' | 'light';

const STORAGE_KEY = 'mesh-inspector.theme';
const lightQuery = () => window.matchMedia('(prefers-color-scheme: light)');

/** The choice made in this page, for when storage is unavailable. */
let chosen: Theme | null = null;

function stored(): Theme | null {
  if (chosen) return chosen;
  try {
    const v = window.localStorage.getItem(STORAGE_KEY);
    return v === 'dark' || v === 'light' ? v : null;
  } catch {
    return null;
  }
}

/**
 * The theme in force: the user's explicit choice when there is one, else the system's preference;
 * dark unless the system asks for light (a tool people open during incidents, often at night).
 */
export function currentTheme(): Theme {
  return stored() ?? (lightQuery().matches ? 'light' : 'dark');
}

/** Writes the theme on <html data-theme>; the stylesheet keys every colour on it. */
export function applyTheme(theme: Theme = currentTheme()): void {
  const root = document.documentElement;
  root.dataset.theme = theme;
}

const listeners = new Set<() => void>();
function subscribe(listener: () => void) {
  listeners.add(listener);
  const mq = lightQuery();
  const onSystem = () => {
    applyTheme();
    listener();
  };
  mq.addEventListener('change', onSystem);
  return () => {
    listeners.delete(listener);
    mq.removeEventListener('change', onSystem);
  };
}

/** The current theme and a toggle that remembers the user's choice. */
export function useTheme(): [Theme, () => void] {
  const theme = useSyncExternalStore(subscribe, currentTheme);
  const toggle = useCallback(() => {
    const next: Theme = currentTheme() === 'dark' ? 'light' : 'dark';
    chosen = next;
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Private mode or a locked-down profile: the choice lasts for this page only.
    }
    applyTheme(next);
    for (const l of [...listeners]) l();
  }, []);
  return [theme, toggle];
}

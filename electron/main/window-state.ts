/**
 * The main window's size, position and maximized flag, remembered across runs in
 * `<config home>/window-state.json`. What is read back is validated and moved onto a display that
 * exists now, so a window saved on a monitor that has since been unplugged never opens off-screen.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeJsonFile } from '../core/json-file';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** Absent: let the OS place the window (centered on the primary display). */
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const WINDOW_STATE_FILE = 'window-state.json';
export const MIN_WIDTH = 900;
export const MIN_HEIGHT = 600;
export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 820, maximized: false };

// Any real screen coordinate fits in this; anything larger is a corrupt or hostile file.
const COORD_LIMIT = 100_000;

/**
 * Reads an untrusted JSON value as a window state. Guarantees: null unless width and height are
 * finite integers in (0, 100000]; x and y are kept only as a pair of finite integers within
 * ±100000; `maximized` is true only if it is literally `true`.
 */
export function parseWindowState(value: unknown): WindowState | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const isInt = (n: unknown, min: number): n is number => Number.isInteger(n) && (n as number) >= min && (n as number) <= COORD_LIMIT;
  if (!isInt(v.width, 1) || !isInt(v.height, 1)) return null;
  const state: WindowState = { width: v.width, height: v.height, maximized: v.maximized === true };
  if (isInt(v.x, -COORD_LIMIT) && isInt(v.y, -COORD_LIMIT)) {
    state.x = v.x;
    state.y = v.y;
  }
  return state;
}

/**
 * Fits a remembered state to the displays present now (their work areas: screen minus taskbar or
 * dock). Guarantees for the result: width/height are at least the minimum size and at most the
 * chosen display's work area (unless that display is smaller than the minimum); a position, when
 * kept, places the whole window inside the work area of the display it overlapped most. A window
 * that overlaps no display keeps its size but loses its position, so the OS centers it. With no
 * displays at all, the state is returned size-clamped only.
 */
export function clampWindowState(state: WindowState, workAreas: readonly Rect[], primary: Rect | undefined = workAreas[0]): WindowState {
  const best = mostOverlapping(state, workAreas);
  const area = best ?? primary;
  const maxW = area ? Math.max(MIN_WIDTH, area.width) : Number.POSITIVE_INFINITY;
  const maxH = area ? Math.max(MIN_HEIGHT, area.height) : Number.POSITIVE_INFINITY;
  const width = clamp(state.width, MIN_WIDTH, maxW);
  const height = clamp(state.height, MIN_HEIGHT, maxH);
  const out: WindowState = { width, height, maximized: state.maximized };
  if (best && state.x !== undefined && state.y !== undefined) {
    out.x = clamp(state.x, best.x, best.x + Math.max(0, best.width - width));
    out.y = clamp(state.y, best.y, best.y + Math.max(0, best.height - height));
  }
  return out;
}

function mostOverlapping(state: WindowState, areas: readonly Rect[]): Rect | undefined {
  if (state.x === undefined || state.y === undefined) return undefined;
  const win: Rect = { x: state.x, y: state.y, width: state.width, height: state.height };
  let best: Rect | undefined;
  let bestArea = 0;
  for (const a of areas) {
    const overlap = intersection(win, a);
    if (overlap > bestArea) {
      best = a;
      bestArea = overlap;
    }
  }
  return best;
}

function intersection(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(Math.max(n, min), max);
}

/** What to save when the window closes: its restored (not maximized) bounds and the flag. */
export function windowStateFromBounds(normalBounds: Rect, maximized: boolean): WindowState {
  return {
    x: Math.round(normalBounds.x),
    y: Math.round(normalBounds.y),
    width: Math.round(normalBounds.width),
    height: Math.round(normalBounds.height),
    maximized,
  };
}

/**
 * Reads the remembered state from `home`. Guarantees: never throws; a missing, unreadable or
 * invalid file yields the default state (losing a window position is not worth an error dialog).
 */
export function loadWindowState(home: string): WindowState {
  try {
    return parseWindowState(JSON.parse(readFileSync(path.join(home, WINDOW_STATE_FILE), 'utf8'))) ?? { ...DEFAULT_WINDOW_STATE };
  } catch {
    return { ...DEFAULT_WINDOW_STATE };
  }
}

/** Saves the state atomically (0600, like every file in the config home). Never throws. */
export function saveWindowState(home: string, state: WindowState, log: (msg: string) => void = console.warn): void {
  try {
    writeJsonFile(path.join(home, WINDOW_STATE_FILE), state, 0o600);
  } catch (e) {
    log(`could not remember the window position: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * The main window's construction options: the security-relevant webPreferences in one pure,
 * tested function, so no call site can create a window with a weaker setting.
 */
import type { BrowserWindowConstructorOptions } from 'electron';
import { APP_NAME } from './app-identity';
import { MIN_HEIGHT, MIN_WIDTH, type WindowState } from './window-state';

/**
 * The dark theme's page background. The window is painted with it before the first frame, so a
 * slow first paint shows the theme's color instead of a white flash. Keep in step with the
 * renderer's dark `--bg` (renderer/src/styles/app.css).
 */
export const WINDOW_BACKGROUND = '#0d0f13';

export interface WindowEnvironment {
  /** Absolute path of the bundled preload (dist/electron/preload.cjs). */
  preloadPath: string;
  /** DevTools can be opened at all: only when not packaged. */
  devTools: boolean;
}

/**
 * Guarantees (Electron security checklist): contextIsolation on, the renderer sandboxed, no Node
 * in the renderer or its workers or subframes, webSecurity on, no `<webview>`, no insecure
 * content, no experimental features, no spellchecker (it would send typed text, possibly Redis
 * keys, to the OS or a dictionary service). The window stays hidden until its first paint
 * (`ready-to-show`) and is never smaller than the minimum size the layout needs.
 */
export function windowOptions(state: WindowState, env: WindowEnvironment): BrowserWindowConstructorOptions {
  const options: BrowserWindowConstructorOptions = {
    title: APP_NAME,
    width: state.width,
    height: state.height,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    backgroundColor: WINDOW_BACKGROUND,
    autoHideMenuBar: false,
    webPreferences: {
      preload: env.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      devTools: env.devTools,
    },
  };
  if (state.x !== undefined && state.y !== undefined) {
    options.x = state.x;
    options.y = state.y;
  }
  return options;
}

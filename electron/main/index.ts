/**
 * The desktop app's entry: the Electron main process. It reads as the list of policies it applies;
 * each policy is a small module beside this file whose decision is a pure, unit-tested function.
 * This folder is the only code that imports 'electron'; everything Redis lives in electron/core
 * (plain Node), reached through the typed contract.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, protocol, safeStorage, screen, session, shell } from 'electron';
import { isEventName } from '../../shared/contract';
import { configHome } from '../core/home';
import { moveStateFileAside } from '../core/json-file';
import { createService } from '../core/service';
import type { MeshService } from '../core/service-api';
import { APP_ID, APP_NAME } from './app-identity';
import { APP_ENTRY_URL } from './app-origin';
import { APP_SCHEME_PRIVILEGES, serveAppProtocol } from './app-protocol';
import { applyCspToSession } from './csp';
import { registerIpc, windowEventSink } from './ipc';
import { disposeWithin, launchConnectFailure, parseLaunchArgs, QUIT_SIGNALS, refusedLaunchSwitches } from './lifecycle';
import { menuTemplate } from './menu';
import { withDesktopNotifications } from './notifications';
import { hardenWebContents } from './navigation';
import { denyPermissions } from './permissions';
import { blockRemoteContent } from './remote-content';
import { SafeStorageSecretStore } from './secret-store';
import { createServiceOrAsk, startupFailure } from './state-file-dialog';
import { windowOptions } from './window-options';
import { clampWindowState, loadWindowState, saveWindowState, windowStateFromBounds } from './window-state';

// The bundle lives in dist/electron/ (inside app.asar when packaged); the renderer beside it.
const here = path.dirname(fileURLToPath(import.meta.url));
const RENDERER_ROOT = path.join(here, '..', 'renderer');
const PRELOAD_PATH = path.join(here, 'preload.cjs');

const log = (msg: string) => console.warn(`[mesh-inspector] ${msg}`);

let mainWindow: BrowserWindow | null = null;
let service: MeshService | null = null;

// ---- before ready ------------------------------------------------------------------------------

app.setName(APP_NAME);
const home = configHome();
// Chromium's profile (caches, local storage) inside our config home rather than a second folder
// named after the package: one folder to back up or delete, and MESH_INSPECTOR_HOME isolates a
// test run completely. Must precede the single-instance lock, which lives in userData.
app.setPath('userData', path.join(home, 'electron'));

// Policy: a packaged app never runs with a debugging door open to other local processes.
const refusedSwitches = refusedLaunchSwitches(process.argv.slice(1), app.isPackaged);
if (refusedSwitches.length > 0) {
  console.error(`[mesh-inspector] refusing to start with ${refusedSwitches.join(', ')}: it would let any local process drive the window and its saved connections`);
  app.exit(1);
}

// Policy: one instance. A second launch focuses the first window and exits: two processes would
// each open their own Redis clients and race on the nonce and sequence files.
if (refusedSwitches.length > 0) {
  // Exiting already.
} else if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  start();
}

function start(): void {
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);

  // Policy: every renderer is sandboxed, whatever a window's options say.
  app.enableSandbox();

  // Policy: the UI is served from app://, never file:// (must be declared before ready).
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

  // Policy: every webContents (the window, DevTools, anything later) is denied navigation off the
  // app origin, new windows and <webview>.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, shell, log));

  app.on('second-instance', () => focusMainWindow());

  // Policy: Redis clients are closed before the process exits, but a hung server cannot hold the
  // quit hostage (bounded wait).
  let quitting: 'no' | 'disposing' | 'done' = 'no';
  app.on('before-quit', (event) => {
    if (quitting === 'done' || service === null) return;
    event.preventDefault();
    if (quitting === 'disposing') return;
    quitting = 'disposing';
    const current = service;
    void disposeWithin(() => current.dispose()).then((outcome) => {
      if (outcome !== 'closed') log(`Redis clients did not close cleanly on quit (${outcome})`);
      quitting = 'done';
      app.quit();
    });
  });

  // Policy: a signal quits the same orderly way as the menu does (see QUIT_SIGNALS).
  for (const signal of QUIT_SIGNALS) process.on(signal, () => app.quit());

  app.on('window-all-closed', () => {
    // macOS apps stay in the dock with no window; the Redis session stays open for the next one.
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (service !== null && mainWindow === null) mainWindow = createMainWindow();
  });

  // Policy: a failure at start-up is shown, never a silent exit with no window.
  app
    .whenReady()
    .then(onReady)
    .catch((e: unknown) => {
      log(`could not start: ${String(e)}`);
      const box = startupFailure(e);
      dialog.showErrorBox(box.title, box.content);
      app.exit(1);
    });
}

function onReady(): void {
  const ses = session.defaultSession;

  // Policy: no request leaves the machine or reads local files, whoever makes it.
  blockRemoteContent(ses, log);
  // Policy: a strict CSP on every response (also set by the app:// handler itself).
  applyCspToSession(ses);
  // Policy: web permissions denied (clipboard write from our own origin excepted).
  denyPermissions(ses);
  // Policy: dist/renderer on app://mesh-inspector/ with path containment.
  serveAppProtocol(ses.protocol, RENDERER_ROOT);

  // Policy: passwords are encrypted by the OS keyring, or not stored at all.
  const secrets = new SafeStorageSecretStore(home, safeStorage);
  // Policy: opt-in notifications are shown natively by this process, never by the page.
  const sink = withDesktopNotifications(windowEventSink(() => mainWindow), Notification, () => mainWindow);
  // Policy: a damaged profiles.json or batches.json is named in a dialog that offers to move it aside.
  const svc = createServiceOrAsk(() => createService({ transport: 'electron', secrets, sink, home, appVersion: app.getVersion() }), {
    ask: (options) => dialog.showMessageBoxSync(options),
    moveAside: moveStateFileAside,
    log,
  });
  if (svc === null) {
    app.quit();
    return;
  }
  service = svc;

  // Policy: IPC only from our window's top frame, every payload parsed before any handler runs.
  registerIpc(ipcMain, svc, () => mainWindow, log);

  app.setAboutPanelOptions({ applicationName: APP_NAME, applicationVersion: app.getVersion() });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate({
        platform: process.platform,
        isPackaged: app.isPackaged,
        isDev: !app.isPackaged && process.env.MESH_INSPECTOR_DEV === '1',
        appName: APP_NAME,
        onNewConnection: requestNewConnection,
      }),
    ),
  );

  mainWindow = createMainWindow();

  // `--url`/`--prefix` open the window already connected, as they do for `serve`.
  const launch = parseLaunchArgs(process.argv.slice(1));
  if (launch.url !== undefined) {
    const url = launch.url;
    svc.connectUrl(url, launch.prefix ?? 'net').catch((e: unknown) => {
      log(launchConnectFailure(url, e, svc.knownSecrets()));
    });
  }
}

function createMainWindow(): BrowserWindow {
  const workAreas = screen.getAllDisplays().map((d) => d.workArea);
  const state = clampWindowState(loadWindowState(home), workAreas, screen.getPrimaryDisplay().workArea);
  const win = new BrowserWindow(windowOptions(state, { preloadPath: PRELOAD_PATH, devTools: !app.isPackaged }));

  // Policy: shown only once painted, so the user never sees a blank or half-drawn window.
  win.once('ready-to-show', () => {
    if (state.maximized) win.maximize();
    win.show();
  });
  win.webContents.on('did-fail-load', (_e, code, description, url) => {
    log(`the UI failed to load (${code} ${description}) from ${url}`);
    if (!win.isVisible()) win.show();
  });
  win.webContents.on('render-process-gone', (_e, details) => log(`the UI process ended: ${details.reason}`));

  // Policy: size, position and maximized state are remembered.
  win.on('close', () => saveWindowState(home, windowStateFromBounds(win.getNormalBounds(), win.isMaximized()), log));
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });

  // Policy: the only page ever loaded is our own.
  win.loadURL(APP_ENTRY_URL).catch((e: unknown) => log(`could not load ${APP_ENTRY_URL}: ${String(e)}`));
  return win;
}

function focusMainWindow(): void {
  if (mainWindow === null) {
    // Before onReady has installed the protocol and IPC there is nothing to show yet.
    if (service !== null) mainWindow = createMainWindow();
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

// Why a runtime check: the contract has no UI-command event yet. Once `ui:command` is added to
// `events` in shared/contract.ts, the preload exposes `onUiCommand` automatically and this starts
// delivering; until then the menu item only brings the window forward.
const UI_COMMAND_EVENT = 'ui:command';
function requestNewConnection(): void {
  focusMainWindow();
  const win = mainWindow;
  if (win !== null && isEventName(UI_COMMAND_EVENT)) win.webContents.send(UI_COMMAND_EVENT, { command: 'new-connection' });
}

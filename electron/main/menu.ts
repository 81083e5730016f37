/**
 * The application menu: the usual roles and shortcuts, with the developer-only items present only
 * in development.
 */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Running from an installed package (electron-builder output). */
  isPackaged: boolean;
  /** Started for development (`MESH_INSPECTOR_DEV=1`). */
  isDev: boolean;
  appName: string;
  onNewConnection: () => void;
}

/**
 * Guarantees: File has "New connection" (CmdOrCtrl+N) and Close window (CmdOrCtrl+W), plus Quit
 * outside macOS; Edit has the clipboard and undo roles (without them macOS text fields lose
 * Cmd+C/V); View has zoom and full screen, "Reload" only when `isDev` and "Toggle Developer
 * Tools" only when not packaged; Window and Help (About) are present; on macOS the app menu comes
 * first with About, Hide and Quit, as the platform expects.
 */
export function menuTemplate(opts: MenuOptions): MenuItemConstructorOptions[] {
  const isMac = opts.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];

  if (isMac) {
    template.push({
      label: opts.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }

  template.push({
    label: 'File',
    submenu: [
      { id: 'new-connection', label: 'New Connection…', accelerator: 'CmdOrCtrl+N', click: () => opts.onNewConnection() },
      { type: 'separator' },
      { role: 'close', label: 'Close Window' },
      ...(isMac ? [] : [{ type: 'separator' } as const, { role: 'quit' } as const]),
    ],
  });

  template.push({
    label: 'Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      ...(isMac ? [{ role: 'pasteAndMatchStyle' } as const, { role: 'delete' } as const] : []),
      { role: 'selectAll' },
    ],
  });

  const devItems: MenuItemConstructorOptions[] = [];
  if (opts.isDev) devItems.push({ role: 'reload' }, { role: 'forceReload' });
  if (!opts.isPackaged) devItems.push({ role: 'toggleDevTools' });
  template.push({
    label: 'View',
    submenu: [
      ...devItems,
      ...(devItems.length > 0 ? [{ type: 'separator' } as const] : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  });

  // The role supplies the platform's own Window menu (Minimize, Zoom, Bring All to Front on macOS).
  template.push({ label: 'Window', role: 'windowMenu' });

  template.push({
    label: 'Help',
    role: 'help',
    submenu: [{ role: 'about', label: `About ${opts.appName}` }],
  });

  return template;
}

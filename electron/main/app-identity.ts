/**
 * The app's names, shared by the main process and checked against electron-builder.yml by the
 * packaging test, so the installer and the running app never disagree on who they are.
 */

/** Shown in the title, the About panel and the macOS menu; electron-builder's `productName`. */
export const APP_NAME = 'Mesh Inspector';

/**
 * electron-builder's `appId`, and on Windows the AppUserModelId: taskbar pinning and
 * notifications are grouped by it, so it must equal what the installer registered.
 */
export const APP_ID = 'dev.meshinspector.app';

/**
 * The one place the contract meets Electron IPC. Every request channel is registered here, and
 * every request passes two gates in order: who sent it ({@link isTrustedSender}), then what it
 * says (`dispatch`: channel known, payload parsed against the channel's schema, errors as data).
 * Events go to the main window only.
 */
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron';
import { channelNames, isEventName, type Envelope, type EventSink } from '../../shared/contract';
import { dispatch } from '../core/dispatch';
import type { MeshService } from '../core/service-api';
import { isAppOrigin } from './app-origin';

/**
 * Guarantees: true only for the top frame of the main window's own webContents, showing a page of
 * the app origin. So never another window, a DevTools page, an iframe (even one of ours), a page
 * that navigated elsewhere, or a frame that is gone (`frameUrl` undefined). `mainWebContentsId`
 * null (no window yet, or closed) trusts nobody.
 *
 * Why the URL check on top of the id: the id pins the window, the URL pins what it is showing;
 * navigation is already denied, but this gate must not depend on that other policy holding.
 */
export function isTrustedSender(
  frameUrl: string | undefined,
  webContentsId: number,
  mainWebContentsId: number | null,
  isTopFrame: boolean,
): boolean {
  return (
    mainWebContentsId !== null &&
    webContentsId === mainWebContentsId &&
    isTopFrame &&
    typeof frameUrl === 'string' &&
    isAppOrigin(frameUrl)
  );
}

/** What a refused sender gets: an envelope, like every other failure, but never a handler run. */
export const UNTRUSTED_SENDER: Envelope<never> = Object.freeze({
  ok: false,
  error: Object.freeze({ kind: 'fatal', message: 'request refused: it did not come from the Mesh Inspector window' }),
}) as Envelope<never>;

/** The window that may talk to the core; `null` when there is none. */
export type MainWindowRef = () => BrowserWindow | null;

/** The sender facts {@link isTrustedSender} needs, read off an IPC event. */
export function senderOf(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>): {
  frameUrl: string | undefined;
  webContentsId: number;
  isTopFrame: boolean;
} {
  const frame = event.senderFrame;
  return {
    frameUrl: frame?.url,
    webContentsId: event.sender.id,
    // A destroyed frame has no parent either; `frame` itself being null rules it out above.
    isTopFrame: frame !== null && frame !== undefined && frame.parent === null,
  };
}

/**
 * Registers one `ipcMain.handle` per contract channel. Guarantees: no channel outside the contract
 * is handled; a handler runs only for a trusted sender and a payload that parsed; the reply is
 * always an `Envelope` (never a rejected invoke, which would carry an Error's text unscrubbed).
 * Returns a function that removes the registrations.
 */
export function registerIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  service: Pick<MeshService, 'handlers' | 'knownSecrets'>,
  mainWindow: MainWindowRef,
  log: (msg: string) => void = console.warn,
): () => void {
  for (const channel of channelNames) {
    ipcMain.handle(channel, async (event, payload: unknown) => {
      const win = mainWindow();
      const mainId = win && !win.isDestroyed() ? win.webContents.id : null;
      const s = senderOf(event);
      if (!isTrustedSender(s.frameUrl, s.webContentsId, mainId, s.isTopFrame)) {
        log(`[security] refused ${channel} from webContents ${s.webContentsId}`);
        return UNTRUSTED_SENDER;
      }
      return dispatch(service.handlers, channel, payload, () => service.knownSecrets());
    });
  }
  return () => {
    for (const channel of channelNames) ipcMain.removeHandler(channel);
  };
}

/**
 * The service's event sink for the desktop: each event is sent to the main window's webContents
 * and nowhere else. Guarantees: never throws (an event with no live window is dropped, as the UI
 * re-reads state when it loads); unknown event names are not sent.
 */
export function windowEventSink(mainWindow: MainWindowRef): EventSink {
  return (event, payload) => {
    if (!isEventName(event)) return;
    const win = mainWindow();
    if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
    try {
      win.webContents.send(event, payload);
    } catch {
      // The renderer is going away (crash or close) between the check and the send: drop it.
    }
  };
}

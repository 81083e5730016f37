/**
 * Web permissions (camera, notifications, geolocation, USB, ...): denied, with one exception the
 * UI needs. Covers both the request path and the check path, since Chromium asks the check handler
 * first and falls back to a request only for some permissions.
 */
import type { Session } from 'electron';
import { isAppOrigin } from './app-origin';

/**
 * Guarantees: true only for `clipboard-sanitized-write` asked by the app origin itself, so the
 * entry detail's copy buttons work (`navigator.clipboard.writeText`, which Chromium still limits
 * to a user gesture). Everything else, from anywhere, is false, including `clipboard-read`,
 * `openExternal`, media, notifications and device access.
 */
export function isPermissionAllowed(permission: string, requestingUrl: string | undefined): boolean {
  return permission === 'clipboard-sanitized-write' && typeof requestingUrl === 'string' && isAppOrigin(requestingUrl);
}

/**
 * Installs {@link isPermissionAllowed} as the session's request, check and device handlers, and
 * answers every device picker (HID, serial, USB) and Bluetooth pairing with "no" and a screen
 * capture request with nothing. Chromium's defaults already refuse most of these once the
 * permission is denied; answering each one explicitly means no Electron default (some pick the
 * first device when a handler does not prevent it) ever decides for us.
 */
export function denyPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(isPermissionAllowed(permission, details.requestingUrl));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => isPermissionAllowed(permission, requestingOrigin));
  session.setDevicePermissionHandler(() => false);
  session.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
  session.on('select-serial-port', (event, _ports, _contents, callback) => {
    event.preventDefault();
    callback('');
  });
  session.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
  // Linux and Windows only; absent on macOS.
  session.setBluetoothPairingHandler?.((_details, callback) => callback({ confirmed: false }));
  session.setDisplayMediaRequestHandler((_request, callback) => callback({}));
}

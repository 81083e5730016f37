/**
 * The desktop shell's security policies, each tested as the pure decision it is. No Electron here:
 * the binary cannot be installed on every machine, and a policy that needs Electron to be tested
 * is a policy in the wrong place.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { channelNames, eventNames, listenerName, methodName, type PreloadApi } from '../../shared/contract';
import { MeshError } from '../../shared/errors';
import { APP_ENTRY_URL, APP_ORIGIN, isAppOrigin } from '../../electron/main/app-origin';
import { APP_SCHEME_PRIVILEGES, appResponseHeaders, mimeTypeFor, resolveAppPath, serveAppProtocol } from '../../electron/main/app-protocol';
import { applyCspToSession, contentSecurityPolicy, shouldApplyCsp, withCspHeader } from '../../electron/main/csp';
import { isTrustedSender, registerIpc, senderOf, UNTRUSTED_SENDER, windowEventSink } from '../../electron/main/ipc';
import { disposeWithin, parseLaunchArgs, QUIT_SIGNALS, refusedLaunchSwitches } from '../../electron/main/lifecycle';
import { menuTemplate } from '../../electron/main/menu';
import { hardenWebContents, isAllowedNavigation, isSafeExternalUrl } from '../../electron/main/navigation';
import { denyPermissions, isPermissionAllowed } from '../../electron/main/permissions';
import { blockRemoteContent, isAllowedRequest } from '../../electron/main/remote-content';
import {
  keyringProblem,
  parseSecretsFile,
  SAFE_STORAGE_SECRETS_FILE,
  SafeStorageSecretStore,
  secretsFileDocument,
  type SafeStorageLike,
} from '../../electron/main/secret-store';
import { WINDOW_BACKGROUND, windowOptions } from '../../electron/main/window-options';
import {
  clampWindowState,
  DEFAULT_WINDOW_STATE,
  loadWindowState,
  MIN_HEIGHT,
  MIN_WIDTH,
  parseWindowState,
  saveWindowState,
  WINDOW_STATE_FILE,
  windowStateFromBounds,
  type Rect,
} from '../../electron/main/window-state';
import { derivePreloadApi, type IpcRendererLike } from '../../electron/preload/derive-api';

// ---------------------------------------------------------------------------------------------
describe('content security policy', () => {
  const csp = contentSecurityPolicy();
  const directive = (name: string) => {
    const found = csp.split(';').map((d) => d.trim()).find((d) => d.split(/\s+/)[0] === name);
    return found?.split(/\s+/).slice(1) ?? null;
  };

  it('allows scripts from the app origin only: no unsafe-eval, no unsafe-inline, no data:, blob: or hosts', () => {
    expect(directive('script-src')).toEqual(["'self'"]);
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline|unsafe-hashes|wasm-unsafe-eval|strict-dynamic/);
    expect(csp).not.toMatch(/\*|https?:|ws:|wss:|blob:/);
  });

  it('pins every directive the checklist asks for', () => {
    expect(directive('default-src')).toEqual(["'self'"]);
    expect(directive('style-src')).toEqual(["'self'"]);
    expect(directive('img-src')).toEqual(["'self'", 'data:']);
    expect(directive('connect-src')).toEqual(["'self'"]);
    expect(directive('object-src')).toEqual(["'none'"]);
    expect(directive('base-uri')).toEqual(["'none'"]);
    expect(directive('frame-ancestors')).toEqual(["'none'"]);
    expect(directive('form-action')).toEqual(["'none'"]);
  });

  it('lists each directive once', () => {
    const names = csp.split(';').map((d) => d.trim().split(/\s+/)[0]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('replaces any policy a response brings, in any letter case, including report-only', () => {
    const out = withCspHeader({
      'content-security-policy': ["script-src 'unsafe-eval'"],
      'CONTENT-SECURITY-POLICY-REPORT-ONLY': "default-src *",
      'Content-Type': ['text/html'],
    });
    const cspKeys = Object.keys(out).filter((k) => k.toLowerCase().startsWith('content-security-policy'));
    expect(cspKeys).toEqual(['Content-Security-Policy']);
    expect(out['Content-Security-Policy']).toEqual([csp]);
    expect(out['Content-Type']).toEqual(['text/html']);
  });

  it('adds the policy when a response has no headers at all', () => {
    expect(withCspHeader(undefined)).toEqual({ 'Content-Security-Policy': [csp] });
  });

  it('covers every response except DevTools’ own pages', () => {
    expect(shouldApplyCsp(APP_ENTRY_URL)).toBe(true);
    expect(shouldApplyCsp('https://example.com/')).toBe(true);
    expect(shouldApplyCsp('not a url')).toBe(true);
    expect(shouldApplyCsp('devtools://devtools/bundled/inspector.html')).toBe(false);
  });

  it('is on every app:// response, with nosniff', () => {
    const h = appResponseHeaders('text/html; charset=utf-8');
    expect(h['Content-Security-Policy']).toBe(csp);
    expect(h['X-Content-Type-Options']).toBe('nosniff');
  });
});

// ---------------------------------------------------------------------------------------------
describe('window options', () => {
  const env = { preloadPath: '/app/dist/electron/preload.cjs', devTools: false };
  const opts = windowOptions({ ...DEFAULT_WINDOW_STATE }, env);
  const web = opts.webPreferences ?? {};

  it('isolates and sandboxes the renderer, with no Node anywhere in it', () => {
    expect(web.contextIsolation).toBe(true);
    expect(web.sandbox).toBe(true);
    expect(web.nodeIntegration).toBe(false);
    expect(web.nodeIntegrationInWorker).toBe(false);
    expect(web.nodeIntegrationInSubFrames).toBe(false);
  });

  it('keeps web security on and webview, insecure content, experimental features and spellcheck off', () => {
    expect(web.webSecurity).toBe(true);
    expect(web.webviewTag).toBe(false);
    expect(web.allowRunningInsecureContent).toBe(false);
    expect(web.experimentalFeatures).toBe(false);
    expect(web.spellcheck).toBe(false);
    expect(web.navigateOnDragDrop).toBe(false);
  });

  it('uses the bundled preload and follows the DevTools switch', () => {
    expect(web.preload).toBe(env.preloadPath);
    expect(web.devTools).toBe(false);
    expect(windowOptions({ ...DEFAULT_WINDOW_STATE }, { ...env, devTools: true }).webPreferences?.devTools).toBe(true);
  });

  it('stays hidden until ready-to-show, painted in the dark theme, never below the minimum size', () => {
    expect(opts.show).toBe(false);
    expect(opts.backgroundColor).toBe(WINDOW_BACKGROUND);
    expect(opts.backgroundColor).toMatch(/^#[0-9a-f]{6}$/i);
    expect(opts.minWidth).toBe(MIN_WIDTH);
    expect(opts.minHeight).toBe(MIN_HEIGHT);
  });

  it('places the window only when the state has a position', () => {
    expect(opts.x).toBeUndefined();
    const placed = windowOptions({ x: 10, y: 20, width: 1000, height: 700, maximized: false }, env);
    expect([placed.x, placed.y, placed.width, placed.height]).toEqual([10, 20, 1000, 700]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('window state', () => {
  const primary: Rect = { x: 0, y: 0, width: 1920, height: 1040 };
  const right: Rect = { x: 1920, y: 0, width: 2560, height: 1400 };

  it('keeps a state that fits its display unchanged', () => {
    const s = { x: 100, y: 50, width: 1200, height: 800, maximized: true };
    expect(clampWindowState(s, [primary, right])).toEqual(s);
  });

  it('pulls a window hanging off the edge fully onto the display it overlaps most', () => {
    expect(clampWindowState({ x: 1500, y: 900, width: 1000, height: 700, maximized: false }, [primary])).toEqual({
      x: 920,
      y: 340,
      width: 1000,
      height: 700,
      maximized: false,
    });
    const onRight = clampWindowState({ x: 1800, y: -50, width: 1000, height: 700, maximized: false }, [primary, right]);
    expect(onRight).toMatchObject({ x: 1920, y: 0 });
  });

  it('drops the position of a window saved on a display that is gone, keeping its size', () => {
    const s = clampWindowState({ x: 5000, y: 3000, width: 1000, height: 700, maximized: false }, [primary]);
    expect(s).toEqual({ width: 1000, height: 700, maximized: false });
  });

  it('shrinks a window larger than its display and grows one below the minimum', () => {
    expect(clampWindowState({ x: 0, y: 0, width: 9000, height: 9000, maximized: false }, [primary])).toEqual({
      x: 0,
      y: 0,
      width: 1920,
      height: 1040,
      maximized: false,
    });
    expect(clampWindowState({ width: 10, height: 10, maximized: false }, [primary])).toEqual({
      width: MIN_WIDTH,
      height: MIN_HEIGHT,
      maximized: false,
    });
  });

  it('never goes below the minimum size, even on a display smaller than it', () => {
    const tiny: Rect = { x: 0, y: 0, width: 800, height: 480 };
    const s = clampWindowState({ x: 0, y: 0, width: 1200, height: 900, maximized: false }, [tiny]);
    expect(s).toMatchObject({ width: MIN_WIDTH, height: MIN_HEIGHT, x: 0, y: 0 });
  });

  it('with no display information, clamps the size only', () => {
    expect(clampWindowState({ x: 10, y: 10, width: 500, height: 5000, maximized: false }, [])).toEqual({
      width: MIN_WIDTH,
      height: 5000,
      maximized: false,
    });
  });

  it.each([
    ['null', null],
    ['an array', [1, 2]],
    ['a string', 'big'],
    ['no size', { x: 1, y: 2 }],
    ['a float width', { width: 10.5, height: 10 }],
    ['a zero height', { width: 10, height: 0 }],
    ['a string width', { width: '800', height: 600 }],
    ['an absurd size', { width: 1e9, height: 600 }],
    ['NaN', { width: Number.NaN, height: 600 }],
  ])('rejects %s as a saved state', (_what, value) => {
    expect(parseWindowState(value)).toBeNull();
  });

  it('keeps a position only as a complete, sane pair and a maximized flag only when literally true', () => {
    expect(parseWindowState({ width: 800, height: 600, x: 5, maximized: 'yes' })).toEqual({ width: 800, height: 600, maximized: false });
    expect(parseWindowState({ width: 800, height: 600, x: 5, y: 1e12 })).toEqual({ width: 800, height: 600, maximized: false });
    expect(parseWindowState({ width: 800, height: 600, x: -5, y: 7, maximized: true })).toEqual({ x: -5, y: 7, width: 800, height: 600, maximized: true });
  });

  it('saves the restored bounds, rounded, with the maximized flag', () => {
    expect(windowStateFromBounds({ x: 1.4, y: 2.6, width: 1000.2, height: 700.7 }, true)).toEqual({ x: 1, y: 3, width: 1000, height: 701, maximized: true });
  });

  describe('on disk', () => {
    let home: string;
    beforeEach(() => {
      home = mkdtempSync(path.join(tmpdir(), 'mesh-window-'));
    });
    afterEach(() => rmSync(home, { recursive: true, force: true }));

    it('round-trips through window-state.json, owner-only', () => {
      const s = { x: 3, y: 4, width: 1000, height: 700, maximized: true };
      saveWindowState(home, s);
      expect(loadWindowState(home)).toEqual(s);
      if (process.platform !== 'win32') expect(statSync(path.join(home, WINDOW_STATE_FILE)).mode & 0o777).toBe(0o600);
    });

    it('falls back to the default for a missing or damaged file, without throwing', () => {
      expect(loadWindowState(home)).toEqual(DEFAULT_WINDOW_STATE);
      writeFileSync(path.join(home, WINDOW_STATE_FILE), '{"width": "wide"');
      expect(loadWindowState(home)).toEqual(DEFAULT_WINDOW_STATE);
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('app:// protocol path containment', () => {
  const root = path.resolve('/srv/app/dist/renderer');
  const inRoot = (...p: string[]) => path.join(root, ...p);

  it('serves / and the empty path as index.html', () => {
    expect(resolveAppPath(root, 'app://mesh-inspector/')).toBe(inRoot('index.html'));
    expect(resolveAppPath(root, 'app://mesh-inspector')).toBe(inRoot('index.html'));
    expect(resolveAppPath(root, APP_ENTRY_URL)).toBe(inRoot('index.html'));
  });

  it('serves what Vite emits, ignoring query and fragment', () => {
    expect(resolveAppPath(root, 'app://mesh-inspector/assets/index-B1x_9-aZ.js')).toBe(inRoot('assets', 'index-B1x_9-aZ.js'));
    expect(resolveAppPath(root, 'app://mesh-inspector/assets/_plugin-vue_export-helper.js?v=3#x')).toBe(inRoot('assets', '_plugin-vue_export-helper.js'));
    expect(resolveAppPath(root, 'APP://MESH-INSPECTOR/favicon.svg')).toBe(inRoot('favicon.svg'));
  });

  it.each([
    ['plain ..', 'app://mesh-inspector/../../etc/passwd'],
    ['.. in the middle', 'app://mesh-inspector/assets/../../secret'],
    ['a lone dot segment', 'app://mesh-inspector/./index.html'],
    ['encoded dots', 'app://mesh-inspector/%2e%2e/%2e%2e/etc/passwd'],
    ['upper-case encoded dots', 'app://mesh-inspector/%2E%2E/secret'],
    ['mixed encoded dots', 'app://mesh-inspector/.%2e/secret'],
    ['encoded slash', 'app://mesh-inspector/..%2f..%2fetc%2fpasswd'],
    ['encoded slash inside a name', 'app://mesh-inspector/assets%2Findex.js'],
    ['double-encoded dots', 'app://mesh-inspector/%252e%252e/%252e%252e/etc/passwd'],
    ['double-encoded slash', 'app://mesh-inspector/..%252f..%252fetc'],
    ['backslash', 'app://mesh-inspector/..\\..\\windows\\win.ini'],
    ['encoded backslash', 'app://mesh-inspector/..%5c..%5cwindows'],
    ['NUL', 'app://mesh-inspector/index.html\0.png'],
    ['encoded NUL', 'app://mesh-inspector/index.html%00.png'],
    ['malformed encoding', 'app://mesh-inspector/%E0%A4%A'],
    ['an absolute path after the host', 'app://mesh-inspector//etc/passwd'],
    ['a Windows drive', 'app://mesh-inspector/C:/Windows/win.ini'],
    ['an encoded drive', 'app://mesh-inspector/C%3A%5CWindows'],
    ['a dot-file', 'app://mesh-inspector/.env'],
    ['a directory (trailing slash)', 'app://mesh-inspector/assets/'],
    ['whitespace', 'app://mesh-inspector/index .html'],
    ['another host', 'app://evil/index.html'],
    ['a host lookalike', 'app://mesh-inspector.evil/index.html'],
    ['credentials', 'app://user@mesh-inspector/index.html'],
    ['a port', 'app://mesh-inspector:80/index.html'],
    ['file:', 'file:///etc/passwd'],
    ['https:', 'https://mesh-inspector/index.html'],
    ['no scheme', '/etc/passwd'],
    ['a huge URL', `app://mesh-inspector/${'a'.repeat(5000)}`],
  ])('refuses %s', (_what, url) => {
    expect(resolveAppPath(root, url)).toBeNull();
  });

  it('never answers with a path outside the root, whatever the input', () => {
    const pieces = ['..', '%2e', '%2E', '.', '/', '%2f', '%252e', 'a', '\\', '%5c', '%00', 'index.html', '~', '@'];
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 5000; n++) {
      let p = '';
      for (let k = 0; k < 1 + Math.floor(rand() * 8); k++) p += pieces[Math.floor(rand() * pieces.length)];
      const file = resolveAppPath(root, `app://mesh-inspector/${p}`);
      if (file !== null) {
        const rel = path.relative(root, file);
        expect(rel.startsWith('..') || path.isAbsolute(rel) || rel === '').toBe(false);
      }
    }
  });

  it('labels files with their MIME type and anything unknown as inert bytes', () => {
    expect(mimeTypeFor('index.html')).toBe('text/html; charset=utf-8');
    expect(mimeTypeFor('a/index-x.JS')).toBe('text/javascript; charset=utf-8');
    expect(mimeTypeFor('style.css')).toBe('text/css; charset=utf-8');
    expect(mimeTypeFor('logo.svg')).toBe('image/svg+xml');
    expect(mimeTypeFor('font.woff2')).toBe('font/woff2');
    expect(mimeTypeFor('data.json')).toBe('application/json; charset=utf-8');
    expect(mimeTypeFor('LICENSE')).toBe('application/octet-stream');
    expect(mimeTypeFor('evil.exe')).toBe('application/octet-stream');
  });

  it('registers app:// as standard and secure with fetch, and nothing looser', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } });
  });
});

// ---------------------------------------------------------------------------------------------
describe('navigation and external links', () => {
  it('allows navigation within the app origin only', () => {
    expect(isAllowedNavigation(APP_ENTRY_URL)).toBe(true);
    expect(isAllowedNavigation(`${APP_ORIGIN}/other#x`)).toBe(true);
    for (const url of [
      'https://example.com/',
      'http://localhost:5173/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'app://evil/index.html',
      'app://mesh-inspector.evil/',
      'app://mesh-inspector:1/',
      'app://u:p@mesh-inspector/',
      'about:blank',
      'devtools://devtools/bundled/inspector.html',
      '',
      'not a url',
    ]) {
      expect(isAllowedNavigation(url), url).toBe(false);
    }
  });

  it('opens plain https links externally', () => {
    expect(isSafeExternalUrl('https://redis.io/docs/latest/commands/xrange/')).toBe(true);
    expect(isSafeExternalUrl('HTTPS://github.com/x/y?q=1#h')).toBe(true);
  });

  it.each([
    ['http', 'http://example.com/'],
    ['file', 'file:///etc/passwd'],
    ['javascript', 'javascript:alert(1)'],
    ['javascript disguised by case and spaces', ' JavaScript:alert(1)'],
    ['data', 'data:text/html,hi'],
    ['vbscript', 'vbscript:msgbox'],
    ['smb share', 'smb://host/share'],
    ['a local handler scheme', 'ms-msdt:/id PCWDiagnostic'],
    ['our own scheme', 'app://mesh-inspector/index.html'],
    ['credentials', 'https://user:pass@example.com/'],
    ['a username only', 'https://user@example.com/'],
    ['a leading space', ' https://example.com/'],
    ['a newline inside', 'https://exa\nmple.com/'],
    ['a tab inside', 'https://exa\tmple.com/'],
    ['a control character', 'https://example.com/\u0007'],
    ['no host', 'https:///path'],
    ['backslashes for slashes', 'https:\\\\evil.example/'],
    ['a backslash before an @', 'https://evil.example\\@good.example/'],
    ['an empty userinfo', 'https://@example.com/'],
    ['scheme-relative', '//example.com/'],
    ['relative', '/index.html'],
    ['empty', ''],
    ['too long', `https://example.com/${'a'.repeat(3000)}`],
  ])('refuses %s', (_what, url) => {
    expect(isSafeExternalUrl(url)).toBe(false);
  });

  it('refuses non-strings without throwing', () => {
    expect(isSafeExternalUrl(undefined as unknown as string)).toBe(false);
    expect(isAllowedNavigation(42 as unknown as string)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
describe('remote content and permissions', () => {
  it('cancels every request that would leave the machine or read local files', () => {
    for (const url of ['https://example.com/x.js', 'http://127.0.0.1:6379/', 'ws://localhost:1/', 'wss://x/', 'ftp://x/', 'file:///etc/passwd', 'app://evil/x.js', 'garbage']) {
      expect(isAllowedRequest(url), url).toBe(false);
    }
  });

  it('lets the app origin and Chromium’s internal schemes through', () => {
    for (const url of [APP_ENTRY_URL, `${APP_ORIGIN}/assets/a.js`, 'data:image/png;base64,AAAA', 'blob:app://mesh-inspector/1234', 'devtools://devtools/bundled/inspector.html']) {
      expect(isAllowedRequest(url), url).toBe(true);
    }
  });

  it('grants only clipboard writes, and only to the app origin', () => {
    expect(isPermissionAllowed('clipboard-sanitized-write', APP_ENTRY_URL)).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', APP_ORIGIN)).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', 'https://example.com/')).toBe(false);
    expect(isPermissionAllowed('clipboard-sanitized-write', undefined)).toBe(false);
    for (const p of ['clipboard-read', 'media', 'geolocation', 'notifications', 'openExternal', 'fullscreen', 'hid', 'usb', 'serial', 'fileSystem', 'midiSysex', 'unknown']) {
      expect(isPermissionAllowed(p, APP_ENTRY_URL), p).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The thin glue around each decision, driven through stand-ins shaped like the Electron objects it
// is handed (no module mocking: each function takes its Electron object as a parameter).
describe('policy glue', () => {
  const quiet = () => undefined;

  it('serves app:// files with their type and the CSP, and 404s anything else', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mesh-renderer-'));
    try {
      mkdirSync(path.join(root, 'assets'));
      writeFileSync(path.join(root, 'index.html'), '<title>Mesh Inspector</title>');
      writeFileSync(path.join(root, 'assets', 'app-1.js'), 'export {}');
      writeFileSync(path.join(path.dirname(root), 'outside.txt'), 'secret');
      let handler: ((r: Request) => Promise<Response>) | undefined;
      serveAppProtocol({ handle: (scheme: string, fn: (r: Request) => Promise<Response>) => { expect(scheme).toBe('app'); handler = fn; } } as never, root);
      // Node's Request refuses app: URLs; the handler reads only url and method, so hand it those.
      const call = (url: string, method = 'GET') => handler!({ url, method } as Request);

      const index = await call('app://mesh-inspector/');
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(index.headers.get('content-security-policy')).toBe(contentSecurityPolicy());
      expect(index.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await index.text()).toContain('Mesh Inspector');

      const js = await call('app://mesh-inspector/assets/app-1.js');
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');

      const head = await call('app://mesh-inspector/assets/app-1.js', 'HEAD');
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');

      for (const url of ['app://mesh-inspector/missing.js', 'app://mesh-inspector/assets', 'app://mesh-inspector/../outside.txt', 'app://mesh-inspector/%2e%2e/outside.txt', 'app://other/index.html']) {
        const r = await call(url);
        expect(r.status, url).toBe(404);
        expect(r.headers.get('content-security-policy')).toBe(contentSecurityPolicy());
        expect(await r.text()).not.toContain('secret');
      }
      expect((await call('app://mesh-inspector/index.html', 'POST')).status).toBe(405);
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(path.join(path.dirname(root), 'outside.txt'), { force: true });
    }
  });

  it('cancels navigations, redirects and subframe navigations off the app origin, and webviews', () => {
    const contents = Object.assign(new EventEmitter(), {
      openHandler: undefined as undefined | ((d: { url: string }) => { action: string }),
      setWindowOpenHandler(fn: (d: { url: string }) => { action: string }) {
        this.openHandler = fn;
      },
    });
    const opened: string[] = [];
    hardenWebContents(contents as never, { openExternal: async (url: string) => void opened.push(url) }, quiet);
    const fire = (name: string, url: string, extra: object = {}) => {
      let prevented = false;
      contents.emit(name, { url, ...extra, preventDefault: () => (prevented = true) });
      return prevented;
    };
    expect(fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(fire('will-navigate', APP_ENTRY_URL)).toBe(false);
    expect(fire('will-redirect', 'https://evil.example/')).toBe(true);
    expect(fire('will-frame-navigate', 'https://evil.example/', { isMainFrame: false })).toBe(true);
    expect(fire('will-attach-webview', APP_ENTRY_URL)).toBe(true);
    // Web Bluetooth: cancelled, never the first device found.
    const chosen: string[] = [];
    let btPrevented = false;
    contents.emit('select-bluetooth-device', { preventDefault: () => (btPrevented = true) }, [{ deviceId: 'headset' }], (id: string) => chosen.push(id));
    expect(btPrevented).toBe(true);
    expect(chosen).toEqual(['']);

    expect(contents.openHandler!({ url: 'https://redis.io/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: APP_ENTRY_URL })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://redis.io/']);
  });

  it('installs the permission handlers: clipboard write for the app only, devices never', () => {
    const h: Record<string, (...a: unknown[]) => unknown> = {};
    denyPermissions(
      Object.assign(new EventEmitter(), {
        setPermissionRequestHandler: (fn: never) => (h.request = fn),
        setPermissionCheckHandler: (fn: never) => (h.check = fn),
        setDevicePermissionHandler: (fn: never) => (h.device = fn),
        setBluetoothPairingHandler: (fn: never) => (h.pairing = fn),
        setDisplayMediaRequestHandler: (fn: never) => (h.displayMedia = fn),
      }) as never,
    );
    const answers: boolean[] = [];
    h.request!(null, 'media', (ok: boolean) => answers.push(ok), { requestingUrl: APP_ENTRY_URL });
    h.request!(null, 'clipboard-sanitized-write', (ok: boolean) => answers.push(ok), { requestingUrl: APP_ENTRY_URL });
    h.request!(null, 'clipboard-sanitized-write', (ok: boolean) => answers.push(ok), { requestingUrl: 'https://evil.example/' });
    expect(answers).toEqual([false, true, false]);
    expect(h.check!(null, 'clipboard-read', APP_ORIGIN, {})).toBe(false);
    expect(h.check!(null, 'clipboard-sanitized-write', APP_ORIGIN, {})).toBe(true);
    expect(h.device!({})).toBe(false);
  });

  it('answers every device picker, Bluetooth pairing and screen capture with no (issue 12 review)', () => {
    const h: Record<string, (...a: unknown[]) => unknown> = {};
    const session = Object.assign(new EventEmitter(), {
      setPermissionRequestHandler: () => undefined,
      setPermissionCheckHandler: () => undefined,
      setDevicePermissionHandler: () => undefined,
      setBluetoothPairingHandler: (fn: never) => (h.pairing = fn),
      setDisplayMediaRequestHandler: (fn: never) => (h.displayMedia = fn),
    });
    denyPermissions(session as never);
    const pick = (event: string, ...args: unknown[]) => {
      let prevented = false;
      const answers: unknown[][] = [];
      session.emit(event, { preventDefault: () => (prevented = true) }, ...args, (...a: unknown[]) => answers.push(a));
      return { prevented, answers };
    };
    expect(pick('select-hid-device', { deviceList: [{ deviceId: 'kbd' }] })).toEqual({ prevented: true, answers: [[]] });
    expect(pick('select-usb-device', { deviceList: [{ deviceId: 'usb' }] })).toEqual({ prevented: true, answers: [[]] });
    expect(pick('select-serial-port', [{ portId: 'tty' }], {})).toEqual({ prevented: true, answers: [['']] });
    const pairing: unknown[] = [];
    h.pairing!({ deviceId: 'x', pairingKind: 'confirm' }, (r: unknown) => pairing.push(r));
    expect(pairing).toEqual([{ confirmed: false }]);
    const streams: unknown[] = [];
    h.displayMedia!({}, (r: unknown) => streams.push(r));
    expect(streams).toEqual([{}]);
  });

  it('cancels remote requests and sets the CSP on the session’s responses', () => {
    const h: Record<string, (details: object, cb: (r: object) => void) => void> = {};
    const session = { webRequest: { onBeforeRequest: (fn: never) => (h.before = fn), onHeadersReceived: (fn: never) => (h.headers = fn) } };
    blockRemoteContent(session as never, quiet);
    applyCspToSession(session as never);
    const answer = (name: string, details: object) => {
      let result: object | undefined;
      h[name]!(details, (r) => (result = r));
      return result;
    };
    expect(answer('before', { url: 'https://evil.example/x.js' })).toEqual({ cancel: true });
    expect(answer('before', { url: APP_ENTRY_URL })).toEqual({ cancel: false });
    expect(answer('headers', { url: APP_ENTRY_URL, responseHeaders: { 'Content-Security-Policy': ['default-src *'] } })).toEqual({
      responseHeaders: { 'Content-Security-Policy': [contentSecurityPolicy()] },
    });
    expect(answer('headers', { url: 'devtools://devtools/bundled/x.html', responseHeaders: {} })).toEqual({});
  });
});

// ---------------------------------------------------------------------------------------------
describe('IPC sender check', () => {
  const MAIN = 7;

  it('trusts the main window’s top frame showing the app origin', () => {
    expect(isTrustedSender(APP_ENTRY_URL, MAIN, MAIN, true)).toBe(true);
  });

  it.each([
    ['another webContents', [APP_ENTRY_URL, 8, MAIN, true]],
    ['a subframe of the main window', [APP_ENTRY_URL, MAIN, MAIN, false]],
    ['a frame that navigated off the app origin', ['https://evil.example/', MAIN, MAIN, true]],
    ['a frame of another app:// host', ['app://evil/index.html', MAIN, MAIN, true]],
    ['a file: page', ['file:///tmp/x.html', MAIN, MAIN, true]],
    ['a destroyed frame (no URL)', [undefined, MAIN, MAIN, true]],
    ['no main window', [APP_ENTRY_URL, MAIN, null, true]],
  ] as const)('refuses %s', (_what, args) => {
    expect(isTrustedSender(...(args as unknown as Parameters<typeof isTrustedSender>))).toBe(false);
  });

  it('reads top-frame-ness and URL off the IPC event, and treats a missing frame as untrusted', () => {
    const top = { url: APP_ENTRY_URL, parent: null };
    const sub = { url: APP_ENTRY_URL, parent: top };
    type Ev = Parameters<typeof senderOf>[0];
    expect(senderOf({ sender: { id: 3 }, senderFrame: top } as unknown as Ev)).toEqual({ frameUrl: APP_ENTRY_URL, webContentsId: 3, isTopFrame: true });
    expect(senderOf({ sender: { id: 3 }, senderFrame: sub } as unknown as Ev).isTopFrame).toBe(false);
    expect(senderOf({ sender: { id: 3 }, senderFrame: null } as unknown as Ev)).toEqual({ frameUrl: undefined, webContentsId: 3, isTopFrame: false });
  });

  // The registration module with a recording ipcMain: no Electron, just the shape it is handed.
  describe('registration', () => {
    type Handler = (event: unknown, payload: unknown) => Promise<unknown>;
    const setup = () => {
      const handlers = new Map<string, Handler>();
      const ipcMain = {
        handle: (channel: string, fn: Handler) => void handlers.set(channel, fn),
        removeHandler: (channel: string) => void handlers.delete(channel),
      };
      const calls: Array<[string, unknown]> = [];
      const table = Object.fromEntries(
        channelNames.map((c) => [c, async (req: unknown) => {
          calls.push([c, req]);
          if (c === 'profiles:delete') throw new MeshError('fatal', 'boom with hunter2 inside');
          return { echoed: req };
        }]),
      );
      const win = { isDestroyed: () => false, webContents: { id: MAIN } };
      const logs: string[] = [];
      const unregister = registerIpc(
        ipcMain as never,
        { handlers: table as never, knownSecrets: () => ['hunter2'] },
        () => win as never,
        (m) => logs.push(m),
      );
      const event = (id: number, url: string | undefined, top = true) => ({
        sender: { id },
        senderFrame: url === undefined ? null : { url, parent: top ? null : {} },
      });
      return { handlers, calls, logs, unregister, event };
    };

    it('handles exactly the contract’s channels and can remove them all', () => {
      const { handlers, unregister } = setup();
      expect([...handlers.keys()].sort()).toEqual([...channelNames].sort());
      unregister();
      expect(handlers.size).toBe(0);
    });

    it('runs the handler for the main window with the parsed payload, in an envelope', async () => {
      const { handlers, calls, event } = setup();
      const reply = await handlers.get('events:page')!(event(MAIN, APP_ENTRY_URL), { shard: 2, direction: 'forward', cursor: null, limit: 10 });
      expect(reply).toEqual({ ok: true, value: { echoed: { shard: 2, direction: 'forward', cursor: null, limit: 10 } } });
      expect(calls).toHaveLength(1);
    });

    it('refuses other senders before any parsing or handler runs', async () => {
      const { handlers, calls, logs, event } = setup();
      for (const ev of [event(99, APP_ENTRY_URL), event(MAIN, 'https://evil.example/'), event(MAIN, APP_ENTRY_URL, false), event(MAIN, undefined)]) {
        expect(await handlers.get('shards:list')!(ev, {})).toEqual(UNTRUSTED_SENDER);
      }
      expect(calls).toHaveLength(0);
      expect(logs.length).toBe(4);
    });

    it('rejects a payload that does not parse without running the handler', async () => {
      const { handlers, calls, event } = setup();
      const reply = (await handlers.get('events:page')!(event(MAIN, APP_ENTRY_URL), { shard: -1, direction: 'sideways' })) as { ok: boolean; error: { kind: string } };
      expect(reply.ok).toBe(false);
      expect(reply.error.kind).toBe('usage');
      expect(calls).toHaveLength(0);
    });

    it('returns a handler’s failure as data with known secrets scrubbed', async () => {
      const { handlers, event } = setup();
      const reply = (await handlers.get('profiles:delete')!(event(MAIN, APP_ENTRY_URL), { id: 'p1' })) as { ok: boolean; error: { kind: string; message: string } };
      expect(reply.ok).toBe(false);
      expect(reply.error.kind).toBe('fatal');
      expect(reply.error.message).not.toContain('hunter2');
    });
  });

  it('sends events to the main window only, dropping them when there is none', () => {
    const sent: Array<[string, unknown]> = [];
    let win: unknown = { isDestroyed: () => false, webContents: { isDestroyed: () => false, send: (e: string, p: unknown) => sent.push([e, p]) } };
    const sink = windowEventSink(() => win as never);
    sink('index:changed', { shard: 1, state: 'ready', indexed: 1, total: 1, step: 1000 });
    (sink as (e: string, p: unknown) => void)('not:an-event', {});
    win = null;
    sink('index:changed', { shard: 2, state: 'ready', indexed: 1, total: 1, step: 1000 });
    expect(sent).toEqual([['index:changed', { shard: 1, state: 'ready', indexed: 1, total: 1, step: 1000 }]]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('preload API derivation', () => {
  const fakeIpc = () => {
    const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
    const invoked: unknown[][] = [];
    const ipc: IpcRendererLike = {
      invoke: async (...args: unknown[]) => {
        invoked.push(args);
        return { ok: true, value: 'reply' };
      },
      on: (channel, fn) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(fn);
      },
      removeListener: (channel, fn) => {
        listeners.get(channel)?.delete(fn);
      },
    };
    const emit = (channel: string, ...args: unknown[]) => {
      for (const fn of listeners.get(channel) ?? []) fn({ sender: 'ipcRenderer itself' }, ...args);
    };
    return { ipc, invoked, listeners, emit };
  };

  it('has exactly one function per channel and per event, named as PreloadApi names them', () => {
    const api = derivePreloadApi(fakeIpc().ipc);
    const expected = [...channelNames.map((c) => methodName(c)), ...eventNames.map((e) => listenerName(e))];
    expect(Object.keys(api).sort()).toEqual([...expected].sort());
    expect(new Set(expected).size).toBe(expected.length);
    for (const c of channelNames) expect(typeof api[methodName(c)], c).toBe('function');
    for (const e of eventNames) expect(typeof api[listenerName(e)], e).toBe('function');
    expectTypeOf(api).toEqualTypeOf<PreloadApi>();
  });

  it('exposes no generic door: no ipcRenderer, invoke, send or on', () => {
    const api = derivePreloadApi(fakeIpc().ipc) as unknown as Record<string, unknown>;
    for (const name of ['ipcRenderer', 'invoke', 'send', 'sendSync', 'on', 'once', 'removeListener', 'postMessage']) {
      expect(name in api, name).toBe(false);
    }
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('sends each channel function’s own channel and only its request', async () => {
    const { ipc, invoked } = fakeIpc();
    const api = derivePreloadApi(ipc);
    await expect(api.shardsList({})).resolves.toEqual({ ok: true, value: 'reply' });
    await api.eventsPage({ shard: 1, direction: 'backward', cursor: null, limit: 5 });
    expect(invoked).toEqual([
      ['shards:list', {}],
      ['events:page', { shard: 1, direction: 'backward', cursor: null, limit: 5 }],
    ]);
  });

  it('hands listeners the payload only, never the event object, and unsubscribes exactly once', () => {
    const { ipc, emit, listeners } = fakeIpc();
    const api = derivePreloadApi(ipc);
    const got: unknown[][] = [];
    const off = api.onHealthChanged((...args: unknown[]) => void got.push(args));
    const other = api.onHealthChanged(() => undefined);
    emit('health:changed', { state: 'ready' }, 'extra argument');
    expect(got).toEqual([[{ state: 'ready' }]]);
    off();
    off();
    emit('health:changed', { state: 'down' });
    expect(got).toHaveLength(1);
    expect(listeners.get('health:changed')?.size).toBe(1);
    other();
    expect(listeners.get('health:changed')?.size).toBe(0);
  });

  it('refuses a listener that is not a function', () => {
    const api = derivePreloadApi(fakeIpc().ipc);
    expect(() => api.onTailEntries('nope' as never)).toThrow(TypeError);
  });
});

// ---------------------------------------------------------------------------------------------
describe('safeStorage secret store', () => {
  // A reversible stand-in for the OS keyring: enough to prove no plaintext reaches the disk.
  const fakeSafeStorage = (available = true, backend?: string): SafeStorageLike & { setAvailable(v: boolean): void } => {
    let ok = available;
    return {
      setAvailable: (v) => void (ok = v),
      isEncryptionAvailable: () => ok,
      encryptString: (s) => Buffer.from(`enc:${[...Buffer.from(s, 'utf8')].map((b) => b ^ 0x5a).join(',')}`),
      decryptString: (b) => {
        const text = b.toString('utf8');
        if (!text.startsWith('enc:')) throw new Error('Error while decrypting the ciphertext');
        return Buffer.from(text.slice(4).split(',').map((n) => Number(n) ^ 0x5a)).toString('utf8');
      },
      ...(backend === undefined ? {} : { getSelectedStorageBackend: () => backend }),
    };
  };

  let home: string;
  beforeEach(() => {
    home = mkdtempSync(path.join(tmpdir(), 'mesh-secrets-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));
  const file = () => path.join(home, SAFE_STORAGE_SECRETS_FILE);

  it('stores ciphertexts only, as base64 in a versioned 0600 file, and reads them back', async () => {
    const store = new SafeStorageSecretStore(home, fakeSafeStorage());
    await store.set('p1', 'hunter2');
    await store.set('__proto__', 'pässwörd');
    const text = readFileSync(file(), 'utf8');
    expect(text).not.toContain('hunter2');
    const doc = JSON.parse(text);
    expect(doc.format).toBe('mesh-inspector/safe-storage-secrets');
    expect(doc.version).toBe(1);
    expect(Object.keys(doc.secrets).sort()).toEqual(['__proto__', 'p1']);
    for (const v of Object.values(doc.secrets)) expect(v).toMatch(/^[A-Za-z0-9+/]+=*$/);
    if (process.platform !== 'win32') expect(statSync(file()).mode & 0o777).toBe(0o600);
    expect(await store.get('p1')).toBe('hunter2');
    expect(await store.get('__proto__')).toBe('pässwörd');
    expect(await store.get('unknown')).toBeUndefined();
  });

  it('keeps every entry when saves overlap', async () => {
    const store = new SafeStorageSecretStore(home, fakeSafeStorage());
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`p${i}`, `s${i}`)));
    for (let i = 0; i < 20; i++) expect(await store.get(`p${i}`)).toBe(`s${i}`);
  });

  it('refuses to store when the keyring is unavailable, with a fatal error, writing nothing', async () => {
    const store = new SafeStorageSecretStore(home, fakeSafeStorage(false));
    const err = await store.set('p1', 'hunter2').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeshError);
    expect((err as MeshError).kind).toBe('fatal');
    expect((err as MeshError).code).toBe('KEYRING_UNAVAILABLE');
    expect((err as MeshError).message).toMatch(/keyring/);
    expect((err as MeshError).message).not.toContain('hunter2');
    expect(() => statSync(file())).toThrow();
  });

  it('treats Linux’s basic_text fallback as no keyring at all', async () => {
    const store = new SafeStorageSecretStore(home, fakeSafeStorage(true, 'basic_text'), 'linux');
    await expect(store.set('p1', 'x')).rejects.toMatchObject({ kind: 'fatal', code: 'KEYRING_UNAVAILABLE' });
    expect(keyringProblem(true, 'gnome_libsecret')).toBeNull();
    expect(keyringProblem(true, undefined)).toBeNull();
    expect(keyringProblem(false, undefined)).toMatch(/not available/);
  });

  it('still forgets a password without the keyring, and says clearly when one cannot be read', async () => {
    const safe = fakeSafeStorage();
    const store = new SafeStorageSecretStore(home, safe);
    await store.set('p1', 'a');
    await store.set('p2', 'b');
    safe.setAvailable(false);
    await expect(store.get('p1')).rejects.toMatchObject({ kind: 'fatal', code: 'KEYRING_UNAVAILABLE' });
    await store.delete('p1');
    safe.setAvailable(true);
    expect(await store.get('p1')).toBeUndefined();
    expect(await store.get('p2')).toBe('b');
  });

  it('reports a ciphertext the keyring cannot decrypt as fatal, asking to save again', async () => {
    writeFileSync(file(), JSON.stringify(secretsFileDocument(new Map([['p1', Buffer.from('garbage')]]))));
    const store = new SafeStorageSecretStore(home, fakeSafeStorage());
    await expect(store.get('p1')).rejects.toMatchObject({ kind: 'fatal', code: 'SECRET_UNREADABLE' });
  });

  it('refuses to overwrite a damaged or foreign file', async () => {
    writeFileSync(file(), '{"version":1,"secrets":{"p1":"plaintext!"}}');
    const store = new SafeStorageSecretStore(home, fakeSafeStorage());
    await expect(store.set('p2', 'x')).rejects.toMatchObject({ kind: 'fatal', code: 'SECRETS_FILE_INVALID' });
    expect(readFileSync(file(), 'utf8')).toBe('{"version":1,"secrets":{"p1":"plaintext!"}}');
  });

  it.each([
    ['not an object', 'x'],
    ['null', null],
    ['the serve plaintext format', { version: 1, secrets: { p: 'hunter2' } }],
    ['a wrong version', { format: 'mesh-inspector/safe-storage-secrets', version: 2, secrets: {} }],
    ['an array of secrets', { format: 'mesh-inspector/safe-storage-secrets', version: 1, secrets: [] }],
    ['a number value', { format: 'mesh-inspector/safe-storage-secrets', version: 1, secrets: { p: 5 } }],
    ['an empty value', { format: 'mesh-inspector/safe-storage-secrets', version: 1, secrets: { p: '' } }],
    ['non-base64', { format: 'mesh-inspector/safe-storage-secrets', version: 1, secrets: { p: 'not base64!' } }],
  ])('parses only its own format: rejects %s', (_what, value) => {
    expect(() => parseSecretsFile(value)).toThrow();
  });

  it('round-trips the file format', () => {
    const m = new Map([
      ['a', Buffer.from([0, 1, 2, 255])],
      ['__proto__', Buffer.from('x')],
    ]);
    const back = parseSecretsFile(JSON.parse(JSON.stringify(secretsFileDocument(m))));
    expect([...back.entries()]).toEqual([...m.entries()]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('menu', () => {
  const base = { appName: 'Mesh Inspector', onNewConnection: () => undefined };
  type Item = { id?: string; label?: string; role?: string; accelerator?: string; submenu?: unknown };
  const find = (items: Item[], label: string) => items.find((i) => i.label === label);
  const roles = (item: Item | undefined) => ((item?.submenu as Item[] | undefined) ?? []).map((i) => i.role).filter(Boolean);

  it('has File with New Connection on CmdOrCtrl+N and Close Window, and the usual menus', () => {
    const t = menuTemplate({ ...base, platform: 'linux', isPackaged: true, isDev: false }) as Item[];
    expect(t.map((i) => i.label)).toEqual(['File', 'Edit', 'View', 'Window', 'Help']);
    const file = find(t, 'File')!.submenu as Item[];
    expect(file.find((i) => i.id === 'new-connection')?.accelerator).toBe('CmdOrCtrl+N');
    expect(roles(find(t, 'File'))).toEqual(['close', 'quit']);
    expect(roles(find(t, 'Edit'))).toEqual(expect.arrayContaining(['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll']));
    expect(roles(find(t, 'Help'))).toEqual(['about']);
    expect(find(t, 'Window')?.role).toBe('windowMenu');
  });

  it('leaves Reload out unless in development and DevTools out when packaged', () => {
    const packaged = roles(find(menuTemplate({ ...base, platform: 'linux', isPackaged: true, isDev: false }) as Item[], 'View'));
    expect(packaged).not.toContain('reload');
    expect(packaged).not.toContain('toggleDevTools');
    expect(packaged).toEqual(expect.arrayContaining(['resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']));
    const unpackaged = roles(find(menuTemplate({ ...base, platform: 'linux', isPackaged: false, isDev: false }) as Item[], 'View'));
    expect(unpackaged).toContain('toggleDevTools');
    expect(unpackaged).not.toContain('reload');
    const dev = roles(find(menuTemplate({ ...base, platform: 'linux', isPackaged: false, isDev: true }) as Item[], 'View'));
    expect(dev).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']));
  });

  it('puts the app menu first on macOS, with Quit there instead of in File', () => {
    const t = menuTemplate({ ...base, platform: 'darwin', isPackaged: true, isDev: false }) as Item[];
    expect(t[0]?.label).toBe('Mesh Inspector');
    expect(roles(t[0])).toEqual(expect.arrayContaining(['about', 'hide', 'quit']));
    expect(roles(find(t, 'File'))).toEqual(['close']);
  });

  it('calls back on New Connection', () => {
    let called = 0;
    const t = menuTemplate({ ...base, onNewConnection: () => void called++, platform: 'win32', isPackaged: true, isDev: false }) as Item[];
    const item = (find(t, 'File')!.submenu as Array<Item & { click?: () => void }>).find((i) => i.id === 'new-connection');
    item?.click?.();
    expect(called).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
describe('lifecycle', () => {
  it('reports a dispose that finishes, fails or hangs, and never waits past the bound', async () => {
    expect(await disposeWithin(async () => undefined, 1000)).toBe('closed');
    expect(await disposeWithin(async () => Promise.reject(new Error('x')), 1000)).toBe('failed');
    expect(await disposeWithin(() => { throw new Error('sync'); }, 1000)).toBe('failed');
    expect(await disposeWithin(() => new Promise<void>(() => undefined), 20)).toBe('timed-out');
  });

  it('reads --url and --prefix like serve does, ignoring everything else', () => {
    expect(parseLaunchArgs(['/app', '--url', 'redis://h:1', '--prefix=bus', '--no-sandbox'])).toEqual({ url: 'redis://h:1', prefix: 'bus' });
    expect(parseLaunchArgs(['--url=redis://x', '--prefix'])).toEqual({ url: 'redis://x' });
    expect(parseLaunchArgs(['--url', '--prefix', 'p'])).toEqual({ prefix: 'p' });
    expect(parseLaunchArgs([])).toEqual({});
  });

  it('refuses remote debugging and inspector switches in a packaged app only (issue 12 review)', () => {
    const argv = ['/opt/Mesh Inspector/mesh-inspector', '--remote-debugging-port=9222', '--url', 'redis://h:1', '--inspect-brk=0', '--Remote-Debugging-Pipe', '--', '--inspect'];
    expect(refusedLaunchSwitches(argv, true)).toEqual(['--remote-debugging-port', '--inspect-brk', '--remote-debugging-pipe']);
    expect(refusedLaunchSwitches(argv, false)).toEqual([]);
    expect(refusedLaunchSwitches(['/app', '--url', 'redis://h:1', '--no-sandbox', '--remote-debugging'], true)).toEqual([]);
  });

  it('quits on SIGINT, SIGTERM and SIGHUP', () => {
    expect([...QUIT_SIGNALS].sort()).toEqual(['SIGHUP', 'SIGINT', 'SIGTERM']);
  });

  it('recognizes the app origin exactly', () => {
    expect(isAppOrigin(APP_ORIGIN)).toBe(true);
    expect(isAppOrigin('app://MESH-INSPECTOR/x')).toBe(true);
    expect(isAppOrigin('app://mesh-inspector@evil/')).toBe(false);
  });
});

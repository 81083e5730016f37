import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInside, mimeType, resolveStaticPath } from '../../electron/serve/static-files';

const root = path.resolve('/srv/app/dist/renderer');

describe('resolveStaticPath', () => {
  it('maps / and /index.html to the index page', () => {
    expect(resolveStaticPath(root, '/')).toEqual({ ok: true, file: path.join(root, 'index.html'), isIndex: true });
    expect(resolveStaticPath(root, '/?token=abc')).toEqual({ ok: true, file: path.join(root, 'index.html'), isIndex: true });
    expect(resolveStaticPath(root, '/index.html')).toMatchObject({ ok: true, isIndex: true });
  });

  it('maps asset paths inside the root, decoding percent-escapes', () => {
    expect(resolveStaticPath(root, '/assets/index-abc.js?v=1')).toEqual({ ok: true, file: path.join(root, 'assets', 'index-abc.js'), isIndex: false });
    expect(resolveStaticPath(root, '/assets/a%20b.css')).toEqual({ ok: true, file: path.join(root, 'assets', 'a b.css'), isIndex: false });
  });

  it.each([
    '/../package.json',
    '/..',
    '/%2e%2e/package.json',
    '/%2E%2E/%2E%2E/etc/passwd',
    '/..%2fpackage.json',
    '/assets/..%2f..%2fpackage.json',
    '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    '//etc/passwd',
    '/assets//x.js',
    '/./index.html',
    '/..%5cpackage.json',
    '/assets\\..\\..\\package.json',
    '/a%00.js',
    '/%E0%A4%A',
    'index.html',
    'http://evil.example/',
  ])('refuses %s before touching the disk', (target) => {
    const r = resolveStaticPath(root, target);
    expect(r.ok).toBe(false);
    if (!r.ok) expect([400, 404]).toContain(r.status);
  });

  it('hides dot-files', () => {
    expect(resolveStaticPath(root, '/.env')).toMatchObject({ ok: false, status: 404 });
    expect(resolveStaticPath(root, '/assets/.git/config')).toMatchObject({ ok: false, status: 404 });
  });

  it('never resolves outside the root, whatever the input', () => {
    const tricky = ['/..%252f..', '/%c0%ae%c0%ae/x', '/....//x', '/...', '/a/../../b', '/%2f%2fetc/passwd'];
    for (const t of tricky) {
      const r = resolveStaticPath(root, t);
      if (r.ok) expect(isInside(root, r.file), t).toBe(true);
    }
  });
});

describe('isInside', () => {
  it('is strict containment', () => {
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b', '/a/b')).toBe(false);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
  });
});

describe('mimeType', () => {
  it('names the renderer file kinds and falls back to opaque bytes', () => {
    expect(mimeType('index.html')).toBe('text/html; charset=utf-8');
    expect(mimeType('a.JS')).toBe('text/javascript; charset=utf-8');
    expect(mimeType('a.css')).toBe('text/css; charset=utf-8');
    expect(mimeType('a.svg')).toBe('image/svg+xml');
    expect(mimeType('a.woff2')).toBe('font/woff2');
    expect(mimeType('a.map')).toBe('application/json; charset=utf-8');
    expect(mimeType('a.exe')).toBe('application/octet-stream');
    expect(mimeType('Makefile')).toBe('application/octet-stream');
  });
});

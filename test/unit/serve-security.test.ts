import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy as desktopCsp } from '../../electron/main/csp';
import {
  allowedAuthority,
  contentSecurityPolicy,
  generateToken,
  hostnameForUrl,
  isAllowedHost,
  isAllowedOrigin,
  isLoopbackHost,
  parseAuthority,
  readQueryToken,
  securityHeaders,
  staleTokenCookies,
  tokenMatches,
} from '../../electron/serve/security';

describe('serve tokens', () => {
  it('generates 32 random bytes as base64url, different every time', () => {
    const a = generateToken();
    const b = generateToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('accepts only the exact token', () => {
    const t = generateToken();
    expect(tokenMatches(t, t)).toBe(true);
    expect(tokenMatches(t, `${t}x`)).toBe(false);
    expect(tokenMatches(t, t.slice(0, -1))).toBe(false);
    expect(tokenMatches(t, t.toUpperCase())).toBe(t === t.toUpperCase());
    expect(tokenMatches(t, '')).toBe(false);
    expect(tokenMatches(t, null)).toBe(false);
    expect(tokenMatches(t, undefined)).toBe(false);
  });

  it('never matches when the expected token is empty', () => {
    expect(tokenMatches('', '')).toBe(false);
  });

  it('reads the token from the query', () => {
    expect(readQueryToken('/?token=abc')).toBe('abc');
    expect(readQueryToken('/ws?x=1&token=a%2Bb')).toBe('a+b');
    expect(readQueryToken('/?tok=abc')).toBeNull();
    expect(readQueryToken('/')).toBeNull();
    expect(readQueryToken('/#?token=abc')).toBeNull();
  });

  it('expires the token cookies older versions set, and nothing else', () => {
    expect(staleTokenCookies('a=1; mesh_inspector_token_8080=xyz; mesh_inspector_token_9=q; b=2')).toEqual([
      'mesh_inspector_token_8080=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict',
      'mesh_inspector_token_9=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict',
    ]);
    expect(staleTokenCookies('mesh_inspector_token_x=1; other=2; mesh_inspector_token_123456=3')).toEqual([]);
    expect(staleTokenCookies(undefined)).toEqual([]);
  });
});

describe('serve Host and Origin checks', () => {
  const loop = allowedAuthority('127.0.0.1', 5000);

  it('accepts the loopback names on our port only', () => {
    for (const h of ['127.0.0.1:5000', 'localhost:5000', 'LOCALHOST:5000', '[::1]:5000']) expect(isAllowedHost(h, loop)).toBe(true);
    for (const h of ['127.0.0.1:5001', 'localhost', 'evil.example:5000', 'localhost.evil.example:5000', '127.0.0.2:5000', '::1:5000', '', 'user@localhost:5000', 'localhost:5000/x', 'localhost:05000x'])
      expect(isAllowedHost(h, loop), h).toBe(false);
    expect(isAllowedHost(undefined, loop)).toBe(false);
  });

  it('adds a specific bound address, and the machine names when bound to a wildcard', () => {
    const lan = allowedAuthority('192.168.1.7', 5000);
    expect(isAllowedHost('192.168.1.7:5000', lan)).toBe(true);
    expect(isAllowedHost('127.0.0.1:5000', lan)).toBe(true);
    expect(isAllowedHost('10.0.0.1:5000', lan)).toBe(false);
    const v6 = allowedAuthority('fe80::1', 5000);
    expect(isAllowedHost('[fe80::1]:5000', v6)).toBe(true);
    const any = allowedAuthority('0.0.0.0', 5000, ['myhost', '10.0.0.9', '::', 'fd00::2']);
    expect(isAllowedHost('myhost:5000', any)).toBe(true);
    expect(isAllowedHost('10.0.0.9:5000', any)).toBe(true);
    expect(isAllowedHost('[fd00::2]:5000', any)).toBe(true);
    expect(isAllowedHost('0.0.0.0:5000', any)).toBe(false);
    expect(isAllowedHost('[::]:5000', any)).toBe(false);
  });

  it('uses port 80 for a Host without a port', () => {
    expect(isAllowedHost('localhost', allowedAuthority('127.0.0.1', 80))).toBe(true);
    expect(parseAuthority('example.com', 80)).toEqual({ hostname: 'example.com', port: 80 });
    expect(parseAuthority('[::1]:99', 80)).toEqual({ hostname: '[::1]', port: 99 });
    expect(parseAuthority('[::1]x', 80)).toBeNull();
    expect(parseAuthority('a:0', 80)).toBeNull();
    expect(parseAuthority('a:65536', 80)).toBeNull();
  });

  it('accepts only our own http origin on the WebSocket', () => {
    expect(isAllowedOrigin('http://127.0.0.1:5000', loop)).toBe(true);
    expect(isAllowedOrigin('http://localhost:5000', loop)).toBe(true);
    expect(isAllowedOrigin('http://[::1]:5000', loop)).toBe(true);
    for (const o of [undefined, 'null', '', 'http://evil.example', 'http://evil.example:5000', 'https://127.0.0.1:5000', 'http://127.0.0.1:5001', 'http://127.0.0.1', 'http://127.0.0.1:5000/path', 'file://', 'http://localhost:5000.evil.example'])
      expect(isAllowedOrigin(o, loop), String(o)).toBe(false);
    expect(isAllowedOrigin('http://localhost', allowedAuthority('127.0.0.1', 80))).toBe(true);
  });

  it('knows loopback hosts and writes IPv6 hosts in brackets', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('127.8.9.10')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
    expect(isLoopbackHost('192.168.0.1')).toBe(false);
    expect(hostnameForUrl('::1')).toBe('[::1]');
    expect(hostnameForUrl('[::1]')).toBe('[::1]');
    expect(hostnameForUrl('LocalHost')).toBe('localhost');
  });
});

describe('serve response headers', () => {
  it('sends the desktop CSP, without unsafe-eval or unsafe-inline, with the ws origin in connect-src', () => {
    const csp = contentSecurityPolicy('127.0.0.1:5000');
    expect(csp).not.toMatch(/unsafe/);
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives).toEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'connect-src': "'self' ws://127.0.0.1:5000",
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
      'form-action': "'none'",
      'img-src': "'self' data:",
      'style-src': "'self'",
      'font-src': "'self'",
      'frame-src': "'none'",
    });
  });

  it('matches the desktop policy directive for directive, except the explicit ws origin', () => {
    const split = (csp: string) => new Map(csp.split('; ').map((d) => [d.split(' ')[0]!, d]));
    const desktop = split(desktopCsp());
    const served = split(contentSecurityPolicy('localhost:9'));
    expect([...served.keys()].sort()).toEqual([...desktop.keys()].sort());
    for (const [name, directive] of desktop) {
      if (name === 'connect-src') expect(served.get(name)).toBe(`${directive} ws://localhost:9`);
      else expect(served.get(name), name).toBe(directive);
    }
  });

  it('adds the hardening headers', () => {
    expect(securityHeaders()).toMatchObject({
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
  });
});

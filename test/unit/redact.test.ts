import { describe, expect, it } from 'vitest';
import { redactText, redactUrl } from '../../shared/redact';

describe('redactUrl (contract 3.38)', () => {
  it.each([
    ['redis://user:p@ss:word@redis.svc:6379', 'redis://[REDACTED]@redis.svc:6379'],
    ['redis://:secret@h:1/0', 'redis://[REDACTED]@h:1/0'],
    ['rediss://:tokenonly@host:6379', 'rediss://[REDACTED]@host:6379'],
    ['redis://user:secret@redis.example.com:6379', 'redis://[REDACTED]@redis.example.com:6379'],
    ['nats://admin:p@ss@nats.svc:4222/path?foo=1', 'nats://[REDACTED]@nats.svc:4222/path?foo=1'],
    ['redis://user@h', 'redis://[REDACTED]@h'],
    ['redis://@h', 'redis://[REDACTED]@h'],
    ['redis://u:p@h/0?x=a@b#c@d', 'redis://[REDACTED]@h/0?x=a@b#c@d'],
    ['redis://u:p@[::1]:6379', 'redis://[REDACTED]@[::1]:6379'],
  ])('redacts the userinfo of %j up to the last @ of the authority', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it.each([
    'redis://h:1/a@b',
    'redis://redis.svc:6379',
    'https://example.com/path/@handle',
    'redis://h:1?user=a@b',
    'redis://h:1#a@b',
    'no scheme user:pw@host',
    'user:pw@host:6379',
    '',
    'redis://',
  ])('returns %j unchanged (no userinfo in the authority)', (url) => {
    expect(redactUrl(url)).toBe(url);
  });

  it('never shows any part of a password that contains @', () => {
    const out = redactUrl('redis://admin:a@b@c@host:6379/2');
    expect(out).toBe('redis://[REDACTED]@host:6379/2');
    expect(out).not.toMatch(/admin|a@b/);
  });
});

describe('redactText', () => {
  it('replaces every occurrence of each secret', () => {
    expect(redactText('auth hunter2 failed; hunter2 again', ['hunter2'])).toBe('auth [REDACTED] failed; [REDACTED] again');
  });

  it('ignores empty secrets and returns the text unchanged without secrets', () => {
    expect(redactText('abc', [''])).toBe('abc');
    expect(redactText('abc', [])).toBe('abc');
  });

  it('prefers the longer secret so no tail of it stays visible', () => {
    expect(redactText('pw=abcdef', ['abc', 'abcdef'])).toBe('pw=[REDACTED]');
  });

  it('treats regex metacharacters in secrets literally', () => {
    expect(redactText('p=a.b*c(d)[e]$1\\x z=aXb', ['a.b*c(d)[e]$1\\x'])).toBe('p=[REDACTED] z=aXb');
  });

  it('does not re-match inside an earlier replacement', () => {
    expect(redactText('secret RED', ['secret', 'RED'])).toBe('[REDACTED] [REDACTED]');
    expect(redactText('secret', ['secret', 'ACT'])).toBe('[REDACTED]');
  });
});

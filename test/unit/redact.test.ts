import { describe, expect, it } from 'vitest';
import { redactText, redactUrl } from '../../shared/redact';

describe('redactUrl (contract 3.38, display form)', () => {
  it.each([
    ['redis://user:p@ss:word@redis.svc:6379', 'redis://[REDACTED]@redis.svc:6379'],
    ['redis://:secret@h:1/0', 'redis://[REDACTED]@h:1/0'],
    ['rediss://:tokenonly@host:6379', 'rediss://[REDACTED]@host:6379'],
    ['redis://user:secret@redis.example.com:6379', 'redis://[REDACTED]@redis.example.com:6379'],
    ['redis://user@h', 'redis://[REDACTED]@h'],
    ['redis://@h', 'redis://[REDACTED]@h'],
    ['redis://u:p@[::1]:6379', 'redis://[REDACTED]@[::1]:6379'],
  ])('redacts the userinfo of %j up to the last @, as net-mesh shows it', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it.each(['redis://redis.svc:6379', 'redis://h:1/0', 'rediss://[::1]:6380/3', '', 'redis://'])('returns %j unchanged (no userinfo, no query)', (url) => {
    expect(redactUrl(url)).toBe(url);
  });

  it.each([
    // The parser ends the userinfo at the LAST '@' (a password may hold '/', '?', '#'); so does this.
    ['redis://:pa/ss@127.0.0.1:1', 'redis://[REDACTED]@127.0.0.1:1'],
    ['redis://:pa?ss@127.0.0.1:1', 'redis://[REDACTED]'],
    ['redis://:pa#ss@127.0.0.1:1/2', 'redis://[REDACTED]'],
    // A query value holding an '@': what follows it is a piece of the password, not a host.
    ['redis://127.0.0.1:1/0?password=left@right', 'redis://[REDACTED]'],
    ['redis://u:a@b@c@host:6379/2', 'redis://[REDACTED]@host:6379/2'],
    // Never a query or fragment: it may carry a password.
    ['redis://127.0.0.1:1/0?password=hunter2', 'redis://127.0.0.1:1/0'],
    ['redis://h:1#hunter2', 'redis://h:1'],
    ['nats://admin:p@ss@nats.svc:4222/path?foo=1', 'nats://[REDACTED]@nats.svc:4222/path'],
    ['redis://h:1?user=a@b', 'redis://[REDACTED]'],
    // An '@' after the host hides more than needed, never less.
    ['redis://h:1/a@b', 'redis://[REDACTED]@b'],
    // Text without a scheme is read the same way from its start.
    ['user:pw@host:6379', '[REDACTED]@host:6379'],
  ])('never shows a password or a query: %j → %j', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
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

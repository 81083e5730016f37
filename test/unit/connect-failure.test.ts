/** The connect screen's title for a failed first connection names the problem from the error's code. */
import { describe, expect, it } from 'vitest';
import { connectFailureTitle } from '../../renderer/src/features/connect/connect-failure';

describe('connectFailureTitle', () => {
  it.each([
    ['ECONNREFUSED', 'transient', 'connect ECONNREFUSED 127.0.0.1:1', /nothing is listening/],
    ['ENOTFOUND', 'transient', 'getaddrinfo ENOTFOUND nohost', /does not resolve/],
    ['WRONGPASS', 'fatal', 'WRONGPASS invalid username-password pair or user is disabled.', /user name or password \(WRONGPASS\)/],
    ['NOAUTH', 'fatal', 'NOAUTH Authentication required.', /needs a password \(NOAUTH\)/],
    ['NOPERM', 'fatal', "NOPERM this user has no permissions to run the 'info' command", /NOPERM/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'fatal', 'TLS: the certificate is for redis.internal', /TLS failed/],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'fatal', 'TLS: not signed by the given CA', /TLS failed/],
  ] as const)('%s', (code, kind, message, want) => {
    expect(connectFailureTitle({ kind, message, code })).toMatch(want);
  });

  it('a timeout without a code, and anything else', () => {
    expect(connectFailureTitle({ kind: 'transient', message: 'Redis command timeout (PING)' })).toMatch(/no answer within the command timeout/);
    expect(connectFailureTitle({ kind: 'fatal', message: 'something odd' })).toBe('Could not connect');
  });
});

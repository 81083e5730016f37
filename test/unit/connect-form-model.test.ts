/**
 * The connection form's model: the Sentinel password travels only with the Sentinel mode (a new
 * one, `null` to forget, absent to keep), TLS settings need rediss://, and a saved profile comes
 * back into the form without any secret.
 */
import { describe, expect, it } from 'vitest';
import { draftFromProfile, emptyDraft, validateDraft, type ProfileDraft } from '../../renderer/src/features/connect/profile-form-model';

const sentinel = (over: Partial<ProfileDraft> = {}): ProfileDraft => ({
  ...emptyDraft(),
  url: 'redis://127.0.0.1',
  topologyMode: 'sentinel',
  sentinels: '10.0.0.1:26379, 10.0.0.2:26379',
  masterName: 'mymaster',
  ...over,
});

describe('validateDraft: the sentinel password', () => {
  it('is sent when typed, in Sentinel mode only', () => {
    const r = validateDraft(sentinel({ sentinelPassword: 's3cret' }));
    expect(r.ok && r.input).toMatchObject({ topology: { mode: 'sentinel', sentinels: '10.0.0.1:26379, 10.0.0.2:26379', masterName: 'mymaster' }, sentinelPassword: 's3cret' });
    const other = validateDraft(sentinel({ sentinelPassword: 's3cret', topologyMode: 'standalone' }));
    expect(other.ok && other.input).not.toHaveProperty('sentinelPassword');
  });

  it('blank keeps the saved one (absent), Forget sends null', () => {
    const keep = validateDraft(sentinel());
    expect(keep.ok && keep.input).not.toHaveProperty('sentinelPassword');
    const forget = validateDraft(sentinel({ sentinelPassword: 'ignored', forgetSentinelPassword: true }));
    expect(forget.ok && forget.input).toMatchObject({ sentinelPassword: null });
  });

  it('a too long one is an error on its field', () => {
    const r = validateDraft(sentinel({ sentinelPassword: 'x'.repeat(1025) }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(Object.keys(r.errors)).toEqual(['sentinelPassword']);
  });
});

describe('validateDraft: TLS', () => {
  it('builds the TLS settings for rediss:// and refuses them for redis://', () => {
    const d = { ...emptyDraft(), url: 'rediss://10.0.0.5:6380', tlsCaFile: ' /etc/ca.pem ', tlsServername: 'redis.internal' };
    const r = validateDraft(d);
    expect(r.ok && r.input.tls).toEqual({ caFile: '/etc/ca.pem', servername: 'redis.internal' });
    const plain = validateDraft({ ...d, url: 'redis://10.0.0.5:6380' });
    expect(plain.ok).toBe(false);
    if (!plain.ok) expect(plain.errors.tls).toBe('TLS settings need a rediss:// URL');
    const half = validateDraft({ ...d, tlsCertFile: '/etc/client.pem' });
    expect(!half.ok && half.errors.tls).toBe('A client certificate needs both the certificate and the key file');
  });
});

describe('draftFromProfile', () => {
  it('brings a saved Sentinel profile back without any password', () => {
    const d = draftFromProfile({
      id: 'p1',
      name: 'bus',
      url: 'redis://app:[REDACTED]@127.0.0.1:6379',
      address: 'redis://127.0.0.1:6379',
      username: 'app',
      hasPassword: true,
      hasSentinelPassword: true,
      prefix: 'net',
      commandTimeoutMs: 1000,
      readOnly: false,
      topology: { mode: 'sentinel', sentinels: 'a:1', masterName: 'm' },
    });
    expect(d).toMatchObject({ url: 'redis://app@127.0.0.1:6379', password: '', sentinelPassword: '', forgetSentinelPassword: false, topologyMode: 'sentinel', sentinels: 'a:1', masterName: 'm' });
  });
});

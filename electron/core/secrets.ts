/**
 * The one derivation of a profile's secrets, in a module of its own with only light imports: the
 * command line needs it for every command line, `--help` included, before it knows whether it will
 * talk to Redis, and must not load the Redis client to get it (issue 16: CLI start).
 * connection.ts re-exports it.
 */
import type { ConnectionProfile } from './connection';
import { urlPasswordTexts } from './redis-url';

/** The parts of a connection profile that can carry a secret (a `ConnectionProfile` is one). */
export type SecretSources = Pick<ConnectionProfile, 'url'> & Partial<Pick<ConnectionProfile, 'password' | 'topology'>>;

/**
 * Every text under which a secret of `profile` may appear in a message, for `redactText`: the
 * URL's password as written and percent-decoded, `profile.password` and the sentinels' own
 * password, each also percent-encoded (as `connectUrlOf` and URL builders write it) and
 * JSON-escaped (as a serialized message quotes it). The one place secrets are derived: the
 * adapter, the service, `serve`, the CLI and the desktop host all scrub with this list.
 *
 * Guarantees: no empty text; works for a URL that does not parse (by the parser's own rule: the
 * userinfo ends at the last `@`); never throws.
 */
export function secretsOf(profile: SecretSources): string[] {
  const base = [...urlPasswordTexts(profile.url), profile.password, profile.topology?.sentinelPassword];
  const out = new Set<string>();
  for (const s of base) {
    if (typeof s !== 'string' || s === '') continue;
    out.add(s);
    out.add(encodeURIComponent(s));
    out.add(JSON.stringify(s).slice(1, -1));
  }
  return [...out];
}

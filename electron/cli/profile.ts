/**
 * From the global options to a connection profile. Light on purpose (types only from the core):
 * the driver (run.ts) derives every command line's secrets from the profile before any command
 * runs, `--help` included, and must not load the Redis client for that (issue 16: CLI start).
 * connect.ts re-exports both functions.
 */
import type { ConnectionProfile, TopologyOptions } from '../core/connection';
import type { GlobalOptions } from './args';

/**
 * The connection profile the global options describe. `readOnly` commands get no publish
 * connection at all (one connection per run is enough load for a script).
 */
export function profileFrom(global: GlobalOptions, readOnly: boolean): ConnectionProfile {
  const profile: ConnectionProfile = {
    url: global.url,
    prefix: global.prefix,
    commandTimeoutMs: global.timeoutMs,
    readOnly,
    connectionName: 'mesh-inspector-cli',
  };
  if (Object.values(global.tls).some((v) => v !== undefined)) profile.tls = { ...global.tls };
  profile.topology = topologyFrom(global);
  return profile;
}

/**
 * The topology the global options ask for: `--sentinel ... --master-name n` (Sentinel), `--cluster`
 * (Cluster, forced), or `auto` (a Cluster is detected with INFO cluster on connect).
 */
export function topologyFrom(global: GlobalOptions): TopologyOptions {
  if (global.sentinel !== undefined) {
    const t: TopologyOptions = { mode: 'sentinel', sentinels: global.sentinel };
    if (global.masterName !== undefined) t.masterName = global.masterName;
    if (global.sentinelPassword !== undefined) t.sentinelPassword = global.sentinelPassword;
    return t;
  }
  return { mode: global.cluster ? 'cluster' : 'auto' };
}

/**
 * From the global options to a connected adapter, for the commands that talk to Redis.
 */
import { MeshAdapter } from '../core/adapter';
import { loadTlsFiles, parseSentinels, topologyModeOf, type ConnectionProfile, type TopologyOptions } from '../core/connection';
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

/**
 * Checks the topology options before anything is sent (usage errors: a sentinel address that is
 * not host:port, a master name without sentinels). Every topology is supported; the name stays
 * for the commands that call it.
 */
export function checkTopology(global: GlobalOptions): void {
  topologyModeOf({ url: global.url, prefix: global.prefix, commandTimeoutMs: global.timeoutMs, topology: topologyFrom(global) });
  if (global.sentinel !== undefined) parseSentinels(global.sentinel);
}

/**
 * Runs `fn` with an initialized adapter and always shuts it down afterwards. The adapter is
 * created (URL, timeout and TLS files checked: usage errors) before anything is sent.
 */
export async function withAdapter<T>(global: GlobalOptions, readOnly: boolean, fn: (adapter: MeshAdapter) => Promise<T>): Promise<T> {
  checkTopology(global);
  const adapter = new MeshAdapter(await loadTlsFiles(profileFrom(global, readOnly)));
  try {
    await adapter.init();
    return await fn(adapter);
  } finally {
    await adapter.shutdown();
  }
}

/**
 * From the global options to a connected adapter, for the commands that talk to Redis.
 */
import { MeshAdapter } from '../core/adapter';
import { loadTlsFiles, parseSentinels, topologyModeOf } from '../core/connection';
import type { GlobalOptions } from './args';
import { profileFrom, topologyFrom } from './profile';

// Light, and used before any command runs (run.ts): kept in their own module, re-exported here.
export { profileFrom, topologyFrom } from './profile';

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
    // The process exits right after: close without a QUIT round trip (nothing is in flight).
    await adapter.shutdown({ quit: false });
  }
}

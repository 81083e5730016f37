/**
 * Everything the command line's Redis commands run on, as one module the commands import when they
 * run (`await import('./impl')`): the build then puts it in one piece, loaded only by a command that
 * talks to Redis, so `--help` never loads the Redis client and a command loads a handful of files
 * rather than a chunk per module (issue 16: CLI start within 1.3x of `require('ioredis')`). The
 * whole-shard scan is not in it: only `scan` loads that (`import('../core/scan')`), nor the test
 * publisher (only `publish` loads `../core/test-publisher`).
 */
export { checkTopology, profileFrom, withAdapter } from './connect';
export { MeshAdapter } from '../core/adapter';
export { loadTlsFiles } from '../core/connection';
export { discoverShards } from '../core/discovery';
export { readStreamFacts } from '../core/stream-facts';
export { topologyHealth } from '../core/topology';

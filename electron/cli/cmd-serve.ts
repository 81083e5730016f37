/**
 * `mesh-inspector serve` (cli.md): the command-line face of `startServe` (electron/serve/server.ts).
 *
 * Output: the FIRST stdout line is exactly `Mesh Inspector UI: http://<host>:<port>/?token=<token>`
 * (with `--json`, instead, one JSON line `{"url","host","port","connectError"}`); warnings and the
 * `--url` connection error go to stderr. Runs until SIGINT/SIGTERM (the context's signal), then
 * closes every socket, disposes the service and returns exit code 0.
 *
 * Exit codes, as cli.md defines them:
 * - 64 (usage): a bad option value (the parser refuses a port outside 0..65535), an empty
 *   `--host`, a `--host` that is not an address of this machine (EADDRNOTAVAIL) or does not
 *   resolve (ENOTFOUND).
 * - 1 (fatal): the port is in use (EADDRINUSE) or needs privileges (EACCES). Retrying the same
 *   command fails the same way until the user picks another `--port` (or 0) or stops the other
 *   process, so it is not "transient".
 * A failed `--url` connection is NOT an exit: the UI still opens and shows the error.
 */
import type { ProfileInput } from '../../shared/contract';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import packageJson from '../../package.json';
import { MeshError, toErrorInfo } from '../../shared/errors';
import { redactText } from '../../shared/redact';
import { displayRedisUrl } from '../core/redis-url';
import { DEFAULT_PREFIX, DEFAULT_URL } from './args';
import type { CliCommand, CommandContext, CommandResult } from './commands';
import { terminalSafe } from './output';
import type { CreateService } from '../core/service-api';
import type { ServeHandle } from '../serve/server';

/** What the command needs beyond its context; injectable so tests can run it without Redis. */
export interface ServeCommandDeps {
  createService: CreateService;
  /** Default: `<package root>/dist/renderer`. */
  staticDir?: string;
  /** Default: the package.json version. */
  appVersion?: string;
}

/** The `serve` entry of the command table. */
export function serveCommand(deps: ServeCommandDeps | (() => Promise<ServeCommandDeps>)): CliCommand {
  return {
    name: 'serve',
    summary: 'serve the UI to a browser over a token-protected loopback port',
    usage: '[--host 127.0.0.1] [--port <n>]',
    options: [
      { name: 'host', kind: 'string', value: '<address>', description: 'address to bind (default 127.0.0.1; any other is reachable from the network)' },
      { name: 'port', kind: 'port', value: '<n>', description: 'TCP port (default 0: a free one)' },
    ],
    run: async (ctx) => runServe(ctx, typeof deps === 'function' ? await deps() : deps),
  };
}

/**
 * The `serve` command wired to the real core service. The service module is imported when the
 * command runs, not when the command line starts, so other commands do not pay for loading it.
 */
export function defaultServeCommand(): CliCommand {
  return serveCommand(async () => ({ createService: (await import('../core/service')).createService }));
}

/** The UI line's fixed text: scripts (and `npm start`) match on it. */
export const UI_LINE_PREFIX = 'Mesh Inspector UI: ';

/**
 * Runs `serve` until `ctx.signal` aborts. Guarantees: nothing is written to stdout before the UI
 * line; the line is written only once the port is listening and the service exists (so opening
 * it at once works); on abort, everything is closed before this resolves.
 */
export async function runServe(ctx: CommandContext, deps: ServeCommandDeps): Promise<CommandResult> {
  const host = typeof ctx.options.host === 'string' ? ctx.options.host : '127.0.0.1';
  const port = typeof ctx.options.port === 'number' ? ctx.options.port : 0;
  const g = ctx.global;
  // Topology and TLS options open the UI's connection exactly as they would a CLI command's.
  const topology: ProfileInput['topology'] | undefined =
    g.sentinel !== undefined
      ? { mode: 'sentinel', sentinels: g.sentinel, ...(g.masterName !== undefined ? { masterName: g.masterName } : {}) }
      : g.cluster
        ? { mode: 'cluster' }
        : undefined;
  const tls = Object.fromEntries(Object.entries(g.tls).filter(([, v]) => v !== undefined)) as ProfileInput['tls'];
  const hasTls = tls !== undefined && Object.keys(tls).length > 0;
  // The parser fills in the default URL, so "given" means: different from the default, from the
  // environment, or a prefix given. Without one the UI opens disconnected instead of failing
  // against a Redis the user never named.
  const envUrl = ctx.env.MESH_REDIS_URL;
  const urlGiven = g.url !== DEFAULT_URL || (envUrl !== undefined && envUrl !== '') || g.prefix !== DEFAULT_PREFIX || topology !== undefined || hasTls;
  // Loaded when the command runs (the server brings the contract's schemas and the WebSocket
  // library): `--help` and the other commands never load it.
  const [{ isLoopbackHost, isWildcardHost }, { startServe }] = await Promise.all([import('../serve/security'), import('../serve/server')]);

  if (!isLoopbackHost(host)) {
    ctx.stderr.write(
      `warning: serving on ${host}: the UI, and the Redis credentials it holds, are reachable from the network by anyone ` +
        `who obtains the token. Prefer the default 127.0.0.1 and an SSH tunnel (ssh -L <port>:127.0.0.1:<port> <server>).\n`,
    );
  }

  let handle: ServeHandle;
  try {
    handle = await startServe({
      host,
      port,
      staticDir: deps.staticDir ?? path.join(packageRoot(), 'dist', 'renderer'),
      createService: deps.createService,
      appVersion: deps.appVersion ?? packageJson.version,
      ...(ctx.env.MESH_INSPECTOR_HOME ? { home: ctx.env.MESH_INSPECTOR_HOME } : {}),
      ...(urlGiven
        ? {
            url: g.url,
            prefix: g.prefix,
            commandTimeoutMs: g.timeoutMs,
            ...(topology ? { topology } : {}),
            ...(hasTls ? { tls } : {}),
            ...(topology?.mode === 'sentinel' && g.sentinelPassword ? { sentinelPassword: g.sentinelPassword } : {}),
          }
        : {}),
    });
  } catch (e) {
    throw listenError(e, host, port);
  }

  if (ctx.global.json) {
    ctx.stdout.write(`${JSON.stringify({ url: handle.url, host: handle.host, port: handle.port, connectError: handle.connectError })}\n`);
  } else {
    ctx.stdout.write(`${UI_LINE_PREFIX}${handle.url}\n`);
  }
  if (handle.connectError) {
    const message = terminalSafe(redactText(handle.connectError.message, ctx.secrets));
    ctx.stderr.write(`mesh-inspector: could not connect to ${displayRedisUrl(g.url)}: ${message}; serving anyway (the UI shows the connection)\n`);
  }
  if (isWildcardHost(host)) {
    ctx.stderr.write(`listening on all interfaces; from another machine use http://<this machine's address>:${handle.port}/?token=...\n`);
  }

  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) return resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await handle.close();
  return { done: true, exitCode: 0 };
}

/** The listen failure as a MeshError of the kind (and so exit code) documented above. */
function listenError(e: unknown, host: string, port: number): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'EADDRINUSE':
      return new MeshError('fatal', `port ${port} on ${host} is already in use; choose another with --port <n>, or --port 0 for a free one`, { code, cause: e });
    case 'EACCES':
      return new MeshError('fatal', `no permission to listen on port ${port}; ports below 1024 need privileges, choose another with --port <n>`, { code, cause: e });
    case 'EADDRNOTAVAIL':
      return new MeshError('usage', `--host ${host} is not an address of this machine`, { code, cause: e });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new MeshError('usage', `--host ${host} does not resolve to an address`, { code, cause: e });
    default:
      return e instanceof MeshError ? e : new MeshError(toErrorInfo(e).kind, `serve could not start: ${toErrorInfo(e).message}`, { cause: e });
  }
}

let root: string | null = null;

/**
 * The repository (or installed package) root: the nearest folder above this module whose
 * package.json is ours. Found by walking up because this code runs both from source (tests) and
 * bundled into dist/cli/main.js, at different depths.
 */
export function packageRoot(): string {
  if (root !== null) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'mesh-inspector') return (root = dir);
      } catch {
        // Not ours (or unreadable): keep walking.
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the mesh-inspector package root above this module');
    dir = up;
  }
}


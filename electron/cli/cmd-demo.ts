/**
 * `mesh-inspector demo [--port <n>]`: a throwaway seeded redis-server (electron/core/demo/) plus
 * the `serve` command connected to it.
 */
import type { DemoSandboxOptions } from '../core/demo/sandbox';
import type { CliCommand, CommandContext, CommandResult } from './commands';
import { runServe } from './cmd-serve';

/** Runs the `serve` command's logic (`runServe` in ./cmd-serve.ts) with a context. */
export type ServeRunner = (ctx: CommandContext) => Promise<CommandResult>;

/**
 * The `demo` entry of the command table: `mesh-inspector demo [--port <n>]`. Register it with
 * `registerCommand(demoCommand())`. The core service and the sandbox are imported when the
 * command runs (as `defaultServeCommand` does), so `--help` and the other commands do not load
 * them, nor the Redis client through them (issue 16: CLI start).
 */
export function demoCommand(): CliCommand {
  return {
    name: 'demo',
    summary: 'start a throwaway redis-server with a seeded demo bus and serve the UI connected to it',
    usage: '[--port <n>]',
    options: [{ name: 'port', kind: 'port', value: '<n>', description: 'TCP port of the UI (default 0: a free one)' }],
    run: async (ctx) => {
      const { createService } = await import('../core/service');
      return runDemoCommand(ctx, (c) => runServe(c, { createService }));
    },
  };
}

/**
 * `mesh-inspector demo`: starts the sandbox (seeded, with live traffic), then runs the `serve`
 * command's own logic with the context's URL and prefix replaced by the sandbox's, so it serves
 * exactly what `serve --url <sandbox> --prefix <prefix>` would and prints the same first stdout
 * line (`Mesh Inspector UI: http://...`). `--port` (and any other option) passes through to serve.
 *
 * Guarantees: progress goes to stderr, never before serve's first stdout line on stdout; when
 * `ctx.signal` aborts (the CLI aborts it on SIGINT/SIGTERM), serve closes and then the sandbox
 * is stopped (server killed, directory removed) before this resolves; the same happens when serve
 * fails, whose error is rethrown. A sandbox that cannot start rejects with a
 * `DemoSandboxError` (kind `fatal`) whose message says what to install or fix.
 */
export async function runDemoCommand(
  ctx: CommandContext,
  serve: ServeRunner,
  sandboxOptions: Omit<DemoSandboxOptions, 'seed' | 'trickle'> = {},
): Promise<CommandResult> {
  const [{ startDemoSandbox }, { DEFAULT_TRICKLE_SHARDS }] = await Promise.all([import('../core/demo/sandbox'), import('../core/demo/trickle')]);
  const sandbox = await startDemoSandbox({ prefix: ctx.global.prefix, ...sandboxOptions, seed: true, trickle: true });
  try {
    if (ctx.signal.aborted) return { done: true, exitCode: 0 };
    const m = sandbox.manifest!;
    ctx.stderr.write(
      `demo: redis-server at ${sandbox.url} (pid ${sandbox.pid}; removed on exit) holds ${m.totalEntries} events ` +
        `on shards ${m.shards.map((s) => s.shard).join(', ')} under prefix "${sandbox.prefix}", ` +
        `with live traffic on shards ${DEFAULT_TRICKLE_SHARDS.join(', ')}\n`,
    );
    return await serve({
      ...ctx,
      global: { ...ctx.global, url: sandbox.url, prefix: sandbox.prefix },
      // serve connects only to a URL the user "gave"; the environment variable makes that
      // unconditional even if the sandbox's URL happened to equal the default one.
      env: { ...ctx.env, MESH_REDIS_URL: sandbox.url },
    });
  } finally {
    await sandbox.stop();
  }
}

/**
 * The `mesh-inspector` entry (bundled to dist/cli/main.js, started by bin/mesh-inspector.js):
 * registers the commands, runs the command line, exits with its code.
 */
import { registerCommand } from './commands';
import { healthCommand } from './cmd-health';
import { publishCommand } from './cmd-publish';
import { readCommand } from './cmd-read';
import { scanCommand } from './cmd-scan';
import { shardsCommand } from './cmd-shards';
import { consumerReplayCommand } from './cmd-consumer';
import { runCli } from './run';
import { defaultServeCommand } from './cmd-serve';
import { demoCommand } from './cmd-demo';

for (const command of [shardsCommand, readCommand, scanCommand, publishCommand, healthCommand, consumerReplayCommand]) registerCommand(command);
registerCommand(defaultServeCommand());
registerCommand(demoCommand());

const controller = new AbortController();
const stop = () => controller.abort();
// Every way a terminal or a process manager ends us closes orderly (serve's sockets, a demo's
// redis-server and its directory): Node runs no exit hook when a signal's default action kills it.
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
process.once('SIGHUP', stop);

// No top-level await: the bundle is CommonJS (it starts faster, scripts/build.mjs).
void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal }).then((code) => {
  process.exitCode = code;
  // Every connection is closed by now, but a client library timer could keep the process alive
  // for a while; exit as soon as what was written has been flushed (write callbacks fire after that).
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});

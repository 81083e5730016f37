/**
 * Runs once before any test file: builds the command line (dist/cli) from the current source, so
 * the files that run it as a child process share one build. Building inside each file raced: one
 * file's rebuild rewrote dist/cli/main.js and package.json while another file's child process was
 * loading them ("Invalid package config"). Test files call buildCli(), which is a no-op once this ran.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), 'cli'], { cwd: root, stdio: 'inherit' });
  // Test workers are started after this and inherit the environment.
  process.env.MESH_TEST_CLI_BUILT = '1';
}

// `npm start`: the desktop app where Electron's binary exists, the browser mode where it cannot.
//
// Electron's npm package downloads its binary from the network at install time; on machines that
// reach only the npm registry that download fails, and the package's `require('electron')` then
// throws instead of returning the executable's path. Rather than fail, start the same UI and the
// same contract through `mesh-inspector serve` and say so in one sentence.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const r = (p) => path.join(root, p);
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);

// Long enough for the ~100 MB download on a modest link; short enough that a stalled connection
// cannot hang `npm start` (where the network is unreachable it fails at once with ENOTFOUND).
const INSTALL_TIMEOUT_MS = 120_000;
const FALLBACK_SENTENCE =
  "Electron's desktop binary could not be downloaded on this machine, so Mesh Inspector is starting in browser mode instead.";

/** The Electron executable's path when the binary is installed, else null. Never throws. */
function electronBinary() {
  try {
    const resolved = require.resolve('electron', { paths: [root] });
    // The package caches its answer; a retried install must be seen, so read it afresh.
    delete require.cache[resolved];
    const executable = require(resolved);
    return typeof executable === 'string' && existsSync(executable) ? executable : null;
  } catch {
    return null;
  }
}

/** One attempt at the package's own download step, quietly and with a time bound. */
function tryInstallElectron() {
  const installer = r('node_modules/electron/install.js');
  if (!existsSync(installer)) return;
  spawnSync(process.execPath, [installer], { cwd: path.dirname(installer), stdio: 'ignore', timeout: INSTALL_TIMEOUT_MS });
}

function ensureBuilt() {
  const outputs = ['dist/electron/main.js', 'dist/electron/preload.cjs', 'dist/cli/main.js', 'dist/renderer/index.html'];
  if (outputs.every((p) => existsSync(r(p)))) return;
  const build = spawnSync(process.execPath, [r('scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

/**
 * Runs `command` with the terminal, forwards SIGINT/SIGTERM/SIGHUP to it once, and exits with its
 * status. Why a process group of its own (outside Windows): Ctrl+C reaches the whole foreground
 * group, so the child would get SIGINT twice (from the terminal and from us) and could take the
 * second one as "force quit", skipping its cleanup (closing Redis clients, removing the demo
 * redis-server). In its own group it hears it once, from us.
 */
function run(command, commandArgs, env = process.env) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', env, detached: process.platform !== 'win32' });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => forward(signal));
  child.on('error', (e) => {
    process.stderr.write(`mesh-inspector: could not start ${path.basename(command)}: ${e.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (code !== null) process.exit(code);
    const signals = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
    process.exit(128 + (signals[signal] ?? 1));
  });
}

ensureBuilt();

let electron = electronBinary();
if (electron === null) {
  tryInstallElectron();
  electron = electronBinary();
}

if (electron !== null) {
  // ELECTRON_RUN_AS_NODE would make the binary a plain Node and run main.js without a window.
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  run(electron, [root, ...args], env);
} else {
  process.stderr.write(`${FALLBACK_SENTENCE}\n`);
  run(process.execPath, [r('bin/mesh-inspector.js'), 'serve', ...args]);
}

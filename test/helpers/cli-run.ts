/**
 * Runs the built command line (`bin/mesh-inspector.js`) as a child process, the way a script or
 * runbook would, with a clean environment: only PATH and the given config home.
 */
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cliBin = path.join(repoRoot, 'bin/mesh-inspector.js');

/**
 * Builds the command line (dist/cli) from the current source, before runCli. Under `vitest run` the
 * global setup already built it once for every file (test/global-setup.ts): rebuilding here would
 * rewrite the files under another file's running child processes.
 */
export function buildCli(): void {
  if (process.env.MESH_TEST_CLI_BUILT === '1') return;
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts/build.mjs'), 'cli'], { cwd: repoRoot, stdio: 'inherit' });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], home: string, extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', MESH_INSPECTOR_HOME: home, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The `--json` document of a successful run; throws with the output otherwise. */
export function jsonDoc(run: CliRun): Record<string, unknown> {
  if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr}${run.stdout}`);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

// Builds everything that runs outside the test runner: the command line, the Electron main and
// preload scripts, the benchmarks and the renderer. One script so `npm ci` (prepare) leaves a
// working checkout.
import { build } from 'esbuild';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const r = (p) => path.join(root, p);
const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.includes(name);

const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  sourcemap: 'linked',
  packages: 'external',
  logLevel: 'warning',
};

/**
 * Removes chunks of earlier builds that this one no longer writes. Only those older than an hour:
 * a command line started before this build (a running `serve`) may still load its own chunks.
 */
function pruneChunks(dir, metafile) {
  const written = new Set(Object.keys(metafile.outputs).map((f) => path.resolve(root, f)));
  const hourAgo = Date.now() - 3600_000;
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (/^chunk-.*\.js(\.map)?$/.test(name) && !written.has(file) && statSync(file).mtimeMs < hourAgo) rmSync(file, { force: true });
  }
}

// The whole-shard scan's worker threads (electron/core/parallel-scan.ts) load scan-worker.js from
// beside the bundle that starts them.
const scanWorker = (dir) => build({ ...nodeCommon, format: 'esm', entryPoints: [r('electron/core/scan-worker.ts')], outfile: r(`${dir}/scan-worker.js`) });

const jobs = [];
if (want('cli')) {
  // Split at dynamic imports: a command's implementation (and the Redis client, zod, ws it brings)
  // is a chunk loaded when the command runs, so `--help` and `health` load only what they use
  // (issue 16: CLI start within 1.3x of `node -e "require('ioredis')"`). Chunks sit beside main.js,
  // so paths relative to import.meta.url mean the same in every one of them.
  jobs.push(
    build({
      ...nodeCommon,
      format: 'esm',
      entryPoints: { main: r('electron/cli/main.ts') },
      outdir: r('dist/cli'),
      splitting: true,
      chunkNames: 'chunk-[hash]',
      metafile: true,
    }).then((result) => pruneChunks(r('dist/cli'), result.metafile)),
  );
  // The worker is a bundle of its own: sharing chunks with the command line would cut both into
  // more, smaller files (every file is a module load at start).
  jobs.push(scanWorker('dist/cli'));
}
if (want('electron') && existsSync(r('electron/main/index.ts'))) {
  jobs.push(build({ ...nodeCommon, format: 'esm', entryPoints: [r('electron/main/index.ts')], outfile: r('dist/electron/main.js'), external: ['electron'] }));
  jobs.push(scanWorker('dist/electron'));
  // A sandboxed preload can require only 'electron': everything else (the contract, zod) is inlined.
  jobs.push(build({ ...nodeCommon, packages: undefined, format: 'cjs', entryPoints: [r('electron/preload/index.ts')], outfile: r('dist/electron/preload.cjs'), external: ['electron'] }));
}
if (want('bench') && existsSync(r('bench/run.ts'))) {
  jobs.push(build({ ...nodeCommon, format: 'esm', entryPoints: [r('bench/run.ts')], outfile: r('dist/bench/run.js') }));
  jobs.push(scanWorker('dist/bench'));
}
await Promise.all(jobs);

if (want('renderer') && existsSync(r('renderer/vite.config.ts'))) {
  const { build: viteBuild } = await import('vite');
  // Build beside the live folder and swap it in with renames: a `serve` (or an end-to-end run)
  // reading dist/renderer while another build runs sees the old files or the new ones, never an
  // empty folder.
  const live = r('dist/renderer');
  const next = r(`dist/.renderer-next-${process.pid}`);
  const old = r(`dist/.renderer-old-${process.pid}`);
  rmSync(next, { recursive: true, force: true });
  await viteBuild({ configFile: r('renderer/vite.config.ts'), logLevel: 'warn', build: { outDir: next, emptyOutDir: true } });
  if (existsSync(live)) renameSync(live, old);
  renameSync(next, live);
  rmSync(old, { recursive: true, force: true });
}

// Builds everything that runs outside the test runner: the command line, the Electron main and
// preload scripts, the benchmarks and the renderer. One script so `npm ci` (prepare) leaves a
// working checkout.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

// The whole-shard scan's worker threads (electron/core/parallel-scan.ts) load scan-worker.js from
// beside the bundle that starts them.
const scanWorker = (dir) => build({ ...nodeCommon, format: 'esm', entryPoints: [r('electron/core/scan-worker.ts')], outfile: r(`${dir}/scan-worker.js`) });

const jobs = [];
if (want('cli')) {
  // CommonJS, one file: Node starts a CommonJS program markedly faster than an ES module one (the
  // module loader, and the ES facade of node:fs, cost tens of milliseconds; issue 16: CLI start
  // within 1.3x of `node -e "require('ioredis')"`). Dynamic imports stay lazy: esbuild wraps the
  // modules only they reach in initialisers run on first use, so `--help` never loads the Redis
  // client and `health` never loads zod, ws or the server. dist/cli/package.json marks the folder
  // CommonJS; import.meta.url (worker script, package root) is the bundle's own file URL.
  mkdirSync(r('dist/cli'), { recursive: true });
  writeFileSync(r('dist/cli/package.json'), '{ "type": "commonjs" }\n');
  const cjs = {
    ...nodeCommon,
    format: 'cjs',
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  };
  jobs.push(build({ ...cjs, entryPoints: [r('electron/cli/main.ts')], outfile: r('dist/cli/main.js') }));
  jobs.push(build({ ...cjs, entryPoints: [r('electron/core/scan-worker.ts')], outfile: r('dist/cli/scan-worker.js') }));
  // Chunks of the earlier ES module build, if any: nothing loads them any more.
  for (const name of readdirSync(r('dist/cli'))) if (/^chunk-/.test(name)) rmSync(r(`dist/cli/${name}`), { force: true });
}
if (want('electron') && existsSync(r('electron/main/index.ts'))) {
  jobs.push(build({ ...nodeCommon, format: 'esm', entryPoints: [r('electron/main/index.ts')], outfile: r('dist/electron/main.js'), external: ['electron'] }));
  jobs.push(scanWorker('dist/electron'));
  // A sandboxed preload can require only 'electron': everything else (the contract, zod) is inlined.
  jobs.push(build({ ...nodeCommon, packages: undefined, format: 'cjs', entryPoints: [r('electron/preload/index.ts')], outfile: r('dist/electron/preload.cjs'), external: ['electron'] }));
}
if (want('bench') && existsSync(r('bench/run.ts'))) {
  jobs.push(build({ ...nodeCommon, format: 'esm', entryPoints: [r('bench/run.ts')], outfile: r('dist/bench/run.js') }));
  jobs.push(build({ ...nodeCommon, format: 'esm', entryPoints: [r('bench/lane-memory-child.ts')], outfile: r('dist/bench/lane-memory-child.js') }));
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

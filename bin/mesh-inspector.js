#!/usr/bin/env node
// The command line's entry (cli.md). The TypeScript sources are bundled into dist/ by
// `npm ci` (the prepare script) or `npm run build`.
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

// Node's on-disk compile cache (Node 22.1+; in the OS temp folder, keyed by each file's content):
// the bundle and the Redis client are compiled once, not on every start of a command line that
// scripts and runbooks run in loops (issue 16: start within 1.3x of loading the Redis client).
module.enableCompileCache?.();

const target = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(target))) {
  process.stderr.write('mesh-inspector: not built yet; run `npm ci` (or `npm run build`) in the repository first\n');
  process.exit(64);
}
await import(target.href);

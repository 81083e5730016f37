#!/usr/bin/env node
// The command line's entry (cli.md). The TypeScript sources are bundled into dist/ by
// `npm ci` (the prepare script) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const target = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(target))) {
  process.stderr.write('mesh-inspector: not built yet; run `npm ci` (or `npm run build`) in the repository first\n');
  process.exit(64);
}
await import(target.href);

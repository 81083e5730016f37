#!/usr/bin/env node
// The command line's entry (cli.md). The TypeScript sources are bundled into dist/ by
// `npm ci` (the prepare script) or `npm run build`. CommonJS (bin/package.json), like the bundle:
// a CommonJS program starts faster than an ES module one.
'use strict';

// Node's on-disk compile cache (Node 22.1+; in the OS temp folder, keyed by each file's content):
// the bundle and the Redis client are compiled once, not on every start of a command line that
// scripts and runbooks run in loops (issue 16: start within 1.3x of loading the Redis client).
require('node:module').enableCompileCache?.();

const { existsSync } = require('node:fs');
const path = require('node:path');

const target = path.join(__dirname, '../dist/cli/main.js');
if (!existsSync(target)) {
  process.stderr.write('mesh-inspector: not built yet; run `npm ci` (or `npm run build`) in the repository first\n');
  process.exit(64);
}
require(target);

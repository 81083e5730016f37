// The first step of `npm test`: the suites need a real redis-server, a real Chromium and openssl
// (test certificates). Without one, say so once, with the install line, and stop within a
// second, instead of letting every suite spend its hook timeout finding out.
//
// Chromium is looked up exactly as test/helpers/e2e.ts `chromiumPath()` does.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

const chromium = process.env.MESH_CHROMIUM || process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function executable(file) {
  try {
    return statSync(file).isFile() && (accessSync(file, constants.X_OK), true);
  } catch {
    return false;
  }
}

function onPath(name) {
  const exts = process.platform === 'win32' ? ['', ...(process.env.PATHEXT ?? '.EXE').split(';')] : [''];
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir !== '' && exts.some((ext) => executable(path.join(dir, name + ext))));
}

const missing = [];
if (!onPath('redis-server')) missing.push({ what: 'redis-server (not on PATH)', pkg: 'redis-server' });
if (!executable(chromium)) {
  missing.push({ what: `Chromium (not at ${chromium}; $MESH_CHROMIUM or $CHROMIUM_PATH may name another)`, pkg: 'chromium' });
}
if (!onPath('openssl')) missing.push({ what: 'openssl (not on PATH)', pkg: 'openssl' });

if (missing.length > 0) {
  process.stderr.write(
    `npm test: missing on this machine:\n${missing.map((m) => `  - ${m.what}\n`).join('')}` +
      `Install with (Debian/Ubuntu, as root):\n  apt-get install -y ${missing.map((m) => m.pkg).join(' ')}\n`,
  );
  process.exit(1);
}

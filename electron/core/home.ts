/**
 * The inspector's config folder: where the producer nonce file and the sequence store live.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

const APP_DIR = 'mesh-inspector';

/**
 * The folder for the inspector's own state. `$MESH_INSPECTOR_HOME` wins (tests and CI point it at a
 * temporary folder); otherwise the platform's per-user config folder: `$XDG_CONFIG_HOME` or
 * `~/.config` on Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on Windows, each with
 * `mesh-inspector` appended.
 *
 * Guarantee: the returned folder exists when this returns. When it has to be created it is created
 * with mode 0700 (it holds the producer nonce; other local users have no business reading it). An
 * existing folder's mode is left alone.
 */
export function configHome(): string {
  const dir = resolveConfigHome(process.env, process.platform, homedir());
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The pure part of {@link configHome}: which folder, without touching the disk. */
export function resolveConfigHome(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  const override = env.MESH_INSPECTOR_HOME;
  if (override !== undefined && override !== '') return path.resolve(override);
  switch (platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', APP_DIR);
    case 'win32':
      return path.join(env.APPDATA && env.APPDATA !== '' ? env.APPDATA : path.join(home, 'AppData', 'Roaming'), APP_DIR);
    default: {
      const xdg = env.XDG_CONFIG_HOME;
      // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
      const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.config');
      return path.join(base, APP_DIR);
    }
  }
}

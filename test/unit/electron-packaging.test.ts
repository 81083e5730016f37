/**
 * The packaging and start-up wiring that cannot be exercised here (electron-builder and the
 * desktop window both need Electron's binary): checked as configuration, against electron-builder's
 * own schema, and on the built preload bundle.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { channelNames, eventNames, listenerName, methodName } from '../../shared/contract';
import { APP_ID, APP_NAME } from '../../electron/main/app-identity';

const root = path.resolve(__dirname, '../..');
const fromBuilder = createRequire(createRequire(path.join(root, 'package.json')).resolve('electron-builder'));
const yaml = fromBuilder('js-yaml') as { load(text: string): unknown };
const config = yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown> & {
  electronFuses: Record<string, boolean>;
  files: string[];
  linux: { target: string[]; category: string };
  mac: { target: string };
  win: { target: string };
};
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };

describe('electron-builder.yml', () => {
  it('is valid for the installed electron-builder', async () => {
    // The same validation `electron-builder` runs before building (an internal module: if a new
    // version moves it, this line is what to update).
    const { validateConfiguration } = fromBuilder('app-builder-lib/out/util/config/config') as {
      validateConfiguration(c: unknown, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = fromBuilder('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('names the app as the running app does', () => {
    expect(config.appId).toBe(APP_ID);
    expect(config.productName).toBe(APP_NAME);
  });

  it('flips every hardening fuse', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packs only the bundles, the renderer and package.json, in an asar', () => {
    expect(config.asar).toBe(true);
    const included = config.files.filter((f) => !f.startsWith('!'));
    expect(included.sort()).toEqual(['dist/electron/**', 'dist/renderer/**', 'package.json']);
    expect(config.files).toContain('!**/*.map');
  });

  it('targets AppImage and deb (Development), dmg and nsis', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.linux.category).toBe('Development');
    expect(config.mac.target).toBe('dmg');
    expect(config.win.target).toBe('nsis');
  });

  it('is wired to package.json: the main entry is the bundled main, and start/dist exist', () => {
    expect(pkg.main).toBe('dist/electron/main.js');
    expect(pkg.scripts.start).toBe('node scripts/start.mjs');
    expect(pkg.scripts.dist).toBe('node scripts/build.mjs && electron-builder');
  });
});

describe('the built preload', () => {
  const bundle = path.join(root, 'dist/electron/preload.cjs');

  // A sandboxed preload can require 'electron' and a few polyfills, nothing from node_modules: any
  // other require throws at load and the window gets no window.meshApi at all.
  it.skipIf(!existsSync(bundle))('requires nothing but electron (runs once `npm run build` has made dist/electron/preload.cjs)', () => {
    const requires = [...readFileSync(bundle, 'utf8').matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]);
    expect(new Set(requires)).toEqual(new Set(['electron']));
  });

  it.skipIf(!existsSync(bundle))('runs with nothing but a stand-in electron and exposes exactly the contract on meshApi', () => {
    const exposed: Array<[string, Record<string, unknown>]> = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.push([key, api]) },
      ipcRenderer: { invoke: async () => ({ ok: true }), on: () => undefined, removeListener: () => undefined },
    };
    const module = { exports: {} };
    // A bare context: no process, no Buffer, no Node require, like a sandboxed preload (which has
    // even a little more than this).
    const context = vm.createContext({
      module,
      exports: module.exports,
      require: (name: string) => {
        if (name === 'electron') return electron;
        throw new Error(`a sandboxed preload cannot require ${name}`);
      },
    });
    vm.runInContext(readFileSync(bundle, 'utf8'), context, { filename: 'preload.cjs' });
    expect(exposed.map(([key]) => key)).toEqual(['meshApi']);
    const expected = [...channelNames.map((c) => methodName(c)), ...eventNames.map((e) => listenerName(e))].sort();
    expect(Object.keys(exposed[0]![1]).sort()).toEqual(expected);
  });
});

// Lint enforces the architecture's walls (ARCHITECTURE.md), together with one tsconfig per layer
// (tsconfig.json lists them; `tsc -b` checks them):
// - each layer imports only from an allowlist of layers, by resolved path (so `../../x` and
//   `../x` are judged by where they land, not by how they are spelt);
// - shared/, the renderer and the preload use no Node built-ins, with or without `node:`;
// - only electron/main and electron/preload import Electron, only electron/core reaches Redis;
// - no import circles anywhere.
// test/unit/layer-walls.test.ts proves that a probe breaking each wall fails.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

/**
 * The layers and what each may import (besides itself and node_modules). Paths are from the
 * repository root; `package.json` lets the command line read its own version.
 */
const LAYERS = {
  shared: { dir: 'shared', may: [] },
  renderer: { dir: 'renderer/src', may: ['shared'] },
  core: { dir: 'electron/core', may: ['shared'] },
  serve: { dir: 'electron/serve', may: ['electron/core', 'shared'] },
  main: { dir: 'electron/main', may: ['electron/core', 'shared'] },
  preload: { dir: 'electron/preload', may: ['shared'] },
  cli: { dir: 'electron/cli', may: ['electron/core', 'shared', 'electron/serve', 'package.json'] },
};

const layerZones = Object.entries(LAYERS).map(([name, { dir, may }]) => ({
  target: `./${dir}`,
  from: './',
  except: [`./${dir}`, ...may.map((m) => `./${m}`), './node_modules'],
  message: `${name} (${dir}/) may import only ${may.length ? may.join(', ') : 'itself'} (ARCHITECTURE.md).`,
}));

const nodeBuiltins = {
  paths: builtinModules.filter((m) => !m.startsWith('_')).map((name) => ({ name, message: 'This layer must not use Node built-ins.' })),
  patterns: [{ regex: '^node:', message: 'This layer must not use Node built-ins.' }],
};
// Package names as anchored regexes: a gitignore-style group such as `electron/*` would also
// match a relative path through a folder of that name (`../electron/core/x`).
const electronImport = { regex: '^electron(/|$)', message: 'Only electron/main and electron/preload import Electron.' };
const redisImport = { regex: '^ioredis(/|$)', message: 'Redis is reached only through electron/core.' };
const reactImport = { regex: '^react(-dom)?(/|$)', message: 'Only the renderer uses React.' };

/** `no-restricted-imports` options: the rule takes one option object per file, so build it whole. */
const restrict = ({ builtins = false, patterns = [] }) => [
  'error',
  { paths: builtins ? nodeBuiltins.paths : [], patterns: [...(builtins ? nodeBuiltins.patterns : []), ...patterns] },
];

const nodeOnlyGlobals = ['process', 'Buffer', 'require', 'module', '__dirname', '__filename', 'global', 'setImmediate'].map((name) => ({
  name,
  message: 'Node globals are not available in this layer.',
}));
const domGlobals = ['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'location'].map((name) => ({
  name,
  message: 'The DOM is not available in this layer.',
}));

export default tseslint.config(
  // test/fixtures/walls/ breaks the rules on purpose; test/unit/layer-walls.test.ts lints it.
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.tsbuild/**', 'release/**', 'test/fixtures/walls/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })],
      // Files import-x parses to follow imports (no-cycle); others are treated as opaque.
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({ builtins: true, patterns: [electronImport, redisImport, reactImport] }),
      'no-restricted-globals': ['error', ...nodeOnlyGlobals, ...domGlobals],
    },
  },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': restrict({ builtins: true, patterns: [electronImport, redisImport] }),
      'no-restricted-globals': ['error', ...nodeOnlyGlobals],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      // A sandboxed preload can require only 'electron' (scripts/build.mjs inlines the rest).
      'no-restricted-imports': restrict({ builtins: true, patterns: [redisImport, reactImport] }),
    },
  },
  {
    files: ['electron/core/**/*.ts', 'electron/cli/**/*.ts', 'electron/serve/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-restricted-imports': restrict({ patterns: [electronImport, reactImport] }),
      'no-restricted-globals': ['error', ...domGlobals],
    },
  },
  {
    files: ['electron/cli/**/*.ts', 'electron/serve/**/*.ts'],
    rules: { 'no-restricted-imports': restrict({ patterns: [electronImport, reactImport, redisImport] }) },
  },
  {
    files: ['electron/main/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-restricted-imports': restrict({ patterns: [redisImport, reactImport] }),
      'no-restricted-globals': ['error', ...domGlobals],
    },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.{mjs,ts}', 'test/**/*.ts', 'bench/**/*.ts', '*.config.{js,ts}', 'renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // bin/ is CommonJS (bin/package.json): the command line starts faster that way.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

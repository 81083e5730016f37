// Lint enforces the architecture's walls (ARCHITECTURE.md): shared/ is pure, the renderer never
// reaches Node or Redis, and only electron/main and electron/preload may import Electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = { group: ['node:*'], message: 'This layer must not use Node built-ins.' };
const electronImport = { group: ['electron', 'electron/*'], message: 'Only electron/main and electron/preload import Electron.' };
const redisImport = { group: ['ioredis', 'ioredis/*'], message: 'Redis is reached only through electron/core.' };
const reactImport = { group: ['react', 'react-dom', 'react/*', 'react-dom/*'], message: 'shared/ is UI-free.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [nodeBuiltins, electronImport, redisImport, reactImport] }] },
  },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-imports': ['error', { patterns: [nodeBuiltins, electronImport, redisImport] }] },
  },
  {
    files: ['electron/core/**/*.ts', 'electron/cli/**/*.ts', 'electron/serve/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [electronImport] }] },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // bin/ is CommonJS (bin/package.json): the command line starts faster that way.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

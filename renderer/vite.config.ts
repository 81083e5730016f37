// The renderer's build: static files only, loadable under the app's CSP (script-src 'self',
// style-src 'self', no inline anything): the entry is an external module, CSS is emitted as a
// file, and no asset is inlined as a data: URI.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  // Relative asset URLs: the same build loads from app:// (desktop) and from serve's origin.
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    // Chromium supports modulepreload natively; the polyfill would only add code.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    // One bundle loaded from local disk (app://) or loopback (serve): no network to split for.
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod's sources carry comments Rollup cannot place; harmless noise in every build.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/zod/')) return;
        warn(warning);
      },
    },
  },
  // The batch parser's worker (features/publisher/parse-worker.ts): an ES module file from 'self'.
  worker: { format: 'es' },
  server: { strictPort: false },
});

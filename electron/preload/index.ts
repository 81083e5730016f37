/**
 * The sandboxed preload: puts the contract-derived API on `window.meshApi` and nothing else.
 *
 * Bundled to dist/electron/preload.cjs. A sandboxed preload may `require` only 'electron' (and a
 * few Node polyfills), so everything else it uses, shared/contract.ts included, must be inlined by
 * the bundler.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { derivePreloadApi } from './derive-api';

contextBridge.exposeInMainWorld('meshApi', derivePreloadApi(ipcRenderer));

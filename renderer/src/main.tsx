// First import: must run before anything that builds a zod schema.
import './csp-setup';
// Second: the stylesheet entry opens the CSS bundle with the cascade layers' order, before any
// feature's stylesheet (imported by its view) joins a layer.
import './styles/index.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from './api';
import { App } from './app/App';
import { applyTheme } from './lib/theme';
import { StoreProvider, createAppStore } from './store';

applyTheme();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');

const store = createAppStore(createClient());
window.addEventListener('pagehide', () => {
  store.dispose();
  store.getState().api.close();
});

createRoot(root).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);

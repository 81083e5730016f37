import { BrowserView } from '../browser/BrowserView';

/** The Browse view's main pane: the shard browser (features/browser). */
export function EventPane() {
  return <BrowserView />;
}

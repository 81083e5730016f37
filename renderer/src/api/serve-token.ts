import { TOKEN_QUERY_PARAM } from '../../../shared/serve-protocol';

/** Where the page keeps `serve`'s token: this tab's sessionStorage, for this origin only. */
export const TOKEN_STORAGE_KEY = 'mesh-inspector:serve-token';

/** The parts of `window` the token handling touches (injectable for tests). */
export interface TokenPlace {
  location: Pick<Location, 'href'>;
  history: Pick<History, 'replaceState' | 'state'>;
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
}

/**
 * The token this page authenticates its WebSocket with, taken from where `serve`'s printed URL
 * put it. Guarantees:
 * - a `?token=` in the address is moved into sessionStorage and removed from the address bar
 *   (`history.replaceState`, other parameters and the fragment kept), so it is not in the history,
 *   a bookmark, a screenshot or a link the user copies; a reload of the tab still authenticates;
 * - the token is never put in a cookie (cookies ignore ports: every server on the host would get
 *   it) nor in localStorage (it would outlive the tab);
 * - null when the page has no token at all (opened without the printed URL).
 * Storage that refuses (privacy modes) degrades to the address token alone, never to a throw.
 */
export function takeServeToken(place: TokenPlace): string | null {
  let url: URL;
  try {
    url = new URL(place.location.href);
  } catch {
    return readStored(place);
  }
  const fromUrl = url.searchParams.get(TOKEN_QUERY_PARAM);
  if (fromUrl === null || fromUrl === '') return readStored(place);
  try {
    place.storage?.setItem(TOKEN_STORAGE_KEY, fromUrl);
  } catch {
    // Not kept: this load still works, a reload will say to open the printed URL again.
  }
  url.searchParams.delete(TOKEN_QUERY_PARAM);
  place.history.replaceState(place.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  return fromUrl;
}

/** Forgets a token the server refused (stale: `serve` restarted with a new one). */
export function forgetServeToken(place: Pick<TokenPlace, 'storage'>): void {
  try {
    place.storage?.removeItem(TOKEN_STORAGE_KEY);
  } catch {
    // Nothing kept, nothing to forget.
  }
}

function readStored(place: TokenPlace): string | null {
  try {
    const t = place.storage?.getItem(TOKEN_STORAGE_KEY);
    return t ? t : null;
  } catch {
    return null;
  }
}

/** The page's own window as a {@link TokenPlace}; sessionStorage may throw on access in some privacy modes. */
export function windowTokenPlace(): TokenPlace {
  let storage: Storage | null;
  try {
    storage = window.sessionStorage;
  } catch {
    storage = null;
  }
  return { location: window.location, history: window.history, storage };
}

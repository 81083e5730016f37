/**
 * The app's lifetime rules that do not need Electron to decide: how long quitting may wait for
 * Redis clients to close, and what the command line asks the window to connect to.
 */
import { toErrorInfo } from '../../shared/errors';
import { redactText } from '../../shared/redact';
import { secretsOf } from '../core/connection';
import { displayRedisUrl } from '../core/redis-url';

/** How long quitting waits for `service.dispose()`: long enough for a QUIT round trip, short enough that a hung server never blocks quitting. */
export const DISPOSE_TIMEOUT_MS = 3000;

/**
 * The signals that quit the app through `app.quit()` (so `before-quit` disposes the service: Redis
 * clients closed, a demo redis-server stopped and its directory removed). A terminal's Ctrl-C,
 * `kill`, a closed terminal: Node runs no exit hook when a signal's default action ends it.
 */
export const QUIT_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export type DisposeOutcome = 'closed' | 'timed-out' | 'failed';

/**
 * Runs `dispose` with a time bound. Guarantees: always resolves (never rejects), at the latest
 * after `timeoutMs`; the timer does not keep the process alive.
 */
export async function disposeWithin(dispose: () => Promise<void>, timeoutMs: number = DISPOSE_TIMEOUT_MS): Promise<DisposeOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<DisposeOutcome>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), timeoutMs);
    timer.unref?.();
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(dispose)
        .then(
          () => 'closed' as const,
          () => 'failed' as const,
        ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface LaunchArgs {
  url?: string;
  prefix?: string;
}

/**
 * Reads `--url <redis-url>` / `--url=<...>` and `--prefix` from the process arguments, the same
 * flags `serve` takes, so `npm start -- --url redis://...` means the same thing in both modes.
 * Guarantees: unknown arguments (Chromium's own switches, the app path) are ignored; a flag
 * without a value is ignored; never throws.
 */
export function parseLaunchArgs(argv: readonly string[]): LaunchArgs {
  const out: LaunchArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    for (const name of ['url', 'prefix'] as const) {
      if (arg === `--${name}`) {
        const value = argv[i + 1];
        if (value !== undefined && !value.startsWith('--')) {
          out[name] = value;
          i++;
        }
      } else if (arg.startsWith(`--${name}=`)) {
        const value = arg.slice(name.length + 3);
        if (value !== '') out[name] = value;
      }
    }
  }
  return out;
}

/**
 * The log line for a failed `--url` connection at launch. Guarantees: neither the URL's password
 * (in any form `secretsOf` knows) nor a secret the service holds appears in it; the URL is shown
 * in its display form (no userinfo, no query).
 */
export function launchConnectFailure(url: string, error: unknown, knownSecrets: readonly string[]): string {
  const message = redactText(toErrorInfo(error).message, [...knownSecrets, ...secretsOf({ url })]);
  return `could not connect to ${displayRedisUrl(url)} (the --url given): ${message}`;
}

/**
 * Command-line switches that open the running app to another local process: Chromium's remote
 * debugging (`--remote-debugging-port`, `--remote-debugging-pipe`: the DevTools protocol drives the
 * window, and so every saved connection) and Node's inspector (`--inspect*`, also fused off in
 * packaged builds). Electron's fuses cover only Node's; Chromium's are checked here.
 *
 * Guarantees: for a packaged app, the offending switches as given (so the refusal can name them);
 * for an unpackaged one (development, the test harness that drives Electron through the DevTools
 * protocol), always empty. Switches after `--` are arguments, not switches.
 */
export function refusedLaunchSwitches(argv: readonly string[], isPackaged: boolean): string[] {
  if (!isPackaged) return [];
  const out: string[] = [];
  for (const arg of argv) {
    if (arg === '--') break;
    const name = arg.split('=')[0]!.toLowerCase();
    if (/^--(remote-debugging-(port|pipe|address|targets)|inspect(-brk|-port|-publish-uid)?)$/.test(name)) out.push(name);
  }
  return out;
}

/**
 * The end-to-end harness: a real redis-server, the real command line's `serve` as a child process
 * (so the test goes through exactly what a user runs), and Debian's Chromium driven by
 * playwright-core, with a fresh browser context per test file.
 *
 * Waits on signals, never on sleeps: serve's first stdout line (`Mesh Inspector UI: <url>`), the
 * UI's `[data-app-ready="true"]` marker, and Playwright's auto-waiting locators. Every close is
 * bounded, so a wedged child cannot hang the run.
 *
 * The browser is never downloaded (`npx playwright install` is not used): it is the system's
 * Chromium, `/usr/bin/chromium` (Debian's `chromium` package, which .ci/run installs), or
 * `$MESH_CHROMIUM` / `$CHROMIUM_PATH` (see `chromiumPath`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startRedis, type RedisServerOptions, type TestRedis } from './redis-server';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const UI_LINE = /^Mesh Inspector UI: (http:\/\/\S+)$/;

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Rejects after `ms` with a message naming what hung. */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Makes sure the command line and the renderer are built (the prepare script and `npm test` build
 * them first; a bare `npx vitest run test/e2e/...` on a fresh checkout builds here once).
 * Note: an existing build is used as is; rebuild after changing the renderer.
 */
export function ensureBuilt(): void {
  const missing = [
    !existsSync(path.join(ROOT, 'dist/cli/main.js')) && 'cli',
    !existsSync(path.join(ROOT, 'dist/renderer/index.html')) && 'renderer',
  ].filter((x): x is string => typeof x === 'string');
  if (missing.length === 0) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), ...missing], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`building ${missing.join(' and ')} failed:\n${r.stdout}\n${r.stderr}`);
}

export interface ServeProcess {
  /** The printed URL, token included: opening it authenticates the browser. */
  url: string;
  origin: string;
  port: number;
  child: ChildProcess;
  /** Everything serve wrote to stderr so far (warnings, a failed --url connection). */
  stderr(): string;
  /** Everything serve wrote to stdout so far (its UI line first). */
  stdout(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. Idempotent. */
  stop(): Promise<void>;
}

export interface ServeProcessOptions {
  /** Config folder (profiles, secrets): always a temporary one in tests. */
  home: string;
  url?: string;
  prefix?: string;
  timeoutMs?: number;
  /** More command-line options, after the ones above (e.g. `--sentinel`, `--tls-ca`). */
  args?: string[];
  /** More environment variables for the child (e.g. `MESH_SENTINEL_PASSWORD`). */
  env?: NodeJS.ProcessEnv;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `node bin/mesh-inspector.js serve --port 0 [...]` and resolves once it printed its UI line. */
export async function startServeProcess(opts: ServeProcessOptions): Promise<ServeProcess> {
  ensureBuilt();
  const args = [path.join(ROOT, 'bin/mesh-inspector.js'), 'serve', '--port', '0'];
  if (opts.url !== undefined) args.push('--url', opts.url);
  if (opts.prefix !== undefined) args.push('--prefix', opts.prefix);
  if (opts.timeoutMs !== undefined) args.push('--timeout-ms', String(opts.timeoutMs));
  if (opts.args) args.push(...opts.args);
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, MESH_INSPECTOR_HOME: opts.home };
  delete env.MESH_REDIS_URL;
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => (stderr += c));
  let stdout = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (c: string) => (stdout += c));

  const url = await within(
    30_000,
    'serve printing its UI line',
    new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.setEncoding('utf8');
      const onData = (c: string) => {
        out += c;
        const nl = out.indexOf('\n');
        if (nl < 0) return;
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        const m = UI_LINE.exec(out.slice(0, nl));
        if (m?.[1]) resolve(m[1]);
        else reject(new Error(`serve's first line is not the UI line: ${JSON.stringify(out.slice(0, nl))}\n${stderr}`));
      };
      child.stdout?.on('data', onData);
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`serve exited (${code ?? signal}) before printing its UI line:\n${stderr}`)));
    }),
  ).catch(async (e: unknown) => {
    child.kill('SIGKILL');
    await exited(child);
    throw e;
  });

  const parsed = new URL(url);
  let stopping: Promise<void> | null = null;
  return {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    child,
    stderr: () => stderr,
    stdout: () => stdout,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        await within(5000, 'serve exiting on SIGTERM', exited(child)).catch(async () => {
          child.kill('SIGKILL');
          await exited(child);
        });
      })();
      return stopping;
    },
  };
}

/**
 * The Chromium the tests drive: `$MESH_CHROMIUM`, else `$CHROMIUM_PATH`, else Debian's
 * `/usr/bin/chromium`. scripts/test-prerequisites.mjs (the first step of `npm test`) looks it up
 * the same way.
 */
export function chromiumPath(): string {
  return process.env.MESH_CHROMIUM || process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

/** The system Chromium; a clear failure (not a skip) when it is missing: CI installs it. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: install it (apt-get install -y chromium) or point $MESH_CHROMIUM at one`);
  }
  return within(30_000, 'launching Chromium', chromium.launch({ executablePath, args: CHROMIUM_ARGS }));
}

export interface AppPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors, CSP violations included: tests assert it stays empty. */
  problems: string[];
  close(): Promise<void>;
}

export interface OpenAppOptions {
  colorScheme?: 'dark' | 'light';
  viewport?: { width: number; height: number };
  /** Runs on the new page before it loads the UI (e.g. `page.routeWebSocket` to cut the link). */
  beforeGoto?: (page: Page) => Promise<void>;
  /** Browser permissions granted to the context (e.g. `notifications`). */
  permissions?: string[];
}

/**
 * Opens the UI in a fresh browser context and waits for the readiness marker
 * (`[data-app-ready="true"]`: the api link is up and `app:info` answered).
 */
export async function openApp(browser: Browser, url: string, opts: OpenAppOptions = {}): Promise<AppPage> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1360, height: 820 },
    colorScheme: opts.colorScheme ?? 'dark',
    deviceScaleFactor: 1,
    ...(opts.permissions ? { permissions: opts.permissions } : {}),
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // CSP violations also reach the console, but this names the directive precisely.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
    });
  });
  if (opts.beforeGoto) await opts.beforeGoto(page);
  await page.goto(url);
  await page.locator('[data-app-ready="true"]').waitFor({ timeout: 20_000 });
  return {
    context,
    page,
    problems,
    close: () => within(5000, 'closing the browser context', context.close()).catch(() => {}),
  };
}

/** Writes a screenshot when `$MESH_E2E_SHOTS` names a folder (for looking at the design); else nothing. */
export async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.MESH_E2E_SHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}

/** {@link shot} of a whole tall screen (the connect screen with its form open): the viewport is `height` high for it. */
export async function tallShot(page: Page, name: string, height: number): Promise<void> {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 1360, height });
  await shot(page, name);
  if (size) await page.setViewportSize(size);
}

/**
 * Everything a page holds as text: its HTML, visible text and title, every attribute's value and
 * every input's and textarea's value. For asserting that a secret appears nowhere.
 */
export function everythingInPage(page: Page): Promise<string> {
  return page.evaluate(() => {
    const attrs = [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].map((a) => a.value));
    const values = [...document.querySelectorAll('input, textarea')].map((i) => (i as HTMLInputElement).value);
    return [document.documentElement.outerHTML, document.body.innerText, document.title, ...attrs, ...values].join('\n');
  });
}

export interface Served {
  serve: ServeProcess;
  browser: Browser;
  /** serve's config folder: a fresh temporary one, removed by close(). */
  home: string;
  /** A fresh context and page on the UI, ready. */
  open(opts?: OpenAppOptions): Promise<AppPage>;
  /** Closes pages, browser and serve, each bounded; removes the temporary home. */
  close(): Promise<void>;
}

/**
 * `serve` (with `opts` and a fresh temporary home) and Chromium, for the UI of one test file;
 * started in order and torn down in reverse.
 */
export async function startServed(opts: Omit<ServeProcessOptions, 'home'> = {}): Promise<Served> {
  const home = mkdtempSync(path.join(tmpdir(), 'mesh-e2e-home-'));
  const started: Array<() => Promise<void>> = [async () => rmSync(home, { recursive: true, force: true })];
  const closeAll = async () => {
    for (const stop of started.splice(0).reverse()) await stop().catch(() => {});
  };
  try {
    const serve = await startServeProcess({ ...opts, home });
    started.push(() => serve.stop());
    const browser = await launchChromium();
    started.push(() => within(10_000, 'closing Chromium', browser.close()));
    const pages: AppPage[] = [];
    return {
      serve,
      browser,
      home,
      async open(o) {
        const p = await openApp(browser, serve.url, o);
        pages.push(p);
        return p;
      },
      async close() {
        for (const p of pages.splice(0)) await p.close();
        await closeAll();
      },
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

export interface E2eOptions {
  redis?: RedisServerOptions;
  /** Seeds Redis before serve starts. */
  seed?: (redis: TestRedis) => Promise<void>;
  /** Start serve connected (`--url`, `--prefix`); without it the UI opens on the connect screen. */
  connect?: { url?: string; prefix: string };
}

/** {@link Served} on a redis-server of its own; close() stops that too. */
export interface E2e extends Served {
  redis: TestRedis;
}

/** Everything one e2e test file needs, started in order and torn down in reverse. */
export async function startE2e(opts: E2eOptions = {}): Promise<E2e> {
  const redis = await startRedis(opts.redis);
  const stopRedis = () => within(10_000, 'stopping redis-server', redis.stop()).catch(() => {});
  try {
    if (opts.seed) await opts.seed(redis);
    const served = await startServed(opts.connect ? { url: opts.connect.url ?? redis.url, prefix: opts.connect.prefix } : {});
    return {
      ...served,
      redis,
      async close() {
        await served.close();
        await stopRedis();
      },
    };
  } catch (e) {
    await stopRedis();
    throw e;
  }
}

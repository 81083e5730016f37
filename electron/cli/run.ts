/**
 * The command line's driver: parse, dispatch through the command table, print, and turn the
 * outcome into cli.md's exit codes. Separate from main.ts so it can run in-process.
 */
import packageJson from '../../package.json';
import { toErrorInfo } from '../../shared/errors';
import { redactText } from '../../shared/redact';
import type { ErrorKind } from '../../shared/types';
import { helpText, parseCommandLine } from './args';
import { findCommand, registeredCommands, type CommandContext } from './commands';
// Both light (no Redis client): `--help` and `--version` must start fast (issue 16).
import { secretsOf } from '../core/secrets';
import { profileFrom } from './profile';
import { terminalSafe, toJson } from './output';

/** cli.md "Exit codes". */
export const EXIT = { ok: 0, fatal: 1, usage: 64, transient: 75, interrupted: 130 } as const;

const EXIT_BY_KIND: Record<ErrorKind, number> = { fatal: EXIT.fatal, usage: EXIT.usage, transient: EXIT.transient };

export interface CliIo {
  stdout: CommandContext['stdout'];
  stderr: CommandContext['stderr'];
  env: CommandContext['env'];
  /** Aborted on SIGINT/SIGTERM by the entry. */
  signal?: AbortSignal;
}

/**
 * Runs one command line and resolves to its exit code; never rejects.
 *
 * Guarantees (cli.md): with `--json`, stdout receives exactly one JSON document (the result, or
 * `{"error":{"kind","message"}}`) and nothing else; every error also writes one human line to
 * stderr; exit codes are 0, 1 (fatal), 64 (usage: nothing was sent), 75 (transient; health:
 * unhealthy), and 130 when interrupted; the URL's password is scrubbed from every message and
 * human output; human output and messages carry no control character but line feeds (escaped:
 * `terminalSafe`), so nothing read from Redis can drive the terminal.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // Known before parsing, so even a usage error honours --json.
  const wantsJson = argv.includes('--json');
  const urlAt = argv.indexOf('--url');
  const urlText = urlAt >= 0 ? argv[urlAt + 1] : argv.find((a) => a.startsWith('--url='))?.slice(6);
  // Derived before parsing, so even a usage error about another option is scrubbed.
  const sentinelPassword = io.env.MESH_SENTINEL_PASSWORD;
  let secrets = secretsOf({ url: urlText ?? io.env.MESH_REDIS_URL ?? '', ...(sentinelPassword ? { topology: { mode: 'sentinel', sentinelPassword } } : {}) });
  try {
    const parsed = parseCommandLine(argv, io.env, registeredCommands());
    secrets = [...new Set([...secrets, ...secretsOf(profileFrom(parsed.global, true))])];
    if (parsed.kind === 'help') {
      const text = helpText(registeredCommands(), parsed.command);
      // --json promises one JSON document on stdout, help included.
      io.stdout.write(parsed.global.json ? `${toJson({ help: text })}\n` : text);
      return EXIT.ok;
    }
    if (parsed.kind === 'version') {
      io.stdout.write(parsed.global.json ? `${toJson({ version: packageJson.version })}\n` : `${packageJson.version}\n`);
      return EXIT.ok;
    }
    const command = findCommand(parsed.command);
    if (!command) throw new Error(`command "${parsed.command}" has no implementation`);
    const ctx: CommandContext = {
      global: parsed.global,
      options: parsed.options,
      env: io.env,
      stdout: io.stdout,
      stderr: io.stderr,
      signal: io.signal ?? new AbortController().signal,
      secrets,
    };
    const result = await command.run(ctx);
    if ('done' in result) return result.exitCode ?? EXIT.ok;
    const code = result.exitCode ?? EXIT.ok;
    // Human output is for a terminal: whatever came from Redis is shown escaped, never obeyed.
    const human = terminalSafe(redactText(result.human, secrets), true);
    if (parsed.global.json) {
      io.stdout.write(`${toJson(result.json)}\n`);
      if (code !== EXIT.ok) io.stderr.write(`mesh-inspector: ${human}`);
    } else if (code !== EXIT.ok) {
      io.stderr.write(`mesh-inspector: ${human}`);
    } else {
      io.stdout.write(human);
    }
    return code;
  } catch (e) {
    if (isAbort(e)) {
      if (wantsJson) io.stdout.write(`${toJson({ error: { kind: 'transient', message: 'interrupted' } })}\n`);
      io.stderr.write('mesh-inspector: interrupted\n');
      return EXIT.interrupted;
    }
    const info = toErrorInfo(e, secrets);
    const message = redactText(info.message, secrets);
    if (wantsJson) io.stdout.write(`${toJson({ error: { kind: info.kind, message } })}\n`);
    const hint = info.kind === 'usage' ? ' (see mesh-inspector --help)' : '';
    io.stderr.write(`mesh-inspector: ${info.kind} error: ${terminalSafe(message, true)}${hint}\n`);
    return EXIT_BY_KIND[info.kind];
  }
}

function isAbort(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AbortError';
}

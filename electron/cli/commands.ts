/**
 * The command table of `mesh-inspector`: every command registers here with its option spec and a
 * `run` function, and the entry dispatches through it. Commands from other modules (`serve`,
 * `demo`) register the same way (`registerCommand`) before `runCli` is called.
 */
import type { CommandSpec, GlobalOptions, OptionValue } from './args';

/** What a command gets: its parsed command line, the process's streams and a cancel signal. */
export interface CommandContext {
  global: GlobalOptions;
  options: Record<string, OptionValue>;
  env: Readonly<Record<string, string | undefined>>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** Secrets (the URL's password) to scrub from anything printed. */
  secrets: readonly string[];
}

/**
 * A command's outcome. The entry prints `json` (with `--json`) or `human` (without) on stdout,
 * and exits with `exitCode` (default 0). Long-running commands (`serve`) may print their own
 * output and return `{ done: true }` when they have finished.
 */
export type CommandResult = { json: unknown; human: string; exitCode?: number } | { done: true; exitCode?: number };

export interface CliCommand extends CommandSpec {
  run(ctx: CommandContext): Promise<CommandResult>;
}

const table = new Map<string, CliCommand>();

/** Adds a command to the table; a second registration under one name is a programming error. */
export function registerCommand(command: CliCommand): void {
  if (table.has(command.name)) throw new Error(`command "${command.name}" is registered twice`);
  table.set(command.name, command);
}

/** The registered commands, in registration order. */
export function registeredCommands(): CliCommand[] {
  return [...table.values()];
}

export function findCommand(name: string): CliCommand | undefined {
  return table.get(name);
}

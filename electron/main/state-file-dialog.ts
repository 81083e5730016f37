/**
 * What the desktop app says when a state file in its config folder (`profiles.json`,
 * `batches.json`) is damaged at start-up, and what the user's answer means (issue 12, item 4: the
 * app used to die silently, with no window and no dialog). No Electron import but types: index.ts
 * hands in `dialog.showMessageBoxSync` and the rename.
 */
import path from 'node:path';
import type { MessageBoxSyncOptions } from 'electron';
import { asideName, StateFileError } from '../core/json-file';

/** The damaged file and what is wrong with it. */
export interface StateFileProblem {
  file: string;
  problem: string;
}

/** The problem when `e` is a damaged state file (the one failure the user can fix from a dialog), else null. */
export function stateFileProblemOf(e: unknown): StateFileProblem | null {
  return e instanceof StateFileError ? { file: e.file, problem: e.problem } : null;
}

/** What is in each state file, for a person deciding whether to move it aside. */
function whatItHolds(file: string): string {
  switch (path.basename(file)) {
    case 'profiles.json':
      return 'your saved connection profiles (saved passwords are kept apart and stay; the profiles must be added again)';
    case 'batches.json':
      return 'the record of the test batches you published (without it they can no longer be published again or deleted from the app; the entries stay in Redis)';
    default:
      return 'state of Mesh Inspector';
  }
}

export const MOVE_ASIDE = 0;
export const QUIT = 1;

/**
 * The dialog for a damaged state file. Guarantees: it names the file (full path) and the problem,
 * says what moving it aside loses and where the old file goes; the buttons are "Move aside and
 * continue" and "Quit", and Escape or closing the dialog means Quit (nothing is moved without a
 * deliberate choice).
 */
export function stateFileDialog(p: StateFileProblem, asidePath: string): MessageBoxSyncOptions {
  return {
    type: 'error',
    title: 'Mesh Inspector',
    message: `${path.basename(p.file)} is damaged`,
    detail:
      `${p.file}: ${p.problem}.\n\n` +
      `It holds ${whatItHolds(p.file)}.\n\n` +
      `Move it aside to start with it empty: it is renamed to ${path.basename(asidePath)} in the same folder, so nothing is deleted. ` +
      'Or quit and repair or restore the file yourself.',
    buttons: ['Move Aside and Continue', 'Quit'],
    defaultId: QUIT,
    cancelId: QUIT,
    noLink: true,
  };
}

/** The answer of {@link stateFileDialog}: only the first button moves the file. */
export function stateFileChoice(response: number): 'move-aside' | 'quit' {
  return response === MOVE_ASIDE ? 'move-aside' : 'quit';
}

/** The error box for any other failure at start-up (the app cannot run; it quits after it). */
export function startupFailure(e: unknown): { title: string; content: string } {
  const message = e instanceof Error ? e.message : String(e);
  return { title: 'Mesh Inspector could not start', content: message };
}

/** What {@link createServiceOrAsk} needs from its host. */
export interface StateFileHost {
  /** Shows the dialog and returns the index of the button chosen (`dialog.showMessageBoxSync`). */
  ask(options: MessageBoxSyncOptions): number;
  /** Moves the file aside at `now`, returning where it went (`moveStateFileAside`). */
  moveAside(file: string, now: Date): string;
  log(message: string): void;
  now?: () => Date;
}

/**
 * Runs `create` (the service constructor, which reads the state files). While it fails on a
 * damaged state file, asks the user (one dialog per file) and, on "Move aside", renames that file
 * and tries again; on "Quit" returns null with the file untouched. Any other failure is thrown.
 * Guarantees: a file is moved only after the user chose so for that file; never loops on the
 * same file (a file that cannot be moved throws the rename's error).
 */
export function createServiceOrAsk<T>(create: () => T, host: StateFileHost): T | null {
  const moved = new Set<string>();
  for (;;) {
    try {
      return create();
    } catch (e) {
      const problem = stateFileProblemOf(e);
      if (problem === null || moved.has(problem.file)) throw e;
      host.log(`damaged state file: ${problem.file}: ${problem.problem}`);
      const now = host.now?.() ?? new Date();
      if (stateFileChoice(host.ask(stateFileDialog(problem, asideName(problem.file, now)))) !== 'move-aside') return null;
      moved.add(problem.file);
      host.log(`moved ${problem.file} aside to ${host.moveAside(problem.file, now)}`);
    }
  }
}

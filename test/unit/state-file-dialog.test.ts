/**
 * Issue 12, item 4: a damaged `profiles.json` or `batches.json` at start-up. The desktop host asks,
 * in a dialog naming the file, whether to move it aside; the decision (what the dialog says, what
 * each answer does, one dialog per damaged file) is tested here with the real service constructor
 * and real files, the dialog itself replaced by a recorded answer (Electron's binary is not here).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageBoxSyncOptions } from 'electron';
import { asideName, moveStateFileAside, readJsonFile, StateFileError } from '../../electron/core/json-file';
import { createService } from '../../electron/core/service';
import type { MeshService } from '../../electron/core/service-api';
import { createServiceOrAsk, MOVE_ASIDE, QUIT, stateFileChoice, stateFileDialog, startupFailure } from '../../electron/main/state-file-dialog';
import { MemorySecrets, serviceGate } from '../helpers/service-gate';
import { registerCommand } from '../../electron/cli/commands';
import { runCli } from '../../electron/cli/run';
import { defaultServeCommand } from '../../electron/cli/cmd-serve';

let home: string;
const NOW = new Date(2026, 11, 4, 9, 5, 7);

beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), 'mesh-state-file-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

const create = () => createService({ transport: 'electron', secrets: new MemorySecrets(), sink: () => undefined, appVersion: 't', home });

/** The host with the dialog answered from `answers`, recording what was shown. */
function host(answers: number[]) {
  const shown: MessageBoxSyncOptions[] = [];
  return {
    shown,
    ask: (o: MessageBoxSyncOptions) => {
      shown.push(o);
      return answers.shift() ?? QUIT;
    },
    moveAside: moveStateFileAside,
    log: () => undefined,
    now: () => NOW,
  };
}

describe('reading a damaged state file', () => {
  it.each([
    ['{"profiles": [', /it is not valid JSON \(/],
    ['null', /it holds null, not a JSON object/],
    ['[1, 2]', /it holds an array, not a JSON object/],
    ['"text"', /it holds a string, not a JSON object/],
  ])('%j is a StateFileError naming the file and the problem', (text, problem) => {
    const file = path.join(home, 'profiles.json');
    writeFileSync(file, text);
    const e = (() => {
      try {
        readJsonFile(file, {});
      } catch (x) {
        return x;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(StateFileError);
    expect((e as StateFileError).file).toBe(file);
    expect((e as StateFileError).problem).toMatch(problem);
    expect((e as StateFileError).message).toContain(`${file} is damaged: `);
    expect((e as StateFileError).kind).toBe('fatal');
    expect((e as StateFileError).code).toBe('STATE_FILE_DAMAGED');
  });

  it('the service constructor fails with that error for profiles.json and for batches.json', () => {
    writeFileSync(path.join(home, 'batches.json'), '{oops');
    expect(create).toThrow(StateFileError);
    expect(create).toThrow(path.join(home, 'batches.json'));
  });
});

describe('the dialog', () => {
  it('names the file, the problem, what moving it aside loses and where it goes; Escape means Quit', () => {
    const file = path.join(home, 'profiles.json');
    const o = stateFileDialog({ file, problem: 'it is not valid JSON (Unexpected end of JSON input)' }, asideName(file, NOW));
    expect(o).toMatchObject({ type: 'error', message: 'profiles.json is damaged', buttons: ['Move Aside and Continue', 'Quit'], defaultId: QUIT, cancelId: QUIT });
    expect(o.detail).toContain(`${file}: it is not valid JSON (Unexpected end of JSON input).`);
    expect(o.detail).toContain('saved connection profiles');
    expect(o.detail).toContain('profiles.json.damaged-20261204-090507');
    expect(stateFileDialog({ file: path.join(home, 'batches.json'), problem: 'x' }, 'y').detail).toContain('test batches you published');
    expect(stateFileChoice(MOVE_ASIDE)).toBe('move-aside');
    for (const r of [QUIT, 2, -1]) expect(stateFileChoice(r)).toBe('quit');
  });
});

describe('createServiceOrAsk', () => {
  it('"Move aside" renames the damaged profiles.json, keeping its bytes, and the service starts with no profiles', async () => {
    writeFileSync(path.join(home, 'profiles.json'), '{"profiles": [');
    const h = host([MOVE_ASIDE]);
    const svc = createServiceOrAsk(create, h) as MeshService;
    expect(svc).not.toBeNull();
    expect(h.shown).toHaveLength(1);
    expect(h.shown[0]?.message).toBe('profiles.json is damaged');
    expect(existsSync(path.join(home, 'profiles.json'))).toBe(false);
    expect(readFileSync(path.join(home, 'profiles.json.damaged-20261204-090507'), 'utf8')).toBe('{"profiles": [');
    expect(await serviceGate(() => svc).ok('profiles:list', {})).toMatchObject({ profiles: [] });
    await svc.dispose();
  });

  it('asks once per damaged file: profiles.json, then batches.json', async () => {
    writeFileSync(path.join(home, 'profiles.json'), 'null');
    writeFileSync(path.join(home, 'batches.json'), '[]');
    const h = host([MOVE_ASIDE, MOVE_ASIDE]);
    const svc = createServiceOrAsk(create, h) as MeshService;
    expect(h.shown.map((o) => o.message)).toEqual(['profiles.json is damaged', 'batches.json is damaged']);
    expect(readdirSync(home).filter((f) => f.includes('.damaged-')).sort()).toEqual(['batches.json.damaged-20261204-090507', 'profiles.json.damaged-20261204-090507']);
    await svc.dispose();
  });

  it('"Quit" (or closing the dialog) returns null and leaves the file as it was', () => {
    writeFileSync(path.join(home, 'batches.json'), '{oops');
    const h = host([QUIT]);
    expect(createServiceOrAsk(create, h)).toBeNull();
    expect(readFileSync(path.join(home, 'batches.json'), 'utf8')).toBe('{oops');
  });

  it('never overwrites an earlier aside copy', () => {
    const file = path.join(home, 'profiles.json');
    writeFileSync(`${file}.damaged-20261204-090507`, 'earlier');
    writeFileSync(file, 'later');
    expect(moveStateFileAside(file, NOW)).toBe(`${file}.damaged-20261204-090507-1`);
    expect(readFileSync(`${file}.damaged-20261204-090507`, 'utf8')).toBe('earlier');
  });

  it('throws any other start-up failure, for the error box', () => {
    const h = host([]);
    expect(() =>
      createServiceOrAsk(() => {
        throw new Error('no keyring');
      }, h),
    ).toThrow('no keyring');
    expect(h.shown).toEqual([]);
    expect(startupFailure(new Error('no keyring'))).toEqual({ title: 'Mesh Inspector could not start', content: 'no keyring' });
  });
});

describe('serve with a damaged state file', () => {
  it('exits 1 with a message naming the file and the problem (a terminal has no dialog)', async () => {
    registerCommand(defaultServeCommand());
    writeFileSync(path.join(home, 'profiles.json'), '{"profiles": [');
    let stderr = '';
    let stdout = '';
    const code = await runCli(['serve', '--port', '0'], {
      stdout: { write: (t: string) => ((stdout += t), true) } as never,
      stderr: { write: (t: string) => ((stderr += t), true) } as never,
      env: { MESH_INSPECTOR_HOME: home },
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`fatal error: ${path.join(home, 'profiles.json')} is damaged: it is not valid JSON (`);
    expect(stderr).toContain('move it aside to start fresh');
  });
});

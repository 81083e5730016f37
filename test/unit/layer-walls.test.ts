/**
 * The layer walls (ARCHITECTURE.md) are enforced by the tools, not by review: a probe file that
 * breaks each wall is refused by the layer's tsconfig and by lint, and a probe that stays inside
 * the walls passes both (so the refusals are not an artefact of the harness).
 *
 * Probes are virtual files placed inside the layer's folder (nothing is written to the
 * repository, so a concurrent `tsc -b` or `eslint .` never sees them): ESLint lints them with
 * `lintText(code, { filePath })`; TypeScript compiles them with the layer's own tsconfig through
 * a compiler host that serves the probe from memory.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

interface Finding {
  rule: string;
  message: string;
}

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

async function lint(file: string, code: string): Promise<Finding[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((m) => ({ rule: m.ruleId ?? '(fatal)', message: m.message }));
}

/**
 * Type-checks `code` as if it were the file `file`, in the program of the layer config
 * `config`, and returns the probe's diagnostics as `TS<code>: <message>`.
 */
function typecheck(config: string, file: string, code: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, config), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${config}`);
  const probe = path.join(root, file);
  const host = ts.createCompilerHost(parsed.options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => f === probe || fileExists.call(host, f);
  host.readFile = (f) => (f === probe ? code : readFile.call(host, f));
  host.getSourceFile = (f, language, ...rest) =>
    f === probe ? ts.createSourceFile(f, code, language) : getSourceFile.call(host, f, language, ...rest);
  // Read the referenced layers from source, as the editor's language service does, so this needs
  // no `tsc -b` output. (An internal host hook: if a TypeScript release drops it, the clean
  // probes below fail with TS6305 "output file has not been built", which is the cue.)
  (host as { useSourceOfProjectReferenceRedirect?: () => boolean }).useSourceOfProjectReferenceRedirect = () => true;
  const program = ts.createProgram({
    rootNames: [...parsed.fileNames, probe],
    options: { ...parsed.options, noEmit: true, emitDeclarationOnly: false },
    projectReferences: parsed.projectReferences,
    host,
  });
  const source = program.getSourceFile(probe)!;
  return [
    ...program.getOptionsDiagnostics(),
    ...program.getSyntacticDiagnostics(source),
    ...program.getSemanticDiagnostics(source),
  ].map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

describe('the renderer (renderer/src): DOM only, imports only shared/', () => {
  const file = 'renderer/src/wall-probe.ts';
  const probe = "import { readFileSync } from 'fs';\nexport const x = [readFileSync, process.env.HOME, Buffer.from('x')];\n";

  it('refuses a Node built-in and the process and Buffer globals (tsc)', () => {
    const errors = typecheck('renderer/tsconfig.json', file, probe);
    expect(errors).toEqual(
      expect.arrayContaining([
        // TypeScript 5 says TS2307 for a Node built-in without Node types, TypeScript 6 TS2591.
        expect.stringMatching(/^TS(2307: Cannot find module|2591: Cannot find name) 'fs'/),
        expect.stringMatching(/^TS2591: Cannot find name 'process'/),
        expect.stringMatching(/^TS2591: Cannot find name 'Buffer'/),
      ]),
    );
  });

  it('refuses a Node built-in and the process and Buffer globals (lint)', async () => {
    expect(await lint(file, probe)).toEqual([
      { rule: 'no-restricted-imports', message: expect.stringContaining("'fs' import is restricted") },
      { rule: 'no-restricted-globals', message: expect.stringContaining("'process'") },
      { rule: 'no-restricted-globals', message: expect.stringContaining("'Buffer'") },
    ]);
    expect(await lint(file, "import { readFile } from 'node:fs/promises';\nexport const x = readFile;\n")).toEqual([
      { rule: 'no-restricted-imports', message: expect.stringContaining('Node built-ins') },
    ]);
  });

  it('refuses electron/core, by resolved path', async () => {
    const code = "import { createService } from '../../electron/core/service';\nexport const x = createService;\n";
    expect(await lint(file, code)).toEqual([{ rule: 'import-x/no-restricted-paths', message: expect.stringContaining('renderer (renderer/src/) may import only shared') }]);
    expect(typecheck('renderer/tsconfig.json', file, code)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^TS6307: File '.*electron\/core\/service\.ts' is not listed within the file list of project/)]),
    );
  });

  it('accepts shared/ and the DOM', async () => {
    const code = "import type { ChannelName } from '../../shared/contract';\nexport const x: ChannelName | string = document.title;\n";
    expect(await lint(file, code)).toEqual([]);
    expect(typecheck('renderer/tsconfig.json', file, code)).toEqual([]);
  });
});

describe('shared/: neither DOM nor Node, imports nothing outside itself', () => {
  const file = 'shared/wall-probe.ts';

  it('refuses a Node built-in (tsc and lint)', async () => {
    const code = "import path from 'path';\nexport const x = path.sep;\n";
    expect(typecheck('shared/tsconfig.json', file, code)).toEqual([expect.stringMatching(/^TS(2307: Cannot find module|2591: Cannot find name) 'path'/)]);
    expect(await lint(file, code)).toEqual([{ rule: 'no-restricted-imports', message: expect.stringContaining('Node built-ins') }]);
  });

  it('refuses the DOM and Node globals (tsc)', () => {
    const errors = typecheck('shared/tsconfig.json', file, 'export const x = [document.title, process.pid];\n');
    expect(errors).toEqual([expect.stringMatching(/^TS2584: Cannot find name 'document'/), expect.stringMatching(/^TS2591: Cannot find name 'process'/)]);
  });

  it('refuses another layer', async () => {
    const code = "import { usageError } from '../electron/core/redis-url';\nexport const x = usageError;\n";
    expect(await lint(file, code)).toEqual([{ rule: 'import-x/no-restricted-paths', message: expect.stringContaining('shared (shared/) may import only itself') }]);
  });

  it('accepts itself and the declared web-platform globals', async () => {
    const code = "import { streamKey } from './stream-key';\nexport const x = [streamKey, new TextDecoder('utf-8', { fatal: true })];\n";
    expect(await lint(file, code)).toEqual([]);
    expect(typecheck('shared/tsconfig.json', file, code)).toEqual([]);
  });
});

describe('electron/core: Node only, imports only shared/', () => {
  const file = 'electron/core/wall-probe.ts';
  const probe = [
    "import { registerIpc } from '../main/ipc';",
    "import { runServe } from '../cli/cmd-serve';",
    "import { useStore } from '../../renderer/src/store';",
    'export const x = [registerIpc, runServe, useStore, document.title];',
    '',
  ].join('\n');

  it('refuses main/ipc, the serve command, the renderer store and the DOM (lint)', async () => {
    const findings = await lint(file, probe);
    expect(findings.map((f) => f.rule)).toEqual([
      'import-x/no-restricted-paths',
      'import-x/no-restricted-paths',
      'import-x/no-restricted-paths',
      'no-restricted-globals',
    ]);
    expect(findings[0]!.message).toContain('"../main/ipc"');
    expect(findings[0]!.message).toContain('core (electron/core/) may import only shared');
    expect(findings[1]!.message).toContain('"../cli/cmd-serve"');
    expect(findings[2]!.message).toContain('"../../renderer/src/store"');
    expect(findings[3]!.message).toContain("'document'");
  });

  it('refuses main/ipc, the serve command, the renderer store and the DOM (tsc)', () => {
    const errors = typecheck('electron/core/tsconfig.json', file, probe);
    for (const other of ['electron/main/ipc.ts', 'electron/cli/cmd-serve.ts', 'renderer/src/store/index.ts']) {
      expect(errors).toContainEqual(expect.stringMatching(new RegExp(`^TS6307: File '.*${other.replace(/[./]/g, '\\$&')}' is not listed`)));
    }
    expect(errors).toContainEqual(expect.stringMatching(/^TS2584: Cannot find name 'document'/));
  });

  it('judges a nested folder by where its imports land', async () => {
    const code = "import { startServe } from '../../serve/server';\nexport const x = startServe;\n";
    expect(await lint('electron/core/demo/wall-probe.ts', code)).toEqual([
      { rule: 'import-x/no-restricted-paths', message: expect.stringContaining('core (electron/core/) may import only shared') },
    ]);
  });

  it('accepts shared/, Node built-ins and ioredis', async () => {
    const code = "import path from 'node:path';\nimport Redis from 'ioredis';\nimport { usageError } from '../../shared/errors';\nexport const x = [path.sep, Redis, usageError];\n";
    expect(await lint(file, code)).toEqual([]);
    expect(typecheck('electron/core/tsconfig.json', file, code)).toEqual([]);
  });
});

describe('the other layers import only their allowlist', () => {
  const cases: Array<[layer: string, file: string, code: string, refused: string]> = [
    ['serve', 'electron/serve/wall-probe.ts', "import { runCli } from '../cli/run';\nexport const x = runCli;\n", 'serve (electron/serve/) may import only electron/core, shared'],
    ['main', 'electron/main/wall-probe.ts', "import { startServe } from '../serve/server';\nexport const x = startServe;\n", 'main (electron/main/) may import only electron/core, shared'],
    ['preload', 'electron/preload/wall-probe.ts', "import { dispatch } from '../core/dispatch';\nexport const x = dispatch;\n", 'preload (electron/preload/) may import only shared'],
    ['cli', 'electron/cli/wall-probe.ts', "import { registerIpc } from '../main/ipc';\nexport const x = registerIpc;\n", 'cli (electron/cli/) may import only electron/core, shared, electron/serve'],
  ];
  it.each(cases)('%s refuses a layer outside it', async (_layer, file, code, refused) => {
    expect(await lint(file, code)).toEqual([{ rule: 'import-x/no-restricted-paths', message: expect.stringContaining(refused) }]);
  });

  it('the preload refuses Node built-ins (a sandboxed preload can require only electron)', async () => {
    expect(await lint('electron/preload/wall-probe.ts', "import { EventEmitter } from 'events';\nexport const x = EventEmitter;\n")).toEqual([
      { rule: 'no-restricted-imports', message: expect.stringContaining('Node built-ins') },
    ]);
  });

  it('cli may import serve, core and shared', async () => {
    const code = "import { startServe } from '../serve/server';\nimport { MeshAdapter } from '../core/adapter';\nimport { usageError } from '../../shared/errors';\nexport const x = [startServe, MeshAdapter, usageError];\n";
    expect(await lint('electron/cli/wall-probe.ts', code)).toEqual([]);
  });
});

describe('no import circles', () => {
  it('lint refuses two modules that import each other, statically or through import()', async () => {
    // The fixtures are in eslint.config.js's ignores (they would fail `eslint .`); lint them anyway.
    const walls = new ESLint({ cwd: root, ignore: false });
    const files = ['cycle-a.ts', 'cycle-b.ts', 'dynamic-a.ts', 'dynamic-b.ts'];
    const results = await walls.lintFiles(files.map((f) => `test/fixtures/walls/${f}`));
    expect(results).toHaveLength(files.length);
    for (const r of results) {
      expect(r.messages.map((m) => m.ruleId), path.basename(r.filePath)).toEqual(['import-x/no-cycle']);
    }
  });
});

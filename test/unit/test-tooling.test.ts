/**
 * The test tooling itself: `npm test`'s prerequisite check and the closing summary line. Both run
 * as the real programs, in child processes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const scratch = mkdtempSync(path.join(tmpdir(), 'mi-tooling-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function checkPrerequisites(env: Record<string, string>): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/test-prerequisites.mjs')], { env, encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, stderr: r.stderr };
}

describe('npm test: the prerequisite check', () => {
  it('passes silently on this machine, where the suites run', () => {
    const r = checkPrerequisites({ PATH: process.env.PATH ?? '', ...(process.env.MESH_CHROMIUM ? { MESH_CHROMIUM: process.env.MESH_CHROMIUM } : {}) });
    expect(r).toMatchObject({ status: 0, stderr: '' });
  });

  it('stops with the install line naming exactly what is missing', () => {
    const r = checkPrerequisites({ PATH: path.join(scratch, 'empty'), MESH_CHROMIUM: path.join(scratch, 'no-chromium') });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('redis-server (not on PATH)');
    expect(r.stderr).toContain(`Chromium (not at ${path.join(scratch, 'no-chromium')}`);
    expect(r.stderr).toContain('apt-get install -y redis-server chromium openssl\n');
  });

  it('names only the missing program, and honours $CHROMIUM_PATH', () => {
    // A PATH with redis-server and openssl but an unusable Chromium.
    const bin = path.join(scratch, 'bin');
    mkdirSync(bin, { recursive: true });
    for (const tool of ['redis-server', 'openssl']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      symlinkSync(found, path.join(bin, tool));
    }
    const r = checkPrerequisites({ PATH: bin, CHROMIUM_PATH: path.join(scratch, 'elsewhere', 'chromium') });
    expect(r.status).toBe(1);
    expect(r.stderr).not.toContain('redis-server (not');
    expect(r.stderr).toContain('elsewhere/chromium');
    expect(r.stderr).toMatch(/apt-get install -y chromium\n$/);
  });
});

describe('the closing summary line (test/summary-reporter.ts)', () => {
  it('counts a file whose beforeAll failed as a failure, beside failed tests', () => {
    // Fixture run: one file whose beforeAll throws (2 tests never run), one with a passing, a
    // failing and a skipped test.
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'test/fixtures/reporter/vitest.config.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, CI: 'true' },
    });
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('Tests: 1 passed, 2 failed, 3 skipped');
  });
});

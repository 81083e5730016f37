import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../electron/serve/file-secret-store';

const posix = process.platform !== 'win32';
let base: string;

beforeEach(() => {
  base = mkdtempSync(path.join(tmpdir(), 'mi-secrets-'));
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('FileSecretStore', () => {
  it('round-trips secrets and forgets deleted ones', async () => {
    const store = new FileSecretStore(base);
    expect(await store.get('p1')).toBeUndefined();
    await store.set('p1', 'pa:ss@word');
    await store.set('p2', 'other');
    expect(await store.get('p1')).toBe('pa:ss@word');
    await store.delete('p1');
    expect(await store.get('p1')).toBeUndefined();
    expect(await store.get('p2')).toBe('other');
    expect(await new FileSecretStore(base).get('p2')).toBe('other');
  });

  it('treats a profile id like __proto__ as data', async () => {
    const store = new FileSecretStore(base);
    await store.set('__proto__', 'x');
    expect(await store.get('__proto__')).toBe('x');
    expect(await store.get('toString')).toBeUndefined();
  });

  it.runIf(posix)('creates the folder 0700 and the file 0600, and re-tightens a loosened file on write', async () => {
    const home = path.join(base, 'home');
    const store = new FileSecretStore(home);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    await store.set('p', 's');
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    chmodSync(store.file, 0o644);
    await store.set('q', 't');
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    // Atomic writes leave no temp files behind.
    expect(readdirSync(home)).toEqual(['secrets.json']);
    expect(JSON.parse(readFileSync(store.file, 'utf8'))).toEqual({ version: 1, secrets: { p: 's', q: 't' } });
  });

  it('refuses to overwrite a file it cannot read, naming it', async () => {
    const store = new FileSecretStore(base);
    writeFileSync(store.file, 'not json');
    await expect(store.set('p', 's')).rejects.toThrow(store.file);
    expect(readFileSync(store.file, 'utf8')).toBe('not json');
    writeFileSync(store.file, '[]');
    await expect(store.get('p')).rejects.toThrow(/secrets.json is damaged: it holds an array, not a JSON object/);
  });
});

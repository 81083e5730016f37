/**
 * The inspector's producer nonce file (net-mesh's 9-byte format, contract 1.6), its sequence
 * store (cli.md `publish`) and its config folder, on the real file system.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configHome, resolveConfigHome } from '../../electron/core/home';
import { SequenceStore, inspectorNoncePath, loadOrCreateNonce, sequenceStorePath } from '../../electron/core/nonce-store';
import { MeshError } from '../../shared/errors';

let dir: string;
const savedHome = process.env.MESH_INSPECTOR_HOME;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mesh-nonce-'));
});

afterEach(() => {
  if (savedHome === undefined) delete process.env.MESH_INSPECTOR_HOME;
  else process.env.MESH_INSPECTOR_HOME = savedHome;
  rmSync(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown> | (() => unknown)): Promise<MeshError> {
  let e: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    e = err;
  }
  expect(e).toBeInstanceOf(MeshError);
  return e as MeshError;
}

describe('producer nonce file (contract 1.6)', () => {
  it('a missing file is created: exactly 9 bytes, version 0x01 then the nonce little-endian, never 0, no temp file left', async () => {
    const file = path.join(dir, 'producer.nonce');
    const nonce = await loadOrCreateNonce(file);
    const bytes = readFileSync(file);
    expect(bytes.length).toBe(9);
    expect(bytes[0]).toBe(0x01);
    expect(bytes.readBigUInt64LE(1)).toBe(nonce);
    expect(nonce).not.toBe(0n);
    expect(readdirSync(dir)).toEqual(['producer.nonce']);
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('reloading gives the same nonce and leaves the file unchanged', async () => {
    const file = path.join(dir, 'producer.nonce');
    const first = await loadOrCreateNonce(file);
    const bytes = readFileSync(file);
    expect(await loadOrCreateNonce(file)).toBe(first);
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('reads a file written by net-mesh: 01 0d f0 fe ca ef be ad de is 0xDEADBEEFCAFEF00D', async () => {
    const file = path.join(dir, 'producer.nonce');
    writeFileSync(file, Buffer.from([0x01, 0x0d, 0xf0, 0xfe, 0xca, 0xef, 0xbe, 0xad, 0xde]));
    expect(await loadOrCreateNonce(file)).toBe(0xdeadbeefcafef00dn);
  });

  it('concurrent first loads agree on one nonce (the first file written wins)', async () => {
    const file = path.join(dir, 'producer.nonce');
    const nonces = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateNonce(file)));
    expect(new Set(nonces).size).toBe(1);
    expect(readFileSync(file).readBigUInt64LE(1)).toBe(nonces[0]);
    expect(readdirSync(dir)).toEqual(['producer.nonce']);
  });

  it.each([
    ['the legacy 8-byte format', Buffer.alloc(8, 1), /8 bytes: that is the legacy format/],
    ['10 bytes', Buffer.alloc(10, 1), /is 10 bytes \(expected 9 bytes/],
    ['an empty file', Buffer.alloc(0), /is 0 bytes/],
    ['version byte 0x02', Buffer.from([2, 1, 0, 0, 0, 0, 0, 0, 0]), /unknown version byte 0x02/],
  ])('%s is an error naming the problem and the file, and the file is left alone', async (_label, content, reason) => {
    const file = path.join(dir, 'producer.nonce');
    writeFileSync(file, content);
    const e = await failure(loadOrCreateNonce(file));
    expect(e.kind).toBe('fatal');
    expect(e.message).toMatch(reason);
    expect(e.message).toContain(file);
    expect(readFileSync(file).equals(content)).toBe(true);
  });

  it('a missing parent folder is not created: the error names the folder', async () => {
    const parent = path.join(dir, 'no', 'such');
    const e = await failure(loadOrCreateNonce(path.join(parent, 'producer.nonce')));
    expect(e.kind).toBe('fatal');
    expect(e.code).toBe('ENOENT');
    expect(e.message).toContain(`its folder ${parent} does not exist`);
    expect(existsSync(path.join(dir, 'no'))).toBe(false);
  });
});

describe('sequence store (cli.md publish: two test batches never reuse an id unless asked)', () => {
  it('starts at 0, advances by the batch length, per nonce and per stream key (prefix included)', async () => {
    const store = new SequenceStore(path.join(dir, 'sequences.json'));
    expect(store.next('5e1f', 'net:shard:3')).toBe(0n);
    await store.advance('5e1f', 'net:shard:3', 0n, 40);
    expect(store.next('5e1f', 'net:shard:3')).toBe(40n);
    await store.advance('5e1f', 'net:shard:3', 40n, 2);
    expect(store.next('5e1f', 'net:shard:3')).toBe(42n);
    expect(store.next('5e1f', 'other:shard:3')).toBe(0n);
    expect(store.next('abc', 'net:shard:3')).toBe(0n);
    expect(store.next('5e1f', 'net:shard:4')).toBe(0n);
  });

  it('never moves backwards (an explicit older --sequence-start does not rewind it)', async () => {
    const store = new SequenceStore(path.join(dir, 'sequences.json'));
    await store.advance('1', 'net:shard:0', 100n, 10);
    await store.advance('1', 'net:shard:0', 0n, 5);
    expect(store.next('1', 'net:shard:0')).toBe(110n);
  });

  it('survives a reload, keeps u64 values exact and saturates at 2^64-1', async () => {
    const file = path.join(dir, 'sequences.json');
    const a = new SequenceStore(file);
    await a.advance('1', 'net:shard:0', 9007199254740993n, 1);
    await a.advance('2', 'net:shard:0', 18446744073709551610n, 100);
    const b = new SequenceStore(file);
    expect(b.next('1', 'net:shard:0')).toBe(9007199254740994n);
    expect(b.next('2', 'net:shard:0')).toBe(18446744073709551615n);
    expect(readdirSync(dir)).toEqual(['sequences.json']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      next: { '1': { 'net:shard:0': '9007199254740994' }, '2': { 'net:shard:0': '18446744073709551615' } },
    });
  });

  it('two stores on one file see each other (the file is re-read on every call)', async () => {
    const file = path.join(dir, 'sequences.json');
    const a = new SequenceStore(file);
    const b = new SequenceStore(file);
    await a.advance('1', 'net:shard:0', 0n, 3);
    expect(b.next('1', 'net:shard:0')).toBe(3n);
  });

  it('concurrent changes of two stores on one file are never lost (each is a locked read-modify-write)', async () => {
    const file = path.join(dir, 'sequences.json');
    const stores = [new SequenceStore(file), new SequenceStore(file)];
    await Promise.all(Array.from({ length: 20 }, (_, k) => stores[k % 2]!.advance(`n${k}`, 'net:shard:0', 0n, k + 1)));
    for (let k = 0; k < 20; k++) expect(stores[0]!.next(`n${k}`, 'net:shard:0')).toBe(BigInt(k + 1));
  });

  it('compareAndSet changes the counter only from the expected value', async () => {
    const store = new SequenceStore(path.join(dir, 'sequences.json'));
    expect(await store.compareAndSet('1', 'k', 0n, 5n)).toBe(true);
    expect(await store.compareAndSet('1', 'k', 0n, 9n)).toBe(false);
    expect(store.next('1', 'k')).toBe(5n);
    expect(await store.compareAndSet('1', 'k', 5n, 0n)).toBe(true);
    expect(store.next('1', 'k')).toBe(0n);
  });

  it('an unusable file is an error naming it, never a silent reset', async () => {
    const file = path.join(dir, 'sequences.json');
    writeFileSync(file, '{"version":1,"next":{"1":{"k":12}}}');
    const store = new SequenceStore(file);
    const e = await failure(() => store.next('1', 'k'));
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/not a u64 decimal string/);
    writeFileSync(file, 'garbage');
    expect((await failure(() => store.advance('1', 'k', 0n, 1))).message).toMatch(/not valid JSON/);
    expect(readFileSync(file, 'utf8')).toBe('garbage');
  });
});

describe('config home', () => {
  it('MESH_INSPECTOR_HOME wins; the folder is created with mode 0700; nonce and sequences live in it', async () => {
    const home = path.join(dir, 'cfg', 'mesh');
    process.env.MESH_INSPECTOR_HOME = home;
    expect(configHome()).toBe(home);
    expect(statSync(home).isDirectory()).toBe(true);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(inspectorNoncePath()).toBe(path.join(home, 'producer.nonce'));
    expect(sequenceStorePath()).toBe(path.join(home, 'sequences.json'));
    const nonce = await loadOrCreateNonce(inspectorNoncePath());
    expect(readFileSync(path.join(home, 'producer.nonce')).readBigUInt64LE(1)).toBe(nonce);
  });

  it('platform folders: ~/.config (or XDG_CONFIG_HOME), ~/Library/Application Support, %APPDATA%', () => {
    expect(resolveConfigHome({}, 'linux', '/home/u')).toBe('/home/u/.config/mesh-inspector');
    expect(resolveConfigHome({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/mesh-inspector');
    expect(resolveConfigHome({ XDG_CONFIG_HOME: 'relative' }, 'linux', '/home/u')).toBe('/home/u/.config/mesh-inspector');
    expect(resolveConfigHome({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/mesh-inspector');
    expect(resolveConfigHome({ APPDATA: '/appdata' }, 'win32', '/users/u')).toBe(path.join('/appdata', 'mesh-inspector'));
    expect(resolveConfigHome({ MESH_INSPECTOR_HOME: '/x/y' }, 'darwin', '/Users/u')).toBe('/x/y');
  });
});

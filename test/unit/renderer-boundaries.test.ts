/**
 * The renderer's dependency direction: features import the store and the pure models, never the
 * other way round. The store, models, lib, api and shared components never import a feature;
 * models import only shared/ and other models; a feature imports another feature only where the
 * shell composes the views (features/shell mounts them, features/events is the Browse slot).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../renderer/src');
const SHARED = path.resolve(SRC, '../../shared');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return walk(full);
    return /\.tsx?$/.test(name) ? [full] : [];
  });
}

const files = walk(SRC);
const rel = (f: string) => path.relative(SRC, f).split(path.sep).join('/');
const within = (dir: string, p: string) => p.startsWith(dir + path.sep);
const FEATURES = path.join(SRC, 'features');
const featureOf = (p: string) => path.relative(FEATURES, p).split(path.sep)[0]!;

/** Every relative module a file imports or re-exports from, resolved to a path. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s(?:[^;]*?\sfrom\s)?['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => path.resolve(path.dirname(file), m[1]!));
}

describe('renderer dependency direction', () => {
  it('the store, models, lib, api and shared components never import a feature', () => {
    const bad: string[] = [];
    for (const file of files) {
      if (!/^(store|models|lib|api|components)\//.test(rel(file))) continue;
      for (const target of importsOf(file)) if (within(FEATURES, target)) bad.push(`${rel(file)} -> ${path.relative(SRC, target)}`);
    }
    expect(bad).toEqual([]);
  });

  it('models are pure: they import only shared/ and other models', () => {
    const bad: string[] = [];
    for (const file of files) {
      if (!rel(file).startsWith('models/')) continue;
      for (const target of importsOf(file)) {
        if (!within(path.join(SRC, 'models'), target) && !within(SHARED, target)) bad.push(`${rel(file)} -> ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('a feature imports another feature only where the shell composes the views', () => {
    const composers = new Set(['shell', 'events']);
    const bad: string[] = [];
    for (const file of files) {
      if (!within(FEATURES, file) || composers.has(featureOf(file))) continue;
      for (const target of importsOf(file)) {
        if (within(FEATURES, target) && featureOf(target) !== featureOf(file)) bad.push(`${rel(file)} -> ${path.relative(SRC, target)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('sees the imports it checks', () => {
    // Guards the scan itself: the publisher slice imports the batch source model.
    expect(importsOf(path.join(SRC, 'store/publisher-slice.ts'))).toContain(path.join(SRC, 'models/batch-source'));
  });
});

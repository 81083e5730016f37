/**
 * The renderer's stylesheet rules (styles/index.css), checked on the sources so a new rule cannot
 * quietly break them:
 * - every stylesheet puts all its rules in one cascade layer: tokens, base, components (styles/)
 *   or features (a feature's folder, app/), and the entry declares the layers' order first;
 * - paddings, margins and gaps use the spacing scale (var(--sp-N)), never a raw length;
 * - colours are written only in tokens.css;
 * - every class a stylesheet styles is used by the views (no dead rules);
 * - main.tsx loads the stylesheet entry before any view, so the order statement opens the bundle.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../renderer/src');
const LAYERS = ['tokens', 'base', 'components', 'features'];

function walk(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return walk(full, ext);
    return ext.test(name) ? [full] : [];
  });
}

const rel = (f: string) => path.relative(SRC, f).split(path.sep).join('/');
const cssFiles = walk(SRC, /\.css$/).filter((f) => rel(f) !== 'styles/index.css');
const sourceFiles = walk(SRC, /\.tsx?$/);
const stripComments = (css: string) => css.replace(/\/\*[\s\S]*?\*\//g, '');

/** The layer a stylesheet must use, from where it lives. */
function expectedLayer(file: string): string {
  const r = rel(file);
  if (r === 'styles/tokens.css') return 'tokens';
  if (r === 'styles/base.css') return 'base';
  if (r.startsWith('styles/components/')) return 'components';
  return 'features';
}

/** Top-level statements of a stylesheet: `@layer x { ... }` blocks and anything else. */
function topLevel(css: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of css) {
    cur += c;
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) {
        out.push(cur.trim());
        cur = '';
      }
    } else if (c === ';' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    }
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Every declaration `prop: value` of a stylesheet (custom properties included). */
function declarations(css: string): Array<{ prop: string; value: string }> {
  const out: Array<{ prop: string; value: string }> = [];
  for (const m of stripComments(css).matchAll(/(?:^|[;{])\s*(-{0,2}[a-z][\w-]*)\s*:\s*([^;{}]+)(?=;|})/g)) {
    out.push({ prop: m[1]!, value: m[2]!.trim() });
  }
  return out;
}

describe('renderer stylesheets', () => {
  it('the entry declares the layer order first, then imports tokens, base and the components', () => {
    const entry = stripComments(readFileSync(path.join(SRC, 'styles/index.css'), 'utf8'));
    const statements = topLevel(entry);
    expect(statements[0]).toBe(`@layer ${LAYERS.join(', ')};`);
    for (const s of statements.slice(1)) expect(s).toMatch(/^@import '\.\/[\w/-]+\.css';$/);
    const imported = statements.slice(1).map((s) => path.join(SRC, 'styles', /'\.\/(.+)'/.exec(s)![1]!));
    expect(imported.sort()).toEqual(cssFiles.filter((f) => rel(f).startsWith('styles/')).sort());
  });

  it('main.tsx loads the stylesheet entry before any view', () => {
    const main = readFileSync(path.join(SRC, 'main.tsx'), 'utf8');
    const imports = [...main.matchAll(/^import [^;]*?['"]([^'"]+)['"];/gm)].map((m) => m[1]);
    expect(imports.slice(0, 2)).toEqual(['./csp-setup', './styles/index.css']);
  });

  it.each(cssFiles.map((f) => [rel(f), f]))('%s puts every rule in its layer', (_name, file) => {
    const statements = topLevel(stripComments(readFileSync(file, 'utf8')));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(new RegExp(`^@layer ${expectedLayer(file)} \\{`));
  });

  it('paddings, margins and gaps use the spacing scale', () => {
    const scale = new Set(
      declarations(readFileSync(path.join(SRC, 'styles/tokens.css'), 'utf8'))
        .filter((d) => d.prop.startsWith('--sp-'))
        .map((d) => d.prop),
    );
    expect(scale.size).toBeGreaterThan(8);
    const bad: string[] = [];
    for (const file of cssFiles) {
      for (const d of declarations(readFileSync(file, 'utf8'))) {
        // A component's spacing knobs (`--seg-pad`, `--seg-gap`) are spacings too.
        const spacing = /^(padding|margin|gap|row-gap|column-gap)(-(top|right|bottom|left))?$/.test(d.prop) || /^--[\w-]+-(pad|gap|padding|margin)$/.test(d.prop);
        if (!spacing) continue;
        // Allowed: 0, auto, a scale step, or calc() over scale steps and named sizes (custom properties).
        const rest = d.value
          .replace(/var\((--sp-[\w-]+)\)/g, (m, name: string) => (scale.has(name) ? ' ' : m))
          .replace(/var\(--[\w-]+\)/g, (m) => (m.startsWith('var(--sp-') ? m : ' '))
          .replace(/calc\(|\)|[*+-]|\b-?1\b/g, ' ')
          .replace(/\b(0|auto)\b/g, ' ');
        if (rest.trim() !== '') bad.push(`${rel(file)}: ${d.prop}: ${d.value}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('colours are written only in tokens.css', () => {
    const bad: string[] = [];
    for (const file of cssFiles) {
      if (rel(file) === 'styles/tokens.css') continue;
      for (const d of declarations(readFileSync(file, 'utf8'))) {
        if (/#[0-9a-fA-F]{3,8}\b|\b(rgba?|hsla?|hwb|lab|lch|oklab|oklch)\(|\b(white|black)\b/.test(d.value)) bad.push(`${rel(file)}: ${d.prop}: ${d.value}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('every class a stylesheet styles is used by a view', () => {
    const sources = sourceFiles.map((f) => readFileSync(f, 'utf8')).join('\n');
    // Classes built at run time: `hv-tile-${tone}`, `pill-${state}`, ...
    const prefixes = [...sources.matchAll(/([a-z][\w-]*-)\$\{/g)].map((m) => m[1]!);
    const unused: string[] = [];
    for (const file of cssFiles) {
      const css = stripComments(readFileSync(file, 'utf8')).replace(/\{[^{}]*\}/g, '{}');
      for (const m of css.matchAll(/\.([a-z][\w-]*)/g)) {
        const cls = m[1]!;
        const literal = new RegExp(`(^|[^\\w-])${cls}($|[^\\w-])`).test(sources);
        if (!literal && !prefixes.some((p) => cls.startsWith(p))) unused.push(`${rel(file)}: .${cls}`);
      }
    }
    expect([...new Set(unused)]).toEqual([]);
  });
});

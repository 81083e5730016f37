/**
 * A structural diff of two JSON texts (issue 13: a collision's copies side by side), computed on
 * the text spans (shared/json-text), never on parsed values: `12.50` and `12.5`, or two integers
 * past 2^53 that JSON.parse would round alike, are different, as they are to a consumer comparing
 * bytes. Objects are compared by key as written, arrays by index, everything else by its literal.
 * Pure: no DOM.
 *
 * Paths: `$`, then `."key"` (the key as written, quotes included) or `[i]` per level, so a path
 * never depends on how a key would be decoded. `pathLabel` turns one into `$.key[0]` for people.
 */
import { membersOf, rootSpan, type JsonKind, type JsonMember } from '../../../shared/json-text';

/** How a node of one side relates to the other side. */
export type DiffMark = 'changed' | 'added' | 'removed' | 'inner';

export interface JsonDiff {
  /** Marks of the left tree's nodes: changed, removed (only on the left), inner (a descendant differs). */
  left: Map<string, DiffMark>;
  /** Marks of the right tree's nodes: changed, added (only on the right), inner. */
  right: Map<string, DiffMark>;
  /** The differing leaves' paths, in document order (left first), at most MAX_PATHS. */
  paths: string[];
  /** How many differences in all. */
  count: number;
  /** The texts were too big to compare whole: some differences may be missing. */
  partial: boolean;
  /** One side is not a single JSON value. */
  invalid: boolean;
}

const MAX_NODES = 50_000;
const MAX_PATHS = 200;

interface Span {
  kind: JsonKind;
  start: number;
  end: number;
}

export function diffJson(a: string, b: string): JsonDiff {
  const out: JsonDiff = { left: new Map(), right: new Map(), paths: [], count: 0, partial: false, invalid: false };
  const ra = rootSpan(a);
  const rb = rootSpan(b);
  if (!ra || !rb) {
    out.invalid = true;
    if (a !== b) {
      out.count = 1;
      out.paths.push('$');
      out.left.set('$', 'changed');
      out.right.set('$', 'changed');
    }
    return out;
  }
  let budget = MAX_NODES;
  const note = (path: string) => {
    out.count++;
    if (out.paths.length < MAX_PATHS) out.paths.push(path);
  };
  const all = (text: string, s: Span): JsonMember[] => {
    const page = membersOf(text, s.start, Math.max(0, budget));
    budget -= page.members.length;
    if (page.next >= 0) out.partial = true;
    return page.members;
  };
  const walk = (path: string, x: Span, y: Span): boolean => {
    if (--budget < 0) {
      out.partial = true;
      return false;
    }
    const container = x.kind === y.kind && (x.kind === 'object' || x.kind === 'array');
    if (!container) {
      if (a.slice(x.start, x.end) === b.slice(y.start, y.end)) return false;
      out.left.set(path, 'changed');
      out.right.set(path, 'changed');
      note(path);
      return true;
    }
    const xs = all(a, x);
    const ys = all(b, y);
    let differs = false;
    if (x.kind === 'object') {
      const byKey = new Map<string, JsonMember>();
      for (const m of ys) byKey.set(m.keyRaw as string, m);
      const seen = new Set<string>();
      for (const m of xs) {
        const k = m.keyRaw as string;
        seen.add(k);
        const p = `${path}.${k}`;
        const other = byKey.get(k);
        if (!other) {
          out.left.set(p, 'removed');
          note(p);
          differs = true;
        } else if (walk(p, m, other)) differs = true;
      }
      for (const m of ys) {
        const k = m.keyRaw as string;
        if (seen.has(k)) continue;
        const p = `${path}.${k}`;
        out.right.set(p, 'added');
        note(p);
        differs = true;
      }
    } else {
      const n = Math.max(xs.length, ys.length);
      for (let i = 0; i < n; i++) {
        const p = `${path}[${i}]`;
        const mx = xs[i];
        const my = ys[i];
        if (mx && my) {
          if (walk(p, mx, my)) differs = true;
        } else if (mx) {
          out.left.set(p, 'removed');
          note(p);
          differs = true;
        } else if (my) {
          out.right.set(p, 'added');
          note(p);
          differs = true;
        }
      }
    }
    if (differs) {
      if (!out.left.has(path)) out.left.set(path, 'inner');
      if (!out.right.has(path)) out.right.set(path, 'inner');
    }
    return differs;
  };
  walk('$', ra, rb);
  return out;
}

/** `$."order"."items"[2]` → `$.order.items[2]` (keys that are not plain names stay quoted). */
export function pathLabel(path: string): string {
  return path.replace(/\."((?:[^"\\]|\\.)*)"/g, (whole, key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${whole.slice(1)}]`));
}

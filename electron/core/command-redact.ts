/**
 * A logged Redis command with its values removed (issue 17's slow log): the command name, a
 * subcommand, and key names are kept; every other argument is shown as `?`. Pure: which arguments
 * are keys comes from the server's own `COMMAND INFO` (key specifications on Redis 7, first/last/
 * step before), parsed here, so no command table of our own can fall out of date.
 *
 * Safe by default: an argument is shown only when the server's metadata says it is a key (or a
 * subcommand name); a command Redis does not describe, a key spec this module does not know, or a
 * position that depends on the argument count of a truncated slow-log entry shows `?`.
 */

/** How Redis locates one group of keys in a command's arguments (`COMMAND INFO`, element 9 on Redis 7). */
export interface KeySpec {
  begin: { type: 'index'; index: number } | { type: 'keyword'; keyword: string; startfrom: number } | { type: 'unknown' };
  find: { type: 'range'; lastkey: number; keystep: number; limit: number } | { type: 'keynum'; keynumidx: number; firstkey: number; keystep: number } | { type: 'unknown' };
}

/** What `COMMAND INFO` says of one command (or `container|subcommand`). */
export interface CommandMeta {
  name: string;
  /** Legacy key positions (first, last, step); 0 0 0 when none or movable. */
  firstKey: number;
  lastKey: number;
  step: number;
  movableKeys: boolean;
  keySpecs: KeySpec[];
  /** Subcommands by full name (`config|set`), Redis 7. */
  subcommands: Map<string, CommandMeta>;
}

/**
 * Commands whose first argument is a verb even where the server lists no subcommands for them
 * (DEBUG on every version; containers on servers before 7.0). Only a plain word is kept.
 */
const VERB_FIRST = new Set(['debug', 'config', 'client', 'cluster', 'object', 'memory', 'xinfo', 'xgroup', 'script', 'function', 'acl', 'command', 'latency', 'slowlog', 'module', 'pubsub']);

/** Redis' own marker for the arguments a slow-log entry left out. */
const MORE_ARGS = /^\.\.\. \(\d+ more arguments?\)$/;

/** One parsed `COMMAND INFO` entry (RESP2 arrays of strings and numbers); null for a nil entry. */
export function parseCommandInfo(entry: unknown): CommandMeta | null {
  if (!Array.isArray(entry) || typeof entry[0] !== 'string') return null;
  const flags = Array.isArray(entry[2]) ? (entry[2] as unknown[]).map(String) : [];
  const meta: CommandMeta = {
    name: entry[0].toLowerCase(),
    firstKey: Number(entry[3]) || 0,
    lastKey: Number(entry[4]) || 0,
    step: Number(entry[5]) || 0,
    movableKeys: flags.includes('movablekeys'),
    keySpecs: Array.isArray(entry[8]) ? (entry[8] as unknown[]).map(parseKeySpec) : [],
    subcommands: new Map(),
  };
  if (Array.isArray(entry[9])) {
    for (const sub of entry[9] as unknown[]) {
      const m = parseCommandInfo(sub);
      if (m) meta.subcommands.set(m.name, m);
    }
  }
  return meta;
}

function fields(list: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (Array.isArray(list)) for (let i = 0; i + 1 < list.length; i += 2) out.set(String(list[i]), list[i + 1]);
  return out;
}

function parseKeySpec(raw: unknown): KeySpec {
  const f = fields(raw);
  const bs = fields(f.get('begin_search'));
  const bsSpec = fields(bs.get('spec'));
  const fk = fields(f.get('find_keys'));
  const fkSpec = fields(fk.get('spec'));
  const n = (m: Map<string, unknown>, k: string) => Number(m.get(k));
  const begin: KeySpec['begin'] =
    bs.get('type') === 'index'
      ? { type: 'index', index: n(bsSpec, 'index') }
      : bs.get('type') === 'keyword'
        ? { type: 'keyword', keyword: String(bsSpec.get('keyword') ?? ''), startfrom: n(bsSpec, 'startfrom') }
        : { type: 'unknown' };
  const find: KeySpec['find'] =
    fk.get('type') === 'range'
      ? { type: 'range', lastkey: n(fkSpec, 'lastkey'), keystep: n(fkSpec, 'keystep') || 1, limit: n(fkSpec, 'limit') || 0 }
      : fk.get('type') === 'keynum'
        ? { type: 'keynum', keynumidx: n(fkSpec, 'keynumidx'), firstkey: n(fkSpec, 'firstkey'), keystep: n(fkSpec, 'keystep') || 1 }
        : { type: 'unknown' };
  return { begin, find };
}

/**
 * The argument positions (argv[0] is the command name) that hold keys, as Redis' getKeysUsingKeySpecs
 * finds them. `complete` false: argv is a truncated slow-log entry, so positions counted from its
 * end are not trusted.
 */
export function keyPositions(argv: readonly string[], meta: CommandMeta, complete: boolean): Set<number> {
  const out = new Set<number>();
  const argc = argv.length;
  if (meta.keySpecs.length === 0) {
    // Before Redis 7: the legacy triple, when the keys are not movable.
    if (meta.movableKeys || meta.firstKey <= 0) return out;
    const last = meta.lastKey >= 0 ? meta.lastKey : complete ? argc + meta.lastKey : -1;
    for (let i = meta.firstKey; i <= last && i < argc; i += Math.max(1, meta.step)) out.add(i);
    return out;
  }
  for (const spec of meta.keySpecs) {
    let first = 0;
    if (spec.begin.type === 'index') first = spec.begin.index;
    else if (spec.begin.type === 'keyword') {
      const { keyword, startfrom } = spec.begin;
      if (startfrom < 0 && !complete) continue;
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 0;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (argv[i]!.toLowerCase() === keyword.toLowerCase()) {
          first = i + 1;
          break;
        }
      }
    } else continue;
    if (first <= 0) continue;
    let last: number;
    let step: number;
    if (spec.find.type === 'range') {
      step = spec.find.keystep;
      if (spec.find.lastkey >= 0) last = first + spec.find.lastkey;
      else if (!complete) continue;
      else if (spec.find.limit === 0) last = argc + spec.find.lastkey;
      else last = first + (Math.floor((argc - first) / spec.find.limit) + spec.find.lastkey);
    } else if (spec.find.type === 'keynum') {
      step = spec.find.keystep;
      const numkeys = Number(argv[first + spec.find.keynumidx]);
      if (!Number.isInteger(numkeys) || numkeys < 0) continue;
      first += spec.find.firstkey;
      last = first + numkeys - 1;
    } else continue;
    for (let i = first; i <= last; i += Math.max(1, step)) {
      if (i >= argc || i < 1) break;
      out.add(i);
    }
  }
  return out;
}

/**
 * The command as it may be shown: `SET user:1 ?`, `CONFIG SET ? ?`, `DEBUG SLEEP ?`. Keys are
 * kept (quoted when they hold a space or are empty), a subcommand is kept in capitals, Redis' own
 * "... (N more arguments)" marker is kept, everything else is `?`. Without `meta` only the name.
 */
export function redactCommand(argv: readonly string[], meta: CommandMeta | undefined): { text: string; name: string; keys: string[] } {
  if (argv.length === 0) return { text: '', name: '', keys: [] };
  const name = argv[0]!.toLowerCase();
  const last = argv[argv.length - 1]!;
  const truncated = argv.length > 1 && MORE_ARGS.test(last);
  const args = truncated ? argv.slice(0, -1) : argv;
  let effective = meta;
  let keepSub = false;
  const sub = args[1];
  if (sub !== undefined && meta) {
    const m = meta.subcommands.get(`${name}|${sub.toLowerCase()}`);
    if (m) {
      effective = m;
      keepSub = true;
    }
  }
  // Only where the server lists no subcommands of its own (DEBUG; containers before Redis 7).
  if (!keepSub && sub !== undefined && VERB_FIRST.has(name) && (!meta || meta.subcommands.size === 0) && /^[A-Za-z][A-Za-z-]{0,31}$/.test(sub)) keepSub = true;
  const keys = effective ? keyPositions(args, effective, !truncated) : new Set<number>();
  const shown: string[] = [name.toUpperCase()];
  const keyNames: string[] = [];
  for (let i = 1; i < args.length; i++) {
    if (i === 1 && keepSub) shown.push(sub!.toUpperCase());
    else if (keys.has(i)) {
      keyNames.push(args[i]!);
      shown.push(/[\s"]/.test(args[i]!) || args[i] === '' ? JSON.stringify(args[i]) : args[i]!);
    } else shown.push('?');
  }
  if (truncated) shown.push(last);
  return { text: shown.join(' '), name: keepSub ? `${name}|${sub!.toLowerCase()}` : name, keys: keyNames };
}

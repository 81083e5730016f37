/**
 * Command-line parsing for `mesh-inspector` (cli.md "Invocation"), pure: argv and environment in,
 * a validated command line out, or a MeshError of kind `usage` whose message names the option.
 * Knows nothing about what commands do; each command declares its options in a `CommandSpec`.
 */
import { usageError } from '../../shared/errors';
import { redactUrl } from '../../shared/redact';
import { parseShardId, prefixProblem } from '../../shared/stream-key';

/** How an option's value is read. `flag` takes no value; `multi` options may repeat. */
export type OptionKind = 'flag' | 'string' | 'shard' | 'count' | 'u64' | 'stream-id' | 'hex-nonce' | 'port';

export interface OptionSpec {
  /** Without the leading dashes: `shard` for `--shard`. */
  name: string;
  kind: OptionKind;
  /** Placeholder shown in help: `<n>`. */
  value?: string;
  description: string;
  /** May be given several times; the parsed value is then an array. */
  multi?: boolean;
  required?: boolean;
  /** For `count`: inclusive bounds (defaults 0 and Number.MAX_SAFE_INTEGER). */
  min?: number;
  max?: number;
}

/** What a command declares about its command line. */
export interface CommandSpec {
  name: string;
  summary: string;
  /** Usage line after `mesh-inspector <name>`. */
  usage: string;
  options: OptionSpec[];
}

export type OptionValue = string | number | bigint | boolean | Array<string | number | bigint>;

/** Global options shared by every command (cli.md "Invocation"), already defaulted. */
export interface GlobalOptions {
  url: string;
  prefix: string;
  timeoutMs: number;
  json: boolean;
  /** `--cluster`: force Redis Cluster mode (otherwise detected with INFO cluster). */
  cluster: boolean;
  /** `--sentinel host:port[,host:port...]`, always together with `masterName`. */
  sentinel?: string;
  masterName?: string;
  /** The sentinels' own password, from `MESH_SENTINEL_PASSWORD` (never from the command line). */
  sentinelPassword?: string;
  tls: { caFile?: string; certFile?: string; keyFile?: string; servername?: string };
}

export type ParsedCommandLine =
  | { kind: 'help'; command?: string; global: GlobalOptions }
  | { kind: 'version'; global: GlobalOptions }
  | { kind: 'run'; command: string; global: GlobalOptions; options: Record<string, OptionValue> };

export const DEFAULT_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_PREFIX = 'net';
export const DEFAULT_TIMEOUT_MS = 1000;
/** A command timeout past 10 minutes is a typo, not an intention. */
export const MAX_TIMEOUT_MS = 600_000;

export const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: 'url', kind: 'string', value: '<redis-url>', description: `Redis URL (default $MESH_REDIS_URL or ${DEFAULT_URL})` },
  { name: 'prefix', kind: 'string', value: '<prefix>', description: `the bus's stream prefix (default ${DEFAULT_PREFIX})` },
  { name: 'timeout-ms', kind: 'count', value: '<n>', min: 1, max: MAX_TIMEOUT_MS, description: `command timeout in ms (default ${DEFAULT_TIMEOUT_MS})` },
  { name: 'json', kind: 'flag', description: 'one JSON document on stdout' },
  { name: 'cluster', kind: 'flag', description: 'Redis Cluster (detected from any node without it; this forces it)' },
  { name: 'sentinel', kind: 'string', value: '<host:port,...>', description: 'connect through Sentinel (sentinel password: $MESH_SENTINEL_PASSWORD)' },
  { name: 'master-name', kind: 'string', value: '<name>', description: 'the master name Sentinel monitors (with --sentinel)' },
  { name: 'tls-ca', kind: 'string', value: '<file>', description: 'CA certificate file (rediss://)' },
  { name: 'tls-cert', kind: 'string', value: '<file>', description: 'client certificate file (rediss://)' },
  { name: 'tls-key', kind: 'string', value: '<file>', description: 'client key file (rediss://)' },
  { name: 'tls-servername', kind: 'string', value: '<name>', description: 'TLS server name (SNI)' },
  { name: 'help', kind: 'flag', description: 'show help' },
  { name: 'version', kind: 'flag', description: 'print the version' },
];

/**
 * Parses `argv` (without `node` and the script) against the global options and the given
 * commands. Global options may come before or after the command, a command's own options after
 * it; each as `--name value` or `--name=value`.
 *
 * Guarantees: on success every value has its declared type and bounds, required options are
 * present, non-`multi` options were given at most once. `--help` and `--version` win over
 * everything else except an unknown command or option. Otherwise throws `usageError`, naming the
 * option (or argument) at fault.
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  commands: readonly CommandSpec[],
): ParsedCommandLine {
  let command: CommandSpec | undefined;
  const raw = new Map<string, Array<string | true>>();
  const owner = new Map<string, OptionSpec>();
  for (const spec of GLOBAL_OPTIONS) owner.set(spec.name, spec);

  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k]!;
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const spec = owner.get(name) ?? findOption(command, name);
      if (!spec) {
        const where = command ? ` for "${command.name}"` : '';
        throw usageError(`unknown option --${name}${where}; see --help`);
      }
      let value: string | true;
      if (spec.kind === 'flag') {
        if (eq >= 0) throw usageError(`--${name} takes no value`);
        value = true;
      } else if (eq >= 0) {
        value = arg.slice(eq + 1);
      } else {
        const next = argv[k + 1];
        if (next === undefined || (next.startsWith('--') && next.length > 2)) {
          throw usageError(`--${name} needs a value ${spec.value ?? ''}`.trimEnd());
        }
        value = next;
        k++;
      }
      const list = raw.get(name) ?? [];
      list.push(value);
      raw.set(name, list);
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') {
      if (arg === '-h') {
        raw.set('help', [true]);
        continue;
      }
      throw usageError(`unknown option ${arg}; options are written --name (see --help)`);
    }
    if (command) throw usageError(`unexpected argument "${shorten(arg)}" after the command "${command.name}"`);
    command = commands.find((c) => c.name === arg);
    if (!command) {
      const names = commands.map((c) => c.name).join(', ');
      throw usageError(`unknown command "${shorten(arg)}"; commands: ${names}`);
    }
    for (const spec of command.options) owner.set(spec.name, spec);
  }

  const global = globalOptions(raw, env);
  if (raw.has('help')) return command ? { kind: 'help', command: command.name, global } : { kind: 'help', global };
  if (raw.has('version')) return { kind: 'version', global };
  if (!command) throw usageError('no command given; see --help');

  const options: Record<string, OptionValue> = {};
  for (const spec of command.options) {
    const given = raw.get(spec.name);
    if (!given) {
      if (spec.required) throw usageError(`${command.name} needs --${spec.name} ${spec.value ?? ''}`.trimEnd());
      continue;
    }
    if (!spec.multi && given.length > 1) throw usageError(`--${spec.name} was given more than once`);
    const values = given.map((v) => convert(spec, v));
    options[spec.name] = spec.multi ? (values as Array<string | number | bigint>) : values[0]!;
  }
  return { kind: 'run', command: command.name, global, options };
}

function globalOptions(raw: Map<string, Array<string | true>>, env: Readonly<Record<string, string | undefined>>): GlobalOptions {
  for (const spec of GLOBAL_OPTIONS) {
    const given = raw.get(spec.name);
    if (given && given.length > 1 && spec.kind !== 'flag') throw usageError(`--${spec.name} was given more than once`);
  }
  const one = (name: string): string | undefined => {
    const v = raw.get(name)?.[0];
    return typeof v === 'string' ? v : undefined;
  };
  const envUrl = env.MESH_REDIS_URL;
  const url = one('url') ?? (envUrl !== undefined && envUrl !== '' ? envUrl : DEFAULT_URL);
  if (url === '') throw usageError('--url must not be empty');
  const prefix = one('prefix') ?? DEFAULT_PREFIX;
  if (prefix === '') throw usageError('--prefix must not be empty');
  const prefixRefused = prefixProblem(prefix);
  if (prefixRefused !== null) throw usageError(`--prefix: ${prefixRefused}`);
  const timeoutText = one('timeout-ms');
  const timeoutMs = timeoutText === undefined ? DEFAULT_TIMEOUT_MS : (convert(GLOBAL_OPTIONS[2]!, timeoutText) as number);
  const tls: GlobalOptions['tls'] = {};
  const file = (name: string): string | undefined => {
    const v = one(name);
    if (v === '') throw usageError(`--${name} must not be empty`);
    return v;
  };
  const caFile = file('tls-ca');
  const certFile = file('tls-cert');
  const keyFile = file('tls-key');
  const servername = file('tls-servername');
  if (caFile !== undefined) tls.caFile = caFile;
  if (certFile !== undefined) tls.certFile = certFile;
  if (keyFile !== undefined) tls.keyFile = keyFile;
  if (servername !== undefined) tls.servername = servername;
  const out: GlobalOptions = { url, prefix, timeoutMs, json: raw.has('json'), cluster: raw.has('cluster'), tls };
  const sentinel = file('sentinel');
  const masterName = file('master-name');
  if (sentinel !== undefined) out.sentinel = sentinel;
  if (masterName !== undefined) out.masterName = masterName;
  if (sentinel !== undefined && out.cluster) throw usageError('--cluster and --sentinel exclude each other: a Sentinel-managed master is not a Cluster');
  if (sentinel !== undefined && masterName === undefined) throw usageError('--sentinel needs --master-name <name> (the name in "sentinel monitor <name> ...")');
  if (masterName !== undefined && sentinel === undefined) throw usageError('--master-name needs --sentinel host:port[,host:port...]');
  const sentinelPassword = env.MESH_SENTINEL_PASSWORD;
  if (sentinel !== undefined && sentinelPassword !== undefined && sentinelPassword !== '') out.sentinelPassword = sentinelPassword;
  return out;
}

function findOption(command: CommandSpec | undefined, name: string): OptionSpec | undefined {
  return command?.options.find((o) => o.name === name);
}

const U64_MAX = 18446744073709551615n;

function convert(spec: OptionSpec, value: string | true): OptionValue {
  if (value === true) return true;
  const name = `--${spec.name}`;
  switch (spec.kind) {
    case 'flag':
      return true;
    case 'string':
      if (value === '') throw usageError(`${name} must not be empty`);
      return value;
    case 'shard': {
      // Same canonical rule as shard keys (cli.md `shards`), so the id names the key net-mesh writes.
      const parsed = parseShardId(value);
      if (typeof parsed !== 'number') throw usageError(`${name}: ${parsed.reason}`);
      return parsed;
    }
    case 'port': {
      if (!/^\d+$/.test(value) || Number(value) > 65535) throw usageError(`${name} must be a port 0..65535 (got "${shorten(value)}")`);
      return Number(value);
    }
    case 'count': {
      const min = spec.min ?? 0;
      const max = spec.max ?? Number.MAX_SAFE_INTEGER;
      if (!/^\d+$/.test(value)) throw usageError(`${name} must be a whole number ${min}..${max} (got "${shorten(value)}")`);
      const n = Number(value);
      if (n > max) throw usageError(`${name} ${shorten(value)} is too large (at most ${max})`);
      if (n < min) throw usageError(`${name} ${value} is too small (at least ${min})`);
      return n;
    }
    case 'u64': {
      if (!/^\d+$/.test(value) || BigInt(value) > U64_MAX) {
        throw usageError(`${name} must be a whole number 0..${U64_MAX} (got "${shorten(value)}")`);
      }
      return BigInt(value);
    }
    case 'stream-id': {
      const m = /^(\d+)-(\d+)$/.exec(value);
      if (!m || BigInt(m[1]!) > U64_MAX || BigInt(m[2]!) > U64_MAX) {
        throw usageError(`${name} must be a stream id <ms>-<seq> (got "${shorten(value)}")`);
      }
      // Canonical text: Redis answers with canonical ids, and `nextId` values are canonical.
      return `${BigInt(m[1]!)}-${BigInt(m[2]!)}`;
    }
    case 'hex-nonce': {
      const m = /^(?:0x)?([0-9a-fA-F]{1,16})$/.exec(value);
      if (!m) throw usageError(`${name} must be 1 to 16 hex digits (got "${shorten(value)}")`);
      const n = BigInt(`0x${m[1]!}`);
      // net-mesh never uses nonce 0 (contract 1.3); an id with nonce 0 is no producer's.
      if (n === 0n) throw usageError(`${name} must not be 0 (net-mesh nonces are never 0)`);
      return n;
    }
  }
}

/**
 * An argument as a message may quote it: a URL-looking one (`://` or `@`, e.g. a URL given without
 * `--url`) in its display form, so a password in it is never echoed; then cut to 40 characters.
 */
function shorten(text: string): string {
  const safe = text.includes('://') || text.includes('@') ? redactUrl(text) : text;
  return safe.length > 40 ? `${safe.slice(0, 37)}...` : safe;
}

/** The help text: every command with its summary, or one command's usage and options. */
export function helpText(commands: readonly CommandSpec[], commandName?: string): string {
  const fmt = (o: OptionSpec) => `  --${o.name}${o.value ? ` ${o.value}` : ''}`.padEnd(34) + o.description;
  const command = commandName ? commands.find((c) => c.name === commandName) : undefined;
  if (command) {
    const lines = [`usage: mesh-inspector ${command.name} ${command.usage}`.trimEnd(), '', command.summary, ''];
    if (command.options.length > 0) lines.push('options:', ...command.options.map(fmt), '');
    lines.push('global options:', ...GLOBAL_OPTIONS.map(fmt));
    return `${lines.join('\n')}\n`;
  }
  const width = Math.max(...commands.map((c) => c.name.length), 8) + 4;
  const lines = [
    'usage: mesh-inspector <command> [options]',
    '',
    'Inspects a net-mesh event bus on Redis Streams.',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'global options:',
    ...GLOBAL_OPTIONS.map(fmt),
    '',
    'exit codes: 0 success, 1 fatal error, 64 usage error, 75 transient error (health: unhealthy)',
    'mesh-inspector <command> --help shows the options of a command.',
  ];
  return `${lines.join('\n')}\n`;
}

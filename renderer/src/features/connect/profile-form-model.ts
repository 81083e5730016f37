import { profileInputSchema, type ProfileInput, type ProfileView } from '../../../../shared/contract';

/** What the form holds: text as typed, so a half-typed number is not lost. */
export interface ProfileDraft {
  id: string | undefined;
  name: string;
  url: string;
  /** Never prefilled; empty keeps a saved password. */
  password: string;
  forgetPassword: boolean;
  prefix: string;
  commandTimeoutMs: string;
  readOnly: boolean;
  /** Topology & TLS (a collapsed section of the form). */
  topologyMode: TopologyMode;
  /** Sentinel only: `host:port, host:port`. */
  sentinels: string;
  masterName: string;
  /** Sentinel only: the sentinels' own password. Never prefilled; empty keeps a saved one. */
  sentinelPassword: string;
  forgetSentinelPassword: boolean;
  tlsCaFile: string;
  tlsCertFile: string;
  tlsKeyFile: string;
  tlsServername: string;
}

export type TopologyMode = 'auto' | 'standalone' | 'cluster' | 'sentinel';

export type DraftField = 'name' | 'url' | 'password' | 'prefix' | 'commandTimeoutMs' | 'sentinels' | 'masterName' | 'sentinelPassword' | 'tls';
export type DraftErrors = Partial<Record<DraftField, string>>;

export const DEFAULT_PREFIX = 'net';
export const DEFAULT_TIMEOUT_MS = 1000;

const NO_TOPOLOGY_TLS = { topologyMode: 'auto', sentinels: '', masterName: '', sentinelPassword: '', forgetSentinelPassword: false, tlsCaFile: '', tlsCertFile: '', tlsKeyFile: '', tlsServername: '' } as const;

export function emptyDraft(): ProfileDraft {
  return { id: undefined, name: '', url: '', password: '', forgetPassword: false, prefix: DEFAULT_PREFIX, commandTimeoutMs: String(DEFAULT_TIMEOUT_MS), readOnly: false, ...NO_TOPOLOGY_TLS };
}

/** True when the draft sets anything in the Topology & TLS section (the form opens it then). */
export function hasTopologyOrTls(d: ProfileDraft): boolean {
  return d.topologyMode !== 'auto' || [d.tlsCaFile, d.tlsCertFile, d.tlsKeyFile, d.tlsServername].some((v) => v.trim() !== '');
}

/** A saved profile, back in the form: the address without credentials, the user name kept, no password. */
export function draftFromProfile(p: ProfileView): ProfileDraft {
  const url = p.username ? p.address.replace('://', `://${encodeURIComponent(p.username)}@`) : p.address;
  return {
    id: p.id,
    name: p.name,
    url,
    password: '',
    forgetPassword: false,
    prefix: p.prefix,
    commandTimeoutMs: String(p.commandTimeoutMs),
    readOnly: p.readOnly,
    topologyMode: p.topology?.mode ?? 'auto',
    sentinels: p.topology?.sentinels ?? '',
    masterName: p.topology?.masterName ?? '',
    sentinelPassword: '',
    forgetSentinelPassword: false,
    tlsCaFile: p.tls?.caFile ?? '',
    tlsCertFile: p.tls?.certFile ?? '',
    tlsKeyFile: p.tls?.keyFile ?? '',
    tlsServername: p.tls?.servername ?? '',
  };
}

/** The name a profile gets when the user leaves it blank: the server's host and port. */
export function defaultName(url: string): string {
  try {
    const u = new URL(url.trim());
    return u.host || url.trim();
  } catch {
    return '';
  }
}

const sentence = (m: string) => m.charAt(0).toUpperCase() + m.slice(1);

function checkUrl(url: string): string | undefined {
  const t = url.trim();
  if (t === '') return 'A URL is required, e.g. redis://127.0.0.1:6379';
  if (!/^rediss?:\/\//i.test(t)) return 'The URL must start with redis:// or rediss:// (TLS)';
  try {
    const u = new URL(t);
    if (!u.hostname) return 'The URL needs a host';
    if (u.pathname && u.pathname !== '/' && !/^\/\d+$/.test(u.pathname)) return 'The path, when present, is a database number: /0';
  } catch {
    return 'This is not a valid URL';
  }
  return undefined;
}

/**
 * Checks a draft and builds the request. The same schema the core parses at the gate decides,
 * so the form cannot accept what the core would refuse; URL checks come first for a friendlier
 * message than the core's.
 */
export function validateDraft(d: ProfileDraft): { ok: true; input: ProfileInput } | { ok: false; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const urlError = checkUrl(d.url);
  if (urlError) errors.url = urlError;
  const timeoutText = d.commandTimeoutMs.trim();
  const timeout = /^\d+$/.test(timeoutText) ? Number(timeoutText) : NaN;
  if (!Number.isInteger(timeout) || timeout < 50 || timeout > 60_000) errors.commandTimeoutMs = 'Whole milliseconds, 50 to 60000';
  if (d.prefix.trim() === '') errors.prefix = 'A prefix is required (net-mesh uses net by default)';
  if (d.topologyMode === 'sentinel') {
    if (d.sentinels.trim() === '') errors.sentinels = 'Sentinel needs at least one address, host:port';
    else if (d.sentinels.split(',').some((a) => !/^\s*(?:\[[0-9a-fA-F:.]+\]|[^\s:,/@[\]]+)(?::\d{1,5})?\s*$/.test(a))) {
      errors.sentinels = 'Addresses are host:port, separated by commas';
    }
    if (d.masterName.trim() === '') errors.masterName = 'The master name Sentinel monitors (sentinel monitor <name> ...)';
  }
  const tls = {
    caFile: d.tlsCaFile.trim(),
    certFile: d.tlsCertFile.trim(),
    keyFile: d.tlsKeyFile.trim(),
    servername: d.tlsServername.trim(),
  };
  const anyTls = Object.values(tls).some((v) => v !== '');
  if (anyTls && !/^rediss:\/\//i.test(d.url.trim())) errors.tls = 'TLS settings need a rediss:// URL';
  else if ((tls.certFile === '') !== (tls.keyFile === '')) errors.tls = 'A client certificate needs both the certificate and the key file';

  const input: ProfileInput = {
    ...(d.id ? { id: d.id } : {}),
    name: d.name.trim() || defaultName(d.url),
    url: d.url.trim(),
    ...(d.forgetPassword ? { password: null } : d.password !== '' ? { password: d.password } : {}),
    prefix: d.prefix.trim(),
    commandTimeoutMs: timeout,
    readOnly: d.readOnly,
    ...(d.topologyMode !== 'auto'
      ? { topology: d.topologyMode === 'sentinel' ? { mode: 'sentinel' as const, sentinels: d.sentinels.trim(), masterName: d.masterName.trim() } : { mode: d.topologyMode } }
      : {}),
    // The sentinels' password travels only with the Sentinel mode (the core forgets it otherwise).
    ...(d.topologyMode === 'sentinel'
      ? d.forgetSentinelPassword
        ? { sentinelPassword: null }
        : d.sentinelPassword !== ''
          ? { sentinelPassword: d.sentinelPassword }
          : {}
      : {}),
    ...(anyTls
      ? {
          tls: {
            ...(tls.caFile ? { caFile: tls.caFile } : {}),
            ...(tls.certFile ? { certFile: tls.certFile } : {}),
            ...(tls.keyFile ? { keyFile: tls.keyFile } : {}),
            ...(tls.servername ? { servername: tls.servername } : {}),
          },
        }
      : {}),
  };
  const parsed = profileInputSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0];
      // A blank name is derived from the URL: while the URL is wrong, that is the one to fix.
      if (field === 'name' && errors.url && input.name === '') continue;
      if ((field === 'name' || field === 'url' || field === 'password' || field === 'prefix' || field === 'commandTimeoutMs' || field === 'sentinelPassword') && !errors[field]) {
        errors[field] = sentence(issue.message);
      } else if (field === 'topology' && !errors.sentinels && !errors.masterName) {
        errors.sentinels = sentence(issue.message);
      } else if (field === 'tls' && !errors.tls) {
        errors.tls = sentence(issue.message);
      }
    }
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, input };
}

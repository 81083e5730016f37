/**
 * The one typed contract between the UI and the core. Each request channel has a runtime schema
 * that the main process (Electron IPC) and the browser-mode server (`serve`) parse before any
 * handler runs; the preload API, the main-side registration and the renderer client are all
 * derived from the tables below, so a channel exists in one place only.
 *
 * Responses travel in an envelope (`Envelope`) on both transports, so a failure reaches the UI
 * as data (`MeshErrorInfo`: kind + message + code), never as a transport exception.
 */
import { z } from 'zod';
import type {
  MeshEntry,
  MeshErrorInfo,
  ShardAnalysis,
  ShardPage,
  SkippedKey,
} from './types';

// ---------- shared building blocks ----------

const shardId = z.number().int().min(0).max(65535);
/** Stream ids travel as strings (`<ms>-<seq>`, each a u64); never as JS numbers. */
const streamId = z.string().regex(/^\d{1,20}-\d{1,20}$/, 'a stream id looks like <ms>-<seq>');
const profileId = z.string().min(1).max(64);

export const MAX_PAGE_LIMIT = 1000;
export const MAX_BATCH_EVENTS = 100_000;
export const MAX_BATCH_BYTES = 64 * 1024 * 1024;

export const tlsOptionsSchema = z
  .object({
    caFile: z.string().min(1).max(4096).optional(),
    certFile: z.string().min(1).max(4096).optional(),
    keyFile: z.string().min(1).max(4096).optional(),
    servername: z.string().min(1).max(255).optional(),
  })
  .strict();

export const profileInputSchema = z
  .object({
    /** Absent to create a profile. */
    id: profileId.optional(),
    name: z.string().trim().min(1, 'a profile needs a name').max(100),
    /** redis:// or rediss:// URL. A password inside it is moved to the secret store. */
    url: z.string().min(1, 'a URL is required').max(2048),
    /** A new password; `null` forgets the saved one; absent keeps it. */
    password: z.string().max(1024).nullable().optional(),
    prefix: z.string().min(1, 'a prefix is required').max(256),
    commandTimeoutMs: z.number().int().min(50).max(60_000),
    readOnly: z.boolean(),
    tls: tlsOptionsSchema.optional(),
  })
  .strict();
export type ProfileInput = z.input<typeof profileInputSchema>;

/** What the renderer may know of a profile: never the password. */
export interface ProfileView {
  id: string;
  name: string;
  /** Redacted the way net-mesh's `redact_url` does. */
  url: string;
  /** Scheme, host, port and db without credentials, for editing. */
  address: string;
  username?: string;
  hasPassword: boolean;
  prefix: string;
  commandTimeoutMs: number;
  readOnly: boolean;
  tls?: z.infer<typeof tlsOptionsSchema>;
  demo?: boolean;
}

export type ConnectionState = 'disconnected' | 'connecting' | 'ready' | 'reconnecting' | 'down';

export interface ConnectionStatus {
  state: ConnectionState;
  profileId: string | null;
  /** Redacted URL of the current connection. */
  url: string | null;
  prefix: string | null;
  readOnly: boolean;
  serverVersion?: string;
  /** Epoch ms since when the current state holds. */
  since: number;
  error?: MeshErrorInfo;
}

export interface ShardSummary {
  shard: number;
  key: string;
  length: number;
  firstId: string | null;
  lastId: string | null;
  /** Entries per second over the last refresh interval; null until two samples exist. */
  appendRate: number | null;
}

export interface ShardListResult {
  prefix: string;
  shards: ShardSummary[];
  skipped: SkippedKey[];
  /** Epoch ms of this discovery. */
  at: number;
}

export interface PositionedPage extends ShardPage {
  /** 0-based position of the first entry (oldest first), exact when the index is complete. */
  position: number;
  exact: boolean;
}

export interface IndexStatus {
  shard: number;
  state: 'idle' | 'building' | 'ready' | 'failed';
  indexed: number;
  total: number;
  /** Sparse step: one id kept per `step` entries. */
  step: number;
  error?: MeshErrorInfo;
}

export interface DuplicateMark {
  dedupId: string;
  kind: 'retry' | 'collision';
  /** How many entries of the shard carry this dedup_id. */
  copies: number;
}

export interface PublishPreview {
  key: string;
  nonce: string;
  sequenceStart: string;
  count: number;
  bytes: number;
  /** The exact commands, one per line, payloads shortened for display. */
  commands: string[];
  confirmRequired: boolean;
}

export interface PublishedBatch {
  batchId: string;
  at: number;
  profileId: string;
  shard: number;
  key: string;
  nonce: string;
  sequenceStart: string;
  ids: string[];
  dedupIds: string[];
  latencyMs: number;
  deleted?: boolean;
}

export interface AnalysisProgress {
  jobId: string;
  shard: number;
  shardsDone: number;
  shardsTotal: number;
  entriesDone: number;
  entriesTotal: number;
  entriesPerSec: number;
}

export interface AnalysisReport {
  jobId: string;
  state: 'done' | 'cancelled' | 'failed';
  provenance: { server: string; prefix: string; shards: number[]; startedAt: number; finishedAt: number; appVersion: string };
  shards: ShardAnalysis[];
  skipped: SkippedKey[];
  error?: MeshErrorInfo;
}

export interface HealthSample {
  at: number;
  latencyMs: number | null;
  ok: boolean;
}

export interface HealthSnapshot {
  state: ConnectionState;
  since: number;
  /** Epoch ms of the last successful probe; null if none yet. */
  lastOkAt: number | null;
  latest: HealthSample | null;
  info: Record<string, string> | null;
  /** The app's own commands per second over the last probe interval. */
  ownCommandsPerSec: number;
  errors: Array<MeshErrorInfo & { at: number; command?: string }>;
}

// ---------- the tables ----------

type Marker<T> = { readonly __type?: T };
const returns = <T>(): Marker<T> => ({});
const empty = z.object({}).strict();

const pageRequest = z
  .object({
    shard: shardId,
    /** forward: oldest first from `cursor` (exclusive); backward: newest first before `cursor`. */
    direction: z.enum(['forward', 'backward']),
    cursor: streamId.nullable(),
    limit: z.number().int().min(1).max(MAX_PAGE_LIMIT),
  })
  .strict();

const publishRequest = z
  .object({
    shard: shardId,
    /** Raw JSON texts, one per event, embedded verbatim. */
    events: z.array(z.string().max(MAX_BATCH_BYTES)).max(MAX_BATCH_EVENTS),
    nonce: z.string().regex(/^(0x)?[0-9a-fA-F]{1,16}$/, 'a nonce is 1-16 hex digits').optional(),
    sequenceStart: z.string().regex(/^\d{1,20}$/, 'a sequence start is a decimal number').optional(),
    maxLen: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    /** For a non-loopback server: the shard id typed again by the user. */
    confirmShard: shardId.optional(),
  })
  .strict();

/** Request/response channels: `domain:verb`. */
export const channels = {
  'app:info': { request: empty, response: returns<{ version: string; transport: 'electron' | 'serve'; demoAvailable: boolean }>() },
  'profiles:list': { request: empty, response: returns<{ profiles: ProfileView[]; activeProfileId: string | null }>() },
  'profiles:save': { request: profileInputSchema, response: returns<ProfileView>() },
  'profiles:delete': { request: z.object({ id: profileId }).strict(), response: returns<{ deleted: boolean }>() },
  'connection:open': { request: z.object({ profileId }).strict(), response: returns<ConnectionStatus>() },
  'connection:close': { request: empty, response: returns<ConnectionStatus>() },
  'connection:status': { request: empty, response: returns<ConnectionStatus>() },
  'demo:start': { request: empty, response: returns<ConnectionStatus>() },
  'shards:list': { request: empty, response: returns<ShardListResult>() },
  'events:page': { request: pageRequest, response: returns<ShardPage>() },
  'events:at': {
    request: z.object({ shard: shardId, position: z.number().int().min(0), limit: z.number().int().min(1).max(MAX_PAGE_LIMIT) }).strict(),
    response: returns<PositionedPage>(),
  },
  'events:entry': { request: z.object({ shard: shardId, id: streamId }).strict(), response: returns<MeshEntry | null>() },
  'index:status': { request: z.object({ shard: shardId }).strict(), response: returns<IndexStatus>() },
  /** Duplicate status of the given dedup_ids in the whole shard (from the background index). */
  'duplicates:lookup': {
    request: z.object({ shard: shardId, dedupIds: z.array(z.string().max(256)).max(MAX_PAGE_LIMIT) }).strict(),
    response: returns<{ ready: boolean; marks: DuplicateMark[] }>(),
  },
  'tail:subscribe': {
    request: z.object({ shards: z.array(shardId).min(1).max(64), after: z.record(z.string(), streamId.nullable()).optional() }).strict(),
    response: returns<{ subscriptionId: string }>(),
  },
  'tail:unsubscribe': { request: z.object({ subscriptionId: z.string().min(1).max(64) }).strict(), response: returns<{ ok: true }>() },
  'publish:preview': { request: publishRequest, response: returns<PublishPreview>() },
  'publish:batch': { request: publishRequest, response: returns<PublishedBatch>() },
  'publish:again': { request: z.object({ batchId: z.string().min(1).max(64) }).strict(), response: returns<PublishedBatch>() },
  'publish:history': { request: empty, response: returns<{ batches: PublishedBatch[] }>() },
  'publish:delete': { request: z.object({ batchId: z.string().min(1).max(64) }).strict(), response: returns<{ deleted: number }>() },
  'analysis:start': {
    request: z.object({ shards: z.array(shardId).max(65536).optional() }).strict(),
    response: returns<{ jobId: string }>(),
  },
  'analysis:cancel': { request: z.object({ jobId: z.string().min(1).max(64) }).strict(), response: returns<{ cancelled: boolean }>() },
  'health:snapshot': { request: empty, response: returns<HealthSnapshot>() },
} as const;

/** Events pushed from the core to the UI: facts, named `domain:changed`-style. */
export const events = {
  'connection:changed': returns<ConnectionStatus>(),
  'tail:entries': returns<{ subscriptionId: string; shard: number; entries: MeshEntry[]; dropped: number }>(),
  'index:changed': returns<IndexStatus>(),
  'analysis:progress': returns<AnalysisProgress>(),
  'analysis:done': returns<AnalysisReport>(),
  'health:changed': returns<HealthSnapshot>(),
} as const;

export type ChannelName = keyof typeof channels;
export type EventName = keyof typeof events;
export type RequestOf<C extends ChannelName> = z.input<(typeof channels)[C]['request']>;
export type ParsedRequestOf<C extends ChannelName> = z.output<(typeof channels)[C]['request']>;
export type ResponseOf<C extends ChannelName> = (typeof channels)[C]['response'] extends Marker<infer T> ? T : never;
export type EventPayloadOf<E extends EventName> = (typeof events)[E] extends Marker<infer T> ? T : never;

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: MeshErrorInfo };

export const channelNames = Object.keys(channels) as ChannelName[];
export const eventNames = Object.keys(events) as EventName[];

export function isChannelName(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}

/**
 * Parses a request at the gate. Returns the parsed value, or a usage error naming the channel
 * and the first problem; never throws.
 */
export function parseRequest<C extends ChannelName>(
  channel: C,
  payload: unknown,
): { ok: true; value: ParsedRequestOf<C> } | { ok: false; error: MeshErrorInfo } {
  const result = channels[channel].request.safeParse(payload ?? {});
  if (result.success) return { ok: true, value: result.data as ParsedRequestOf<C> };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return { ok: false, error: { kind: 'usage', message: `invalid request for ${channel}${where}: ${issue?.message ?? 'rejected'}` } };
}

// ---------- names derived for the preload API ----------

type Camel<S extends string> = S extends `${infer A}:${infer B}` ? `${A}${Capitalize<B>}` : S;
type OnName<S extends string> = S extends `${infer A}:${infer B}` ? `on${Capitalize<A>}${Capitalize<B>}` : never;

/** `events:page` → `eventsPage`. */
export function methodName<C extends ChannelName>(channel: C): Camel<C> {
  const [a, b] = channel.split(':') as [string, string];
  return `${a}${b.charAt(0).toUpperCase()}${b.slice(1)}` as Camel<C>;
}

/** `tail:entries` → `onTailEntries`. */
export function listenerName<E extends EventName>(event: E): OnName<E> {
  const [a, b] = event.split(':') as [string, string];
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return `on${cap(a)}${cap(b)}` as OnName<E>;
}

/**
 * The API the Electron preload puts on `window.meshApi`: one function per channel (resolving to
 * the envelope, so errors stay data) and one `onX(listener) → unsubscribe` per event.
 */
export type PreloadApi = {
  [C in ChannelName as Camel<C>]: (request: RequestOf<C>) => Promise<Envelope<ResponseOf<C>>>;
} & {
  [E in EventName as OnName<E>]: (listener: (payload: EventPayloadOf<E>) => void) => () => void;
};

/** The handler table a service implements: parsed request in, response out (throw MeshError). */
export type ContractHandlers = {
  [C in ChannelName]: (request: ParsedRequestOf<C>) => Promise<ResponseOf<C>>;
};

/** How the core pushes events to whichever transport is attached. */
export type EventSink = <E extends EventName>(event: E, payload: EventPayloadOf<E>) => void;

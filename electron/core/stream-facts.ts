/**
 * What Redis keeps about one shard stream (issue 17): `XINFO STREAM` (entries added ever, length,
 * last generated id, first recorded id, max deleted id, consumer groups), `MEMORY USAGE` with a
 * fixed number of samples, and `XINFO GROUPS` when the stream has groups. Read on demand (a shard
 * detail, a sidebar tooltip, `shards --json`, once per shard before and after a scan), never per
 * entry; three commands at most per shard.
 *
 * Replies are read as bytes: `XINFO STREAM` carries the first and last entries whole, and their
 * payloads (which may be megabytes, or not UTF-8) are never decoded.
 */
import type { StreamFacts, StreamGroupFacts } from '../../shared/contract';
import { deletionEvidence, type DeletionEvidence } from '../../shared/gap-cause';
import { toErrorInfo } from '../../shared/errors';
import type { MeshErrorInfo } from '../../shared/types';
import { classifyError } from './classify';
import type { RedisLike } from './connection';

/** `MEMORY USAGE key SAMPLES n`: nested values sampled per stream node; a constant bounds the work. */
export const MEMORY_SAMPLES = 5;
/** Consumer groups listed per stream (`XINFO GROUPS` answers them all; the rest are counted). */
export const MAX_GROUPS_LISTED = 50;

/** A parsed `XINFO STREAM` reply. The Redis 7 fields are null on older servers. */
export interface StreamInfo {
  length: number;
  lastGeneratedId: string;
  /** Redis 7.0+. */
  maxDeletedEntryId: string | null;
  entriesAdded: number | null;
  recordedFirstEntryId: string | null;
  groups: number;
  firstEntryId: string | null;
  lastEntryId: string | null;
}

type Reply = Buffer | number | null | Reply[];

/**
 * Parses `XINFO STREAM` as read with `callBuffer` (a flat field/value list; RESP2). Unknown fields
 * are ignored; a missing Redis 7 field is null. Throws a TypeError on a reply that is not a list.
 */
export function parseStreamInfo(reply: unknown): StreamInfo {
  if (!Array.isArray(reply)) throw new TypeError('XINFO STREAM: the reply is not a list');
  const list = reply as Reply[];
  const out: StreamInfo = {
    length: 0,
    lastGeneratedId: '0-0',
    maxDeletedEntryId: null,
    entriesAdded: null,
    recordedFirstEntryId: null,
    groups: 0,
    firstEntryId: null,
    lastEntryId: null,
  };
  for (let i = 0; i + 1 < list.length; i += 2) {
    const name = text(list[i] ?? null);
    const value = list[i + 1] ?? null;
    switch (name) {
      case 'length':
        out.length = num(value) ?? 0;
        break;
      case 'last-generated-id':
        out.lastGeneratedId = text(value) ?? '0-0';
        break;
      case 'max-deleted-entry-id':
        out.maxDeletedEntryId = text(value);
        break;
      case 'entries-added':
        out.entriesAdded = num(value);
        break;
      case 'recorded-first-entry-id':
        out.recordedFirstEntryId = text(value);
        break;
      case 'groups':
        out.groups = num(value) ?? 0;
        break;
      case 'first-entry':
        out.firstEntryId = entryId(value);
        break;
      case 'last-entry':
        out.lastEntryId = entryId(value);
        break;
    }
  }
  return out;
}

/** `XINFO STREAM key`, parsed; throws a classified MeshError. */
export async function readStreamInfo(client: RedisLike, key: string, secrets: readonly string[] = []): Promise<StreamInfo> {
  try {
    return parseStreamInfo(await client.callBuffer('XINFO', 'STREAM', key));
  } catch (e) {
    throw classifyError(e, { command: 'XINFO', secrets: [...secrets] });
  }
}

/**
 * The deletion evidence of one stream for gap causes; never throws: a refusal (an ACL without
 * XINFO) or a failure becomes `unknown` with the reason.
 */
export async function readDeletionEvidence(client: RedisLike, key: string, serverVersion: string | undefined, secrets: readonly string[] = []): Promise<DeletionEvidence> {
  try {
    return deletionEvidence(await readStreamInfo(client, key, secrets), serverVersion);
  } catch (e) {
    const info = toErrorInfo(e);
    return { known: false, why: `XINFO STREAM ${info.code === 'NOPERM' ? 'is not permitted for this user' : 'failed'} (${info.message}), so the cause cannot be told` };
  }
}

/**
 * Every fact of one shard stream. XINFO STREAM failing fails the call (a classified MeshError: the
 * stream is gone, or the user may not read it); MEMORY USAGE and XINFO GROUPS refused or failing
 * leave their fields null with the reason, since the stream's own facts still stand.
 */
export async function readStreamFacts(client: RedisLike, shard: number, key: string, secrets: readonly string[] = []): Promise<StreamFacts> {
  const info = await readStreamInfo(client, key, secrets);
  const at = Date.now();
  const facts: StreamFacts = {
    shard,
    key,
    at,
    length: info.length,
    entriesAdded: info.entriesAdded,
    removed: info.entriesAdded === null ? null : Math.max(0, info.entriesAdded - info.length),
    lastGeneratedId: info.lastGeneratedId,
    recordedFirstEntryId: info.recordedFirstEntryId,
    maxDeletedEntryId: info.maxDeletedEntryId,
    firstEntryId: info.firstEntryId,
    lastEntryId: info.lastEntryId,
    memoryBytes: null,
    memorySamples: MEMORY_SAMPLES,
    groupCount: info.groups,
    groups: [],
  };
  const [memory, groups] = await Promise.all([
    settle(() => client.call('MEMORY', 'USAGE', key, 'SAMPLES', String(MEMORY_SAMPLES)), 'MEMORY', secrets),
    info.groups > 0 ? settle(() => client.callBuffer('XINFO', 'GROUPS', key), 'XINFO', secrets) : Promise.resolve(null),
  ]);
  if (memory && 'error' in memory) facts.memoryError = memory.error;
  else if (memory) facts.memoryBytes = typeof memory.value === 'number' ? memory.value : null;
  if (groups && 'error' in groups) facts.groupsError = groups.error;
  else if (groups) facts.groups = parseGroups(groups.value).slice(0, MAX_GROUPS_LISTED);
  return facts;
}

/** Parses `XINFO GROUPS` (a list of flat field/value lists). */
export function parseGroups(reply: unknown): StreamGroupFacts[] {
  if (!Array.isArray(reply)) return [];
  const out: StreamGroupFacts[] = [];
  for (const g of reply as Reply[]) {
    if (!Array.isArray(g)) continue;
    const f = new Map<string, Reply>();
    for (let i = 0; i + 1 < g.length; i += 2) f.set(text(g[i] ?? null) ?? '', g[i + 1] ?? null);
    out.push({
      name: utf8(f.get('name') ?? null),
      consumers: num(f.get('consumers') ?? null) ?? 0,
      pending: num(f.get('pending') ?? null) ?? 0,
      lastDeliveredId: text(f.get('last-delivered-id') ?? null) ?? '0-0',
      entriesRead: num(f.get('entries-read') ?? null),
      lag: num(f.get('lag') ?? null),
    });
  }
  return out;
}

async function settle(run: () => Promise<unknown>, command: string, secrets: readonly string[]): Promise<{ value: unknown } | { error: MeshErrorInfo }> {
  try {
    return { value: await run() };
  } catch (e) {
    return { error: toErrorInfo(classifyError(e, { command, secrets: [...secrets] })) };
  }
}

function text(v: Reply): string | null {
  if (v === null) return null;
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (typeof v === 'number') return String(v);
  return null;
}

function utf8(v: Reply): string {
  return Buffer.isBuffer(v) ? v.toString('utf8') : (text(v) ?? '');
}

function num(v: Reply): number | null {
  if (typeof v === 'number') return v;
  if (Buffer.isBuffer(v)) {
    const n = Number(v.toString('latin1'));
    return v.length > 0 && Number.isFinite(n) ? n : null;
  }
  return null;
}

function entryId(v: Reply): string | null {
  return Array.isArray(v) && v.length > 0 ? text(v[0] ?? null) : null;
}

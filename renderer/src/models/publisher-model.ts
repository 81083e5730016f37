/**
 * The publisher form as data: what the user typed (`PublisherDraft`), and the pure checks that turn
 * it into a batch request or name the field at fault. Limits are the contract's (MAX_BATCH_EVENTS,
 * MAX_BATCH_BYTES); the core checks them again.
 */
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, type PublishedBatch } from '../../../shared/contract';
import type { BatchFormat, ParsedSource } from './batch-source';

export interface PublisherDraft {
  format: BatchFormat;
  text: string;
  /** Copies of the editor's events, as typed. */
  copies: string;
  /** Target shard id, as typed or picked. */
  shard: string;
  nonceMode: 'app' | 'custom';
  customNonce: string;
  seqMode: 'next' | 'custom';
  customSeq: string;
  maxLenOn: boolean;
  maxLen: string;
}

export const SAMPLE_TEXT = `[
  {"type": "test.ping", "n": {{i}}, "at_ms": {{now}}},
  {"type": "test.order", "order_id": "{{uuid}}", "amount_minor": {{rand:100..9999}}}
]
`;

export function initialDraft(): PublisherDraft {
  return {
    format: 'json',
    text: SAMPLE_TEXT,
    copies: '1',
    shard: '',
    nonceMode: 'app',
    customNonce: '',
    seqMode: 'next',
    customSeq: '',
    maxLenOn: false,
    maxLen: '100000',
  };
}

export type DraftField = 'shard' | 'copies' | 'customNonce' | 'customSeq' | 'maxLen';

export interface DraftCheck {
  errors: Partial<Record<DraftField, string>>;
  /** Set when every field is valid. */
  params: { shard: number; copies: number; nonce?: string; sequenceStart?: string; maxLen?: number } | null;
}

const U64_MAX = 18446744073709551615n;

function wholeNumber(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,16}$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

/** Lowercase hex without 0x, as net-mesh renders a nonce; null when not a valid non-zero u64. */
export function normalizeNonce(text: string): string | null {
  const t = text.trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]{1,16}$/.test(t)) return null;
  const v = BigInt(`0x${t}`);
  return v === 0n ? null : v.toString(16);
}

export function checkDraft(d: PublisherDraft): DraftCheck {
  const errors: DraftCheck['errors'] = {};
  const shard = wholeNumber(d.shard);
  if (d.shard.trim() === '') errors.shard = 'Pick a shard or type a new id';
  else if (shard === null || shard > 65535) errors.shard = 'A shard id is a whole number 0..65535';
  const copies = wholeNumber(d.copies);
  if (copies === null || copies < 1) errors.copies = 'At least 1';
  else if (copies > MAX_BATCH_EVENTS) errors.copies = `At most ${MAX_BATCH_EVENTS.toLocaleString('en')}`;
  let nonce: string | undefined;
  if (d.nonceMode === 'custom') {
    const n = normalizeNonce(d.customNonce);
    if (d.customNonce.trim() === '') errors.customNonce = 'Type a nonce in hex';
    else if (n === null) errors.customNonce = 'A nonce is 1-16 hex digits, not 0';
    else nonce = n;
  }
  let sequenceStart: string | undefined;
  if (d.seqMode === 'custom') {
    const t = d.customSeq.trim();
    if (!/^\d{1,20}$/.test(t) || BigInt(t) > U64_MAX) errors.customSeq = 'A whole number 0..2^64-1';
    else sequenceStart = BigInt(t).toString();
  }
  let maxLen: number | undefined;
  if (d.maxLenOn) {
    const m = wholeNumber(d.maxLen);
    if (m === null || m < 1) errors.maxLen = 'A whole number of entries, at least 1';
    else maxLen = m;
  }
  if (Object.keys(errors).length > 0 || shard === null || copies === null) return { errors, params: null };
  const params: NonNullable<DraftCheck['params']> = { shard, copies };
  if (nonce !== undefined) params.nonce = nonce;
  if (sequenceStart !== undefined) params.sequenceStart = sequenceStart;
  if (maxLen !== undefined) params.maxLen = maxLen;
  return { errors, params };
}

/** What batchSize reads of a parsed source (a ParsedSource, or the editor's summary of one). */
export type SizedSource = Pick<Extract<ParsedSource, { ok: false }>, 'ok'> | { ok: true; events: { length: number }; bytesPerCopy: number; templates: boolean };

/** Size of the batch the draft describes, and whether it fits the limits; `null` when the source is invalid. */
export function batchSize(parsed: SizedSource, copies: number | null): { events: number; bytes: number; approximate: boolean; over: string | null } | null {
  if (!parsed.ok) return null;
  const n = copies ?? 1;
  const events = parsed.events.length * n;
  const bytes = parsed.bytesPerCopy * n;
  let over: string | null = null;
  if (events > MAX_BATCH_EVENTS) over = `${events.toLocaleString('en')} events: a batch holds at most ${MAX_BATCH_EVENTS.toLocaleString('en')}`;
  else if (bytes > MAX_BATCH_BYTES) over = `${formatBytes(bytes)}: a batch holds at most ${formatBytes(MAX_BATCH_BYTES)} of events`;
  return { events, bytes, approximate: parsed.templates, over };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

/** `5e1f:3:40..49`: the ordinals a batch covers. */
export function ordinalRange(nonce: string, shard: number, sequenceStart: string, count: number): string {
  if (count <= 0) return `${nonce}:${shard}:${sequenceStart}`;
  const last = BigInt(sequenceStart) + BigInt(count - 1);
  return count === 1 ? `${nonce}:${shard}:${sequenceStart}` : `${nonce}:${shard}:${sequenceStart}..${last}`;
}

/** Events in a batch: exact even when a history listing shortened its ids. */
export function batchCount(b: PublishedBatch): number {
  return b.count ?? b.dedupIds.length;
}

/** What is known about a batch; records older than outcomes are batches that landed. */
export function batchOutcome(b: PublishedBatch): 'landed' | 'unconfirmed' | 'not-landed' {
  return b.outcome ?? 'landed';
}

/** The dedup_ids of a batch to look for: `nonce:shard:seq:0 … nonce:shard:seq:n-1`. */
export function dedupRange(nonce: string, shard: number, sequenceStart: string, count: number): string {
  const p = `${nonce}:${shard}:${sequenceStart}:`;
  return count <= 1 ? `${p}0` : `${p}0 … ${p}${count - 1}`;
}

/**
 * How many duplicate entries "publish again with the same ids" writes: the batch's size when it
 * landed (every event gets a second copy), none when a re-check found it not landed (then it is
 * the retry), unknown (null) while it is unconfirmed.
 */
export function replayDuplicates(b: PublishedBatch): number | null {
  const outcome = batchOutcome(b);
  if (outcome === 'unconfirmed') return null;
  return outcome === 'landed' ? batchCount(b) : 0;
}

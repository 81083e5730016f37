/**
 * The test-batch publisher behind the contract (`publish:*`): checks (read-only profiles, the
 * shard-id confirmation for servers elsewhere, batch limits, JSON), the nonce and sequence
 * reservations, the command preview, sending through the session's TestPublisher, and the batch
 * history (replay, read-back recheck, XDEL of a batch). One desk per service: the config folder's
 * nonce, sequences and history outlive sessions.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ParsedRequestOf, PublishPreview, PublishedBatch } from '../../shared/contract';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS } from '../../shared/contract';
import { MeshError, toErrorInfo, usageError } from '../../shared/errors';
import { formatDedupId, formatNonce, parseNonce } from '../../shared/dedup-id';
import { decodeNonceFile } from '../../shared/nonce-file';
import { encodePayload } from '../../shared/wire';
import { U64_MAX } from '../../shared/u64';
import { loadOrCreateNonce, SequenceStore } from './nonce-store';
import type { BatchHistory } from './batch-history';
import { TestPublisher, type TestPublishResult } from './test-publisher';
import { isLocalServer, type Session } from './session';

/** XDEL of a batch's ids goes in chunks of this many. */
const XDEL_CHUNK = 1000;
/** The preview lists this many XADDs, then a count. */
const PREVIEW_COMMANDS = 50;

export class PublishDesk {
  private sequences: SequenceStore | null = null;
  /** Nonces of the app's own test batches (no notification for them); read on first need. */
  private own: Promise<Set<string>> | null = null;

  constructor(
    private readonly home: string,
    readonly history: BatchHistory,
  ) {}

  // ---------- contract ----------

  async nonce(s: Session, req: ParsedRequestOf<'publish:nonce'>): Promise<{ nonce: string; persistent: boolean; sequenceStart: string | null }> {
    const nonceHex = formatNonce(await this.nonceFor(req));
    const sequenceStart = req.shard === undefined ? null : this.seqStore().next(nonceHex, s.key(req.shard)).toString();
    return { nonce: nonceHex, persistent: req.nonce === undefined, sequenceStart };
  }

  async preview(s: Session, req: ParsedRequestOf<'publish:preview'>): Promise<PublishPreview> {
    const p = await this.prepare(s, req);
    const trim = req.maxLen !== undefined ? ` MAXLEN ~ ${req.maxLen}` : '';
    const shown = Math.min(req.events.length, PREVIEW_COMMANDS);
    const commands = ['MULTI'];
    for (let i = 0; i < shown; i++) {
      const d = encodePayload(req.events[i] as string, p.tStart + BigInt(i), req.shard);
      const dShown = d.length > 160 ? `${d.slice(0, 157)}...` : d;
      commands.push(`XADD ${p.key}${trim} * d ${dShown} dedup_id ${formatDedupId(p.nonce, req.shard, p.sequenceStart, i)}`);
    }
    if (req.events.length > shown) commands.push(`... ${req.events.length - shown} more XADD`);
    commands.push('EXEC');
    return {
      key: p.key,
      nonce: p.nonceHex,
      sequenceStart: p.sequenceStart.toString(),
      tStart: p.tStart.toString(),
      count: req.events.length,
      bytes: p.bytes,
      commands: req.events.length === 0 ? [] : commands,
      confirmRequired: !isLocalServer(s.profile),
    };
  }

  async publish(s: Session, req: ParsedRequestOf<'publish:batch'>): Promise<PublishedBatch> {
    checkWritable(s, req.shard, req.confirmShard);
    const p = await this.prepare(s, req);
    // Before it is sent: a live tail may read the batch before EXEC's reply arrives here.
    (await this.ownNonces()).add(formatNonce(p.nonce));
    return this.publishing(s, () =>
      this.publisherOf(s).publish({
        shard: req.shard,
        events: req.events,
        nonce: p.nonce,
        ...(req.sequenceStart !== undefined ? { sequenceStart: BigInt(req.sequenceStart) } : {}),
        ...(req.sequenceStart === undefined && req.expectedSequenceStart !== undefined ? { expectedSequenceStart: BigInt(req.expectedSequenceStart) } : {}),
        ...(req.maxLen !== undefined ? { maxLen: req.maxLen } : {}),
        tStart: p.tStart,
      }),
    );
  }

  async again(s: Session, req: ParsedRequestOf<'publish:again'>): Promise<PublishedBatch> {
    const rec = await this.record(s, req.batchId);
    checkWritable(s, rec.batch.shard, req.confirmShard);
    (await this.ownNonces()).add(rec.batch.nonce);
    return this.publishing(s, () => this.publisherOf(s).replay(req.batchId, req.confirmDuplicates));
  }

  async recheck(s: Session, req: ParsedRequestOf<'publish:recheck'>) {
    await this.record(s, req.batchId);
    return s.redis('XRANGE', () => this.publisherOf(s).recheck(req.batchId));
  }

  async list(): Promise<{ batches: PublishedBatch[] }> {
    // A background record that could not be written is said here, once.
    await this.history.settled();
    return { batches: await this.history.list() };
  }

  /** XDELs exactly the ids the batch got, in bounded chunks; the shard's index is rebuilt on next use. */
  async delete(s: Session, req: ParsedRequestOf<'publish:delete'>): Promise<{ deleted: number }> {
    const rec = await this.record(s, req.batchId);
    checkWritable(s, rec.batch.shard, rec.batch.shard);
    const ids = rec.batch.ids.filter((id) => id !== '');
    let deleted = 0;
    for (let i = 0; i < ids.length; i += XDEL_CHUNK) {
      const chunk = ids.slice(i, i + XDEL_CHUNK);
      deleted += await s.redis('XDEL', () => s.adapter.client.xdel(rec.batch.key, ...chunk));
    }
    await this.history.markDeleted(req.batchId);
    s.forgetIndex(rec.batch.shard);
    return { deleted };
  }

  /**
   * The nonces of every test batch this app published (its history), and its own producer nonce.
   * Read once (the history is on disk), then kept: each publish adds its nonce before sending.
   */
  ownNonces(): Promise<Set<string>> {
    this.own ??= (async () => {
      const own = new Set((await this.history.list().catch(() => [])).map((b) => b.nonce));
      const file = path.join(this.home, 'producer.nonce');
      if (existsSync(file)) {
        try {
          own.add(formatNonce(decodeNonceFile(readFileSync(file))));
        } catch {
          // Unreadable: the history still names every nonce the app used.
        }
      }
      return own;
    })();
    return this.own;
  }

  // ---------- steps ----------

  /** A batch of the history, only through the profile that published it. */
  private async record(s: Session, batchId: string) {
    const rec = await this.history.get(batchId);
    if (!rec) throw usageError(`no test batch ${batchId} in the history`);
    sameProfile(s, rec.batch);
    return rec;
  }

  private async nonceFor(req: { nonce?: string }): Promise<bigint> {
    if (req.nonce !== undefined) {
      try {
        return parseNonce(req.nonce);
      } catch (e) {
        throw usageError((e as Error).message);
      }
    }
    return loadOrCreateNonce(path.join(this.home, 'producer.nonce'));
  }

  private seqStore(): SequenceStore {
    this.sequences ??= new SequenceStore(path.join(this.home, 'sequences.json'));
    return this.sequences;
  }

  private async prepare(s: Session, req: ParsedRequestOf<'publish:batch'>) {
    const bytes = validateEvents(req.events);
    const nonce = await this.nonceFor(req);
    const key = s.key(req.shard);
    const nonceHex = formatNonce(nonce);
    const sequenceStart = req.sequenceStart !== undefined ? BigInt(req.sequenceStart) : this.seqStore().next(nonceHex, key);
    const tStart = req.tStart !== undefined ? BigInt(req.tStart) : BigInt(Date.now()) * 1_000_000n;
    if (tStart + BigInt(Math.max(req.events.length - 1, 0)) > U64_MAX) throw usageError('tStart + the batch length passes 2^64 - 1: t is a u64');
    return { bytes, nonce, nonceHex, key, sequenceStart, tStart };
  }

  /** The session's test publisher (test-publisher.ts): reservation, send, resolution, record. */
  private publisherOf(s: Session): TestPublisher {
    s.publisher ??= new TestPublisher({
      home: this.home,
      adapter: s.adapter,
      sequences: this.seqStore(),
      history: this.history,
      profileId: s.profile.id,
      server: s.status.url ?? s.adapter.redactedUrl,
    });
    return s.publisher;
  }

  /** Runs a publishing step: Redis failures go to the health log, an unconfirmed batch too; an ACL refusal turns publishing off. */
  private async publishing(s: Session, run: () => Promise<TestPublishResult>): Promise<PublishedBatch> {
    const r = await s.redis('MULTI/EXEC', run).catch((e: unknown) => {
      // An ACL that refuses the write: publishing is off for this session, with Redis' reason.
      if (e instanceof MeshError && e.code === 'NOPERM') s.setFacts({ canPublish: false, publishBlockedReason: e.message });
      throw e;
    });
    if (r.outcome === 'unconfirmed') s.health.recordError(s.scrub(toErrorInfo(r.error)), 'MULTI/EXEC');
    return r.batch;
  }
}

function checkWritable(s: Session, shard: number, confirmShard: number | undefined): void {
  if (s.profile.readOnly) {
    throw new MeshError('fatal', `the profile "${s.profile.name}" is read-only: publishing and deleting are disabled`, { code: 'READ_ONLY_PROFILE' });
  }
  if (!isLocalServer(s.profile) && confirmShard !== shard) {
    throw new MeshError('usage', `this server is not on this machine: type the shard id (${shard}) to confirm publishing to it`, { code: 'CONFIRM_REQUIRED' });
  }
}

function validateEvents(events: string[]): number {
  if (events.length > MAX_BATCH_EVENTS) {
    throw usageError(`the batch has ${events.length} events; the limit is ${MAX_BATCH_EVENTS} events per batch (net-mesh writes one MULTI/EXEC per batch)`);
  }
  let bytes = 0;
  events.forEach((text, i) => {
    bytes += Buffer.byteLength(text);
    try {
      JSON.parse(text);
    } catch (e) {
      throw usageError(`event ${i + 1} is not valid JSON: ${(e as Error).message}`);
    }
  });
  if (bytes > MAX_BATCH_BYTES) throw usageError(`the batch is ${bytes} bytes; the limit is ${MAX_BATCH_BYTES} bytes (64 MB)`);
  return bytes;
}

/** A batch is replayed or deleted only through the profile that published it: its ids mean nothing on another server. */
function sameProfile(s: Session, batch: PublishedBatch): void {
  if (batch.profileId !== s.profile.id) {
    throw usageError(`this test batch was published through another connection profile; connect with that profile to publish it again or delete it (${batch.key})`);
  }
}

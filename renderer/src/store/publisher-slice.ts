/**
 * The test-batch publisher's state (PRODUCT.md feature 11): the draft the user is editing (kept
 * across view switches), the producer identity the core would use, the prepared batch behind the
 * current preview, the last result and the batch history.
 *
 * Exactness: the preview is made from events expanded once (templates included) and the core
 * answers with the nonce, sequence start and first `t` it used; publishing sends that same request
 * with the nonce and `t` pinned and the sequence start either pinned (the user chose it) or
 * expected (the default: the core refuses with SEQUENCE_MOVED if another batch took those ids
 * since the preview, instead of sending other ids or reusing them), so the bytes sent are the
 * bytes previewed. Any change to the draft makes the preview stale and publishing then needs a
 * new preview.
 *
 * Outcomes: a batch comes back landed or unconfirmed (Redis stayed unreachable after EXEC was
 * sent); an unconfirmed one is re-checked with `recheckBatch`. Publishing a landed batch again
 * writes duplicates on purpose, so `publishAgain` carries the number the person confirmed.
 */
import { toApiError } from '../api';
import type { PublishPreview, PublishedBatch, RequestOf } from '../../../shared/contract';
import type { MeshErrorInfo } from '../../../shared/types';
import { expandEvents, parseSource } from '../models/batch-source';
import { batchSize, checkDraft, initialDraft, type PublisherDraft } from '../models/publisher-model';
import type { Slice } from './types';

export type PublishRequest = RequestOf<'publish:batch'>;

export interface PreparedBatch {
  /**
   * What `publish:batch` will be sent: events expanded, nonce and tStart pinned, the sequence
   * start pinned (`sequenceStart`, chosen by the user) or expected (`expectedSequenceStart`).
   */
  request: PublishRequest & { nonce: string; tStart: string };
  preview: PublishPreview;
  /** The draft version it was made from. */
  version: number;
  at: number;
}

export type PublisherAction = 'preview' | 'publish' | 'again' | 'recheck' | 'delete' | 'history';

export interface PublisherState {
  draft: PublisherDraft;
  /** Bumped on every draft change; a preview is current while its version matches. */
  version: number;
  /** The nonce (and, with a valid shard, the next sequence start) the core would use now. */
  producer: { nonce: string; persistent: boolean; sequenceStart: string | null; shard: number | null } | null;
  producerError: MeshErrorInfo | null;
  /** The app's own persistent nonce, once the core told it. */
  appNonce: string | null;
  prepared: PreparedBatch | null;
  busy: PublisherAction | null;
  error: { action: PublisherAction; info: MeshErrorInfo } | null;
  last: { batch: PublishedBatch; action: 'publish' | 'again' | 'recheck' } | null;
  history: PublishedBatch[] | null;
}

export interface PublisherSlice {
  publisher: PublisherState;
  setPublisherDraft(patch: Partial<PublisherDraft>): void;
  refreshProducer(): Promise<void>;
  /** Expands the draft and asks the core for the exact commands; resolves true when a preview is ready. */
  previewBatch(): Promise<boolean>;
  /** Publishes the prepared batch (the current preview); `confirmShard` for a non-loopback server. */
  publishPrepared(confirmShard?: number): Promise<PublishedBatch | null>;
  /**
   * Publishes a recorded batch again with the same ids: `confirmDuplicates` is the number of
   * duplicates the person agreed to write (the core refuses another number), `confirmShard` the
   * shard id typed for a server on another machine.
   */
  publishAgain(batchId: string, confirm?: { confirmDuplicates?: number; confirmShard?: number }): Promise<PublishedBatch | null>;
  /** Reads the stream again for an unconfirmed batch; resolves with what the core recorded. */
  recheckBatch(batchId: string): Promise<PublishedBatch | null>;
  deleteBatch(batchId: string): Promise<boolean>;
  loadBatchHistory(): Promise<void>;
  dismissPublisherError(): void;
}

const initialState = (): PublisherState => ({
  draft: initialDraft(),
  version: 0,
  producer: null,
  producerError: null,
  appNonce: null,
  prepared: null,
  busy: null,
  error: null,
  last: null,
  history: null,
});

export const createPublisherSlice: Slice<PublisherSlice> = (set, get) => {
  const patch = (p: Partial<PublisherState>) => set((s) => ({ publisher: { ...s.publisher, ...p } }));
  let producerRequest = 0;
  const fail = (action: PublisherAction, e: unknown) => patch({ error: { action, info: toApiError(e).toInfo() } });

  return {
    publisher: initialState(),

    setPublisherDraft(p) {
      const s = get().publisher;
      patch({ draft: { ...s.draft, ...p }, version: s.version + 1, error: s.error?.action === 'preview' ? null : s.error });
      if ('shard' in p || 'nonceMode' in p || 'customNonce' in p) void get().refreshProducer();
    },

    async refreshProducer() {
      const mine = ++producerRequest;
      const { draft } = get().publisher;
      const check = checkDraft(draft);
      const shardOk = check.errors.shard === undefined;
      const shard = shardOk ? Number(draft.shard.trim()) : null;
      if (draft.nonceMode === 'custom' && check.errors.customNonce) {
        patch({ producer: null, producerError: null });
        return;
      }
      try {
        const req: RequestOf<'publish:nonce'> = {};
        if (shard !== null) req.shard = shard;
        if (draft.nonceMode === 'custom') req.nonce = draft.customNonce.trim();
        const r = await get().api.invoke('publish:nonce', req);
        if (mine !== producerRequest) return;
        patch({ producer: { ...r, shard }, producerError: null, ...(r.persistent ? { appNonce: r.nonce } : {}) });
      } catch (e) {
        if (mine !== producerRequest) return;
        patch({ producerError: toApiError(e).toInfo() });
      }
    },

    async previewBatch() {
      const s = get().publisher;
      if (s.busy) return false;
      const version = s.version;
      const parsed = parseSource(s.draft.text, s.draft.format);
      if (!parsed.ok) {
        const p = parsed.problem;
        patch({ error: { action: 'preview', info: { kind: 'usage', message: `line ${p.line}, column ${p.column}: ${p.message}` } } });
        return false;
      }
      const check = checkDraft(s.draft);
      if (!check.params) {
        const first = Object.values(check.errors)[0] ?? 'check the settings';
        patch({ error: { action: 'preview', info: { kind: 'usage', message: first } } });
        return false;
      }
      const size = batchSize(parsed, check.params.copies);
      if (size?.over) {
        patch({ error: { action: 'preview', info: { kind: 'usage', message: size.over } } });
        return false;
      }
      if (parsed.events.length === 0) {
        patch({ error: { action: 'preview', info: { kind: 'usage', message: 'the batch is empty: write at least one event' } } });
        return false;
      }
      const { shard, copies, nonce, sequenceStart, maxLen } = check.params;
      const events = expandEvents(parsed.events, copies);
      const req: PublishRequest = { shard, events };
      if (nonce !== undefined) req.nonce = nonce;
      if (sequenceStart !== undefined) req.sequenceStart = sequenceStart;
      if (maxLen !== undefined) req.maxLen = maxLen;
      patch({ busy: 'preview', error: null });
      try {
        const preview = await get().api.invoke('publish:preview', req);
        const pinned = sequenceStart !== undefined ? { sequenceStart } : { expectedSequenceStart: preview.sequenceStart };
        const prepared: PreparedBatch = {
          request: { ...req, nonce: preview.nonce, tStart: preview.tStart, ...pinned },
          preview,
          version,
          at: Date.now(),
        };
        patch({ prepared });
        return get().publisher.version === version;
      } catch (e) {
        fail('preview', e);
        return false;
      } finally {
        patch({ busy: null });
      }
    },

    async publishPrepared(confirmShard) {
      const s = get().publisher;
      const prepared = s.prepared;
      if (s.busy || !prepared) return null;
      if (prepared.version !== s.version) {
        patch({ error: { action: 'publish', info: { kind: 'usage', message: 'the draft changed since the preview: preview it again before publishing' } } });
        return null;
      }
      patch({ busy: 'publish', error: null });
      try {
        const req: PublishRequest = confirmShard === undefined ? prepared.request : { ...prepared.request, confirmShard };
        const batch = await get().api.invoke('publish:batch', req);
        // Never publish the same prepared batch twice by accident: a retry is "Publish again"
        // (and an unconfirmed batch is re-checked, never re-sent blindly).
        patch({ last: { batch, action: 'publish' }, prepared: null });
        void get().loadBatchHistory();
        void get().refreshProducer();
        return batch;
      } catch (e) {
        fail('publish', e);
        // The core says what happened (nothing sent, not landed, ids moved): show the next ids it would use.
        void get().refreshProducer();
        return null;
      } finally {
        patch({ busy: null });
      }
    },

    async publishAgain(batchId, confirm = {}) {
      if (get().publisher.busy) return null;
      patch({ busy: 'again', error: null });
      try {
        const batch = await get().api.invoke('publish:again', { batchId, ...confirm });
        patch({ last: { batch, action: 'again' } });
        void get().loadBatchHistory();
        return batch;
      } catch (e) {
        fail('again', e);
        return null;
      } finally {
        patch({ busy: null });
      }
    },

    async recheckBatch(batchId) {
      if (get().publisher.busy) return null;
      patch({ busy: 'recheck', error: null });
      try {
        const batch = await get().api.invoke('publish:recheck', { batchId });
        patch({ last: { batch, action: 'recheck' } });
        void get().loadBatchHistory();
        void get().refreshProducer();
        return batch;
      } catch (e) {
        fail('recheck', e);
        return null;
      } finally {
        patch({ busy: null });
      }
    },

    async deleteBatch(batchId) {
      if (get().publisher.busy) return false;
      patch({ busy: 'delete', error: null });
      try {
        await get().api.invoke('publish:delete', { batchId });
        // Views kept mounted still hold pages with the deleted entries: read them again.
        get().reloadLanes();
        await get().loadBatchHistory();
        const last = get().publisher.last;
        if (last?.batch.batchId === batchId) patch({ last: { ...last, batch: { ...last.batch, deleted: true } } });
        return true;
      } catch (e) {
        fail('delete', e);
        return false;
      } finally {
        patch({ busy: null });
      }
    },

    async loadBatchHistory() {
      try {
        const { batches } = await get().api.invoke('publish:history');
        patch({ history: batches });
      } catch (e) {
        fail('history', e);
      }
    },

    dismissPublisherError() {
      patch({ error: null });
    },
  };
};

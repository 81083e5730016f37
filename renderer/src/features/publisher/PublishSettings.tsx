import type { ShardSummary } from '../../../../shared/contract';
import { ShardCombobox } from '../../components/ShardCombobox';
import { useApp } from '../../store';
import type { DraftCheck } from '../../models/publisher-model';

function Field({ label, error, hint, children, htmlFor }: { label: string; error?: string | undefined; hint?: React.ReactNode; children: React.ReactNode; htmlFor?: string }) {
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label className="field-label" htmlFor={htmlFor}>
        {label}
      </label>
      {children}
      {error ? (
        <span className="field-error" data-field-error>
          {error}
        </span>
      ) : (
        <span className="field-hint">{hint}</span>
      )}
    </div>
  );
}

/** Target shard, copies, producer nonce, sequence start, MAXLEN: the batch's settings. */
export function PublishSettings({ check, shards }: { check: DraftCheck; shards: ShardSummary[] }) {
  const draft = useApp((s) => s.publisher.draft);
  const producer = useApp((s) => s.publisher.producer);
  const producerError = useApp((s) => s.publisher.producerError);
  const appNonce = useApp((s) => s.publisher.appNonce);
  const set = useApp((s) => s.setPublisherDraft);
  const known = shards.some((s) => String(s.shard) === draft.shard.trim());
  const shardNew = draft.shard.trim() !== '' && !known;
  const shownShard = check.errors.shard === undefined ? Number(draft.shard) : null;
  const nextSeq = producer && producer.shard === shownShard ? producer.sequenceStart : null;

  return (
    <section className="card pub-settings" aria-label="Batch settings" data-publisher-settings>
      <div className="card-head">
        <h2>Batch</h2>
      </div>
      <div className="card-body pub-settings-body">
        <Field label="Target shard" htmlFor="pub-shard" error={check.errors.shard} hint={shardNew ? 'A new stream is created by the first XADD' : 'An existing shard or a new id 0..65535'}>
          <ShardCombobox
            id="pub-shard"
            className="pub-shard-combo"
            shards={shards}
            value={draft.shard}
            onValueChange={(text) => set({ shard: text })}
            onPick={(shard) => set({ shard: String(shard) })}
            allowNew
            placeholder="Type or pick a shard id (0..65535)"
            ariaLabel="Target shard"
            invalid={check.errors.shard !== undefined}
            inputData={{ 'data-publisher-shard': true }}
          />
        </Field>

        <Field label="Copies" htmlFor="pub-copies" error={check.errors.copies} hint="The editor's events repeated; {{i}} counts across copies">
          <input id="pub-copies" className="input input-mono input-num" inputMode="numeric" value={draft.copies} onChange={(e) => set({ copies: e.target.value })} data-publisher-copies />
        </Field>

        <fieldset className="pub-fieldset">
          <legend className="field-label">Producer nonce</legend>
          <label className="radio">
            <input type="radio" name="pub-nonce" checked={draft.nonceMode === 'app'} onChange={() => set({ nonceMode: 'app' })} />
            <span>
              App nonce <code className="pub-nonce" data-publisher-nonce>{appNonce ?? '…'}</code>
              <span className="check-hint">Persistent, in net-mesh's nonce-file format</span>
            </span>
          </label>
          <label className="radio">
            <input type="radio" name="pub-nonce" checked={draft.nonceMode === 'custom'} onChange={() => set({ nonceMode: 'custom' })} />
            <span>Custom</span>
          </label>
          {draft.nonceMode === 'custom' ? (
            <div className={`field pub-indent${check.errors.customNonce ? ' field-invalid' : ''}`}>
              <input
                className="input input-mono"
                aria-label="Custom nonce (hex)"
                placeholder="hex, e.g. deadbeefcafef00d"
                value={draft.customNonce}
                onChange={(e) => set({ customNonce: e.target.value })}
                data-publisher-custom-nonce
              />
              {check.errors.customNonce ? <span className="field-error">{check.errors.customNonce}</span> : null}
            </div>
          ) : null}
          {producerError ? <span className="field-error">{producerError.message}</span> : null}
        </fieldset>

        <fieldset className="pub-fieldset">
          <legend className="field-label">Sequence start</legend>
          <label className="radio">
            <input type="radio" name="pub-seq" checked={draft.seqMode === 'next'} onChange={() => set({ seqMode: 'next' })} />
            <span>
              Next for this nonce and shard{' '}
              <code data-publisher-next-seq>{nextSeq ?? (shownShard === null ? '—' : '…')}</code>
              <span className="check-hint">Test batches never reuse ids unless asked to</span>
            </span>
          </label>
          <label className="radio">
            <input type="radio" name="pub-seq" checked={draft.seqMode === 'custom'} onChange={() => set({ seqMode: 'custom', customSeq: draft.customSeq || (nextSeq ?? '0') })} />
            <span>Custom</span>
          </label>
          {draft.seqMode === 'custom' ? (
            <div className={`field pub-indent${check.errors.customSeq ? ' field-invalid' : ''}`}>
              <input className="input input-mono input-num" aria-label="Custom sequence start" value={draft.customSeq} onChange={(e) => set({ customSeq: e.target.value })} data-publisher-custom-seq />
              <span className={check.errors.customSeq ? 'field-error' : 'field-hint'}>{check.errors.customSeq ?? 'Reusing ordinals reproduces duplicate or colliding ids'}</span>
            </div>
          ) : null}
        </fieldset>

        <div className={`field${check.errors.maxLen ? ' field-invalid' : ''}`}>
          <label className="check">
            <input type="checkbox" checked={draft.maxLenOn} onChange={(e) => set({ maxLenOn: e.target.checked })} data-publisher-maxlen-on />
            <span>
              Trim with <code>MAXLEN ~</code>
              <span className="check-hint">Approximate trimming on every XADD, as net-mesh's max_stream_len</span>
            </span>
          </label>
          {draft.maxLenOn ? (
            <div className="pub-indent">
              <input className="input input-mono input-num" aria-label="MAXLEN" value={draft.maxLen} onChange={(e) => set({ maxLen: e.target.value })} data-publisher-maxlen />
              {check.errors.maxLen ? <span className="field-error">{check.errors.maxLen}</span> : null}
            </div>
          ) : null}
        </div>
      </div>
    </section>
  );
}

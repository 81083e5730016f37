import { useEffect, useRef } from 'react';
import type { PublishedBatch } from '../../../../shared/contract';
import { Icon } from '../../components/Icon';
import { formatCount } from '../../lib/format';
import { batchCount, batchOutcome, dedupRange, ordinalRange } from '../../models/publisher-model';
import { useApp } from '../../store';

const SHOWN = 100;

/**
 * The last publish (or re-check): what is known about it, its ids and dedup_ids, and the
 * follow-up actions. An unconfirmed batch shows the dedup_ids to look for and "Re-check" instead
 * of "Publish again" (whether it landed decides whether publishing it again duplicates it).
 */
export function BatchResult({
  batch,
  action,
  readOnly,
  busy,
  onAgain,
  onRecheck,
  onDelete,
}: {
  batch: PublishedBatch;
  action: 'publish' | 'again' | 'recheck';
  readOnly: boolean;
  busy: boolean;
  onAgain(): void;
  onRecheck(): void;
  onDelete(): void;
}) {
  const open = useApp((s) => s.showInBrowser);
  const n = batchCount(batch);
  const outcome = batchOutcome(batch);
  const landed = outcome === 'landed';
  const rows = batch.ids.slice(0, SHOWN);
  const firstId = batch.ids.find((id) => id !== '');
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
  }, [batch.batchId]);
  const events = `${formatCount(n)} ${n === 1 ? 'event' : 'events'}`;
  const title =
    outcome === 'unconfirmed' ? (
      <>
        Unconfirmed: {events} to <code>{batch.key}</code>
      </>
    ) : outcome === 'not-landed' ? (
      <>
        Not in the stream: {events} to <code>{batch.key}</code> did not land
      </>
    ) : (
      <>
        {batch.deleted ? 'Deleted: ' : ''}
        Published {events} {action === 'again' ? 'again with the same ids ' : ''}to <code>{batch.key}</code>
      </>
    );
  const iconClass = batch.deleted ? 'result-icon is-deleted' : outcome === 'landed' ? 'result-icon' : 'result-icon is-warn';
  return (
    <section
      ref={ref}
      className="card pub-result"
      aria-label="Published batch"
      data-publisher-result
      data-batch-id={batch.batchId}
      data-outcome={outcome}
      data-deleted={batch.deleted ? 'true' : 'false'}
    >
      <div className="card-head">
        <span className={iconClass} aria-hidden="true">
          <Icon name={batch.deleted ? 'trash' : landed ? 'check' : 'alert'} />
        </span>
        <h2>{title}</h2>
        <span className="spacer" />
        {landed ? (
          <span className="muted small">
            {batch.verifiedBy === 'readback' ? 'reply lost · confirmed by reading the stream back' : batch.verifiedBy === 'recheck' ? 'confirmed by a re-check' : 'one MULTI/EXEC in'}{' '}
            {batch.verifiedBy === 'readback' || batch.verifiedBy === 'recheck' ? null : <b className="mono" data-result-latency>{batch.latencyMs.toFixed(1)} ms</b>}
          </span>
        ) : null}
      </div>
      {outcome === 'unconfirmed' ? (
        <div className="pub-note" role="status" data-result-note>
          <p>
            Redis did not answer after the batch was sent, and stayed unreachable while the inspector tried to read the stream back, so it is not known whether the batch is in <code>{batch.key}</code>. Re-check once Redis is back; publishing it again before that
            could duplicate it.
          </p>
          <p className="mono small" data-result-look-for>
            Look for {dedupRange(batch.nonce, batch.shard, batch.sequenceStart, n)}
          </p>
        </div>
      ) : batch.note && (outcome === 'not-landed' || batch.missing || batch.verifiedBy === 'readback') ? (
        <p className="pub-note" data-result-note>
          {batch.note}
        </p>
      ) : action === 'again' ? (
        <p className="pub-note">
          A producer retry, reproduced: the same dedup_ids and the same bytes under new stream ids. Consumers' dedup drops these copies; the browser marks them as retry duplicates.
        </p>
      ) : null}
      <div className="pub-result-meta mono small">{ordinalRange(batch.nonce, batch.shard, batch.sequenceStart, n)}</div>
      {landed ? (
        <div className="pub-ids" role="table" aria-label="Stream ids and dedup_ids">
          <div className="trow trow-head pub-ids-row pub-ids-head" role="row">
            <span role="columnheader">#</span>
            <span role="columnheader">Stream id</span>
            <span role="columnheader">dedup_id</span>
            <span role="columnheader" />
          </div>
          <div className="pub-ids-body">
            {rows.map((id, i) => (
              <div key={`${i}:${id}`} className="trow pub-ids-row" role="row" data-result-id={id}>
                <span role="cell" className="muted">
                  {i}
                </span>
                <span role="cell" className={id === '' ? 'muted' : 'mono'}>
                  {id === '' ? 'no longer in the stream' : id}
                </span>
                <span role="cell" className="mono muted">
                  {batch.dedupIds[i]}
                </span>
                <span role="cell">
                  <button type="button" className="btn btn-ghost btn-sm" disabled={batch.deleted || id === ''} onClick={() => open(batch.shard, { entryId: id })}>
                    Show
                  </button>
                </span>
              </div>
            ))}
          </div>
          {n > SHOWN ? <div className="pub-ids-more muted small">and {formatCount(n - SHOWN)} more; the history keeps them all</div> : null}
        </div>
      ) : null}
      <div className="card-actions">
        {outcome === 'unconfirmed' ? (
          <button type="button" className="btn btn-sm btn-primary" onClick={onRecheck} disabled={busy} data-action="recheck" title="Read the stream again for these dedup_ids">
            <Icon name="refresh" />
            {busy ? 'Re-checking…' : 'Re-check now'}
          </button>
        ) : (
          <>
            <button type="button" className="btn btn-sm" onClick={() => open(batch.shard, firstId ? { entryId: firstId } : {})} disabled={batch.deleted || !landed} data-action="open-batch">
              <Icon name="list" />
              See the entries in shard {batch.shard}
            </button>
            <button
              type="button"
              className="btn btn-sm"
              onClick={onAgain}
              disabled={readOnly || busy || batch.deleted}
              title={landed ? 'Reproduces a producer retry: same dedup_ids, same bytes, new stream ids (asks first)' : 'It did not land: publish it with its ids (no duplicate)'}
              data-action="publish-again"
            >
              <Icon name="refresh" />
              {landed ? 'Publish again with the same ids' : 'Publish it again (no duplicate)'}
            </button>
          </>
        )}
        <span className="spacer" />
        <button type="button" className="btn btn-sm btn-danger" onClick={onDelete} disabled={readOnly || busy || batch.deleted || !landed} data-action="delete-batch">
          <Icon name="trash" />
          {batch.deleted ? 'Deleted' : 'Delete this test batch'}
        </button>
      </div>
    </section>
  );
}

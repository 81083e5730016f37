import { useEffect, useRef } from 'react';
import type { PublishedBatch } from '../../../../shared/contract';
import { Icon } from '../../components/Icon';
import { formatCount } from '../../lib/format';
import { ordinalRange } from '../../models/publisher-model';
import { useApp } from '../../store';

const SHOWN = 100;

/** The last publish: its ids, dedup_ids and latency, with the follow-up actions. */
export function BatchResult({
  batch,
  action,
  readOnly,
  busy,
  onAgain,
  onDelete,
}: {
  batch: PublishedBatch;
  action: 'publish' | 'again';
  readOnly: boolean;
  busy: boolean;
  onAgain(): void;
  onDelete(): void;
}) {
  const open = useApp((s) => s.showInBrowser);
  const n = batch.ids.length;
  const rows = batch.ids.slice(0, SHOWN);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
  }, [batch.batchId]);
  return (
    <section ref={ref} className="card pub-result" aria-label="Published batch" data-publisher-result data-batch-id={batch.batchId} data-deleted={batch.deleted ? 'true' : 'false'}>
      <div className="card-head">
        <span className={batch.deleted ? 'result-icon is-deleted' : 'result-icon'} aria-hidden="true">
          <Icon name={batch.deleted ? 'trash' : 'check'} />
        </span>
        <h2>
          {batch.deleted ? 'Deleted: ' : ''}
          Published {formatCount(n)} {n === 1 ? 'event' : 'events'} {action === 'again' ? 'again with the same ids ' : ''}to <code>{batch.key}</code>
        </h2>
        <span className="spacer" />
        <span className="muted small">
          one MULTI/EXEC in <b className="mono" data-result-latency>{batch.latencyMs.toFixed(1)} ms</b>
        </span>
      </div>
      {action === 'again' ? (
        <p className="pub-note">
          A producer retry, reproduced: the same dedup_ids and the same bytes under new stream ids. Consumers' dedup drops these copies; the browser marks them as retry duplicates.
        </p>
      ) : null}
      <div className="pub-result-meta mono small">{ordinalRange(batch.nonce, batch.shard, batch.sequenceStart, n)}</div>
      <div className="pub-ids" role="table" aria-label="Stream ids and dedup_ids">
        <div className="trow trow-head pub-ids-row pub-ids-head" role="row">
          <span role="columnheader">#</span>
          <span role="columnheader">Stream id</span>
          <span role="columnheader">dedup_id</span>
          <span role="columnheader" />
        </div>
        <div className="pub-ids-body">
          {rows.map((id, i) => (
            <div key={id} className="trow pub-ids-row" role="row" data-result-id={id}>
              <span role="cell" className="muted">
                {i}
              </span>
              <span role="cell" className="mono">
                {id}
              </span>
              <span role="cell" className="mono muted">
                {batch.dedupIds[i]}
              </span>
              <span role="cell">
                <button type="button" className="btn btn-ghost btn-sm" disabled={batch.deleted} onClick={() => open(batch.shard, { entryId: id })}>
                  Show
                </button>
              </span>
            </div>
          ))}
        </div>
        {n > SHOWN ? <div className="pub-ids-more muted small">and {formatCount(n - SHOWN)} more; the history keeps them all</div> : null}
      </div>
      <div className="card-actions">
        <button type="button" className="btn btn-sm" onClick={() => open(batch.shard, batch.ids[0] ? { entryId: batch.ids[0] } : {})} disabled={batch.deleted} data-action="open-batch">
          <Icon name="list" />
          See the entries in shard {batch.shard}
        </button>
        <button
          type="button"
          className="btn btn-sm"
          onClick={onAgain}
          disabled={readOnly || busy || batch.deleted}
          title="Reproduces a producer retry: same dedup_ids, same bytes, new stream ids"
          data-action="publish-again"
        >
          <Icon name="refresh" />
          Publish again with the same ids
        </button>
        <span className="spacer" />
        <button type="button" className="btn btn-sm btn-danger" onClick={onDelete} disabled={readOnly || busy || batch.deleted} data-action="delete-batch">
          <Icon name="trash" />
          {batch.deleted ? 'Deleted' : 'Delete this test batch'}
        </button>
      </div>
    </section>
  );
}

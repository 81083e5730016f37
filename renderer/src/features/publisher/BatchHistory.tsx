import type { PublishedBatch } from '../../../../shared/contract';
import { Icon } from '../../components/Icon';
import { formatCount, formatTimestamp } from '../../lib/format';
import { ordinalRange } from '../../models/publisher-model';
import { useApp } from '../../store';

/**
 * Every test batch this app published (kept by the core across restarts, newest first), with
 * "publish again" and "delete this test batch". Batches published through another profile are
 * listed but cannot be acted on here: their ids belong to another server or prefix.
 */
export function BatchHistory({
  batches,
  profileId,
  readOnly,
  busy,
  onAgain,
  onDelete,
}: {
  batches: PublishedBatch[] | null;
  profileId: string | null;
  readOnly: boolean;
  busy: boolean;
  onAgain(b: PublishedBatch): void;
  onDelete(b: PublishedBatch): void;
}) {
  const open = useApp((s) => s.showInBrowser);
  // The first batch of a (nonce, key, sequence start) published the ids; later ones repeat them.
  const firstOf = new Map<string, PublishedBatch>();
  for (const b of batches ? [...batches].reverse() : []) {
    const k = `${b.nonce}|${b.key}|${b.sequenceStart}`;
    if (!firstOf.has(k)) firstOf.set(k, b);
  }
  const mine = batches?.filter((b) => b.profileId === profileId).length ?? 0;
  return (
    <section className="card pub-history" aria-label="Batch history" data-publisher-history>
      <div className="card-head">
        <h2>Test batches</h2>
        {batches ? <span className="badge badge-count">{mine}</span> : null}
        <span className="spacer" />
        <span className="muted small">Kept across restarts · delete removes exactly the batch's stream ids (XDEL)</span>
      </div>
      {batches === null ? (
        <div className="card-empty muted">Loading…</div>
      ) : batches.length === 0 ? (
        <div className="card-empty muted">No test batches yet. Published batches are listed here with their ids, so you can replay or delete them.</div>
      ) : (
        <div className="hist-table" role="table" aria-label="Published test batches">
          <div className="trow trow-head hist-row hist-head" role="row">
            <span role="columnheader">Published</span>
            <span role="columnheader">Stream</span>
            <span role="columnheader" className="num">
              Events
            </span>
            <span role="columnheader">dedup_ids</span>
            <span role="columnheader" className="num">
              Latency
            </span>
            <span role="columnheader">State</span>
            <span role="columnheader" />
          </div>
          {batches.map((b) => {
            const other = b.profileId !== profileId;
            const first = firstOf.get(`${b.nonce}|${b.key}|${b.sequenceStart}`);
            const retry = first !== undefined && first.batchId !== b.batchId;
            const why = other ? 'Published through another connection profile: connect with it to act on this batch' : readOnly ? 'This profile is read-only' : undefined;
            return (
              <div key={b.batchId} className={`trow hist-row${b.deleted ? ' is-deleted' : ''}${other ? ' is-other' : ''}`} role="row" data-history-batch={b.batchId} data-deleted={b.deleted ? 'true' : 'false'}>
                <span role="cell" className="mono small">
                  {formatTimestamp(new Date(b.at))}
                </span>
                <span role="cell" className="mono">
                  {b.key}
                </span>
                <span role="cell" className="num mono">
                  {formatCount(b.ids.length)}
                </span>
                <span role="cell" className="mono muted" title={ordinalRange(b.nonce, b.shard, b.sequenceStart, b.ids.length)}>
                  {ordinalRange(b.nonce, b.shard, b.sequenceStart, b.ids.length)}
                </span>
                <span role="cell" className="num mono muted">
                  {b.latencyMs.toFixed(1)} ms
                </span>
                <span role="cell">
                  {b.deleted ? (
                    <span className="badge">deleted</span>
                  ) : retry ? (
                    <span className="badge" data-tone="warn" title={`Same dedup_ids as the batch of ${formatTimestamp(new Date(first.at))}`}>
                      retry copy
                    </span>
                  ) : other ? (
                    <span className="badge">other profile</span>
                  ) : (
                    <span className="badge">in stream</span>
                  )}
                </span>
                <span role="cell" className="hist-actions">
                  <button type="button" className="btn btn-ghost btn-sm" disabled={other || b.deleted} onClick={() => open(b.shard, b.ids[0] ? { entryId: b.ids[0] } : {})} title="See the entries in the browser">
                    Show
                  </button>
                  <button type="button" className="btn btn-ghost btn-sm" disabled={other || readOnly || busy} onClick={() => onAgain(b)} title={why ?? 'Publish again with the same ids (a producer retry)'} data-action="history-again">
                    <Icon name="refresh" />
                    Again
                  </button>
                  <button
                    type="button"
                    className="btn btn-ghost btn-sm btn-danger-ghost"
                    disabled={other || readOnly || busy || b.deleted}
                    onClick={() => onDelete(b)}
                    title={why ?? 'Delete this test batch (XDEL exactly its ids)'}
                    data-action="history-delete"
                  >
                    <Icon name="trash" />
                    Delete
                  </button>
                </span>
              </div>
            );
          })}
        </div>
      )}
    </section>
  );
}

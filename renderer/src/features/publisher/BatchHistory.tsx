import { useRef } from 'react';
import type { PublishedBatch } from '../../../../shared/contract';
import { Icon } from '../../components/Icon';
import { formatCount, formatTimestamp } from '../../lib/format';
import { SpacerDiv, useListKeys, useVirtualRows } from '../../lib/use-virtual-rows';
import { batchCount, batchOutcome, ordinalRange } from '../../models/publisher-model';
import { useApp } from '../../store';

/**
 * Every test batch published from this config folder (kept by the core across restarts, newest
 * first; the command line's too), with what is known about each (in the stream, unconfirmed, not
 * landed), "re-check", "publish again" and "delete this test batch". Batches published through
 * another profile are listed but cannot be acted on here: their ids belong to another server or
 * prefix. The list is virtualized (only the rows in view are in the DOM): the history grows with
 * every batch and is never trimmed. Focused, Up/Down/PageUp/PageDown/Home/End move the active row
 * and Enter shows its entries in the browser.
 */
export function BatchHistory({
  batches,
  profileId,
  readOnly,
  busy,
  onAgain,
  onRecheck,
  onDelete,
}: {
  batches: PublishedBatch[] | null;
  profileId: string | null;
  readOnly: boolean;
  busy: boolean;
  onAgain(b: PublishedBatch): void;
  onRecheck(b: PublishedBatch): void;
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
  const list = batches ?? [];
  const scrollRef = useRef<HTMLDivElement>(null);
  const { virtualizer, items, padTop, padBottom } = useVirtualRows({ count: list.length, estimate: 41, scrollRef, getKey: (i) => list[i]!.batchId });
  const showIn = (b: PublishedBatch) => {
    const firstId = b.ids.find((id) => id !== '');
    if (b.profileId === profileId && !b.deleted && firstId) open(b.shard, { entryId: firstId });
  };
  const { active, setActive, onKeyDown } = useListKeys(virtualizer, list.length, (i) => showIn(list[i]!));
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
        <div
          className="hist-table"
          role="table"
          aria-label="Published test batches"
          ref={scrollRef}
          tabIndex={0}
          onKeyDown={onKeyDown}
          aria-activedescendant={active >= 0 ? `hist-${list[active]?.batchId}` : undefined}
          data-history-rows={list.length}
        >
          <div className="trow trow-head hist-row hist-head" role="row">
            <span role="columnheader">Published</span>
            <span role="columnheader">Stream</span>
            <span role="columnheader" className="num">
              Events
            </span>
            <span role="columnheader" className="hist-ids">
              dedup_ids
            </span>
            <span role="columnheader" className="num hist-latency">
              Latency
            </span>
            <span role="columnheader">State</span>
            <span role="columnheader" />
          </div>
          <SpacerDiv height={padTop} />
          {items.map((it) => {
            const b = list[it.index]!;
            const other = b.profileId !== profileId;
            const outcome = batchOutcome(b);
            const first = firstOf.get(`${b.nonce}|${b.key}|${b.sequenceStart}`);
            const retry = b.replayOf !== undefined || (first !== undefined && first.batchId !== b.batchId && outcome === 'landed');
            const why = other ? 'Published through another connection profile: connect with it to act on this batch' : readOnly ? 'This profile is read-only' : undefined;
            const firstId = b.ids.find((id) => id !== '');
            return (
              <div
                key={it.key}
                id={`hist-${b.batchId}`}
                ref={virtualizer.measureElement}
                data-index={it.index}
                onMouseDown={() => setActive(it.index)}
                className={`trow hist-row${b.deleted ? ' is-deleted' : ''}${other ? ' is-other' : ''}${active === it.index ? ' is-active' : ''}`}
                role="row"
                data-history-batch={b.batchId}
                data-outcome={outcome}
                data-deleted={b.deleted ? 'true' : 'false'}
              >
                <span role="cell" className="mono small">
                  {formatTimestamp(new Date(b.at))}
                </span>
                <span role="cell" className="mono">
                  {b.key}
                </span>
                <span role="cell" className="num mono">
                  {formatCount(batchCount(b))}
                </span>
                <span role="cell" className="mono muted hist-ids" title={ordinalRange(b.nonce, b.shard, b.sequenceStart, batchCount(b))}>
                  {ordinalRange(b.nonce, b.shard, b.sequenceStart, batchCount(b))}
                </span>
                <span role="cell" className="num mono muted hist-latency">
                  {outcome === 'landed' && b.verifiedBy !== 'readback' && b.verifiedBy !== 'recheck' ? `${b.latencyMs.toFixed(1)} ms` : '—'}
                </span>
                <span role="cell">
                  {b.deleted ? (
                    <span className="badge">deleted</span>
                  ) : outcome === 'unconfirmed' ? (
                    <span className="badge" data-tone="warn" title={b.note}>
                      unconfirmed
                    </span>
                  ) : outcome === 'not-landed' ? (
                    <span className="badge" title={b.note}>
                      not landed
                    </span>
                  ) : retry ? (
                    <span className="badge" data-tone="warn" title={first ? `Same dedup_ids as the batch of ${formatTimestamp(new Date(first.at))}` : 'Same dedup_ids as an earlier batch'}>
                      retry copy
                    </span>
                  ) : other ? (
                    <span className="badge">other profile</span>
                  ) : (
                    <span className="badge" data-tone="ok" title={b.missing ? b.note : undefined}>
                      {b.missing ? `in stream, ${formatCount(b.missing)} gone` : 'in stream'}
                    </span>
                  )}
                </span>
                <span role="cell" className="hist-actions">
                  <button type="button" className="btn btn-ghost btn-sm" disabled={other || b.deleted || !firstId} onClick={() => open(b.shard, firstId ? { entryId: firstId } : {})} title="See the entries in the browser">
                    Show
                  </button>
                  {outcome === 'unconfirmed' ? (
                    <button type="button" className="btn btn-ghost btn-sm" disabled={other || busy} onClick={() => onRecheck(b)} title={why ?? 'Read the stream again for its dedup_ids'} data-action="history-recheck">
                      <Icon name="refresh" />
                      Re-check
                    </button>
                  ) : (
                    <button
                      type="button"
                      className="btn btn-ghost btn-sm"
                      disabled={other || readOnly || busy}
                      onClick={() => onAgain(b)}
                      title={why ?? (outcome === 'landed' ? 'Publish again with the same ids (a producer retry; asks first)' : 'It did not land: publish it with its ids (no duplicate)')}
                      data-action="history-again"
                    >
                      <Icon name="refresh" />
                      Again
                    </button>
                  )}
                  <button
                    type="button"
                    className="btn btn-ghost btn-sm btn-danger-ghost"
                    disabled={other || readOnly || busy || b.deleted || outcome !== 'landed'}
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
          <SpacerDiv height={padBottom} />
        </div>
      )}
    </section>
  );
}

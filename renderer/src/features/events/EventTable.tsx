import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useRef } from 'react';
import type { MeshEntry } from '../../../../shared/types';
import { formatDate, formatTime, formatTimestamp, previewLine } from '../../lib/format';
import { streamIdTime } from '../../lib/stream-id';

/** Fixed row height: rows never change size, so nothing jumps while data arrives. */
export const ROW_HEIGHT = 28;

const EventRow = memo(function EventRow({ entry }: { entry: MeshEntry }) {
  const time = streamIdTime(entry.id);
  // Payload text is only ever a React text child: HTML or script in a payload shows as text.
  const payload = entry.status === 'ok' ? previewLine(entry.r) : entry.d !== undefined ? previewLine(entry.d) : '';
  return (
    <>
      <div className="cell cell-time mono" role="cell" title={time ? formatTimestamp(time) : undefined}>
        {time ? (
          <>
            <span className="ts-date">{formatDate(time)} </span>
            {formatTime(time)}
          </>
        ) : (
          '—'
        )}
      </div>
      <div className="cell cell-id mono" role="cell" title={entry.id}>
        {entry.id}
      </div>
      <div className={`cell cell-dedup mono${entry.dedupId === undefined ? ' is-missing' : ''}`} role="cell" title={entry.dedupId}>
        {entry.dedupId ?? 'no dedup_id'}
      </div>
      <div className="cell cell-status" role="cell">
        {entry.status === 'ok' ? (
          <span className="status status-ok">ok</span>
        ) : (
          <span className="status status-corrupt" title={entry.reason}>
            corrupt
          </span>
        )}
      </div>
      <div className="cell cell-payload mono" role="cell">
        {entry.status === 'corrupt' ? (
          <>
            <span className="corrupt-reason" title={entry.reason}>
              {entry.reason}
            </span>
            {payload ? <span className="corrupt-raw">{payload}</span> : null}
          </>
        ) : (
          payload
        )}
      </div>
    </>
  );
});

/**
 * The loaded entries as a virtualized table (only visible rows are in the DOM). Row keys are
 * stream ids, so a refresh keeps rows in place. Each row carries `data-entry-id` and `data-status`
 * for tests and for people who script the app.
 */
export function EventTable({ entries, label }: { entries: MeshEntry[]; label: string }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: entries.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (i) => entries[i]?.id ?? i,
  });

  return (
    <div className="table" role="table" aria-label={label} aria-rowcount={entries.length + 1}>
      <div className="table-head" role="rowgroup">
        <div className="row row-head" role="row">
          <div className="cell" role="columnheader" title="Wall-clock time from the stream id (t is not wall time)">
            Time<span className="th-extra"> (stream id)</span>
          </div>
          <div className="cell" role="columnheader">Stream id</div>
          <div className="cell" role="columnheader">dedup_id</div>
          <div className="cell" role="columnheader">Status</div>
          <div className="cell" role="columnheader">Payload</div>
        </div>
      </div>
      <div className="table-body" ref={scrollRef} role="rowgroup" tabIndex={0} data-event-list>
        <div className="table-canvas" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const entry = entries[item.index];
            if (!entry) return null;
            return (
              <div
                key={item.key}
                className={`row${entry.status === 'corrupt' ? ' row-corrupt' : ''}${item.index % 2 === 1 ? ' row-alt' : ''}`}
                role="row"
                aria-rowindex={item.index + 2}
                data-entry-id={entry.id}
                data-status={entry.status}
                style={{ transform: `translateY(${item.start}px)` }}
              >
                <EventRow entry={entry} />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

/** Placeholder rows with the table's exact geometry, shown while the first page loads. */
export function EventTableSkeleton() {
  return (
    <div className="table" aria-hidden="true">
      <div className="table-head">
        <div className="row row-head">
          <div className="cell">Time (stream id)</div>
          <div className="cell">Stream id</div>
          <div className="cell">dedup_id</div>
          <div className="cell">Status</div>
          <div className="cell">Payload</div>
        </div>
      </div>
      <div className="table-body">
        {Array.from({ length: 12 }, (_, i) => (
          <div key={i} className="row row-static">
            {[0, 1, 2, 3, 4].map((c) => (
              <div key={c} className="cell">
                <span className="skeleton skeleton-line" />
              </div>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}

import { memo } from 'react';
import './lane-rows.css';
import { AnomalyFlag } from '../../components/AnomalyIcon';
import { formatCount } from '../../lib/format';
import { causeLabel, gapText, type RowMarker } from './lane-rows';

/**
 * A row between entries (lane-rows.ts): a gap marker ("50 events missing: …", its cause as a
 * badge, the cause's reason as the tooltip) or a dedup_id group header in the Duplicates filter.
 * Same height as an entry row; it has no `data-row-index`, so a click on it selects nothing.
 */
export const MarkerRow = memo(function MarkerRow({ marker, top, index }: { marker: RowMarker; top: number; index: number }) {
  const style = { transform: `translateY(${top}px)` };
  if (marker.kind === 'gap') {
    const cause = marker.gap.cause;
    return (
      <div className={`erow lane-mark lane-gap gap-${cause ?? 'none'}`} role="row" data-marker="gap" data-marker-index={index} data-gap-nonce={marker.gap.nonce} data-gap-from={marker.gap.from} data-gap-to={marker.gap.to} style={style} title={marker.gap.reason}>
        <div className="ecell lane-mark-cell" role="cell">
          <span className="lane-mark-rule" aria-hidden="true" />
          <span className="lane-mark-badge">{causeLabel(cause)}</span>
          <span className="lane-mark-text" data-gap-text>
            {gapText(marker)}
          </span>
          <span className="lane-mark-rule" aria-hidden="true" />
        </div>
      </div>
    );
  }
  const kind = marker.dup;
  return (
    <div className={`erow lane-mark lane-group group-${kind ?? 'pending'}`} role="row" data-marker="group" data-marker-index={index} data-group-id={marker.dedupId} data-group-kind={kind} style={style}>
      <div className="ecell lane-mark-cell" role="cell">
        {marker.section ? <span className="lane-mark-section">{kind === 'collision' ? 'Collisions: same dedup_id, different payloads' : kind === 'retry' ? 'Retries: same dedup_id, same payload' : 'Duplicates'}</span> : null}
        {kind ? (
          <AnomalyFlag kind={kind === 'collision' ? 'collision' : 'duplicate'}>
            {kind}
            {marker.copies !== undefined ? ` ×${formatCount(marker.copies)}` : ''}
          </AnomalyFlag>
        ) : (
          <span className="flag flag-size">duplicate{marker.copies !== undefined ? ` ×${formatCount(marker.copies)}` : ''}</span>
        )}
        <span className="lane-mark-id" title={marker.dedupId}>
          {marker.dedupId}
        </span>
      </div>
    </div>
  );
});

import { useEffect, useMemo, useState } from 'react';
import { AnomalyFlag } from '../../components/AnomalyIcon';
import { formatCount, formatTimestamp } from '../../lib/format';
import { diffJson, pathLabel, type DiffMark } from '../../lib/json-diff';
import { streamIdTime } from '../../lib/stream-id';
import { JsonTree } from './JsonTree';

export interface CompareCopy {
  id: string;
  position: number;
  /** `r` as stored (or a corrupt copy's `d`). */
  text: string;
}

/** Differences shown as chips above the trees; the rest are counted. */
const SHOWN_PATHS = 8;

/**
 * A collision's copies side by side (issue 13): this entry's `r` on the left, another copy's on
 * the right, both as JSON trees over their stored text with every differing field marked
 * (lib/json-diff: compared literal for literal) and the containers holding them opened. Covers
 * the lanes (the detail alone is too narrow for two trees); Escape or × closes it.
 */
export function CollisionCompare({ dedupId, self, others, onClose, onReveal }: { dedupId: string; self: CompareCopy; others: CompareCopy[]; onClose(): void; onReveal(c: CompareCopy): void }) {
  // The first copy that differs (a collision may also hold byte-identical retries).
  const [pick, setPick] = useState(() => Math.max(0, others.findIndex((o) => o.text !== self.text)));
  const other = others[pick] ?? others[0];
  const diff = useMemo(() => (other ? diffJson(self.text, other.text) : null), [self.text, other]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.stopImmediatePropagation();
      e.preventDefault();
      onClose();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onClose]);

  if (!other || !diff) return null;
  return (
    <section className="compare" role="dialog" aria-label="Compare the copies of a dedup_id" data-compare data-compare-count={diff.count}>
      <header className="compare-head">
        <AnomalyFlag kind="collision" />
        <span className="compare-title">
          <span className="muted">dedup_id</span> <code>{dedupId}</code>
        </span>
        <span className="muted small">
          {others.length + 1} copies · {diff.count === 0 ? 'these two are byte-identical' : `${formatCount(diff.count)} ${diff.count === 1 ? 'difference' : 'differences'}${diff.partial ? ' (payloads too large to compare whole)' : ''}`}
        </span>
        <span className="spacer" />
        {others.length > 1 ? (
          <div className="seg seg-sm" role="group" aria-label="Copy to compare with">
            {others.map((o, k) => (
              <button key={o.id} type="button" className={k === pick ? 'seg-btn active' : 'seg-btn'} aria-pressed={k === pick} onClick={() => setPick(k)} data-compare-pick={o.id}>
                #{formatCount(o.position)}
              </button>
            ))}
          </div>
        ) : null}
        <button type="button" className="btn btn-ghost btn-icon btn-sm" onClick={onClose} aria-label="Close the comparison" title="Close (Esc)" data-action="compare-close">
          ×
        </button>
      </header>
      {diff.paths.length > 0 ? (
        <div className="compare-paths" data-compare-paths>
          <span className="muted small">Differs at</span>
          {diff.paths.slice(0, SHOWN_PATHS).map((p) => (
            <code key={p} className="compare-path" data-diff-path={p}>
              {pathLabel(p)}
            </code>
          ))}
          {diff.paths.length > SHOWN_PATHS ? <span className="muted small">and {formatCount(diff.count - SHOWN_PATHS)} more</span> : null}
          <span className="spacer" />
          <span className="compare-legend" aria-hidden="true">
            <span className="compare-key" data-diff="removed" />
            only in this entry
            <span className="compare-key" data-diff="changed" />
            different
            <span className="compare-key" data-diff="added" />
            only in the other copy
          </span>
        </div>
      ) : null}
      <div className="compare-cols">
        <CompareSide side="left" copy={self} label="This entry" marks={diff.left} />
        <CompareSide side="right" copy={other} label="Other copy" marks={diff.right} onReveal={() => onReveal(other)} />
      </div>
    </section>
  );
}

function CompareSide({ side, copy, label, marks, onReveal }: { side: 'left' | 'right'; copy: CompareCopy; label: string; marks: Map<string, DiffMark>; onReveal?(): void }) {
  const time = streamIdTime(copy.id);
  return (
    <div className="compare-side" data-compare-side={side} data-compare-id={copy.id}>
      <div className="compare-side-head">
        <span className="caps-label">{label}</span>
        <code className="compare-id">{copy.id}</code>
        <span className="muted small">#{formatCount(copy.position)}</span>
        {time ? <span className="muted small compare-time">{formatTimestamp(time)}</span> : null}
        <span className="spacer" />
        {onReveal ? (
          <button type="button" className="btn btn-ghost btn-sm" onClick={onReveal} data-action="compare-reveal">
            Open
          </button>
        ) : null}
      </div>
      <div className="compare-tree">
        <JsonTree key={copy.id} text={copy.text} marks={marks} />
      </div>
    </div>
  );
}

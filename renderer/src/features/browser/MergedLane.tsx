import { useEffect, useState, type RefObject } from 'react';
import { Icon } from '../../components/Icon';
import { formatCount, formatTimestamp } from '../../lib/format';
import type { JumpTarget } from '../../lib/jump-target';
import { useApp } from '../../store';
import { MERGED_LANE } from '../../store/events-slice';
import { FilterBar, InvalidFilter, JumpBox, OrderToggle } from './LaneParts';
import { ListBody } from './ListBody';
import { ListModel } from './list-model';

/**
 * Every shard of the prefix in one list, ordered by stream id (a k-way merge over per-shard
 * pages). Page by page rather than positioned over the whole bus: the scrollbar covers what has
 * been read, and more is read as the view nears the end (the lane says so).
 */
export function MergedLane({ filterRef }: { filterRef: RefObject<HTMLInputElement | null> }) {
  const api = useApp((s) => s.api);
  const shards = useApp((s) => s.shards?.shards ?? null);
  const merged = useApp((s) => s.merged);
  const setOrder = useApp((s) => s.setMergedOrder);
  const setFilter = useApp((s) => s.setMergedFilter);
  const reloadToken = useApp((s) => s.reloadToken);
  const [bump, setBump] = useState(0);
  const ids = shards?.map((s) => s.shard) ?? [];
  const idsKey = ids.join(',');
  const total = shards?.reduce((n, s) => n + s.length, 0) ?? 0;
  const [model, setModel] = useState<ListModel | null>(null);
  const [invalidFilter, setInvalidFilter] = useState<string | null>(null);
  const filterKey = merged.filter ? JSON.stringify(merged.filter) : '';
  // Jump box (issue 13): the merged list starts at this stream id in every shard ("every shard around 19:25").
  const [anchor, setAnchor] = useState<{ id: string; label: string } | null>(null);
  const anchorId = anchor?.id ?? null;

  useEffect(() => {
    if (idsKey === '') {
      setModel(null);
      return;
    }
    const m = new ListModel(api, idsKey.split(',').map(Number), merged.order, merged.filter, total, anchorId);
    setModel(m);
    m.start();
    return () => m.stop();
    // Rebuilt when the shard set, the order, the filter (filterKey) or a reload changes; `total` is progress only.
  }, [api, idsKey, merged.order, filterKey, bump, reloadToken, anchorId]);

  const jump = async (t: JumpTarget): Promise<string | null> => {
    if (t.kind === 'id') setAnchor({ id: t.id, label: t.id });
    else if (t.kind === 'time') {
      // Oldest first starts with the first entry at that time; newest first with the last one of its millisecond.
      setAnchor({ id: merged.order === 'newest' ? `${t.ms}-18446744073709551615` : `${t.ms}-0`, label: formatTimestamp(new Date(t.ms)) });
    } else return 'The merged view jumps to a stream id or a time';
    return null;
  };

  return (
    <section className="lane lane-merged" data-lane={MERGED_LANE} data-lane-order={merged.order}>
      <header className="lane-head">
        <div className="lane-title">
          <span className="lane-name">All shards</span>
          <span className="lane-key">merged by stream id</span>
        </div>
        <div className="lane-stats">
          <span>
            <b className="mono">{ids.length}</b> {ids.length === 1 ? 'shard' : 'shards'} · <b className="mono">{formatCount(total)}</b> entries
          </span>
        </div>
        <span className="spacer" />
        <OrderToggle order={merged.order} onChange={setOrder} />
        <button type="button" className="btn btn-ghost btn-icon btn-sm" onClick={() => setBump(bump + 1)} aria-label="Reload page" title="Read again from the start">
          <Icon name="refresh" />
        </button>
      </header>
      <div className="lane-tools">
        <JumpBox
          onJump={jump}
          options={{ positions: false, dedupIds: false }}
          placeholder="id or time (19:25)"
          hint="A stream id (1700000000000-0) or a time (19:25, 2024-11-26 19:25:03, local): every shard from there"
        />
        <FilterBar filter={merged.filter} onApply={setFilter} inputRef={filterRef} onInvalid={setInvalidFilter} />
      </div>
      {anchor ? (
        <div className="merged-anchor" data-merged-anchor={anchor.id} role="status">
          <span>
            {merged.order === 'newest' ? 'Up to' : 'From'} <b className="mono">{anchor.label}</b> in every shard{merged.order === 'newest' ? ', newest first' : ', oldest first'}; no live tail
          </span>
          <button type="button" className="btn btn-ghost btn-sm" data-action="merged-anchor-clear" onClick={() => setAnchor(null)}>
            {merged.order === 'newest' ? 'Back to the newest' : 'Back to the oldest'}
          </button>
        </div>
      ) : null}
      {invalidFilter !== null ? (
        <InvalidFilter message={invalidFilter} />
      ) : model ? (
        <ListBody key={`${idsKey}|${merged.order}|${filterKey}|${bump}|${anchorId ?? ''}`} laneKey={MERGED_LANE} model={model} stream={null} streamLength={total} />
      ) : (
        <div className="lane-empty">No shards to merge.</div>
      )}
    </section>
  );
}

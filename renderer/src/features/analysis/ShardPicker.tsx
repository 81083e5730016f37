import { useVirtualizer } from '@tanstack/react-virtual';
import { useDeferredValue, useMemo, useRef, useState } from 'react';
import type { ShardSummary } from '../../../../shared/contract';
import { Icon } from '../../components/Icon';
import { ProblemBadges } from '../../components/ProblemBadge';
import { formatCount } from '../../lib/format';
import { isEmptyQuery, parseShardQuery, viewShards } from '../../models/shard-list-model';
import { useShardProblems } from '../../lib/use-shard-problems';
import './shard-picker.css';

const ROW_H = 28;

/**
 * The analysis' "Selected shards" picker (issue 14): a filter (the sidebar's terms: id prefix,
 * `#id`, range, key substring, `has:problems`), select or clear everything that matches, and a
 * virtualized list of checkboxes, so 65,536 shards put a few dozen rows in the DOM and ticking a
 * box costs the same at any count.
 */
export function ShardPicker(p: { shards: readonly ShardSummary[]; selected: readonly number[]; disabled: boolean; onChange(selected: number[]): void }) {
  const { shards, selected, disabled, onChange } = p;
  const problems = useShardProblems();
  const [filter, setFilter] = useState('');
  const deferred = useDeferredValue(filter);
  const query = useMemo(() => parseShardQuery(deferred), [deferred]);
  const view = useMemo(() => viewShards(shards, query, 'id', problems), [shards, query, problems]);
  const chosen = useMemo(() => new Set(selected), [selected]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: view.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    overscan: 8,
    getItemKey: (i) => view[i]?.shard ?? i,
  });
  const filtered = !isEmptyQuery(query);
  const matchingChosen = useMemo(() => (filtered ? view.reduce((n, s) => n + (chosen.has(s.shard) ? 1 : 0), 0) : chosen.size), [filtered, view, chosen]);

  const toggle = (shard: number) => {
    const next = new Set(chosen);
    if (next.has(shard)) next.delete(shard);
    else next.add(shard);
    onChange([...next].sort((a, b) => a - b));
  };
  const selectMatching = () => {
    const next = new Set(chosen);
    for (const s of view) next.add(s.shard);
    onChange([...next].sort((a, b) => a - b));
  };
  const clearMatching = () => {
    if (!filtered) return onChange([]);
    const drop = new Set(view.map((s) => s.shard));
    onChange(selected.filter((s) => !drop.has(s)));
  };

  if (shards.length === 0) return <div className="muted small an-picker-none">No shards discovered.</div>;
  return (
    <div className="an-picker" data-analysis-picks>
      <div className="an-picker-bar">
        <div className="search-field an-picker-filter">
          <Icon name="search" className="icon-xs search-field-icon" />
          <input
            className="input input-sm search-field-input"
            type="search"
            placeholder="Filter: 12, 10-20, key, has:problems"
            aria-label="Filter shards to pick"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            spellCheck={false}
            autoComplete="off"
            data-pick-filter
          />
        </div>
        <button type="button" className="btn btn-ghost btn-sm" onClick={selectMatching} disabled={disabled || view.length === 0} data-pick-all>
          {filtered ? `Select ${formatCount(view.length)} matching` : 'Select all'}
        </button>
        <button type="button" className="btn btn-ghost btn-sm" onClick={clearMatching} disabled={disabled || matchingChosen === 0} data-pick-none>
          {filtered ? 'Clear matching' : 'None'}
        </button>
        <span className="spacer" />
        <span className="muted small" data-pick-count={selected.length}>
          {formatCount(selected.length)} of {formatCount(shards.length)} selected
          {filtered ? ` · ${formatCount(view.length)} shown` : ''}
        </span>
      </div>
      <div className="an-picker-scroll" ref={scrollRef}>
        {view.length === 0 ? (
          <div className="muted small an-picker-none">No shard matches “{filter.trim()}”.</div>
        ) : (
          <div className="an-picker-space" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((vi) => {
              const s = view[vi.index];
              if (!s) return null;
              const on = chosen.has(s.shard);
              return (
                <label key={vi.key} className={`an-pick an-pick-row${on ? ' is-on' : ''}`} style={{ transform: `translateY(${vi.start}px)`, height: ROW_H }}>
                  <input type="checkbox" checked={on} onChange={() => toggle(s.shard)} disabled={disabled} data-pick-shard={s.shard} />
                  <span className="mono an-pick-id">#{s.shard}</span>
                  <span className="an-sub">{formatCount(s.length)}</span>
                  <ProblemBadges problems={problems.get(s.shard)} />
                </label>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}

import { useRef } from 'react';
import type { GapRange, ShardAnalysis } from '../../../../shared/types';
import { formatCount } from '../../lib/format';
import { useListKeys, useVirtualRows } from '../../lib/use-virtual-rows';
import { CAUSE_LABEL, CAUSE_TONE, rangeText } from '../../models/gap-model';

/** Row height (px) before measuring; keep in sync with .an-gap-row in analysis.css. */
const ROW = 28;
/** The list grows with its gaps up to this height, then scrolls. */
const MAX_HEIGHT = 360;

type Row = { kind: 'title'; title: string; hint: string; count: number } | { kind: 'gap'; g: GapRange; head: boolean };

function rowsOf(shard: ShardAnalysis): Row[] {
  const rows: Row[] = [];
  const head = shard.headGaps ?? [];
  if (shard.gaps.length > 0) {
    rows.push({ kind: 'title', title: `Missing ordinals on shard ${shard.shard}`, hint: 'Between the lowest and highest ordinal of each producer nonce', count: shard.gaps.length });
    for (const g of shard.gaps) rows.push({ kind: 'gap', g, head: false });
  }
  if (head.length > 0) {
    rows.push({ kind: 'title', title: 'Missing first ordinals', hint: "Below each nonce's lowest ordinal here (producers count every shard from 0)", count: head.length });
    for (const g of head) rows.push({ kind: 'gap', g, head: true });
  }
  return rows;
}

/** Opens the entry bounding a gap in Browse (issue 13). */
type OpenGap = (g: GapRange, head: boolean) => void;

function GapRow({ g, head, onOpen }: { g: GapRange; head: boolean; onOpen?: OpenGap }) {
  const id = `${g.nonce}:${g.from}-${g.to}`;
  return (
    <span className="an-gap mono" {...(head ? { 'data-head-gap': id } : { 'data-gap': id })} data-gap-cause={g.cause ?? ''} title={g.reason}>
      <span className="an-gap-nonce muted">{g.nonce}</span>
      <span className="an-gap-range">{rangeText(g)}</span>
      <span className="an-sub an-gap-n">{formatCount(g.to - g.from + 1)}</span>
      <span className="an-gap-cause-cell">
        {g.cause ? (
          <span className="badge badge-sm an-gap-cause" data-tone={CAUSE_TONE[g.cause]}>
            {CAUSE_LABEL[g.cause]}
          </span>
        ) : null}
      </span>
      <span className="an-gap-why">{g.reason ?? ''}</span>
      {onOpen ? (
        <button
          type="button"
          className="btn btn-ghost btn-sm an-gap-open"
          data-kind="gap"
          data-evidence-open="gap"
          onClick={() => onOpen(g, head)}
          title={`Open the entry ${head ? 'after' : 'before'} this gap in Browse, selected`}
        >
          {head ? 'Entry after' : 'Entry before'}
        </button>
      ) : null}
    </span>
  );
}

/**
 * A shard's gaps with their causes: between present ordinals (lost, possibly deleted with the
 * deleted-id bound, or unknown before Redis 7) and, apart, each nonce's missing first ordinals
 * (trimmed or lost). One virtualized list (a shard may have tens of thousands of gaps): only the
 * rows in view are in the DOM. The reason behind each cause is on its row and in its tooltip.
 */
export function GapList({ shard, onOpen }: { shard: ShardAnalysis; onOpen?: OpenGap }) {
  const rows = rowsOf(shard);
  const scrollRef = useRef<HTMLDivElement>(null);
  const { virtualizer, items, total } = useVirtualRows({
    count: rows.length,
    estimate: ROW,
    scrollRef,
    getKey: (i) => {
      const r = rows[i]!;
      return r.kind === 'title' ? `t:${r.title}` : `${r.head ? 'h' : 'g'}:${r.g.nonce}:${r.g.from}`;
    },
  });
  const { active, setActive, onKeyDown } = useListKeys(virtualizer, rows.length);
  const listId = `an-gaps-${shard.shard}`;
  return (
    <span role="cell" className="an-gaps-inner">
      <div
        ref={scrollRef}
        className="an-gap-scroll"
        style={{ height: Math.min(total, MAX_HEIGHT) }}
        tabIndex={0}
        role="listbox"
        aria-label={`Gaps on shard ${shard.shard}: ${formatCount(shard.gaps.length + (shard.headGaps?.length ?? 0))}`}
        aria-activedescendant={active >= 0 ? `${listId}-${active}` : undefined}
        onKeyDown={onKeyDown}
        data-gap-list
        data-gap-count={shard.gaps.length + (shard.headGaps?.length ?? 0)}
      >
        <div className="an-gap-canvas" style={{ height: total }}>
          {items.map((it) => {
            const r = rows[it.index]!;
            return (
              <div
                key={it.key}
                id={`${listId}-${it.index}`}
                ref={virtualizer.measureElement}
                data-index={it.index}
                role="option"
                aria-selected={active === it.index}
                className={`an-gap-row${r.kind === 'title' ? ' is-title' : ''}${active === it.index ? ' is-active' : ''}`}
                style={{ transform: `translateY(${it.start}px)` }}
                onMouseDown={() => setActive(it.index)}
              >
                {r.kind === 'title' ? (
                  <span className="an-gaps-title" title={r.hint}>
                    {r.title} <span className="an-sub">· {formatCount(r.count)}</span>
                  </span>
                ) : (
                  <GapRow g={r.g} head={r.head} onOpen={onOpen} />
                )}
              </div>
            );
          })}
        </div>
      </div>
    </span>
  );
}

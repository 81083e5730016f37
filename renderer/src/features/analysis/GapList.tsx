import { useState } from 'react';
import type { GapRange, ShardAnalysis } from '../../../../shared/types';
import { formatCount } from '../../lib/format';
import { CAUSE_LABEL, CAUSE_TONE, rangeText } from '../../models/gap-model';

/** Gaps listed before "Show more" (a shard may have thousands; issue 14 virtualizes lists later). */
const SHOWN = 40;

type OpenGap = (g: GapRange, head: boolean) => void;

function Gap({ g, head, onOpen }: { g: GapRange; head: boolean; onOpen?: OpenGap }) {
  const id = `${g.nonce}:${g.from}-${g.to}`;
  // A button when it can open the entry bounding the gap in Browse (issue 13).
  const Tag = onOpen ? 'button' : 'span';
  return (
    <Tag
      {...(onOpen ? { type: 'button' as const, onClick: () => onOpen(g, head), 'data-evidence-open': 'gap' } : {})}
      className={`an-gap mono${onOpen ? ' an-gap-open' : ''}`}
      {...(head ? { 'data-head-gap': id } : { 'data-gap': id })}
      data-gap-cause={g.cause ?? ''}
      title={`${g.reason ?? ''}${onOpen ? `${g.reason ? '\n' : ''}Open the entry ${head ? 'after' : 'before'} the gap in Browse` : ''}`}
    >
      <span className="muted">{g.nonce}</span> {rangeText(g)}
      <span className="an-sub"> · {formatCount(g.to - g.from + 1)}</span>
      {g.cause ? (
        <span className="badge badge-sm an-gap-cause" data-tone={CAUSE_TONE[g.cause]}>
          {CAUSE_LABEL[g.cause]}
        </span>
      ) : null}
    </Tag>
  );
}

function Block({ title, hint, gaps, head, onOpen }: { title: string; hint: string; gaps: GapRange[]; head: boolean; onOpen?: OpenGap }) {
  const [limit, setLimit] = useState(SHOWN);
  if (gaps.length === 0) return null;
  return (
    <span className="an-gaps-block">
      <span className="an-gaps-title" title={hint}>
        {title}
      </span>
      {gaps.slice(0, limit).map((g) => (
        <Gap key={`${g.nonce}:${g.from}`} g={g} head={head} onOpen={onOpen} />
      ))}
      {gaps.length > limit ? (
        <button type="button" className="btn btn-ghost btn-sm" onClick={() => setLimit(gaps.length)} data-show-more>
          Show all {formatCount(gaps.length)}
        </button>
      ) : null}
    </span>
  );
}

/**
 * A shard's gaps with their causes: between present ordinals (lost, possibly deleted with the
 * deleted-id bound, or unknown before Redis 7) and, apart, each nonce's missing first ordinals
 * (trimmed or lost). The reason behind each cause is its tooltip.
 */
export function GapList({ shard, onOpen }: { shard: ShardAnalysis; onOpen?: OpenGap }) {
  const reasons = [...new Set([...shard.gaps, ...(shard.headGaps ?? [])].map((g) => g.reason).filter((r): r is string => !!r))];
  return (
    <span role="cell" className="an-gaps-inner">
      <Block title={`Missing ordinals on shard ${shard.shard}`} hint="Between the lowest and highest ordinal of each producer nonce" gaps={shard.gaps} head={false} onOpen={onOpen} />
      <Block title="Missing first ordinals" hint="Below each nonce's lowest ordinal here (producers count every shard from 0)" gaps={shard.headGaps ?? []} head onOpen={onOpen} />
      {reasons.length > 0 && reasons.length <= 3 ? (
        <span className="an-gap-reasons">
          {reasons.map((r) => (
            <span key={r} className="an-gap-reason">
              {r}
            </span>
          ))}
        </span>
      ) : null}
    </span>
  );
}

import type { ShardAnalysis } from '../../../../shared/types';
import { DEFAULT_DEDUP_CAPACITY } from '../../../../shared/dedup-window';
import { formatCount } from '../../lib/format';
import { useApp } from '../../store';

/**
 * The Analysis view's line for issue 13 (its own; the Consumer view is features/consumer): duplicates a default consumer (a 4096-id dedup window)
 * would deliver twice, in all and per shard, each shard a link to its consumer replay (Alt+5).
 * Shards read out of order (parallel workers) carry no figure and are named as such.
 */
export function DefaultConsumerNote({ shards }: { shards: ShardAnalysis[] }) {
  const selectShard = useApp((s) => s.selectShard);
  const setView = useApp((s) => s.setView);
  const known = shards.filter((s) => s.defaultConsumerRedeliveries !== undefined);
  if (known.length === 0) return null;
  const total = known.reduce((n, s) => n + (s.defaultConsumerRedeliveries ?? 0), 0);
  const worst = known.filter((s) => (s.defaultConsumerRedeliveries ?? 0) > 0).sort((a, b) => (b.defaultConsumerRedeliveries ?? 0) - (a.defaultConsumerRedeliveries ?? 0));
  const unknown = shards.length - known.length;
  return (
    <div className={`an-consumer${total > 0 ? ' tone-danger' : ''}`} data-analysis-redeliveries={total}>
      <span>
        Duplicates a default consumer ({formatCount(DEFAULT_DEDUP_CAPACITY)}-id window) would deliver twice: <b className="mono">{formatCount(total)}</b>
      </span>
      {worst.slice(0, 6).map((s) => (
        <button
          key={s.shard}
          type="button"
          className="an-consumer-link mono"
          onClick={() => {
            selectShard(s.shard);
            setView('consumer');
          }}
          title={`Replay shard ${s.shard} as a consumer (Alt+5)`}
        >
          #{s.shard}: {formatCount(s.defaultConsumerRedeliveries ?? 0)}
        </button>
      ))}
      {unknown > 0 ? <span className="muted small">{formatCount(unknown)} shard(s) read in parallel: replay them in the Consumer view</span> : null}
    </div>
  );
}

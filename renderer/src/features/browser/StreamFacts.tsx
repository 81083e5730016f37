import { useEffect } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatClock } from '../../lib/format';
import { factLines } from '../../models/stream-facts-model';
import { useApp } from '../../store';

/**
 * What Redis keeps about the lane's stream (issue 17, `shards:facts`): entries added ever,
 * present and removed, the last generated, first recorded and max deleted ids, memory and consumer
 * groups. Read when opened and every few seconds while open (the core reads Redis at most every
 * 5 s per shard).
 */
export function StreamFacts({ shard }: { shard: number }) {
  const entry = useApp((s) => s.shardFacts[shard]);
  const load = useApp((s) => s.loadShardFacts);
  const ready = useApp((s) => s.connection?.state === 'ready');
  useEffect(() => {
    if (!ready) return;
    void load(shard);
    const t = setInterval(() => void load(shard), 5000);
    return () => clearInterval(t);
  }, [shard, ready, load]);
  const facts = entry?.facts ?? null;
  return (
    <div className="lane-facts" data-stream-facts={shard} data-facts-at={facts?.at ?? ''}>
      {entry?.error ? <ErrorNotice error={entry.error} compact title={`Could not read the facts of shard ${shard}`} /> : null}
      {facts ? (
        <>
          <dl className="lane-facts-grid">
            {factLines(facts).map((l) => (
              <div key={l.id} className="lane-fact" data-fact={l.id} title={l.hint}>
                <dt>{l.label}</dt>
                <dd className={l.id === 'groups' ? undefined : 'mono'}>{l.value}</dd>
              </div>
            ))}
          </dl>
          <div className="lane-facts-note">
            XINFO STREAM, MEMORY USAGE ({facts.memorySamples} samples){facts.groupCount > 0 ? ', XINFO GROUPS' : ''} · read at <span className="mono">{formatClock(new Date(facts.at))}</span>
          </div>
        </>
      ) : entry?.error ? null : (
        <div className="lane-facts-note">Reading XINFO STREAM…</div>
      )}
    </div>
  );
}

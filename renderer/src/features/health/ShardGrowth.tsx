import { useState } from 'react';
import type { ShardGrowthSample } from '../../../../shared/contract';
import { formatCount } from '../../lib/format';
import { WINDOW_MS, formatNumber } from './health-model';
import { Sparkline } from './Sparkline';

type Order = 'shard' | 'growth';

/**
 * Per-shard growth from XLEN deltas (health.ts samples the discovered shards at most every 5 s):
 * which shards take writes right now, which stalled, which were trimmed.
 */
export function ShardGrowth({ series, now, windowMs = WINDOW_MS }: { series: readonly ShardGrowthSample[]; now: number; windowMs?: number }) {
  const [order, setOrder] = useState<Order>('growth');
  const latest = series[series.length - 1];
  const inWindow = series.filter((s) => s.at >= now - windowMs);
  const first = new Map<number, number>();
  for (const s of inWindow) for (const sh of s.shards) if (!first.has(sh.shard)) first.set(sh.shard, sh.length);

  const rows = (latest?.shards ?? []).map((sh) => ({
    ...sh,
    delta: first.has(sh.shard) ? sh.length - (first.get(sh.shard) as number) : null,
    points: inWindow.map((s) => ({ at: s.at, value: s.shards.find((x) => x.shard === sh.shard)?.perSec ?? null })),
  }));
  rows.sort((a, b) => (order === 'shard' ? a.shard - b.shard : (b.perSec ?? -Infinity) - (a.perSec ?? -Infinity) || a.shard - b.shard));
  const top = Math.max(1, ...rows.flatMap((r) => r.points.map((p) => p.value ?? 0)));

  return (
    <section className="card card-flat hv-card hv-card-growth" aria-labelledby="growth-title" data-shard-growth>
      <header className="hv-card-head">
        <h2 id="growth-title">Shard growth</h2>
        <span className="hv-card-hint">XLEN deltas</span>
        <span className="spacer" />
        <div className="seg seg-flush" role="group" aria-label="Order shards by">
          <button type="button" className={order === 'growth' ? 'seg-btn active' : 'seg-btn'} aria-pressed={order === 'growth'} onClick={() => setOrder('growth')}>
            growth
          </button>
          <button type="button" className={order === 'shard' ? 'seg-btn active' : 'seg-btn'} aria-pressed={order === 'shard'} onClick={() => setOrder('shard')}>
            shard
          </button>
        </div>
      </header>
      {rows.length === 0 ? (
        <div className="hv-card-empty">
          Growth appears once shards are discovered (the sidebar lists them) and two XLEN samples, 5 s apart, exist. Only discovered shards are read.
        </div>
      ) : (
        <div className="hv-table-scroll hv-growth-scroll">
          <table className="table hv-growth-table">
            <thead>
              <tr>
                <th scope="col">Shard</th>
                <th scope="col" className="hv-num">
                  Length
                </th>
                <th scope="col" className="hv-num">
                  Now
                </th>
                <th scope="col" className="hv-growth-spark-col">
                  trend
                </th>
                <th scope="col" className="hv-num">
                  Δ window
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.shard} data-growth-shard={r.shard} data-per-sec={r.perSec ?? ''}>
                  <td className="mono">
                    <span className="shard-hash">#</span>
                    {r.shard}
                  </td>
                  <td className="hv-num mono">{formatCount(r.length)}</td>
                  <td className={`hv-num mono${r.perSec !== null && r.perSec < 0 ? ' hv-text-warn' : r.perSec ? ' hv-text-strong' : ' muted'}`} title={r.perSec !== null && r.perSec < 0 ? 'Shrinking: trimmed (MAXLEN) or entries deleted' : undefined}>
                    {r.perSec === null ? '—' : `${r.perSec > 0 ? '+' : ''}${formatNumber(r.perSec)}/s`}
                  </td>
                  <td className="hv-growth-spark-col">
                    <Sparkline points={r.points} now={now} windowMs={windowMs} max={top} height={20} tone={r.perSec && r.perSec > 0 ? 'ok' : 'muted'} />
                  </td>
                  <td className="hv-num mono muted">{r.delta === null ? '—' : `${r.delta > 0 ? '+' : ''}${formatCount(r.delta)}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

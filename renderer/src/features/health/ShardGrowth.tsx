import { useState } from 'react';
import type { ShardGrowthSample } from '../../../../shared/contract';
import { formatCount } from '../../lib/format';
import { WINDOW_MS, formatNumber } from './health-model';
import { Sparkline } from './Sparkline';
import { VirtualTable } from './VirtualTable';

type Order = 'shard' | 'growth';

/** Each sample's shard → rate map, built once per sample (samples are immutable once received). */
const rateMaps = new WeakMap<ShardGrowthSample, Map<number, number | null>>();
function rateMap(s: ShardGrowthSample): Map<number, number | null> {
  let m = rateMaps.get(s);
  if (!m) {
    m = new Map(s.shards.map((x) => [x.shard, x.perSec]));
    rateMaps.set(s, m);
  }
  return m;
}

/**
 * Per-shard growth from XLEN deltas (health.ts samples the discovered shards at most every 5 s):
 * which shards take writes right now, which stalled, which were trimmed. Virtualized (a bus may have
 * thousands of shards); each row's trend is built only when the row is drawn, from one
 * shard → rate map per sample (not a search of every sample's list per row).
 */
export function ShardGrowth({ series, now, windowMs = WINDOW_MS }: { series: readonly ShardGrowthSample[]; now: number; windowMs?: number }) {
  const [order, setOrder] = useState<Order>('growth');
  const latest = series[series.length - 1];
  const inWindow = series.filter((s) => s.at >= now - windowMs);
  const first = new Map<number, number>();
  for (const s of inWindow) for (const sh of s.shards) if (!first.has(sh.shard)) first.set(sh.shard, sh.length);

  const rates = inWindow.map((s) => ({ at: s.at, perSec: rateMap(s) }));
  const rows = (latest?.shards ?? []).map((sh) => ({
    ...sh,
    delta: first.has(sh.shard) ? sh.length - (first.get(sh.shard) as number) : null,
  }));
  rows.sort((a, b) => (order === 'shard' ? a.shard - b.shard : (b.perSec ?? -Infinity) - (a.perSec ?? -Infinity) || a.shard - b.shard));
  let top = 1;
  for (const s of inWindow) for (const x of s.shards) if (x.perSec !== null && x.perSec > top) top = x.perSec;
  const pointsOf = (shard: number) => rates.map((r) => ({ at: r.at, value: r.perSec.get(shard) ?? null }));

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
        <VirtualTable
          rows={rows}
          rowKey={(r) => r.shard}
          label="Shard growth"
          columns={5}
          tableClass="hv-growth-table"
          estimate={37}
          head={
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
          }
          rowAttrs={(r) => ({ 'data-growth-shard': r.shard, 'data-per-sec': r.perSec ?? '' })}
          cells={(r) => (
            <>
              <td className="mono">
                <span className="shard-hash">#</span>
                {r.shard}
              </td>
              <td className="hv-num mono">{formatCount(r.length)}</td>
              <td className={`hv-num mono${r.perSec !== null && r.perSec < 0 ? ' hv-text-warn' : r.perSec ? ' hv-text-strong' : ' muted'}`} title={r.perSec !== null && r.perSec < 0 ? 'Shrinking: trimmed (MAXLEN) or entries deleted' : undefined}>
                {r.perSec === null ? '—' : `${r.perSec > 0 ? '+' : ''}${formatNumber(r.perSec)}/s`}
              </td>
              <td className="hv-growth-spark-col">
                <Sparkline points={pointsOf(r.shard)} now={now} windowMs={windowMs} max={top} height={20} tone={r.perSec && r.perSec > 0 ? 'ok' : 'muted'} />
              </td>
              <td className="hv-num mono muted">{r.delta === null ? '—' : `${r.delta > 0 ? '+' : ''}${formatCount(r.delta)}`}</td>
            </>
          )}
        />
      )}
    </section>
  );
}

import type { ReactNode } from 'react';
import type { HealthSample, InfoSample } from '../../../../shared/contract';
import { formatClock } from '../../lib/format';
import { counterIncrease, counterRate, formatBytes, formatInterval, formatNumber, roleLabel } from './health-model';
import { Sparkline, type Tone } from './Sparkline';

function Tile({
  id,
  label,
  value,
  unit,
  sub,
  tone = 'neutral',
  spark,
  meter,
}: {
  id: string;
  label: string;
  value: ReactNode;
  unit?: string;
  sub?: ReactNode;
  tone?: 'neutral' | 'ok' | 'warn' | 'danger';
  spark?: ReactNode;
  /** 0..1: a fill bar under the value (memory against maxmemory). */
  meter?: number | null;
}) {
  return (
    <div className={`card card-flat hv-tile hv-tile-${tone}`} data-tile={id} data-tone={tone}>
      <div className="hv-tile-label">{label}</div>
      <div className="hv-tile-value">
        <span className="hv-tile-number mono" data-tile-value>
          {value}
        </span>
        {unit ? <span className="hv-tile-unit">{unit}</span> : null}
      </div>
      {meter !== undefined && meter !== null ? (
        <div className="hv-meter" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(meter * 100)} aria-label={`${label}: ${Math.round(meter * 100)} %`}>
          <span className="hv-meter-fill" style={{ width: `${Math.min(100, Math.max(0, meter * 100)).toFixed(1)}%` }} />
        </div>
      ) : null}
      {sub ? (
        <div className="hv-tile-sub" title={typeof sub === 'string' ? sub : undefined}>
          {sub}
        </div>
      ) : null}
      {spark ? <div className="hv-tile-spark">{spark}</div> : null}
    </div>
  );
}

const toneSpark = (t: 'neutral' | 'ok' | 'warn' | 'danger'): Tone => (t === 'neutral' ? 'accent' : t);

/**
 * The INFO trends as tiles: current value, what it means, and its last 15 minutes. The app's own
 * command rate sits with them: the load the inspector itself adds is shown, not hidden.
 */
export function InfoTiles({
  latest,
  trend,
  raw,
  samples,
  now,
  windowMs,
  probeIntervalMs,
  ownRate,
  refused = null,
}: {
  latest: InfoSample | null;
  trend: readonly InfoSample[];
  raw: Record<string, string> | null;
  samples: readonly HealthSample[];
  now: number;
  windowMs: number;
  probeIntervalMs: number;
  ownRate: number | null;
  /** Redis' reason while the ACL user may not run INFO: said calmly in place of the wait. */
  refused?: string | null;
}) {
  const inWindow = trend.filter((s) => s.at >= now - windowMs);
  const series = (pick: (s: InfoSample) => number | null) => inWindow.map((s) => ({ at: s.at, value: pick(s) }));
  const spark = (props: Omit<Parameters<typeof Sparkline>[0], 'now' | 'windowMs'>) => <Sparkline {...props} now={now} windowMs={windowMs} />;
  const used = latest?.usedMemory ?? null;
  const max = latest?.maxmemory ?? null;
  const ratio = used !== null && max ? used / max : null;
  const memTone = ratio === null ? 'neutral' : ratio >= 0.9 ? 'danger' : ratio >= 0.75 ? 'warn' : 'ok';

  const evicted = counterIncrease(inWindow, (s) => s.evictedKeys);
  const rejected = counterIncrease(inWindow, (s) => s.rejectedConnections);
  const blocked = latest?.blockedClients ?? null;
  const role = latest?.role ?? null;
  const link = latest?.masterLinkStatus ?? null;
  const replicaTone = role === 'slave' ? (link === 'up' ? 'ok' : 'danger') : 'neutral';
  const loadingTone = latest?.loading ? 'warn' : latest ? 'ok' : 'neutral';
  const own = samples.filter((s) => s.ownCommandsPerSec !== undefined).map((s) => ({ at: s.at, value: s.ownCommandsPerSec ?? null }));

  return (
    <div className="hv-tiles" data-info-tiles>
      <Tile
        id="memory"
        label="Memory used"
        value={formatBytes(used)}
        tone={memTone}
        meter={ratio}
        sub={
          max === null
            ? 'maxmemory unknown'
            : max === 0
              ? 'no maxmemory limit'
              : (ratio ?? 0) > 1
                ? `over maxmemory (${formatBytes(max)}): writes refused`
                : `of ${formatBytes(max)} maxmemory · ${Math.round((ratio ?? 0) * 100)} %`
        }
        spark={spark({ points: series((s) => s.usedMemory), tone: toneSpark(memTone), max: max || null, label: 'Memory used' })}
      />
      <Tile
        id="ops"
        label="Operations"
        value={formatNumber(latest?.opsPerSec)}
        unit="ops/s"
        sub="instantaneous_ops_per_sec"
        spark={spark({ points: series((s) => s.opsPerSec), label: 'Operations per second' })}
      />
      <Tile
        id="clients"
        label="Connected clients"
        value={formatNumber(latest?.connectedClients)}
        sub={raw?.maxclients ? `of ${formatNumber(Number(raw.maxclients))} maxclients` : undefined}
        spark={spark({ points: series((s) => s.connectedClients), label: 'Connected clients' })}
      />
      <Tile
        id="blocked"
        label="Blocked clients"
        value={formatNumber(blocked)}
        tone={blocked ? 'warn' : latest ? 'ok' : 'neutral'}
        sub="waiting on blocking commands"
        spark={spark({ points: series((s) => s.blockedClients), tone: blocked ? 'warn' : 'accent', label: 'Blocked clients' })}
      />
      <Tile
        id="role"
        label="Role"
        value={roleLabel(role)}
        tone={role === 'slave' ? 'warn' : role ? 'ok' : 'neutral'}
        sub={role === 'slave' ? 'read-only: writes get READONLY' : role === 'master' ? `${formatNumber(Number(raw?.connected_slaves ?? 0))} connected replicas` : undefined}
      />
      <Tile
        id="replication"
        label="Replication link"
        value={role === 'slave' ? (link ?? 'unknown') : role ? 'n/a' : '—'}
        tone={replicaTone}
        sub={
          role === 'slave' ? (
            raw?.master_host ? (
              <>
                to master <span className="mono">{`${raw.master_host}:${raw.master_port ?? ''}`}</span>
              </>
            ) : (
              'master_link_status'
            )
          ) : role ? (
            'a master has no upstream link'
          ) : undefined
        }
      />
      <Tile
        id="loading"
        label="Loading dataset"
        value={latest?.loading === null || latest === null ? '—' : latest.loading ? 'loading' : 'no'}
        tone={loadingTone}
        sub={latest?.loading && raw?.loading_loaded_perc ? `${raw.loading_loaded_perc} % loaded` : 'LOADING replies are transient'}
      />
      <Tile
        id="evicted"
        label="Evicted keys"
        value={formatNumber(latest?.evictedKeys)}
        tone={evicted ? 'warn' : latest ? 'ok' : 'neutral'}
        sub={evicted === null ? 'since the server started' : `+${formatNumber(evicted)} in the window`}
        spark={spark({ points: counterRate(inWindow, (s) => s.evictedKeys), tone: evicted ? 'warn' : 'accent', label: 'Evictions per second' })}
      />
      <Tile
        id="rejected"
        label="Rejected connections"
        value={formatNumber(latest?.rejectedConnections)}
        tone={rejected ? 'danger' : latest ? 'ok' : 'neutral'}
        sub={rejected === null ? 'since the server started' : `+${formatNumber(rejected)} in the window`}
        spark={spark({ points: counterRate(inWindow, (s) => s.rejectedConnections), tone: rejected ? 'danger' : 'accent', label: 'Rejected connections per second' })}
      />
      <Tile
        id="own"
        label="This app's load"
        value={formatNumber(ownRate)}
        unit="cmd/s"
        sub={<span title={`A PING every ${formatInterval(probeIntervalMs)}; INFO and the shard XLENs at most every 5 s; plus whatever you browse, publish or analyse`}>all connections, probe included</span>}
        spark={spark({ points: own, tone: 'muted', label: 'Commands per second sent by this app' })}
      />
      {refused ? (
        <div className="hv-tiles-note small" data-info-refused title="Redis refused INFO for this ACL user; PING still measures health">
          INFO is not permitted for this user <span className="mono">({refused})</span>
        </div>
      ) : latest ? null : (
        <div className="hv-tiles-note hv-tiles-waiting small">Waiting for the first INFO…</div>
      )}
      {latest ? <div className="hv-tiles-asof small" data-info-at={latest.at}>INFO as of {formatClock(new Date(latest.at))}</div> : null}
    </div>
  );
}

import { useEffect, useState } from 'react';
import type { ConnectionState } from '../../../../shared/contract';
import { toApiError } from '../../api';
import { ErrorNotice } from '../../components/ErrorNotice';
import { KindBadge } from '../../components/KindBadge';
import { formatClock } from '../../lib/format';
import { useNow } from '../../lib/use-now';
import { targetKey } from '../../store/recovery';
import { useApp } from '../../store';
import type { MeshErrorInfo } from '../../../../shared/types';
import { ErrorLog } from './ErrorLog';
import { HIcon } from './health-icons';
import { PROBE_CHOICES, WINDOW_MS, exportFileName, formatDuration, formatInterval, formatLatency, latencyStats, windowFor } from './health-model';
import { IncidentPanels } from './IncidentPanels';
import { InfoTiles } from './InfoTiles';
import { LatencyChart } from './LatencyChart';
import { NodesPanel } from './NodesPanel';
import { NotifyToggle } from './NotifyToggle';
import { ShardGrowth } from './ShardGrowth';
import './health.css';

const headline: Record<ConnectionState, string> = {
  ready: 'Redis is answering',
  connecting: 'Connecting to Redis',
  reconnecting: 'Connection lost: reconnecting',
  down: 'Redis is unreachable',
  disconnected: 'Not connected',
};

/** Saves a document as a file through a Blob: the same in the browser (serve) and in Electron. */
function saveJson(doc: unknown, name: string): void {
  const blob = new Blob([`${JSON.stringify(doc, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** The state right now, why, since when, and what the app is doing about it. */
function StatusCard({ now }: { now: number }) {
  const connection = useApp((s) => s.connection);
  const health = useApp((s) => s.health);
  const link = useApp((s) => s.link);
  const staleSince = useApp((s) => s.staleSince);
  if (!connection) return null;
  const state = connection.state;
  const cause = health?.cause ?? (state !== 'ready' ? connection.error : undefined) ?? null;
  const reconnect = state !== 'ready' ? health?.reconnect : null;
  const lastOk = health?.lastOkAt ?? null;
  const latest = health?.latest ?? null;
  const tone = link !== 'open' ? 'stale' : state === 'ready' ? 'ok' : state === 'down' ? 'danger' : 'warn';
  const nextIn = reconnect?.nextAttemptAt ? Math.max(0, reconnect.nextAttemptAt - now) : null;

  return (
    <section className={`card card-flat hv-status-card hv-status-${tone}`} data-incident={state !== 'ready' ? 'true' : 'false'} data-state={state} aria-live="polite">
      <div className="hv-status-main">
        <span className="hv-status-dot" aria-hidden="true" />
        <div className="hv-status-text">
          <div className="hv-status-title">{link !== 'open' ? 'Link to the inspector is down: state unknown' : headline[state]}</div>
          <div className="hv-status-meta">
            <span>
              {state} since <b className="mono">{formatClock(new Date(connection.since))}</b> · for {formatDuration(now - connection.since)}
            </span>
            {lastOk ? (
              <span>
                last answer <b className="mono">{formatClock(new Date(lastOk))}</b>
                {latest?.ok ? <> in {formatLatency(latest.latencyMs)}</> : null}
              </span>
            ) : (
              <span>no answer yet</span>
            )}
            {reconnect ? (
              <span data-reconnect-attempt={reconnect.attempt}>
                reconnect attempt {reconnect.attempt}
                {nextIn !== null ? (nextIn > 0 ? ` · next in ${Math.ceil(nextIn / 1000)} s` : ' · trying now') : ''}
              </span>
            ) : null}
          </div>
        </div>
      </div>
      {cause && state !== 'ready' ? <CauseLine cause={cause} /> : null}
      {state !== 'ready' || link !== 'open' ? (
        <p className="hv-status-note">
          Every view keeps what it last showed, marked stale{staleSince ? <> since <b className="mono">{formatClock(new Date(staleSince))}</b></> : null}. The client
          reconnects by itself (capped, jittered backoff, no limit) and everything refreshes when Redis answers: nothing to click.
        </p>
      ) : null}
    </section>
  );
}

function CauseLine({ cause }: { cause: MeshErrorInfo & { command?: string } }) {
  return (
    <div className="hv-status-cause" data-cause-kind={cause.kind} data-cause-code={cause.code ?? ''}>
      <KindBadge kind={cause.kind} />
      {cause.code ? <code>{cause.code}</code> : null}
      {cause.command ? <span className="hv-status-cause-cmd mono">{cause.command}</span> : null}
      <span className="hv-status-cause-msg mono">{cause.message}</span>
    </div>
  );
}

/**
 * The incident view (PRODUCT.md features 12-14): connection state and its cause, the nodes behind
 * the connection (Cluster/Sentinel roles, slots, links, failovers), 15 minutes of
 * PING latency, INFO trends, who is loading Redis (slow log, clients, latency, raw INFO: issue
 * 17), per-shard growth, the error log, the app's own load, a probe-rate control, the
 * notification opt-in and a post-mortem export. Everything stays on screen while Redis is away.
 */
export function HealthView() {
  const connection = useApp((s) => s.connection);
  const health = useApp((s) => s.health);
  const series = useApp((s) => s.healthSeries);
  const target = useApp((s) => s.healthTarget);
  const loadHealth = useApp((s) => s.loadHealth);
  const configureProbe = useApp((s) => s.configureProbe);
  const exportHealth = useApp((s) => s.exportHealth);
  const healthError = useApp((s) => s.healthError);
  const stale = useApp((s) => s.staleSince !== null);
  const notifyError = useApp((s) => s.notifyError);
  const clock = useNow(1000);
  const [probeBusy, setProbeBusy] = useState(false);
  const [actionError, setActionError] = useState<MeshErrorInfo | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const key = targetKey(connection);
  useEffect(() => {
    // Backfill what happened before this window opened (events only bring what comes next).
    if (key !== null && connection?.state !== 'connecting') void loadHealth();
  }, [key]);

  const latestAt = series.samples[series.samples.length - 1]?.at ?? 0;
  const now = Math.max(clock, latestAt);
  const windowMs = windowFor(series.samples[0]?.at, now);
  const stats = latencyStats(series.samples, now, windowMs);
  const interval = health?.probeIntervalMs ?? 1000;
  const info = health?.info ?? null;

  const onProbe = async (ms: number) => {
    setProbeBusy(true);
    setActionError(null);
    try {
      await configureProbe(ms);
    } catch (e) {
      setActionError(toApiError(e).toInfo());
    } finally {
      setProbeBusy(false);
    }
  };

  const onExport = async () => {
    setActionError(null);
    try {
      const doc = await exportHealth();
      const name = exportFileName(connection?.url ?? null, new Date());
      saveJson(doc, name);
      setSaved(name);
    } catch (e) {
      setActionError(toApiError(e).toInfo());
    }
  };

  useEffect(() => {
    if (!saved) return;
    const t = setTimeout(() => setSaved(null), 6000);
    return () => clearTimeout(t);
  }, [saved]);

  const server = info
    ? [info.redis_version ? `Redis ${info.redis_version}` : null, info.redis_mode ?? null, info.uptime_in_seconds ? `up ${formatDuration(Number(info.uptime_in_seconds) * 1000)}` : null].filter(Boolean).join(' · ')
    : null;

  return (
    <main className={`pane hv-health${stale ? ' is-stale' : ''}`} data-view="health" data-health-state={connection?.state ?? 'disconnected'} data-health-target={target ?? ''}>
      <div className="pane-head hv-health-head">
        <div className="pane-title">
          <HIcon name="pulse" className="hv-health-title-icon" />
          <span className="pane-title-main">Health</span>
          {server ? <span className="hv-health-server">{server}</span> : null}
        </div>
        <span className="spacer" />
        {saved ? (
          <span className="hv-health-saved" role="status" data-export-saved={saved}>
            Saved <span className="mono">{saved}</span>
          </span>
        ) : null}
        <label className="hv-probe-control" title="How often the PING probe runs. INFO and shard XLENs follow it, at most every 5 s. Lower it for a struggling server.">
          <HIcon name="clock" className="icon-xs" />
          <span>Probe every</span>
          <select className="input hv-probe-select" name="probeInterval" value={interval} disabled={probeBusy || !health} onChange={(e) => void onProbe(Number(e.target.value))} data-probe-interval={interval}>
            {(PROBE_CHOICES as readonly number[]).includes(interval) ? null : <option value={interval}>{formatInterval(interval)}</option>}
            {PROBE_CHOICES.map((ms) => (
              <option key={ms} value={ms}>
                {formatInterval(ms)}
              </option>
            ))}
          </select>
        </label>
        <NotifyToggle />
        <button type="button" className="btn btn-sm" onClick={() => void onExport()} data-action="export-health" title="Save the health timeline, errors, server info and connection status as JSON for the post-mortem">
          <HIcon name="download" />
          Export snapshot
        </button>
      </div>
      <div className="hv-health-scroll">
        {actionError ? <ErrorNotice error={actionError} compact onDismiss={() => setActionError(null)} /> : null}
        {healthError && !health ? <ErrorNotice error={healthError} compact title="Could not load the health history" /> : null}
        {notifyError ? <ErrorNotice error={notifyError} compact title="Notifications are off" /> : null}
        <StatusCard now={clock} />
        <NodesPanel />

        <section className="card card-flat hv-card hv-card-latency" aria-labelledby="latency-title">
          <header className="hv-card-head">
            <h2 id="latency-title">PING latency</h2>
            <span className="hv-card-hint">
              {windowMs >= WINDOW_MS ? 'last 15 min' : `last ${Math.round(windowMs / 60_000)} min`} · every {formatInterval(interval)}
            </span>
            <span className="spacer" />
            <dl className="hv-stats">
              <div>
                <dt>now</dt>
                <dd className="mono" data-latency-now>
                  {stats.now === null ? (stats.probes ? 'no answer' : '—') : formatLatency(stats.now)}
                </dd>
              </div>
              <div>
                <dt>p50</dt>
                <dd className="mono">{formatLatency(stats.p50)}</dd>
              </div>
              <div>
                <dt>p99</dt>
                <dd className="mono">{formatLatency(stats.p99)}</dd>
              </div>
              <div>
                <dt>max</dt>
                <dd className="mono">{formatLatency(stats.max)}</dd>
              </div>
              <div className={stats.failed ? 'hv-stat-bad' : undefined}>
                <dt>failed</dt>
                <dd className="mono" data-failed-probes={stats.failed}>
                  {stats.failed}/{stats.probes}
                </dd>
              </div>
            </dl>
          </header>
          <LatencyChart samples={series.samples} transitions={series.transitions} current={connection ? { state: connection.state, since: connection.since } : null} now={now} intervalMs={interval} windowMs={windowMs} />
          <div className="hv-legend" aria-hidden="true">
            <span className="hv-legend-item hv-legend-line">answered</span>
            <span className="hv-legend-item hv-legend-fail">failed probe</span>
            <span className="hv-legend-item hv-legend-warn">reconnecting</span>
            <span className="hv-legend-item hv-legend-down">down</span>
          </div>
        </section>

        <InfoTiles latest={health?.infoSample ?? series.info[series.info.length - 1] ?? null} trend={series.info} raw={info} samples={series.samples} now={now} windowMs={windowMs} probeIntervalMs={interval} ownRate={health?.ownCommandsPerSec ?? null} refused={health?.infoRefused ?? null} />

        <IncidentPanels now={now} />

        <div className="hv-health-grid">
          <ErrorLog errors={series.errors} total={health?.errorsTotal ?? series.errors.length} />
          <ShardGrowth series={series.shards} now={now} windowMs={windowMs} />
        </div>
      </div>
    </main>
  );
}

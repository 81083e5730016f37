import { useEffect, useMemo, useRef, useState } from 'react';
import type { ClientLine, ClientsSummary, IncidentPanel, LatencyReport, NodeIncident, SlowlogEntry } from '../../../../shared/contract';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatClock, formatCount } from '../../lib/format';
import { useListKeys, useVirtualRows } from '../../lib/use-virtual-rows';
import { useApp } from '../../store';
import { formatDelta, formatMicros, formatSeconds, infoRows, panelProblem } from '../../models/incident-model';
import { formatBytes } from './health-model';
import { Sparkline } from './Sparkline';
import { VirtualTable } from './VirtualTable';

type Tab = 'slowlog' | 'clients' | 'latency' | 'info';

/** The core reads Redis at most every 10 s whoever asks; asking twice as often keeps the panels at most that old. */
const ASK_EVERY_MS = 5000;

/** One line for a panel Redis did not fill (the ACL refused the command, or it failed). */
function Problem<T>({ panel }: { panel: IncidentPanel<T> }) {
  const p = panelProblem(panel);
  if (!p) return null;
  return (
    <div className={`hv-incident-problem hv-incident-problem-${p.tone}`} data-panel-status={panel.status} title={p.detail}>
      {p.text} <span className="mono">({p.detail})</span>
    </div>
  );
}

function SlowLog({ entries }: { entries: SlowlogEntry[] }) {
  if (entries.length === 0) return <div className="hv-card-empty">The slow log is empty: no command ran longer than slowlog-log-slower-than.</div>;
  return (
    <VirtualTable
      rows={entries}
      rowKey={(e) => e.id}
      label="Slow log"
      columns={4}
      tableClass="hv-slowlog"
      tableAttrs={{ 'data-slowlog': '' }}
      head={
        <tr>
          <th scope="col">Time</th>
          <th scope="col" className="hv-num">
            Took
          </th>
          <th scope="col">Command (values hidden)</th>
          <th scope="col">Client</th>
        </tr>
      }
      rowAttrs={(e) => ({ 'data-slowlog-id': e.id, 'data-command-name': e.name })}
      cells={(e) => (
        <>
          <td className="mono hv-nowrap">{formatClock(new Date(e.at))}</td>
          <td className={`mono hv-num${e.durationUs >= 100_000 ? ' hv-slow-bad' : e.durationUs >= 10_000 ? ' hv-slow-warn' : ''}`}>{formatMicros(e.durationUs)}</td>
          <td className="mono hv-slowlog-cmd" title={e.command}>
            {e.command}
          </td>
          <td className="hv-slowlog-client">
            {e.ownApp ? (
              <span className="badge badge-sm" data-tone="accent" title="A connection of this app">
                this app
              </span>
            ) : null}
            <span className="mono">{e.clientName || e.clientAddress || '—'}</span>
            {e.clientName && e.clientAddress ? <span className="hv-faint mono"> {e.clientAddress}</span> : null}
          </td>
        </>
      )}
    />
  );
}

/** Connections grouped by name or host, most first: a scroll box of its own once it is long. */
function CountList({ title, rows, unit }: { title: string; rows: Array<{ label: string; count: number }>; unit: string }) {
  const top = rows[0]?.count ?? 0;
  const scrollRef = useRef<HTMLOListElement>(null);
  const { virtualizer, items, padTop, padBottom } = useVirtualRows({ count: rows.length, estimate: 26, scrollRef, getKey: (i) => rows[i]!.label });
  const { active, setActive, onKeyDown } = useListKeys(virtualizer, rows.length);
  return (
    <div className="hv-clients-block">
      <h3>{title}</h3>
      <ol className="hv-countlist" ref={scrollRef} tabIndex={0} onKeyDown={onKeyDown} aria-label={`${title}: ${formatCount(rows.length)}`} data-countlist={rows.length}>
        {padTop > 0 ? <li className="vr-spacer" aria-hidden="true" style={{ height: padTop }} /> : null}
        {items.map((it) => {
          const r = rows[it.index]!;
          return (
            <li
              key={it.key}
              ref={virtualizer.measureElement}
              data-index={it.index}
              onMouseDown={() => setActive(it.index)}
              className={active === it.index ? 'is-active' : undefined}
              title={`${r.label}: ${formatCount(r.count)} ${unit}`}
            >
              <span className="hv-countlist-bar" style={{ width: `${top > 0 ? Math.max(2, (r.count / top) * 100) : 0}%` }} aria-hidden="true" />
              <span className="mono hv-countlist-label">{r.label}</span>
              <span className="mono hv-num">{formatCount(r.count)}</span>
            </li>
          );
        })}
        {padBottom > 0 ? <li className="vr-spacer" aria-hidden="true" style={{ height: padBottom }} /> : null}
      </ol>
    </div>
  );
}

function ClientTable({ title, rows, metric }: { title: string; rows: ClientLine[]; metric: 'idle' | 'output' }) {
  return (
    <div className="hv-clients-block hv-clients-wide">
      <h3>{title}</h3>
      <table className="table hv-clients-table">
        <thead>
          <tr>
            <th scope="col">Client</th>
            <th scope="col" className="hv-num">{metric === 'idle' ? 'Idle' : 'Output buffer'}</th>
            <th scope="col" className="hv-num">{metric === 'idle' ? 'Age' : 'Total memory'}</th>
            <th scope="col">Last command</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.id} data-client-id={c.id}>
              <td className="hv-clients-who">
                {c.ownApp ? (
                  <span className="badge badge-sm" data-tone="accent">
                    this app
                  </span>
                ) : null}
                <span className="mono">{c.name || '(no name)'}</span> <span className="hv-faint mono">{c.address}</span>
              </td>
              <td className="mono hv-num">{metric === 'idle' ? formatSeconds(c.idleSec) : formatBytes(c.outputBytes)}</td>
              <td className="mono hv-num">{metric === 'idle' ? formatSeconds(c.ageSec) : formatBytes(c.totalBytes)}</td>
              <td className="mono">{c.lastCommand || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Clients({ summary }: { summary: ClientsSummary }) {
  return (
    <div className="hv-clients" data-clients-total={summary.total}>
      <CountList title="By name" rows={summary.byName.map((x) => ({ label: x.name, count: x.count }))} unit="connections" />
      <CountList title="By host" rows={summary.byHost.map((x) => ({ label: x.host, count: x.count }))} unit="connections" />
      <ClientTable title="Idle the longest" rows={summary.oldestIdle} metric="idle" />
      <ClientTable title="Biggest output buffers" rows={summary.biggestOutput} metric="output" />
    </div>
  );
}

function Latency({ report, now }: { report: LatencyReport; now: number }) {
  const off = report.thresholdMs === 0;
  return (
    <>
      <div className="hv-latency-threshold" data-latency-threshold={report.thresholdMs ?? ''}>
        {off ? (
          <>
            The latency monitor is off (<span className="mono">latency-monitor-threshold 0</span>): Redis records no spikes. An operator can turn it on with{' '}
            <span className="mono">CONFIG SET latency-monitor-threshold 100</span>.
          </>
        ) : report.thresholdMs === null ? (
          <>Spikes are recorded above the latency monitor's threshold (not readable for this user).</>
        ) : (
          <>
            Spikes above <b className="mono">{report.thresholdMs} ms</b> are recorded (latency-monitor-threshold).
          </>
        )}
      </div>
      {report.events.length === 0 ? (
        off ? null : <div className="hv-card-empty">No latency spikes recorded.</div>
      ) : (
        <table className="table hv-latency-events" data-latency-events>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Last spike</th>
              <th scope="col" className="hv-num">Last</th>
              <th scope="col" className="hv-num">Max</th>
              <th scope="col">History</th>
            </tr>
          </thead>
          <tbody>
            {report.events.map((e) => {
              const first = e.history[0]?.at ?? e.latestAt;
              return (
                <tr key={e.event} data-latency-event={e.event}>
                  <td className="mono">{e.event}</td>
                  <td className="mono hv-nowrap">
                    {formatClock(new Date(e.latestAt))} <span className="hv-faint">({formatSeconds(Math.max(0, Math.round((now - e.latestAt) / 1000)))} ago)</span>
                  </td>
                  <td className="mono hv-num">{formatCount(e.latestMs)} ms</td>
                  <td className="mono hv-num">{formatCount(e.maxMs)} ms</td>
                  <td className="hv-latency-spark">
                    <Sparkline points={e.history.map((h) => ({ at: h.at, value: h.ms }))} now={Math.max(now, e.latestAt)} windowMs={Math.max(60_000, Math.max(now, e.latestAt) - first + 1000)} tone="warn" label={`${e.event}: ${e.history.length} spikes`} height={22} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}

function RawInfo({ info }: { info: { current: Record<string, string>; previous: Record<string, string> | null; previousAt: number | null } }) {
  const [query, setQuery] = useState('');
  const [changedOnly, setChangedOnly] = useState(false);
  const rows = useMemo(() => infoRows(info.current, info.previous, query, changedOnly), [info, query, changedOnly]);
  const changes = useMemo(() => (info.previous ? infoRows(info.current, info.previous, '', true).length : 0), [info]);
  return (
    <>
      <div className="hv-info-tools">
        <input className="input input-sm hv-info-search" type="search" placeholder="Search fields and values" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search INFO" data-info-search />
        <label className="check check-inline" title={info.previous ? 'Only the fields that differ from the previous read' : 'Shown once there are two reads'}>
          <input type="checkbox" checked={changedOnly} disabled={!info.previous} onChange={(e) => setChangedOnly(e.target.checked)} data-info-changed-only />
          Changes only{info.previous ? ` (${changes})` : ''}
        </label>
        <span className="hv-faint hv-info-since">{info.previousAt ? <>compared with the read at <span className="mono">{formatClock(new Date(info.previousAt))}</span></> : 'the first read: nothing to compare yet'}</span>
      </div>
      {rows.length === 0 ? (
        <div className="hv-card-empty">{query ? `No field or value contains "${query}".` : 'Nothing changed since the previous read.'}</div>
      ) : (
        <VirtualTable
          rows={rows}
          rowKey={(r) => r.key}
          label="Raw INFO fields"
          columns={4}
          tableClass="hv-info-table"
          tableAttrs={{ 'data-info-rows': rows.length }}
          head={
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Value</th>
              <th scope="col">Before</th>
              <th scope="col" className="hv-num">
                Change
              </th>
            </tr>
          }
          rowAttrs={(r) => ({ 'data-info-key': r.key, 'data-change': r.change })}
          cells={(r) => (
            <>
              <td className="mono hv-info-key">{r.key}</td>
              <td className="mono hv-info-value">{r.change === 'removed' ? <span className="hv-faint">(gone)</span> : r.value}</td>
              <td className="mono hv-info-value hv-faint">{r.change === 'same' ? '' : (r.previous ?? (r.change === 'added' ? '(new)' : ''))}</td>
              <td className={`mono hv-num${r.delta !== undefined && r.delta !== 0 ? ' hv-info-delta' : ''}`}>{r.delta !== undefined ? formatDelta(r.delta) : r.change === 'changed' ? 'changed' : ''}</td>
            </>
          )}
        />
      )}
    </>
  );
}

function countOf(node: NodeIncident, tab: Tab): number | null {
  if (tab === 'slowlog') return node.slowlog.status === 'ok' ? node.slowlog.data.length : null;
  if (tab === 'clients') return node.clients.status === 'ok' ? node.clients.data.total : null;
  if (tab === 'latency') return node.latency.status === 'ok' ? node.latency.data.events.length : null;
  return node.info.status === 'ok' && node.info.data.previous ? infoRows(node.info.data.current, node.info.data.previous, '', true).length : null;
}

const TABS: Array<[Tab, string]> = [
  ['slowlog', 'Slow log'],
  ['clients', 'Clients'],
  ['latency', 'Latency'],
  ['info', 'Raw INFO'],
];

/**
 * Who is loading Redis (issue 17): per node (a Cluster: each master) the slow log with values
 * hidden, clients by name and host with the longest idle and biggest buffers, latency spikes, and
 * raw INFO with search and a diff against the previous read. Asked for while this view is open;
 * the core reads Redis at most every 10 s. A panel the ACL refuses says so in one line.
 */
export function IncidentPanels({ now }: { now: number }) {
  const incident = useApp((s) => s.incident);
  const error = useApp((s) => s.incidentError);
  const load = useApp((s) => s.loadIncident);
  const ready = useApp((s) => s.connection?.state === 'ready');
  const [tab, setTab] = useState<Tab>('slowlog');
  const [nodeName, setNodeName] = useState<string | null>(null);

  useEffect(() => {
    if (!ready) return;
    void load();
    const t = setInterval(() => void load(), ASK_EVERY_MS);
    return () => clearInterval(t);
  }, [ready, load]);

  const nodes = incident?.nodes ?? [];
  const node = nodes.find((n) => n.node === nodeName) ?? nodes[0] ?? null;

  return (
    <section className="card card-flat hv-card hv-card-incident" aria-labelledby="incident-title" data-incident-panels data-incident-at={incident?.at ?? ''}>
      <header className="hv-card-head">
        <h2 id="incident-title">Who is loading Redis</h2>
        <span className="hv-card-hint">
          {incident?.at ? (
            <>
              read at <span className="mono">{formatClock(new Date(incident.at))}</span> · every 10 s while open
            </>
          ) : ready ? (
            'reading…'
          ) : (
            'read when Redis answers'
          )}
        </span>
        <span className="spacer" />
        {nodes.length > 1 ? (
          <select className="input select input-sm hv-incident-node" value={node?.node ?? ''} onChange={(e) => setNodeName(e.target.value)} aria-label="Node" data-incident-node-select>
            {nodes.map((n) => (
              <option key={n.node} value={n.node}>
                {n.node} ({n.role})
              </option>
            ))}
          </select>
        ) : node ? (
          <span className="hv-incident-node-name mono" data-incident-node={node.node}>
            {node.node} · {node.role}
          </span>
        ) : null}
        <div className="seg seg-flush" role="tablist" aria-label="Incident panel">
          {TABS.map(([t, label]) => {
            const n = node ? countOf(node, t) : null;
            return (
              <button key={t} type="button" role="tab" aria-selected={tab === t} className={tab === t ? 'seg-btn active' : 'seg-btn'} onClick={() => setTab(t)} data-incident-tab={t}>
                {label}
                {n !== null && n > 0 ? <span className="hv-tab-count">{formatCount(n)}</span> : null}
              </button>
            );
          })}
        </div>
      </header>
      {error && !incident ? <ErrorNotice error={error} compact title="Could not read the incident panels" /> : null}
      {incident?.error ? <ErrorNotice error={incident.error} compact title="Some nodes could not be read" /> : null}
      <div className="hv-incident-body" role="tabpanel" data-incident-tab-panel={tab}>
        {!node ? (
          <div className="hv-card-empty">{ready ? 'Reading the slow log, clients, latency and INFO…' : 'Shown once Redis answers.'}</div>
        ) : tab === 'slowlog' ? (
          node.slowlog.status === 'ok' ? <SlowLog key={node.node} entries={node.slowlog.data} /> : <Problem panel={node.slowlog} />
        ) : tab === 'clients' ? (
          node.clients.status === 'ok' ? <Clients key={node.node} summary={node.clients.data} /> : <Problem panel={node.clients} />
        ) : tab === 'latency' ? (
          node.latency.status === 'ok' ? <Latency report={node.latency.data} now={now} /> : <Problem panel={node.latency} />
        ) : node.info.status === 'ok' ? (
          <RawInfo key={node.node} info={node.info.data} />
        ) : (
          <Problem panel={node.info} />
        )}
      </div>
    </section>
  );
}

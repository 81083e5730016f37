import { useMemo, useRef } from 'react';
import type { TopologyFailover, TopologyNode, TopologyStatus } from '../../../../shared/contract';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatClock, formatCount } from '../../lib/format';
import { SpacerRow, useListKeys, useVirtualRows } from '../../lib/use-virtual-rows';
import { useApp } from '../../store';
import { formatBytes, formatLatency } from './health-model';
import {
  allSlotRanges,
  clusterStateTone,
  failoverParts,
  failoverSentence,
  failoverVerb,
  formatSlotRanges,
  heirs,
  linkHint,
  linkTone,
  modeLabel,
  newestFirst,
  orderNodes,
  showsTable,
  shownFlags,
  slotCount,
  summarize,
  summaryText,
} from './nodes-model';
import { useTopology } from './use-topology';

const clock = (at: number) => formatClock(new Date(at));

/**
 * The nodes behind the connection (PRODUCT.md feature 14): for a Cluster or Sentinel, one row per
 * node with its role, slots, latency, memory, link state and master, the cluster state, and who
 * replaced whom after a failover; for a single server, one line. Everything Redis says is shown as
 * text. Kept on screen, marked stale, while Redis or the link is away.
 */
export function NodesPanel() {
  const { status, error, loading } = useTopology();
  const mode = useApp((s) => s.connection?.topology);
  const connected = useApp((s) => s.connection !== null && s.connection.state !== 'disconnected');
  const staleSince = useApp((s) => s.staleSince);
  if (!connected) return null;
  if (!showsTable(status, mode)) return status ? <StandaloneLine status={status} stale={staleSince !== null} /> : null;

  const nodes = status?.nodes ?? [];
  const summary = summarize(nodes);
  const cluster = (status?.mode ?? mode) === 'cluster';
  const stateTone = clusterStateTone(status?.clusterState ?? null);
  const took = heirs(status?.failovers ?? []);

  return (
    <section
      className="card card-flat hv-card hv-card-nodes"
      aria-labelledby="nodes-title"
      data-nodes-panel
      data-topology-mode={status?.mode ?? mode ?? ''}
      data-cluster-state={status?.clusterState ?? ''}
      data-stale={staleSince !== null ? 'true' : 'false'}
    >
      <header className="hv-card-head">
        <h2 id="nodes-title">Nodes</h2>
        <span className="hv-card-hint">
          {modeLabel(status?.mode ?? mode ?? 'cluster')}
          {status ? ` · ${summaryText(summary)}` : ''}
        </span>
        {cluster && status?.clusterState ? (
          <span className="badge badge-sm badge-status badge-dot" data-tone={stateTone} data-cluster-state-badge={status.clusterState} title="cluster_state from CLUSTER INFO">
            cluster {status.clusterState}
          </span>
        ) : null}
        {cluster && status && summary.slotsServed < 16384 ? (
          <span className="badge badge-sm badge-status" data-tone="danger" title="Slots not served by a live master: keys in them cannot be read or written">
            {formatCount(16384 - summary.slotsServed)} slots unserved
          </span>
        ) : null}
        {status?.masterName ? (
          <span className="hv-nodes-master-name">
            master name <b className="mono">{status.masterName}</b>
          </span>
        ) : null}
        <span className="spacer" />
        {staleSince !== null ? (
          <span className="stale-chip" data-nodes-stale-since={staleSince} title="Redis or the link to the inspector is away: these are the nodes as last read">
            stale since {clock(staleSince)}
          </span>
        ) : status ? (
          <span className="hv-card-hint" data-nodes-at={status.at}>
            as of {clock(status.at)}
          </span>
        ) : null}
      </header>
      {status?.error ? <ErrorNotice error={status.error} compact title="Topology incomplete" /> : null}
      {error && !status ? <ErrorNotice error={error} compact title="Could not read the nodes" /> : null}
      {nodes.length === 0 ? (
        <div className="hv-card-empty">{loading ? 'Reading the nodes…' : 'No node reported.'}</div>
      ) : (
        <NodesTable nodes={nodes} cluster={cluster} took={took} />
      )}
      {status && status.failovers.length > 0 ? <Failovers failovers={status.failovers} /> : null}
    </section>
  );
}

/**
 * The nodes of a cluster or a Sentinel set-up, masters first: virtualized (a large cluster has
 * hundreds of nodes), with Up/Down/PageUp/PageDown/Home/End moving the active row when focused.
 */
function NodesTable({ nodes, cluster, took }: { nodes: readonly TopologyNode[]; cluster: boolean; took: Map<string, TopologyFailover> }) {
  const ordered = useMemo(() => orderNodes(nodes), [nodes]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const { virtualizer, items, padTop, padBottom } = useVirtualRows({ count: ordered.length, estimate: 37, scrollRef, getKey: (i) => ordered[i]!.id ?? ordered[i]!.address });
  const { active, setActive, onKeyDown } = useListKeys(virtualizer, ordered.length);
  const columns = cluster ? 9 : 7;
  return (
    <div className="hv-table-scroll hv-nodes-scroll hv-vscroll" ref={scrollRef} tabIndex={0} onKeyDown={onKeyDown} aria-label="Nodes" data-node-rows={ordered.length}>
      <table className="table hv-nodes-table">
        <thead>
          <tr>
            <th scope="col">Address</th>
            <th scope="col">Role</th>
            {cluster ? (
              <>
                <th scope="col">Slots</th>
                <th scope="col" className="hv-num">
                  Count
                </th>
              </>
            ) : null}
            <th scope="col" className="hv-num">
              Latency
            </th>
            <th scope="col" className="hv-num">
              Memory
            </th>
            <th scope="col">Link</th>
            <th scope="col">Replica of</th>
            <th scope="col">Flags</th>
          </tr>
        </thead>
        <tbody>
          <SpacerRow height={padTop} columns={columns} />
          {items.map((it) => {
            const n = ordered[it.index]!;
            return (
              <NodeRow
                key={it.key}
                node={n}
                cluster={cluster}
                tookOver={took.get(n.id ?? n.address) ?? null}
                rowRef={virtualizer.measureElement}
                index={it.index}
                active={active === it.index}
                onPick={setActive}
              />
            );
          })}
          <SpacerRow height={padBottom} columns={columns} />
        </tbody>
      </table>
    </div>
  );
}

function NodeRow({
  node: n,
  cluster,
  tookOver,
  rowRef,
  index,
  active,
  onPick,
}: {
  node: TopologyNode;
  cluster: boolean;
  tookOver: TopologyFailover | null;
  rowRef: (el: Element | null) => void;
  index: number;
  active: boolean;
  onPick(index: number): void;
}) {
  const tone = linkTone(n.linkState);
  const flags = shownFlags(n.flags);
  const count = slotCount(n.slots);
  return (
    <tr ref={rowRef} data-index={index} onMouseDown={() => onPick(index)} className={`hv-node-row hv-node-${tone}${active ? ' is-active' : ''}`} data-node={n.address} data-node-id={n.id ?? ''} data-role={n.role} data-link={n.linkState} data-slots={count} data-replica-of={n.replicaOf ?? ''}>
      <td className="hv-node-addr mono">{n.address || '(no address)'}</td>
      <td>
        <span className={`hv-role hv-role-${n.role}`}>{n.role}</span>
        {tookOver ? (
          <span className="hv-node-promoted" title={failoverSentence(tookOver, clock)} data-took-over={tookOver.failed}>
            took over {clock(tookOver.at)}
          </span>
        ) : null}
      </td>
      {cluster ? (
        <>
          <td className="hv-node-slots mono" title={count > 0 ? allSlotRanges(n.slots) : undefined}>
            {count > 0 ? formatSlotRanges(n.slots) : <span className="muted">—</span>}
          </td>
          <td className={`hv-num mono${count > 0 ? '' : ' muted'}`}>{count > 0 ? formatCount(count) : '—'}</td>
        </>
      ) : null}
      <td className="hv-num mono" title={n.error ? `${n.error.kind}: ${n.error.message}` : n.latencyMs === null ? notProbed(n) : undefined}>
        {n.latencyMs !== null ? formatLatency(n.latencyMs) : <span className={n.error ? 'hv-text-danger' : 'muted'}>{n.error ? 'no answer' : '—'}</span>}
      </td>
      <td className={`hv-num mono${n.usedMemory === null ? ' muted' : ''}`} title={n.usedMemory === null && !n.error && n.latencyMs === null ? notProbed(n) : undefined}>
        {formatBytes(n.usedMemory)}
      </td>
      <td>
        <span className="badge badge-sm badge-status badge-dot" data-tone={tone} title={linkHint(n.linkState)}>
          {n.linkState}
        </span>
      </td>
      <td className={`mono${n.replicaOf ? '' : ' muted'}`}>{n.replicaOf ?? '—'}</td>
      <td className="hv-node-flags mono">{flags.length > 0 ? flags.join(', ') : <span className="muted">—</span>}</td>
    </tr>
  );
}

/** Why a node has no latency or memory although nothing failed. */
function notProbed(n: TopologyNode): string {
  if (n.linkState === 'fail') return 'Not probed: the cluster flags this node failed';
  return 'Not probed yet: the inspector probes only the nodes its client knows from CLUSTER SLOTS, where Redis lists a replica once it has replicated data';
}

/** Who replaced whom, newest first. */
function Failovers({ failovers }: { failovers: readonly TopologyFailover[] }) {
  return (
    <div className="hv-failovers" data-failovers={failovers.length}>
      <h3 className="hv-failovers-title caps-label">Failovers this session</h3>
      <ol className="hv-failover-list">
        {newestFirst(failovers).map((f) => {
          const p = failoverParts(f);
          return (
            <li key={`${f.at}|${f.failedId ?? f.failed}|${f.replacedById ?? f.replacedBy}`} className="hv-failover" data-failover={f.failed} data-replaced-by={f.replacedBy} title={f.detail}>
              <span className="hv-failover-mark" aria-hidden="true" />
              <span className="hv-failover-text">
                {p.sentinel ? 'master ' : ''}
                <b className="mono">{p.failed}</b> {failoverVerb(p)} <b className="mono">{p.replacedBy}</b> at <span className="mono">{clock(f.at)}</span>
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

/** A single server: one calm line. */
function StandaloneLine({ status, stale }: { status: TopologyStatus; stale: boolean }) {
  const self = status.nodes[0];
  const replicas = status.nodes.filter((n) => n.role === 'replica' && n !== self);
  return (
    <section className={`hv-nodes-line${stale ? ' is-stale' : ''}`} data-nodes-panel data-topology-mode={status.mode}>
      <span className="caps-label">Standalone server</span>
      {self ? (
        <>
          <b className="mono" data-node={self.address} data-role={self.role} data-link={self.linkState}>
            {self.address}
          </b>
          <span className="muted">{self.role === 'unknown' ? '' : self.role}</span>
          {self.replicaOf ? (
            <span className="muted">
              of <span className="mono">{self.replicaOf}</span>
            </span>
          ) : null}
          <span className="muted">
            {replicas.length === 0 ? 'no replicas' : `${replicas.length} replica${replicas.length === 1 ? '' : 's'}: `}
            {replicas.map((r, i) => (
              <span key={r.address} className="mono" data-node={r.address} data-role={r.role} data-link={r.linkState}>
                {i > 0 ? ', ' : ''}
                {r.address} ({r.linkState})
              </span>
            ))}
          </span>
        </>
      ) : null}
    </section>
  );
}

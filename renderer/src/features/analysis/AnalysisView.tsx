import { DefaultConsumerNote } from './DefaultConsumerNote';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { AnalysisReport } from '../../../../shared/contract';
import { compareStreamIds } from '../../../../shared/stream-id';
import type { GapRange, ShardAnalysis } from '../../../../shared/types';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon } from '../../components/Icon';
import { formatClock, formatCount, formatTimestamp } from '../../lib/format';
import { useApp } from '../../store';
import type { AnalysisJob } from '../../store/analysis-slice';
import './analysis.css';
import { AnomalyIcon } from '../../components/AnomalyIcon';
import { evidenceQuery, openEvidence, type EvidenceKind } from '../../lib/evidence';
import { GapList } from './GapList';
import { ExportButtons } from './EvidenceExport';
import { missingOrdinals } from './report-export';
import { ShardPicker } from './ShardPicker';

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return '< 1 s';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function Progress({ job, onCancel }: { job: AnalysisJob; onCancel(): void }) {
  const p = job.progress;
  const done = p?.entriesDone ?? 0;
  const total = Math.max(job.expectedEntries, p?.entriesTotal ?? 0, done);
  const elapsed = ((job.progressAt ?? Date.now()) - job.startedAt) / 1000;
  const rate = p && elapsed > 0 ? done / elapsed : 0;
  const left = rate > 0 ? (total - done) / rate : NaN;
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const shardsTotal = Math.max(job.expectedShards, p?.shardsTotal ?? 0);
  return (
    <section className="card an-progress" aria-label="Analysis progress" data-analysis-running data-entries-done={done}>
      <div className="an-progress-top">
        <span className="spinner" aria-hidden="true" />
        <b>{job.cancelling ? 'Cancelling…' : 'Analysing'}</b>
        <span className="muted">
          {job.shards ? `${job.shards.length} selected ${job.shards.length === 1 ? 'shard' : 'shards'}` : 'all shards'}
          {p ? ` · shard ${p.shard}` : ''}
        </span>
        <span className="spacer" />
        <button type="button" className="btn btn-sm" onClick={onCancel} disabled={job.cancelling || job.jobId === null} data-action="cancel-analysis">
          Cancel
        </button>
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label="Entries analysed"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-valuetext={`${formatCount(done)} of ${formatCount(total)} entries`}
      >
        <div className="progress-fill" style={{ transform: `scaleX(${frac})` }} />
      </div>
      <div className="an-progress-facts">
        <span>
          <b className="mono">{formatCount(done)}</b> of <span className="mono">{formatCount(total)}</span> entries
        </span>
        <span>
          <b className="mono">{formatCount(p?.shardsDone ?? 0)}</b> of {formatCount(shardsTotal)} shards
        </span>
        <span>
          <b className="mono" data-analysis-rate>
            {rate > 0 ? formatCount(Math.round(rate)) : '—'}
          </b>{' '}
          entries/s
        </span>
        <span>
          <b className="mono">{formatDuration(left)}</b> left
        </span>
      </div>
    </section>
  );
}

/** The anomaly a count opens: Browse at its first entry, selected and ringed (features/browser/evidence). */
const COUNT_COLUMNS: Array<{ key: keyof ShardAnalysis; label: string; title: string; tone?: 'danger' | 'warn'; kind?: EvidenceKind }> = [
  { key: 'entries', label: 'Entries', title: 'Entries read' },
  { key: 'ok', label: 'OK', title: 'Entries the net-mesh reader accepts' },
  { key: 'corrupt', label: 'Corrupt', title: 'Entries the net-mesh reader would skip', tone: 'danger', kind: 'corrupt' },
  { key: 'duplicateGroups', label: 'Dup. ids', title: 'dedup_ids carried by two or more entries of the shard', tone: 'warn', kind: 'duplicate' },
  { key: 'duplicateEntries', label: 'Dup. entries', title: 'Sum over duplicated ids of (entries - 1): what consumers drop', tone: 'warn', kind: 'duplicate' },
  { key: 'collisionGroups', label: 'Collisions', title: 'Duplicated ids whose payloads differ: consumers silently drop a real event', tone: 'danger', kind: 'collision' },
];

const KIND_NAME: Record<EvidenceKind, string> = {
  corrupt: 'Corrupt entry',
  duplicate: 'Duplicate dedup_id',
  collision: 'Collision',
  misrouted: 'Misrouted entry',
  gap: 'Gap',
};

function CountCell({ s, col, onOpen }: { s: ShardAnalysis; col: (typeof COUNT_COLUMNS)[number]; onOpen(kind?: EvidenceKind): void }) {
  const v = s[col.key] as number;
  const cls = `an-num${v > 0 && col.tone ? ` tone-${col.tone}` : ''}`;
  return (
    <span role="cell" className={cls} data-col={col.key} data-value={v}>
      {v > 0 && col.key !== 'ok' ? (
        <button
          type="button"
          className="an-count"
          onClick={() => onOpen(col.kind)}
          data-kind={col.kind}
          data-evidence-open={col.kind}
          title={col.kind ? `${col.title}: open the first one in shard ${s.shard}, selected` : `${col.title}: open shard ${s.shard} in the browser`}
        >
          {col.kind ? <AnomalyIcon kind={col.kind} /> : null}
          {formatCount(v)}
        </button>
      ) : (
        <span className={v === 0 ? 'an-zero' : ''}>{formatCount(v)}</span>
      )}
    </span>
  );
}

/**
 * The entry bounding a gap: for ordinals missing between present ones, the last present before
 * them (`from - 1`); for missing first ordinals, the first present after them (`to + 1`).
 */
function gapBound(g: GapRange, head: boolean): { nonce: string; ordinal: number; label: string } {
  const ordinal = head ? g.to + 1 : g.from - 1;
  const range = g.from === g.to ? `ordinal ${formatCount(g.from)}` : `ordinals ${formatCount(g.from)}–${formatCount(g.to)}`;
  return { nonce: g.nonce, ordinal, label: `Gap: ${range} of nonce ${g.nonce} missing, ${head ? 'first entry after it' : 'last entry before it'}` };
}

/**
 * The stream ids the report lists for a figure (its `anomalies`, issue 13's evidence), oldest
 * first: corrupt and misrouted entries, collision groups' copies, and for duplicate ids every copy
 * of every group (retries and collisions). Undefined when the report lists none (then Browse
 * searches the shard) or when some were left out past the listing's cap.
 */
function listedIds(s: ShardAnalysis | undefined, kind: EvidenceKind): string[] | undefined {
  if (!s?.anomalies || s.anomaliesOmitted || kind === 'gap') return undefined;
  const kinds = kind === 'duplicate' ? ['duplicate', 'collision'] : [kind];
  const ids = s.anomalies.filter((a) => kinds.includes(a.kind)).flatMap((a) => a.ids);
  if (ids.length === 0) return undefined;
  return [...new Set(ids)].sort(compareStreamIds);
}

function Results({ report }: { report: AnalysisReport }) {
  const open = useApp((s) => s.showInBrowser);
  const api = useApp((s) => s.api);
  const setView = useApp((s) => s.setView);
  const openKind = (shard: number, kind: EvidenceKind, gap?: { nonce: string; ordinal: number; label: string }) =>
    void openEvidence(
      api,
      (sh, id) => open(sh, { entryId: id }),
      { kind, shard, label: gap ? gap.label : KIND_NAME[kind], query: evidenceQuery(kind, gap), ids: listedIds(report.shards.find((x) => x.shard === shard), kind) },
      false,
      () => setView('browse'),
    );
  const [expanded, setExpanded] = useState<Set<number>>(() => new Set());
  const shards = report.shards;
  // The per-shard rows are virtualized against the view's scroll box (.pane-body): a bus of
  // thousands of shards draws a screenful. Each shard's row and its open gap list are one item,
  // measured, so an opened list pushes the rows below it down.
  const rowsRef = useRef<HTMLDivElement>(null);
  const [scroller, setScroller] = useState<HTMLElement | null>(null);
  const [margin, setMargin] = useState(0);
  useLayoutEffect(() => {
    const rows = rowsRef.current;
    const box = rows?.closest<HTMLElement>('.pane-body') ?? null;
    setScroller(box);
    if (!rows || !box) return;
    const measure = () => setMargin(Math.round(rows.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop));
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(box.firstElementChild ?? box);
    return () => ro.disconnect();
  }, []);
  const virtualizer = useVirtualizer<HTMLElement, Element>({
    count: shards.length,
    getScrollElement: () => scroller,
    estimateSize: () => 41,
    overscan: 10,
    scrollMargin: margin,
    getItemKey: (i) => shards[i]!.shard,
    initialRect: { width: 0, height: 900 },
  });
  const items = virtualizer.getVirtualItems();
  const total = virtualizer.getTotalSize();
  const padTop = items.length > 0 ? items[0]!.start - margin : 0;
  const padBottom = items.length > 0 ? total - (items[items.length - 1]!.end - margin) : 0;
  const sum = (k: keyof ShardAnalysis) => shards.reduce((n, s) => n + (s[k] as number), 0);
  const totalMissing = shards.reduce((n, s) => n + missingOrdinals(s), 0);
  const toggle = (shard: number) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(shard)) next.delete(shard);
      else next.add(shard);
      return next;
    });
  const tiles: Array<{ label: string; value: number; tone?: 'danger' | 'warn'; id: string; kind?: EvidenceKind }> = [
    { id: 'entries', label: 'Entries', value: sum('entries') },
    { id: 'corrupt', label: 'Corrupt', value: sum('corrupt'), tone: 'danger', kind: 'corrupt' },
    { id: 'duplicateEntries', label: 'Duplicate entries', value: sum('duplicateEntries'), tone: 'warn', kind: 'duplicate' },
    { id: 'collisionGroups', label: 'Collisions', value: sum('collisionGroups'), tone: 'danger', kind: 'collision' },
    { id: 'missing', label: 'Missing ordinals', value: totalMissing, tone: 'warn', kind: 'gap' },
    { id: 'misrouted', label: 'Misrouted', value: sum('misrouted'), tone: 'danger', kind: 'misrouted' },
  ];
  // A bus-wide total opens its first entry: in the first shard that has one (for gaps, its first gap).
  const openTile = (kind: EvidenceKind) => {
    if (kind === 'gap') {
      const s = shards.find((x) => x.gaps.length > 0);
      if (s) openKind(s.shard, 'gap', gapBound(s.gaps[0] as GapRange, false));
      return;
    }
    const key: keyof ShardAnalysis = kind === 'corrupt' ? 'corrupt' : kind === 'duplicate' ? 'duplicateGroups' : kind === 'collision' ? 'collisionGroups' : 'misrouted';
    const s = shards.find((x) => (x[key] as number) > 0);
    if (s) openKind(s.shard, kind);
  };

  return (
    <>
      <div className="an-tiles" data-analysis-totals>
        {tiles.map((t) => {
          const body = (
            <>
              <span className="caps-label">
                {t.kind ? <AnomalyIcon kind={t.kind} /> : null}
                {t.label}
              </span>
              <span className="an-tile-value mono">{formatCount(t.value)}</span>
            </>
          );
          const cls = `card an-tile${t.value > 0 && t.tone ? ` tone-${t.tone}` : ''}`;
          return t.kind && t.value > 0 ? (
            <button
              key={t.id}
              type="button"
              className={`${cls} an-tile-open`}
              data-kind={t.kind}
              data-total={t.id}
              data-value={t.value}
              data-evidence-open={t.kind}
              onClick={() => openTile(t.kind as EvidenceKind)}
              title="Open the first one in Browse, selected"
            >
              {body}
            </button>
          ) : (
            <div key={t.id} className={cls} data-total={t.id} data-value={t.value}>
              {body}
            </div>
          );
        })}
      </div>
      <DefaultConsumerNote shards={shards} />

      <section className="card" aria-label="Results per shard">
        <div className="card-head">
          <h2>Per shard</h2>
          <span className="badge badge-count">{shards.length}</span>
          <span className="spacer" />
          <span className="muted small">Definitions as <code>mesh-inspector scan</code>. Click a count to open its first entry.</span>
        </div>
        {shards.length === 0 ? (
          <div className="card-empty muted">No shard streams were analysed.</div>
        ) : (
          <div className="an-table" role="table" aria-label="Analysis per shard" data-analysis-results>
            <div className="trow trow-head an-row an-head" role="row">
              <span role="columnheader">Shard</span>
              {COUNT_COLUMNS.map((c) => (
                <span key={c.key} role="columnheader" className="an-num" title={c.title}>
                  {c.label}
                </span>
              ))}
              <span role="columnheader" className="an-num" title="Per producer nonce, missing ordinals (seq + i) between the lowest and highest seen: lost batches">
                Gaps
              </span>
              <span role="columnheader" className="an-num" title="Entries whose payload s, or whose dedup_id shard part, differs from the stream's shard id">
                Misrouted
              </span>
            </div>
            <div ref={rowsRef} className="an-rows" data-analysis-rows={shards.length}>
              {padTop > 0 ? <div aria-hidden="true" style={{ height: padTop }} /> : null}
              {items.map((it) => {
                const s = shards[it.index]!;
                const gapsOpen = expanded.has(s.shard);
                const missing = missingOrdinals(s);
                return (
                  <div key={it.key} ref={virtualizer.measureElement} data-index={it.index} role="rowgroup">
                    <div className="trow an-row" role="row" data-analysis-shard={s.shard}>
                      <span role="cell" className="an-shard">
                        <button type="button" className="an-shard-btn" onClick={() => open(s.shard)} title={`Open ${s.key} in the browser`}>
                          <span className="mono">#{s.shard}</span>
                          <span className="an-key mono">{s.key}</span>
                        </button>
                      </span>
                      {COUNT_COLUMNS.map((c) => (
                        <CountCell key={c.key} s={s} col={c} onOpen={(kind) => (kind ? openKind(s.shard, kind) : open(s.shard))} />
                      ))}
                      <span role="cell" className={`an-num${s.gaps.length > 0 ? ' tone-warn' : ''}`} data-col="gaps" data-value={s.gaps.length} data-missing={missing}>
                        {s.gaps.length > 0 || (s.headGaps?.length ?? 0) > 0 ? (
                          <button
                            type="button"
                            className="an-count"
                            data-kind="gap"
                            aria-expanded={gapsOpen}
                            onClick={() => toggle(s.shard)}
                            title={`Show the missing ranges per nonce, with their causes${s.headGaps?.length ? ` (and ${formatCount(s.headGaps.length)} nonce(s) missing their first ordinals)` : ''}`}
                          >
                            <AnomalyIcon kind="gap" />
                            {formatCount(s.gaps.length)} <span className="an-sub">{s.gaps.length > 0 ? `(${formatCount(missing)} missing)` : '(head only)'}</span>
                            <span className={`an-caret${gapsOpen ? ' is-open' : ''}`} aria-hidden="true" />
                          </button>
                        ) : (
                          <span className="an-zero">0</span>
                        )}
                      </span>
                      <span role="cell" className={`an-num${s.misrouted > 0 ? ' tone-danger' : ''}`} data-col="misrouted" data-value={s.misrouted}>
                        {s.misrouted > 0 ? (
                          <button type="button" className="an-count" onClick={() => openKind(s.shard, 'misrouted')} data-kind="misrouted" data-evidence-open="misrouted" title={`Open the first misrouted entry of shard ${s.shard}, selected`}>
                            <AnomalyIcon kind="misrouted" />
                            {formatCount(s.misrouted)}
                          </button>
                        ) : (
                          <span className="an-zero">0</span>
                        )}
                      </span>
                    </div>
                    {gapsOpen ? (
                      <div className="an-gaps" role="row" data-analysis-gaps={s.shard}>
                        <GapList shard={s} onOpen={(g, head) => openKind(s.shard, 'gap', gapBound(g, head))} />
                      </div>
                    ) : null}
                  </div>
                );
              })}
              {padBottom > 0 ? <div aria-hidden="true" style={{ height: padBottom }} /> : null}
            </div>
            <div className="trow an-row an-total" role="row" data-analysis-total-row>
              <span role="cell">Total</span>
              {COUNT_COLUMNS.map((c) => (
                <span key={c.key} role="cell" className="an-num mono">
                  {formatCount(sum(c.key))}
                </span>
              ))}
              <span role="cell" className="an-num mono">
                {formatCount(shards.reduce((n, s) => n + s.gaps.length, 0))}
              </span>
              <span role="cell" className="an-num mono">
                {formatCount(sum('misrouted'))}
              </span>
            </div>
          </div>
        )}
      </section>

      {report.skipped.length > 0 ? (
        <section className="card" aria-label="Skipped keys">
          <div className="card-head">
            <Icon name="alert" className="icon-xs an-warn-icon" />
            <h2>Skipped keys</h2>
            <span className="badge badge-count" data-tone="warn">{report.skipped.length}</span>
            <span className="spacer" />
            <span className="muted small">Look like shards but are not usable ones</span>
          </div>
          <ul className="an-skipped">
            {report.skipped.map((k) => (
              <li key={k.key} data-analysis-skipped={k.key}>
                <code>{k.key}</code>
                <span className="muted">{k.reason}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

/**
 * Whole-bus analysis (PRODUCT.md feature 10): all shards or a selection, progress with entries/s
 * and time left, cancel, results per shard with cli.md `scan`'s definitions, drill-down to the
 * browser, and JSON/CSV export with provenance.
 */
const NO_SHARDS: never[] = [];

export function AnalysisView() {
  const state = useApp((s) => s.analysis);
  const shards = useApp((s) => s.shards?.shards ?? null);
  const connection = useApp((s) => s.connection);
  const setScope = useApp((s) => s.setAnalysisScope);
  const start = useApp((s) => s.startAnalysis);
  const cancel = useApp((s) => s.cancelAnalysis);
  const loadShards = useApp((s) => s.loadShards);
  const { job, report, scope, selected, ended, error } = state;
  const [, tick] = useState(0);

  // Refresh "time left" between progress events.
  useEffect(() => {
    if (!job) return;
    const t = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(t);
  }, [job]);

  const run = async () => {
    await loadShards();
    await start();
  };
  const sameTarget = report !== null && connection !== null && report.provenance.prefix === connection.prefix && report.provenance.server === connection.url;

  return (
    <main className="pane an" data-view="analysis" aria-label="Whole-bus analysis">
      <div className="pane-head">
        <div className="pane-title">
          <span className="pane-title-main">Whole-bus analysis</span>
          <span className="pane-key">duplicates · collisions · gaps · misrouted · corrupt</span>
        </div>
        <span className="spacer" />
        <button type="button" className="btn btn-sm btn-primary" onClick={() => void run()} disabled={job !== null || (scope === 'selected' && selected.length === 0)} data-action="run-analysis">
          <Icon name="flask" />
          {report ? 'Run again' : 'Run analysis'}
        </button>
      </div>
      <div className="pane-body">
        <section className="card an-scope" aria-label="Scope">
          <div className="card-head">
            <h2>Scope</h2>
            <div className="seg" role="radiogroup" aria-label="Shards to analyse">
              <button type="button" role="radio" aria-checked={scope === 'all'} className={scope === 'all' ? 'seg-btn active' : 'seg-btn'} onClick={() => setScope('all')} disabled={job !== null} data-scope="all">
                All shards{shards ? ` (${shards.length})` : ''}
              </button>
              <button type="button" role="radio" aria-checked={scope === 'selected'} className={scope === 'selected' ? 'seg-btn active' : 'seg-btn'} onClick={() => setScope('selected')} disabled={job !== null} data-scope="selected">
                Selected shards{scope === 'selected' ? ` (${selected.length})` : ''}
              </button>
            </div>
            <span className="spacer" />
            <span className="muted small">Reads every entry with bounded XRANGE pages; nothing is written.</span>
          </div>
          {scope === 'selected' ? <ShardPicker shards={shards ?? NO_SHARDS} selected={selected} disabled={job !== null} onChange={(next) => setScope('selected', next)} /> : null}
        </section>

        {error ? (
          <div data-analysis-error>
            <ErrorNotice error={error} title={ended?.state === 'failed' ? 'The analysis failed' : 'Analysis'} compact />
          </div>
        ) : null}
        {job ? <Progress job={job} onCancel={() => void cancel()} /> : null}
        {ended?.state === 'cancelled' && !job ? (
          <div className="an-ended" role="status" data-analysis-cancelled>
            <Icon name="alert" className="icon-xs" />
            Cancelled at {formatCount(ended.entriesDone)} of {formatCount(ended.entriesTotal)} entries, {formatClock(new Date(ended.at))}. A cancelled run has no partial results
            {report ? '; the last complete report is below' : ''}.
          </div>
        ) : null}

        {report ? (
          <>
            <section className="card an-prov" aria-label="Report provenance" data-analysis-report={report.jobId}>
              <dl className="fact-grid an-prov-facts">
                <div>
                  <dt>Server</dt>
                  <dd className="mono" data-prov-server>
                    {report.provenance.server}
                  </dd>
                </div>
                <div>
                  <dt>Prefix</dt>
                  <dd className="mono">{report.provenance.prefix}</dd>
                </div>
                <div>
                  <dt>Finished</dt>
                  <dd className="mono">{formatTimestamp(new Date(report.provenance.finishedAt))}</dd>
                </div>
                <div>
                  <dt>Took</dt>
                  <dd className="mono">{formatDuration((report.provenance.finishedAt - report.provenance.startedAt) / 1000)}</dd>
                </div>
              </dl>
              <span className="spacer" />
              {!sameTarget ? <span className="badge" data-tone="warn">another connection</span> : null}
              <ExportButtons report={report} />
            </section>
            <Results report={report} />
          </>
        ) : !job ? (
          <div className="pane-empty-inner an-empty">
            <div className="empty-card">
              <Icon name="flask" className="empty-icon" />
              <div className="empty-title">Find what consumers will see</div>
              <div className="empty-text">
                Duplicate dedup_ids (retries and collisions), lost batches as gaps per producer nonce, misrouted and corrupt entries, for every shard or the ones you pick. The report exports as JSON (the <code>scan --json</code> shape) and CSV.
              </div>
            </div>
          </div>
        ) : null}
      </div>
    </main>
  );
}

import { useEffect, useState } from 'react';
import type { AnalysisReport } from '../../../../shared/contract';
import { reportIncidentNote } from '../../../../shared/incident-note';
import { copyText } from '../../lib/clipboard';
import { downloadText, evidenceCsv, exportFileName, provenanceOf, reportCsv, reportJsonText } from './report-export';

/** A button that copies text and says so for a moment. */
export function CopyNoteButton({ text, label, action }: { text: () => string; label: string; action: string }) {
  const [state, setState] = useState<'idle' | 'done' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 1600);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <button
      type="button"
      className="btn btn-sm"
      data-action={action}
      data-copy-state={state}
      title="Markdown for a ticket: where it was read, the shards with anything wrong, every anomaly's stream ids, dedup_id and reason"
      onClick={() => void copyText(text()).then((ok) => setState(ok ? 'done' : 'failed'))}
    >
      {state === 'done' ? 'Copied' : state === 'failed' ? 'Copy failed' : label}
    </button>
  );
}

/**
 * The report's exports (issue 13): JSON (`scan --json --details`'s bytes plus provenance), the
 * per-shard CSV, the evidence CSV (one row per anomaly and gap), and the incident note (Markdown).
 */
export function ExportButtons({ report }: { report: AnalysisReport }) {
  const anomalies = report.shards.reduce((n, s) => n + (s.anomalies?.length ?? 0) + (s.anomaliesOmitted ?? 0), 0);
  return (
    <div className="an-export" data-anomaly-count={anomalies}>
      <button type="button" className="btn btn-sm" onClick={() => downloadText(reportJsonText(report), exportFileName(report, 'json'), 'application/json')} data-action="export-json" title="The scan --json --details document with every anomaly's ids, plus provenance">
        Export JSON
      </button>
      <button type="button" className="btn btn-sm" onClick={() => downloadText(reportCsv(report), exportFileName(report, 'csv'), 'text/csv')} data-action="export-csv" title="One row per shard">
        Export CSV
      </button>
      <button type="button" className="btn btn-sm" onClick={() => downloadText(evidenceCsv(report), exportFileName(report, 'evidence.csv'), 'text/csv')} data-action="export-evidence-csv" title="One row per anomaly and per gap: shard, kind, stream ids, dedup_id, reason">
        Evidence CSV
      </button>
      <CopyNoteButton
        action="copy-incident-note"
        label="Copy incident note"
        text={() => {
          const p = provenanceOf(report);
          return reportIncidentNote({ server: p.server, prefix: p.prefix, at: p.finishedAt, tool: `mesh-inspector ${p.appVersion}` }, report.shards);
        }}
      />
    </div>
  );
}

import type { AnalysisReport } from '../../../../shared/contract';
import { reportIncidentNote } from '../../../../shared/incident-note';
import { CopyNoteButton } from '../../components/CopyNoteButton';
import { downloadText, evidenceCsv, exportFileName, provenanceOf, reportCsv, reportJsonText } from './report-export';

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
        title="Markdown for a ticket: where it was read, the shards with anything wrong, every anomaly's stream ids, dedup_id and reason"
        text={() => {
          const p = provenanceOf(report);
          return reportIncidentNote({ server: p.server, prefix: p.prefix, at: p.finishedAt, tool: `mesh-inspector ${p.appVersion}` }, report.shards);
        }}
      />
    </div>
  );
}

/**
 * Whole-bus analysis (PRODUCT.md feature 10): one job at a time, its progress from
 * `analysis:progress`, its report from `analysis:done`. Kept in the store so a running job and its
 * report survive switching views.
 *
 * Events are matched by job id. The slice listens from before `analysis:start` is sent, and keeps
 * what arrives before the job id is known, so a fast job's events are never missed. A link drop
 * during a job loses its events (serve does not replay them): the job is then reported as lost
 * rather than shown running forever.
 */
import { toApiError } from '../api';
import type { AnalysisProgress, AnalysisReport } from '../../../shared/contract';
import type { MeshErrorInfo } from '../../../shared/types';
import type { Slice } from './types';

export interface AnalysisJob {
  jobId: string | null;
  /** The shards asked for; null = all shards of the prefix. */
  shards: number[] | null;
  startedAt: number;
  /** Entries expected, from the shard list when the job started (the core learns totals shard by shard). */
  expectedEntries: number;
  expectedShards: number;
  progress: AnalysisProgress | null;
  /** When the last progress arrived (for the rate). */
  progressAt: number | null;
  cancelling: boolean;
}

export interface AnalysisState {
  scope: 'all' | 'selected';
  selected: number[];
  job: AnalysisJob | null;
  /** The last completed report (a cancelled or failed job keeps the previous one on screen). */
  report: AnalysisReport | null;
  /** How the last job ended when it did not complete. */
  ended: { state: 'cancelled' | 'failed'; at: number; entriesDone: number; entriesTotal: number } | null;
  error: MeshErrorInfo | null;
}

export interface AnalysisSlice {
  analysis: AnalysisState;
  setAnalysisScope(scope: 'all' | 'selected', selected?: number[]): void;
  startAnalysis(): Promise<void>;
  cancelAnalysis(): Promise<void>;
}

export const createAnalysisSlice: Slice<AnalysisSlice> = (set, get) => {
  const patch = (p: Partial<AnalysisState>) => set((s) => ({ analysis: { ...s.analysis, ...p } }));
  const patchJob = (p: Partial<AnalysisJob>) => set((s) => (s.analysis.job ? { analysis: { ...s.analysis, job: { ...s.analysis.job, ...p } } } : {}));
  let detach: (() => void) | null = null;

  const finish = () => {
    detach?.();
    detach = null;
  };

  return {
    analysis: { scope: 'all', selected: [], job: null, report: null, ended: null, error: null },

    setAnalysisScope(scope, selected) {
      patch({ scope, ...(selected ? { selected: [...new Set(selected)].sort((a, b) => a - b) } : {}) });
    },

    async startAnalysis() {
      const { analysis, api, shards } = get();
      if (analysis.job) return;
      const only = analysis.scope === 'selected' ? analysis.selected : null;
      if (only && only.length === 0) {
        patch({ error: { kind: 'usage', message: 'select at least one shard, or analyse all shards' } });
        return;
      }
      const known = shards?.shards ?? [];
      const inScope = only ? known.filter((s) => only.includes(s.shard)) : known;
      const job: AnalysisJob = {
        jobId: null,
        shards: only,
        startedAt: Date.now(),
        expectedEntries: inScope.reduce((n, s) => n + s.length, 0),
        expectedShards: only ? only.length : known.length,
        progress: null,
        progressAt: null,
        cancelling: false,
      };
      patch({ job, error: null, ended: null });

      finish();
      const early: Array<['progress', AnalysisProgress] | ['done', AnalysisReport]> = [];
      const onProgress = (p: AnalysisProgress) => {
        const id = get().analysis.job?.jobId;
        if (id === null) early.push(['progress', p]);
        else if (p.jobId === id) patchJob({ progress: p, progressAt: Date.now() });
      };
      const onDone = (r: AnalysisReport) => {
        const id = get().analysis.job?.jobId;
        if (id === null) early.push(['done', r]);
        else if (r.jobId === id) {
          finish();
          const j = get().analysis.job;
          if (r.state === 'done') patch({ job: null, report: r, ended: null, error: null });
          else {
            patch({
              job: null,
              ended: { state: r.state, at: Date.now(), entriesDone: j?.progress?.entriesDone ?? 0, entriesTotal: Math.max(j?.expectedEntries ?? 0, j?.progress?.entriesTotal ?? 0) },
              error: r.state === 'failed' ? (r.error ?? { kind: 'fatal', message: 'the analysis failed' }) : null,
            });
          }
        }
      };
      const offs = [
        api.on('analysis:progress', onProgress),
        api.on('analysis:done', onDone),
        api.onLink((link) => {
          if (link !== 'reconnecting' || !get().analysis.job) return;
          finish();
          patch({
            job: null,
            error: { kind: 'transient', message: 'the link to the inspector dropped during the analysis, so its result was lost: run it again' },
          });
        }),
      ];
      detach = () => offs.forEach((off) => off());

      try {
        const { jobId } = await api.invoke('analysis:start', only ? { shards: only } : {});
        if (!get().analysis.job) return;
        patchJob({ jobId });
        for (const [kind, payload] of early.splice(0)) {
          if (kind === 'progress') onProgress(payload);
          else onDone(payload);
        }
      } catch (e) {
        finish();
        patch({ job: null, error: toApiError(e).toInfo() });
      }
    },

    async cancelAnalysis() {
      const job = get().analysis.job;
      if (!job?.jobId || job.cancelling) return;
      patchJob({ cancelling: true });
      try {
        const { cancelled } = await get().api.invoke('analysis:cancel', { jobId: job.jobId });
        // Not running any more (it finished meanwhile): its done event settles the state.
        if (!cancelled) patchJob({ cancelling: false });
      } catch (e) {
        patchJob({ cancelling: false });
        patch({ error: toApiError(e).toInfo() });
      }
    },
  };
};

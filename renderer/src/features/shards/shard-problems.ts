/**
 * Each shard's problem counts for the sidebar and the pickers (issue 13): from the last
 * whole-bus analysis of this connection (every shard it read). Derived once per report.
 *
 * Not yet: counts from the shards' background indexes (electron/core/shard-index.ts) between
 * analyses; see the report of branch i14a. mergeProblems() takes them when they come.
 */
import { useMemo } from 'react';
import { mergeProblems, problemsFromReport, type ShardProblems } from '../../models/shard-list-model';
import { useApp } from '../../store';

export function useShardProblems(): ReadonlyMap<number, ShardProblems> {
  const report = useApp((s) => s.analysis.report);
  const connection = useApp((s) => s.connection);
  // A report of another server or prefix says nothing about these shards.
  const same = report !== null && connection !== null && report.provenance.prefix === connection.prefix && report.provenance.server === connection.url;
  return useMemo(() => mergeProblems(problemsFromReport(same ? report : null)), [report, same]);
}

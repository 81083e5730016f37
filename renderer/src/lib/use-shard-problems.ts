/**
 * Each shard's problem counts for the sidebar and the pickers (issue 13): from the last
 * whole-bus analysis of this connection (every shard it read) and from the background indexes of
 * the shards opened since (`shards:problems`, refreshed with the shard list), the newer per shard.
 * Derived once per report or index answer, never on a clock.
 */
import { useMemo } from 'react';
import { mergeProblems, problemsFromIndexes, problemsFromReport, type ShardProblems } from '../models/shard-list-model';
import { useApp } from '../store';

export function useShardProblems(): ReadonlyMap<number, ShardProblems> {
  const report = useApp((s) => s.analysis.report);
  const connection = useApp((s) => s.connection);
  const indexed = useApp((s) => s.indexProblems);
  // A report of another server or prefix says nothing about these shards.
  const same = report !== null && connection !== null && report.provenance.prefix === connection.prefix && report.provenance.server === connection.url;
  return useMemo(() => mergeProblems(problemsFromReport(same ? report : null), problemsFromIndexes(indexed)), [report, same, indexed]);
}

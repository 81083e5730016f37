import { formatCount } from '../lib/format';
import { PROBLEM_KINDS, type ProblemKind, type ShardProblems } from '../models/shard-list-model';
import { AnomalyIcon } from './AnomalyIcon';

/**
 * A shard's problem counts as small badges, one per kind with a count (issue 13). Each kind is
 * drawn in its own colour with its own icon, the same as in Browse and Analysis (AnomalyIcon,
 * tokens --k-*); the tone below is the fallback meaning (danger: data is wrong, warn: retries,
 * accent: something may be missing, neutral: on the wrong shard, still readable).
 */
const KIND: Record<ProblemKind, { tone: 'danger' | 'warn' | 'accent' | 'neutral'; one: string; many: string }> = {
  corrupt: { tone: 'danger', one: 'corrupt entry', many: 'corrupt entries' },
  collision: { tone: 'danger', one: 'dedup_id collision (same id, different payloads)', many: 'dedup_id collisions (same id, different payloads)' },
  duplicate: { tone: 'warn', one: 'duplicated dedup_id (retry)', many: 'duplicated dedup_ids (retries)' },
  gap: { tone: 'accent', one: 'sequence gap', many: 'sequence gaps' },
  misrouted: { tone: 'neutral', one: 'misrouted entry', many: 'misrouted entries' },
};

export function problemLabel(kind: ProblemKind, n: number): string {
  return `${formatCount(n)} ${n === 1 ? KIND[kind].one : KIND[kind].many}`;
}

export function ProblemBadge({ kind, count }: { kind: ProblemKind; count: number }) {
  return (
    <span className="badge badge-kind badge-problem" data-tone={KIND[kind].tone} data-kind={kind} data-problem={kind} data-count={count} title={problemLabel(kind, count)}>
      <AnomalyIcon kind={kind} />
      {count > 999 ? `${Math.floor(count / 1000)}k` : count}
    </span>
  );
}

/**
 * The badges of every kind with a count, worst first; nothing when the shard is clean or unknown.
 * With `max`, at most that many badges: the rest fold into one "+N" badge whose tooltip lists
 * every kind (a narrow row, like the sidebar's, never cuts a badge in half).
 */
export function ProblemBadges({ problems, max }: { problems: ShardProblems | undefined; max?: number }) {
  if (!problems || problems.total === 0) return null;
  const kinds = PROBLEM_KINDS.filter((k) => problems[k] > 0);
  const fold = max !== undefined && kinds.length > max ? kinds.length - (max - 1) : 0;
  const shown = fold > 0 ? kinds.slice(0, kinds.length - fold) : kinds;
  return (
    <span className="problem-badges" data-problems={problems.total} data-problems-source={problems.source}>
      {shown.map((k) => (
        <ProblemBadge key={k} kind={k} count={problems[k]} />
      ))}
      {fold > 0 ? (
        <span className="badge badge-kind badge-problem badge-problem-more" data-tone="neutral" data-problem-more={fold} title={kinds.map((k) => problemLabel(k, problems[k])).join('\n')}>
          +{fold}
        </span>
      ) : null}
    </span>
  );
}

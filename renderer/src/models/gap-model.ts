/**
 * Gap causes in words (issue 17), for Analysis and, later, Browse's gap rows. Pure.
 */
import type { GapCause, GapRange } from '../../../shared/types';

export const CAUSE_LABEL: Record<GapCause, string> = {
  lost: 'lost',
  'possibly-deleted': 'possibly deleted',
  trimmed: 'trimmed',
  unknown: 'cause unknown',
};

/** The badge tone: a batch never written is the loud one. */
export const CAUSE_TONE: Record<GapCause, 'danger' | 'warn' | 'neutral'> = {
  lost: 'danger',
  'possibly-deleted': 'warn',
  trimmed: 'neutral',
  unknown: 'neutral',
};

/** `12..19` or `7`. */
export function rangeText(g: GapRange): string {
  return g.from === g.to ? String(g.from) : `${g.from}..${g.to}`;
}

/** Counts of missing ordinals by cause (gaps without a cause count as unknown). */
export function missingByCause(gaps: readonly GapRange[]): Record<GapCause, number> {
  const out: Record<GapCause, number> = { lost: 0, 'possibly-deleted': 0, trimmed: 0, unknown: 0 };
  for (const g of gaps) out[g.cause ?? 'unknown'] += g.to - g.from + 1;
  return out;
}

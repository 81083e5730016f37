import type { ReactNode } from 'react';

/** The anomaly kinds drawn with their own colour and icon (styles/components/anomaly.css). */
export type AnomalyKind = 'corrupt' | 'collision' | 'duplicate' | 'gap' | 'misrouted';

/*
 * 16 px stroke glyphs, one per kind, recognisable without colour:
 *   corrupt    a document torn by a zigzag
 *   collision  two arrows meeting head on
 *   duplicate  two stacked copies
 *   gap        a broken line with a hole
 *   misrouted  an arrow turning away from its lane
 */
const paths: Record<AnomalyKind, string> = {
  corrupt: 'M3.5 1.5h6l3 3v3.2l-2 1.3-2-1.5-2 1.5-2-1.3-1 .6V1.5ZM3.5 11.2l1-.6 2 1.3 2-1.5 2 1.5 2-1.3v3.9h-9Z',
  collision: 'M1.5 8h4.2M3.8 5.7 6 8l-2.2 2.3M14.5 8h-4.2M12.2 5.7 10 8l2.2 2.3M8 3v2M8 11v2',
  duplicate: 'M5.5 5.5h8v8h-8zM2.5 10.5v-8h8',
  gap: 'M1.5 8h3.5M11 8h3.5M5 5v6M11 5v6M7 8h.01M9 8h.01',
  misrouted: 'M2.5 13.5V8a3 3 0 0 1 3-3h7M10 2.5 12.5 5 10 7.5',
};

export const ANOMALY_LABEL: Record<AnomalyKind, string> = {
  corrupt: 'corrupt',
  collision: 'collision',
  duplicate: 'retry',
  gap: 'gap',
  misrouted: 'misrouted',
};

export function AnomalyIcon({ kind }: { kind: AnomalyKind }) {
  return (
    <svg className="anomaly-icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" focusable="false">
      <path d={paths[kind]} fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

/** A kind's flag: icon and label in the kind's colour. `title` explains it; `data` adds `data-*` attributes. */
export function AnomalyFlag({ kind, title, children, className, data }: { kind: AnomalyKind; title?: string; children?: ReactNode; className?: string; data?: Record<`data-${string}`, string> }) {
  return (
    <span className={className ? `kflag ${className}` : 'kflag'} data-kind={kind} title={title} {...data}>
      <AnomalyIcon kind={kind} />
      <span className="kflag-text">{children ?? ANOMALY_LABEL[kind]}</span>
    </span>
  );
}

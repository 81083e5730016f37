import type { MeshErrorInfo } from '../../../shared/types';

/** The tone each error class is drawn in: transient may pass (warn), fatal will not (danger). */
const tones: Record<MeshErrorInfo['kind'], 'warn' | 'danger' | 'neutral'> = {
  transient: 'warn',
  fatal: 'danger',
  usage: 'neutral',
};

/** An error's class (transient, fatal, usage) as a small uppercase tag; `title` explains it. */
export function KindBadge({ kind, title }: { kind: MeshErrorInfo['kind']; title?: string }) {
  return (
    <span className="badge badge-kind" data-tone={tones[kind]} title={title}>
      {kind}
    </span>
  );
}

import type { MeshErrorInfo } from '../../../shared/types';
import { Icon } from './Icon';
import { KindBadge } from './KindBadge';

const hints: Record<MeshErrorInfo['kind'], string> = {
  transient: 'Transient: retrying may help',
  fatal: 'Fatal: retrying will not help',
  usage: 'Invalid request',
};

/** An error as data: its class first (what the user can do about it), then Redis' own words. */
export function ErrorNotice({ error, title, onDismiss, compact }: { error: MeshErrorInfo; title?: string; onDismiss?: () => void; compact?: boolean }) {
  return (
    <div className={`notice notice-${error.kind}${compact ? ' notice-compact' : ''}`} role="alert" data-error-kind={error.kind}>
      <Icon name="alert" className="notice-icon" />
      <div className="notice-body">
        <div className="notice-head">
          <KindBadge kind={error.kind} title={hints[error.kind]} />
          {title ? <span className="notice-title">{title}</span> : null}
          {error.code ? <code className="notice-code">{error.code}</code> : null}
        </div>
        <div className="notice-message">{error.message}</div>
      </div>
      {onDismiss ? (
        <button type="button" className="btn btn-ghost btn-icon notice-dismiss" onClick={onDismiss} aria-label="Dismiss">
          ×
        </button>
      ) : null}
    </div>
  );
}

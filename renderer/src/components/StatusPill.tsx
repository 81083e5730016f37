import type { ConnectionState } from '../../../shared/contract';

const labels: Record<ConnectionState, string> = {
  disconnected: 'Disconnected',
  connecting: 'Connecting',
  ready: 'Ready',
  reconnecting: 'Reconnecting',
  down: 'Down',
};

/**
 * The Redis connection state as a coloured pill; `data-state` carries the raw state for tests.
 * With `stale` (the link to the core is down) the last known state is not claimed: the pill
 * reads "Unknown" and names the last known state in its tooltip.
 */
export function StatusPill({ state, stale = false }: { state: ConnectionState; stale?: boolean }) {
  const label = stale ? 'Unknown' : labels[state];
  return (
    <span
      className={`pill ${stale ? 'pill-stale' : `pill-${state}`}`}
      data-state={state}
      data-stale={stale ? 'true' : undefined}
      role="status"
      aria-label={`Redis connection: ${label}`}
      title={stale ? `Last known: ${labels[state]}. The link to the inspector is down.` : undefined}
    >
      <span className="pill-dot" aria-hidden="true" />
      {label}
    </span>
  );
}

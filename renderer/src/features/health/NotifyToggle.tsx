import { useState } from 'react';
import { useApp } from '../../store';
import { HIcon } from './health-icons';

/**
 * The opt-in for desktop notifications (issue 17): Redis going down or coming back, new corrupt
 * entries, collisions or gaps on live-tailed shards, long analyses; one per burst. In `serve` the
 * browser asks for its permission the first time.
 */
export function NotifyToggle() {
  const enabled = useApp((s) => s.notifyEnabled);
  const permission = useApp((s) => s.notifyPermission);
  const setNotify = useApp((s) => s.setNotify);
  // What the user just asked for, shown at once while the browser's prompt and the core answer.
  const [wanted, setWanted] = useState<boolean | null>(null);
  const busy = wanted !== null;
  const blocked = permission === 'denied' || permission === 'unsupported';
  const title = blocked
    ? permission === 'unsupported'
      ? 'This browser has no notifications'
      : 'The browser blocks notifications for this page: allow them in its site settings'
    : 'Tell me when Redis goes down or comes back, when a live-tailed shard gets new corrupt entries, collisions or gaps, and when a long analysis ends (one notification per burst, at most one a kind every 30 s; never for this app\'s own test batches)';
  return (
    <label className={`check check-inline hv-notify${enabled ? ' is-on' : ''}`} title={title}>
      <input
        type="checkbox"
        checked={wanted ?? enabled === true}
        disabled={enabled === null || busy}
        onChange={async (e) => {
          const on = e.target.checked;
          setWanted(on);
          try {
            await setNotify(on);
          } finally {
            setWanted(null);
          }
        }}
        data-notify-toggle
        data-notify-permission={permission}
      />
      <HIcon name="bell" className="icon-xs" />
      Notify me
    </label>
  );
}

import { useApp } from '../../store';

const RECENT_MS = 5 * 60 * 1000;

/** On the Health tab: how many Redis errors the app saw in the last 5 minutes, red if any was fatal. */
export function HealthTabBadge() {
  // A primitive from the selector: the tab re-renders only when the count or the class changes.
  const summary = useApp((s) => {
    const snap = s.health;
    if (!snap) return '';
    const now = snap.latest?.at ?? snap.since;
    let n = 0;
    let fatal = false;
    for (const e of snap.errors) {
      if ((e.lastAt ?? e.at) < now - RECENT_MS) continue;
      n += e.count ?? 1;
      if (e.kind === 'fatal') fatal = true;
    }
    return n > 0 ? `${n}|${fatal ? 'fatal' : 'transient'}` : '';
  });
  if (!summary) return null;
  const [n, kind] = summary.split('|');
  const count = Number(n);
  return (
    <span className={`badge badge-count badge-xs view-tab-badge${kind === 'fatal' ? ' is-fatal' : ''}`} data-tone={kind === 'fatal' ? 'danger' : 'warn'} data-health-badge={count} title={`${count} Redis error${count === 1 ? '' : 's'} in the last 5 minutes (${kind === 'fatal' ? 'fatal among them' : 'transient'})`}>
      {count > 99 ? '99+' : count}
    </span>
  );
}

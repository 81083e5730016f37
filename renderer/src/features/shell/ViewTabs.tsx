import { useEffect } from 'react';
import { useApp, type ViewName } from '../../store';
import { HealthTabBadge } from '../health/HealthTabBadge';

export const VIEWS: Array<{ name: ViewName; label: string; key: string }> = [
  { name: 'browse', label: 'Browse', key: '1' },
  { name: 'publish', label: 'Publish', key: '2' },
  { name: 'analysis', label: 'Analysis', key: '3' },
  { name: 'health', label: 'Health', key: '4' },
  // The consumer replay of the shard selected in the sidebar (features/consumer).
  { name: 'consumer', label: 'Consumer', key: '5' },
];

/** The shell's top-level views; Alt+1..5 switch between them from anywhere. */
export function ViewTabs() {
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const target = VIEWS.find((v) => v.key === e.key);
      if (target) {
        e.preventDefault();
        setView(target.name);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setView]);
  return (
    <nav className="view-tabs" role="tablist" aria-label="Views">
      {VIEWS.map((v) => (
        <button
          key={v.name}
          type="button"
          role="tab"
          aria-selected={view === v.name}
          className={view === v.name ? 'view-tab active' : 'view-tab'}
          data-view-tab={v.name}
          title={`${v.label} (Alt+${v.key})`}
          onClick={() => setView(v.name)}
        >
          {v.label}
          {v.name === 'health' ? <HealthTabBadge /> : null}
        </button>
      ))}
    </nav>
  );
}

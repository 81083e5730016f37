import { useApp } from '../../store';
import { AnalysisView } from '../analysis/AnalysisView';
import { EventPane } from '../events/EventPane';
import { HealthView } from '../health/HealthView';
import { PublisherView } from '../publisher/PublisherView';
import { ShardSidebar } from '../shards/ShardSidebar';
import { ConnectionBanner } from './ConnectionBanner';
import { StatusBar } from './StatusBar';
import { TopBar } from './TopBar';

/**
 * The connected layout: top bar, shard sidebar, the main pane, a status bar. The shard browser
 * (issue 4) replaces the main pane with lanes; the frame stays.
 */
export function AppShell() {
  const view = useApp((s) => s.view);
  return (
    <div className="shell" data-screen="shell">
      <TopBar />
      <ConnectionBanner />
      <div className="shell-body">
        <ShardSidebar />
        {view === 'browse' ? <EventPane /> : null}
        {view === 'publish' ? <PublisherView /> : null}
        {view === 'analysis' ? <AnalysisView /> : null}
        {view === 'health' ? <HealthView /> : null}
      </div>
      <StatusBar />
    </div>
  );
}

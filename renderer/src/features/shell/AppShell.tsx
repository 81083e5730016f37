import { EventPane } from '../events/EventPane';
import { ShardSidebar } from '../shards/ShardSidebar';
import { ConnectionBanner } from './ConnectionBanner';
import { StatusBar } from './StatusBar';
import { TopBar } from './TopBar';

/**
 * The connected layout: top bar, shard sidebar, the main pane, a status bar. The shard browser
 * (issue 4) replaces the main pane with lanes; the frame stays.
 */
export function AppShell() {
  return (
    <div className="shell" data-screen="shell">
      <TopBar />
      <ConnectionBanner />
      <div className="shell-body">
        <ShardSidebar />
        <EventPane />
      </div>
      <StatusBar />
    </div>
  );
}

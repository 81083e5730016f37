import { useState, type ReactNode } from 'react';
import { useApp, type ViewName } from '../../store';
import { EventPane } from '../events/EventPane';
import { FindHost } from '../find/FindDialog';
import { ShardSidebar } from '../shards/ShardSidebar';
import { ConnectionBanner } from './ConnectionBanner';
import { AnalysisView, ConsumerView, HealthView, PublisherView, ViewLoading } from './lazy-views';
import { StatusBar } from './StatusBar';
import { TopBar } from './TopBar';
import './shell.css';

/**
 * The connected layout: top bar, shard sidebar, the main pane, a status bar. The shard browser
 * (issue 4) replaces the main pane with lanes; the frame stays.
 */
export function AppShell() {
  const view = useApp((s) => s.view);
  // Every view keeps its data while Redis is away; the shell marks it stale (health-slice.ts).
  const staleSince = useApp((s) => s.staleSince);
  return (
    <div className="shell" data-screen="shell" data-stale={staleSince !== null ? 'true' : undefined}>
      <TopBar />
      <ConnectionBanner />
      <div className="shell-body">
        <ShardSidebar />
        <ViewSlot name="browse" active={view}>
          <EventPane />
        </ViewSlot>
        <ViewSlot name="publish" active={view}>
          <PublisherView />
        </ViewSlot>
        <ViewSlot name="analysis" active={view}>
          <AnalysisView />
        </ViewSlot>
        <ViewSlot name="health" active={view}>
          <HealthView />
        </ViewSlot>
        <ViewSlot name="consumer" active={view}>
          <ConsumerView />
        </ViewSlot>
      </div>
      <StatusBar />
      <FindHost />
    </div>
  );
}

/**
 * A view is mounted the first time it is shown and then kept, hidden, while another view is on
 * screen: switching tabs during an outage must not throw away what the view had loaded (its pages
 * live in the component), and coming back is instant.
 */
function ViewSlot({ name, active, children }: { name: ViewName; active: ViewName; children: ReactNode }) {
  const [visited, setVisited] = useState(active === name);
  if (active === name && !visited) setVisited(true);
  if (!visited) return null;
  return (
    <div className="view-slot" data-view-slot={name} hidden={active !== name}>
      <ViewLoading>{children}</ViewLoading>
    </div>
  );
}

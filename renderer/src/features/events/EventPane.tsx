import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon } from '../../components/Icon';
import { formatCount } from '../../lib/format';
import { useApp } from '../../store';
import { EventTable, EventTableSkeleton } from './EventTable';

/**
 * The selected shard's newest page. The shard browser (issue 4) turns this into lanes of
 * whole-stream virtual lists; the header and table geometry carry over.
 */
export function EventPane() {
  const selected = useApp((s) => s.selectedShard);
  const summary = useApp((s) => (s.selectedShard === null ? undefined : s.shards?.shards.find((x) => x.shard === s.selectedShard)));
  const page = useApp((s) => s.page);
  const loading = useApp((s) => s.pageLoading);
  const error = useApp((s) => s.pageError);
  const reload = useApp((s) => s.loadFirstPage);

  if (selected === null) {
    return (
      <main className="pane pane-empty" data-region="events">
        <div className="empty-card">
          <Icon name="list" className="empty-icon" />
          <div className="empty-title">Select a shard</div>
          <div className="empty-text">Its newest entries open here, with corrupt entries marked. Nothing is read from Redis until you pick one.</div>
        </div>
      </main>
    );
  }

  const shown = page?.shard === selected ? page : null;
  const corrupt = shown ? shown.entries.filter((e) => e.status === 'corrupt').length : 0;

  return (
    <main className="pane" data-region="events" data-selected-shard={selected}>
      <div className="pane-head">
        <div className="pane-title">
          <span className="pane-title-main">Shard {selected}</span>
          <code className="pane-key">{summary?.key ?? shown?.key}</code>
        </div>
        <div className="pane-stats">
          {summary ? (
            <span>
              <b className="mono">{formatCount(summary.length)}</b> {summary.length === 1 ? 'entry' : 'entries'}
            </span>
          ) : null}
          {shown ? (
            <span>
              showing {shown.hasMore ? 'newest ' : 'all '}
              <b className="mono">{formatCount(shown.entries.length)}</b>
            </span>
          ) : null}
          {corrupt > 0 ? (
            <span className="stat-corrupt" data-corrupt-count={corrupt}>
              <b className="mono">{corrupt}</b> corrupt {shown?.hasMore ? 'on this page' : ''}
            </span>
          ) : null}
        </div>
        <span className="spacer" />
        <span className="order-chip" title="Newest entries first">
          newest first
        </span>
        <button type="button" className={`btn btn-ghost btn-icon btn-sm${loading ? ' is-spinning' : ''}`} onClick={() => void reload(selected)} disabled={loading} aria-label="Reload page" title="Reload">
          <Icon name="refresh" />
        </button>
      </div>
      {error ? (
        <div className="pane-notice">
          <ErrorNotice error={error} title={`Could not read shard ${selected}`} />
        </div>
      ) : null}
      {shown ? (
        shown.entries.length === 0 ? (
          <div className="pane-empty-inner">
            <div className="empty-card">
              <div className="empty-title">This stream is empty</div>
              <div className="empty-text">
                <code>{shown.key}</code> exists but holds no entries.
              </div>
            </div>
          </div>
        ) : (
          <EventTable entries={shown.entries} label={`Shard ${selected}, newest entries`} />
        )
      ) : loading ? (
        <EventTableSkeleton />
      ) : null}
    </main>
  );
}

import { useEffect, useRef } from 'react';
import { Icon } from '../../components/Icon';
import { ShardCombobox } from '../../components/ShardCombobox';
import { useApp } from '../../store';
import { MAX_LANES, MERGED_LANE } from '../../store/events-slice';
import './browser.css';
import { EntryDetail } from './EntryDetail';
import { EvidenceBar } from './EvidenceBar';
import { useColumnStyle } from './columns';
import { MergedLane } from './MergedLane';
import { StreamLane } from './StreamLane';

/**
 * The Browse view (issue 4): one to four shard lanes side by side, or the merged all-shards view,
 * and the entry detail (docked right with one lane, at the bottom with several, so lanes keep
 * their width). Keyboard: `/` focuses the focused lane's filter; Escape closes the detail.
 */
const NO_SHARDS: never[] = [];

export function BrowserView() {
  const mode = useApp((s) => s.browseMode);
  const lanes = useApp((s) => s.lanes);
  const shards = useApp((s) => s.shards);
  const focused = useApp((s) => s.focusedLane);
  const setMode = useApp((s) => s.setBrowseMode);
  const addLane = useApp((s) => s.addLane);
  const selection = useApp((s) => s.selection);
  const detailOpen = useApp((s) => s.detailOpen);
  const setDetailOpen = useApp((s) => s.setDetailOpen);
  const revealId = useApp((s) => s.revealId);
  const revealAt = useApp((s) => s.revealAt);
  const showInBrowser = useApp((s) => s.showInBrowser);
  const filterRef = useRef<HTMLInputElement>(null);
  // The shell keeps this view mounted (hidden) behind the others: its keys act only when it is shown.
  const shown = useApp((s) => s.view === 'browse');
  const columnStyle = useColumnStyle();

  useEffect(() => {
    if (!shown) return;
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      const typing = t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable);
      if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        filterRef.current?.focus();
        filterRef.current?.select();
      } else if (e.key === 'Escape' && !typing && detailOpenRef.current) {
        setDetailOpen(false);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setDetailOpen, shown]);
  const detailOpenRef = useRef(detailOpen);
  detailOpenRef.current = detailOpen;

  const laneShards = new Set(lanes.map((l) => l.shard));
  const canAdd = mode === 'lanes' && lanes.length > 0 && lanes.length < MAX_LANES;
  const showDetail = detailOpen && selection !== null && selection.id !== null;
  const dock = mode === 'lanes' && lanes.length > 1 ? 'bottom' : 'right';
  const selectionLane = selection ? lanes.find((l) => l.key === selection.lane) : undefined;
  const laneIsStream = selection !== null && selection.lane !== MERGED_LANE && selectionLane !== undefined && selectionLane.filter === null;

  return (
    <main className="pane browser" data-region="events" data-browse-mode={mode} data-selected-shard={mode === 'lanes' ? (lanes.find((l) => l.key === focused)?.shard ?? undefined) : undefined} style={columnStyle}>
      <div className="browser-bar">
        <div className="seg" role="tablist" aria-label="Browse mode">
          <button type="button" role="tab" aria-selected={mode === 'lanes'} className={mode === 'lanes' ? 'seg-btn active' : 'seg-btn'} onClick={() => setMode('lanes')} data-browse-tab="lanes">
            Shard lanes{lanes.length > 0 ? <span className="badge badge-count badge-xs">{lanes.length}</span> : null}
          </button>
          <button type="button" role="tab" aria-selected={mode === 'merged'} className={mode === 'merged' ? 'seg-btn active' : 'seg-btn'} onClick={() => setMode('merged')} data-browse-tab="merged">
            All shards merged
          </button>
        </div>
        {canAdd ? (
          <ShardCombobox
            className="add-lane-combo"
            shards={shards?.shards ?? NO_SHARDS}
            onPick={(shard) => addLane(shard)}
            note={(shard) => (laneShards.has(shard) ? 'open' : null)}
            placeholder="Add lane…"
            ariaLabel="Add a lane: type a shard id or pick one"
            icon={<Icon name="plus" className="icon-xs shard-combo-icon" />}
            inputData={{ 'data-add-lane-input': true }}
          />
        ) : null}
        <span className="spacer" />
        <span className="browser-hint">
          <kbd className="keycap">/</kbd> filter <kbd className="keycap">↑</kbd>
          <kbd className="keycap">↓</kbd> or <kbd className="keycap">j</kbd>
          <kbd className="keycap">k</kbd> move <kbd className="keycap">Enter</kbd> open <kbd className="keycap">Esc</kbd> close
        </span>
      </div>
      <EvidenceBar />
      <div className={`browser-body dock-${dock}`}>
        <div className="lanes" style={{ gridTemplateColumns: `repeat(${mode === 'merged' ? 1 : Math.max(1, lanes.length)}, minmax(0, 1fr))` }}>
          {mode === 'merged' ? (
            <MergedLane filterRef={filterRef} />
          ) : lanes.length === 0 ? (
            <div className="pane-empty-inner">
              <div className="empty-card">
                <Icon name="list" className="empty-icon" />
                <div className="empty-title">Select a shard</div>
                <div className="empty-text">
                  Its entries open here, newest first, with corrupt entries and duplicate dedup_ids marked. Shift+click (or +) opens up to {MAX_LANES} shards side by side. Nothing is read from Redis until you pick one.
                </div>
                {shards && shards.shards.length > 1 ? (
                  <button type="button" className="btn btn-soft btn-sm" onClick={() => setMode('merged')}>
                    Open all shards merged
                  </button>
                ) : null}
              </div>
            </div>
          ) : (
            lanes.map((l) => <StreamLane key={l.key} spec={l} lanes={lanes.length} filterRef={l.key === focused ? filterRef : null} />)
          )}
        </div>
        {showDetail && selection?.id ? (
          <EntryDetail
            key={`${selection.shard}:${selection.id}`}
            shard={selection.shard}
            id={selection.id}
            laneIsStream={laneIsStream}
            onClose={() => setDetailOpen(false)}
            onReveal={(target) => {
              if (laneIsStream && selectionLane) {
                if (target.position !== undefined) revealAt(selectionLane.key, target.position);
                else revealId(selectionLane.key, target.id);
                return;
              }
              // From the merged view or a filter: open the shard's whole stream at that entry.
              showInBrowser(selection.shard, { entryId: target.id });
            }}
          />
        ) : null}
      </div>
    </main>
  );
}

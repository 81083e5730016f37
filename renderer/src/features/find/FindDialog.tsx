import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { labelHits, parseFindQuery, type FindHit, type FindHitKind } from '../../../../shared/find';
import { findIncidentNote } from '../../../../shared/incident-note';
import { toApiError } from '../../api';
import { Icon } from '../../components/Icon';
import { formatCount } from '../../lib/format';
import { useApp } from '../../store';
import { CopyNoteButton } from '../../components/CopyNoteButton';
import { runFind } from '../../lib/find-run';
import { findState, useFindState, type FindSearch } from './find-state';
import './find.css';

const ROW_H = 34;
const KIND_TONE: Record<FindHitKind, string | undefined> = { corrupt: 'danger', collision: 'danger', misrouted: 'warn', duplicate: 'accent', entry: undefined };
const KIND_TEXT: Record<FindHitKind, string> = { corrupt: 'corrupt', collision: 'collision', misrouted: 'misrouted', duplicate: 'duplicate', entry: 'entry' };

let running: AbortController | null = null;

/** Starts a search (cancelling the one before), feeding the dialog's state as steps arrive. */
function startSearch(api: Parameters<typeof runFind>[0], text: string): void {
  running?.abort();
  const ctrl = new AbortController();
  running = ctrl;
  const search: FindSearch = { text, query: null, hits: [], step: null, state: 'running', error: null, startedAt: Date.now(), endedAt: null };
  findState.setSearch(search);
  void runFind(api, text, {
    signal: ctrl.signal,
    onStart: (run) => {
      search.query = run.query;
      findState.touch();
    },
    // A step that was under way when Cancel was pressed still reports what it found.
    onStep: (step, run) => {
      search.hits = run.hits;
      search.step = step;
      findState.touch();
    },
  })
    .then((run) => {
      search.state = run.cancelled ? 'cancelled' : 'done';
    })
    .catch((e: unknown) => {
      search.state = 'failed';
      search.error = toApiError(e).toInfo();
    })
    .finally(() => {
      search.endedAt = Date.now();
      if (running === ctrl) running = null;
      findState.touch();
    });
}

/** The global Find (Ctrl+K / Cmd+K, or the top bar's button): mounted once by the shell. */
export function FindHost() {
  const { open } = useFindState();
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        if (findState.get().open) findState.close();
        else findState.open();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return open ? <FindDialog /> : null;
}

/** The top bar's button. */
export function FindButton() {
  const mac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
  return (
    <button type="button" className="btn btn-sm find-btn" onClick={() => findState.open()} aria-label="Find" data-action="open-find" title={`Find a stream id or dedup_id in every shard (${mac ? '⌘K' : 'Ctrl+K'})`}>
      <Icon name="search" />
      <span className="topbar-label">Find</span>
      <kbd className="kbd topbar-label">{mac ? '⌘K' : 'Ctrl K'}</kbd>
    </button>
  );
}

function FindDialog() {
  const api = useApp((s) => s.api);
  const connection = useApp((s) => s.connection);
  const showInBrowser = useApp((s) => s.showInBrowser);
  const { seed, search, version } = useFindState();
  const [text, setText] = useState(seed ?? search?.text ?? '');
  const [error, setError] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  /** Rows picked for the incident note (Space, or Ctrl/Cmd-click); none picked: the note covers every result. */
  const [picked, setPicked] = useState<ReadonlySet<number>>(new Set());
  const dialogRef = useRef<HTMLDialogElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const d = dialogRef.current;
    if (d && !d.open) d.showModal();
    inputRef.current?.select();
    if (seed) submit(seed);
    return () => d?.close();
    // Opening only.
  }, []);

  const hits = search?.hits ?? [];
  const kinds = useMemo(() => labelHits(hits), [hits, version]);
  const virtualizer = useVirtualizer({ count: hits.length, getScrollElement: () => listRef.current, estimateSize: () => ROW_H, overscan: 12 });

  function submit(value: string) {
    const q = parseFindQuery(value);
    if ('error' in q) {
      setError(q.error);
      return;
    }
    setError(null);
    setActive(0);
    setPicked(new Set());
    startSearch(api, value.trim());
  }

  function open(h: FindHit) {
    findState.close();
    // The search counted the entry's position exactly (oldest = 0; appends never move it): go
    // there rather than locating the id again through an index that may still be building.
    showInBrowser(h.shard, h.position !== undefined ? { entryId: h.id, position: h.position } : { entryId: h.id });
  }

  function toggle(index: number) {
    const next = new Set(picked);
    if (next.has(index)) next.delete(index);
    else next.add(index);
    setPicked(next);
  }

  function onListKey(e: KeyboardEvent) {
    if (hits.length === 0) return;
    let next: number;
    if (e.key === 'ArrowDown' || e.key === 'j') next = Math.min(hits.length - 1, active + 1);
    else if (e.key === 'ArrowUp' || e.key === 'k') next = Math.max(0, active - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = hits.length - 1;
    else if (e.key === 'Enter') {
      e.preventDefault();
      open(hits[active]!);
      return;
    } else if (e.key === ' ') {
      e.preventDefault();
      toggle(active);
      return;
    } else return;
    e.preventDefault();
    setActive(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  }

  const step = search?.step ?? null;
  const runningNow = search?.state === 'running';
  const frac = step && step.shardsTotal > 0 ? Math.min(1, (step.shardsDone + (step.current && step.current.total > 0 ? Math.min(1, step.current.done / step.current.total) : 0)) / step.shardsTotal) : 0;
  const shardCount = new Set(hits.map((h) => h.shard)).size;

  return (
    <dialog
      ref={dialogRef}
      className="modal find-dialog"
      aria-label="Find"
      data-dialog="find"
      onCancel={(e) => {
        e.preventDefault();
        findState.close();
      }}
    >
      <form
        className="find-head"
        onSubmit={(e) => {
          e.preventDefault();
          submit(text);
        }}
      >
        <Icon name="search" className="find-icon" />
        <input
          ref={inputRef}
          className="find-input mono"
          value={text}
          placeholder="Stream id, dedup_id, or its start: nonce, nonce:shard, nonce:shard:seq"
          aria-label="Find a stream id, a dedup_id or a prefix of one"
          aria-invalid={error ? true : undefined}
          spellCheck={false}
          autoComplete="off"
          data-find-input
          onChange={(e) => {
            setText(e.target.value);
            setError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown' && hits.length > 0) {
              e.preventDefault();
              listRef.current?.focus();
            }
          }}
        />
        {runningNow ? (
          <button type="button" className="btn btn-sm" onClick={() => running?.abort()} data-action="cancel-find">
            Cancel
          </button>
        ) : (
          <button type="submit" className="btn btn-sm btn-primary" data-action="run-find">
            Find
          </button>
        )}
      </form>
      {error ? (
        <div className="find-error" role="alert" data-find-error>
          {error}
        </div>
      ) : null}
      <div className="find-status" role="status" data-find-state={search?.state ?? 'idle'} data-find-text={search?.text} data-find-hits={hits.length}>
        {search === null ? (
          <span className="muted">
            Every shard of <code>{connection?.prefix ?? 'the bus'}</code> is searched: a dedup_id's own shard first, then the others (a misrouted copy can be anywhere). Shards Browse has indexed answer at once; the
            others are read with progress.
          </span>
        ) : (
          <>
            <span>
              {search.state === 'running' ? <span className="spinner" aria-hidden="true" /> : null}
              <b className="mono">{formatCount(hits.length)}</b> {hits.length === 1 ? 'entry' : 'entries'}
              {hits.length > 0 ? ` on ${shardCount} ${shardCount === 1 ? 'shard' : 'shards'}` : ''}
              {step ? (
                <span className="muted">
                  {' '}
                  · {formatCount(step.shardsDone)} of {formatCount(step.shardsTotal)} shards searched · {formatCount(step.scanned)} entries read
                  {search.state === 'running' && step.current ? ` · now shard ${step.current.shard}` : ''}
                  {search.endedAt ? ` · ${((search.endedAt - search.startedAt) / 1000).toFixed(1)} s` : ''}
                </span>
              ) : null}
              {search.state === 'cancelled' ? <span className="muted"> · cancelled</span> : null}
              {step?.truncated ? <span className="muted"> · stopped at {formatCount(hits.length)} results</span> : null}
            </span>
            {search.state === 'running' ? (
              <div className="progress find-bar" role="progressbar" aria-label="Shards searched" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(frac * 100)}>
                <div className="progress-fill" style={{ transform: `scaleX(${frac})` }} />
              </div>
            ) : null}
          </>
        )}
        {search?.error ? <span className="find-error-text">{search.error.message}</span> : null}
      </div>
      <div className="find-cols" aria-hidden="true">
        <span>Shard</span>
        <span>Stream id</span>
        <span>Position</span>
        <span>dedup_id</span>
        <span>Kind</span>
      </div>
      <div className="find-list" ref={listRef} tabIndex={0} role="listbox" aria-label="Entries found" aria-activedescendant={hits.length > 0 ? `find-hit-${active}` : undefined} onKeyDown={onListKey} data-find-results>
        {hits.length === 0 ? (
          <div className="find-empty">{search && search.state !== 'running'
              ? search.state === 'failed'
                ? 'The search failed.'
                : search.state === 'cancelled'
                  ? 'Cancelled before anything was found.'
                  : 'No entry found.'
              : search
                ? 'Searching…'
                : 'Type and press Enter.'}</div>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((v) => {
              const h = hits[v.index]!;
              const k = kinds[v.index] ?? ['entry'];
              return (
                <div
                  key={v.key}
                  id={`find-hit-${v.index}`}
                  role="option"
                  aria-selected={v.index === active}
                  className={`find-row${v.index === active ? ' is-active' : ''}${picked.has(v.index) ? ' is-picked' : ''}`}
                  data-picked={picked.has(v.index) ? 'true' : undefined}
                  style={{ transform: `translateY(${v.start}px)` }}
                  data-find-hit={`${h.shard}/${h.id}`}
                  data-hit-kinds={k.join(' ')}
                  title={h.reason ?? 'Open in Browse'}
                  onMouseEnter={() => setActive(v.index)}
                  onClick={(e) => {
                    if (e.ctrlKey || e.metaKey) toggle(v.index);
                    else open(h);
                  }}
                >
                  <span className="mono find-shard">
                    {picked.has(v.index) ? <Icon name="check" className="icon-xs find-check" /> : null}
                    {h.shard}
                  </span>
                  <span className="mono find-id">{h.id}</span>
                  <span className="mono muted">{h.position !== undefined ? `#${formatCount(h.position)}` : '—'}</span>
                  <span className="mono find-dedup">{h.dedupId ?? <span className="muted">none</span>}</span>
                  <span className="find-kinds">
                    {k.map((x) => (
                      <span key={x} className="badge badge-sm" data-tone={KIND_TONE[x]}>
                        {KIND_TEXT[x]}
                      </span>
                    ))}
                  </span>
                </div>
              );
            })}
          </div>
        )}
      </div>
      <div className="modal-actions find-actions">
        <span className="muted small find-help">↑↓ move · Enter opens in Browse · Space picks for the note · Esc closes</span>
        <span className="spacer" />
        {search && hits.length > 0 ? (
          <CopyNoteButton
            action="copy-find-note"
            label={picked.size > 0 ? `Copy ${picked.size} picked as incident note` : 'Copy as incident note'}
            title={picked.size > 0 ? 'Markdown for a ticket: the picked entries' : 'Markdown for a ticket: every entry found (pick some with Space to copy only those)'}
            text={() => {
              const rows = picked.size > 0 ? [...picked].sort((a, b) => a - b) : hits.map((_, k) => k);
              const src = { server: connection?.url ?? '', prefix: connection?.prefix ?? '', at: new Date(search.endedAt ?? Date.now()).toISOString(), tool: 'mesh-inspector Find' };
              return findIncidentNote(src, search.text, rows.map((k) => hits[k]!), rows.map((k) => kinds[k] ?? ['entry']));
            }}
          />
        ) : null}
        <button type="button" className="btn btn-sm" onClick={() => findState.close()} data-action="close-find">
          Close
        </button>
      </div>
    </dialog>
  );
}

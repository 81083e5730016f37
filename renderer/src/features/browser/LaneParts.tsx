import { useEffect, useState, type Ref, type RefObject } from 'react';
import type { FilterQuery, IndexStatus } from '../../../../shared/contract';
import { parsePathEquals } from '../../../../shared/json-text';
import { formatCount } from '../../lib/format';
import { parseJumpTarget, type JumpOptions, type JumpTarget } from '../../lib/jump-target';
import type { LaneOrder } from '../../store/events-slice';

/** The shard index's state, as a small badge: it decides whether positions are exact. */
export function IndexBadge({ index }: { index: IndexStatus | null }) {
  if (!index) return null;
  if (index.state === 'ready') {
    return (
      <span className="badge badge-sm ibadge" data-tone="ok" data-index-state="ready" title={`The sparse index covers all ${formatCount(index.indexed)} entries: any position opens exactly; duplicate marks cover the whole shard.`}>
        indexed
      </span>
    );
  }
  if (index.state === 'failed') {
    return (
      <span className="badge badge-sm ibadge" data-tone="danger" data-index-state="failed" title={index.error?.message}>
        index failed
      </span>
    );
  }
  const pct = index.total > 0 ? Math.min(100, Math.floor((index.indexed / index.total) * 100)) : 0;
  return (
    <span
      className="badge badge-sm ibadge ibadge-building"
      data-tone="accent"
      data-index-state={index.state}
      title={`Indexing ${formatCount(index.indexed)} of ${formatCount(index.total)}: until it is done, far positions are estimated from the id times and duplicate marks cover only what is indexed.`}
    >
      <span className="ibar">
        <span className="ibar-fill" style={{ width: `${pct}%` }} />
      </span>
      indexing {pct}%
    </span>
  );
}

export function OrderToggle({ order, onChange }: { order: LaneOrder; onChange(o: LaneOrder): void }) {
  const next = order === 'newest' ? 'oldest' : 'newest';
  return (
    <button type="button" className="btn btn-ghost btn-sm order-btn" data-order={order} onClick={() => onChange(next)} title={`Show ${next} first`}>
      <svg className="icon icon-xs" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
        <path d="M5 2.5v11M5 13.5 2.5 11M5 13.5 7.5 11M11 13.5v-11M11 2.5 8.5 5M11 2.5 13.5 5" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      <span className="order-label">{order === 'newest' ? 'Newest first' : 'Oldest first'}</span>
    </button>
  );
}

/** "Jump to": a stream id, a dedup_id, `#position` or a time (what `options` allows); Enter jumps. */
export function JumpBox({
  onJump,
  disabled,
  options,
  placeholder = 'id, dedup_id or time',
  hint = 'A stream id (1700000000000-0), a dedup_id (9f3a12c4d5e6f708:0:250:7), a position (#500000), or a time (2024-11-26 20:21:03, local)',
}: {
  onJump(t: JumpTarget): Promise<string | null>;
  disabled?: boolean;
  options?: JumpOptions;
  placeholder?: string;
  hint?: string;
}) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className={`jump${error ? ' has-error' : ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        const t = parseJumpTarget(text, new Date(), options);
        if ('error' in t) {
          setError(t.error);
          return;
        }
        setBusy(true);
        void onJump(t).then((err) => {
          setBusy(false);
          setError(err);
        });
      }}
    >
      <input
        className="input input-sm input-mono"
        value={text}
        placeholder={placeholder}
        aria-label={`Jump to: ${hint}`}
        title={error ?? hint}
        aria-invalid={error ? true : undefined}
        data-jump-input
        disabled={disabled || busy}
        onChange={(e) => {
          setText(e.target.value);
          setError(null);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            setText('');
            setError(null);
            (e.target as HTMLInputElement).blur();
          }
        }}
      />
      {error ? (
        <span className="jump-error" role="alert">
          {error}
        </span>
      ) : null}
    </form>
  );
}

function queryText(f: FilterQuery | null): string {
  return f?.pathEquals ?? f?.text ?? '';
}

/**
 * The filter row: one box for a payload substring (smart case) or `$.path == value`, and the
 * status filter. Filters run in the core over the whole shard (events:filter), never here.
 */
export function FilterBar({
  filter,
  onApply,
  inputRef,
  onInvalid,
}: {
  filter: FilterQuery | null;
  onApply(f: FilterQuery | null): void;
  inputRef?: Ref<HTMLInputElement>;
  /** An invalid filter (its message) or a valid one applied (null): the lane hides its results meanwhile. */
  onInvalid?(message: string | null): void;
}) {
  const [text, setText] = useState(queryText(filter));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setText(queryText(filter));
  }, [filter]);
  const status = filter?.status ?? null;
  const build = (t: string, st: FilterQuery['status'] | null): FilterQuery | null | 'invalid' => {
    const q: FilterQuery = {};
    const trimmed = t.trim();
    if (trimmed.startsWith('$')) {
      try {
        parsePathEquals(trimmed);
      } catch (e) {
        setError((e as Error).message);
        onInvalid?.((e as Error).message);
        return 'invalid';
      }
      q.pathEquals = trimmed;
    } else if (t !== '') q.text = t;
    if (st) q.status = st;
    return Object.keys(q).length === 0 ? null : q;
  };
  const apply = (t: string, st: FilterQuery['status'] | null) => {
    const q = build(t, st);
    if (q !== 'invalid') {
      setError(null);
      onInvalid?.(null);
      onApply(q);
    }
  };
  return (
    <div className="filterbar">
      <form
        className={`filter-box${error ? ' has-error' : ''}${filter ? ' is-active' : ''}`}
        onSubmit={(e) => {
          e.preventDefault();
          apply(text, status);
        }}
      >
        <svg className="icon icon-xs filter-icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
          <path d="M7 12.5a5.5 5.5 0 1 0 0-11 5.5 5.5 0 0 0 0 11ZM11 11l3.5 3.5" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />
        </svg>
        <input
          ref={inputRef as RefObject<HTMLInputElement>}
          className="input input-sm input-mono filter-input"
          value={text}
          placeholder='Filter payload, or $.path == "value"'
          aria-label="Filter: payload text, or a JSON path equals a value"
          title={error ?? 'Text: substring of the payload (case-insensitive unless it has capitals). $.order.id == "123": JSON-path equals (numbers compared digit for digit). Enter applies, Escape clears.'}
          aria-invalid={error ? true : undefined}
          data-filter-input
          onChange={(e) => {
            setText(e.target.value);
            setError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              if (text !== '' || filter) {
                setText('');
                apply('', status);
              } else (e.target as HTMLInputElement).blur();
            }
          }}
        />
        {filter?.text === undefined && filter?.pathEquals === undefined && text === '' ? <kbd className="keycap filter-kbd">/</kbd> : null}
        {filter?.text !== undefined || filter?.pathEquals !== undefined ? (
          <button type="button" className="filter-clear" aria-label="Clear the text filter" onClick={() => apply('', status)}>
            ×
          </button>
        ) : null}
      </form>
      <div className="seg seg-sm" role="group" aria-label="Status filter">
        {(
          [
            [null, 'All', 'Every entry'],
            ['corrupt', 'Corrupt', 'Entries the net-mesh reader would skip'],
            ['duplicate', 'Duplicates', 'Every copy of each duplicated dedup_id, grouped: collisions first, then retries'],
            ['gap', 'Gaps', 'The entries on either side of each gap in a nonce’s ordinals, with the gap between them'],
            ['misrouted', 'Misrouted', 'Entries whose dedup_id or payload names another shard'],
          ] as const
        ).map(([st, label, title]) => {
          const on = st === 'duplicate' ? isDuplicateStatus(status) : status === st;
          return (
            <button key={label} type="button" className={on ? 'seg-btn active' : 'seg-btn'} aria-pressed={on} title={title} data-filter-status={st ?? 'all'} onClick={() => apply(text, st)}>
              {label}
            </button>
          );
        })}
      </div>
      {isDuplicateStatus(status) ? (
        <div className="seg seg-sm" role="group" aria-label="Duplicate kind">
          {(
            [
              ['duplicate', 'Both', 'Retries and collisions'],
              ['collision', 'Collisions', 'Same dedup_id, different payloads: consumers drop a real event'],
              ['retry', 'Retries', 'Same dedup_id, same payload: a retried batch'],
            ] as const
          ).map(([st, label, title]) => (
            <button key={st} type="button" className={status === st ? 'seg-btn active' : 'seg-btn'} aria-pressed={status === st} title={title} data-dup-kind={st} onClick={() => apply(text, st)}>
              {label}
            </button>
          ))}
        </div>
      ) : null}
      {error ? (
        <span className="filter-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

function isDuplicateStatus(st: FilterQuery['status'] | null): boolean {
  return st === 'duplicate' || st === 'retry' || st === 'collision';
}

/**
 * "N new" at the live end of the list (top: newest first, bottom: oldest first), over the payload
 * column so it never hides a dedup_id; a click goes to the live end (and, while following is
 * paused for a selected row, lets the selection go).
 */
export function NewPill({ count, edge, onClick }: { count: number; edge: 'top' | 'bottom'; onClick(): void }) {
  if (count <= 0) return null;
  return (
    <button type="button" className={`new-pill new-pill-${edge}`} onClick={onClick} data-new-count={count} title="Go to the newest entries">
      {edge === 'top' ? '↑' : '↓'} {formatCount(count)} new
    </button>
  );
}

/**
 * The lane footer's live state. While a row is selected the live tail does not move the list
 * (EntryList pins it): the footer says "following paused" with a Resume button that lets the
 * selection go and returns to the live end.
 */
export function FollowState({ live, newCount, paused, idle, onResume }: { live: boolean; newCount: number; paused: boolean; idle: string; onResume(): void }) {
  if (!live) return <span>{idle}</span>;
  if (!paused) return <span>{newCount > 0 ? 'live, paused while you read' : 'live'}</span>;
  return (
    <span className="follow-paused" data-following="paused">
      <svg className="icon icon-xs" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
        <path d="M5.5 3.5v9M10.5 3.5v9" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
      </svg>
      following paused: a row is selected
      <button type="button" className="follow-resume" onClick={onResume} data-action="resume-follow" title="Let the selection go and follow the newest entries">
        Resume
      </button>
    </span>
  );
}

/** In place of a lane's results while its filter is invalid: results of another filter would mislead. */
export function InvalidFilter({ message }: { message: string }) {
  return (
    <div className="lane-list">
      <div className="lane-empty" data-filter-invalid>
        <div className="empty-title">Filter not applied</div>
        <div className="empty-text">
          {message}. Fix it and press Enter, or press Escape to clear it.
        </div>
      </div>
    </div>
  );
}

import { memo } from 'react';
import type { DuplicateMark, PageEntry } from '../../../../shared/contract';
import { formatCount, formatDate, formatTime, formatTimestamp, previewLine } from '../../lib/format';
import { formatBytes } from '../../lib/hex';
import { streamIdTime } from '../../lib/stream-id';
import { fitDedupId } from '../../lib/dedup-fit';
import { AnomalyFlag } from '../../components/AnomalyIcon';
import { ColumnGrip } from './columns';
import type { EvidenceKind } from '../../lib/evidence';
import { misroutedTo, type RowMarker } from './lane-rows';
import { MarkerRow } from './MarkerRow';

/** Fixed row height (px): rows never change size, so nothing moves while data arrives. */
export const ROW_HEIGHT = 28;

export interface RowProps {
  index: number;
  top: number;
  entry: PageEntry | undefined;
  shard: number;
  mark: DuplicateMark | undefined;
  position: number | null;
  state: 'ready' | 'loading' | 'missing' | 'error';
  selected: boolean;
  /** Show the shard column (merged view). */
  showShard: boolean;
  /** Payload characters worth laying out: about what the list is wide (every one is shaped). */
  chars: number;
  /** The dedup_id column holds this many characters (0: any dedup_id whole); longer ones are shortened in the nonce. */
  dedupFit: number;
  /** The anomaly kind when this is the entry an Analysis figure opened (ringed in its colour), else null. */
  evidence: EvidenceKind | null;
  /** A row between entries (gap marker, dedup_id group header: lane-rows.ts) instead of an entry. */
  marker?: RowMarker;
}

/** The column headers, aligned with the rows through the same grid template. */
export function EntryHead({ showShard }: { showShard: boolean }) {
  return (
    <div className={`erow erow-head${showShard ? ' with-shard' : ''}`} role="row">
      <div className="ecell c-time" role="columnheader" title="Wall-clock time from the stream id's milliseconds (t is not wall time)">
        Time
        <ColumnGrip column="time" />
      </div>
      {showShard ? (
        <div className="ecell c-shard" role="columnheader" title="Shard">
          <span className="th-full">Shard</span>
          <span className="th-short">#</span>
        </div>
      ) : null}
      <div className="ecell c-id" role="columnheader">
        Stream id
        <ColumnGrip column="id" />
      </div>
      <div className="ecell c-dedup" role="columnheader">
        dedup_id
        <ColumnGrip column="dedup" />
      </div>
      <div className="ecell c-flags" role="columnheader" title="Corrupt entries, duplicate dedup_ids, misrouted entries (→ the shard they belong to), large payloads">
        Flags
        <ColumnGrip column="flags" />
      </div>
      <div className="ecell c-payload" role="columnheader">
        Payload <span className="th-note">r</span>
      </div>
    </div>
  );
}

interface RowText {
  date: string;
  time: string;
  title: string;
  preview: string;
}

/**
 * A row's texts, computed once per entry (a row scrolled out and back, or re-rendered for a
 * selection or a mark, does not format its date or collapse its payload again).
 */
const texts = new WeakMap<PageEntry, RowText>();
function rowText(e: PageEntry): RowText {
  let t = texts.get(e);
  if (!t) {
    const time = streamIdTime(e.id);
    t = {
      date: time ? formatDate(time) : '',
      time: time ? formatTime(time) : '—',
      title: time ? `${formatTimestamp(time)} · ${e.id}` : e.id,
      preview: e.status === 'ok' ? previewLine(e.r) : e.d === undefined ? '' : previewLine(e.d),
    };
    texts.set(e, t);
  }
  return t;
}

function payloadText(e: PageEntry, chars: number): string {
  const line = rowText(e).preview;
  return line.length > chars ? `${line.slice(0, chars)}…` : line;
}

function Flags({ entry, mark, shard }: { entry: PageEntry; mark: DuplicateMark | undefined; shard: number }) {
  const wrong = misroutedTo(entry, shard);
  return (
    <>
      {wrong ? (
        <AnomalyFlag kind="misrouted" title={wrong.why} data={{ 'data-misrouted-to': String(wrong.shard) }}>
          → #{wrong.shard}
        </AnomalyFlag>
      ) : null}
      {entry.status === 'corrupt' ? <AnomalyFlag kind="corrupt" title={entry.reason} /> : null}
      {mark ? (
        <AnomalyFlag
          kind={mark.kind === 'collision' ? 'collision' : 'duplicate'}
          title={
            mark.kind === 'collision'
              ? `Collision: ${mark.copies} entries carry this dedup_id with different payloads. Consumers that dedup will drop a real event.`
              : `Retry duplicate: ${mark.copies} entries carry this dedup_id with the same payload.`
          }
        >
          {mark.kind === 'collision' ? 'collision' : 'retry'} ×{mark.copies}
        </AnomalyFlag>
      ) : null}
      {entry.truncated !== undefined ? (
        <span className="flag flag-size" title={`${formatCount(entry.truncated)} characters; the row shows the start, the detail the whole payload`}>
          {formatBytes(entry.truncated)}
        </span>
      ) : null}
    </>
  );
}

const NO_TEXT: RowText = { date: '', time: '', title: '', preview: '' };

/**
 * One entry as a row. Payload text is only ever a React text child, so HTML or script in a payload
 * is shown as text and never parsed. Carries `data-entry-id`, `data-status` and, for a duplicated
 * dedup_id, `data-duplicate` (retry | collision) for tests and scripts.
 *
 * A row being read (`data-placeholder="loading"`) has the same elements as an entry's row, empty
 * (its skeleton bars are the row's background): when the page arrives, or when a jump gives the
 * element to another entry (EntryList's RowSlots), only texts and attributes change in place.
 */
export const EntryRow = memo(function EntryRow(p: RowProps) {
  const { entry, mark } = p;
  const evidence = p.evidence;
  if (p.marker) return <MarkerRow marker={p.marker} top={p.top} index={p.index} />;
  const style = { transform: `translateY(${p.top}px)` };
  if (!entry && p.state !== 'loading') {
    return (
      <div
        className={`erow erow-placeholder${p.showShard ? ' with-shard' : ''}${p.index % 2 ? ' is-alt' : ''}${p.selected ? ' is-selected' : ''}`}
        role="row"
        data-row-index={p.index}
        data-placeholder={p.state}
        data-position={p.position ?? undefined}
        style={style}
      >
        {p.state === 'missing' ? (
          <div className="ecell c-gap">position {p.position === null ? '' : formatCount(p.position)}: not read (positions are estimates until the index is ready)</div>
        ) : (
          <div className="ecell c-gap c-gap-error">could not read this page; it is retried when you scroll back or reload</div>
        )}
      </div>
    );
  }
  const text = entry ? rowText(entry) : NO_TEXT;
  let cls = entry ? 'erow' : 'erow erow-placeholder';
  if (p.showShard) cls += ' with-shard';
  if (p.index % 2) cls += ' is-alt';
  if (entry?.status === 'corrupt') cls += ' is-corrupt';
  if (mark) cls += mark.kind === 'collision' ? ' is-collision' : ' is-retry';
  if (p.selected) cls += ' is-selected';
  if (evidence) cls += ' is-evidence';
  return (
    <div
      className={cls}
      role="row"
      aria-selected={p.selected}
      data-row-index={p.index}
      data-entry-id={entry?.id}
      data-status={entry?.status}
      data-duplicate={mark?.kind}
      data-evidence={evidence ?? undefined}
      data-kind={evidence ?? undefined}
      data-position={p.position ?? undefined}
      data-entry-shard={entry ? p.shard : undefined}
      data-placeholder={entry ? undefined : 'loading'}
      style={style}
    >
      <div className="ecell c-time" role="cell" title={entry ? text.title : undefined}>
        <span className="ts-date">{text.date ? `${text.date} ` : ''}</span>
        {text.time}
      </div>
      {p.showShard ? (
        <div className="ecell c-shard" role="cell">
          <span className="shard-hash">{entry ? '#' : ''}</span>
          {entry ? p.shard : ''}
        </div>
      ) : null}
      <div className="ecell c-id" role="cell" title={entry?.id}>
        {entry?.id ?? ''}
      </div>
      <div className={`ecell c-dedup${entry && entry.dedupId === undefined ? ' is-missing' : ''}`} role="cell" title={entry?.dedupId}>
        {entry ? (entry.dedupId === undefined ? 'no dedup_id' : fitDedupId(entry.dedupId, p.dedupFit)) : ''}
      </div>
      <div className="ecell c-flags" role="cell">
        {entry ? <Flags entry={entry} mark={mark} shard={p.shard} /> : null}
      </div>
      <div className="ecell c-payload" role="cell">
        {entry?.status === 'corrupt' ? (
          <>
            <span className="corrupt-why">{entry.reason}</span>
            <span className="corrupt-d">{payloadText(entry, p.chars)}</span>
          </>
        ) : entry ? (
          payloadText(entry, p.chars)
        ) : (
          ''
        )}
      </div>
    </div>
  );
}, sameRow);

/** Every prop of a row: memo compares these (the `satisfies` keeps the list complete). */
const ROW_FIELDS = Object.keys({
  index: true,
  top: true,
  entry: true,
  shard: true,
  mark: true,
  position: true,
  state: true,
  selected: true,
  showShard: true,
  chars: true,
  dedupFit: true,
  evidence: true,
  marker: true,
} satisfies Record<keyof RowProps, true>) as Array<keyof RowProps>;

/** memo's comparison without allocating (rows are compared on every scroll frame). */
function sameRow(a: RowProps, b: RowProps): boolean {
  for (let i = 0; i < ROW_FIELDS.length; i++) {
    const k = ROW_FIELDS[i] as keyof RowProps;
    if (a[k] !== b[k]) return false;
  }
  return true;
}

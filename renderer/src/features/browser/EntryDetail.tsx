import { useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode, type RefObject } from 'react';
import type { DuplicateCopies, DuplicateMark } from '../../../../shared/contract';
import { parseDedupId } from '../../../../shared/dedup-id';
import { prettyPrint } from '../../../../shared/json-text';
import type { MeshEntry, MeshErrorInfo } from '../../../../shared/types';
import { toApiError } from '../../api';
import { ErrorNotice } from '../../components/ErrorNotice';
import { copyText } from '../../lib/clipboard';
import { formatAge, formatCount, formatTimestamp, previewLine } from '../../lib/format';
import { formatBytes, hexDump, storedBytes, utf8Length } from '../../lib/hex';
import { streamIdTime } from '../../lib/stream-id';
import { shardById } from '../../models/shard-list-model';
import { useApp } from '../../store';
import { AnomalyFlag } from '../../components/AnomalyIcon';
import { blamedBytes, blamedRange, byteAtCharIndex, type Range } from '../../lib/corrupt-range';
import { diffJson, pathLabel } from '../../lib/json-diff';
import { CollisionCompare } from './CollisionCompare';
import { JsonTree } from './JsonTree';

/** Characters of a payload shown at once in the Raw and Pretty tabs; Copy always copies all. */
const SHOW_CHARS = 200_000;

type Tab = 'tree' | 'pretty' | 'raw' | 'text' | 'hex';

export interface EntryDetailProps {
  shard: number;
  id: string;
  /** Shown in the header; copies are revealed in this lane when it is a shard lane. */
  laneIsStream: boolean;
  onClose(): void;
  /** Go to another entry of the same shard (a duplicate's other copy, or this entry in its stream). */
  onReveal(target: { id: string; position?: number }): void;
}

function CopyButton({ text, label, what }: { text: string | (() => string); label?: string; what: string }) {
  const [state, setState] = useState<'idle' | 'done' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 1400);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <button
      type="button"
      className={`btn btn-ghost btn-sm copy-btn${state === 'done' ? ' is-done' : ''}`}
      title={`Copy ${what}`}
      data-copy={what}
      onClick={(e) => {
        e.stopPropagation();
        void copyText(typeof text === 'function' ? text() : text).then((ok) => setState(ok ? 'done' : 'failed'));
      }}
    >
      {state === 'done' ? 'Copied' : state === 'failed' ? 'Copy failed' : (label ?? 'Copy')}
    </button>
  );
}

/** `t` is nanoseconds on the producer's per-shard clock (contract 1.4): a duration, never a date. */
function describeT(t: string): string {
  const ns = BigInt(t);
  const s = Number(ns / 1_000_000n) / 1000;
  if (ns < 1000n) return `${ns} ns after that clock started`;
  if (s < 1) return `${formatCount(Number(ns / 1000n))} µs after that clock started`;
  if (s < 120) return `${s.toFixed(3)} s after that clock started`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min after that clock started`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h after that clock started`;
  const days = s / 86_400;
  if (days > 3650) return `${formatCount(Math.round(days))} days: this producer stamps epoch time, not net-mesh's shard clock`;
  return `${days.toFixed(1)} days after that clock started`;
}

/**
 * One entry in full: `r` exactly as stored (tree, pretty or raw; literals never re-serialized),
 * stream-id time, `t`, `s`, the dedup_id's parts, its duplicate status with links to the other
 * copies, and for a corrupt entry the stored `d` as text or hex. Fetched whole (`events:entry`),
 * so a 5 MB payload is read only when someone opens it.
 */
export function EntryDetail(p: EntryDetailProps) {
  const api = useApp((s) => s.api);
  const shardKey = useApp((s) => (s.shards ? (shardById(s.shards.shards, p.shard)?.key ?? null) : null));
  const [entry, setEntry] = useState<MeshEntry | null | undefined>(undefined);
  const [error, setError] = useState<MeshErrorInfo | null>(null);
  const [mark, setMark] = useState<DuplicateMark | null>(null);
  const [copies, setCopies] = useState<DuplicateCopies | null>(null);
  /** The other copies' payloads (a collision is obvious side by side), for the first few copies. */
  const [copyPayloads, setCopyPayloads] = useState<Map<string, string>>(new Map());
  const [tab, setTab] = useState<Tab>('tree');
  const [comparing, setComparing] = useState(false);

  useEffect(() => {
    let live = true;
    setEntry(undefined);
    setError(null);
    setMark(null);
    setCopies(null);
    setCopyPayloads(new Map());
    api
      .invoke('events:entry', { shard: p.shard, id: p.id })
      .then(async (e) => {
        if (!live) return;
        setEntry(e);
        // A corrupt entry opens where its fault shows: the text, or the bytes when it is not UTF-8.
        if (e?.status === 'corrupt') setTab(e.reason.startsWith('d is not valid UTF-8') && e.d?.startsWith('base64:') ? 'hex' : 'text');
        else setTab((t) => (t === 'text' || t === 'hex' ? 'tree' : t));
        if (!e?.dedupId) return;
        const dup = await api.invoke('duplicates:lookup', { shard: p.shard, dedupIds: [e.dedupId] });
        if (!live) return;
        const m = dup.marks[0] ?? null;
        setMark(m);
        if (m) {
          const c = await api.invoke('duplicates:copies', { shard: p.shard, dedupId: e.dedupId });
          if (!live) return;
          setCopies(c);
          const others = c.copies.filter((x) => x.id !== p.id).slice(0, 8);
          const got = await Promise.all(others.map((x) => api.invoke('events:entry', { shard: p.shard, id: x.id }).catch(() => null)));
          if (!live) return;
          const map = new Map<string, string>();
          got.forEach((g, k) => {
            if (g) map.set(others[k]!.id, g.status === 'ok' ? g.r : (g.d ?? ''));
          });
          setCopyPayloads(map);
        }
      })
      .catch((e: unknown) => {
        if (live) setError(toApiError(e).toInfo());
      });
    return () => {
      live = false;
    };
  }, [api, p.shard, p.id]);

  const time = streamIdTime(p.id);
  const dedup = entry?.dedupId !== undefined ? parseDedupId(entry.dedupId) : null;
  const payload = entry ? (entry.status === 'ok' ? entry.r : (entry.d ?? '')) : '';
  // The stored size: a `d` that is not UTF-8 arrives as base64 text, so count its bytes.
  const notUtf8 = entry?.status === 'corrupt' && entry.reason.startsWith('d is not valid UTF-8');
  const size = useMemo(() => (notUtf8 ? storedBytes(payload, true).length : utf8Length(payload)), [payload, notUtf8]);
  // A collision: the copies as the comparison shows them, and where the first differing one differs.
  const compareCopies = useMemo(() => {
    if (!copies || mark?.kind !== 'collision') return null;
    const self = copies.copies.find((c) => c.id === p.id);
    const others = copies.copies.filter((c) => c.id !== p.id && copyPayloads.has(c.id)).map((c) => ({ id: c.id, position: c.position, text: copyPayloads.get(c.id) as string }));
    if (others.length === 0) return null;
    return { self: { id: p.id, position: self?.position ?? 0, text: payload }, others };
  }, [copies, copyPayloads, mark, p.id, payload]);
  const firstDiff = useMemo(() => {
    if (!compareCopies) return null;
    const other = compareCopies.others.find((o) => o.text !== payload) ?? compareCopies.others[0];
    return other ? diffJson(payload, other.text) : null;
  }, [compareCopies, payload]);

  return (
    <aside className="detail" aria-label="Entry detail" data-detail data-detail-id={p.id}>
      <div className="detail-head">
        <span className="detail-title">Entry</span>
        <code className="detail-id" title="Stream id">
          {p.id}
        </code>
        <CopyButton text={p.id} what="stream id" label="Copy id" />
        <span className="spacer" />
        {!p.laneIsStream ? (
          <button type="button" className="btn btn-soft btn-sm" onClick={() => p.onReveal({ id: p.id })} data-action="show-in-stream">
            Show in shard {p.shard}
          </button>
        ) : null}
        <button type="button" className="btn btn-ghost btn-icon btn-sm" onClick={p.onClose} aria-label="Close detail" title="Close (Esc)">
          ×
        </button>
      </div>
      <div className="detail-scroll">
        {error ? <ErrorNotice error={error} title="Could not read this entry" /> : null}
        {entry === null ? <div className="detail-empty">This entry is no longer in the stream (trimmed or deleted).</div> : null}
        {entry === undefined && !error ? (
          <div className="detail-loading">
            <span className="skeleton skeleton-line" />
            <span className="skeleton skeleton-line skeleton-short" />
          </div>
        ) : null}
        {entry ? (
          <>
            {entry.status === 'corrupt' ? (
              <div className="detail-corrupt" data-corrupt-reason>
                <AnomalyFlag kind="corrupt" />
                <span>
                  net-mesh's reader skips this entry: <b>{entry.reason}</b>
                </span>
              </div>
            ) : null}
            {mark ? (
              <div className={`detail-dup detail-dup-${mark.kind}`} data-detail-duplicate={mark.kind}>
                <div className="detail-dup-head">
                  <AnomalyFlag kind={mark.kind === 'collision' ? 'collision' : 'duplicate'}>{mark.kind}</AnomalyFlag>
                  <span>
                    {mark.kind === 'collision'
                      ? `${mark.copies} entries carry this dedup_id with different payloads: a consumer that dedups keeps the first and silently drops the others, real events included.`
                      : `${mark.copies} entries carry this dedup_id with the same payload: a retried batch. Consumers that dedup drop the extra copies.`}
                  </span>
                </div>
                {mark.kind === 'collision' && compareCopies ? (
                  <div className="dup-diff" data-dup-diff>
                    {firstDiff && firstDiff.paths.length > 0 ? (
                      <>
                        <span className="muted small">Differs at</span>
                        {firstDiff.paths.slice(0, 3).map((x) => (
                          <code key={x} className="compare-path">
                            {pathLabel(x)}
                          </code>
                        ))}
                        {firstDiff.count > 3 ? <span className="muted small">+{formatCount(firstDiff.count - 3)}</span> : null}
                      </>
                    ) : null}
                    <span className="spacer" />
                    <button type="button" className="btn btn-soft btn-sm" onClick={() => setComparing(true)} data-action="compare-copies">
                      Compare side by side
                    </button>
                  </div>
                ) : null}
                <ul className="copies" data-copies>
                  {copies === null ? <li className="muted">finding the copies…</li> : null}
                  {copies?.copies.map((c) => (
                    <li key={c.id}>
                      {c.id === p.id ? (
                        <span className="copy-self">
                          <code>{c.id}</code> <span className="muted">this entry · #{formatCount(c.position)}</span>
                        </span>
                      ) : (
                        <button type="button" className="copy-link" data-copy-link={c.id} onClick={() => p.onReveal({ id: c.id, position: c.position })}>
                          <span className="copy-line">
                            <code>{c.id}</code>
                            <span className="muted">
                              #{formatCount(c.position)} · {formatDistance(c.id, p.id)}
                            </span>
                          </span>
                          {copyPayloads.has(c.id) ? (
                            <span className={`copy-payload${copyPayloads.get(c.id) === payload ? ' is-same' : ' is-different'}`}>
                              {copyPayloads.get(c.id) === payload ? 'same r · ' : 'r · '}
                              {previewLine(copyPayloads.get(c.id) as string).slice(0, 160)}
                            </span>
                          ) : null}
                        </button>
                      )}
                    </li>
                  ))}
                  {copies && !copies.ready ? <li className="muted">the shard index is still being built: more copies may appear</li> : null}
                </ul>
              </div>
            ) : null}
            <dl className="facts">
              <dt>Time</dt>
              <dd>
                {time ? (
                  <>
                    <span className="mono" data-fact-time>
                      {formatTimestamp(time)}
                    </span>
                    <span className="muted"> local, {formatAge(time.getTime(), Date.now())}</span>
                    <div className="fact-note">
                      <span className="mono">{time.toISOString()}</span> · from the stream id's milliseconds, when Redis stored it
                    </div>
                  </>
                ) : (
                  '—'
                )}
              </dd>
              <dt>Stream</dt>
              <dd>
                <span className="mono">{shardKey ?? `shard ${p.shard}`}</span>
              </dd>
              {entry.status === 'ok' ? (
                <>
                  <dt>t</dt>
                  <dd>
                    <span className="mono" data-fact-t>
                      {entry.t}
                    </span>
                    <CopyButton text={entry.t} what="t" />
                    <div className="fact-note">Nanoseconds on the producer's shard clock, {describeT(entry.t)}. Not a wall-clock time.</div>
                  </dd>
                  <dt>s</dt>
                  <dd>
                    <span className="mono">{entry.s}</span>
                    {entry.s !== p.shard ? (
                      <AnomalyFlag kind="misrouted" title="net-mesh consumers attribute this entry to shard s, not to the stream it is in">
                        misrouted: in shard {p.shard}
                      </AnomalyFlag>
                    ) : (
                      <span className="muted"> matches the stream</span>
                    )}
                  </dd>
                </>
              ) : null}
              <dt>dedup_id</dt>
              <dd>
                {entry.dedupId === undefined ? (
                  <span className="is-missing">none: consumers cannot dedup this entry</span>
                ) : (
                  <>
                    <span className="mono" data-fact-dedup>
                      {entry.dedupId}
                    </span>
                    <CopyButton text={entry.dedupId} what="dedup_id" />
                    {dedup ? (
                      <div className="dedup-parts">
                        <span>
                          nonce <code>{dedup.nonce}</code>
                        </span>
                        <span>
                          shard <code>{dedup.shard}</code>
                        </span>
                        <span>
                          seq <code>{dedup.seq.toString()}</code>
                        </span>
                        <span>
                          i <code>{dedup.i.toString()}</code>
                        </span>
                        <span title="seq + i: the event's 0-based ordinal in its producer's sequence for this shard">
                          ordinal <code>{dedup.ordinal.toString()}</code>
                        </span>
                      </div>
                    ) : (
                      <div className="fact-note">Not in net-mesh's {'{nonce}:{shard}:{seq}:{i}'} form.</div>
                    )}
                  </>
                )}
              </dd>
              <dt>Size</dt>
              <dd>
                <span className="mono">{formatBytes(size)}</span>
                <span className="muted"> {entry.status === 'ok' ? 'of r' : 'of d as stored'}</span>
              </dd>
            </dl>
            <Payload entry={entry} tab={tab} onTab={setTab} />
          </>
        ) : null}
      </div>
      {comparing && compareCopies && entry?.dedupId ? (
        <CollisionCompare
          dedupId={entry.dedupId}
          self={compareCopies.self}
          others={compareCopies.others}
          onClose={() => setComparing(false)}
          onReveal={(c) => {
            setComparing(false);
            p.onReveal({ id: c.id, position: c.position });
          }}
        />
      ) : null}
    </aside>
  );
}

function formatDistance(a: string, b: string): string {
  const ta = streamIdTime(a)?.getTime();
  const tb = streamIdTime(b)?.getTime();
  if (ta === undefined || tb === undefined) return '';
  const d = Math.abs(ta - tb);
  const dir = ta < tb ? 'earlier' : 'later';
  if (d < 1000) return `${d} ms ${dir}`;
  if (d < 120_000) return `${(d / 1000).toFixed(1)} s ${dir}`;
  if (d < 7_200_000) return `${(d / 60_000).toFixed(1)} min ${dir}`;
  return `${(d / 3_600_000).toFixed(1)} h ${dir}`;
}

function Payload({ entry, tab, onTab }: { entry: MeshEntry; tab: Tab; onTab(t: Tab): void }) {
  const ok = entry.status === 'ok';
  const text = ok ? entry.r : (entry.d ?? '');
  const tabs: Array<[Tab, string]> = ok
    ? [
        ['tree', 'Tree'],
        ['pretty', 'Pretty'],
        ['raw', 'Raw'],
      ]
    : [
        ['text', 'Text'],
        ['hex', 'Hex'],
      ];
  const notUtf8 = !ok && entry.reason.startsWith('d is not valid UTF-8');
  return (
    <section className="payload">
      <div className="payload-head">
        <span className="payload-title">{ok ? 'r' : 'd'}</span>
        <span className="muted small">{ok ? 'as stored' : notUtf8 ? 'bytes, not UTF-8' : 'as stored'}</span>
        <span className="spacer" />
        <div className="seg seg-sm" role="tablist">
          {tabs.map(([t, label]) => (
            <button key={t} type="button" role="tab" aria-selected={tab === t} className={tab === t ? 'seg-btn active' : 'seg-btn'} onClick={() => onTab(t)} data-payload-tab={t}>
              {label}
            </button>
          ))}
        </div>
        {text ? <CopyButton text={text} what={ok ? 'r' : 'd'} label={`Copy ${ok ? 'r' : 'd'}`} /> : null}
      </div>
      <div className="payload-body">
        {!text ? <div className="muted">This entry has no d field.</div> : <PayloadView text={text} tab={tab} notUtf8={notUtf8} reason={ok ? null : entry.reason} />}
      </div>
    </section>
  );
}

function PayloadView({ text, tab, notUtf8, reason }: { text: string; tab: Tab; notUtf8: boolean; reason: string | null }) {
  const view = useMemo(() => {
    if (tab === 'pretty') {
      const p = prettyPrint(text, 2, SHOW_CHARS);
      return { body: p.text, cut: p.truncated };
    }
    if (tab === 'hex') {
      const h = hexDump(storedBytes(text, notUtf8));
      return { body: h.text, cut: h.truncated };
    }
    if (tab === 'raw' || tab === 'text') return { body: text.length > SHOW_CHARS ? text.slice(0, SHOW_CHARS) : text, cut: text.length > SHOW_CHARS };
    return null;
  }, [text, tab, notUtf8]);
  // A corrupt entry: the part of d its reason blames, in the text or in the hex dump.
  const blame = useMemo((): { range: Range; bytes: Range } | null => {
    if (reason === null) return null;
    if (notUtf8 && text.startsWith('base64:')) {
      const b = blamedBytes(reason, storedBytes(text, true).length);
      return b ? { range: b, bytes: b } : null;
    }
    const r = blamedRange(reason, text);
    return r ? { range: r, bytes: { start: byteAtCharIndex(text, r.start), end: byteAtCharIndex(text, r.end) } } : null;
  }, [reason, text, notUtf8]);
  const markRef = useRef<HTMLElement>(null);
  useLayoutEffect(() => {
    markRef.current?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [blame, tab]);
  if (tab === 'tree') return <JsonTree text={text} />;
  if (!view) return null;
  let body: ReactNode = view.body;
  if (blame && tab === 'text' && !(notUtf8 && text.startsWith('base64:')) && blame.range.start < view.body.length) {
    body = (
      <>
        {view.body.slice(0, blame.range.start)}
        <mark className="blame" ref={markRef} data-blame={`${blame.bytes.start}-${blame.bytes.end}`}>
          {view.body.slice(blame.range.start, blame.range.end)}
        </mark>
        {view.body.slice(blame.range.end)}
      </>
    );
  } else if (blame && tab === 'hex') {
    body = hexWithBlame(view.body, blame.bytes, markRef);
  }
  return (
    <>
      {blame && (tab === 'text' || tab === 'hex') ? (
        <div className="blame-note" data-blame-note>
          {blame.bytes.end - blame.bytes.start <= 1 ? `Byte ${formatCount(blame.bytes.start)}` : `Bytes ${formatCount(blame.bytes.start)}–${formatCount(blame.bytes.end - 1)}`} highlighted: where the reader stops.
        </div>
      ) : null}
      <pre className={`payload-pre${tab === 'raw' || tab === 'text' ? ' wrap' : ''}`} data-payload-view={tab}>
        {body}
      </pre>
      {view.cut ? <div className="payload-cut">Showing the start of {formatBytes(text.length)}; Copy copies all of it.</div> : null}
    </>
  );
}

/**
 * The hex dump with the blamed bytes marked, in the hex column and the ASCII column (lines as
 * lib/hex's hexDump writes them: 8-digit offset, two spaces, 16 bytes "xx " with an extra space
 * after the 8th, then |ascii|).
 */
function hexWithBlame(dump: string, bytes: Range, markRef: RefObject<HTMLElement | null>): ReactNode {
  const lines = dump.split('\n');
  const first = Math.floor(bytes.start / 16);
  const last = Math.floor((bytes.end - 1) / 16);
  if (first >= lines.length) return dump;
  const out: ReactNode[] = [];
  if (first > 0) out.push(`${lines.slice(0, first).join('\n')}\n`);
  for (let l = first; l <= last && l < lines.length; l++) {
    const line = lines[l] as string;
    const a = l === first ? bytes.start % 16 : 0;
    const b = l === last ? ((bytes.end - 1) % 16) + 1 : 16;
    const hexAt = (k: number) => 10 + k * 3 + (k > 7 ? 1 : 0);
    const bar = line.indexOf('|');
    const hs = hexAt(a);
    const he = hexAt(b - 1) + 2;
    out.push(
      line.slice(0, hs),
      <mark key={`h${l}`} className="blame" ref={l === first ? markRef : undefined} data-blame={l === first ? `${bytes.start}-${bytes.end}` : undefined}>
        {line.slice(hs, he)}
      </mark>,
      line.slice(he, bar + 1 + a),
      <mark key={`a${l}`} className="blame">
        {line.slice(bar + 1 + a, bar + 1 + b)}
      </mark>,
      `${line.slice(bar + 1 + b)}${l < lines.length - 1 ? '\n' : ''}`,
    );
  }
  if (last + 1 < lines.length) out.push(lines.slice(last + 1).join('\n'));
  return out;
}

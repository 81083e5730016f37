import { memo, useMemo, useState } from 'react';
import { membersOf, rootSpan, type JsonKind, type JsonMember } from '../../../../shared/json-text';
import { formatCount } from '../../lib/format';
import type { DiffMark } from '../../lib/json-diff';

/** Members listed per "show more" step: a 100,000-element array opens instantly. */
const PAGE = 200;
/** Strings longer than this are cut in the tree (the Raw tab has them whole). */
const LONG_STRING = 600;
/** Containers smaller than this (in characters) open by default, up to depth 2. */
const AUTO_OPEN_CHARS = 20_000;

/**
 * A collapsible tree over JSON *text*: every node is a span of the stored text, children are
 * listed lazily (only when opened, PAGE at a time), and every literal is shown as written: big
 * integers, `12.50`, escapes. Nothing is parsed into JS values, so nothing is rounded.
 */
export function JsonTree({ text, marks }: { text: string; marks?: Map<string, DiffMark> }) {
  const root = useMemo(() => rootSpan(text), [text]);
  if (!root) return <div className="jt-invalid">Not a single JSON value; see the Raw tab.</div>;
  return (
    <div className="jt" role="tree" data-json-tree>
      <Node text={text} kind={root.kind} start={root.start} end={root.end} depth={0} path="$" marks={marks} />
    </div>
  );
}

interface NodeProps {
  text: string;
  kind: JsonKind;
  start: number;
  end: number;
  depth: number;
  keyRaw?: string;
  index?: number;
  last?: boolean;
  /** This node's path (lib/json-diff's form), and the diff marks of the tree, when comparing. */
  path: string;
  marks?: Map<string, DiffMark>;
}

const Node = memo(function Node(p: NodeProps) {
  const container = p.kind === 'object' || p.kind === 'array';
  // The root always opens (listing its members is one pass, however big); deeper levels only when small.
  const mark = p.marks?.get(p.path);
  // When comparing, every container holding a difference opens, so each difference is on screen.
  const [open, setOpen] = useState(() => container && (p.depth === 0 || mark === 'inner' || (p.depth < 2 && p.end - p.start < AUTO_OPEN_CHARS)));
  const label =
    p.keyRaw !== undefined ? (
      <>
        <span className="jt-key">{p.keyRaw}</span>
        <span className="jt-punct">: </span>
      </>
    ) : p.index !== undefined ? (
      <span className="jt-index">{p.index}: </span>
    ) : null;
  if (!container) {
    return (
      <div className="jt-row" role="treeitem" style={{ paddingLeft: p.depth * 14 + 16 }} data-diff={mark} data-path={p.marks ? p.path : undefined}>
        {label}
        <Literal text={p.text} kind={p.kind} start={p.start} end={p.end} />
      </div>
    );
  }
  const [openCh, closeCh] = p.kind === 'object' ? ['{', '}'] : ['[', ']'];
  return (
    <div role="treeitem" aria-expanded={open} data-diff={mark === 'inner' ? undefined : mark}>
      <div className="jt-row jt-branch" style={{ paddingLeft: p.depth * 14 }} onClick={() => setOpen(!open)} data-diff={mark} data-path={p.marks ? p.path : undefined}>
        <button type="button" className="jt-toggle" aria-label={open ? 'Collapse' : 'Expand'}>
          {open ? '▾' : '▸'}
        </button>
        {label}
        <span className="jt-punct">{openCh}</span>
        {!open ? (
          <>
            <Summary text={p.text} kind={p.kind} start={p.start} end={p.end} />
            <span className="jt-punct">{closeCh}</span>
          </>
        ) : null}
      </div>
      {open ? (
        <>
          <Children text={p.text} kind={p.kind} start={p.start} depth={p.depth + 1} path={p.path} marks={p.marks} />
          <div className="jt-row" style={{ paddingLeft: p.depth * 14 + 16 }}>
            <span className="jt-punct">{closeCh}</span>
          </div>
        </>
      ) : null}
    </div>
  );
});

function Children({ text, start, depth, path, marks }: { text: string; kind: JsonKind; start: number; depth: number; path: string; marks?: Map<string, DiffMark> }) {
  const [pages, setPages] = useState(1);
  const { members, more, nextIndex } = useMemo(() => {
    const all: JsonMember[] = [];
    let from = -1;
    let index = 0;
    let more = false;
    for (let k = 0; k < pages; k++) {
      const page = membersOf(text, start, PAGE, from, index);
      all.push(...page.members);
      if (page.next < 0) {
        more = false;
        break;
      }
      from = page.next;
      index = page.nextIndex;
      more = true;
    }
    return { members: all, more, nextIndex: index };
  }, [text, start, pages]);
  if (members.length === 0) {
    return (
      <div className="jt-row jt-empty" style={{ paddingLeft: depth * 14 + 16 }}>
        empty
      </div>
    );
  }
  return (
    <div role="group">
      {members.map((m) => (
        <Node
          key={m.start}
          text={text}
          kind={m.kind}
          start={m.start}
          end={m.end}
          depth={depth}
          keyRaw={m.keyRaw}
          index={m.keyRaw === undefined ? m.index : undefined}
          path={m.keyRaw === undefined ? `${path}[${m.index}]` : `${path}.${m.keyRaw}`}
          marks={marks}
        />
      ))}
      {more ? (
        <div className="jt-row" style={{ paddingLeft: depth * 14 + 16 }}>
          <button type="button" className="jt-more" onClick={() => setPages(pages + 1)}>
            show {PAGE} more (from {formatCount(nextIndex)})
          </button>
        </div>
      ) : null}
    </div>
  );
}

function Summary({ text, kind, start }: { text: string; kind: JsonKind; start: number; end: number }) {
  const n = useMemo(() => {
    const page = membersOf(text, start, 1000);
    return { count: page.members.length, more: page.next >= 0 };
  }, [text, start]);
  const unit = kind === 'object' ? (n.count === 1 && !n.more ? 'key' : 'keys') : n.count === 1 && !n.more ? 'item' : 'items';
  return (
    <span className="jt-summary">
      {' '}
      {n.more ? '1,000+' : n.count} {unit}{' '}
    </span>
  );
}

function Literal({ text, kind, start, end }: { text: string; kind: JsonKind; start: number; end: number }) {
  const [full, setFull] = useState(false);
  const len = end - start;
  const long = kind === 'string' && len > LONG_STRING && !full;
  const shown = long ? text.slice(start, start + LONG_STRING) : text.slice(start, end);
  return (
    <span className={`jt-lit jt-${kind}`}>
      {shown}
      {long ? (
        <button type="button" className="jt-more" onClick={() => setFull(true)}>
          … {formatCount(len - LONG_STRING)} more characters
        </button>
      ) : null}
    </span>
  );
}

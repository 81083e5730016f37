import { forwardRef, useCallback, useImperativeHandle, useLayoutEffect, useRef, useState } from 'react';
import type { BatchProblem } from '../../models/batch-source';

/** Fixed line height (px): the gutter and the error marks are positioned from it. Keep in sync with publisher.css. */
const LINE_HEIGHT = 20;
const PAD_TOP = 10;
const PAD_LEFT = 12;
const TAB_SIZE = 2;

export interface BatchEditorHandle {
  /** Selects the problem's span, focuses the editor and scrolls it into view. */
  revealProblem(problem: BatchProblem): void;
  focus(): void;
}

interface Props {
  value: string;
  onChange(value: string): void;
  problem: BatchProblem | null;
  label: string;
  describedBy?: string;
  placeholder?: string;
}

function lineCount(text: string): number {
  let n = 1;
  for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) n++;
  return n;
}

/** Visual column (0-based) of `column` (1-based, UTF-16 units) on `line`, with tabs expanded. */
function visualColumn(text: string, lineStart: number, column: number): number {
  let v = 0;
  for (let k = lineStart; k < lineStart + column - 1 && k < text.length; k++) {
    v = text.charCodeAt(k) === 0x09 ? v + TAB_SIZE - (v % TAB_SIZE) : v + 1;
  }
  return v;
}

/**
 * A plain-text editor for batch sources: a <textarea> (so undo, IME, selection, accessibility and
 * the CSP all behave natively; CodeMirror 6 injects <style> elements the app's `style-src 'self'`
 * blocks) with a virtualized line-number gutter and an error mark at the exact line and column.
 * Lines never wrap, so line numbers and marks stay aligned.
 */
export const BatchEditor = forwardRef<BatchEditorHandle, Props>(function BatchEditor({ value, onChange, problem, label, describedBy, placeholder }, ref) {
  const areaRef = useRef<HTMLTextAreaElement>(null);
  const measureRef = useRef<HTMLSpanElement>(null);
  const [scroll, setScroll] = useState({ top: 0, left: 0 });
  const [height, setHeight] = useState(400);
  const [charWidth, setCharWidth] = useState(7.8);

  useLayoutEffect(() => {
    const m = measureRef.current;
    if (m) setCharWidth(m.getBoundingClientRect().width / 40 || 7.8);
    const area = areaRef.current;
    if (!area) return;
    const ro = new ResizeObserver(() => setHeight(area.clientHeight));
    ro.observe(area);
    return () => ro.disconnect();
  }, []);

  const reveal = useCallback((p: BatchProblem) => {
    const area = areaRef.current;
    if (!area) return;
    area.focus();
    area.setSelectionRange(p.offset, Math.min(p.offset + p.length, area.value.length));
    const y = (p.line - 1) * LINE_HEIGHT;
    if (y < area.scrollTop || y > area.scrollTop + area.clientHeight - LINE_HEIGHT * 2) area.scrollTop = Math.max(0, y - area.clientHeight / 3);
  }, []);

  useImperativeHandle(ref, () => ({ revealProblem: reveal, focus: () => areaRef.current?.focus() }), [reveal]);

  const lines = lineCount(value);
  const first = Math.max(0, Math.floor((scroll.top - PAD_TOP) / LINE_HEIGHT) - 2);
  const visible = Math.ceil(height / LINE_HEIGHT) + 5;
  const last = Math.min(lines, first + visible);
  const numbers: number[] = [];
  for (let n = first + 1; n <= last; n++) numbers.push(n);
  const gutterChars = Math.max(3, String(lines).length);

  let mark: { top: number; left: number; width: number } | null = null;
  if (problem) {
    const lineStart = problem.offset - (problem.column - 1);
    const col = visualColumn(value, lineStart, problem.column);
    const span = Math.max(1, visualColumn(value, lineStart, problem.column + problem.length) - col);
    mark = { top: PAD_TOP + (problem.line - 1) * LINE_HEIGHT - scroll.top, left: PAD_LEFT + col * charWidth - scroll.left, width: Math.max(span * charWidth, charWidth) };
  }

  return (
    <div className={`pub-editor${problem ? ' has-problem' : ''}`} data-publisher-editor>
      <span className="pub-measure" ref={measureRef} aria-hidden="true">
        {'0'.repeat(40)}
      </span>
      <div className="pub-gutter" aria-hidden="true" style={{ width: `${gutterChars + 2}ch` }}>
        <div className="pub-gutter-lines" style={{ transform: `translateY(${PAD_TOP + first * LINE_HEIGHT - scroll.top}px)` }}>
          {numbers.map((n) => (
            <div key={n} className={problem?.line === n ? 'pub-ln is-error' : 'pub-ln'}>
              {n}
            </div>
          ))}
        </div>
      </div>
      <div className="pub-editor-main">
        {mark ? (
          <div className="pub-marks" aria-hidden="true">
            <div className="pub-mark-line" style={{ transform: `translateY(${mark.top}px)` }} />
            <div className="pub-mark-span" style={{ transform: `translate(${mark.left}px, ${mark.top}px)`, width: `${mark.width}px` }} />
          </div>
        ) : null}
        <textarea
          ref={areaRef}
          className="pub-textarea"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, left: e.currentTarget.scrollLeft })}
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          autoCorrect="off"
          wrap="off"
          aria-label={label}
          aria-invalid={problem ? 'true' : 'false'}
          aria-describedby={describedBy}
          placeholder={placeholder}
          data-publisher-source
        />
      </div>
    </div>
  );
});

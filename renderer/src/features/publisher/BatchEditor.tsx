import { closeBrackets, closeBracketsKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, isolateHistory } from '@codemirror/commands';
import { bracketMatching, foldGutter, foldKeymap, HighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { Compartment, EditorSelection, EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, highlightSpecialChars, keymap, lineNumbers, placeholder as placeholderExt } from '@codemirror/view';
import { tags as t } from '@lezer/highlight';
import { forwardRef, useCallback, useEffect, useImperativeHandle, useLayoutEffect, useRef } from 'react';
import type { BatchProblem } from '../../models/batch-source';
import { batchLanguage } from './batch-language';

/**
 * Above this many characters the text goes up to the store when typing pauses (EMIT_IDLE_MS), not
 * on every key: turning a 2 MB document into one string and handing it on costs more than a frame.
 * `flush()` (before preview and publish), blur and unmount send it at once.
 */
const LARGE_DOC = 100_000;
const EMIT_IDLE_MS = 150;

export interface BatchEditorHandle {
  /** Sends a pending text up now (before anything reads the draft). */
  flush(): void;
  /** Selects the problem's span, focuses the editor and scrolls it into view. */
  revealProblem(problem: BatchProblem): void;
  /** Replaces the selection with `text` (a template) and focuses the editor. */
  insert(text: string): void;
  focus(): void;
}

interface Props {
  value: string;
  onChange(value: string): void;
  problem: BatchProblem | null;
  label: string;
  placeholder?: string;
}

/**
 * Colours only through the app's CSS variables (tokens.css): they are keyed on <html data-theme>
 * and inherit into the editor's shadow root, so one theme serves light and dark.
 */
const theme = EditorView.theme({
  '&': { height: '100%', color: 'var(--text)', backgroundColor: 'var(--bg-input)', fontSize: '12.5px' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': { fontFamily: 'var(--font-mono)', lineHeight: '20px', fontVariantLigatures: 'none' },
  '.cm-content': { padding: '10px 0', caretColor: 'var(--accent)' },
  '.cm-line': { padding: '0 12px' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--accent)', borderLeftWidth: '2px' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': {
    backgroundColor: 'color-mix(in srgb, var(--accent) 28%, transparent)',
  },
  '.cm-gutters': { backgroundColor: 'var(--bg-panel)', color: 'var(--text-faint)', borderRight: '1px solid var(--border)', fontVariantNumeric: 'tabular-nums' },
  '.cm-lineNumbers .cm-gutterElement': { padding: '0 8px 0 10px', minWidth: '3ch' },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--text) 4%, transparent)' },
  '.cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--text) 7%, transparent)', color: 'var(--text-muted)' },
  '.cm-matchingBracket, &.cm-focused .cm-matchingBracket': { backgroundColor: 'color-mix(in srgb, var(--ok) 22%, transparent)', outline: '1px solid color-mix(in srgb, var(--ok) 55%, transparent)' },
  '.cm-nonmatchingBracket, &.cm-focused .cm-nonmatchingBracket': { backgroundColor: 'color-mix(in srgb, var(--danger) 22%, transparent)' },
  '.cm-selectionMatch': { backgroundColor: 'color-mix(in srgb, var(--accent) 14%, transparent)' },
  '.cm-searchMatch': { backgroundColor: 'color-mix(in srgb, var(--warn) 25%, transparent)', outline: '1px solid color-mix(in srgb, var(--warn) 60%, transparent)' },
  '.cm-searchMatch.cm-searchMatch-selected': { backgroundColor: 'color-mix(in srgb, var(--warn) 45%, transparent)' },
  '.cm-placeholder': { color: 'var(--text-faint)' },
  // The parse error: a tinted span with a wavy underline at the exact offset, and a gutter mark.
  '.cm-lintRange-error': { backgroundImage: 'none', backgroundColor: 'color-mix(in srgb, var(--danger) 22%, transparent)', borderBottom: '2px solid var(--danger)' },
  '.cm-gutter-lint': { width: '14px' },
  '.cm-gutter-lint .cm-gutterElement': { padding: '0 2px' },
  '.cm-foldGutter .cm-gutterElement': { padding: '0 4px 0 0', color: 'var(--text-faint)', cursor: 'pointer' },
  '.cm-tooltip': { backgroundColor: 'var(--bg-raised)', color: 'var(--text)', border: '1px solid var(--border)', borderRadius: '6px', fontFamily: 'var(--font-ui)', fontSize: '12px' },
  '.cm-diagnostic-error': { borderLeft: '3px solid var(--danger)' },
  '.cm-panels': { backgroundColor: 'var(--bg-panel)', color: 'var(--text)', fontFamily: 'var(--font-ui)', fontSize: '12px' },
  '.cm-panels.cm-panels-bottom': { borderTop: '1px solid var(--border)' },
  '.cm-panels.cm-panels-top': { borderBottom: '1px solid var(--border)' },
  '.cm-search': { padding: '6px 8px', display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: '4px 6px' },
  '.cm-search label': { display: 'inline-flex', alignItems: 'center', gap: '4px', color: 'var(--text-muted)' },
  '.cm-textfield': {
    backgroundColor: 'var(--bg-input)',
    color: 'var(--text)',
    border: '1px solid var(--border)',
    borderRadius: '4px',
    padding: '3px 6px',
    fontFamily: 'var(--font-mono)',
    fontSize: '12px',
  },
  '.cm-button': {
    backgroundImage: 'none',
    backgroundColor: 'var(--bg-raised)',
    color: 'var(--text)',
    border: '1px solid var(--border)',
    borderRadius: '4px',
    padding: '3px 8px',
    fontFamily: 'var(--font-ui)',
    fontSize: '12px',
  },
  '.cm-button:active': { backgroundImage: 'none', backgroundColor: 'var(--bg-hover)' },
  '.cm-panel.cm-search [name=close]': { color: 'var(--text-muted)', fontSize: '16px' },
});

/** JSON colours, from the theme tokens (defined per theme in publisher.css on .pub-editor). */
const highlight = HighlightStyle.define([
  { tag: t.propertyName, color: 'var(--cm-key)' },
  { tag: t.string, color: 'var(--cm-string)' },
  { tag: t.number, color: 'var(--cm-number)' },
  { tag: [t.bool, t.null], color: 'var(--cm-atom)' },
  { tag: [t.brace, t.squareBracket, t.separator, t.punctuation], color: 'var(--text-muted)' },
  { tag: t.macroName, color: 'var(--cm-template)', fontWeight: '600' },
  { tag: t.invalid, color: 'var(--danger-text)' },
]);

function diagnosticsFor(state: EditorState, problem: BatchProblem | null): Diagnostic[] {
  if (!problem) return [];
  const len = state.doc.length;
  // The problem may be of a text a few keys older (parsing runs behind typing): clamp to the doc.
  let from = Math.min(problem.offset, len);
  let to = Math.min(from + Math.max(1, problem.length), len);
  if (from === to && from > 0) from -= 1;
  if (to < from) to = from;
  return [{ from, to, severity: 'error', message: problem.message, source: `Line ${problem.line}, column ${problem.column}` }];
}

/**
 * The batch source editor: CodeMirror 6 with JSON-and-templates highlighting (batch-language.ts), the parse error as a lint mark at
 * its exact offset (with a gutter marker and the message on hover), bracket matching and closing,
 * search (Mod-F), undo history, folding and line numbers. CodeMirror only draws the lines in view,
 * so a 20,000-line source types as fast as a short one.
 *
 * The CSP (`style-src 'self'`, no 'unsafe-inline'): CodeMirror puts its styles in a <style> element
 * when mounted in a document, which that policy blocks; mounted in a shadow root it adopts
 * constructable stylesheets (document.adoptedStyleSheets via style-mod) instead, which CSP does not
 * govern (no markup is parsed). So the editor lives in an open shadow root of its host element;
 * everything else it styles goes through the CSSOM (`el.style.x`), which CSP allows.
 */
export const BatchEditor = forwardRef<BatchEditorHandle, Props>(function BatchEditor({ value, onChange, problem, label, placeholder }, ref) {
  const hostRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  /** The text last sent up by onChange (or set from `value`): tells our own echo from an outside change. */
  const lastText = useRef(value);
  const labels = useRef(new Compartment());
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);

  const emit = useCallback(() => {
    if (pending.current !== null) {
      clearTimeout(pending.current);
      pending.current = null;
    }
    const view = viewRef.current;
    if (!view) return;
    const text = view.state.doc.toString();
    if (text === lastText.current) return;
    lastText.current = text;
    onChangeRef.current(text);
  }, []);

  useLayoutEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const root = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
    const view = new EditorView({
      root,
      parent: root,
      state: EditorState.create({
        doc: lastText.current,
        extensions: [
          lineNumbers(),
          foldGutter({ openText: '▾', closedText: '▸' }),
          lintGutter(),
          highlightActiveLineGutter(),
          highlightSpecialChars(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          closeBrackets(),
          highlightActiveLine(),
          highlightSelectionMatches(),
          EditorState.tabSize.of(2),
          batchLanguage(),
          syntaxHighlighting(highlight),
          theme,
          // Mod-Enter publishes (PublisherView's window shortcut), so it must not insert a line here.
          keymap.of([...closeBracketsKeymap, ...defaultKeymap.filter((b) => b.key !== 'Mod-Enter'), ...searchKeymap, ...historyKeymap, ...foldKeymap]),
          labels.current.of([]),
          EditorView.updateListener.of((u) => {
            if (!u.docChanged) return;
            if (u.state.doc.length < LARGE_DOC) {
              const text = u.state.doc.toString();
              lastText.current = text;
              onChangeRef.current(text);
              return;
            }
            if (pending.current !== null) clearTimeout(pending.current);
            pending.current = setTimeout(emit, EMIT_IDLE_MS);
          }),
          EditorView.domEventHandlers({
            blur: () => {
              emit();
              return false;
            },
          }),
        ],
      }),
    });
    viewRef.current = view;
    return () => {
      emit();
      view.destroy();
      viewRef.current = null;
    };
  }, [emit]);

  // Label and placeholder follow the format.
  useEffect(() => {
    viewRef.current?.dispatch({
      effects: labels.current.reconfigure([
        EditorView.contentAttributes.of({ 'aria-label': label, 'aria-invalid': problem ? 'true' : 'false', 'data-publisher-source': '' }),
        placeholder ? placeholderExt(placeholder) : [],
      ]),
    });
  }, [label, placeholder, problem]);

  // A text set from outside (a template chip, a draft loaded, a publish that cleared it).
  useEffect(() => {
    const view = viewRef.current;
    if (!view || value === lastText.current) return;
    if (pending.current !== null) {
      clearTimeout(pending.current);
      pending.current = null;
    }
    lastText.current = value;
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    const view = viewRef.current;
    if (view) view.dispatch(setDiagnostics(view.state, diagnosticsFor(view.state, problem)));
  }, [problem]);

  useImperativeHandle(
    ref,
    () => ({
      revealProblem(p) {
        const view = viewRef.current;
        if (!view) return;
        const [d] = diagnosticsFor(view.state, p);
        if (!d) return;
        view.dispatch({ selection: EditorSelection.range(d.from, d.to), effects: EditorView.scrollIntoView(d.from, { y: 'center' }) });
        view.focus();
      },
      insert(text) {
        const view = viewRef.current;
        if (!view) return;
        // Its own undo step: Mod-Z takes back the template, not the typing before it too.
        view.dispatch(view.state.replaceSelection(text), { scrollIntoView: true, annotations: isolateHistory.of('full') });
        view.focus();
      },
      focus: () => viewRef.current?.focus(),
      flush: emit,
    }),
    [emit],
  );

  return <div ref={hostRef} className={`pub-editor${problem ? ' has-problem' : ''}`} data-publisher-editor data-problem-offset={problem?.offset ?? ''} />;
});

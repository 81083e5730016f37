/**
 * Syntax colouring for batch sources: JSON plus the publisher's templates ({{i}}, {{now}},
 * {{uuid}}, {{rand:a..b}}), as a CodeMirror StreamLanguage (a line tokenizer whose state is cached
 * per line, so an edit re-tokenizes only from the edited line to the end of the view).
 *
 * Why not @codemirror/lang-json: its Lezer grammar sees every template as a syntax error, and at
 * 20,000 lines its error recovery took 100-240 ms per keystroke in a profile (the parser's
 * forceReduce/advanceStack/runRecovery). The batch parser (models/batch-source.ts) stays the judge
 * of validity; this only colours, and gives folding by brackets.
 */
import { foldService, matchBrackets, StreamLanguage, type StringStream } from '@codemirror/language';
import type { Extension } from '@codemirror/state';

/** No state crosses a line: JSON strings cannot span lines, and neither can a template. */
type State = Record<string, never>;

function token(stream: StringStream): string | null {
  if (stream.eatSpace()) return null;
  if (stream.match('{{')) {
    if (stream.skipTo('}}')) stream.match('}}');
    else stream.skipToEnd();
    return 'macroName';
  }
  const ch = stream.next();
  if (ch === undefined) return null;
  if (ch === '"') {
    let escaped = false;
    for (let c = stream.next(); c !== undefined; c = stream.next()) {
      if (c === '"' && !escaped) break;
      escaped = !escaped && c === '\\';
    }
    // A string followed by ':' is a property name.
    return stream.match(/^\s*:/, false) ? 'propertyName' : 'string';
  }
  if (ch === '-' || (ch >= '0' && ch <= '9')) {
    stream.match(/^[\d.eE+-]*/);
    return 'number';
  }
  if (/[a-z]/.test(ch)) {
    stream.match(/^[a-z]*/);
    const word = stream.current();
    return word === 'true' || word === 'false' ? 'bool' : word === 'null' ? 'null' : 'invalid';
  }
  if (ch === '{' || ch === '}') return 'brace';
  if (ch === '[' || ch === ']') return 'squareBracket';
  if (ch === ',' || ch === ':') return 'separator';
  return 'invalid';
}

const batchSource = StreamLanguage.define<State>({
  name: 'batch-json',
  startState: () => ({}),
  copyState: () => ({}),
  token,
  languageData: { closeBrackets: { brackets: ['[', '{', '"'] } },
});

/** A line whose last non-blank character opens a bracket folds to its matching close. */
const bracketFolding = foldService.of((state, lineStart, lineEnd) => {
  const text = state.sliceDoc(lineStart, lineEnd).trimEnd();
  const last = text[text.length - 1];
  if (last !== '{' && last !== '[') return null;
  const at = lineStart + text.length - 1;
  const m = matchBrackets(state, at, 1);
  if (!m || !m.matched || !m.end) return null;
  const endLine = state.doc.lineAt(m.end.from);
  if (endLine.from <= lineEnd) return null;
  return { from: at + 1, to: m.end.from };
});

export function batchLanguage(): Extension {
  return [batchSource, bracketFolding];
}

/**
 * The batch-source parser off the UI thread. A 20,000-line source takes 200-600 ms to parse
 * (models/batch-source.ts), which on the UI thread delayed every keystroke by as much. The worker
 * answers with a summary only (what the editor's status line and size checks read); the store
 * parses again when the user asks for a preview.
 */
import { parseSource, type BatchFormat } from '../../models/batch-source';
import type { ParseRequest, ParseSummary } from './parse-summary';

self.onmessage = (e: MessageEvent<ParseRequest>) => {
  const { id, text, format } = e.data;
  const p = parseSource(text, format as BatchFormat);
  const out: ParseSummary = p.ok
    ? { id, ok: true, events: p.events.length, templates: p.templates, bytesPerCopy: p.bytesPerCopy }
    : { id, ok: false, problem: p.problem, eventsBefore: p.eventsBefore };
  (self as unknown as Worker).postMessage(out);
};

/**
 * The batch source, parsed without blocking typing: in a Web Worker (parse-worker.ts) with the
 * newest text only (a text sent while one is being parsed waits; texts typed meanwhile are
 * skipped), or on the UI thread when no worker can be started.
 */
import { useEffect, useRef, useState } from 'react';
import { parseSource, type BatchFormat, type BatchProblem } from '../../models/batch-source';

export interface ParseRequest {
  id: number;
  text: string;
  format: BatchFormat;
}

export type ParseSummary =
  | { id: number; ok: true; events: number; templates: boolean; bytesPerCopy: number }
  | { id: number; ok: false; problem: BatchProblem; eventsBefore: number };

function summarize(id: number, text: string, format: BatchFormat): ParseSummary {
  const p = parseSource(text, format);
  return p.ok ? { id, ok: true, events: p.events.length, templates: p.templates, bytesPerCopy: p.bytesPerCopy } : { id, ok: false, problem: p.problem, eventsBefore: p.eventsBefore };
}

function startWorker(): Worker | null {
  try {
    return new Worker(new URL('./parse-worker.ts', import.meta.url), { type: 'module', name: 'batch-parse' });
  } catch {
    return null;
  }
}

/**
 * The summary of `text` in `format`, and whether it is of the text now in the editor (false while
 * a newer text is being parsed). Short texts are parsed at once on the UI thread (cheaper than a
 * round trip); long ones in the worker.
 */
export function useParsedSource(text: string, format: BatchFormat): { summary: ParseSummary; current: boolean } {
  // A long text is parsed in the worker from the first render too (opening the view must not freeze).
  const [summary, setSummary] = useState<ParseSummary>(() => (text.length < 50_000 ? summarize(0, text, format) : { id: -1, ok: true, events: 0, templates: false, bytesPerCopy: 0 }));
  const [doneId, setDoneId] = useState(text.length < 50_000 ? 0 : -1);
  const worker = useRef<Worker | null | undefined>(undefined);
  const seq = useRef(0);
  const busy = useRef(false);
  const pending = useRef<ParseRequest | null>(null);
  const lastReq = useRef<ParseRequest | null>(null);
  const applied = useRef(-1);
  // Results can arrive out of order (a short text parsed here while the worker still parses a long
  // one): only a newer one replaces what is shown.
  const apply = (s: ParseSummary) => {
    if (s.id < applied.current) return;
    applied.current = s.id;
    setSummary(s);
    setDoneId(s.id);
  };

  useEffect(
    () => () => {
      worker.current?.terminate();
      worker.current = undefined;
    },
    [],
  );

  useEffect(() => {
    const id = ++seq.current;
    if (text.length < 50_000) {
      apply(summarize(id, text, format));
      return;
    }
    if (worker.current === undefined) {
      worker.current = startWorker();
      if (worker.current) {
        const w = worker.current;
        w.onmessage = (e: MessageEvent<ParseSummary>) => {
          busy.current = false;
          apply(e.data);
          const next = pending.current;
          pending.current = null;
          if (next) {
            busy.current = true;
            w.postMessage(next);
          }
        };
        w.onerror = () => {
          // A worker that cannot run (blocked by policy, failed to load): parse here from now on.
          busy.current = false;
          worker.current = null;
          pending.current = null;
          const last = lastReq.current;
          if (last) apply(summarize(last.id, last.text, last.format));
        };
      }
    }
    const w = worker.current;
    if (!w) {
      // No worker: parse when typing pauses, so a burst of keys costs one parse.
      const t = setTimeout(() => apply(summarize(id, text, format)), 150);
      return () => clearTimeout(t);
    }
    const req: ParseRequest = { id, text, format };
    lastReq.current = req;
    if (busy.current) pending.current = req;
    else {
      busy.current = true;
      pending.current = null;
      w.postMessage(req);
    }
    return undefined;
  }, [text, format]);

  return { summary, current: doneId === seq.current };
}

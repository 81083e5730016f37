import { useEffect, useRef, useState } from 'react';
import type { ConsumerFilter, ConsumerRow } from '../../../../shared/consumer';
import type { ApiClient } from '../../api';

/** Rows are fetched this many at a time (`consumer:rows`). */
const PAGE = 200;

/**
 * The rows of a replay for a virtualized list: fetched a page of {@link PAGE} at a time for the
 * visible range only, cached per (job, filter), a partly filled last page fetched again when the
 * running replay has added rows. The core keeps the verdicts; the page keeps at most what was seen.
 */
export function useConsumerRows(api: ApiClient, jobId: string | null, filter: ConsumerFilter, total: number, first: number, last: number) {
  const cache = useRef(new Map<number, ConsumerRow[]>());
  const inflight = useRef(new Set<number>());
  const key = `${jobId ?? ''}|${filter}`;
  const keyRef = useRef(key);
  const [, setVersion] = useState(0);
  if (keyRef.current !== key) {
    keyRef.current = key;
    cache.current = new Map();
    inflight.current = new Set();
  }

  useEffect(() => {
    if (jobId === null || total === 0 || last < first) return;
    const want = key;
    const from = Math.floor(first / PAGE);
    const to = Math.floor(Math.min(last, total - 1) / PAGE);
    for (let p = from; p <= to; p++) {
      const have = cache.current.get(p);
      const full = have !== undefined && (have.length === PAGE || p * PAGE + have.length >= total);
      if (full || inflight.current.has(p)) continue;
      inflight.current.add(p);
      const pages = inflight.current;
      api
        .invoke('consumer:rows', { jobId, filter, offset: p * PAGE, count: PAGE })
        .then((res) => {
          if (keyRef.current !== want) return;
          cache.current.set(p, res.rows);
          setVersion((v) => v + 1);
        })
        .catch(() => {})
        .finally(() => pages.delete(p));
    }
  }, [api, jobId, filter, total, first, last, key]);

  return (i: number): ConsumerRow | undefined => cache.current.get(Math.floor(i / PAGE))?.[i % PAGE];
}

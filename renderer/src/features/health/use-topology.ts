/**
 * The topology behind the current connection, for the health view's Nodes panel: `topology:status`
 * when the panel mounts, connects or recovers, every `topology:changed` the core pushes (roles,
 * links, slots, failovers), and, for a Cluster or Sentinel while Redis and the link are up, a
 * re-read at the probe's pace (at most every 5 s) so latency and memory stay current. What was
 * read stays on screen while Redis or the link is away (the view marks it stale).
 */
import { useEffect, useRef, useState } from 'react';
import type { TopologyStatus } from '../../../../shared/contract';
import type { MeshErrorInfo } from '../../../../shared/types';
import { toApiError } from '../../api';
import { useApp } from '../../store';
import { targetKey } from '../../store/recovery';

/** The slowest and fastest re-read of latency and memory. */
const MIN_REFRESH_MS = 5000;

export interface TopologyState {
  status: TopologyStatus | null;
  /** The last `topology:status` request that failed (cleared by the next answer). */
  error: MeshErrorInfo | null;
  /** True until the first answer for this connection. */
  loading: boolean;
}

const initial: TopologyState = { status: null, error: null, loading: true };

export function useTopology(): TopologyState {
  const api = useApp((s) => s.api);
  const key = useApp((s) => targetKey(s.connection));
  const ready = useApp((s) => s.connection?.state === 'ready');
  const mode = useApp((s) => s.connection?.topology);
  const linkOpen = useApp((s) => s.link === 'open');
  const recoveries = useApp((s) => s.recoveries);
  const probeMs = useApp((s) => s.health?.probeIntervalMs ?? 1000);
  const [state, setState] = useState<{ key: string | null; value: TopologyState }>({ key, value: initial });
  const keyRef = useRef(key);
  keyRef.current = key;

  // Another connection (or none): nothing of the old one may show.
  if (state.key !== key) setState({ key, value: initial });

  useEffect(() => {
    if (key === null) return;
    return api.on('topology:changed', (status) => {
      if (keyRef.current !== key) return;
      setState((s) => (s.key === key ? { key, value: { status, error: null, loading: false } } : s));
    });
  }, [api, key]);

  useEffect(() => {
    if (key === null || !ready || !linkOpen) return;
    let cancelled = false;
    const read = async () => {
      try {
        const status = await api.invoke('topology:status');
        if (cancelled || keyRef.current !== key) return;
        setState((s) => (s.key === key ? { key, value: { status, error: null, loading: false } } : s));
      } catch (e) {
        if (cancelled || keyRef.current !== key) return;
        const error = toApiError(e).toInfo();
        setState((s) => (s.key === key ? { key, value: { ...s.value, error, loading: false } } : s));
      }
    };
    void read();
    // A single server's latency and memory are the rest of the view's business: read once.
    if (mode !== 'cluster' && mode !== 'sentinel') return () => void (cancelled = true);
    const timer = setInterval(() => void read(), Math.max(MIN_REFRESH_MS, probeMs));
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [api, key, ready, linkOpen, mode, recoveries, probeMs]);

  return state.key === key ? state.value : initial;
}

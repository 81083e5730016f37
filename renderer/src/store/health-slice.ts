/**
 * Health (PRODUCT.md feature 12) and freshness for every view.
 *
 * - The core pushes one `health:changed` snapshot per probe; the slice keeps bounded series of
 *   it (latency samples, INFO trend, shard growth, state changes, the error log) and backfills
 *   them from `health:history` when it connects, recovers or the health view opens.
 * - `staleSince`: since when what is on screen may be out of date (Redis not ready, or the link to
 *   the core down); null while fresh. Every view can read it; the shell shows it.
 * - `recoveries` / `recoveredAt`: a counter that moves each time Redis (or the link) comes back
 *   after an outage, never on the first connect. Views re-load on it (see index.ts for the
 *   shard list and the current page).
 */
import { toApiError } from '../api';
import type {
  ConnectionStatus,
  HealthErrorEntry,
  HealthExport,
  HealthHistory,
  HealthSample,
  HealthSnapshot,
  HealthTransition,
  InfoSample,
  ShardGrowthSample,
} from '../../../shared/contract';
import { MAX_ERRORS, MAX_SAMPLES, MAX_TRANSITIONS, MAX_TREND, shapeHealthExport } from '../../../shared/health';
import { targetKey } from './recovery';
import type { AppState, HealthSlice, Slice } from './types';


export const emptySeries = (): HealthSlice['healthSeries'] => ({ samples: [], info: [], shards: [], transitions: [], errors: [] });


/** `base` followed by the items of `extra` newer than its last one; the newest `max` kept. */
function mergeByAt<T extends { at: number }>(base: readonly T[], extra: readonly T[], max: number): T[] {
  const lastAt = base.length > 0 ? (base[base.length - 1] as T).at : -Infinity;
  const out = base.concat(extra.filter((x) => x.at > lastAt));
  return out.length > max ? out.slice(out.length - max) : out;
}

function appendIfNewer<T extends { at: number }>(list: readonly T[], item: T | null | undefined, max: number): readonly T[] {
  if (!item) return list;
  const last = list[list.length - 1];
  if (last && last.at >= item.at) return list;
  const out = list.concat([item]);
  return out.length > max ? out.slice(out.length - max) : out;
}

export const errorKey = (e: HealthErrorEntry): string => `${e.at}|${e.command ?? ''}|${e.kind}|${e.code ?? ''}|${e.message}`;

/** The error log: entries by identity (a repeat updates its count), ordered by last occurrence. */
function mergeErrors(current: readonly HealthErrorEntry[], incoming: readonly HealthErrorEntry[]): readonly HealthErrorEntry[] {
  if (incoming.length === 0) return current;
  const byKey = new Map<string, HealthErrorEntry>();
  for (const e of current) byKey.set(errorKey(e), e);
  let changed = false;
  for (const e of incoming) {
    const k = errorKey(e);
    const old = byKey.get(k);
    if (!old || old.count !== e.count || old.lastAt !== e.lastAt) {
      byKey.set(k, e);
      changed = true;
    }
  }
  if (!changed) return current;
  const out = [...byKey.values()].sort((a, b) => (a.lastAt ?? a.at) - (b.lastAt ?? b.at));
  return out.length > MAX_ERRORS ? out.slice(out.length - MAX_ERRORS) : out;
}

export const createHealthSlice: Slice<HealthSlice> = (set, get) => {
  let historyRequest = 0;
  let incidentRequest = 0;
  return {
    health: null,
    healthSeries: emptySeries(),
    healthTarget: null,
    healthLoading: false,
    healthError: null,
    incident: null,
    incidentError: null,

    applyHealth(snap) {
      const s = get();
      const key = targetKey(s.connection);
      if (key === null) return;
      const series = s.healthTarget === key ? s.healthSeries : emptySeries();
      set({
        health: snap,
        healthTarget: key,
        healthSeries: {
          samples: appendIfNewer<HealthSample>(series.samples, snap.latest, MAX_SAMPLES),
          info: appendIfNewer<InfoSample>(series.info, snap.infoSample, MAX_TREND),
          shards: appendIfNewer<ShardGrowthSample>(series.shards, snap.shardGrowth, MAX_TREND),
          transitions: mergeByAt<HealthTransition>(series.transitions, snap.transitions, MAX_TRANSITIONS),
          errors: mergeErrors(series.errors, snap.errors),
        },
      });
    },

    async loadHealth() {
      const key = targetKey(get().connection);
      if (key === null) return;
      const mine = ++historyRequest;
      set({ healthLoading: true });
      try {
        const [snap, history]: [HealthSnapshot, HealthHistory] = await Promise.all([get().api.invoke('health:snapshot'), get().api.invoke('health:history')]);
        if (mine !== historyRequest || targetKey(get().connection) !== key) return;
        const cur = get().healthTarget === key ? get().healthSeries : emptySeries();
        // History is the superset up to its moment; events that arrived meanwhile are newer.
        set({
          healthTarget: key,
          healthError: null,
          healthSeries: {
            samples: mergeByAt(history.samples, cur.samples, MAX_SAMPLES),
            info: mergeByAt(history.info, cur.info, MAX_TREND),
            shards: mergeByAt(history.shards, cur.shards, MAX_TREND),
            transitions: mergeByAt(history.transitions, cur.transitions, MAX_TRANSITIONS),
            errors: mergeErrors(history.errors, cur.errors),
          },
        });
        get().applyHealth(snap);
      } catch (e) {
        if (mine === historyRequest) set({ healthError: toApiError(e).toInfo() });
      } finally {
        if (mine === historyRequest) set({ healthLoading: false });
      }
    },

    async configureProbe(probeIntervalMs) {
      const snap = await get().api.invoke('health:configure', { probeIntervalMs });
      get().applyHealth(snap);
    },

    async exportHealth() {
      try {
        return await get().api.invoke('health:export');
      } catch (e) {
        // The core is out of reach (link down): the renderer's own copy still makes a document.
        if (get().link !== 'open') return localExport(get());
        throw e;
      }
    },

    resetHealth(target) {
      if (target !== get().healthTarget) set({ health: null, healthSeries: emptySeries(), healthTarget: target, healthError: null, incident: null, incidentError: null });
    },

    async loadIncident() {
      const key = targetKey(get().connection);
      if (key === null) return;
      const mine = ++incidentRequest;
      try {
        const incident = await get().api.invoke('health:incident');
        if (mine !== incidentRequest || targetKey(get().connection) !== key) return;
        set({ incident, incidentError: null });
      } catch (e) {
        if (mine === incidentRequest) set({ incidentError: toApiError(e).toInfo() });
      }
    },
  };
};

/** A post-mortem document from what the renderer holds, for when the core cannot be asked. */
function localExport(s: AppState): HealthExport & { note: string } {
  const snap = s.health;
  const series = s.healthSeries;
  const conn = s.connection as ConnectionStatus;
  const doc = shapeHealthExport({
    appVersion: s.info?.version ?? 'unknown',
    connection: { ...conn, commandTimeoutMs: s.profiles.find((p) => p.id === conn.profileId)?.commandTimeoutMs ?? 0 },
    probeIntervalMs: snap?.probeIntervalMs ?? 1000,
    state: snap?.state ?? conn.state,
    since: snap?.since ?? conn.since,
    lastOkAt: snap?.lastOkAt ?? null,
    errorsTotal: snap?.errorsTotal ?? series.errors.length,
    samples: series.samples,
    transitions: series.transitions,
    errors: series.errors,
    info: snap?.info ?? null,
    infoAt: series.info[series.info.length - 1]?.at ?? null,
    trend: series.info,
    shards: series.shards,
    incident: s.incident,
  });
  return { ...doc, note: 'Built by the UI from what it had received: the inspector core was out of reach when it was exported.' };
}

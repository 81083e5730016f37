import type { StateCreator } from 'zustand/vanilla';
import type { ApiClient, LinkState } from '../api';
import type { ConnectionStatus, ProfileInput, ProfileView, ResponseOf, ShardListResult, ShardProblemCounts } from '../../../shared/contract';
import type { HealthErrorEntry, HealthExport, HealthSample, HealthSnapshot, HealthTransition, IncidentSnapshot, InfoSample, ShardGrowthSample, StreamFacts } from '../../../shared/contract';
import type { MeshErrorInfo } from '../../../shared/types';
import type { EventsSlice } from './events-slice';
import type { AnalysisSlice } from './analysis-slice';
import type { PublisherSlice } from './publisher-slice';

export type AppInfo = ResponseOf<'app:info'>;

/** The api client and its link, and whether the app has booted (readiness marker). */
export interface AppSlice {
  api: ApiClient;
  link: LinkState;
  info: AppInfo | null;
  /** True once the api link is open and `app:info` answered: the `data-app-ready` marker. */
  ready: boolean;
  bootError: MeshErrorInfo | null;
  boot(): Promise<void>;
}

/** The core's connection to Redis, as `connection:status` and `connection:changed` tell it. */
export interface ConnectionSlice {
  connection: ConnectionStatus | null;
  /** What the user asked for and is waiting on. */
  connectionBusy: 'opening' | 'closing' | 'demo' | null;
  /** The last failed connect/disconnect/demo request, for the connect screen. */
  connectionError: MeshErrorInfo | null;
  /** Which request `connectionError` came from. */
  connectionErrorAction: 'open' | 'close' | 'demo' | null;
  setConnection(status: ConnectionStatus): void;
  refreshConnection(): Promise<void>;
  openProfile(profileId: string): Promise<boolean>;
  /**
   * First connection of a profile not saved yet (`connection:try`): saved only when Redis answered;
   * on failure nothing is saved and `connectionError` holds Redis' reason. Resolves with the saved
   * profile, or null when the connect failed.
   */
  tryProfile(input: ProfileInput): Promise<ProfileView | null>;
  closeConnection(): Promise<void>;
  startDemo(): Promise<boolean>;
  clearConnectionError(): void;
}

export interface ProfilesSlice {
  profiles: ProfileView[];
  activeProfileId: string | null;
  profilesLoaded: boolean;
  profilesError: MeshErrorInfo | null;
  loadProfiles(): Promise<void>;
  /** Resolves with the saved profile; rejects with an ApiError the form shows. */
  saveProfile(input: ProfileInput): Promise<ProfileView>;
  deleteProfile(id: string): Promise<void>;
}

export interface ShardsSlice {
  shards: ShardListResult | null;
  shardsLoading: boolean;
  shardsError: MeshErrorInfo | null;
  /** Problem counts from the opened shards' background indexes (`shards:problems`), fetched with each refresh. */
  indexProblems: ShardProblemCounts[];
  /** The focused lane's shard (other views default to it). */
  selectedShard: number | null;
  /** `quiet`: a background refresh (the sidebar's auto-refresh) that does not show a spinner. */
  loadShards(opts?: { quiet?: boolean }): Promise<void>;
  /** Opens the shard in the focused lane of the browser; null clears the browser. */
  selectShard(shard: number | null): void;
}

/** The shard browser's layout (lanes, merged view, selection, detail): see events-slice.ts. */
export type { EventsSlice };

export type ViewName = 'browse' | 'publish' | 'analysis' | 'health' | 'consumer';

export interface UiSlice {
  view: ViewName;
  setView(view: ViewName): void;
}

/** Redis health (the incident view) and, for every view, whether what is on screen is fresh. See health-slice.ts. */
export interface HealthSlice {
  /** The newest `health:changed` snapshot of the current connection. */
  health: HealthSnapshot | null;
  /** Bounded series for the charts and the error log (about 15 minutes at the default rate). */
  healthSeries: {
    samples: readonly HealthSample[];
    info: readonly InfoSample[];
    shards: readonly ShardGrowthSample[];
    transitions: readonly HealthTransition[];
    /** Ordered by last occurrence. */
    errors: readonly HealthErrorEntry[];
  };
  /** The connection the series belong to. */
  healthTarget: string | null;
  healthLoading: boolean;
  healthError: MeshErrorInfo | null;
  applyHealth(snapshot: HealthSnapshot): void;
  /** Snapshot plus history from the core (backfills what events did not bring). */
  loadHealth(): Promise<void>;
  configureProbe(probeIntervalMs: number): Promise<void>;
  /** The post-mortem document (from the renderer's own copy if the core is out of reach). */
  exportHealth(): Promise<HealthExport>;
  /** Forgets the series of another connection (recovery.ts calls it when the target changes). */
  resetHealth(target: string | null): void;
  /** The incident panels (slow log, clients, latency, raw INFO per node) as last read, for `healthTarget`. */
  incident: IncidentSnapshot | null;
  incidentError: MeshErrorInfo | null;
  /** Asks the core for them (it reads Redis at most every 10 s, whoever asks). */
  loadIncident(): Promise<void>;
}

/** Opt-in desktop notifications (issue 17): see notify-slice.ts. */
export interface NotifySlice {
  /** The core's setting; null until known. */
  notifyEnabled: boolean | null;
  /** `serve`: the browser's permission (`default`, `granted`, `denied`, or `unsupported`); the desktop app shows them itself. */
  notifyPermission: NotificationPermission | 'unsupported' | 'native';
  notifyError: MeshErrorInfo | null;
  loadNotify(): Promise<void>;
  /** Turns them on (asking the browser's permission first in `serve`) or off. */
  setNotify(enabled: boolean): Promise<void>;
}

/** What Redis keeps about each shard stream (`shards:facts`), fetched on demand and kept a few seconds. */
export interface FactsSlice {
  shardFacts: Readonly<Record<number, { facts: StreamFacts | null; error: MeshErrorInfo | null; at: number }>>;
  /** Reads them unless read in the last few seconds (the core caches them too); concurrent asks share one read. */
  loadShardFacts(shard: number): Promise<void>;
}

/** Whether what is on screen is fresh, and recoveries: owned by recovery.ts. */
export interface RecoverySlice {
  /** The connection the freshness belongs to. */
  freshTarget: string | null;
  /** That connection was ready at least once (it has shown data that can go stale). */
  everReady: boolean;
  /** Epoch ms since when data on screen may be stale (Redis not ready, or the link to the core down); null while fresh. */
  staleSince: number | null;
  /** Moves each time Redis (or the link) is back after an outage, never on the first connect: views re-load on it. */
  recoveries: number;
  recoveredAt: number | null;
}

export type AppState = AppSlice & ConnectionSlice & ProfilesSlice & ShardsSlice & EventsSlice & UiSlice & PublisherSlice & AnalysisSlice & HealthSlice & RecoverySlice & NotifySlice & FactsSlice;
export type Slice<S> = StateCreator<AppState, [], [], S>;

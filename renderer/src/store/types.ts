import type { StateCreator } from 'zustand/vanilla';
import type { ApiClient, LinkState } from '../api';
import type { ConnectionStatus, ProfileInput, ProfileView, ResponseOf, ShardListResult } from '../../../shared/contract';
import type { MeshEntry, MeshErrorInfo } from '../../../shared/types';

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
  selectedShard: number | null;
  loadShards(): Promise<void>;
  selectShard(shard: number | null): void;
}

/** One loaded page of one shard, newest first. The shard browser (issue 4) replaces this with windows over the whole stream. */
export interface EventPage {
  shard: number;
  key: string;
  entries: MeshEntry[];
  hasMore: boolean;
  nextId: string | null;
  /** Epoch ms when the page arrived. */
  at: number;
}

export interface EventsSlice {
  page: EventPage | null;
  pageLoading: boolean;
  pageError: MeshErrorInfo | null;
  loadFirstPage(shard: number): Promise<void>;
  clearEvents(): void;
}

export type ViewName = 'browse' | 'publish' | 'analysis' | 'health';

export interface UiSlice {
  view: ViewName;
  setView(view: ViewName): void;
}

export type AppState = AppSlice & ConnectionSlice & ProfilesSlice & ShardsSlice & EventsSlice & UiSlice;
export type Slice<S> = StateCreator<AppState, [], [], S>;

/**
 * How a host (the Electron main process, or `serve`) creates the core service that implements the
 * contract. The host supplies where secrets live and where events go; the service owns Redis.
 */
import type { ContractHandlers, EventSink, ProfileInput } from '../../shared/contract';
import type { NotifyRules } from '../../shared/notify-rules';
import type { IndexLimits } from './index-cache';

/** Holds Redis passwords. Only the main process ever sees its contents. */
export interface SecretStore {
  get(profileId: string): Promise<string | undefined>;
  set(profileId: string, secret: string): Promise<void>;
  delete(profileId: string): Promise<void>;
}

export interface ServiceOptions {
  transport: 'electron' | 'serve';
  secrets: SecretStore;
  /** Where events are pushed; the host fans them out to its windows or sockets. */
  sink: EventSink;
  /** Config folder (profiles, nonce, sequences, batch history); defaults to configHome(). */
  home?: string;
  appVersion: string;
  /** Notification folding (shared/notify-rules.ts); the defaults unless a test needs shorter windows. */
  notifyRules?: NotifyRules;
  /** Bounds of the shard indexes a connection keeps (index-cache.ts); the defaults unless a test needs smaller. */
  indexLimits?: IndexLimits;
}

export interface MeshService {
  handlers: ContractHandlers;
  /** Every secret currently loaded, so hosts can scrub them from anything they log. */
  knownSecrets(): string[];
  /** Opens a connection from a URL without a saved profile (`serve --url`, `demo`). */
  connectUrl(
    url: string,
    prefix: string,
    opts?: { name?: string; demo?: boolean; commandTimeoutMs?: number; topology?: ProfileInput['topology']; tls?: ProfileInput['tls']; sentinelPassword?: string },
  ): Promise<void>;
  /** Closes every Redis client, stops timers and child processes. Idempotent. */
  dispose(): Promise<void>;
}

export type CreateService = (opts: ServiceOptions) => MeshService;

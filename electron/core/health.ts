/**
 * The health loop of one connection: a PING probe on the established connection every
 * `intervalMs` (within the command timeout, as net-mesh's is_healthy does, contract 3.36), INFO
 * every few probes, the connection state from the client's own events combined with the probe,
 * and a bounded log of classified errors. Pushes one `health:changed` snapshot per probe.
 */
import type { ConnectionState, HealthSample, HealthSnapshot } from '../../shared/contract';
import type { MeshErrorInfo } from '../../shared/types';
import type { MeshAdapter } from './adapter';

const MAX_ERRORS = 200;
const MAX_SAMPLES = 900; // 15 minutes at one probe per second

export interface HealthMonitorOptions {
  intervalMs?: number;
  /** INFO is heavier than PING: fetched every this many probes. */
  infoEvery?: number;
  onChange: (snapshot: HealthSnapshot) => void;
  /** Commands the app sent since the last call (the service counts them). */
  takeCommandCount: () => number;
}

export class HealthMonitor {
  private state: ConnectionState = 'connecting';
  private since = Date.now();
  private lastOkAt: number | null = null;
  private latest: HealthSample | null = null;
  private info: Record<string, string> | null = null;
  private samples: HealthSample[] = [];
  private errors: HealthSnapshot['errors'] = [];
  private timer: NodeJS.Timeout | null = null;
  private probes = 0;
  private ownRate = 0;
  private lastProbeAt = Date.now();
  private probing = false;

  constructor(
    private readonly adapter: MeshAdapter,
    private readonly opts: HealthMonitorOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    const interval = this.opts.intervalMs ?? 1000;
    this.timer = setInterval(() => void this.probe(), interval);
    this.timer.unref?.();
    void this.probe();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get currentState(): ConnectionState {
    return this.state;
  }

  get isHealthy(): boolean {
    return this.state === 'ready';
  }

  /** The client's own view (ioredis events) moves the state at once; probes confirm it. */
  setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.since = Date.now();
    this.opts.onChange(this.snapshot());
  }

  recordError(error: MeshErrorInfo, command?: string): void {
    const entry: HealthSnapshot['errors'][number] = { ...error, at: Date.now() };
    if (command) entry.command = command;
    this.errors.push(entry);
    if (this.errors.length > MAX_ERRORS) this.errors.splice(0, this.errors.length - MAX_ERRORS);
  }

  snapshot(): HealthSnapshot {
    return {
      state: this.state,
      since: this.since,
      lastOkAt: this.lastOkAt,
      latest: this.latest,
      info: this.info,
      ownCommandsPerSec: this.ownRate,
      errors: this.errors.slice(-50),
    };
  }

  history(): HealthSample[] {
    return this.samples.slice();
  }

  async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      const result = await this.adapter.health();
      const at = Date.now();
      const sample: HealthSample = { at, latencyMs: result.latencyMs, ok: result.healthy };
      this.latest = sample;
      this.samples.push(sample);
      if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
      const elapsed = Math.max(1, at - this.lastProbeAt) / 1000;
      this.ownRate = Math.round(this.opts.takeCommandCount() / elapsed);
      this.lastProbeAt = at;
      if (result.healthy) {
        this.lastOkAt = at;
        if (this.probes % (this.opts.infoEvery ?? 5) === 0) {
          try {
            this.info = await this.adapter.info();
          } catch {
            // INFO failing while PING works is reported by the next probe if it persists.
          }
        }
        this.probes++;
        if (this.state !== 'ready') {
          this.state = 'ready';
          this.since = at;
        }
      } else {
        if (result.error) this.recordError(result.error, 'PING');
        if (this.state === 'ready' || this.state === 'connecting') {
          this.state = result.error?.kind === 'fatal' ? 'down' : 'reconnecting';
          this.since = at;
        }
      }
      this.opts.onChange(this.snapshot());
    } finally {
      this.probing = false;
    }
  }
}

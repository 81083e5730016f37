/**
 * `mesh-inspector health` (cli.md): one PING within the timeout on an established connection,
 * plus what INFO says. Unhealthy is an answer, not a crash: the document is printed either way.
 */
import { MeshAdapter } from '../core/adapter';
import { toErrorInfo } from '../../shared/errors';
import type { MeshErrorInfo } from '../../shared/types';
import type { CliCommand } from './commands';
import { profileFrom, checkTopology } from './connect';

interface HealthJson {
  healthy: boolean;
  latencyMs: number | null;
  url: string;
  /** From INFO; null when Redis could not be reached or refused INFO (an ACL may). */
  server: { version: string | null; role: string | null; mode: string | null } | null;
  error: MeshErrorInfo | null;
}

export const healthCommand: CliCommand = {
  name: 'health',
  summary: 'probe Redis: PING within the timeout, plus version, role and mode from INFO (exit 75 when unhealthy)',
  usage: '',
  options: [],
  async run(ctx) {
    checkTopology(ctx.global);
    const adapter = new MeshAdapter(profileFrom(ctx.global, true));
    const json: HealthJson = { healthy: false, latencyMs: null, url: adapter.redactedUrl, server: null, error: null };
    try {
      await adapter.init();
      const probe = await adapter.health();
      json.healthy = probe.healthy;
      json.latencyMs = probe.latencyMs;
      json.error = probe.error;
      if (probe.healthy) {
        try {
          const info = await adapter.info();
          json.server = { version: info.redis_version ?? null, role: info.role ?? null, mode: info.redis_mode ?? null };
        } catch {
          // PING answered, so the server is healthy; INFO is extra (an ACL may refuse it).
        }
      }
    } catch (e) {
      json.error = toErrorInfo(e, adapter.secretTexts);
    } finally {
      await adapter.shutdown();
    }
    if (json.error) json.error = { kind: json.error.kind, message: json.error.message, ...(json.error.code ? { code: json.error.code } : {}) };
    // cli.md: unhealthy exits 75; a fatal reason (wrong password, TLS rejected) exits 1 like any
    // fatal error, because retrying will not help.
    const exitCode = json.healthy ? 0 : json.error?.kind === 'fatal' ? 1 : 75;
    return { json, human: humanHealth(json), exitCode };
  },
};

function humanHealth(h: HealthJson): string {
  if (!h.healthy) return `unhealthy: ${h.url}: ${h.error?.message ?? 'no answer'} (${h.error?.kind ?? 'transient'})\n`;
  const s = h.server;
  const about = s ? `, Redis ${s.version ?? '?'} (${s.role ?? '?'}, ${s.mode ?? '?'})` : '';
  return `healthy: ${h.url}: PING ${h.latencyMs} ms${about}\n`;
}

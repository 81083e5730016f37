/** bench/index-retention.ts's core: the service as `serve` runs it, with the index bounds given. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createService } from '../electron/core/service';
import type { IndexLimits } from '../electron/core/index-cache';
import { MemorySecrets, serviceGate } from '../test/helpers/service-gate';

export async function connectCoreWith(url: string, prefix: string, indexLimits?: IndexLimits) {
  const home = mkdtempSync(path.join(tmpdir(), 'mesh-retention-'));
  const waiting = new Map<number, () => void>();
  const service = createService({
    transport: 'serve',
    secrets: new MemorySecrets(),
    home,
    appVersion: '0.0.0-bench',
    sink: (event, payload) => {
      const p = payload as { shard?: number; state?: string };
      if (event === 'index:changed' && p.state === 'ready' && p.shard !== undefined) waiting.get(p.shard)?.();
    },
    ...(indexLimits ? { indexLimits } : {}),
  });
  const { ok } = serviceGate(() => service);
  await service.connectUrl(url, prefix);
  return {
    async lane(shard: number) {
      const ready = new Promise<void>((resolve) => waiting.set(shard, resolve));
      const st = await ok('index:status', { shard });
      if (st.state !== 'ready') await ready;
    },
    problems: async () => (await ok('shards:problems', {})).shards,
    async close() {
      await service.dispose();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

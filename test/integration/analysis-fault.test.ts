/**
 * An analysis interrupted by Redis dying (SIGKILL, a real redis-server): the failed report names
 * what happened in words (Redis went away, the connection's own reason, how many shards were read)
 * rather than ioredis' option advice, stays transient, and lists the shards finished before it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRedis, type TestRedis } from '../helpers/redis-server';
import { createService } from '../../electron/core/service';
import type { MeshService } from '../../electron/core/service-api';
import type { AnalysisReport } from '../../shared/contract';
import { encodePayload } from '../../shared/wire';
import { MemorySecrets, serviceGate, wire } from '../helpers/service-gate';

const PREFIX = 'afault';
const SHARDS = 12;

let redis: TestRedis;
let home: string;
let service: MeshService;
let killAfterShards = Infinity;
let killed = false;
let resolveDone: (r: AnalysisReport) => void;
const done = new Promise<AnalysisReport>((r) => (resolveDone = r));
const { ok } = serviceGate(() => service);

beforeAll(async () => {
  redis = await startRedis();
  const admin = redis.admin();
  const p = admin.pipeline();
  for (let s = 0; s < SHARDS; s++) {
    for (let i = 0; i < 3000; i++) p.xadd(`${PREFIX}:shard:${s}`, '*', 'd', encodePayload(`{"i":${i}}`, BigInt(i + 1), s), 'dedup_id', `a1:${s}:0:${i}`);
  }
  await p.exec();
  home = mkdtempSync(path.join(tmpdir(), 'mesh-home-'));
  service = createService({
    transport: 'serve',
    secrets: new MemorySecrets(),
    home,
    appVersion: '0.0.0-test',
    sink: (event, payload) => {
      if (event === 'analysis:progress') {
        const p = wire(payload) as { shardsDone: number };
        // Killed from inside the progress signal itself: the rest of the bus is still unread.
        if (!killed && p.shardsDone >= killAfterShards) {
          killed = true;
          void redis.kill();
        }
      }
      if (event === 'analysis:done') resolveDone(wire(payload) as AnalysisReport);
    },
  });
  await service.connectUrl(redis.url, PREFIX);
});

afterAll(async () => {
  await service?.dispose();
  await redis?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('analysis interrupted by Redis going away', () => {
  it('says Redis went away with the connection reason and how many shards were read, never ioredis advice', async () => {
    killAfterShards = 2;
    await ok('analysis:start', {});
    const report = await done;
    expect(killed).toBe(true);
    expect(report.state).toBe('failed');
    expect(report.error?.kind).toBe('transient');
    const message = report.error!.message;
    expect(message).toMatch(/^Redis went away during the analysis \((?:.*ECONNREFUSED|.*ECONNRESET|.*closed).*\); \d+ of 12 shards were read before it\. Run the analysis again when Redis is back\.$/);
    expect(JSON.stringify(report)).not.toMatch(/maxRetriesPerRequest|max retries per request|Refer to/i);
    // The shards finished before the fault are kept, complete, and counted in the message.
    const read = Number(/(\d+) of 12/.exec(message)![1]);
    expect(report.shards).toHaveLength(read);
    expect(read).toBeGreaterThanOrEqual(1);
    for (const s of report.shards) expect(s.entries).toBe(3000);
  });
});

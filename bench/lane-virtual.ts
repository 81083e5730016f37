import type { BenchCase, BenchCheck } from './harness';
import { uiBrowserBench, uiTailBench } from './ui-browser';

/**
 * `lane-virtual`: the lanes' budgets (bench ui-browser: a million rows, sidebar click, jumps,
 * scrollbar drags, 10 s of scrolling; ui-tail: a 20,000 entries/s live tail) measured with the
 * own row window and with @tanstack/react-virtual (renderer/src/lib/use-tanstack-window.ts), one
 * after the other on the same machine. The own window's checks are this case's checks; the
 * library's figures are reported beside them with the budgets it meets or misses.
 */
export const laneVirtualBench: BenchCase = {
  name: 'lane-virtual',
  description: 'the lanes on the own row window vs @tanstack/react-virtual 3.x: ui-browser and ui-tail budgets with each, same machine, one after the other',
  async run(ctx) {
    const admin = ctx.redis.admin();
    const results: Record<string, BenchCheck[]> = {};
    const notes: string[] = [];
    const metrics: Array<{ name: string; value: number; unit: string }> = [];
    const was = process.env.MESH_ROW_WINDOW;
    try {
      // MESH_LANE_VIRTUAL_FIRST=tanstack runs the library first (to see what the order does).
      const order = process.env.MESH_LANE_VIRTUAL_FIRST === 'tanstack' ? (['tanstack', 'own'] as const) : (['own', 'tanstack'] as const);
      for (const choice of order) {
        if (choice === 'tanstack') process.env.MESH_ROW_WINDOW = 'tanstack';
        else delete process.env.MESH_ROW_WINDOW;
        const checks: BenchCheck[] = [];
        for (const c of [uiBrowserBench, uiTailBench]) {
          await admin.flushall();
          ctx.log(`${choice}: ${c.name}`);
          const r = await c.run({ ...ctx, log: (l) => ctx.log(`  [${choice}] ${l}`) });
          checks.push(...r.checks);
          for (const m of r.metrics) metrics.push({ ...m, name: `${choice}: ${c.name}: ${m.name}` });
        }
        results[choice] = checks;
      }
    } finally {
      if (was === undefined) delete process.env.MESH_ROW_WINDOW;
      else process.env.MESH_ROW_WINDOW = was;
      await admin.flushall();
      admin.disconnect();
    }
    const own = results.own ?? [];
    const lib = results.tanstack ?? [];
    for (const k of lib) {
      const o = own.find((x) => x.name === k.name);
      notes.push(`${k.name}: own ${o?.value ?? '?'} ${o?.pass ? 'PASS' : 'FAIL'} | @tanstack/react-virtual ${k.value} ${k.pass ? 'PASS' : 'FAIL'} (budget ${k.op} ${k.limit})`);
    }
    const libPasses = lib.every((k) => k.pass);
    notes.push(`@tanstack/react-virtual ${libPasses ? 'meets' : 'misses'} the lanes' budgets on this machine${libPasses ? '' : `: ${lib.filter((k) => !k.pass).map((k) => k.name).join('; ')}`}`);
    return { metrics, checks: own.map((k) => ({ ...k, name: `own row window: ${k.name}` })), notes };
  },
};

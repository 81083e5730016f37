/**
 * `npm run bench`: starts its own redis-server on a free port, runs every bench case, prints a
 * table and writes .bench/results.json. `node dist/bench/run.js [case ...]` runs only the named
 * cases; `--strict` exits 1 when a budget is missed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../test/helpers/redis-server';
import { analyzerBench, cliStartBench, parallelScanBench, publishBench, scanBench, scanJsonBench } from './core-cases';
import { uiBrowserBench, uiTailBench } from './ui-browser';
import { laneFiltersBench, laneMemoryBench } from './lane-cases';
import { laneVirtualBench } from './lane-virtual';
import { findBench, scanDetailsBench } from './find-case';
import { uiMergedBench } from './ui-merged';
import { uiScaleBench } from './ui-scale';
import { uiEditorBench, uiGapsBench } from './ui-lists';
import { consumerBench } from './consumer-case';
import type { BenchCase, BenchResult } from './harness';

/** Every bench case, in run order. UI benches append theirs here. */
const CASES: BenchCase[] = [
  scanBench,
  parallelScanBench,
  scanJsonBench,
  cliStartBench,
  publishBench,
  analyzerBench,
  uiBrowserBench,
  uiTailBench,
  findBench,
  scanDetailsBench,
  uiEditorBench,
  uiGapsBench,
  consumerBench,
  laneMemoryBench,
  laneFiltersBench,
  laneVirtualBench,
  uiScaleBench,
  uiMergedBench,
];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const strict = args.includes('--strict');
const wanted = args.filter((a) => !a.startsWith('--'));
const unknown = wanted.filter((w) => !CASES.some((c) => c.name === w));
if (unknown.length > 0) {
  process.stderr.write(`unknown bench case(s): ${unknown.join(', ')}; cases: ${CASES.map((c) => c.name).join(', ')}\n`);
  process.exit(64);
}
const selected = wanted.length > 0 ? CASES.filter((c) => wanted.includes(c.name)) : CASES;

const redis = await startRedis();
const log = (line: string) => process.stderr.write(`  ${line}\n`);
const results: Array<{ name: string; description: string } & BenchResult> = [];
let failed = false;
try {
  for (const c of selected) {
    process.stderr.write(`${c.name}: ${c.description}\n`);
    const r = await c.run({ redis, log });
    results.push({ name: c.name, description: c.description, ...r });
    if (r.checks.some((k) => !k.pass)) failed = true;
  }
} finally {
  await redis.stop();
}

const rows: string[][] = [['CASE', 'MEASURE', 'VALUE', 'BUDGET', '']];
for (const r of results) {
  let first = true;
  for (const m of r.metrics) {
    rows.push([first ? r.name : '', m.name, `${m.value.toLocaleString('en')} ${m.unit}`, '', '']);
    first = false;
  }
  for (const k of r.checks) {
    rows.push([first ? r.name : '', k.name, String(k.value), `${k.op} ${k.limit}`, k.pass ? 'PASS' : 'FAIL']);
    first = false;
  }
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
process.stdout.write(`\n${rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`);
for (const r of results) for (const n of r.notes ?? []) process.stdout.write(`${r.name}: ${n}\n`);

const out = path.join(root, '.bench', 'results.json');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, platform: `${process.platform}-${process.arch}`, cases: results }, null, 2)}\n`,
);
process.stdout.write(`results written to ${path.relative(process.cwd(), out) || out}\n`);
process.exitCode = strict && failed ? 1 : 0;

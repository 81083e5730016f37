import { WINDOW_MS } from './health-model';

export type Tone = 'accent' | 'ok' | 'warn' | 'danger' | 'muted';

/**
 * A small trend line over the same window as the latency chart (time on x, so gaps in
 * the data show as gaps). SVG with presentation attributes and classes only: CSP-clean.
 */
export function Sparkline({
  points,
  now,
  tone = 'accent',
  max,
  label,
  height = 28,
  windowMs = WINDOW_MS,
}: {
  points: ReadonlyArray<{ at: number; value: number | null }>;
  now: number;
  tone?: Tone;
  /** Top of the scale; default the largest value (with headroom). */
  max?: number | null;
  label?: string;
  height?: number;
  windowMs?: number;
}) {
  const start = now - windowMs;
  const shown = points.filter((p) => p.at >= start);
  // One point is not a trend: keep the space, draw nothing until there are two.
  if (shown.filter((p) => p.value !== null && Number.isFinite(p.value)).length < 2) {
    return <svg className={`hv-spark hv-spark-${tone}`} viewBox={`0 0 100 ${height}`} preserveAspectRatio="none" height={height} aria-hidden="true" focusable="false" />;
  }
  let top = max ?? 0;
  if (!max) for (const p of shown) if (p.value !== null && p.value > top) top = p.value;
  if (!max) top = top * 1.15;
  if (!(top > 0)) top = 1;
  const x = (at: number) => ((at - start) / windowMs) * 100;
  const y = (v: number) => height - 1.5 - (Math.max(0, Math.min(v, top)) / top) * (height - 3);

  const lines: string[] = [];
  const areas: string[] = [];
  let run: Array<[number, number]> = [];
  const flush = () => {
    if (run.length === 0) return;
    if (run.length === 1) run.push([Math.min(100, (run[0] as [number, number])[0] + 0.6), (run[0] as [number, number])[1]]);
    const d = run.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px.toFixed(2)} ${py.toFixed(2)}`).join('');
    lines.push(d);
    const f = run[0] as [number, number];
    const l = run[run.length - 1] as [number, number];
    areas.push(`M${f[0].toFixed(2)} ${height}${d.replace(/^M/, 'L')}L${l[0].toFixed(2)} ${height}Z`);
    run = [];
  };
  for (const p of shown) {
    if (p.value === null || !Number.isFinite(p.value)) flush();
    else run.push([x(p.at), y(p.value)]);
  }
  flush();

  return (
    <svg className={`hv-spark hv-spark-${tone}`} viewBox={`0 0 100 ${height}`} preserveAspectRatio="none" height={height} role={label ? 'img' : undefined} aria-label={label} aria-hidden={label ? undefined : true} focusable="false">
      {areas.map((d, i) => (
        <path key={`a${i}`} className="hv-spark-area" d={d} />
      ))}
      {lines.map((d, i) => (
        <path key={`l${i}`} className="hv-spark-line" d={d} vectorEffect="non-scaling-stroke" />
      ))}
    </svg>
  );
}

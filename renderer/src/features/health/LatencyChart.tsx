import { useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import type { ConnectionState, HealthSample, HealthTransition } from '../../../../shared/contract';
import { formatClock } from '../../lib/format';
import { useTheme } from '../../lib/theme';
import { WINDOW_MS, formatLatency, niceScale, outageBands, timeStep, type Band } from './health-model';

const HEIGHT = 200;
const PAD = { left: 52, right: 14, top: 12, bottom: 24 };

interface Props {
  samples: readonly HealthSample[];
  transitions: readonly HealthTransition[];
  current: { state: ConnectionState; since: number } | null;
  now: number;
  intervalMs: number;
  /** Shown span (see windowFor); at most 15 minutes. */
  windowMs?: number;
}

interface Geometry {
  width: number;
  start: number;
  end: number;
  span: number;
  max: number;
  step: number;
  inWindow: HealthSample[];
  bands: Band[];
  gapMs: number;
}

/** Colours come from the design tokens, so the chart follows the theme. */
function tokens() {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return {
    accent: v('--accent'),
    accentSoft: v('--accent-soft'),
    danger: v('--danger'),
    dangerSoft: v('--danger-soft'),
    warn: v('--warn'),
    warnSoft: v('--warn-soft'),
    grid: v('--border'),
    axis: v('--border-strong'),
    label: v('--text-faint'),
    muted: v('--text-muted'),
    panel: v('--bg-panel'),
    mono: v('--font-mono') || 'monospace',
  };
}

/**
 * PING latency over the last 15 minutes (less in a fresh session) on a canvas (CSP-clean: no style elements, nothing
 * injected): answered probes as a line, failed probes as red ticks, the periods Redis was
 * reconnecting or down as shaded bands. Hover shows the probe under the pointer.
 */
export function LatencyChart({ samples, transitions, current, now, intervalMs, windowMs = WINDOW_MS }: Props) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<{ x: number; sample: HealthSample } | null>(null);
  const [theme] = useTheme();

  useEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const ro = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      setWidth((prev) => (prev === w ? prev : w));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const geo: Geometry = useMemo(() => {
    const end = now;
    const start = end - windowMs;
    const inWindow = samples.filter((s) => s.at >= start && s.at <= end + 1000);
    let top = 0;
    for (const s of inWindow) if (s.ok && s.latencyMs !== null && s.latencyMs > top) top = s.latencyMs;
    const { max, step } = niceScale(Math.max(top * 1.1, 0.5));
    return { width, start, end, span: windowMs, max, step, inWindow, bands: outageBands(transitions, current, start, end), gapMs: Math.max(3 * intervalMs, 5000) };
  }, [samples, transitions, current, now, width, intervalMs, windowMs]);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || geo.width <= 0) return;
    draw(canvas, geo, hover, tokens());
  }, [geo, hover, theme]);

  const plotW = Math.max(1, geo.width - PAD.left - PAD.right);
  const xOf = (t: number) => PAD.left + ((t - geo.start) / geo.span) * plotW;

  const onMove = (e: MouseEvent<HTMLDivElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - rect.left;
    if (x < PAD.left || x > geo.width - PAD.right || geo.inWindow.length === 0) {
      setHover(null);
      return;
    }
    const t = geo.start + ((x - PAD.left) / plotW) * geo.span;
    let best: HealthSample | null = null;
    for (const s of geo.inWindow) if (!best || Math.abs(s.at - t) < Math.abs(best.at - t)) best = s;
    if (!best || Math.abs(best.at - t) > Math.max(2 * intervalMs, (geo.span / plotW) * 6)) setHover(null);
    else setHover({ x: xOf(best.at), sample: best });
  };

  const ok = geo.inWindow.filter((s) => s.ok).length;
  const failed = geo.inWindow.length - ok;
  const label = `PING latency, last ${Math.round(geo.span / 60000)} minutes: ${geo.inWindow.length} probes, ${failed} failed, scale up to ${formatLatency(geo.max)}`;

  return (
    <div className="hv-latency-chart" ref={wrapRef} onMouseMove={onMove} onMouseLeave={() => setHover(null)} data-latency-chart data-samples={geo.inWindow.length} data-failed={failed}>
      <canvas ref={canvasRef} className="hv-latency-canvas" role="img" aria-label={label} />
      {geo.inWindow.length === 0 ? <div className="hv-chart-empty">Waiting for the first probe…</div> : null}
      {hover ? (
        <div className={`hv-chart-tip${hover.x > geo.width - 180 ? ' hv-chart-tip-left' : ''}`} style={{ left: hover.x, top: PAD.top }} role="tooltip">
          <span className="hv-chart-tip-time mono">{formatClock(new Date(hover.sample.at))}</span>
          {hover.sample.ok ? (
            <span className="hv-chart-tip-value mono">{formatLatency(hover.sample.latencyMs)}</span>
          ) : (
            <span className="hv-chart-tip-fail">no answer</span>
          )}
        </div>
      ) : null}
    </div>
  );
}

function draw(canvas: HTMLCanvasElement, g: Geometry, hover: { x: number; sample: HealthSample } | null, c: ReturnType<typeof tokens>): void {
  const dpr = window.devicePixelRatio || 1;
  const W = g.width;
  const H = HEIGHT;
  if (canvas.width !== Math.round(W * dpr) || canvas.height !== Math.round(H * dpr)) {
    canvas.width = Math.round(W * dpr);
    canvas.height = Math.round(H * dpr);
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, W, H);

  const plotW = Math.max(1, W - PAD.left - PAD.right);
  const plotH = H - PAD.top - PAD.bottom;
  const base = PAD.top + plotH;
  const x = (t: number) => PAD.left + ((t - g.start) / g.span) * plotW;
  const y = (v: number) => PAD.top + plotH - (Math.min(v, g.max) / g.max) * plotH;

  // Outage bands, under everything.
  for (const b of g.bands) {
    const x0 = x(b.from);
    const w = Math.max(2, x(b.to) - x0);
    ctx.fillStyle = b.state === 'down' ? c.dangerSoft : c.warnSoft;
    ctx.fillRect(x0, PAD.top, w, plotH);
    ctx.fillStyle = b.state === 'down' ? c.danger : c.warn;
    ctx.fillRect(x0, PAD.top, w, 2);
  }

  // Value grid and labels.
  ctx.font = `10px ${c.mono}`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  ctx.lineWidth = 1;
  const lines = Math.round(g.max / g.step);
  for (let i = 0; i <= lines; i++) {
    const v = Number((i * g.step).toPrecision(12));
    const yy = Math.round(y(v)) + 0.5;
    ctx.strokeStyle = v === 0 ? c.axis : c.grid;
    ctx.beginPath();
    ctx.moveTo(PAD.left, yy);
    ctx.lineTo(W - PAD.right, yy);
    ctx.stroke();
    ctx.fillStyle = c.label;
    ctx.fillText(formatLatency(v), PAD.left - 8, yy);
  }

  // Time labels on round minutes.
  const step = timeStep(g.span, Math.max(2, Math.floor(plotW / 90)));
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let t = Math.ceil(g.start / step) * step; t <= g.end; t += step) {
    const xx = Math.round(x(t)) + 0.5;
    ctx.strokeStyle = c.axis;
    ctx.beginPath();
    ctx.moveTo(xx, base);
    ctx.lineTo(xx, base + 4);
    ctx.stroke();
    const d = new Date(t);
    ctx.fillStyle = c.label;
    const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
    const text = step < 60_000 ? `${hm}:${String(d.getSeconds()).padStart(2, '0')}` : hm;
    // A label that would be cut by the edge is left out rather than clipped.
    const half = ctx.measureText(text).width / 2;
    if (xx + half <= W - 1 && xx - half >= 1) ctx.fillText(text, xx, base + 7);
  }

  // Answered probes: area and line, broken at failures and gaps.
  const segments: HealthSample[][] = [];
  let seg: HealthSample[] = [];
  let prevAt = -Infinity;
  for (const s of g.inWindow) {
    if (!s.ok || s.latencyMs === null || s.at - prevAt > g.gapMs) {
      if (seg.length) segments.push(seg);
      seg = [];
    }
    if (s.ok && s.latencyMs !== null) seg.push(s);
    prevAt = s.at;
  }
  if (seg.length) segments.push(seg);
  ctx.save();
  ctx.beginPath();
  ctx.rect(PAD.left, PAD.top, plotW, plotH);
  ctx.clip();
  for (const sg of segments) {
    const first = sg[0] as HealthSample;
    const last = sg[sg.length - 1] as HealthSample;
    ctx.beginPath();
    ctx.moveTo(x(first.at), base);
    for (const s of sg) ctx.lineTo(x(s.at), y(s.latencyMs as number));
    ctx.lineTo(x(last.at), base);
    ctx.closePath();
    ctx.fillStyle = c.accentSoft;
    ctx.fill();
    ctx.beginPath();
    sg.forEach((s, i) => (i === 0 ? ctx.moveTo(x(s.at), y(s.latencyMs as number)) : ctx.lineTo(x(s.at), y(s.latencyMs as number))));
    ctx.strokeStyle = c.accent;
    ctx.lineWidth = 1.5;
    ctx.lineJoin = 'round';
    ctx.stroke();
    if (sg.length === 1) {
      ctx.fillStyle = c.accent;
      ctx.beginPath();
      ctx.arc(x(first.at), y(first.latencyMs as number), 2, 0, Math.PI * 2);
      ctx.fill();
    }
  }
  ctx.restore();

  // Failed probes: ticks on the baseline.
  ctx.fillStyle = c.danger;
  for (const s of g.inWindow) if (!s.ok) ctx.fillRect(Math.round(x(s.at)) - 1, base - 7, 2, 7);

  // Hovered probe.
  if (hover) {
    const xx = Math.round(hover.x) + 0.5;
    ctx.strokeStyle = c.muted;
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(xx, PAD.top);
    ctx.lineTo(xx, base);
    ctx.stroke();
    ctx.setLineDash([]);
    const s = hover.sample;
    ctx.beginPath();
    ctx.arc(xx, s.ok && s.latencyMs !== null ? y(s.latencyMs) : base - 3, 3.5, 0, Math.PI * 2);
    ctx.fillStyle = s.ok ? c.accent : c.danger;
    ctx.fill();
    ctx.strokeStyle = c.panel;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
}

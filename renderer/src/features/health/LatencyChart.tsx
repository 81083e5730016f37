import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import uPlot from 'uplot';
import type { ConnectionState, HealthSample, HealthTransition } from '../../../../shared/contract';
import { formatClock } from '../../lib/format';
import { useTheme } from '../../lib/theme';
import { WINDOW_MS, formatLatency, niceScale, outageBands, type Band } from './health-model';

const HEIGHT = 200;

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
  start: number;
  end: number;
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
    mono: v('--font-mono') || 'monospace',
  };
}

/**
 * uPlot's data: times and latencies, with a null where a probe failed and one between two probes
 * further apart than `gapMs`, so the line breaks there instead of bridging a silence.
 */
function seriesOf(g: Geometry): uPlot.AlignedData {
  const xs: number[] = [];
  const ys: Array<number | null> = [];
  let prev = -Infinity;
  for (const s of g.inWindow) {
    if (s.at - prev > g.gapMs && xs.length > 0) {
      xs.push((s.at + prev) / 2);
      ys.push(null);
    }
    xs.push(s.at);
    ys.push(s.ok && s.latencyMs !== null ? s.latencyMs : null);
    prev = s.at;
  }
  return [xs, ys];
}

function clockLabel(t: number, withSeconds: boolean): string {
  const d = new Date(t);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return withSeconds ? `${hm}:${String(d.getSeconds()).padStart(2, '0')}` : hm;
}

type Hover = { sample: HealthSample; left: number };

/**
 * PING latency over the last 15 minutes (less in a fresh session), drawn by uPlot on a canvas:
 * answered probes as a line over a soft area, failed probes as red ticks on the baseline, the
 * periods Redis was reconnecting or down as shaded bands. Drag across the plot to zoom into a
 * span (the chart then stops following the clock); double-click, Escape or "Reset zoom" go back.
 * Hover, or Left/Right with the chart focused, shows one probe's time and latency.
 *
 * CSP: uPlot builds its DOM with createElement and the CSSOM (no <style>, no style attributes in
 * markup); its few layout rules are ours, in health.css, for the classes uPlot puts on its
 * elements: u-wrap, u-over, u-under, u-axis, u-select, u-cursor-x, u-off.
 */
export function LatencyChart({ samples, transitions, current, now, intervalMs, windowMs = WINDOW_MS }: Props) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<uPlot | null>(null);
  const geoRef = useRef<Geometry | null>(null);
  const [zoom, setZoom] = useState<{ min: number; max: number } | null>(null);
  const zoomRef = useRef(zoom);
  zoomRef.current = zoom;
  const [hover, setHover] = useState<Hover | null>(null);
  const [theme] = useTheme();

  const geo: Geometry = useMemo(() => {
    const end = now;
    const start = end - windowMs;
    const inWindow = samples.filter((s) => s.at >= start && s.at <= end + 1000);
    return { start, end, inWindow, bands: outageBands(transitions, current, start, end), gapMs: Math.max(3 * intervalMs, 5000) };
  }, [samples, transitions, current, now, intervalMs, windowMs]);
  geoRef.current = geo;

  const hoverAt = useCallback((t: number | null) => {
    const u = chartRef.current;
    const g = geoRef.current;
    if (!u || !g || t === null || g.inWindow.length === 0) {
      setHover(null);
      return;
    }
    let best: HealthSample | null = null;
    for (const s of g.inWindow) if (!best || Math.abs(s.at - t) < Math.abs(best.at - t)) best = s;
    const span = (u.scales.x!.max ?? g.end) - (u.scales.x!.min ?? g.start);
    if (!best || Math.abs(best.at - t) > Math.max(2 * intervalMs, (span / Math.max(1, u.bbox.width / uPlot.pxRatio)) * 6)) setHover(null);
    else setHover({ sample: best, left: u.over.offsetLeft + u.valToPos(best.at, 'x') });
  }, [intervalMs]);

  const setX = useCallback((min: number, max: number) => {
    const u = chartRef.current;
    if (!u) return;
    u.setScale('x', { min, max });
  }, []);

  const resetZoom = useCallback(() => {
    setZoom(null);
    zoomRef.current = null;
    const g = geoRef.current;
    if (g) setX(g.start, g.end);
  }, [setX]);

  // The chart itself: made once per theme (its colours are read from the tokens then).
  useEffect(() => {
    const host = plotRef.current;
    const wrap = wrapRef.current;
    if (!host || !wrap) return;
    const c = tokens();
    const font = `10px ${c.mono}`;
    const g0 = geoRef.current!;
    const opts: uPlot.Options = {
      width: Math.max(100, Math.floor(wrap.clientWidth)),
      height: HEIGHT,
      ms: 1,
      legend: { show: false },
      padding: [12, 14, 0, 0],
      cursor: {
        y: false,
        points: { show: false },
        // A drag selects a span; the setSelect hook below zooms to it (and remembers it was the user).
        drag: { x: true, y: false, setScale: false },
        // Double-click resets to the live window (uPlot's own reset would fit the data instead).
        bind: { dblclick: () => () => (resetZoom(), null) },
      },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      scales: {
        x: { time: true, min: g0.start, max: g0.end },
        y: { range: (_u, _min, max) => [0, niceScale(Math.max((max ?? 0) * 1.1, 0.5)).max] },
      },
      axes: [
        {
          stroke: c.label,
          font,
          size: 28,
          gap: 6,
          space: 90,
          grid: { show: false },
          ticks: { stroke: c.axis, width: 1, size: 4 },
          values: (u, splits) => {
            const span = (u.scales.x!.max ?? 0) - (u.scales.x!.min ?? 0);
            const step = splits.length > 1 ? splits[1]! - splits[0]! : span;
            return splits.map((t) => clockLabel(t, step < 60_000));
          },
        },
        {
          stroke: c.label,
          font,
          size: 52,
          gap: 8,
          space: 36,
          grid: { stroke: c.grid, width: 1 },
          ticks: { show: false },
          values: (_u, splits) => splits.map((v) => formatLatency(v)),
        },
      ],
      series: [{}, { label: 'PING', stroke: c.accent, width: 1.5, fill: c.accentSoft, spanGaps: false, points: { size: 4, fill: c.accent } }],
      hooks: {
        // Outage bands under the grid and the line.
        drawClear: [
          (u) => {
            const g = geoRef.current;
            if (!g) return;
            const { ctx } = u;
            const top = u.bbox.top;
            const h = u.bbox.height;
            ctx.save();
            for (const b of g.bands) {
              const x0 = u.valToPos(b.from, 'x', true);
              const w = Math.max(2 * uPlot.pxRatio, u.valToPos(b.to, 'x', true) - x0);
              ctx.fillStyle = b.state === 'down' ? c.dangerSoft : c.warnSoft;
              ctx.fillRect(x0, top, w, h);
              ctx.fillStyle = b.state === 'down' ? c.danger : c.warn;
              ctx.fillRect(x0, top, w, 2 * uPlot.pxRatio);
            }
            ctx.restore();
          },
        ],
        // Failed probes: ticks on the baseline, over everything.
        draw: [
          (u) => {
            const g = geoRef.current;
            if (!g) return;
            const { ctx } = u;
            const base = u.bbox.top + u.bbox.height;
            const r = uPlot.pxRatio;
            ctx.save();
            ctx.beginPath();
            ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
            ctx.clip();
            ctx.fillStyle = c.danger;
            for (const s of g.inWindow) if (!s.ok) ctx.fillRect(Math.round(u.valToPos(s.at, 'x', true)) - r, base - 7 * r, 2 * r, 7 * r);
            ctx.restore();
          },
        ],
        setCursor: [
          (u) => {
            const left = u.cursor.left;
            hoverAt(left === undefined || left < 0 ? null : u.posToVal(left, 'x'));
          },
        ],
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width < 2) return;
            const min = u.posToVal(left, 'x');
            const max = u.posToVal(left + width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            setZoom({ min, max });
            zoomRef.current = { min, max };
            setX(min, max);
          },
        ],
      },
    };
    const u = new uPlot(opts, seriesOf(g0), host);
    chartRef.current = u;
    u.setScale('x', zoomRef.current ?? { min: g0.start, max: g0.end });
    const ro = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (w > 0 && w !== u.width) u.setSize({ width: w, height: HEIGHT });
    });
    ro.observe(wrap);
    return () => {
      ro.disconnect();
      u.destroy();
      chartRef.current = null;
    };
  }, [theme, hoverAt, resetZoom, setX]);

  // New probes: the data follows; the window follows the clock unless the user zoomed in.
  useEffect(() => {
    const u = chartRef.current;
    if (!u) return;
    u.setData(seriesOf(geo), false);
    const z = zoomRef.current;
    setX(z ? z.min : geo.start, z ? z.max : geo.end);
  }, [geo, setX]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const g = geoRef.current;
    if (!g || g.inWindow.length === 0) return;
    if (e.key === 'Escape' && zoom) {
      e.preventDefault();
      resetZoom();
      return;
    }
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight' && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    const list = g.inWindow;
    const at = hover ? list.findIndex((s) => s.at === hover.sample.at) : -1;
    const i = e.key === 'Home' ? 0 : e.key === 'End' ? list.length - 1 : at < 0 ? list.length - 1 : Math.max(0, Math.min(list.length - 1, at + (e.key === 'ArrowLeft' ? -1 : 1)));
    const s = list[i]!;
    const u = chartRef.current;
    if (u) setHover({ sample: s, left: u.over.offsetLeft + u.valToPos(s.at, 'x') });
  };

  const ok = geo.inWindow.filter((s) => s.ok).length;
  const failed = geo.inWindow.length - ok;
  const top = geo.inWindow.reduce((m, s) => (s.ok && s.latencyMs !== null && s.latencyMs > m ? s.latencyMs : m), 0);
  const label = `PING latency, last ${Math.round(windowMs / 60000)} minutes: ${geo.inWindow.length} probes, ${failed} failed, highest ${formatLatency(top)}. Left and Right step through the probes; drag to zoom.`;
  const width = wrapRef.current?.clientWidth ?? 0;

  return (
    <div
      className="hv-latency-chart"
      ref={wrapRef}
      tabIndex={0}
      role="img"
      aria-label={label}
      onKeyDown={onKeyDown}
      onBlur={() => setHover(null)}
      onMouseLeave={() => setHover(null)}
      data-latency-chart
      data-samples={geo.inWindow.length}
      data-failed={failed}
      data-zoomed={zoom ? 'true' : 'false'}
    >
      <div ref={plotRef} className="hv-latency-plot" />
      {geo.inWindow.length === 0 ? <div className="hv-chart-empty">Waiting for the first probe…</div> : null}
      {zoom ? (
        <button type="button" className="btn btn-ghost btn-sm hv-chart-reset" onClick={resetZoom} data-chart-reset>
          Reset zoom
        </button>
      ) : null}
      {hover ? (
        <div
          className={`hv-chart-tip${hover.left > width - 180 ? ' hv-chart-tip-left' : ''}`}
          style={{ left: hover.left }}
          role="tooltip"
          data-chart-readout
          data-at={hover.sample.at}
          data-latency={hover.sample.ok ? (hover.sample.latencyMs ?? '') : ''}
          data-ok={hover.sample.ok ? 'true' : 'false'}
        >
          <span className="hv-chart-tip-time mono">{formatClock(new Date(hover.sample.at))}</span>
          {hover.sample.ok ? <span className="hv-chart-tip-value mono">{formatLatency(hover.sample.latencyMs)}</span> : <span className="hv-chart-tip-fail">no answer</span>}
        </div>
      ) : null}
    </div>
  );
}

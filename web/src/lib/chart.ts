// Scales and SVG path building for the dashboard's small charts.

export interface Point {
  x: number;
  y: number;
}

/** Linear map from [d0, d1] to [r0, r1]; a zero-width domain maps to the range's middle. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  if (d1 === d0) {
    const mid = (r0 + r1) / 2;
    return () => mid;
  }
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** A "nice" upper bound ≥ max: 1, 2, 2.5 or 5 times a power of ten (1 for max <= 0). */
export function niceMax(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const exp = Math.floor(Math.log10(max));
  const base = 10 ** exp;
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * base >= max) return m * base;
  }
  return 10 * base;
}

/** `count + 1` evenly spaced tick values from 0 to max. */
export function ticks(max: number, count = 4): number[] {
  return Array.from({ length: count + 1 }, (_, i) => (max * i) / count);
}

/** "M x y L x y ..." with two decimals; empty for no points. */
export function linePath(points: readonly Point[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${round2(p.x)} ${round2(p.y)}`).join(' ');
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

export interface Series {
  name: string;
  points: { t: number; v: number }[];
}

export interface PlotArea {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface Plotted {
  name: string;
  path: string;
  points: Point[];
}

export interface Layout {
  series: Plotted[];
  tMin: number;
  tMax: number;
  vMax: number;
  yTicks: { value: number; y: number }[];
}

/** Lays out time series in an area: shared time axis, value axis from 0 to a nice max. */
export function layoutSeries(series: readonly Series[], area: PlotArea): Layout {
  const all = series.flatMap((s) => s.points);
  const tMin = all.length ? Math.min(...all.map((p) => p.t)) : 0;
  const tMax = all.length ? Math.max(...all.map((p) => p.t)) : 1;
  const vMax = niceMax(all.length ? Math.max(...all.map((p) => p.v)) : 0);
  const x = linearScale(tMin, tMax, area.left, area.width - area.right);
  const y = linearScale(0, vMax, area.height - area.bottom, area.top);
  const plotted = series.map((s) => {
    const points = [...s.points].sort((a, b) => a.t - b.t).map((p) => ({ x: x(p.t), y: y(p.v) }));
    return { name: s.name, path: linePath(points), points };
  });
  return { series: plotted, tMin, tMax, vMax, yTicks: ticks(vMax).map((value) => ({ value, y: y(value) })) };
}

/** Running sum of values in time order: [{t, v}] → [{t, cumulative v}]. */
export function cumulative(points: readonly { t: number; v: number }[]): { t: number; v: number }[] {
  let sum = 0;
  return [...points]
    .sort((a, b) => a.t - b.t)
    .map((p) => {
      sum += p.v;
      return { t: p.t, v: sum };
    });
}

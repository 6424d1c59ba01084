// A small SVG line chart over time: shared time axis, value axis from zero.

import { layoutSeries, type Series } from '../lib/chart';

const kColors = ['#2563eb', '#d97706', '#059669', '#7c3aed', '#dc2626', '#0891b2', '#65a30d', '#db2777'];

export function LineChart({
  title,
  series,
  formatValue,
  height = 220,
}: {
  title: string;
  series: Series[];
  formatValue: (v: number) => string;
  height?: number;
}) {
  const width = 560;
  const area = { width, height, left: 64, right: 12, top: 12, bottom: 28 };
  const layout = layoutSeries(series, area);
  const hasData = series.some((s) => s.points.length > 0);
  const fmtDate = (t: number) => {
    const d = new Date(t);
    return `${d.getMonth() + 1}/${d.getDate()}`;
  };
  const xTicks = hasData
    ? layout.tMin === layout.tMax
      ? [layout.tMin]
      : [0, 0.25, 0.5, 0.75, 1].map((f) => layout.tMin + f * (layout.tMax - layout.tMin))
    : [];
  const xOf = (t: number) =>
    layout.tMax === layout.tMin
      ? (area.left + width - area.right) / 2
      : area.left + ((t - layout.tMin) / (layout.tMax - layout.tMin)) * (width - area.left - area.right);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      {!hasData ? (
        <p class="empty">No data yet.</p>
      ) : (
        <>
          <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} preserveAspectRatio="xMidYMid meet">
            <title>{title}</title>
            {layout.yTicks.map((t) => (
              <g key={t.value}>
                <line x1={area.left} x2={width - area.right} y1={t.y} y2={t.y} class="chart-grid" />
                <text x={area.left - 6} y={t.y + 4} text-anchor="end" class="chart-label">
                  {formatValue(t.value)}
                </text>
              </g>
            ))}
            {xTicks.map((t) => (
              <text key={t} x={xOf(t)} y={height - 8} text-anchor="middle" class="chart-label">
                {fmtDate(t)}
              </text>
            ))}
            {layout.series.map((s, i) => (
              <g key={s.name}>
                <path d={s.path} fill="none" stroke={kColors[i % kColors.length]} stroke-width="2" />
                {s.points.map((p, j) => (
                  <circle key={j} cx={p.x} cy={p.y} r="2.5" fill={kColors[i % kColors.length]} />
                ))}
              </g>
            ))}
          </svg>
          <ul class="legend">
            {series.map((s, i) => (
              <li key={s.name}>
                <svg width="12" height="12" aria-hidden="true">
                  <rect width="12" height="12" rx="2" fill={kColors[i % kColors.length]} />
                </svg>
                {s.name}
                {s.points.length > 0 && (
                  <span class="muted"> · latest {formatValue(s.points[s.points.length - 1]!.v)}</span>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </figure>
  );
}

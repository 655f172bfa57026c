import type { SeriesPoint } from '@/lib/events/store';

const COLOURS = ['#0f766e', '#c2410c', '#7c3aed', '#0369a1', '#be123c', '#4d7c0f', '#a16207', '#334155'];
const W = 560;
const H = 180;
const PAD = { l: 44, r: 12, t: 12, b: 28 };

/** A small line chart, drawn as SVG on the server: one line per variant, a value per time bucket. */
export function TrendChart({
  title,
  points,
  variants,
  bucketMs,
  value,
  format,
}: {
  title: string;
  points: SeriesPoint[];
  variants: string[];
  bucketMs: number;
  value: (p: SeriesPoint) => number;
  format: (v: number) => string;
}) {
  const times = [...new Set(points.map((p) => p.hour))].sort((a, b) => a - b);
  if (times.length === 0) return <p className="text-sm text-slate-600">{title}: no data yet.</p>;
  const max = Math.max(...points.map(value), 1e-9);
  const x = (t: number) => PAD.l + (times.length === 1 ? (W - PAD.l - PAD.r) / 2 : ((t - times[0]!) / (times[times.length - 1]! - times[0]!)) * (W - PAD.l - PAD.r));
  const y = (v: number) => PAD.t + (1 - v / max) * (H - PAD.t - PAD.b);
  const label = (t: number) => new Date(t).toISOString().slice(bucketMs >= 86_400_000 ? 5 : 5, bucketMs >= 86_400_000 ? 10 : 13).replace('T', ' ') + (bucketMs >= 86_400_000 ? '' : 'h');
  return (
    <figure className="rounded-xl border border-slate-200 p-3">
      <figcaption className="mb-1 text-sm font-semibold">{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={`${title} per ${bucketMs >= 86_400_000 ? 'day' : 'hour'}, by variant`}>
        <line x1={PAD.l} x2={W - PAD.r} y1={H - PAD.b} y2={H - PAD.b} stroke="#94a3b8" />
        <text x={PAD.l - 6} y={y(max) + 4} textAnchor="end" fontSize="11" fill="#475569">
          {format(max)}
        </text>
        <text x={PAD.l - 6} y={H - PAD.b + 4} textAnchor="end" fontSize="11" fill="#475569">
          {format(0)}
        </text>
        <text x={x(times[0]!)} y={H - 8} textAnchor="start" fontSize="11" fill="#475569">
          {label(times[0]!)}
        </text>
        {times.length > 1 && (
          <text x={x(times[times.length - 1]!)} y={H - 8} textAnchor="end" fontSize="11" fill="#475569">
            {label(times[times.length - 1]!)}
          </text>
        )}
        {variants.map((v, i) => {
          const mine = points.filter((p) => p.variant === v);
          const colour = COLOURS[i % COLOURS.length];
          return (
            <g key={v} data-variant={v}>
              <polyline fill="none" stroke={colour} strokeWidth="2" points={mine.map((p) => `${x(p.hour).toFixed(1)},${y(value(p)).toFixed(1)}`).join(' ')} />
              {mine.map((p) => (
                <circle key={p.hour} cx={x(p.hour)} cy={y(value(p))} r="3" fill={colour}>
                  <title>{`${v}, ${new Date(p.hour).toISOString().slice(0, 16).replace('T', ' ')} UTC: ${format(value(p))}`}</title>
                </circle>
              ))}
            </g>
          );
        })}
      </svg>
      <ul className="mt-1 flex flex-wrap gap-4 text-xs">
        {variants.map((v, i) => (
          <li key={v} className="flex items-center gap-1">
            <span aria-hidden className="inline-block h-2 w-4 rounded" style={{ background: COLOURS[i % COLOURS.length] }} />
            {v}
          </li>
        ))}
      </ul>
    </figure>
  );
}

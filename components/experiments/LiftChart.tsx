import type { SeriesPoint } from '@/lib/experiments/report';

const COLOURS = ['#c2410c', '#7c3aed', '#0369a1', '#be123c', '#4d7c0f', '#a16207', '#334155'];
const W = 900;
const H = 240;
const PAD = { l: 64, r: 12, t: 12, b: 28 };

/**
 * The primary metric's lift over control as visitors accrued, one line per variant with its always-valid
 * band, drawn as SVG on the server. The band may be read on any day: that is what makes daily looks safe.
 */
export function LiftChart({ title, points, format }: { title: string; points: SeriesPoint[]; format: (v: number) => string }) {
  const withLift = points.filter((p): p is SeriesPoint & { lift: NonNullable<SeriesPoint['lift']> } => p.lift !== null && Number.isFinite(p.lift.low) && Number.isFinite(p.lift.high));
  if (withLift.length === 0) return <p className="text-sm text-slate-600">{title}: not enough data yet (control needs some).</p>;
  const days = [...new Set(withLift.map((p) => p.day))].sort((a, b) => a - b);
  const variants = [...new Set(withLift.map((p) => p.variant))];
  // Clip the early, very wide bands so the recent ones stay readable.
  const lo = Math.max(-1, Math.min(0, ...withLift.map((p) => p.lift.low)));
  const hi = Math.min(2, Math.max(0, ...withLift.map((p) => p.lift.high)));
  const x = (t: number) => PAD.l + (days.length === 1 ? (W - PAD.l - PAD.r) / 2 : ((t - days[0]!) / (days[days.length - 1]! - days[0]!)) * (W - PAD.l - PAD.r));
  const y = (v: number) => PAD.t + (1 - (Math.min(hi, Math.max(lo, v)) - lo) / Math.max(hi - lo, 1e-9)) * (H - PAD.t - PAD.b);
  const day = (t: number) => new Date(t).toISOString().slice(5, 10);
  return (
    <figure className="rounded-xl border border-slate-200 p-3" data-testid="lift-chart">
      <figcaption className="mb-1 text-sm font-semibold">{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={`${title}, by day of first exposure, with always-valid 95% bands`}>
        <line x1={PAD.l} x2={W - PAD.r} y1={y(0)} y2={y(0)} stroke="#64748b" strokeDasharray="4 3" />
        {[hi, 0, lo].map((v) => (
          <text key={v} x={PAD.l - 6} y={y(v) + 4} textAnchor="end" fontSize="11" fill="#475569">
            {format(v)}
          </text>
        ))}
        <text x={x(days[0]!)} y={H - 8} textAnchor="start" fontSize="11" fill="#475569">
          {day(days[0]!)}
        </text>
        {days.length > 1 && (
          <text x={x(days[days.length - 1]!)} y={H - 8} textAnchor="end" fontSize="11" fill="#475569">
            {day(days[days.length - 1]!)}
          </text>
        )}
        {variants.map((v, i) => {
          const mine = withLift.filter((p) => p.variant === v);
          const colour = COLOURS[i % COLOURS.length];
          const band = [...mine.map((p) => `${x(p.day).toFixed(1)},${y(p.lift.high).toFixed(1)}`), ...[...mine].reverse().map((p) => `${x(p.day).toFixed(1)},${y(p.lift.low).toFixed(1)}`)].join(' ');
          return (
            <g key={v} data-variant={v}>
              <polygon points={band} fill={colour} fillOpacity="0.15" />
              <polyline fill="none" stroke={colour} strokeWidth="2" points={mine.map((p) => `${x(p.day).toFixed(1)},${y(p.lift.value).toFixed(1)}`).join(' ')} />
              {mine.map((p) => (
                <circle key={p.day} cx={x(p.day)} cy={y(p.lift.value)} r="3" fill={colour}>
                  <title>{`${v}, visitors to ${day(p.day)}: ${format(p.lift.value)} (${format(p.lift.low)} to ${format(p.lift.high)})`}</title>
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
            {v} vs control
          </li>
        ))}
      </ul>
    </figure>
  );
}

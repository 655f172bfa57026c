import { METRICS } from '@/lib/experiments/report';
import { HEALTH_METRICS, type ShelfHealth, type Verdict } from '@/lib/experiments/health';

const VERDICT_STYLE: Record<Verdict, string> = {
  'model-ahead': 'border-emerald-300 bg-emerald-50 text-emerald-900',
  'no-difference': 'border-slate-300 bg-slate-50 text-slate-900',
  'model-behind': 'border-red-300 bg-red-50 text-red-900',
};
const VERDICT_TITLE: Record<Verdict, string> = { 'model-ahead': 'Model ahead', 'no-difference': 'No difference', 'model-behind': 'Model behind' };

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const signed = (v: number) => `${v >= 0 ? '+' : '−'}${(Math.abs(v) * 100).toFixed(1)}%`;
const shown = (m: (typeof HEALTH_METRICS)[number], v: number) => (METRICS[m].unit === 'gbp' ? `£${v.toFixed(2)}` : pct(v));

/** The two arms' click-through with their intervals, on one scale: the chart a verdict is read from. */
function CtrChart({ health }: { health: ShelfHealth }) {
  const arms = health.report.variants;
  const top = Math.max(0.0001, ...arms.map((a) => a.metrics.ctr.high));
  return (
    <svg role="img" aria-label={`Click-through by arm: ${arms.map((a) => `${a.variant} ${pct(a.metrics.ctr.value)}`).join(', ')}`} viewBox="0 0 320 56" className="mt-3 w-full max-w-md">
      {arms.map((a, i) => {
        const y = 8 + i * 24;
        const x = (v: number) => 70 + (Math.max(0, v) / top) * 240;
        const c = a.metrics.ctr;
        return (
          <g key={a.variant}>
            <text x="0" y={y + 10} fontSize="11" fill="#334155">
              {a.variant}
            </text>
            <rect x="70" y={y} width={x(c.value) - 70} height="14" fill={a.variant === 'model' ? '#0ea5e9' : '#94a3b8'} />
            <line x1={x(c.low)} x2={x(c.high)} y1={y + 7} y2={y + 7} stroke="#0f172a" strokeWidth="1.5" />
          </g>
        );
      })}
    </svg>
  );
}

export function ShelfHealthView({ health: h }: { health: ShelfHealth }) {
  return (
    <section aria-labelledby={`shelf-${h.placement}`} className="my-6 rounded-2xl border border-slate-200 p-4" data-testid="shelf-health" data-placement={h.placement} data-verdict={h.verdict} data-fallback={h.fallback}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={`shelf-${h.placement}`} className="text-lg font-bold">
          {h.title} <span className="text-sm font-normal text-slate-600">({h.placement})</span>
        </h2>
        <span className="flex flex-wrap gap-2 text-xs font-semibold">
          {h.fallback && (
            <span className="rounded-full bg-amber-100 px-2 py-0.5 text-amber-900" data-testid="fallback-badge">
              {h.pinned === 'baseline' ? 'Pinned to baseline' : `Fallen back: baseline for ${Math.round((1 - h.report.variants.find((v) => v.variant === 'model')!.weight) * 100)}%`}
            </span>
          )}
          {h.pinned === 'model' && <span className="rounded-full bg-slate-100 px-2 py-0.5">Pinned to model (no holdback)</span>}
          <span className="rounded-full bg-slate-100 px-2 py-0.5">
            epoch {h.state.epoch} · model {h.state.version}
          </span>
        </span>
      </div>
      <p className={`mt-3 rounded-lg border p-3 text-sm ${VERDICT_STYLE[h.verdict]}`} data-testid="verdict">
        <strong>{VERDICT_TITLE[h.verdict]}.</strong> {h.rule}
      </p>
      <CtrChart health={h} />
      <div className="mt-3 overflow-x-auto" tabIndex={0} role="region" aria-label="Arms of this shelf">
        <table className="w-full min-w-[560px] text-left text-sm">
          <thead>
            <tr className="border-b border-slate-200 text-slate-600">
              <th className="py-1 pr-3 font-medium">Arm</th>
              <th className="py-1 pr-3 font-medium">Visitors</th>
              <th className="py-1 pr-3 font-medium">Views</th>
              <th className="py-1 pr-3 font-medium">Clicks</th>
              {HEALTH_METRICS.map((m) => (
                <th key={m} className="py-1 pr-3 font-medium">
                  {METRICS[m].label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {h.report.variants.map((v) => (
              <tr key={v.variant} className="border-b border-slate-100 tabular-nums" data-testid="arm" data-arm={v.variant}>
                <td className="py-1 pr-3 font-semibold">
                  {v.variant} <span className="font-normal text-slate-500">{Math.round(v.weight * 1000) / 10}%</span>
                </td>
                <td className="py-1 pr-3">{v.visitors}</td>
                <td className="py-1 pr-3">{v.exposures}</td>
                <td className="py-1 pr-3">{v.clicks}</td>
                {HEALTH_METRICS.map((m) => (
                  <td key={m} className="py-1 pr-3">
                    {shown(m, v.metrics[m].value)}
                    {v.metrics[m].lift && <span className="block text-xs text-slate-600">lift {signed(v.metrics[m].lift!.value)} ({signed(v.metrics[m].lift!.low)} to {signed(v.metrics[m].lift!.high)})</span>}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="mt-2 text-xs text-slate-600">
        Since {new Date(h.state.since).toISOString().slice(0, 16).replace('T', ' ')} UTC: {h.state.reason || 'first readout'}.{' '}
        {h.report.srm.mismatch ? 'The split is off: check the assignment.' : `Split sound (sample-ratio p = ${h.report.srm.pValue.toFixed(2)}).`}
      </p>
    </section>
  );
}

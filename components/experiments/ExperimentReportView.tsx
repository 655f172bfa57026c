import type { ExperimentReport, VariantReport } from '@/lib/experiments/report';
import type { Interval } from '@/lib/experiments/stats';
import { TrendChart } from './TrendChart';

const pct = (v: number, digits = 1) => `${(v * 100).toFixed(digits)}%`;
const signed = (v: number) => `${v >= 0 ? '+' : '−'}${(Math.abs(v) * 100).toFixed(1)}%`;
const interval = (i: Interval, f: (v: number) => string) => `${f(i.low)} to ${f(i.high)}`;

function Rate({ r, n }: { r: VariantReport['ctr']; n: number }) {
  if (n === 0) return <span className="text-slate-500">no exposures yet</span>;
  return (
    <>
      <span className="font-semibold tabular-nums">{pct(r.rate, 2)}</span>
      <span className="block text-xs text-slate-600 tabular-nums">{interval(r, (v) => pct(v, 2))}</span>
    </>
  );
}

function LiftCell({ l, isControl }: { l: VariantReport['lift']['ctr']; isControl: boolean }) {
  if (isControl) return <span className="text-slate-500">control</span>;
  if (!l) return <span className="text-slate-500">not enough data</span>;
  const sure = l.low > 0 ? 'text-emerald-700' : l.high < 0 ? 'text-red-700' : '';
  return (
    <>
      <span className={`font-semibold tabular-nums ${sure}`}>{signed(l.lift)}</span>
      <span className="block text-xs text-slate-600 tabular-nums">{interval(l, signed)}</span>
    </>
  );
}

export function ExperimentReportView({ report }: { report: ExperimentReport }) {
  const { experiment: e, variants, srm, series } = report;
  const names = variants.map((v) => v.variant);
  return (
    <section aria-labelledby={`exp-${e.id}`} className="my-8 rounded-2xl border border-slate-200 p-4" data-testid="experiment-report" data-experiment={e.id}>
      <h2 id={`exp-${e.id}`} className="text-lg font-bold">
        {e.id} <span className="ml-2 rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium uppercase">{e.status}</span>
      </h2>
      <p className="text-slate-700">{e.question}</p>
      <div className="mt-3 overflow-x-auto">
        <table className="w-full min-w-[720px] text-left text-sm">
          <caption className="sr-only">Results per variant, with 95% confidence intervals</caption>
          <thead className="border-b border-slate-300 text-xs uppercase text-slate-600">
            <tr>
              <th className="py-2 pr-3">Variant</th>
              <th className="pr-3">Weight</th>
              <th className="pr-3">Exposures (visitors)</th>
              <th className="pr-3">Clicks</th>
              <th className="pr-3">CTR</th>
              <th className="pr-3">CTR lift</th>
              <th className="pr-3">Add-to-cart</th>
              <th className="pr-3">ATC lift</th>
              <th className="pr-3">Conversion</th>
              <th>Conversion lift</th>
            </tr>
          </thead>
          <tbody>
            {variants.map((v) => (
              <tr key={v.variant} className="border-b border-slate-100 align-top" data-testid="variant-row" data-variant={v.variant}>
                <th scope="row" className="py-2 pr-3 font-semibold">
                  {v.variant}
                </th>
                <td className="pr-3 tabular-nums">{v.weight}</td>
                <td className="pr-3 tabular-nums" data-testid="exposures">
                  {v.exposures.toLocaleString('en-GB')} ({v.exposedVisitors.toLocaleString('en-GB')})
                </td>
                <td className="pr-3 tabular-nums" data-testid="clicks">
                  {v.clicks.toLocaleString('en-GB')}
                </td>
                <td className="pr-3">
                  <Rate r={v.ctr} n={v.exposures} />
                </td>
                <td className="pr-3">
                  <LiftCell l={v.lift.ctr} isControl={v.isControl} />
                </td>
                <td className="pr-3">
                  <Rate r={v.addToCart} n={v.exposedVisitors} />
                </td>
                <td className="pr-3">
                  <LiftCell l={v.lift.addToCart} isControl={v.isControl} />
                </td>
                <td className="pr-3">
                  <Rate r={v.conversion} n={v.exposedVisitors} />
                </td>
                <td>
                  <LiftCell l={v.lift.conversion} isControl={v.isControl} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className={`mt-3 text-sm ${srm.mismatch ? 'font-semibold text-red-700' : 'text-slate-700'}`} data-testid="srm">
        Sample ratio: χ² = {srm.chiSquare.toFixed(2)} (df {srm.df}), p = {srm.pValue < 0.0001 ? srm.pValue.toExponential(1) : srm.pValue.toFixed(4)}.{' '}
        {srm.mismatch ? 'Mismatch: the split is not what the weights ask for; do not trust these results until it is explained.' : 'No mismatch detected (alarm at p < 0.001).'}
      </p>
      <div className="mt-4 grid gap-4 lg:grid-cols-2">
        <TrendChart title="Exposures" points={series.points} variants={names} bucketMs={series.bucketMs} value={(p) => p.exposures} format={(v) => String(Math.round(v))} />
        <TrendChart title="Click-through rate" points={series.points} variants={names} bucketMs={series.bucketMs} value={(p) => (p.exposures ? Math.min(1, p.clicks / p.exposures) : 0)} format={(v) => pct(v, 0)} />
      </div>
    </section>
  );
}

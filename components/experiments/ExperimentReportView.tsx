import type { MetricId } from '@/lib/config/schema';
import { guardrailsOf, METRIC_IDS, METRICS, type Bounds, type ExperimentReport } from '@/lib/experiments/report';
import { LiftChart } from './LiftChart';

const signed = (v: number) => `${v >= 0 ? '+' : '−'}${(Math.abs(v) * 100).toFixed(1)}%`;
const value = (m: MetricId, v: number) => (METRICS[m].unit === 'gbp' ? `£${v.toFixed(2)}` : METRICS[m].unit === 'ms' ? `${v.toFixed(1)} ms` : `${(v * 100).toFixed(2)}%`);

const DECISION_STYLE: Record<ExperimentReport['decision']['kind'], string> = {
  winner: 'border-emerald-300 bg-emerald-50 text-emerald-900',
  'keep-control': 'border-amber-300 bg-amber-50 text-amber-900',
  'no-effect': 'border-slate-300 bg-slate-50 text-slate-900',
  'keep-running': 'border-sky-300 bg-sky-50 text-sky-900',
  'check-split': 'border-red-300 bg-red-50 text-red-900',
};
const DECISION_TITLE: Record<ExperimentReport['decision']['kind'], string> = {
  winner: 'A variant wins',
  'keep-control': 'Keep control',
  'no-effect': 'No effect big enough to matter',
  'keep-running': 'Keep running',
  'check-split': 'Check the split',
};

function Lift({ l, m }: { l: Bounds | null; m: MetricId }) {
  if (!l) return <span className="block text-xs text-slate-500">lift: not enough data</span>;
  const better = METRICS[m].better === 'higher' ? l.low > 0 : l.high < 0;
  const worse = METRICS[m].better === 'higher' ? l.high < 0 : l.low > 0;
  return (
    <span className={`block text-xs tabular-nums ${better ? 'font-semibold text-emerald-700' : worse ? 'font-semibold text-red-700' : 'text-slate-700'}`} data-testid="lift">
      lift {signed(l.value)} ({signed(l.low)} to {signed(l.high)})
    </span>
  );
}

export function ExperimentReportView({ report }: { report: ExperimentReport }) {
  const { experiment: e, srm, guardrails, planning, series } = report;
  const primary = METRICS[planning.primary];
  return (
    <section aria-labelledby={`exp-${e.id}`} className="my-8 rounded-2xl border border-slate-200 p-4" data-testid="experiment-report" data-experiment={e.id}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={`exp-${e.id}`} className="text-lg font-bold">
          {e.id} <span className="ml-2 rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium uppercase">{e.status}</span>
        </h2>
        <span className="flex gap-3 text-sm">
          <a className="underline" href={`/admin/experiments/${e.id}/report.json`}>
            report.json
          </a>
          <a className="underline" href={`/admin/experiments/${e.id}/report.csv`}>
            CSV
          </a>
        </span>
      </div>
      <p className="text-slate-700">{e.question}</p>

      <DecisionBox report={report} />

      <MetricsTable report={report} />

      <p className="mt-3 text-sm" data-testid="guardrails">
        <strong>Guardrails</strong> ({guardrailsOf(e).map((m) => METRICS[m].label.toLowerCase()).join(', ')}):{' '}
        {guardrails.length === 0 ? (
          'no variant makes them worse.'
        ) : (
          <span className="font-semibold text-red-700">
            {guardrails.map((g) => `${g.variant} makes ${METRICS[g.metric].label.toLowerCase()} worse${g.lift ? ` (${signed(g.lift.low)} to ${signed(g.lift.high)})` : ''}`).join('; ')}.
          </span>
        )}
      </p>
      <p className={`mt-1 text-sm ${srm.mismatch ? 'font-semibold text-red-700' : 'text-slate-700'}`} data-testid="srm">
        Sample ratio: χ² = {srm.chiSquare.toFixed(2)} (df {srm.df}), p = {srm.pValue < 0.0001 ? srm.pValue.toExponential(1) : srm.pValue.toFixed(4)}.{' '}
        {srm.mismatch ? 'Mismatch: the split is not what the weights ask for; do not trust these results until it is explained.' : 'No mismatch detected (alarm at p < 0.001).'}
      </p>
      {report.capped && (
        <p className="mt-1 text-sm text-slate-700" data-testid="capped" data-revenue-capped={report.capped.revenueCappedVisitors} data-exposures-capped={report.capped.exposuresCappedVisitors} data-clicks-capped={report.capped.clicksCappedVisitors}>
          Per-visitor caps before the sums: revenue at {report.capped.revenueCapPence === null ? 'no cap yet (no purchaser)' : `£${(report.capped.revenueCapPence / 100).toFixed(2)}, three times the purchasers' 90th percentile`} ({report.capped.revenueCappedVisitors} visitors cut to it); shelf views at{' '}
          {report.capped.exposuresCap === null ? 'no cap yet' : `${report.capped.exposuresCap}, three times the visitors' 90th percentile`} ({report.capped.exposuresCappedVisitors} visitors cut); clicks at{' '}
          {report.capped.clicksCap === null ? 'most views' : `${report.capped.clicksCap} and at most views`} ({report.capped.clicksCappedVisitors} visitors cut).
        </p>
      )}
      <LeftOutLine report={report} />
      <div className="mt-4">
        <LiftChart title={`${primary.label}: lift over control as visitors accrued`} points={series} format={signed} />
      </div>
    </section>
  );
}

const LEFT_OUT_WHY: Record<ExperimentReport['leftOut'][number]['reason'], string> = {
  'new-visitor-limit': 'new visitor ids past their address\'s allowance',
  'entry-limit': 'ids older than an hour entering past their address\'s allowance (a stockpile)',
};
const REFUSED_WHY: Record<ExperimentReport['refused'][number]['reason'], string> = {
  'unsigned-visitor': 'no visitor id this store signed',
  'implausible-order': 'implausible orders',
  'unknown-product': 'products the store does not sell',
  'unknown-experiment': 'experiments not in the config',
  'no-lines': 'orders without lines',
};

/** Who the readout did not count and why: it must say what it never saw (issue 24). */
function LeftOutLine({ report }: { report: ExperimentReport }) {
  const visitors = report.leftOut.reduce((a, l) => a + l.visitors, 0);
  const refused = report.refused.reduce((a, r) => a + r.events, 0);
  return (
    <p className="mt-1 text-sm text-slate-700" data-testid="left-out" data-visitors={visitors} data-refused-events={refused}>
      Not counted:{' '}
      {visitors === 0 ? 'no visitor left out' : report.leftOut.map((l) => `${l.visitors.toLocaleString('en-GB')} visitors (${l.events.toLocaleString('en-GB')} events) with ${LEFT_OUT_WHY[l.reason]}`).join('; ')}
      ; refused at the door since the first view: {refused === 0 ? 'no events' : report.refused.map((r) => `${r.events.toLocaleString('en-GB')} events (${r.requests.toLocaleString('en-GB')} requests) with ${REFUSED_WHY[r.reason]}`).join('; ')}.
    </p>
  );
}

/** The decision, its rule, and what today's traffic can detect. */
function DecisionBox({ report }: { report: ExperimentReport }) {
  const { decision, planning } = report;
  const primary = METRICS[planning.primary];
  return (
  <div className={`mt-3 rounded-lg border p-3 ${DECISION_STYLE[decision.kind]}`} data-testid="decision" data-kind={decision.kind}>
    <p className="font-semibold">{DECISION_TITLE[decision.kind]}</p>
    <p className="text-sm" data-testid="decision-rule">
      {decision.rule}
    </p>
    <p className="mt-1 text-xs" data-testid="planning">
      Decided on {primary.label.toLowerCase()}; smallest effect worth finding ±{(planning.minimumEffect * 100).toFixed(0)}%.{' '}
      {planning.detectableToday === null
        ? 'Not enough data to say what can be detected yet.'
        : decision.kind !== 'keep-running'
          ? `Decided: these intervals hold at every look, so the decision stands (today they tell lifts beyond ±${(planning.detectableToday * 100).toFixed(1)}% from zero).`
          : `Today the interval can tell lifts beyond ±${(planning.detectableToday * 100).toFixed(1)}% from zero, at ${Math.round(planning.visitorsPerDay).toLocaleString('en-GB')} visitors a day; ${
              planning.daysNeeded === null ? 'the declared effect cannot be resolved at this traffic.' : planning.daysNeeded === 0 ? 'enough to resolve the declared effect.' : `about ${planning.daysNeeded.toLocaleString('en-GB')} more day${planning.daysNeeded === 1 ? '' : 's'} to resolve ±${(planning.minimumEffect * 100).toFixed(0)}%.`
            }`}
    </p>
  </div>
  );
}

/** Every metric per variant: value, always-valid interval, lift over control. */
function MetricsTable({ report }: { report: ExperimentReport }) {
  const { variants, planning } = report;
  return (
  <div className="mt-3 overflow-x-auto">
    <table className="w-full min-w-[640px] text-left text-sm">
      <caption className="sr-only">Metrics per exposed visitor, each with an always-valid 95% interval, and the lift over control</caption>
      <thead className="border-b border-slate-300 text-xs uppercase text-slate-600">
        <tr>
          <th className="py-2 pr-3">Metric</th>
          {variants.map((v) => (
            <th key={v.variant} className="pr-3" data-testid="variant-head" data-variant={v.variant}>
              {v.variant} {v.isControl ? '(control)' : ''}
              {v.model && (
                <span className="block font-mono font-normal normal-case" data-testid="variant-model">
                  model {v.model}
                </span>
              )}
              <span className="block font-normal normal-case tabular-nums" data-testid="visitors">
                {v.visitors.toLocaleString('en-GB')} visitors · weight {v.weight}
              </span>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {METRIC_IDS.map((m) => (
          <tr key={m} className="border-b border-slate-100 align-top" data-testid="metric-row" data-metric={m}>
            <th scope="row" className="py-2 pr-3 font-semibold">
              {METRICS[m].label}
              {m === planning.primary && <span className="ml-1 rounded bg-slate-800 px-1 text-[10px] font-medium text-white">primary</span>}
              {report.guardrails.some((g) => g.metric === m) && <span className="ml-1 rounded bg-red-700 px-1 text-[10px] font-medium text-white">guardrail</span>}
            </th>
            {variants.map((v) => {
              const x = v.metrics[m];
              return (
                <td key={v.variant} className="py-2 pr-3" data-variant={v.variant}>
                  {v.visitors === 0 ? (
                    <span className="text-slate-500">no visitors yet</span>
                  ) : (
                    <>
                      <span className="font-semibold tabular-nums" data-testid="value">
                        {value(m, x.value)}
                      </span>
                      <span className="block text-xs text-slate-600 tabular-nums">
                        {value(m, Math.max(0, x.low))} to {value(m, x.high)}
                      </span>
                      {!v.isControl && <Lift l={x.lift} m={m} />}
                    </>
                  )}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  </div>
  );
}

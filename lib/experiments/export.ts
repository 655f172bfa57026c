/**
 * The readout as files: report.json for scripts and notebooks, a CSV of the same numbers for a spreadsheet.
 * Pure: the route reads the report, these write it.
 */
import { METRIC_IDS, type Bounds, type ExperimentReport } from './report';
import { ALPHA, PLANNED_VISITORS } from './stats';

const finite = (v: number) => (Number.isFinite(v) ? v : null);
const three = (b: Bounds) => ({ value: finite(b.value), low: finite(b.low), high: finite(b.high) });

export function reportJson(r: ExperimentReport, generatedAt = new Date()) {
  return {
    experiment: r.experiment.id,
    kind: r.experiment.kind,
    question: r.experiment.question,
    status: r.experiment.status,
    generatedAt: generatedAt.toISOString(),
    method: {
      unit: 'visitor',
      intervals: `always-valid ${Math.round((1 - ALPHA) * 100)}% asymptotic confidence sequences (Waudby-Smith et al. 2023), tuned for ${PLANNED_VISITORS} visitors`,
      ratioMetrics: 'delta method',
      money: 'GBP, priced by the server from its catalogue',
    },
    primaryMetric: r.planning.primary,
    minimumEffect: r.planning.minimumEffect,
    variants: r.variants.map((v) => ({
      variant: v.variant,
      control: v.isControl,
      weight: v.weight,
      ...(v.model ? { model: v.model } : {}),
      visitors: v.visitors,
      metrics: Object.fromEntries(METRIC_IDS.map((m) => [m, { ...three(v.metrics[m]), lift: v.metrics[m].lift ? three(v.metrics[m].lift!) : null }])),
    })),
    srm: { pValue: r.srm.pValue, chiSquare: r.srm.chiSquare, df: r.srm.df, mismatch: r.srm.mismatch },
    guardrails: r.guardrails.map((g) => ({ variant: g.variant, metric: g.metric, lift: g.lift ? three(g.lift) : null })),
    decision: r.decision,
    planning: { detectableToday: r.planning.detectableToday, visitorsPerDay: r.planning.visitorsPerDay, daysNeeded: r.planning.daysNeeded },
    /** What the per-visitor caps cut before the sums (lib/events/store.ts): the revenue cap in pence, and how many visitors each cap cut. */
    capped: r.capped,
    /** Visitors stored but not counted, by reason, with their events; and events refused at the door since the first exposure. */
    leftOut: r.leftOut,
    refused: r.refused,
  };
}

const cell = (v: string | number | null | undefined) => {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const CSV_COLUMNS = ['experiment', 'variant', 'control', 'visitors', 'metric', 'value', 'low', 'high', 'lift', 'lift_low', 'lift_high', 'srm_p', 'decision'] as const;

/** One row per variant and metric; the experiment's SRM p-value and decision repeated on each (a flat file). */
export function reportCsv(r: ExperimentReport): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const v of r.variants) {
    for (const m of METRIC_IDS) {
      const x = v.metrics[m];
      rows.push([r.experiment.id, v.variant, v.isControl ? 'yes' : 'no', v.visitors, m, x.value, x.low, x.high, x.lift?.value, x.lift?.low, x.lift?.high, r.srm.pValue, r.decision.kind].map(cell).join(','));
    }
  }
  return `${rows.join('\n')}\n`;
}

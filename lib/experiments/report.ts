/**
 * One experiment's readout from the store's per-visitor sums: every metric per exposed visitor with an
 * always-valid 95% interval and a lift interval against control, the guardrails, the sample-ratio check,
 * the decision and the rule behind it, and what today's traffic can detect. Pure, so it is tested (and
 * simulated) without a store.
 */
import { METRIC_IDS, type Experiment, type MetricId } from '../config/schema';
import { RANK_MS_CAP, SUM_NAMES, type ArmSums, type Capped, type ExperimentCounts, type LeftOut, type Refused, type SumName } from '../events/store';
import {
  liftEstimate,
  meanEstimate,
  ratioEstimate,
  sampleRatioMismatch,
  sequentialHalfWidth,
  sequentialInterval,
  visitorsToResolve,
  type Estimate,
  type SampleRatioCheck,
} from './stats';

export interface MetricDefinition {
  /** The estimate from one arm's sums (lib/events/store.ts ARM_SUMS). Money in pounds. */
  estimate: (s: Sums) => Estimate;
  label: string;
  /** How the value is written: a share, pounds, or milliseconds. */
  unit: 'share' | 'gbp' | 'ms';
  /** Which way is better: a guardrail is flagged when a variant is confidently worse. */
  better: 'higher' | 'lower';
  /** What it is, for the dashboard's footnote. */
  definition: string;
}

type Sums = Omit<ArmSums, 'variant'>;
const ratioOf = (s: Sums, num: 'clicks' | 'fallbacks') =>
  ratioEstimate({ n: s.visitors, num: s[num], den: s.exposures, numSq: s[`${num}Sq`], denSq: s.exposuresSq, cross: num === 'clicks' ? s.exposuresClicks : s.fallbacksExposures });
// Over the visitors the device ranked for (the others have no ranking time to average).
const rankTime = (s: Sums) => ratioEstimate({ n: s.visitors, num: s.rankMs, den: s.deviceRanked, numSq: s.rankMsSq, denSq: s.deviceRankedSq, cross: s.deviceRankedRankMs });
const share = (s: Sums, k: 'added' | 'purchased') => meanEstimate({ n: s.visitors, sum: s[k], sumSq: s[k] });
const pounds = (s: Sums, k: 'revenuePence' | 'recRevenuePence') => meanEstimate({ n: s.visitors, sum: s[k] / 100, sumSq: s[`${k}Sq`] / 10_000 });

/** Every metric a readout shows: how it is estimated from the sums, and how it is written. One row each. */
export const METRICS: Record<MetricId, MetricDefinition> = {
  ctr: { estimate: (s) => ratioOf(s, 'clicks'), label: 'Click-through', unit: 'share', better: 'higher', definition: 'shelf clicks ÷ shelf views, summed per visitor (a ratio metric; delta-method variance)' },
  addToCart: { estimate: (s) => share(s, 'added'), label: 'Add-to-cart', unit: 'share', better: 'higher', definition: 'exposed visitors who added anything to the cart after their first exposure' },
  conversion: { estimate: (s) => share(s, 'purchased'), label: 'Conversion', unit: 'share', better: 'higher', definition: 'exposed visitors who ordered after their first exposure' },
  revenuePerVisitor: { estimate: (s) => pounds(s, 'revenuePence'), label: 'Revenue per visitor', unit: 'gbp', better: 'higher', definition: 'order revenue after the first exposure ÷ exposed visitors, priced by the server from its catalogue' },
  recRevenuePerVisitor: { estimate: (s) => pounds(s, 'recRevenuePence'), label: 'Recommendation revenue per visitor', unit: 'gbp', better: 'higher', definition: 'revenue of order lines the visitor had clicked on a shelf first ÷ exposed visitors' },
  fallbackRate: { estimate: (s) => ratioOf(s, 'fallbacks'), label: 'Shelf fallback rate', unit: 'share', better: 'lower', definition: 'shelf views served by a fallback (the device failed, or the static list) ÷ shelf views' },
  deviceRankMs: {
    estimate: rankTime,
    label: 'Device ranking time',
    unit: 'ms',
    better: 'lower',
    definition: `milliseconds a shelf's ranking took on the shopper's device (tower run and ranking, not the download), per shelf view ranked there; each view counts at most ${RANK_MS_CAP / 1000} s`,
  },
};
export { METRIC_IDS };
/** Watched in every experiment, whatever it optimises: a variant must not break the shelves or cost revenue. */
export const GUARDRAILS: MetricId[] = ['fallbackRate', 'revenuePerVisitor'];

/** What a readout reads: an experiment, or a shelf's standing holdback (lib/experiments/health.ts), which has the same parts. */
export type ReadoutSubject = Omit<Experiment, 'kind'> & { kind: Experiment['kind'] | 'holdback' };

/** An experiment's guardrails: a model experiment's variant must not make the device slower either. */
export function guardrailsOf(experiment: Pick<ReadoutSubject, 'kind'>): MetricId[] {
  return experiment.kind === 'model' ? [...GUARDRAILS, 'deviceRankMs'] : GUARDRAILS;
}

export interface Bounds {
  value: number;
  low: number;
  high: number;
}

export interface VariantReport {
  variant: string;
  isControl: boolean;
  weight: number;
  /** A model experiment's arm: the version its shelves rank with. */
  model?: string;
  visitors: number;
  exposures: number;
  clicks: number;
  metrics: Record<MetricId, Bounds & { lift: Bounds | null }>;
}

export type Decision =
  | { kind: 'check-split'; rule: string }
  | { kind: 'winner'; variant: string; rule: string }
  | { kind: 'keep-control'; rule: string }
  | { kind: 'no-effect'; rule: string }
  | { kind: 'keep-running'; rule: string };

export interface GuardrailFlag {
  variant: string;
  metric: MetricId;
  /** Null when control is at zero (no relative lift). */
  lift: Bounds | null;
}

export interface Planning {
  primary: MetricId;
  /** The smallest relative lift the experiment wants to detect (its config). */
  minimumEffect: number;
  /** The half-width of today's lift interval: lifts smaller than this cannot be told from zero yet. */
  detectableToday: number | null;
  visitorsPerDay: number;
  /** Days until the interval is narrow enough to resolve the declared effect; 0 once it is, null without data. */
  daysNeeded: number | null;
}

export interface SeriesPoint {
  /** Start of the day (UTC, ms) of the visitors' first exposure: the lift of everyone who had entered by then. */
  day: number;
  variant: string;
  visitors: number;
  lift: Bounds | null;
}

export interface ExperimentReport<E extends ReadoutSubject = Experiment> {
  experiment: E;
  variants: VariantReport[];
  srm: SampleRatioCheck;
  guardrails: GuardrailFlag[];
  decision: Decision;
  planning: Planning;
  series: SeriesPoint[];
  /** What the per-visitor caps cut before the sums (lib/events/store.ts): shown beside the readout. */
  capped: Capped | null;
  /** Visitors whose events are stored but not counted here, and why (ids minted over an address's allowance). */
  leftOut: LeftOut[];
  /** Events refused at the door since the experiment's first exposure, and why (no signed visitor, implausible orders). */
  refused: Refused[];
}

const DAY = 86_400_000;

export const ZERO_SUMS: Sums = { visitors: 0, ...(Object.fromEntries(SUM_NAMES.map((k) => [k, 0])) as Record<SumName, number>), firstAt: Infinity };

export function addSums(a: Sums, b: Sums): Sums {
  const out = { ...a, visitors: a.visitors + b.visitors, firstAt: Math.min(a.firstAt, b.firstAt) };
  for (const k of SUM_NAMES) out[k] = a[k] + b[k];
  return out;
}

/** The estimate of one metric from one arm's sums. Money in pounds. */
export const estimate = (metric: MetricId, s: Sums): Estimate => METRICS[metric].estimate(s);

const bounds = (e: Estimate): Bounds => ({ value: e.value, ...sequentialInterval(e) });

/** One sum per variant from the store's per-day rows. */
export function armTotals(byDay: readonly (ArmSums & { day: number })[]): ArmSums[] {
  const sums = new Map<string, ArmSums>();
  for (const row of byDay) {
    const prev = sums.get(row.variant);
    sums.set(row.variant, { ...addSums(prev ?? ZERO_SUMS, row), variant: row.variant });
  }
  return [...sums.values()];
}

/**
 * The readout. The store's sums come per variant and day of first exposure, so the chart can show the lift
 * as it accrued; `now` sets the traffic rate for the days-needed figure.
 */
export function buildReport<E extends ReadoutSubject>(experiment: E, counts: ExperimentCounts, now = Date.now()): ExperimentReport<E> {
  const byDay = counts.byDay;
  const arms = armTotals(byDay);
  const sums = new Map(arms.map((a) => [a.variant, a]));
  const total = (id: string) => ({ ...ZERO_SUMS, ...sums.get(id) });
  const control = total(experiment.control);
  const variants = experiment.variants.map((v): VariantReport => {
    const s = total(v.id);
    const isControl = v.id === experiment.control;
    const metrics = Object.fromEntries(
      METRIC_IDS.map((m) => {
        const e = estimate(m, s);
        const lift = isControl ? null : liftEstimate(e, estimate(m, control));
        return [m, { ...bounds(e), lift: lift ? bounds(lift) : null }];
      }),
    ) as VariantReport['metrics'];
    return { variant: v.id, isControl, weight: v.weight, ...(v.model ? { model: v.model } : {}), visitors: s.visitors, exposures: s.exposures, clicks: s.clicks, metrics };
  });
  const srm = sampleRatioMismatch(
    variants.map((v) => v.visitors),
    variants.map((v) => v.weight),
  );
  const guardrails: GuardrailFlag[] = [];
  const controlReport = variants.find((v) => v.isControl);
  for (const v of variants) {
    if (v.isControl || !controlReport) continue;
    for (const m of guardrailsOf(experiment)) {
      const { lift, low, high } = v.metrics[m];
      const c = controlReport.metrics[m];
      // No relative lift while control is at zero (no fallbacks at all, say): then the variant's own interval
      // lying wholly on the worse side of control's is the flag.
      const worse = lift ? (METRICS[m].better === 'higher' ? lift.high < 0 : lift.low > 0) : METRICS[m].better === 'higher' ? high < c.low : low > c.high;
      if (worse) guardrails.push({ variant: v.variant, metric: m, lift });
    }
  }
  const planning = plan(experiment, variants, total, arms, now);
  return { experiment, variants, srm, guardrails, decision: decide(experiment, variants, srm, guardrails), planning, series: series(experiment, byDay), capped: counts.capped ?? null, leftOut: counts.leftOut ?? [], refused: counts.refused ?? [] };
}

const pct = (x: number) => `${(x * 100).toFixed(x !== 0 && Math.abs(x) < 0.1 ? 1 : 0)}%`;

/** A lift turned so that above zero is better: a lower-is-better metric's (fallbacks, ranking time) is negated. */
function improvement(lift: Bounds, better: MetricDefinition['better']): Bounds {
  return better === 'higher' ? lift : { value: -lift.value, low: -lift.high, high: -lift.low };
}

/**
 * The rule, in the order it is applied: a broken split first (no conclusion can be trusted); then a variant
 * whose primary improvement interval lies above zero with no guardrail flagged wins (the largest if several);
 * control is kept when every variant's interval lies below zero or a winner candidate trips a guardrail;
 * "no effect big enough to matter" when every interval lies inside ± the declared minimum effect; otherwise
 * keep running. The improvement is the lift where higher is better and the lift negated where lower is (a
 * fallback rate that falls improves), so any metric can be primary. The intervals are always valid, so this
 * may be read any day.
 */
export function decide(experiment: ReadoutSubject, variants: VariantReport[], srm: SampleRatioCheck, guardrails: GuardrailFlag[]): Decision {
  const m = experiment.primaryMetric;
  const effect = experiment.minimumEffect;
  const { better } = METRICS[m];
  const label = METRICS[m].label.toLowerCase();
  // What the interval says in words, and the side of zero that is better.
  const named = better === 'higher' ? `${label} lift` : `${label} change (lower is better)`;
  const range = (b: Bounds) => (better === 'higher' ? `${pct(b.low)} to ${pct(b.high)}` : `${pct(-b.high)} to ${pct(-b.low)}`);
  if (srm.mismatch) return { kind: 'check-split', rule: `The split between variants is off (sample-ratio test p = ${srm.pValue.toExponential(1)} < 0.001): fix the assignment before reading any result.` };
  const others = variants.filter((v) => !v.isControl);
  const lifts = others.map((v) => ({ v, lift: v.metrics[m].lift }));
  if (lifts.some((l) => l.lift === null)) return { kind: 'keep-running', rule: `Keep running: no ${label} in control yet, so no change can be measured.` };
  const gains = lifts.map((l) => ({ v: l.v, gain: improvement(l.lift!, better) }));
  const flagged = new Set(guardrails.map((g) => g.variant));
  const winners = gains.filter((g) => g.gain.low > 0).sort((a, b) => b.gain.value - a.gain.value);
  const clean = winners.filter((w) => !flagged.has(w.v.variant));
  const side = better === 'higher' ? 'above' : 'below';
  if (clean.length > 0) {
    const w = clean[0]!;
    return { kind: 'winner', variant: w.v.variant, rule: `${w.v.variant} wins: its ${named} interval (${range(w.gain)}) lies ${side} zero, and no guardrail is worse.` };
  }
  if (winners.length > 0) return { kind: 'keep-control', rule: `Keep ${experiment.control}: ${winners[0]!.v.variant} improves ${label} but makes a guardrail worse.` };
  if (gains.every((g) => g.gain.high < 0)) return { kind: 'keep-control', rule: `Keep ${experiment.control}: every variant's ${named} interval lies on the worse side of zero.` };
  if (gains.every((g) => g.gain.low > -effect && g.gain.high < effect))
    return { kind: 'no-effect', rule: `No effect big enough to matter: every ${named} interval lies within ±${pct(effect)}, the smallest effect this experiment declared worth finding.` };
  return { kind: 'keep-running', rule: `Keep running: the ${named} intervals still include zero and effects of ±${pct(effect)} or more.` };
}

function plan(experiment: ReadoutSubject, variants: VariantReport[], total: (variant: string) => Omit<ArmSums, 'variant'>, arms: ArmSums[], now: number): Planning {
  const m = experiment.primaryMetric;
  const control = estimate(m, total(experiment.control));
  const all = arms.reduce((a, b) => addSums(a, b), ZERO_SUMS);
  const days = all.visitors > 0 ? Math.max(1, (now - all.firstAt) / DAY) : 0;
  const visitorsPerDay = days > 0 ? all.visitors / days : 0;
  // The widest lift among the variants: the decision waits for the slowest one.
  let detectableToday: number | null = null;
  let needed = 0;
  for (const v of variants) {
    if (v.isControl) continue;
    const lift = liftEstimate(estimate(m, total(v.variant)), control);
    if (!lift) return { primary: m, minimumEffect: experiment.minimumEffect, detectableToday: null, visitorsPerDay, daysNeeded: null };
    detectableToday = Math.max(detectableToday ?? 0, sequentialHalfWidth(lift.variance, lift.n));
    // The arms grow together: the visitors both arms need, scaled to the whole experiment's traffic.
    const share = lift.n / Math.max(all.visitors, 1);
    needed = Math.max(needed, visitorsToResolve(lift, experiment.minimumEffect) / share);
  }
  const daysNeeded = detectableToday === null || visitorsPerDay === 0 ? null : Number.isFinite(needed) ? Math.max(0, Math.ceil((needed - all.visitors) / visitorsPerDay)) : null;
  return { primary: m, minimumEffect: experiment.minimumEffect, detectableToday, visitorsPerDay, daysNeeded };
}

/** The primary metric's lift as visitors accrued, day by day (cumulative over days of first exposure). */
function series(experiment: ReadoutSubject, byDay: (ArmSums & { day: number })[]): SeriesPoint[] {
  const days = [...new Set(byDay.map((r) => r.day))].sort((a, b) => a - b);
  const cum = new Map<string, Omit<ArmSums, 'variant'>>();
  const out: SeriesPoint[] = [];
  for (const day of days) {
    for (const r of byDay.filter((x) => x.day === day)) cum.set(r.variant, addSums(cum.get(r.variant) ?? ZERO_SUMS, r));
    const c = cum.get(experiment.control) ?? ZERO_SUMS;
    for (const v of experiment.variants) {
      if (v.id === experiment.control) continue;
      const s = cum.get(v.id) ?? ZERO_SUMS;
      const lift = liftEstimate(estimate(experiment.primaryMetric, s), estimate(experiment.primaryMetric, c));
      out.push({ day, variant: v.id, visitors: s.visitors + c.visitors, lift: lift ? bounds(lift) : null });
    }
  }
  return out;
}

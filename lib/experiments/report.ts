/**
 * One experiment's dashboard numbers from the store's counts: rates with 95% intervals, lift versus
 * control, the sample-ratio check, and the series for the chart. Pure, so it is tested without a store.
 */
import type { Experiment } from '../config/schema';
import type { ExperimentCounts, SeriesPoint } from '../events/store';
import { relativeLift, sampleRatioMismatch, wilson, type Lift, type Proportion, type SampleRatioCheck } from './stats';

export interface VariantReport {
  variant: string;
  isControl: boolean;
  weight: number;
  exposures: number;
  exposedVisitors: number;
  clicks: number;
  /** Clicks per exposure. */
  ctr: Proportion;
  /** Exposed visitors who added something to the cart afterwards. */
  addToCart: Proportion;
  /** Exposed visitors who placed an order afterwards. */
  conversion: Proportion;
  /** Versus control; null for the control itself and while either side has no successes. */
  lift: { ctr: Lift | null; addToCart: Lift | null; conversion: Lift | null };
}

export interface ExperimentReport {
  experiment: Experiment;
  variants: VariantReport[];
  srm: SampleRatioCheck;
  /** Chart buckets: hours for short experiments, days once the data spans more than three days. */
  series: { bucketMs: number; points: SeriesPoint[] };
}

const DAY = 86_400_000;

export function buildReport(experiment: Experiment, counts: ExperimentCounts): ExperimentReport {
  const byId = new Map(counts.variants.map((v) => [v.variant, v]));
  const zero = { exposures: 0, exposedVisitors: 0, clicks: 0, addToCartVisitors: 0, purchaseVisitors: 0 };
  const c = { ...zero, ...byId.get(experiment.control) };
  const variants = experiment.variants.map((v): VariantReport => {
    const x = { ...zero, ...byId.get(v.id) };
    const isControl = v.id === experiment.control;
    return {
      variant: v.id,
      isControl,
      weight: v.weight,
      exposures: x.exposures,
      exposedVisitors: x.exposedVisitors,
      clicks: x.clicks,
      ctr: wilson(Math.min(x.clicks, x.exposures), x.exposures),
      addToCart: wilson(x.addToCartVisitors, x.exposedVisitors),
      conversion: wilson(x.purchaseVisitors, x.exposedVisitors),
      lift: isControl
        ? { ctr: null, addToCart: null, conversion: null }
        : {
            ctr: relativeLift(Math.min(x.clicks, x.exposures), x.exposures, Math.min(c.clicks, c.exposures), c.exposures),
            addToCart: relativeLift(x.addToCartVisitors, x.exposedVisitors, c.addToCartVisitors, c.exposedVisitors),
            conversion: relativeLift(x.purchaseVisitors, x.exposedVisitors, c.purchaseVisitors, c.exposedVisitors),
          },
    };
  });
  const srm = sampleRatioMismatch(
    variants.map((v) => v.exposedVisitors),
    variants.map((v) => v.weight),
  );
  return { experiment, variants, srm, series: rebucket(counts.hourly) };
}

function rebucket(hourly: SeriesPoint[]): ExperimentReport['series'] {
  const span = hourly.length ? hourly[hourly.length - 1]!.hour - hourly[0]!.hour : 0;
  if (span <= 3 * DAY) return { bucketMs: 3_600_000, points: hourly };
  const days = new Map<string, SeriesPoint>();
  for (const p of hourly) {
    const day = Math.floor(p.hour / DAY) * DAY;
    const key = `${p.variant}@${day}`;
    const d = days.get(key) ?? { hour: day, variant: p.variant, exposures: 0, clicks: 0 };
    d.exposures += p.exposures;
    d.clicks += p.clicks;
    days.set(key, d);
  }
  return { bucketMs: DAY, points: [...days.values()].sort((a, b) => a.hour - b.hour) };
}

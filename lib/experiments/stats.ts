/**
 * The statistics the experiments dashboard shows. Pure math, checked against worked examples and by
 * simulation (stats.test.ts).
 *
 * - The unit is the visitor, because visitors are what is randomised. Per-visitor means (add-to-cart,
 *   conversion, revenue) use the visitors' own variance; click-through is a ratio of two per-visitor sums
 *   (clicks ÷ exposures) whose variance comes from the delta method (Deng, Knoblich and Lu, "Applying the
 *   Delta Method in Metric Analytics", KDD 2018), so a visitor's ten correlated page views count as one
 *   visitor, not ten independent trials.
 * - Every interval is always valid: an asymptotic confidence sequence (Waudby-Smith, Arnold, Wu, Wang and
 *   Ramdas, "Time-uniform central limit theory and asymptotic confidence sequences", 2023; the method
 *   GrowthBook's sequential testing uses), so a marketer may look every day and stop at any look without
 *   raising the false-winner rate above α.
 * - Distribution functions come from jStat, not hand-written special functions.
 */
import jStat from 'jstat';

export const ALPHA = 0.05;
/** Visitors (both arms together) the confidence sequence is tightest at: about a month of a small store's traffic. */
export const PLANNED_VISITORS = 5000;

export interface Interval {
  low: number;
  high: number;
}

/** A point estimate with its variance (the square of its standard error) and the visitors behind it. */
export interface Estimate {
  value: number;
  variance: number;
  n: number;
}

/** Sums over one arm's visitors of a per-visitor quantity y: Σy and Σy². */
export interface MeanSums {
  n: number;
  sum: number;
  sumSq: number;
}

/** Sums over one arm's visitors of a numerator y and a denominator x: Σy, Σx, Σy², Σx², Σxy. */
export interface RatioSums {
  n: number;
  num: number;
  den: number;
  numSq: number;
  denSq: number;
  cross: number;
}

/** The mean of a per-visitor quantity, and the variance of that mean. */
export function meanEstimate(s: MeanSums): Estimate {
  if (s.n <= 0) return { value: 0, variance: 0, n: 0 };
  const m = s.sum / s.n;
  const sampleVar = s.n > 1 ? Math.max(0, (s.sumSq - s.n * m * m) / (s.n - 1)) : 0;
  return { value: m, variance: sampleVar / s.n, n: s.n };
}

/**
 * Σy ÷ Σx over visitors, with the delta method's variance:
 * Var(ȳ/x̄) ≈ (s²_y − 2R·s_xy + R²·s²_x) / (n·x̄²).
 */
export function ratioEstimate(s: RatioSums): Estimate {
  if (s.n <= 0 || s.den <= 0) return { value: 0, variance: 0, n: Math.max(s.n, 0) };
  const n = s.n;
  const r = s.num / s.den;
  const mx = s.den / n;
  const my = s.num / n;
  const d = Math.max(n - 1, 1);
  const varY = (s.numSq - n * my * my) / d;
  const varX = (s.denSq - n * mx * mx) / d;
  const cov = (s.cross - n * mx * my) / d;
  return { value: r, variance: Math.max(0, (varY - 2 * r * cov + r * r * varX) / (n * mx * mx)), n };
}

/**
 * Relative lift of treatment over control, t/c − 1, with the delta method's variance for a ratio of two
 * independent estimates. Null while the control's value is zero (no lift is defined).
 */
export function liftEstimate(t: Estimate, c: Estimate): Estimate | null {
  if (c.value <= 0 || t.n === 0 || c.n === 0) return null;
  const variance = t.variance / (c.value * c.value) + (t.value * t.value * c.variance) / c.value ** 4;
  return { value: t.value / c.value - 1, variance, n: t.n + c.n };
}

/**
 * t − c, the absolute difference of two arms' estimates: unlike the relative lift, its variance never collapses when
 * one arm has no events yet (a lift of −100% from an arm without a click has a delta-method variance of zero).
 */
export function differenceEstimate(t: Estimate, c: Estimate): Estimate | null {
  if (t.n === 0 || c.n === 0) return null;
  return { value: t.value - c.value, variance: t.variance + c.variance, n: t.n + c.n };
}

/** ρ² that makes the confidence sequence tightest at `planned` visitors (Waudby-Smith et al. 2023, eq. for ρ*). */
function rho2(planned: number, alpha: number): number {
  const l = -2 * Math.log(alpha);
  return (l + Math.log(l + 1)) / planned;
}

/**
 * Half-width of the always-valid interval for an estimate with variance `variance` from `n` visitors:
 * σ̂·√(2(nρ² + 1)/(n²ρ²) · ln(√(nρ² + 1)/α)), where σ̂² = n·variance is the per-visitor variance.
 */
export function sequentialHalfWidth(variance: number, n: number, alpha = ALPHA, planned = PLANNED_VISITORS): number {
  if (n <= 0) return Infinity;
  const r2 = rho2(planned, alpha);
  const sigma = Math.sqrt(n * variance);
  return sigma * Math.sqrt(((2 * (n * r2 + 1)) / (n * n * r2)) * Math.log(Math.sqrt(n * r2 + 1) / alpha));
}

/** The always-valid 95% interval of an estimate. */
export function sequentialInterval(e: Estimate, alpha = ALPHA, planned = PLANNED_VISITORS): Interval {
  const h = sequentialHalfWidth(e.variance, e.n, alpha, planned);
  return { low: e.value - h, high: e.value + h };
}

/** The fixed-horizon normal interval: valid for one look at a sample size fixed in advance (kept for comparison). */
export function fixedInterval(e: Estimate, alpha = ALPHA): Interval {
  const h = normalQuantile(1 - alpha / 2) * Math.sqrt(e.variance);
  return { low: e.value - h, high: e.value + h };
}

export function normalQuantile(p: number): number {
  return jStat.normal.inv(p, 0, 1);
}

/** Wilson score interval for `successes` out of `trials`: the page-view interval the old dashboard showed. */
export function wilson(successes: number, trials: number, alpha = ALPHA): Interval & { rate: number } {
  if (trials <= 0) return { rate: 0, low: 0, high: 0 };
  const z = normalQuantile(1 - alpha / 2);
  const p = successes / trials;
  const z2 = z * z;
  const denom = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denom;
  return { rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Visitors (both arms) at which the always-valid interval of a lift would be no wider than ±`effect`, given
 * the per-visitor variance seen so far: the sample the declared effect needs. Infinity if it cannot be reached.
 */
export function visitorsToResolve(lift: Estimate, effect: number, alpha = ALPHA, planned = PLANNED_VISITORS): number {
  if (lift.n <= 0 || effect <= 0) return Infinity;
  const perVisitor = lift.n * lift.variance;
  if (perVisitor === 0) return lift.n;
  const width = (n: number) => sequentialHalfWidth(perVisitor / n, n, alpha, planned);
  if (width(lift.n) <= effect) return lift.n;
  let hi = lift.n;
  while (width(hi) > effect) {
    hi *= 2;
    if (hi > 1e12) return Infinity;
  }
  let lo = hi / 2;
  while (hi - lo > Math.max(1, lo * 1e-4)) {
    const mid = (lo + hi) / 2;
    if (width(mid) > effect) lo = mid;
    else hi = mid;
  }
  return Math.ceil(hi);
}

/** P(X ≥ x) for X ~ chi-square with `df` degrees of freedom. */
export function chiSquarePValue(x: number, df: number): number {
  return Math.max(0, 1 - jStat.chisquare.cdf(x, df));
}

export interface SampleRatioCheck {
  chiSquare: number;
  df: number;
  pValue: number;
  /** The conventional SRM alarm: p < 0.001 (a real split problem, not bad luck). */
  mismatch: boolean;
  expected: number[];
}

/** Chi-square goodness of fit of observed counts against the configured weights. */
export function sampleRatioMismatch(observed: number[], weights: number[], alpha = 0.001): SampleRatioCheck {
  const total = observed.reduce((s, x) => s + x, 0);
  const wsum = weights.reduce((s, w) => s + w, 0);
  const expected = weights.map((w) => (total * w) / wsum);
  let chiSquare = 0;
  let df = -1;
  observed.forEach((o, i) => {
    const e = expected[i]!;
    if (e > 0) {
      chiSquare += ((o - e) * (o - e)) / e;
      df++;
    }
  });
  if (total === 0 || df < 1) return { chiSquare: 0, df: Math.max(df, 0), pValue: 1, mismatch: false, expected };
  const pValue = chiSquarePValue(chiSquare, df);
  return { chiSquare, df, pValue, mismatch: pValue < alpha, expected };
}

/**
 * The statistics the experiments dashboard shows. Pure math, checked against worked examples.
 * Proportions get Wilson intervals (sane at 0 and at small n, unlike the plain normal interval);
 * relative lift gets a log-ratio (Katz) interval; sample-ratio mismatch is a chi-square goodness-of-fit
 * test of the observed split against the configured weights.
 */

export const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

export interface Proportion extends Interval {
  rate: number;
}

/** Wilson score interval for `successes` out of `trials` (95% unless told). */
export function wilson(successes: number, trials: number, z = Z95): Proportion {
  if (trials <= 0) return { rate: 0, low: 0, high: 0 };
  const p = successes / trials;
  const z2 = z * z;
  const denom = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denom;
  return { rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface Lift extends Interval {
  lift: number;
}

/**
 * Relative lift of treatment over control, (pT / pC) - 1, with a 95% interval from the normal
 * approximation of log(pT / pC). Undefined (null) while either arm has no successes.
 */
export function relativeLift(xT: number, nT: number, xC: number, nC: number, z = Z95): Lift | null {
  if (xT <= 0 || xC <= 0 || nT <= 0 || nC <= 0) return null;
  const pT = xT / nT;
  const pC = xC / nC;
  const logRatio = Math.log(pT / pC);
  const se = Math.sqrt(1 / xT - 1 / nT + 1 / xC - 1 / nC);
  return { lift: pT / pC - 1, low: Math.exp(logRatio - z * se) - 1, high: Math.exp(logRatio + z * se) - 1 };
}

/** ln Γ(x), Lanczos (g = 7, n = 9): about 15 significant digits for x > 0. */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Upper regularized incomplete gamma Q(s, x): series below s + 1, continued fraction above. */
function gammaQ(s: number, x: number): number {
  if (x <= 0) return 1;
  const lead = -x + s * Math.log(x) - logGamma(s);
  if (x < s + 1) {
    let sum = 1 / s;
    let term = sum;
    for (let n = 1; n < 500; n++) {
      term *= x / (s + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return 1 - sum * Math.exp(lead);
  }
  // Lentz's method for the continued fraction of Q.
  const tiny = 1e-300;
  let b = x + 1 - s;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.exp(lead) * h;
}

/** P(X ≥ x) for X ~ chi-square with `df` degrees of freedom. */
export function chiSquarePValue(x: number, df: number): number {
  return gammaQ(df / 2, x / 2);
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

import { describe, expect, it } from 'vitest';
import { rng } from '../../models/random';
import { chiSquarePValue, fixedInterval, liftEstimate, meanEstimate, normalQuantile, ratioEstimate, sequentialInterval, visitorsToResolve, wilson, type Estimate } from './stats';

// Seeded uniform [0, 1): the training pipeline's mulberry32, so the simulations give the same answer on every run.
const binomial = (r: () => number, n: number, p: number) => {
  let k = 0;
  for (let i = 0; i < n; i++) if (r() < p) k++;
  return k;
};

/** One arm's conversion sums after each of `days` days of `perDay` visitors. */
function conversionDays(r: () => number, days: number, perDay: number, p: number) {
  const out: { n: number; sum: number; sumSq: number }[] = [];
  let n = 0;
  let sum = 0;
  for (let d = 0; d < days; d++) {
    const k = binomial(r, perDay, p);
    n += perDay;
    sum += k;
    out.push({ n, sum, sumSq: sum });
  }
  return out;
}

describe('worked examples', () => {
  it('the delta method for a ratio of sums matches its closed form', () => {
    // Three visitors: (views, clicks) = (1, 1), (2, 0), (3, 1).
    const e = ratioEstimate({ n: 3, num: 2, den: 6, numSq: 2, denSq: 14, cross: 4 });
    expect(e.value).toBeCloseTo(1 / 3, 12);
    // s²_y = 1/3, s²_x = 1, s_xy = 0, R = 1/3, x̄ = 2: (1/3 + 1/9) / (3 × 4).
    expect(e.variance).toBeCloseTo((1 / 3 + 1 / 9) / 12, 12);
  });

  it('the lift of two means and its delta-method variance', () => {
    const t: Estimate = { value: 0.12, variance: 0.0001, n: 1000 };
    const c: Estimate = { value: 0.1, variance: 0.0001, n: 1000 };
    const l = liftEstimate(t, c)!;
    expect(l.value).toBeCloseTo(0.2, 12);
    expect(l.variance).toBeCloseTo(0.0001 / 0.01 + (0.0144 * 0.0001) / 0.0001, 12);
    expect(liftEstimate(t, { ...c, value: 0 })).toBeNull();
  });

  it('distribution functions come from jStat and agree with the tables', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 9);
    expect(chiSquarePValue(3.841458820694124, 1)).toBeCloseTo(0.05, 8);
    expect(chiSquarePValue(5.991464547107979, 2)).toBeCloseTo(0.05, 8);
    expect(chiSquarePValue(18.307038053275146, 10)).toBeCloseTo(0.05, 8);
    const w = wilson(5, 10);
    expect(w.low).toBeCloseTo(0.2366, 3);
    expect(w.high).toBeCloseTo(0.7634, 3);
  });

  it('the always-valid interval is wider than the fixed one, and narrows as visitors come', () => {
    const e = meanEstimate({ n: 2000, sum: 200, sumSq: 200 });
    const seq = sequentialInterval(e);
    const fixed = fixedInterval(e);
    expect(seq.high - seq.low).toBeGreaterThan(fixed.high - fixed.low);
    const later = sequentialInterval(meanEstimate({ n: 20000, sum: 2000, sumSq: 2000 }));
    expect(later.high - later.low).toBeLessThan(seq.high - seq.low);
  });

  it('the visitors a declared effect needs: more for a smaller effect, none more once it is resolved', () => {
    const lift = liftEstimate(meanEstimate({ n: 1000, sum: 110, sumSq: 110 }), meanEstimate({ n: 1000, sum: 100, sumSq: 100 }))!;
    const for10 = visitorsToResolve(lift, 0.1);
    const for5 = visitorsToResolve(lift, 0.05);
    expect(for10).toBeGreaterThan(2000);
    expect(for5).toBeGreaterThan(3 * for10);
    expect(visitorsToResolve(lift, 10)).toBe(2000);
  });
});

describe('simulations (seeded)', () => {
  it('1,000 A/A experiments looked at every day for 28 days: at most 5% ever declared a winner (fixed intervals: far more)', () => {
    const r = rng(2026);
    const SIMS = 1000;
    let sequentialFalse = 0;
    let fixedFalse = 0;
    for (let s = 0; s < SIMS; s++) {
      const a = conversionDays(r, 28, 150, 0.08);
      const b = conversionDays(r, 28, 150, 0.08);
      let seq = false;
      let fix = false;
      for (let d = 0; d < 28; d++) {
        const lift = liftEstimate(meanEstimate(b[d]!), meanEstimate(a[d]!));
        if (!lift) continue;
        const cs = sequentialInterval(lift);
        const ci = fixedInterval(lift);
        if (cs.low > 0 || cs.high < 0) seq = true;
        if (ci.low > 0 || ci.high < 0) fix = true;
      }
      if (seq) sequentialFalse++;
      if (fix) fixedFalse++;
    }
    // Simulation error at 1,000 runs: about ±1.4 points around 5%.
    expect(sequentialFalse / SIMS).toBeLessThanOrEqual(0.05 + 0.014);
    // The peeking problem the always-valid interval exists for: daily looks at a fixed 95% interval.
    expect(fixedFalse / SIMS).toBeGreaterThan(0.15);
  });

  it('A/B with a known 15% lift: the interval covers the true lift at every look in at least 94% of experiments', () => {
    const r = rng(7);
    const SIMS = 500;
    const truth = 0.15;
    let covered = 0;
    let found = 0;
    for (let s = 0; s < SIMS; s++) {
      const a = conversionDays(r, 28, 400, 0.1);
      const b = conversionDays(r, 28, 400, 0.1 * (1 + truth));
      let always = true;
      for (let d = 0; d < 28; d++) {
        const cs = sequentialInterval(liftEstimate(meanEstimate(b[d]!), meanEstimate(a[d]!))!);
        if (cs.low > truth || cs.high < truth) always = false;
        if (d === 27 && cs.low > 0) found++;
      }
      if (always) covered++;
    }
    expect(covered / SIMS).toBeGreaterThanOrEqual(0.94);
    // And it has power: most of these experiments find the lift within the 28 days.
    expect(found / SIMS).toBeGreaterThan(0.5);
  });

  it('visitors with many correlated page views: the delta-method CTR interval is wider than the page-view Wilson interval by about √(design effect)', () => {
    const r = rng(11);
    const visitors = 5000;
    const views = 10;
    // A quarter of visitors are keen (34% click-through), the rest not (2%): mean 10%, intra-visitor correlation
    // ρ = Var(p) / (μ(1 − μ)) = 0.0192 / 0.09, design effect 1 + (views − 1)ρ.
    const rho = 0.0192 / 0.09;
    const designEffect = 1 + (views - 1) * rho;
    let clicks = 0;
    let clicksSq = 0;
    let cross = 0;
    for (let v = 0; v < visitors; v++) {
      const p = r() < 0.25 ? 0.34 : 0.02;
      const c = binomial(r, views, p);
      clicks += c;
      clicksSq += c * c;
      cross += c * views;
    }
    const e = ratioEstimate({ n: visitors, num: clicks, den: visitors * views, numSq: clicksSq, denSq: visitors * views * views, cross });
    const delta = fixedInterval(e);
    const pageViews = wilson(clicks, visitors * views);
    const ratio = (delta.high - delta.low) / (pageViews.high - pageViews.low);
    expect(ratio).toBeGreaterThan(Math.sqrt(designEffect) * 0.9);
    expect(ratio).toBeLessThan(Math.sqrt(designEffect) * 1.1);
  });
});

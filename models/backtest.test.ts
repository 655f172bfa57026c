import { describe, expect, it } from 'vitest';
import { backtestWindows, basketBacktest, basketShips, spread, windowData } from './backtest';
import { basketsOf } from './complements';
import { DAY } from './time';

// A toy shop of 40 products in two categories, its baskets pairs (below).
const START = Date.UTC(2011, 0, 1);
const day = (d: number) => new Date(START + d * DAY).toISOString().slice(0, 16).replace('T', ' ');
const skus = Array.from({ length: 40 }, (_, i) => `P${i}`);
const index = new Map(skus.map((s, i) => [s, i]));
const category = Uint8Array.from(skus, (_, i) => i % 2);

/** Each day 6 one-line orders of P0 (the best seller) and 3 baskets: (P10+k, P20+k), from `from` on `late(k)` instead. */
function toyLog(days: number, from: number, late: (k: number) => [number, number]) {
  const rows: { invoice: string; sku: string; date: string; customerId: string | null }[] = [];
  let inv = 0;
  for (let d = 0; d < days; d++) {
    for (let k = 0; k < 6; k++) rows.push({ invoice: `${inv++}`, sku: 'P0', date: day(d), customerId: `c${k}` });
    for (let k = 0; k < 3; k++) {
      const invoice = `${inv++}`;
      for (const s of d >= from ? late(k) : [10 + k, 20 + k]) rows.push({ invoice, sku: `P${s}`, date: day(d), customerId: `c${k}` });
    }
  }
  return rows;
}

describe('rolling-origin backtests', () => {
  it('lays fortnights back from the end, the newest reported, the rest for tuning', () => {
    const end = START + 100 * DAY;
    const w = backtestWindows(end, 5, 2);
    expect(w.map((x) => (x.end - x.start) / DAY)).toEqual([14, 14, 14, 14, 14]);
    expect(w.at(-1)!.end).toBe(end);
    expect(w.map((x) => x.role)).toEqual(['tuning', 'tuning', 'tuning', 'reported', 'reported']);
  });

  it('never trains on its own targets: a pair first bought in the window is unknown to that window (leak test)', () => {
    const log = toyLog(84, 70, () => [30, 31]);
    const baskets = basketsOf(log, index, 0, Infinity);
    const windows = backtestWindows(START + 84 * DAY, 2, 1);
    const data = windowData(baskets, log, index, skus.length, category, windows);
    for (const d of data) {
      expect(d.train.every((b) => b.at < d.window.start)).toBe(true);
      expect(d.test.every((b) => b.at >= d.window.start && b.at < d.window.end)).toBe(true);
    }
    // The last window holds only the novel pair: its complement model cannot rank P31 for P30 from the pairs...
    const grid = [{ halfLifeDays: null, categoryWeight: 0, evidence: 0, popularityWeight: 0 }];
    const honest = basketBacktest(data, skus.length, grid);
    expect(honest.reported.complement!.mean).toBeLessThan(0.5);
    // ...and one that had seen the window's baskets would (what the test exists to catch).
    const leaky = data.map((d) => ({ ...d, train: [...d.train, ...d.test] }));
    expect(basketBacktest(leaky, skus.length, grid).reported.complement!.mean).toBe(1);
  });

  it('ships the baseline where the model loses to it on the reported windows (a deliberately weak model)', () => {
    // The pairs go stale: from day 56 shoppers buy the best seller with P10+k, never seen together before.
    const log = toyLog(84, 56, (k) => [0, 10 + k]);
    const data = windowData(basketsOf(log, index, 0, Infinity), log, index, skus.length, category, backtestWindows(START + 84 * DAY, 4, 2));
    // Co-occurrence alone (no popularity) still ranks the stale partner P20+k first; popularity ranks P0 first.
    const weak = basketBacktest(data, skus.length, [{ halfLifeDays: null, categoryWeight: 0, evidence: 0, popularityWeight: 0 }]);
    expect(weak.reported['popularity-30d']!.mean).toBeGreaterThan(weak.reported.complement!.mean);
    expect(weak.ships).toBe('popularity-30d');
    expect(basketShips({ complement: spread([0.03, 0.02]), 'popularity-30d': spread([0.02, 0.02]), 'same-category': spread([0.01, 0.01]) })).toBe('complement');
  });

  it('reports the mean, its standard error across windows and the worst window', () => {
    expect(spread([0.01, 0.02, 0.03])).toEqual({ windows: [0.01, 0.02, 0.03], mean: 0.02, se: 0.0058, worst: 0.01 });
  });
});

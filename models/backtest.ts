/**
 * Rolling-origin backtests (issue 23): a measure on several later windows, each with everything fitted only on
 * what came before the window's start. One month said the basket model was 1.39x ahead; the Christmas fortnight
 * after the log said 0.44x. So settings are chosen on the mean over the older (tuning) windows, and the newest
 * windows are kept for the reported table: mean, its standard error across windows, the worst window.
 *
 * This module backtests the basket shelf ("frequently bought together"), which needs no tower per window and
 * is the one that lost: the complement model against popularity-30d and same-category (the two-tower cosine
 * baseline needs a tower per window and is reported on the validation month only).
 */
import { complementRanker, type ComplementPrior, type Complements } from '../lib/recs/complements';
import { groupOrder } from '../lib/recs/rank';
import { recentPopularity } from './baselines';
import { basketBaselines, basketLeaveOneOut, fitComplements, scoringSettings, testBaskets, type Basket, type ComplementSettings } from './complements';
import type { Purchaseish } from './data';
import { DAY, toMillis } from './time';
import { priorFrom } from './two-tower';

/** One backtest window: targets in [start, end), everything fitted on what came before `start`. */
export interface BacktestWindow {
  start: number;
  end: number;
  /** Reported (the newest) or used to choose settings (the older ones). */
  role: 'tuning' | 'reported';
}

/** `count` fortnights back from `last` (the log's end), oldest first; the newest `reported` of them kept for the table. */
export function backtestWindows(last: number, count = 18, reported = 4, days = 14): BacktestWindow[] {
  return Array.from({ length: count }, (_, i) => {
    const start = last - (count - i) * days * DAY;
    return { start, end: start + days * DAY, role: i >= count - reported ? ('reported' as const) : ('tuning' as const) };
  });
}

/** A measure over windows: each window's value, their mean, the standard error of the mean across windows, the worst. */
export interface Spread {
  windows: number[];
  mean: number;
  se: number;
  worst: number;
}

const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

export function spread(values: readonly number[]): Spread {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(n, 1);
  const variance = n > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { windows: values.map(r4), mean: r4(mean), se: r4(Math.sqrt(variance / Math.max(n, 1))), worst: r4(Math.min(...values)) };
}

/** What one window's scorers are built from: the baskets and purchases strictly before its start. */
export interface WindowData {
  window: BacktestWindow;
  train: Basket[];
  test: Basket[];
  prior: ComplementPrior;
  pop30: Float32Array;
}

/** Each window's data. A window never sees its own targets: its fits take only rows dated before its start. */
export function windowData(baskets: readonly Basket[], purchases: readonly Purchaseish[], index: ReadonlyMap<string, number>, n: number, category: Uint8Array, windows: readonly BacktestWindow[]): WindowData[] {
  return windows.map((window) => {
    const before = purchases.filter((p) => toMillis(p.date) < window.start);
    return {
      window,
      train: baskets.filter((b) => b.at < window.start),
      test: baskets.filter((b) => b.at >= window.start && b.at < window.end),
      prior: { popularity: priorFrom(before, index, n, window.start), category },
      pop30: recentPopularity(before, index, n, window.start, 30),
    };
  });
}

/**
 * The complement settings tried on the tuning windows: the model as it shipped before (no evidence shrinkage,
 * no popularity for all), and evidence × popularity blends, with and without an age decay of the pairs.
 */
export function complementGrid(): ComplementSettings[] {
  const grid: ComplementSettings[] = [{ halfLifeDays: null, categoryWeight: 0.1, evidence: 0, popularityWeight: 0 }];
  for (const halfLifeDays of [null, 180])
    for (const evidence of [0, 5, 10])
      for (const popularityWeight of [0.3, 1]) grid.push({ halfLifeDays, categoryWeight: 0.1, evidence, popularityWeight });
  return grid;
}

/** NDCG@10 of leave-one-out per window for one set of complement settings. Only the age decay changes a fit: fits are shared through `fits`. */
function complementNdcg(data: readonly WindowData[], n: number, settings: ComplementSettings, fits = new Map<string, Complements>(), orders = new Map<WindowData, Int32Array[]>()): number[] {
  return data.map((d) => {
    const order = orders.get(d) ?? orders.set(d, groupOrder(d.prior.popularity, d.prior.category)).get(d)!;
    const key = `${d.window.start}:${settings.halfLifeDays}`;
    let fitted = fits.get(key);
    if (!fitted) fits.set(key, (fitted = fitComplements(d.train, n, d.window.start, { halfLifeDays: settings.halfLifeDays, categoryWeight: 0 })));
    const c: Complements = { ...fitted, spec: { ...fitted.spec, ...scoringSettings(settings) } };
    return basketLeaveOneOut(d.test, complementRanker(c, d.prior, order))['ndcg@10'];
  });
}

/** The basket backtest's outcome: what was chosen on the tuning windows, every row on the reported ones, and what ships. */
export interface BasketBacktest {
  windows: { start: string; role: BacktestWindow['role']; baskets: number }[];
  /** The settings with the best mean NDCG@10 over the tuning windows. */
  chosen: ComplementSettings;
  tuningMean: number;
  /** NDCG@10 per reported window, for the chosen complement model and each basket baseline. */
  reported: Record<string, Spread>;
  /** The complement model, or the best baseline where the model's reported mean is below it. */
  ships: 'complement' | 'popularity-30d' | 'same-category';
}

/** Settings that make the complement score the baseline: popularity first, co-occurrence only breaking ties. */
export const BASELINE_SETTINGS: Record<'popularity-30d' | 'same-category', ComplementSettings> = {
  'popularity-30d': { halfLifeDays: null, categoryWeight: 0, evidence: 0, popularityWeight: 1000 },
  'same-category': { halfLifeDays: null, categoryWeight: 1000, evidence: 0, popularityWeight: 0 },
};

/** The rule: the model ships only where its mean on the reported windows is at least the best baseline's. */
export function basketShips(reported: Record<string, Spread>): BasketBacktest['ships'] {
  const baselines = (['popularity-30d', 'same-category'] as const).filter((b) => reported[b]);
  const best = baselines.reduce<(typeof baselines)[number] | undefined>((a, b) => (a === undefined || reported[b]!.mean > reported[a]!.mean ? b : a), undefined);
  return best === undefined || reported.complement!.mean >= reported[best]!.mean ? 'complement' : best;
}

export function basketBacktest(data: readonly WindowData[], n: number, grid = complementGrid(), onProgress: (done: number, total: number) => void = () => {}): BasketBacktest {
  const tuning = data.filter((d) => d.window.role === 'tuning');
  const reported = data.filter((d) => d.window.role === 'reported');
  let best = { settings: grid[0]!, mean: -1 };
  const fits = new Map<string, Complements>();
  const orders = new Map<WindowData, Int32Array[]>();
  grid.forEach((settings, i) => {
    const mean = spread(complementNdcg(tuning, n, settings, fits, orders)).mean;
    if (mean > best.mean) best = { settings, mean };
    onProgress(i + 1, grid.length + 1);
  });
  const rows: Record<string, number[]> = { complement: complementNdcg(reported, n, best.settings, fits, orders) };
  for (const d of reported) {
    const base = basketBaselines(d.pop30, d.prior.category, new Float32Array(0), 0);
    for (const name of ['popularity-30d', 'same-category'] as const) (rows[name] ??= []).push(basketLeaveOneOut(d.test, base[name]!)['ndcg@10']);
  }
  onProgress(grid.length + 1, grid.length + 1);
  const table = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, spread(v)]));
  return {
    windows: data.map((d) => ({ start: new Date(d.window.start).toISOString().slice(0, 10), role: d.window.role, baskets: testBaskets(d.test).length })),
    chosen: best.settings,
    tuningMean: best.mean,
    reported: table,
    ships: basketShips(table),
  };
}

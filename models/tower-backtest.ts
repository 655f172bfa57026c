/**
 * The rolling-origin backtest of the tower shelves (issue 23): "all" (what they buy next), "explore"
 * ("Recommended for you") and "repeat" ("Buy it again"), for the shipped scorer and every baseline.
 *
 * Months count back from the log's end T: month j's tower is cut at C_j = T − 30j days (one training run per
 * month, models/fit-pool.ts), its second stage learns from the three 30-day windows before C_j (at C_{j+3},
 * C_{j+2}, C_{j+1}, each with its own month's tower), exactly as the validation model is built at C_1. Each
 * month is scored as two 15-day windows, [C_j, C_j + 15d) and [C_j + 15d, C_{j−1}): the second with the same
 * tower and heads (15 days older than they could be, never newer) and the history weighed at its own start.
 * Nothing a window is scored with has seen a purchase dated on or after its start (tower-backtest.test.ts).
 * The newest two months are the reported table; the older ones are where ideas are chosen.
 */
import type { Product } from '../lib/catalog/types';
import type { FeatureSpec } from '../lib/recs/features';
import { rowsOf } from '../lib/recs/items';
import { STAGE_FEATURES, type ScorerSpec, type StageFeature } from '../lib/recs/score';
import type { ItemSignals } from '../lib/recs/signals';
import { spread, type Spread } from './backtest';
import { compare, type BaselineSettings } from './compare';
import { unpackPurchases, type PackedPurchases, type Purchaseish } from './data';
import { MEASURES, splitAt, type Measure, type ModelMetrics } from './evaluate';
import { fitStage, type WindowUser } from './second-stage';
import { DAY } from './time';
import { towerViews, type Towers } from './towers';
import { modelScorers, withStage, type Fit } from './two-tower';

/** What the backtest reads from the pipeline: the log, the catalogue's rows, towers by cut, second-stage windows by cut. */
export interface TowerBacktestInput {
  purchases: readonly Purchaseish[];
  skus: string[];
  end: number;
  towerAt: (cut: number) => Fit;
  /** The second stage's 30-day training window starting at `cut` (its users with their dots, and the signals then). */
  stageWindowAt: (cut: number) => { users: WindowUser[]; signals: ItemSignals };
  /** The signals at `at` from `history` (every purchase before `at`; the pipeline memoises them by `at`). */
  signalsAt: (at: number, history: readonly Purchaseish[]) => ItemSignals;
  baselines: BaselineSettings;
}

export interface TowerWindow {
  start: number;
  end: number;
  /** The month whose tower and heads score it. */
  month: number;
  role: 'tuning' | 'reported';
}

/** The backtest's months: the newest are reported, the older ones are where ideas are chosen. */
export const BACKTEST_MONTHS = { reported: 2, tuning: 1 };

/** Months 1..reported are reported, the next `tuning` months are for choosing; two 15-day windows each, oldest first. */
export function towerWindows(end: number, reported = 2, tuning = 1): TowerWindow[] {
  const out: TowerWindow[] = [];
  for (let month = reported + tuning; month >= 1; month--) {
    const cut = end - month * 30 * DAY;
    const role = month <= reported ? ('reported' as const) : ('tuning' as const);
    out.push({ start: cut, end: cut + 15 * DAY, month, role }, { start: cut + 15 * DAY, end: cut + 30 * DAY, month, role });
  }
  return out;
}

/** The towers a backtest over `months` months needs: C_0 is the shipped one; month j's heads reach back to C_{j+3}. */
export const towerMonthsFor = (months: number): number => months + 4;

/** NDCG@10 per window and measure, for every row of the table (the shipped scorer as 'two-tower'). */
export interface TowerBacktest {
  windows: { start: string; role: TowerWindow['role']; month: number; users: Record<Measure, number> }[];
  /** Per model, per measure: the value in each window (oldest first), with mean ± s.e. and the worst, over the reported windows. */
  reported: Record<string, Record<Measure, Spread>>;
  tuning: Record<string, Record<Measure, Spread>>;
  /** The same per window, every window (the chart). */
  perWindow: Record<string, Record<Measure, number[]>>;
}

const value = (m: ModelMetrics, measure: Measure) => (measure === 'all' ? m['ndcg@10'] : m[measure]['ndcg@10']);

/** The scorer each month ships with: its tower, and heads fitted on the three windows before the month. */
function monthModel(input: TowerBacktestInput, month: number) {
  const cut = input.end - month * 30 * DAY;
  const stage = [3, 2, 1].map((k) => input.stageWindowAt(cut - k * 30 * DAY));
  const heads = fitStage(
    stage.map((w) => w.users),
    stage.map((w) => w.signals),
  ).scorer;
  return { tower: input.towerAt(cut).model, heads };
}

/** One window's row of the table: its customers, and NDCG@10 per model and measure. */
export interface WindowResult {
  window: TowerBacktest['windows'][number];
  values: Record<string, Record<Measure, number>>;
}

/** Each window scored on its own (no window reads another's result), so any split of them across threads gives the same rows. */
export function scoreTowerWindows(input: TowerBacktestInput, windows: readonly TowerWindow[], onProgress: (done: number, total: number) => void = () => {}): WindowResult[] {
  const months = new Map<number, ReturnType<typeof monthModel>>();
  return windows.map((w, i) => {
    let m = months.get(w.month);
    if (!m) months.set(w.month, (m = monthModel(input, w.month)));
    const split = splitAt(input.purchases, w.start, w.end);
    // The month's tower, its history weighed at this window's start (the tower never saw a purchase after its cut).
    const model = withStage({ ...m.tower, now: w.start }, input.signalsAt(w.start, split.history), m.heads, split.history);
    const result = compare(split.history, split.future, input.skus, w.start, input.baselines, () => modelScorers(model));
    const values = Object.fromEntries(Object.entries(result.models).map(([name, metrics]) => [name, Object.fromEntries(MEASURES.map((measure) => [measure, value(metrics, measure)])) as Record<Measure, number>]));
    const shipped = result.models['two-tower']!;
    onProgress(i + 1, windows.length);
    return { window: { start: new Date(w.start).toISOString().slice(0, 10), role: w.role, month: w.month, users: { all: result.users, explore: shipped.explore.users, repeat: shipped.repeat.users } }, values };
  });
}

/** The table from every window's row, `results` in the order of `windows`. */
export function backtestTable(windows: readonly TowerWindow[], results: readonly WindowResult[]): TowerBacktest {
  const rows: Record<string, Record<Measure, number[]>> = {};
  for (const r of results) {
    for (const [name, byMeasure] of Object.entries(r.values)) {
      const row = (rows[name] ??= { all: [], explore: [], repeat: [] });
      for (const measure of MEASURES) row[measure].push(byMeasure[measure]);
    }
  }
  const table = (role: TowerWindow['role']) =>
    Object.fromEntries(Object.entries(rows).map(([name, byMeasure]) => [name, Object.fromEntries(MEASURES.map((measure) => [measure, spread(byMeasure[measure].filter((_, k) => windows[k]!.role === role))])) as Record<Measure, Spread>]));
  return { windows: results.map((r) => r.window), reported: table('reported'), tuning: table('tuning'), perWindow: rows };
}

export function towerBacktest(input: TowerBacktestInput, windows: readonly TowerWindow[], onProgress: (done: number, total: number) => void = () => {}): TowerBacktest {
  return backtestTable(windows, scoreTowerWindows(input, windows, onProgress));
}

/** The cuts whose towers a set of windows reads: each month's own and the three its heads learn from. */
export function cutsFor(end: number, windows: readonly TowerWindow[]): number[] {
  const months = [...new Set(windows.map((w) => w.month))];
  return [...new Set(months.flatMap((month) => [0, 1, 2, 3].map((k) => end - (month + k) * 30 * DAY)))];
}

/**
 * Some of the backtest's windows on a worker thread (models/fit-pool.ts), beside the pipeline's other stages: its
 * own copy of the log (packed: models/data.ts), the towers it reads, and the baselines' tuned settings.
 */
export interface TowerBacktestJob {
  products: readonly Product[];
  purchases: PackedPurchases;
  fits: [number, Fit][];
  end: number;
  spec: FeatureSpec;
  baselines: BaselineSettings;
  windows: TowerWindow[];
}

/** The backtest's input over a log and its towers (models/towers.ts), wherever it runs. */
export function backtestInput(purchases: readonly Purchaseish[], skus: string[], end: number, towers: Towers, baselines: BaselineSettings): TowerBacktestInput {
  return { purchases, skus, end, towerAt: towers.at, stageWindowAt: towers.window, signalsAt: towers.signalsAt, baselines };
}

export function towerBacktestJob(job: TowerBacktestJob, onProgress: (done: number, total: number) => void = () => {}): WindowResult[] {
  const purchases = unpackPurchases(job.purchases);
  const skus = job.products.map((p) => p.sku);
  const towers = towerViews({ products: job.products, purchases, index: rowsOf(skus), spec: job.spec }, new Map(job.fits));
  return scoreTowerWindows(backtestInput(purchases, skus, job.end, towers, job.baselines), job.windows, onProgress);
}

/** The bars on a table: each measure's shipped mean against the best baseline's (explore: popularity-30d). */
export const TOWER_BARS: Record<Measure, { against: 'best' | 'popularity-30d'; ratio: number }> = {
  all: { against: 'best', ratio: 1.1 },
  explore: { against: 'popularity-30d', ratio: 1.3 },
  repeat: { against: 'best', ratio: 1 },
};

export interface TowerVerdict {
  measure: Measure;
  baseline: string;
  ratio: number;
  bar: number;
  /** Windows where the shipped scorer is below the best baseline by more than the table's standard error. */
  losingWindows: number;
  /** The model loses to its best baseline on the mean: the baseline ranks this shelf instead. */
  loses: boolean;
}

export function towerVerdicts(table: TowerBacktest['reported']): TowerVerdict[] {
  const baselines = Object.keys(table).filter((k) => k !== 'two-tower');
  return MEASURES.map((measure) => {
    const shipped = table['two-tower']![measure];
    const best = baselines.reduce((a, b) => (table[b]![measure].mean > table[a]![measure].mean ? b : a));
    const against = TOWER_BARS[measure].against === 'best' ? best : 'popularity-30d';
    const b = table[best]![measure];
    const losingWindows = shipped.windows.filter((x, k) => x < b.windows[k]! - Math.max(shipped.se, b.se)).length;
    return { measure, baseline: against, ratio: Math.round((shipped.mean / Math.max(table[against]![measure].mean, 1e-9)) * 1000) / 1000, bar: TOWER_BARS[measure].ratio, losingWindows, loses: shipped.mean < b.mean };
  });
}

/**
 * What ships for the tower shelves: the trained scorer, with each measure whose model loses to its best
 * baseline on the backtest mean handed to that baseline, expressed in the scorer's own terms (so every runtime
 * ranks it with no new code): explore → the 30-day popularity signal alone (popularity-30d); repeat → how often
 * bought, ties by popularity (GP-TopFreq's order); all → owned products always first (the offset GP-TopFreq
 * puts between a re-buy and a new product). Close to those baselines, not equal: `pop30` counts buyers where
 * popularity-30d counts orders.
 */
export function shippedScorer(trained: ScorerSpec, verdicts: readonly TowerVerdict[]): { scorer: ScorerSpec; baseline: Measure[] } {
  const losing = verdicts.filter((v) => v.loses).map((v) => v.measure);
  const only = (weights: Partial<Record<StageFeature, number>>) => STAGE_FEATURES.map((f) => weights[f] ?? 0);
  const heads = {
    explore: losing.includes('explore') ? only({ pop30: 1 }) : trained.heads.explore,
    repeat: losing.includes('repeat') ? only({ count: 1, ownedPop: 0.01 }) : trained.heads.repeat,
  };
  return { scorer: { ...trained, heads, ownedOffset: losing.includes('all') ? 1000 : trained.ownedOffset }, baseline: losing };
}

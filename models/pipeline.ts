/**
 * `npm run models`: tune, validate, train on everything, export. T is the end of the log.
 *
 *   second stage      heads trained on three 30-day windows ending at T−60d (towers trained before each);
 *                     the baselines' settings tuned on [T−60d, T−30d)
 *   validation model  tower trained before T−30d with that second stage, evaluated on [T−30d, T] against the baselines
 *   shipped model     tower trained on all of the data; heads retrained on the three latest windows (the
 *                     validation month included), exported to public/models/<version>/
 *
 * The reported metrics never see data their scorer or a baseline was tuned on. `-- --ablation` also
 * retrains the second stage without each feature in turn and reports it.
 */
import { rowsOf } from '../lib/recs/items';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { progress } from './progress';
import { parseCatalogFile, type CatalogFile } from '../lib/catalog/types';
import { DEFAULT_FEATURE_SPEC, type HistoryEvent } from '../lib/recs/features';
import type { Manifest, Pointer } from '../lib/recs/manifest';
import { dequantizeRows, quantizeRows } from '../lib/recs/quantize';
import { topK } from '../lib/recs/rank';
import { STAGE_FEATURES } from '../lib/recs/score';
import { compare, tuneBaselines, windowCustomers, type BaselineSettings, type EvalResult } from './compare';
import { buildContext, coldStartMetrics, tuneContextWeights } from './context';
import { evaluateMeasures, formatTable, splitAt, type EvalUser, type ModelMetrics } from './evaluate';
import { writeArtifacts } from './export/artifacts';
import { cleanLog, eventsByCustomer, locateDataset, packPurchases, readLog, type Purchase, type Purchaseish } from './data';
import { graphHash, PROJECT } from './code-graph';
import { fitStage, type StageFit } from './second-stage';
import { productCategories } from './signals';
import { basketsOf, basketTable, fitComplements, type Basket, type ComplementSettings } from './complements';
import { backtestWindows, BASELINE_SETTINGS, windowData, type BasketBacktest } from './backtest';
import { recentPopularity } from './baselines';
import { DEFAULT_TRAIN_CONFIG } from './train';
import { DAY, toMillis } from './time';
import { modelScorers, withStage, type Fit, type TrainedModel } from './two-tower';
import { createPool, fitTowers, type Pool, type PoolRequest } from './fit-pool';
import { backtestSvg } from './backtest-chart';
import { activities, stageClock, type StageClock } from './stage-clock';
import { BACKTEST_MONTHS, backtestInput, backtestTable, cutsFor, scoreTowerWindows, shippedScorer, towerMonthsFor, towerVerdicts, towerWindows, type TowerBacktest, type TowerVerdict, type TowerWindow, type WindowResult } from './tower-backtest';
import { towerViews, type Towers, type Window } from './towers';
import type { Complements } from '../lib/recs/complements';
import type { ColdStartContext } from '../lib/coldstart/context';

export const MODELS_DIR = path.join('public', 'models');
export const VALIDATION_DIR = path.join('data', 'models', 'validation');
/** Far below what 929 validation customers can resolve (one customer's hit moves NDCG@10 by about 0.001). */
const INT8_TOLERANCE = 0.0005;
/** Towers at T and each month before it: validation, the second stage's three windows, and the tower backtest's months (models/tower-backtest.ts). */
const TOWER_MONTHS = towerMonthsFor(BACKTEST_MONTHS.reported + BACKTEST_MONTHS.tuning);

/** What the artifacts are a function of besides the catalog and the data set: this module's import graph (models/code-graph.ts). */
export const PIPELINE_ENTRY = 'models/pipeline.ts';

export function modelInputsHash(catalog: CatalogFile, project = PROJECT): string {
  return createHash('sha256').update(catalog.version).update(catalog.source.datasetSha256).update(graphHash([PIPELINE_ENTRY], project)).digest('hex').slice(0, 16);
}

function lossCsv(f: Fit): string {
  return `step,epoch,loss\n${f.losses.map((l) => `${l.step},${l.epoch},${l.loss.toFixed(5)}`).join('\n')}\n`;
}

/** Mean loss per epoch: the last batch alone is partial and says little. */
export function epochLosses(f: Fit): number[] {
  const sums = new Map<number, { s: number; n: number }>();
  for (const l of f.losses) {
    const e = sums.get(l.epoch) ?? { s: 0, n: 0 };
    e.s += l.loss;
    e.n++;
    sums.set(l.epoch, e);
  }
  return [...sums.values()].map((e) => Math.round((e.s / e.n) * 1000) / 1000);
}

/** The loss curve as a small SVG chart (per-step loss, and the per-epoch mean). */
function lossSvg(f: Fit, title: string): string {
  const W = 640;
  const H = 240;
  const pad = 36;
  const ys = f.losses.map((l) => l.loss);
  const max = ys.reduce((m, y) => Math.max(m, y), -Infinity);
  const min = ys.reduce((m, y) => Math.min(m, y), Infinity);
  const x = (i: number) => pad + (i / Math.max(ys.length - 1, 1)) * (W - 2 * pad);
  const y = (v: number) => H - pad - ((v - min) / Math.max(max - min, 1e-9)) * (H - 2 * pad);
  const steps = ys.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)} ${y(v).toFixed(1)}`).join(' ');
  const perEpoch = epochLosses(f);
  const stepsPerEpoch = ys.length / perEpoch.length;
  const epochs = perEpoch.map((v, i) => `${i ? 'L' : 'M'}${x((i + 0.5) * stepsPerEpoch).toFixed(1)} ${y(v).toFixed(1)}`).join(' ');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/><text x="${pad}" y="20" font-weight="bold">${title}: training loss</text>`,
    `<text x="4" y="${y(max) + 4}">${max.toFixed(2)}</text><text x="4" y="${y(min) + 4}">${min.toFixed(2)}</text>`,
    `<path d="${steps}" fill="none" stroke="#c9b8b6" stroke-width="1"/>`,
    `<path d="${epochs}" fill="none" stroke="#b4413c" stroke-width="2.5"/>`,
    `<text x="${W - pad}" y="${H - 10}" text-anchor="end">${ys.length} steps, ${perEpoch.length} epochs (red: epoch mean)</text></svg>`,
  ].join('');
}

/** A few real histories (no customer ids) plus a synthetic one with views and cart adds, and an empty one. */
function goldenHistories(purchases: readonly Purchaseish[], model: TrainedModel): { name: string; events: HistoryEvent[] }[] {
  const byCustomer = [...eventsByCustomer(purchases).values()].filter((e) => e.length >= 3);
  const pick = [0, Math.floor(byCustomer.length / 3), Math.floor((2 * byCustomer.length) / 3)].map((i) => byCustomer[i]!);
  const now = model.now;
  return [
    ...pick.map((events, i) => ({ name: `customer-${i + 1}`, events: events.slice(-30) })),
    {
      name: 'browsing-session',
      events: [
        { sku: model.skus[3]!, at: now - 3_600_000, kind: 'view' as const },
        { sku: model.skus[10]!, at: now - 1_800_000, kind: 'view' as const },
        { sku: model.skus[10]!, at: now - 1_700_000, kind: 'cart' as const },
      ],
    },
    { name: 'empty', events: [] },
  ];
}

export interface PipelineResult {
  manifestPath: string;
  version: string;
  validation: EvalResult;
  /**
   * Makes this run's version the store's: the pointer (public/models/current.json), the validation model `npm run
   * eval` re-measures, the loss curves. Until it is called the run is a candidate: its version folder only.
   */
  makeCurrent: () => void;
}


/** What every stage reads: the data, the catalogue, the three instants (T, T−30d, T−60d) and the settings. */
interface Setup {
  root: string;
  catalog: CatalogFile;
  purchases: Purchase[];
  products: CatalogFile['products'];
  skus: string[];
  index: ReadonlyMap<string, number>;
  end: number;
  tVal: number;
  tTune: number;
  spec: typeof DEFAULT_FEATURE_SPEC;
  config: typeof DEFAULT_TRAIN_CONFIG;
  /** Every basket of the log (the basket backtest and the complements stage read them). */
  baskets: Basket[];
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

function setup(root: string, catalog: CatalogFile, purchases: Purchase[]): Setup {
  const products = catalog.products;
  const skus = products.map((p) => p.sku);
  const end = toMillis(purchases.at(-1)!.date) + 60_000;
  const tVal = end - 30 * DAY;
  const tTune = tVal - 30 * DAY;
  console.log(`models: ${purchases.length.toLocaleString('en-GB')} purchases, ${products.length} products; tuning from ${iso(tTune)}, validation from ${iso(tVal)} to ${iso(end)}`);
  const index = rowsOf(skus);
  return { root, catalog, purchases, products, skus, index, end, tVal, tTune, spec: DEFAULT_FEATURE_SPEC, config: DEFAULT_TRAIN_CONFIG, baskets: basketsOf(purchases, index, 0, end) };
}

/**
 * Stage 0, towers: one per month back from T (T, T−30d, … T−30·(TOWER_MONTHS−1)d), each on every purchase before
 * its cut, trained side by side on the machine's cores (models/fit-pool.ts). Every later stage reads its tower
 * through models/towers.ts: the second stage's windows, validation, the backtest's months and the shipped model.
 */
async function towers(s: Setup, pool: Pool): Promise<Towers> {
  const cuts = Array.from({ length: TOWER_MONTHS }, (_, j) => s.end - j * 30 * DAY);
  const label = (cut: number) => (cut === s.end ? 'shipped' : `tower ${iso(cut)}`);
  const bars = progress({ unit: 'step' });
  console.log(`models: ${cuts.length} towers (cuts ${cuts.map(iso).join(', ')}) and the basket backtest, ${pool.threads} at a time`);
  const fits = await fitTowers(pool, s.products, s.purchases, cuts.map((now) => ({ label: label(now), now })), s.spec, s.config, (name, done, total, loss) => {
    bars.tick(name, done, total, `loss ${loss.toFixed(3)}`);
  });
  bars.stop();
  for (const cut of cuts) {
    const f = fits.get(label(cut))!;
    console.log(`${label(cut).padEnd(17)} ${f.examples.toLocaleString('en-GB')} examples, ${f.seconds.toFixed(1)} s, mean loss by epoch ${epochLosses(f).join(' → ')}`);
  }
  return towerViews(s, new Map(cuts.map((cut) => [cut, fits.get(label(cut))!])));
}

/** Stage 1a, the baselines' own settings, tuned on [T−60d, T−30d) (the tower backtest's worker starts with them). */
function tuneBaselinesAt(s: Setup): BaselineSettings {
  const split = splitAt(s.purchases, s.tTune, s.tVal);
  const baselines = tuneBaselines(split.history, split.future, s.index, s.products.length, s.tTune);
  console.log(`models: baselines tuned on ${iso(s.tTune)}..${iso(s.tVal)}: TIFU-KNN ${JSON.stringify(baselines.tifu)}, decayed frequency half-life ${baselines.decayHalfLifeDays} days`);
  return baselines;
}

/** Stage 1b, tune: the second stage, the baselines' and the cold-start context's settings, all before the validation month. */
interface Tuned {
  windows: Window[];
  stage: StageFit;
  baselines: BaselineSettings;
  context: ReturnType<typeof tuneContextWeights>;
}

function tune(s: Setup, towers: Towers, baselines: BaselineSettings): Tuned {
  // Three 30-day windows before the validation month, each with a tower trained only on what came before it
  // (a tower that had seen the window would flatter its own feature).
  const { tTune, tVal } = s;
  const windows = [towers.window(tTune - 60 * DAY), towers.window(tTune - 30 * DAY), towers.window(tTune)];
  const stage = fitStage(
    windows.map((w) => w.users),
    windows.map((w) => w.signals),
  );
  console.log(
    `models: second stage from ${windows.reduce((a, w) => a + w.users.length, 0)} customer-windows; repeat head on ${stage.repeatFeatures} (newest window held out: ${JSON.stringify(stage.repeatHoldout)}); all-ranking offset for owned products ${stage.scorer.ownedOffset}`,
  );
  const split = splitAt(s.purchases, tTune, tVal);
  const tuneModel = withStage(windows[2]!.fit.model, windows[2]!.signals, stage.scorer, split.history);
  const context = tuneContextWeights(tuneModel.prior, s.purchases, s.index, s.products.length, tTune, tVal);
  console.log(`models: cold-start weights country ${context.weights.country}, daypart ${context.weights.daypart} (tuning NDCG@10 ${context.ndcg.toFixed(4)}, popularity alone ${context.popularity.toFixed(4)})`);
  return { windows, stage, baselines, context };
}

/** Stage 2, validate: a tower trained before T−30d with the tuned second stage, against the baselines on the month nothing above has seen. */
interface Validated {
  window: Window;
  split: { history: Purchase[]; future: Purchase[] };
  model: TrainedModel;
  users: EvalUser[];
  result: EvalResult;
}

function validate(s: Setup, towers: Towers, t: Tuned): Validated {
  const window = towers.window(s.tVal);
  const split = splitAt(s.purchases, s.tVal, s.end);
  const model = withStage(window.fit.model, window.signals, t.stage.scorer, split.history);
  const result = compare(split.history, split.future, s.skus, s.tVal, t.baselines, () => modelScorers(model));
  // The customers compare() measured (the same sample past the cap: models/sample.ts), for the int8 check.
  return { window, split, model, users: windowCustomers(split.history, split.future, s.index).users, result };
}

/** Stage 3, quantize: int8 rows ship (a quarter of the bytes on the wire) only where they lose nothing on any measure. */
interface Quantized {
  embeddings: 'int8' | 'float32';
  /** The rows the shipped scorer ranks with on validation (dequantised int8 where it ships). */
  items: Float32Array;
  report: Manifest['metrics']['int8'];
}

function quantize(s: Setup, v: Validated): Quantized {
  const dim = s.config.dim;
  const { q, scales } = quantizeRows(v.model.items, s.products.length, dim);
  const int8Model = { ...v.model, items: dequantizeRows(q, scales, dim) };
  const int8Metrics = evaluateMeasures(v.users, modelScorers(int8Model));
  const floatMetrics = v.result.models['two-tower']!;
  let overlap = 0;
  const [floatAll, int8All] = [modelScorers(v.model).all, modelScorers(int8Model).all];
  for (const u of v.users) {
    const a = new Set(topK(floatAll(u), 10));
    overlap += topK(int8All(u), 10).filter((i) => a.has(i)).length / 10;
  }
  const three = (m: ModelMetrics) => ({ 'ndcg@10': m['ndcg@10'], 'explore-ndcg@10': m.explore['ndcg@10'], 'repeat-ndcg@10': m.repeat['ndcg@10'] });
  // No NDCG@10 more than INT8_TOLERANCE below float32's.
  const ships = (['ndcg@10', 'explore-ndcg@10', 'repeat-ndcg@10'] as const).every((k) => three(int8Metrics)[k] >= three(floatMetrics)[k] - INT8_TOLERANCE);
  const report = { ...three(int8Metrics), 'top10-overlap': Math.round((overlap / Math.max(v.users.length, 1)) * 10_000) / 10_000, float32: three(floatMetrics), shipped: ships };
  // What is reported is what ships: with int8 chosen, the shipped scorer's row is the int8 rows' measurement.
  if (ships) v.result.models['two-tower'] = int8Metrics;
  console.log(`\nValidation (${iso(s.tVal)} to ${iso(s.end)}): full-catalogue ranking (see models/evaluate.ts for the three measures)\n${formatTable(v.result.users, v.result.models, v.result.of)}`);
  console.log(verdict(v.result));
  console.log(`int8 embeddings: NDCG@10 all/explore/repeat ${report['ndcg@10']}/${report['explore-ndcg@10']}/${report['repeat-ndcg@10']} (float32 ${report.float32['ndcg@10']}/${report.float32['explore-ndcg@10']}/${report.float32['repeat-ndcg@10']}), top-10 overlap ${report['top10-overlap']}: ${ships ? 'int8 ships' : 'float32 ships'}\n`);
  return { embeddings: ships ? 'int8' : 'float32', items: ships ? int8Model.items : v.model.items, report };
}

/**
 * Stage 3b, the tower shelves' backtest (models/tower-backtest.ts): every month's tower and heads, every baseline,
 * 15-day windows. The older months run on a worker from the moment the baselines are tuned, beside tuning,
 * validation and the newest month here: each window is scored on its own, so the split changes no number.
 */
type TowerStage = TowerBacktest & { verdicts: TowerVerdict[] };

interface TowerBacktestRun {
  windows: TowerWindow[];
  here: TowerWindow[];
  away: TowerWindow[];
  there: Promise<WindowResult[]>;
  bars: ReturnType<typeof progress>;
}

function startTowerBacktest(s: Setup, towers: Towers, baselines: BaselineSettings, pool: Pool): TowerBacktestRun {
  const windows = towerWindows(s.end, BACKTEST_MONTHS.reported, BACKTEST_MONTHS.tuning);
  const here = windows.filter((w) => w.month === 1);
  const away = windows.filter((w) => w.month !== 1);
  const bars = progress({ width: 17 });
  const fits = cutsFor(s.end, away).map((cut): [number, Fit] => [cut, towers.at(cut)]);
  const job = { kind: 'tower-backtest' as const, products: s.products, purchases: packPurchases(s.purchases), fits, end: s.end, spec: s.spec, baselines, windows: away };
  const there = away.length > 0 ? pool.run(job, (done, total) => bars.tick('backtest (worker)', done, total)) : Promise.resolve([]);
  return { windows, here, away, there, bars };
}

async function backtestTowers(s: Setup, towers: Towers, t: Tuned, run: TowerBacktestRun): Promise<TowerStage> {
  const mine = scoreTowerWindows(backtestInput(s.purchases, s.skus, s.end, towers, t.baselines), run.here, (done, total) => run.bars.tick('backtest', done, total));
  const theirs = await run.there;
  run.bars.stop();
  const b = backtestTable(
    run.windows,
    run.windows.map((w) => (run.here.includes(w) ? mine[run.here.indexOf(w)]! : theirs[run.away.indexOf(w)]!)),
  );
  const verdicts = towerVerdicts(b.reported);
  console.log(towerReport(b, verdicts));
  return { ...b, verdicts };
}

function towerReport(b: TowerBacktest, verdicts: readonly TowerVerdict[]): string {
  const reported = b.windows.filter((w) => w.role === 'reported');
  const cell = (x: { mean: number; se: number; worst: number }) => `${x.mean.toFixed(4)} ± ${x.se.toFixed(4)} (${x.worst.toFixed(4)})`.padEnd(27);
  return [
    `Tower backtest: NDCG@10 mean ± s.e. (worst) over the newest ${reported.length} 15-day windows (${reported.map((w) => w.start).join(', ')}), each with a tower and heads fitted before it`,
    `  ${''.padEnd(18)} ${['all', 'explore', 'repeat'].map((m) => m.padEnd(27)).join(' ')}`,
    ...Object.entries(b.reported).map(([name, m]) => `  ${name.padEnd(18)} ${cell(m.all)} ${cell(m.explore)} ${cell(m.repeat)}`),
    ...verdicts.map((v) => `  ${v.measure.padEnd(8)} shipped vs ${v.baseline}: ${v.ratio.toFixed(3)}x (the bar is ${v.bar.toFixed(2)}x); windows below the best baseline by more than a standard error: ${v.losingWindows}${v.loses ? ' — LOSES on the mean' : ''}`),
    '',
  ].join('\n');
}

/**
 * Stage 4, complements: settings chosen on the rolling backtest's tuning fortnights, reported on its newest ones
 * (models/backtest.ts); the complement model ships only where it beats the best basket baseline there, else
 * the baseline's settings ship. The validation month's basket table (the eval's contract) uses what ships.
 */
interface ComplementStage {
  baskets: Basket[];
  /** The settings that ship (the chosen model's, or a baseline's). */
  ships: ComplementSettings;
  backtest: BasketBacktest;
  validation: Complements;
  table: ReturnType<typeof basketTable>;
}

/** The basket backtest's data (every fortnight's baskets and fits before it), for a worker: it needs no tower. */
function basketJob(s: Setup): Extract<PoolRequest, { kind: 'basket' }> {
  return { kind: 'basket', data: windowData(s.baskets, s.purchases, s.index, s.products.length, productCategories(s.products), backtestWindows(s.end)), n: s.products.length };
}

function complements(s: Setup, v: Validated, q: Quantized, backtest: BasketBacktest): ComplementStage {
  const { index, products, tVal, baskets } = s;
  const category = v.window.signals.category;
  const ships = backtest.ships === 'complement' ? backtest.chosen : BASELINE_SETTINGS[backtest.ships];
  const validation = fitComplements(baskets.filter((b) => b.at < tVal), products.length, tVal, ships);
  const recent = recentPopularity(v.split.history, index, products.length, tVal, 30);
  const table = basketTable(baskets.filter((b) => b.at >= tVal), validation, { popularity: v.model.prior, category }, recent, q.items, s.config.dim);
  console.log(basketReport(backtest, table));
  return { baskets, ships, backtest, validation, table };
}

/** The backtest's table (mean ± standard error, worst fortnight) and the validation month's, as `npm run models` prints them. */
function basketReport(b: BasketBacktest, table: ReturnType<typeof basketTable>): string {
  const reported = b.windows.filter((w) => w.role === 'reported');
  const best = Object.entries(b.reported).filter(([k]) => k !== 'complement').reduce((x, y) => (y[1].mean > x[1].mean ? y : x));
  return [
    `Basket backtest: settings ${JSON.stringify(b.chosen)} chosen on ${b.windows.length - reported.length} fortnights (mean NDCG@10 ${b.tuningMean}); reported on the newest ${reported.length} (${reported.map((w) => w.start).join(', ')}):`,
    ...Object.entries(b.reported).map(([k, m]) => `  ${k.padEnd(18)} NDCG@10 ${m.mean.toFixed(4)} ± ${m.se.toFixed(4)}  worst ${m.worst.toFixed(4)}  (${m.windows.map((x) => x.toFixed(3)).join(' ')})`),
    `complement vs best basket baseline on the backtest mean: ${(b.reported.complement!.mean / Math.max(best[1].mean, 1e-9)).toFixed(3)}x (${best[0]}; the bar is 1.2x): ${b.ships === 'complement' ? 'the complement model ships' : `it loses, so ${b.ships} ships`}`,
    `Validation month's baskets (leave-one-out, what ships): ${Object.entries(table).map(([k, m]) => `${k} ${m['ndcg@10'].toFixed(4)}`).join(', ')}\n`,
  ].join('\n');
}

/** Stage 5 (`-- --ablation`): the second stage retrained without each feature in turn, measured on validation. */
function ablation(t: Tuned, v: Validated): Record<string, ModelMetrics> {
  const out: Record<string, ModelMetrics> = {};
  for (const [k, name] of STAGE_FEATURES.entries()) {
    const without = fitStage(
      t.windows.map((w) => w.users),
      t.windows.map((w) => w.signals),
      k,
    ).scorer;
    out[`-${name}`] = evaluateMeasures(v.users, modelScorers(withStage(v.window.fit.model, v.window.signals, without, v.split.history)));
  }
  console.log(`Ablation (each feature removed, heads retrained):\n${formatTable(v.result.users, { 'two-tower': v.result.models['two-tower']!, ...out })}\n`);
  return out;
}

/** Stage 6, cold start: popularity alone against the tuned country and daypart lifts, on every validation order. */
function coldStart(s: Setup, t: Tuned, v: Validated) {
  const context = buildContext(s.purchases, s.index, s.products.length, s.tVal, t.context.weights);
  const orders = s.purchases.filter((p) => toMillis(p.date) >= s.tVal);
  const ndcg = (w: ColdStartContext['weights']) => coldStartMetrics(v.model.prior, context, orders, s.index, w)['ndcg@10'];
  const report = { weights: t.context.weights, popularity: { 'ndcg@10': ndcg({ country: 0, daypart: 0 }) }, context: { 'ndcg@10': ndcg(t.context.weights) } };
  console.log(`Cold start (every validation order, no history): popularity NDCG@10 ${report.popularity['ndcg@10']}, with country + daypart ${report.context['ndcg@10']}\n`);
  return { context, report };
}

/** The metrics every manifest of this run carries. */
type RunMetrics = Manifest['metrics'];

/** Stage 7a, export the validation model (kept, not shipped, so `npm run eval` re-measures exactly what was reported). */
function exportValidation(s: Setup, v: Validated, q: Quantized, c: ComplementStage, context: ColdStartContext, metrics: RunMetrics): void {
  const dir = path.join(s.root, VALIDATION_DIR);
  rmSync(dir, { recursive: true, force: true });
  const out = writeArtifacts(dir, v.model, {
    catalogVersion: s.catalog.version,
    products: s.products,
    embeddings: q.embeddings,
    complements: c.validation,
    metrics,
    training: trainingInfo(s, v.window.fit, 'validation'),
    golden: goldenHistories(v.split.history, v.model),
    coldStart: context,
  });
  writeFileSync(path.join(dir, 'current.json'), JSON.stringify({ version: out.manifest.version, manifest: `${out.manifest.version}/manifest.json`, inputsHash: '' }));
}

function trainingInfo(s: Setup, f: Fit, role: string) {
  return { role, ...s.config, examples: f.examples, seconds: Math.round(f.seconds * 10) / 10, lossByEpoch: epochLosses(f), dataset: s.catalog.source.dataset, datasetSha256: s.catalog.source.datasetSha256 };
}

/**
 * Stage 7b, ship: the same procedure one month later. The heads learn from the three latest windows (the
 * validation month included: its targets are the closest to what shoppers will do next), the tower from everything.
 */
function exportShipped(s: Setup, towers: Towers, t: Tuned, v: Validated, q: Quantized, c: ComplementStage, b: TowerStage, metrics: RunMetrics): { manifestPath: string; version: string; shipFit: Fit } {
  const { purchases, products, index, end } = s;
  const latest = [t.windows[1]!, t.windows[2]!, v.window];
  const stage = fitStage(
    latest.map((w) => w.users),
    latest.map((w) => w.signals),
  );
  // A shelf whose model lost to its best baseline on the backtest ships that baseline (models/tower-backtest.ts).
  const ships = shippedScorer(stage.scorer, b.verdicts);
  if (ships.baseline.length > 0) console.log(`models: the trained heads lose on ${ships.baseline.join(', ')}: those shelves ship their baseline`);
  const shipFit = towers.at(end);
  const model = withStage(shipFit.model, towers.signalsAt(end), ships.scorer, purchases);
  const out = writeArtifacts(path.join(s.root, MODELS_DIR), model, {
    catalogVersion: s.catalog.version,
    products,
    embeddings: q.embeddings,
    complements: fitComplements(c.baskets, products.length, end, c.ships),
    metrics,
    training: { ...trainingInfo(s, shipFit, 'shipped'), secondStage: { windows: latest.map((w) => iso(w.cut)), ownedOffset: stage.scorer.ownedOffset, repeatFeatures: stage.repeatFeatures, repeatHoldout: stage.repeatHoldout, baselineShelves: ships.baseline } },
    golden: goldenHistories(purchases, model),
    coldStart: buildContext(purchases, index, products.length, end, t.context.weights),
  });
  writeFileSync(path.join(out.dir, 'backtest.svg'), backtestSvg(metrics));
  console.log(`models: wrote ${path.relative(s.root, out.dir)}/ (version ${out.manifest.version}); the backtests per window in ${path.relative(s.root, out.dir)}/backtest.svg`);
  return { manifestPath: path.join(out.dir, 'manifest.json'), version: out.manifest.version, shipFit };
}

/** Moves public/models/current.json to `version`, stamped with the inputs it was made from (npm start's staleness check). */
export function pointTo(root: string, version: string, catalog: CatalogFile): void {
  const pointer: Pointer = { version, manifest: `/models/${version}/manifest.json`, inputsHash: modelInputsHash(catalog) };
  writeFileSync(path.join(root, MODELS_DIR, 'current.json'), `${JSON.stringify(pointer, null, 2)}\n`);
}

/** The stage table as data (data/models/stages.json, not committed): scripts/train-scale.ts charts it across shop sizes. */
function writeStageCosts(root: string, clock: StageClock, work: ReturnType<typeof activities>, basketSeconds: number): void {
  mkdirSync(path.join(root, 'data', 'models'), { recursive: true });
  const body = { stages: clock.rows(), total: clock.total(), activities: [...work, { activity: 'basket backtest (worker)', seconds: Math.round(basketSeconds * 10) / 10, calls: 1 }] };
  writeFileSync(path.join(root, 'data', 'models', 'stages.json'), `${JSON.stringify(body, null, 2)}\n`);
}

function writeLossCurves(root: string, shipped: Fit, validation: Fit): void {
  mkdirSync(path.join(root, 'data', 'models'), { recursive: true });
  writeFileSync(path.join(root, 'data', 'models', 'loss-shipped.csv'), lossCsv(shipped));
  writeFileSync(path.join(root, 'data', 'models', 'loss-validation.csv'), lossCsv(validation));
  writeFileSync(path.join(root, 'data', 'models', 'loss-shipped.svg'), lossSvg(shipped, 'shipped model'));
}

/** The metrics every manifest of this run carries, in the manifest's order (the version hash reads it). */
function runMetrics(v: Validated, q: Quantized, t: Tuned, coldStart: RunMetrics['coldStart'], c: ComplementStage, towerBacktest: TowerStage, ablation: Record<string, ModelMetrics> | undefined): RunMetrics {
  return { validation: v.result, int8: q.report, baselines: t.baselines, coldStart, basket: c.table, basketBacktest: c.backtest, towerBacktest, ...(ablation ? { ablation } : {}) };
}

/** `npm run models`: the stages in order, each returning what the next ones read; the version folder written, not yet current. */
export async function runPipeline(root: string, catalog: CatalogFile, purchases: Purchase[], opts: { ablation?: boolean } = {}): Promise<PipelineResult> {
  const clock = stageClock();
  const s = clock.time('setup', () => setup(root, catalog, purchases));
  const pool = createPool();
  const basketStarted = performance.now();
  const towersDone = clock.timeAsync('towers', () => towers(s, pool));
  const basketDone = pool.run(basketJob(s)).then((b) => ({ b, seconds: (performance.now() - basketStarted) / 1000 }));
  const fitted = await towersDone;
  const baselines = clock.time('baseline tuning', () => tuneBaselinesAt(s));
  const backtestRun = startTowerBacktest(s, fitted, baselines, pool);
  const tuned = clock.time('tune', () => tune(s, fitted, baselines));
  const validated = clock.time('validate', () => validate(s, fitted, tuned));
  const quantized = clock.time('quantize', () => quantize(s, validated));
  const backtest = await clock.timeAsync('tower backtest', () => backtestTowers(s, fitted, tuned, backtestRun));
  const basketRun = await clock.timeAsync('basket wait', () => basketDone);
  console.log(`models: the basket backtest ran ${basketRun.seconds.toFixed(1)} s on a worker, beside the towers`);
  const basket = clock.time('complements', () => complements(s, validated, quantized, basketRun.b));
  const ablated = opts.ablation ? clock.time('ablation', () => ablation(tuned, validated)) : undefined;
  const cold = clock.time('cold start', () => coldStart(s, tuned, validated));
  const metrics = runMetrics(validated, quantized, tuned, cold.report, basket, backtest, ablated);
  const shipped = clock.time('export', () => exportShipped(s, fitted, tuned, validated, quantized, basket, backtest, metrics));
  const work = activities(true);
  console.log(`models: what each stage cost\n${clock.table()}\nmodels: and each kind of work, across the stages (seconds, exclusive): ${work.map((w) => `${w.activity} ${w.seconds} (${w.calls}×)`).join(', ')}; the towers and the basket backtest on workers, above`);
  writeStageCosts(root, clock, work, basketRun.seconds);
  const makeCurrent = () => {
    exportValidation(s, validated, quantized, basket, cold.context, metrics);
    pointTo(s.root, shipped.version, s.catalog);
    writeLossCurves(s.root, shipped.shipFit, validated.window.fit);
    console.log(`models: ${shipped.version} is current; loss curves in data/models/loss-*.csv and loss-shipped.svg`);
  };
  return { manifestPath: shipped.manifestPath, version: shipped.version, validation: validated.result, makeCurrent };
}

/** The issue's bar, said plainly under the table: the shipped scorer against the best baseline on each measure. */
export function verdict(result: EvalResult): string {
  const rows = Object.entries(result.models).filter(([name]) => name !== 'two-tower');
  const shipped = result.models['two-tower']!;
  const best = (get: (m: ModelMetrics) => number) => rows.reduce((a, [name, m]) => (get(m) > a.value ? { name, value: get(m) } : a), { name: '', value: -1 });
  const all = best((m) => m['ndcg@10']);
  const repeat = best((m) => m.repeat['ndcg@10']);
  const pop = result.models['popularity-30d']!.explore['ndcg@10'];
  const ratio = (a: number, b: number) => `${(a / Math.max(b, 1e-9)).toFixed(3)}x`;
  return [
    `shipped vs best baseline, all targets: ${ratio(shipped['ndcg@10'], all.value)} (${all.name}; the bar is 1.10x)`,
    `shipped vs popularity-30d, explore: ${ratio(shipped.explore['ndcg@10'], pop)} (the bar is 1.25x)`,
    `shipped vs best baseline, repeat: ${ratio(shipped.repeat['ndcg@10'], repeat.value)} (${repeat.name}; the bar is 1.00x)`,
  ].join('\n');
}

export function readCatalog(root: string): CatalogFile {
  return parseCatalogFile(readFileSync(path.join(root, 'data', 'catalog.json'), 'utf8'));
}

/** The cleaned purchase log: parsing it takes about a second, so only callers that train or evaluate do. */
export function readPurchases(root: string): Purchase[] {
  return cleanLog(readLog(locateDataset(root))).purchases;
}

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
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { parseCatalogFile, type CatalogFile } from '../lib/catalog/types';
import { DEFAULT_FEATURE_SPEC, type HistoryEvent } from '../lib/recs/features';
import type { Pointer } from '../lib/recs/manifest';
import { dequantizeRows, quantizeRows } from '../lib/recs/quantize';
import { topK } from '../lib/recs/rank';
import { STAGE_FEATURES } from '../lib/recs/score';
import type { ItemSignals } from '../lib/recs/signals';
import { compare, tuneBaselines, type EvalResult } from './compare';
import { buildContext, coldStartMetrics, tuneContextWeights } from './context';
import { evalUsers, evaluateMeasures, formatTable, splitAt, type ModelMetrics } from './evaluate';
import { writeArtifacts } from './export/artifacts';
import { cleanLog, locateDataset, readLog, type Purchase } from './data';
import { fitStage, type WindowUser } from './second-stage';
import { buildSignals } from './signals';
import { basketsOf, basketTable, fitComplements, tuneComplements } from './complements';
import { recentPopularity } from './baselines';
import { DEFAULT_TRAIN_CONFIG, eventsByCustomer, toMillis, type Purchaseish } from './train';
import { fit, modelScorers, priorFrom, windowUsers, withStage, type Fit, type TrainedModel } from './two-tower';

const DAY = 86_400_000;
const PROJECT = fileURLToPath(new URL('..', import.meta.url));
export const MODELS_DIR = path.join('public', 'models');
export const VALIDATION_DIR = path.join('data', 'models', 'validation');
/** Far below what 929 validation customers can resolve (one customer's hit moves NDCG@10 by about 0.001). */
const INT8_TOLERANCE = 0.0005;

// Everything the artifacts are a function of, besides the catalog and the data set.
const CODE = [
  'models/train.ts', 'models/two-tower.ts', 'models/pipeline.ts', 'models/second-stage.ts', 'models/signals.ts', 'models/export/onnx.ts', 'models/export/coreml.ts',
  'models/export/coreml-schema.ts', 'models/export/artifacts.ts', 'lib/recs/features.ts', 'lib/recs/rank.ts', 'lib/recs/score.ts', 'lib/recs/signals.ts',
  'lib/recs/tower.ts', 'lib/recs/quantize.ts', 'lib/recs/manifest.ts', 'lib/recs/item-meta.ts', 'lib/recs/complements.ts', 'models/complements.ts', 'models/context.ts', 'lib/coldstart/context.ts',
  // The manifest's metrics too: a changed baseline or measure must not leave an old table in a new build.
  'models/baselines.ts', 'models/evaluate.ts', 'models/compare.ts',
];

export function modelInputsHash(catalog: CatalogFile): string {
  const h = createHash('sha256').update(catalog.version).update(catalog.source.datasetSha256);
  for (const f of CODE) h.update(readFileSync(path.join(PROJECT, f)));
  return h.digest('hex').slice(0, 16);
}

function fitWithBar(label: string, ...args: Parameters<typeof fit>): Fit {
  const bar = new cliProgress.SingleBar(
    { format: `${label.padEnd(10)} {bar} {percentage}% | step {value}/{total} | loss {loss} | {duration}s`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const result = fit(args[0], args[1], args[2], args[3], args[4], (done, total, loss) => {
    if (!started) {
      bar.start(total, 0, { loss: '-' });
      started = true;
    }
    bar.update(done, { loss: loss.toFixed(3) });
  });
  bar.stop();
  console.log(`${label.padEnd(10)} ${result.examples.toLocaleString('en-GB')} examples, ${result.seconds.toFixed(1)} s, mean loss by epoch ${epochLosses(result).join(' → ')}`);
  return result;
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
  const max = Math.max(...ys);
  const min = Math.min(...ys);
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
  validation: EvalResult;
}

/** One training window of the second stage: customers with history before `cut` and purchases in the 30 days after. */
interface Window {
  cut: number;
  users: WindowUser[];
  signals: ItemSignals;
  fit: Fit;
}

export function runPipeline(root: string, catalog: CatalogFile, purchases: Purchase[], opts: { ablation?: boolean } = {}): PipelineResult {
  const products = catalog.products;
  const skus = products.map((p) => p.sku);
  const index = rowsOf(skus);
  const end = toMillis(purchases.at(-1)!.date) + 60_000;
  const tVal = end - 30 * DAY;
  const tTune = tVal - 30 * DAY;
  const spec = DEFAULT_FEATURE_SPEC;
  const config = DEFAULT_TRAIN_CONFIG;
  const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
  console.log(`models: ${purchases.length.toLocaleString('en-GB')} purchases, ${products.length} products; tuning from ${iso(tTune)}, validation from ${iso(tVal)} to ${iso(end)}`);

  // 1. The second stage learns from three 30-day windows before the validation month, each with a tower
  //    trained only on what came before it (a tower that had seen the window would flatter its own feature).
  const window = (cut: number, label: string, fitted?: Fit): Window => {
    const { history, future } = splitAt(purchases, cut, cut + 30 * DAY);
    const f = fitted ?? fitWithBar(label, products, history, cut, spec, config);
    return { cut, users: windowUsers(f.model, evalUsers(history, future, index)), signals: buildSignals(products, history, cut, spec), fit: f };
  };
  const tuning = [window(tTune - 60 * DAY, 'tuning−60'), window(tTune - 30 * DAY, 'tuning−30'), window(tTune, 'tuning')];
  const stage = fitStage(
    tuning.map((w) => w.users),
    tuning.map((w) => w.signals),
  );
  console.log(
    `models: second stage from ${tuning.reduce((a, w) => a + w.users.length, 0)} customer-windows; repeat head on ${stage.repeatFeatures} (newest window held out: ${JSON.stringify(stage.repeatHoldout)}); all-ranking offset for owned products ${stage.scorer.ownedOffset}`,
  );
  const tune = splitAt(purchases, tTune, tVal);
  const baselines = tuneBaselines(tune.history, tune.future, index, products.length, tTune);
  console.log(`models: baselines tuned on ${iso(tTune)}..${iso(tVal)}: TIFU-KNN ${JSON.stringify(baselines.tifu)}, decayed frequency half-life ${baselines.decayHalfLifeDays} days`);
  const tuneModel = withStage(tuning[2]!.fit.model, tuning[2]!.signals, stage.scorer, tune.history);
  const ctxTuned = tuneContextWeights(tuneModel.prior, purchases, index, products.length, tTune, tVal);
  console.log(`models: cold-start weights country ${ctxTuned.weights.country}, daypart ${ctxTuned.weights.daypart} (tuning NDCG@10 ${ctxTuned.ndcg.toFixed(4)}, popularity alone ${ctxTuned.popularity.toFixed(4)})`);

  // 2. Validate against the baselines, on the month nothing above has seen.
  const valWindow = window(tVal, 'validation');
  const val = splitAt(purchases, tVal, end);
  const valModel = withStage(valWindow.fit.model, valWindow.signals, stage.scorer, val.history);
  const validation = compare(val.history, val.future, skus, tVal, baselines, () => modelScorers(valModel));
  const { q, scales } = quantizeRows(valModel.items, products.length, config.dim);
  const int8Model = { ...valModel, items: dequantizeRows(q, scales, config.dim) };
  const valUsers = evalUsers(val.history, val.future, index);
  const int8Metrics = evaluateMeasures(valUsers, modelScorers(int8Model));
  const floatMetrics = validation.models['two-tower']!;
  let overlap = 0;
  const [floatAll, int8All] = [modelScorers(valModel).all, modelScorers(int8Model).all];
  for (const u of valUsers) {
    const a = new Set(topK(floatAll(u), 10));
    overlap += topK(int8All(u), 10).filter((i) => a.has(i)).length / 10;
  }
  const three = (m: ModelMetrics) => ({ 'ndcg@10': m['ndcg@10'], 'explore-ndcg@10': m.explore['ndcg@10'], 'repeat-ndcg@10': m.repeat['ndcg@10'] });
  // int8 ships (a quarter of the bytes on the wire) only where it loses nothing on any measure: no NDCG@10
  // more than INT8_TOLERANCE below float32's.
  const int8Ships = (['ndcg@10', 'explore-ndcg@10', 'repeat-ndcg@10'] as const).every((k) => three(int8Metrics)[k] >= three(floatMetrics)[k] - INT8_TOLERANCE);
  const int8 = { ...three(int8Metrics), 'top10-overlap': Math.round((overlap / Math.max(valUsers.length, 1)) * 10_000) / 10_000, float32: three(floatMetrics), shipped: int8Ships };
  // What is reported is what ships: with int8 chosen, the shipped scorer's row is the int8 rows' measurement.
  if (int8Ships) validation.models['two-tower'] = int8Metrics;
  const embeddings = int8Ships ? ('int8' as const) : ('float32' as const);
  console.log(`\nValidation (${iso(tVal)} to ${iso(end)}): full-catalogue ranking (see models/evaluate.ts for the three measures)\n${formatTable(validation.users, validation.models)}`);
  console.log(verdict(validation));
  console.log(`int8 embeddings: NDCG@10 all/explore/repeat ${int8['ndcg@10']}/${int8['explore-ndcg@10']}/${int8['repeat-ndcg@10']} (float32 ${int8.float32['ndcg@10']}/${int8.float32['explore-ndcg@10']}/${int8.float32['repeat-ndcg@10']}), top-10 overlap ${int8['top10-overlap']}: ${int8Ships ? 'int8 ships' : 'float32 ships'}\n`);

  // Basket complements (issue 16): settings chosen on the tuning month, measured on the validation month's
  // baskets against the basket baselines, then fitted on everything for the shipped version.
  const allBaskets = basketsOf(purchases, index, 0, end);
  const category = valWindow.signals.category;
  const tunedComplements = tuneComplements(allBaskets, products.length, tTune, tVal, { popularity: priorFrom(purchases.filter((p) => toMillis(p.date) < tTune), index, products.length, tTune), category });
  const valComplements = fitComplements(allBaskets.filter((b) => b.at < tVal), products.length, tVal, tunedComplements.best);
  const valBaskets = allBaskets.filter((b) => b.at >= tVal);
  const basket = basketTable(
    valBaskets,
    valComplements,
    { popularity: valModel.prior, category },
    recentPopularity(val.history, index, products.length, tVal, 30),
    int8Ships ? int8Model.items : valModel.items,
    config.dim,
  );
  const bestBasketBaseline = Object.entries(basket).filter(([k]) => k !== 'complement').reduce((a, b) => (b[1]['ndcg@10'] > a[1]['ndcg@10'] ? b : a));
  const complementRow = basket.complement!;
  console.log(
    `Basket leave-one-out (validation baskets of 2+ products; settings ${JSON.stringify(tunedComplements.best)} chosen on the tuning month):\n${Object.entries(basket)
      .map(([k, m]) => `  ${k.padEnd(18)} NDCG@10 ${m['ndcg@10'].toFixed(4)}  HitRate@10 ${m['hitrate@10'].toFixed(4)}  (${m.baskets} baskets)`)
      .join('\n')}\ncomplement vs best basket baseline: ${(complementRow['ndcg@10'] / Math.max(bestBasketBaseline[1]['ndcg@10'], 1e-9)).toFixed(3)}x (${bestBasketBaseline[0]}; the bar is 1.2x)\n`,
  );

  let ablation: Record<string, ModelMetrics> | undefined;
  if (opts.ablation) {
    ablation = {};
    for (const [k, name] of STAGE_FEATURES.entries()) {
      const without = fitStage(
        tuning.map((w) => w.users),
        tuning.map((w) => w.signals),
        k,
      ).scorer;
      ablation[`-${name}`] = evaluateMeasures(valUsers, modelScorers(withStage(valWindow.fit.model, valWindow.signals, without, val.history)));
    }
    console.log(`Ablation (each feature removed, heads retrained):\n${formatTable(validation.users, { 'two-tower': validation.models['two-tower']!, ...ablation })}\n`);
  }

  const valContext = buildContext(purchases, index, products.length, tVal, ctxTuned.weights);
  const valOrders = purchases.filter((p) => toMillis(p.date) >= tVal);
  const coldStart = {
    weights: ctxTuned.weights,
    popularity: { 'ndcg@10': coldStartMetrics(valModel.prior, valContext, valOrders, index, { country: 0, daypart: 0 })['ndcg@10'] },
    context: { 'ndcg@10': coldStartMetrics(valModel.prior, valContext, valOrders, index, ctxTuned.weights)['ndcg@10'] },
  };
  console.log(`Cold start (every validation order, no history): popularity NDCG@10 ${coldStart.popularity['ndcg@10']}, with country + daypart ${coldStart.context['ndcg@10']}\n`);

  const metrics = { validation, int8, baselines, coldStart, basket, complementTuning: tunedComplements.grid, ...(ablation ? { ablation } : {}) };
  const training = (f: Fit, role: string) => ({ role, ...config, examples: f.examples, seconds: Math.round(f.seconds * 10) / 10, lossByEpoch: epochLosses(f), dataset: catalog.source.dataset });

  // The validation model is kept (not shipped) so `npm run eval` re-measures exactly what was reported.
  rmSync(path.join(root, VALIDATION_DIR), { recursive: true, force: true });
  const validationOut = writeArtifacts(path.join(root, VALIDATION_DIR), valModel, {
    catalogVersion: catalog.version,
    products,
    embeddings,
    complements: valComplements,
    metrics,
    training: training(valWindow.fit, 'validation'),
    golden: goldenHistories(val.history, valModel),
    coldStart: valContext,
  });
  writeFileSync(path.join(root, VALIDATION_DIR, 'current.json'), JSON.stringify({ version: validationOut.manifest.version, manifest: `${validationOut.manifest.version}/manifest.json`, inputsHash: '' }));

  // 3. Ship: the same procedure one month later. The heads learn from the three latest windows (the
  //    validation month included: its targets are the closest to what shoppers will do next), the tower from everything.
  const latest = [tuning[1]!, tuning[2]!, valWindow];
  const shipStage = fitStage(
    latest.map((w) => w.users),
    latest.map((w) => w.signals),
  );
  const shipFit = fitWithBar('shipped', products, purchases, end, spec, config);
  const shipModel = withStage(shipFit.model, buildSignals(products, purchases, end, spec), shipStage.scorer, purchases);
  const out = writeArtifacts(path.join(root, MODELS_DIR), shipModel, {
    catalogVersion: catalog.version,
    products,
    embeddings,
    complements: fitComplements(allBaskets, products.length, end, tunedComplements.best),
    metrics,
    training: { ...training(shipFit, 'shipped'), secondStage: { windows: latest.map((w) => iso(w.cut)), ownedOffset: shipStage.scorer.ownedOffset, repeatFeatures: shipStage.repeatFeatures, repeatHoldout: shipStage.repeatHoldout } },
    golden: goldenHistories(purchases, shipModel),
    coldStart: buildContext(purchases, index, products.length, end, ctxTuned.weights),
  });
  const pointer: Pointer = { version: out.manifest.version, manifest: `/models/${out.manifest.version}/manifest.json`, inputsHash: modelInputsHash(catalog) };
  writeFileSync(path.join(root, MODELS_DIR, 'current.json'), `${JSON.stringify(pointer, null, 2)}\n`);
  mkdirSync(path.join(root, 'data', 'models'), { recursive: true });
  writeFileSync(path.join(root, 'data', 'models', 'loss-shipped.csv'), lossCsv(shipFit));
  writeFileSync(path.join(root, 'data', 'models', 'loss-validation.csv'), lossCsv(valWindow.fit));
  writeFileSync(path.join(root, 'data', 'models', 'loss-shipped.svg'), lossSvg(shipFit, 'shipped model'));
  console.log(`models: wrote ${path.relative(root, out.dir)}/ (version ${out.manifest.version}); loss curves in data/models/loss-*.csv and loss-shipped.svg`);
  return { manifestPath: path.join(out.dir, 'manifest.json'), validation };
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

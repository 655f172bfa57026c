/**
 * `npm run models`: tune, validate, train on everything, export.
 *
 *   tuning model      trained before T−60d, scorer weights grid-searched on purchases in [T−60d, T−30d)
 *   validation model  trained before T−30d with those weights, evaluated on [T−30d, T] against the baselines
 *   shipped model     trained on all of the data with the same weights, exported to public/models/<version>/
 *
 * T is the end of the log. The reported metrics never see data their scorer was tuned on.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import type { CatalogFile } from '../lib/catalog/types';
import { DEFAULT_FEATURE_SPEC, historyInputs, type HistoryEvent } from '../lib/recs/features';
import type { Pointer } from '../lib/recs/manifest';
import { dequantizeRows, quantizeRows } from '../lib/recs/quantize';
import { topK, scoreAll, type ScorerSpec } from '../lib/recs/rank';
import { compare, type EvalResult } from './compare';
import { buildContext, coldStartMetrics, tuneContextWeights } from './context';
import { evalUsers, evaluate, formatTable, splitAt } from './evaluate';
import { writeArtifacts } from './export/artifacts';
import { cleanLog, locateDataset, readLog, type Purchase } from './data';
import { DEFAULT_TRAIN_CONFIG, eventsByCustomer, toMillis, type Purchaseish } from './train';
import { fit, tuneScorer, twoTowerRanker, userEmbedding, type Fit, type TrainedModel } from './two-tower';

const DAY = 86_400_000;
const PROJECT = fileURLToPath(new URL('..', import.meta.url));
export const MODELS_DIR = path.join('public', 'models');
export const VALIDATION_DIR = path.join('data', 'models', 'validation');

// Everything the artifacts are a function of, besides the catalog and the data set.
const CODE = ['models/train.ts', 'models/two-tower.ts', 'models/pipeline.ts', 'models/export/onnx.ts', 'models/export/coreml.ts', 'models/export/coreml-schema.ts', 'models/export/artifacts.ts', 'lib/recs/features.ts', 'lib/recs/rank.ts', 'lib/recs/tower.ts', 'lib/recs/quantize.ts', 'lib/recs/manifest.ts', 'models/context.ts', 'lib/coldstart/context.ts'];

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
  const result = fit(args[0], args[1], args[2], args[3], args[4], args[5], (done, total, loss) => {
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

export function runPipeline(root: string, catalog: CatalogFile, purchases: Purchase[]): PipelineResult {
  const products = catalog.products;
  const skus = products.map((p) => p.sku);
  const index = new Map(skus.map((s, i) => [s, i]));
  const end = toMillis(purchases.at(-1)!.date) + 60_000;
  const tVal = end - 30 * DAY;
  const tTune = tVal - 30 * DAY;
  const spec = DEFAULT_FEATURE_SPEC;
  const config = DEFAULT_TRAIN_CONFIG;
  const untuned: ScorerSpec = { kind: 'dot+repeat+prior', repeatWeight: 0, priorWeight: 0 };
  const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
  console.log(`models: ${purchases.length.toLocaleString('en-GB')} purchases, ${products.length} products; tuning from ${iso(tTune)}, validation from ${iso(tVal)} to ${iso(end)}`);

  // 1. Tune the scorer on a split of its own.
  const tune = splitAt(purchases, tTune, tVal);
  const tuneFit = fitWithBar('tuning', products, tune.history, tTune, spec, config, untuned);
  const tuned = tuneScorer(tuneFit.model, evalUsers(tune.history, tune.future, index));
  console.log(`models: scorer repeatWeight ${tuned.scorer.repeatWeight}, priorWeight ${tuned.scorer.priorWeight} (tuning NDCG@10 ${tuned.metrics['ndcg@10']})`);

  const ctxTuned = tuneContextWeights(tuneFit.model.prior, purchases, index, products.length, tTune, tVal);
  console.log(`models: cold-start weights country ${ctxTuned.weights.country}, daypart ${ctxTuned.weights.daypart} (tuning NDCG@10 ${ctxTuned.ndcg.toFixed(4)}, popularity alone ${ctxTuned.popularity.toFixed(4)})`);

  // 2. Validate against the baselines.
  const val = splitAt(purchases, tVal, end);
  const valFit = fitWithBar('validation', products, val.history, tVal, spec, config, tuned.scorer);
  const validation = compare(val.history, val.future, skus, tVal, () => twoTowerRanker(valFit.model));
  const { q, scales } = quantizeRows(valFit.model.items, products.length, config.dim);
  const int8Model = { ...valFit.model, items: dequantizeRows(q, scales, config.dim) };
  const valUsers = evalUsers(val.history, val.future, index);
  const int8Ndcg = evaluate(valUsers, twoTowerRanker(int8Model))['ndcg@10'];
  let overlap = 0;
  for (const u of valUsers) {
    const h = historyInputs(u.history, index, tVal, spec);
    const top = (m: TrainedModel) => topK(scoreAll(m.scorer, { user: userEmbedding(m, h), items: m.items, dim: m.dim, prior: m.prior, history: h }), 10);
    const a = new Set(top(valFit.model));
    overlap += top(int8Model).filter((i) => a.has(i)).length / 10;
  }
  const int8 = { 'ndcg@10': int8Ndcg, 'top10-overlap': Math.round((overlap / Math.max(valUsers.length, 1)) * 10_000) / 10_000 };
  console.log(`\nValidation (${iso(tVal)} to ${iso(end)}): full-catalogue ranking, bought products not removed\n${formatTable(validation.users, validation.models)}`);
  console.log(`int8 embeddings: NDCG@10 ${int8['ndcg@10']} (float32 ${validation.models['two-tower']!['ndcg@10']}), top-10 overlap ${int8['top10-overlap']}\n`);

  const valContext = buildContext(purchases, index, products.length, tVal, ctxTuned.weights);
  const valOrders = purchases.filter((p) => toMillis(p.date) >= tVal);
  const coldStart = {
    weights: ctxTuned.weights,
    popularity: { 'ndcg@10': coldStartMetrics(valFit.model.prior, valContext, valOrders, index, { country: 0, daypart: 0 })['ndcg@10'] },
    context: { 'ndcg@10': coldStartMetrics(valFit.model.prior, valContext, valOrders, index, ctxTuned.weights)['ndcg@10'] },
  };
  console.log(`Cold start (every validation order, no history): popularity NDCG@10 ${coldStart.popularity['ndcg@10']}, with country + daypart ${coldStart.context['ndcg@10']}\n`);

  const metrics = { validation, int8, tuning: { 'ndcg@10': tuned.metrics['ndcg@10'] }, coldStart };
  const training = (f: Fit, role: string) => ({ role, ...config, examples: f.examples, seconds: Math.round(f.seconds * 10) / 10, lossByEpoch: epochLosses(f), dataset: catalog.source.dataset });

  // The validation model is kept (not shipped) so `npm run eval` re-measures exactly what was reported.
  rmSync(path.join(root, VALIDATION_DIR), { recursive: true, force: true });
  const validationOut = writeArtifacts(path.join(root, VALIDATION_DIR), valFit.model, {
    catalogVersion: catalog.version,
    metrics,
    training: training(valFit, 'validation'),
    golden: goldenHistories(val.history, valFit.model),
    coldStart: valContext,
  });
  writeFileSync(path.join(root, VALIDATION_DIR, 'current.json'), JSON.stringify({ version: validationOut.manifest.version, manifest: `${validationOut.manifest.version}/manifest.json`, inputsHash: '' }));

  // 3. Train on everything and ship.
  const shipFit = fitWithBar('shipped', products, purchases, end, spec, config, tuned.scorer);
  const out = writeArtifacts(path.join(root, MODELS_DIR), shipFit.model, {
    catalogVersion: catalog.version,
    metrics,
    training: training(shipFit, 'shipped'),
    golden: goldenHistories(purchases, shipFit.model),
    coldStart: buildContext(purchases, index, products.length, end, ctxTuned.weights),
  });
  const pointer: Pointer = { version: out.manifest.version, manifest: `/models/${out.manifest.version}/manifest.json`, inputsHash: modelInputsHash(catalog) };
  writeFileSync(path.join(root, MODELS_DIR, 'current.json'), `${JSON.stringify(pointer, null, 2)}\n`);
  mkdirSync(path.join(root, 'data', 'models'), { recursive: true });
  writeFileSync(path.join(root, 'data', 'models', 'loss-shipped.csv'), lossCsv(shipFit));
  writeFileSync(path.join(root, 'data', 'models', 'loss-validation.csv'), lossCsv(valFit));
  writeFileSync(path.join(root, 'data', 'models', 'loss-shipped.svg'), lossSvg(shipFit, 'shipped model'));
  console.log(`models: wrote ${path.relative(root, out.dir)}/ (version ${out.manifest.version}); loss curves in data/models/loss-*.csv and loss-shipped.svg`);
  return { manifestPath: path.join(out.dir, 'manifest.json'), validation };
}

export function readCatalog(root: string): CatalogFile {
  return JSON.parse(readFileSync(path.join(root, 'data', 'catalog.json'), 'utf8')) as CatalogFile;
}

/** The cleaned purchase log: parsing it takes about a second, so only callers that train or evaluate do. */
export function readPurchases(root: string): Purchase[] {
  return cleanLog(readLog(locateDataset(root))).purchases;
}

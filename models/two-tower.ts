/** Fitting the two-tower model up to a cutoff, tuning its scorer, and ranking with exactly the shipped scorer. */
import { CATEGORIES } from '../lib/catalog/categories';
import type { Product } from '../lib/catalog/types';
import { historyInputs, itemFeatures, type FeatureSpec } from '../lib/recs/features';
import { scoreAll, topK, type ScorerSpec } from '../lib/recs/rank';
import { poolHistory, userTower } from '../lib/recs/tower';
import { recentPopularity } from './baselines';
import { evaluate, K, type EvalUser, type Metrics } from './evaluate';
import { buildExamples, eventsByCustomer, itemEmbeddings, train, type ItemTable, type Purchaseish, type TrainConfig, type TrainResult } from './train';

export const CATEGORY_ORDER = CATEGORIES.map((c) => c.slug as string);

export function itemTable(products: readonly Product[], spec: FeatureSpec): ItemTable {
  return {
    count: products.length,
    features: products.map((p) => itemFeatures(p, CATEGORY_ORDER, spec)),
    categoryCount: CATEGORY_ORDER.length,
    priceBucketCount: spec.priceEdges.length + 1,
    tokenBuckets: spec.tokenBuckets,
  };
}

/** What a trained model is at inference: the shipped artifacts, in memory. */
export interface TrainedModel {
  dim: number;
  skus: string[];
  items: Float32Array;
  W: Float32Array;
  b: Float32Array;
  /** log(1 + orders in the 30 days before `now`), scaled to [0, 1]. */
  prior: Float32Array;
  scorer: ScorerSpec;
  spec: FeatureSpec;
  /** The instant the prior and the history weights are computed for. */
  now: number;
}

export function priorFrom(history: readonly Purchaseish[], index: ReadonlyMap<string, number>, n: number, now: number): Float32Array {
  const recent = recentPopularity(history, index, n, now);
  const logs = recent.map((c) => Math.log1p(c));
  const max = Math.max(...logs, 1e-9);
  return logs.map((x) => x / max);
}

export interface Fit {
  model: TrainedModel;
  losses: TrainResult['losses'];
  examples: number;
  seconds: number;
}

/** Trains on purchases before `now` (all of `history` must be before it). */
export function fit(
  products: readonly Product[],
  history: readonly Purchaseish[],
  now: number,
  spec: FeatureSpec,
  config: TrainConfig,
  scorer: ScorerSpec,
  onStep?: (done: number, total: number, loss: number) => void,
): Fit {
  const started = performance.now();
  const index = new Map(products.map((p, i) => [p.sku, i]));
  const table = itemTable(products, spec);
  const examples = buildExamples(eventsByCustomer(history), index, spec, now, config.trainHalfLifeDays);
  const result = train(table, examples, config, onStep);
  const model: TrainedModel = {
    dim: config.dim,
    skus: products.map((p) => p.sku),
    items: itemEmbeddings(result.params, table),
    W: Float32Array.from(result.params.W),
    b: Float32Array.from(result.params.b),
    prior: priorFrom(history, index, products.length, now),
    scorer,
    spec,
    now,
  };
  return { model, losses: result.losses, examples: examples.length, seconds: (performance.now() - started) / 1000 };
}

export function userEmbedding(model: TrainedModel, h: { ids: Int32Array; weights: Float32Array }): Float32Array {
  return userTower({ dim: model.dim, W: model.W, b: model.b }, poolHistory(model.items, model.dim, h.ids, h.weights));
}

/** Ranks with the shipped scorer: the same functions the browser and the edge call. */
export function twoTowerRanker(model: TrainedModel): (u: EvalUser) => number[] {
  const index = new Map(model.skus.map((s, i) => [s, i]));
  return (u) => {
    const h = historyInputs(u.history, index, model.now, model.spec);
    const user = userEmbedding(model, h);
    return topK(scoreAll(model.scorer, { user, items: model.items, dim: model.dim, prior: model.prior, history: h }), K);
  };
}

export const REPEAT_GRID = [0, 0.25, 0.5, 1, 2, 3, 5, 8, 12, 20];
export const PRIOR_GRID = [0, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3];

/** Grid search of the scorer's two weights for NDCG@10 on `users` (a split the reported metrics do not use). */
export function tuneScorer(model: TrainedModel, users: readonly EvalUser[]): { scorer: ScorerSpec; metrics: Metrics } {
  let best: { scorer: ScorerSpec; metrics: Metrics } | undefined;
  for (const repeatWeight of REPEAT_GRID) {
    for (const priorWeight of PRIOR_GRID) {
      const scorer: ScorerSpec = { kind: 'dot+repeat+prior', repeatWeight, priorWeight };
      const metrics = evaluate(users, twoTowerRanker({ ...model, scorer }));
      if (!best || metrics['ndcg@10'] > best.metrics['ndcg@10']) best = { scorer, metrics };
    }
  }
  return best!;
}

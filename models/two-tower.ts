/** Fitting the two-tower model up to a cutoff, adding its second stage, and ranking with exactly the shipped scorer. */
import { rowsOf } from '../lib/recs/items';
import { CATEGORIES } from '../lib/catalog/categories';
import type { Product } from '../lib/catalog/types';
import { historyInputs, itemFeatures, type FeatureSpec, type HistoryInputs } from '../lib/recs/features';
import { dotAll, dotOne } from '../lib/recs/rank';
import { rankingScores, repeatScores, userContext, type ScorerSpec } from '../lib/recs/score';
import type { ItemSignals } from '../lib/recs/signals';
import { poolHistory, userTower } from '../lib/recs/tower';
import { recentPopularity } from './baselines';
import type { EvalUser, Measure, Scorer } from './evaluate';
import type { WindowUser } from './second-stage';
import { buildExamples, itemEmbeddings, train, type ItemTable, type TrainConfig, type TrainResult } from './train';
import { compactEvents, type CompactLog, type Purchaseish } from './data';
import { exampleGroups, productCommunities } from './batches';
import { rng } from './random';

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

/** The two towers after training: the item embeddings and the user tower's layer. */
export interface Tower {
  dim: number;
  skus: string[];
  items: Float32Array;
  W: Float32Array;
  b: Float32Array;
  spec: FeatureSpec;
  /** The instant the history weights are computed for (the end of the training data). */
  now: number;
}

/** What a trained model is at inference: the shipped artifacts, in memory. */
export interface TrainedModel extends Tower {
  signals: ItemSignals;
  scorer: ScorerSpec;
  /**
   * log(1 + orders in the 30 days before `now`), scaled to [0, 1]: the cold-start ranking of a shopper
   * with no history at all, which the context lifts (lib/coldstart). Measured against the scorer's own
   * ranking of an empty history, it won on both splits (validation NDCG@10 0.0257 against 0.0222): the
   * heads learned from customers with a history.
   */
  prior: Float32Array;
}

export interface Fit {
  model: Tower;
  losses: TrainResult['losses'];
  examples: number;
  seconds: number;
}

/** Trains on the purchases of `log` (all of them before `now`; models/data.ts compactLog). */
export function fit(
  products: readonly Product[],
  log: CompactLog,
  now: number,
  spec: FeatureSpec,
  config: TrainConfig,
  onStep?: (done: number, total: number, loss: number) => void,
): Fit {
  const started = performance.now();
  const index = new Map(products.map((p, i) => [p.sku, i]));
  const table = itemTable(products, spec);
  const events = compactEvents(log);
  const examples = buildExamples(events, index, spec, now, config.trainHalfLifeDays, config.sampleByWeight ? rng(config.seed + 2) : undefined);
  const result = train(table, examples, config, onStep, exampleGroups(examples, productCommunities(events, index, products.length)));
  const model: Tower = {
    dim: config.dim,
    skus: products.map((p) => p.sku),
    items: itemEmbeddings(result.params, table),
    W: Float32Array.from(result.params.W),
    b: Float32Array.from(result.params.b),
    spec,
    now,
  };
  return { model, losses: result.losses, examples: examples.length, seconds: (performance.now() - started) / 1000 };
}

export function userEmbedding(model: Tower, h: { ids: Int32Array; weights: Float32Array }): Float32Array {
  return userTower({ dim: model.dim, W: model.W, b: model.b }, poolHistory(model.items, model.dim, h.ids, h.weights));
}

export function priorFrom(history: readonly Purchaseish[], index: ReadonlyMap<string, number>, n: number, now: number): Float32Array {
  const logs = recentPopularity(history, index, n, now).map((c) => Math.log1p(c));
  // A loop, not Math.max(...logs): a spread of 100k arguments overflows the stack.
  const max = logs.reduce((m, x) => Math.max(m, x), 1e-9);
  return logs.map((x) => x / max);
}

/** A tower with its second stage and the cold-start prior of the same moment. */
export function withStage(tower: Tower, signals: ItemSignals, scorer: ScorerSpec, history: readonly Purchaseish[]): TrainedModel {
  return { ...tower, signals, scorer, prior: priorFrom(history, rowsOf(tower.skus), tower.skus.length, tower.now) };
}

/** Per customer: the history inputs and the user embedding, from which the dot products are computed when asked. */
export function windowUsers(tower: Tower, users: readonly EvalUser[]): WindowUser[] {
  const index = rowsOf(tower.skus);
  return users.map((user) => {
    const history = historyInputs(user.history, index, tower.now, tower.spec);
    const u = userEmbedding(tower, history);
    return { user, history, dots: () => dotAll(u, tower.items, tower.dim), dot: (i) => dotOne(u, tower.items, tower.dim, i) };
  });
}

/**
 * The shipped scorer as one Scorer per measure: 'all' and 'explore' rankings over the catalogue, 'repeat'
 * the repeat head over the history slots (owned products beyond the newest slots score lowest). The same
 * lib/recs/score.ts functions the worker and the edge call. `dots` may come from elsewhere (the ONNX tower).
 */
export function stageScorers(model: Pick<TrainedModel, 'signals' | 'scorer'>, prepared: (u: EvalUser) => { history: HistoryInputs; dots: Float32Array }): Record<Measure, Scorer> {
  // The evaluation asks for one customer's three measures in a row: only the last customer is kept (a cache of
  // every customer's catalogue-long dots was customers × products floats: gigabytes at 100k products). The
  // explore head runs once: "all" is its scores with the owned products at offset + repeat score, which is
  // rankingScores('all') to the bit, at half the cost.
  // Three arrays, reused customer after customer (the evaluation reads one customer's before asking for the next).
  const n = model.signals.n;
  const [explore, all, repeat] = [new Float32Array(n), new Float32Array(n), new Float32Array(n).fill(-1e9)];
  let last: { customer: string; owned: [number, number][] } | undefined;
  const get = (u: EvalUser) => {
    if (last?.customer !== u.customer) {
      for (const [i] of last?.owned ?? []) repeat[i] = -1e9;
      const p = prepared(u);
      const ctx = userContext(model.signals, p.history);
      const owned = repeatScores(model.scorer, model.signals, ctx, p.dots);
      explore.set(p.dots);
      rankingScores('explore', model.scorer, model.signals, ctx, explore);
      all.set(explore);
      for (const [i, z] of owned) {
        all[i] = model.scorer.ownedOffset + z;
        repeat[i] = z;
      }
      last = { customer: u.customer, owned };
    }
  };
  return {
    all: (u) => (get(u), all),
    explore: (u) => (get(u), explore),
    repeat: (u) => (get(u), repeat),
  };
}

/** The shipped scorer over a model trained here (the tower in TypeScript). */
export function modelScorers(model: TrainedModel): Record<Measure, Scorer> {
  const index = rowsOf(model.skus);
  return stageScorers(model, (u) => {
    const history = historyInputs(u.history, index, model.now, model.spec);
    return { history, dots: dotAll(userEmbedding(model, history), model.items, model.dim) };
  });
}

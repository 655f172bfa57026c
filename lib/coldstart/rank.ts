/**
 * Cold-start ranking for shoppers the device cannot rank for yet (no history, model not loaded, no
 * worker). Pure and written only against the language and Web APIs, so it runs in an edge runtime.
 *
 * Without session products: the shipped scorer's ranking of an empty history (the model's prior) lifted
 * by the request's context (country, time of day; lib/coldstart/context.ts). With `recent` (this
 * session's views, at most 20) or a product on screen: the shipped scorer's explore ranking of that
 * history (lib/recs/score.ts, the tower in TypeScript: the same code the device runs after ONNX).
 * Then the shelf's rules, the same module the worker applies (lib/recs/shelf-rules.ts).
 */
import { PLACEMENTS, type Placement } from '../config/schema';
import { historyInputs, type FeatureSpec, type HistoryEvent } from '../recs/features';
import { complementScores, type Complements } from '../recs/complements';
import { dotAll } from '../recs/rank';
import { reasonFor, type ReasonSources } from '../recs/reasons';
import { rankingScores, userContext, type ScorerSpec } from '../recs/score';
import type { ItemSignals } from '../recs/signals';
import { selectShelf, type ShelfRules } from '../recs/shelf-rules';
import { poolHistory, userTower, type UserTowerWeights } from '../recs/tower';
import type { Ranked } from './answer';
import { contextScores, type ColdStartContext, type RequestContext } from './context';

export { PLACEMENTS, type Placement };

export interface ColdStartData {
  modelVersion: string;
  skus: string[];
  index: ReadonlyMap<string, number>;
  /** Row-major [skus.length, dim], L2-normalised. */
  items: Float32Array;
  dim: number;
  prior: Float32Array;
  context: ColdStartContext;
  /** The shipped scorer's parts, for histories of session products. */
  signals: ItemSignals;
  tower: UserTowerWeights;
  scorer: ScorerSpec;
  features: FeatureSpec;
  /** Basket complements ("frequently bought together"). */
  complements: Complements;
  /** Per item, from the catalogue the model was trained on: what a shelf needs to show it. */
  names: string[];
  prices: number[];
  categories: string[];
}

export interface ColdStartQuery {
  placement: Placement;
  k: number;
  recent: string[];
  sku?: string;
}

export interface ColdStartOptions {
  request?: RequestContext;
  /** The instant the session's events are dated (tests fix it). */
  now?: number;
}


/**
 * The shelf for a shopper the device cannot rank for, under the shelf's rules (lib/recs/shelf-rules.ts,
 * the ones the worker applies). `recent` (this session's views) is the history: views dated now, so a
 * shelf that leaves out recent views leaves them out here too; the anchor is the strongest signal.
 */
export function coldStartRank(data: ColdStartData, rules: ShelfRules, recent: readonly string[], opts: ColdStartOptions = {}): Ranked[] {
  const { items, dim: d, prior } = data;
  const n = data.skus.length;
  const now = opts.now ?? Date.now();
  const history: HistoryEvent[] = recent.filter((s) => data.index.has(s)).map((sku) => ({ sku, at: now, kind: 'view' as const }));
  const anchored = rules.anchorSku !== undefined && data.index.has(rules.anchorSku);
  let scores: Float32Array;
  const basket = anchored ? [data.index.get(rules.anchorSku!)!] : history.map((e) => data.index.get(e.sku)!);
  if (rules.ranking === 'complement') {
    // The product on screen as the basket (the session's views where there is none: the edge never sees a cart).
    scores = complementScores(data.complements, { popularity: prior, category: data.signals.category }, basket);
  } else if (history.length === 0 && !anchored) {
    scores = contextScores(prior, data.context, opts.request ?? { hour: 12 }, opts.request ? data.context.weights : { country: 0, daypart: 0 });
  } else {
    // The session as a history: the views as views, the product on screen as the strongest signal.
    const events = anchored ? [...history, { sku: rules.anchorSku!, at: now, kind: 'purchase' as const }] : history;
    const h = historyInputs(events, data.index, now, data.features);
    const user = userTower(data.tower, poolHistory(items, d, h.ids, h.weights));
    scores = rankingScores('explore', data.scorer, data.signals, userContext(data.signals, h), dotAll(user, items, d, new Float32Array(n)));
  }
  const catalogue = { index: data.index, category: (i: number) => data.categories[i], n };
  const pinned = new Set(rules.pin.flatMap((s) => (data.index.has(s) ? [data.index.get(s)!] : [])));
  const reasons: ReasonSources = {
    names: data.names,
    items,
    dim: d,
    history: basket,
    pinned,
    ...(rules.ranking === 'complement' ? { complements: { model: data.complements, basket } } : {}),
  };
  return selectShelf(rules, scores, { history, cart: [], now }, catalogue).map((i) => ({
    sku: data.skus[i]!,
    score: Math.round(scores[i]! * 1e6) / 1e6,
    name: data.names[i]!,
    price: data.prices[i]!,
    reason: reasonFor(i, reasons),
    ...(pinned.has(i) ? { pinned: true as const } : {}),
  }));
}

/**
 * Cold-start ranking for shoppers the device cannot rank for yet (no history, model not loaded, no
 * worker). Pure and written only against the language and Web APIs, so it runs in an edge runtime.
 *
 * Without session products: the shipped scorer's ranking of an empty history (the model's prior) lifted
 * by the request's context (country, time of day; lib/coldstart/context.ts). With `recent` (this
 * session's views, at most 20) or a product on screen: the shipped scorer's explore ranking of that
 * history (lib/recs/score.ts, the tower in TypeScript: the same code the device runs after ONNX).
 * Then the placement's rules: category filter, blocked codes, pinned codes first.
 */
import { PLACEMENTS, type Placement } from '../config/schema';
import { historyInputs, type FeatureSpec, type HistoryEvent } from '../recs/features';
import { withPins } from '../recs/merchandise';
import { dotAll, topK } from '../recs/rank';
import { rankingScores, userContext, type ScorerSpec } from '../recs/score';
import type { ItemSignals } from '../recs/signals';
import { poolHistory, userTower, type UserTowerWeights } from '../recs/tower';
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
  /** Product shelves: keep the anchor's category ('same'), or leave it out ('other'). */
  category?: 'same' | 'other';
  pin?: readonly string[];
  block?: readonly string[];
  /** The instant the session's events are dated (tests fix it). */
  now?: number;
}

export interface Ranked {
  sku: string;
  score: number;
  name: string;
  price: number;
  /** Placed by a merchandising rule, not by the ranker. */
  pinned?: true;
}

export function coldStartRank(data: ColdStartData, q: ColdStartQuery, opts: ColdStartOptions = {}): Ranked[] {
  const { items, dim: d, prior } = data;
  const n = data.skus.length;
  const idx = (s: string) => data.index.get(s);
  const anchors = [...q.recent, ...(q.sku ? [q.sku, q.sku] : [])] // the product on screen counts double
    .map(idx)
    .filter((i): i is number => i !== undefined);
  const exclude = new Set(anchors);
  for (const s of opts.block ?? []) {
    const i = idx(s);
    if (i !== undefined) exclude.add(i);
  }
  const anchorCategory = q.sku !== undefined && opts.category ? data.categories[idx(q.sku) ?? -1] : undefined;
  if (anchorCategory) data.categories.forEach((c, i) => (c === anchorCategory) !== (opts.category === 'same') && exclude.add(i));

  let scores: Float32Array;
  if (anchors.length === 0) {
    scores = contextScores(prior, data.context, opts.request ?? { hour: 12 }, opts.request ? data.context.weights : { country: 0, daypart: 0 });
  } else {
    // The session as a history: the views as views, the product on screen as the strongest signal.
    const now = opts.now ?? Date.now();
    const events: HistoryEvent[] = [...q.recent.map((sku) => ({ sku, at: now, kind: 'view' as const })), ...(q.sku ? [{ sku: q.sku, at: now, kind: 'purchase' as const }] : [])];
    const h = historyInputs(events, data.index, now, data.features);
    const user = userTower(data.tower, poolHistory(items, d, h.ids, h.weights));
    scores = rankingScores('explore', data.scorer, data.signals, userContext(data.signals, h), dotAll(user, items, d, new Float32Array(n)));
  }
  const pins = (opts.pin ?? []).map(idx).filter((i): i is number => i !== undefined && !anchors.includes(i));
  const pinned = new Set(pins);
  return withPins(topK(scores, q.k, exclude), pins, q.k).map((i) => ({
    sku: data.skus[i]!,
    score: Math.round(scores[i]! * 1e6) / 1e6,
    name: data.names[i]!,
    price: data.prices[i]!,
    ...(pinned.has(i) ? { pinned: true as const } : {}),
  }));
}

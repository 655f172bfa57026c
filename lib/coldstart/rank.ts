/**
 * Cold-start ranking for shoppers the device cannot rank for yet (no history, model not loaded, no
 * worker). Pure and written only against the language and Web APIs, so it runs in an edge runtime.
 *
 * Without session products: the recent-popularity prior lifted by the request's context (country,
 * time of day; lib/coldstart/context.ts). With `recent` (this session's views, at most 20) or a
 * product on screen: cosine to the mean of their item embeddings, plus a little of the prior to break
 * near-ties sensibly. Then the placement's rules: category filter, blocked codes, pinned codes first.
 */
import { PLACEMENTS, type Placement } from '../config/schema';
import { withPins } from '../recs/merchandise';
import { topK } from '../recs/rank';
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
}

export interface Ranked {
  sku: string;
  score: number;
  name: string;
  price: number;
  /** Placed by a merchandising rule, not by the ranker. */
  pinned?: true;
}

const PRIOR_WEIGHT_WITH_ANCHORS = 0.25;

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
    scores = new Float32Array(n);
    const query = new Float32Array(d);
    for (const a of anchors) for (let k = 0; k < d; k++) query[k]! += items[a * d + k]!;
    let norm = 0;
    for (let k = 0; k < d; k++) norm += query[k]! * query[k]!;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (query[k]! / norm) * items[i * d + k]!;
      scores[i] = s + PRIOR_WEIGHT_WITH_ANCHORS * prior[i]!;
    }
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

/**
 * Cold-start ranking for shoppers the device cannot rank for yet (no history, model not loaded, no
 * worker). Pure and written only against the language and Web APIs, so it runs in an edge runtime.
 *
 * Without recent products: the shipped recent-popularity prior (the strongest context signal the
 * artifacts carry today). With `recent` (this session's views, at most 20) or a product on screen:
 * cosine to the mean of their item embeddings, plus a little of the prior to break near-ties sensibly.
 */
import { topK } from '../recs/rank';

export const PLACEMENTS = ['home-top', 'product-similar', 'cart-upsell'] as const;
export type Placement = (typeof PLACEMENTS)[number];

export interface ColdStartData {
  modelVersion: string;
  skus: string[];
  index: ReadonlyMap<string, number>;
  /** Row-major [skus.length, dim], L2-normalised. */
  items: Float32Array;
  dim: number;
  prior: Float32Array;
}

export interface ColdStartQuery {
  placement: Placement;
  k: number;
  recent: string[];
  sku?: string;
}

export interface Ranked {
  sku: string;
  score: number;
}

const PRIOR_WEIGHT_WITH_CONTEXT = 0.25;

export function coldStartRank(data: ColdStartData, q: ColdStartQuery): Ranked[] {
  const { items, dim: d, prior } = data;
  const n = data.skus.length;
  const anchors = [...q.recent, ...(q.sku ? [q.sku, q.sku] : [])] // the product on screen counts double
    .map((s) => data.index.get(s))
    .filter((i): i is number => i !== undefined);
  const exclude = new Set(anchors);
  const scores = new Float32Array(n);
  if (anchors.length === 0) {
    scores.set(prior);
  } else {
    const query = new Float32Array(d);
    for (const a of anchors) for (let k = 0; k < d; k++) query[k]! += items[a * d + k]!;
    let norm = 0;
    for (let k = 0; k < d; k++) norm += query[k]! * query[k]!;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (query[k]! / norm) * items[i * d + k]!;
      scores[i] = s + PRIOR_WEIGHT_WITH_CONTEXT * prior[i]!;
    }
  }
  return topK(scores, q.k, exclude).map((i) => ({ sku: data.skus[i]!, score: Math.round(scores[i]! * 1e6) / 1e6 }));
}

/** Small random stand-ins for the second stage, for tests of the export and the runtimes (not a test file itself). */
import type { Complements } from '../lib/recs/complements';
import { STAGE_FEATURES, type ScorerSpec } from '../lib/recs/score';
import type { ItemSignals } from '../lib/recs/signals';
import type { Manifest } from '../lib/recs/manifest';
import { rng } from './random';

/** Signals with every part populated: vectors, two neighbours and two name tokens per item, three categories. */
export function syntheticSignals(n: number, seed = 5): ItemSignals {
  const r = rng(seed);
  const vec = () => Float32Array.from({ length: n }, () => r());
  return {
    n,
    vectors: { pop30: vec(), pop7: vec(), trend: vec(), fresh: vec(), repeatRate: vec(), interval: Float32Array.from({ length: n }, () => 5 + 60 * r()), logPrice: vec() },
    neighboursPerItem: 2,
    neighbours: Int32Array.from({ length: 2 * n }, (_, k) => (k % 2 === 1 && k % 6 === 1 ? -1 : (Math.floor(k / 2) + 1 + (k % 2) * 3) % n)),
    neighbourWeights: Float32Array.from({ length: 2 * n }, () => r()),
    tokenOffsets: Int32Array.from({ length: n + 1 }, (_, i) => 2 * i),
    tokens: Uint16Array.from({ length: 2 * n }, (_, k) => (k * 7) % 16),
    category: Uint8Array.from({ length: n }, (_, i) => i % 3),
    categories: 3,
  };
}

/** Non-zero weights on every feature, so a term computed wrongly anywhere changes the rankings. */
export function syntheticScorer(seed = 8): ScorerSpec {
  const r = rng(seed);
  const w = () => STAGE_FEATURES.map(() => Math.round((r() * 2 - 0.5) * 1000) / 1000);
  return { kind: 'two-stage', features: [...STAGE_FEATURES], heads: { explore: w(), repeat: w() }, ownedOffset: 1.5 };
}

export function emptyMetrics(): Manifest['metrics'] {
  return {
    validation: { users: 0, models: {} },
    int8: { 'ndcg@10': 0, 'top10-overlap': 1, 'explore-ndcg@10': 0, 'repeat-ndcg@10': 0, float32: { 'ndcg@10': 0, 'explore-ndcg@10': 0, 'repeat-ndcg@10': 0 }, shipped: false },
    baselines: { tifu: { groupSize: 4, withinDecay: 1, groupDecay: 1, neighbours: 50, alpha: 0.9 }, decayHalfLifeDays: 60 },
    coldStart: { weights: { country: 0, daypart: 0 }, popularity: { 'ndcg@10': 0 }, context: { 'ndcg@10': 0 } },
    basket: {},
  };
}

/** Stand-in catalogue rows for a synthetic model's products (items-meta.json). */
export function syntheticProducts(skus: readonly string[]): { sku: string; name: string; price: number; category: 'other' }[] {
  return skus.map((sku, i) => ({ sku, name: `Product ${sku}`, price: Math.round((1 + (i % 17) * 0.35) * 100) / 100, category: 'other' }));
}

/** Seeded complements for a synthetic model: item i's neighbours are the next few items. */
export function syntheticComplements(n: number, m = 4): Complements {
  const neighbours = Int32Array.from({ length: n * m }, (_, j) => (Math.floor(j / m) + 1 + (j % m)) % n);
  const weights = Float32Array.from({ length: n * m }, (_, j) => m - (j % m));
  return { spec: { neighboursPerItem: m, halfLifeDays: null, categoryWeight: 0.1, evidence: 0, popularityWeight: 0 }, n, neighbours, weights };
}

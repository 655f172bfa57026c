/**
 * A golden case through a scorer graph: its slots as the graph's four inputs, and the graph's three outputs back
 * to the case's three rankings, ranked as goldenCases ranks the TypeScript reference's scores. The ONNX and Core ML
 * parity tests share it, so both are held to the same reading of golden.json.
 */
import { rowsOf } from '../../lib/recs/items';
import { topK } from '../../lib/recs/rank';
import type { GoldenCase } from './artifacts';
import { SCORER_INPUTS, type Manifest } from '../../lib/recs/manifest';
import { graphFeeds, tablesFor, type GraphTable } from '../../lib/recs/graph-tables';
import type { ItemSignals } from '../../lib/recs/signals';

/** The case's slots as float32 [L] arrays, by input name (ids −1 and zeros past the recorded slots). */
export function goldenSlots(g: GoldenCase, historyLength: number): Record<(typeof SCORER_INPUTS)[number], Float32Array> {
  const slots = [g.expected.ids, g.expected.weights, g.expected.counts, g.expected.ages];
  return Object.fromEntries(SCORER_INPUTS.map((name, k) => [name, Float32Array.from({ length: historyLength }, (_, j) => slots[k]![j] ?? (k === 0 ? -1 : 0))])) as Record<(typeof SCORER_INPUTS)[number], Float32Array>;
}

/** Every input a version's graph reads for a golden case: its slots, and the version's catalogue tables (lib/recs/graph-tables.ts). */
export function goldenFeeds(g: GoldenCase, model: { manifest: Manifest; items: Float32Array; signals: ItemSignals }): Record<string, GraphTable> {
  const { manifest } = model;
  const inputs = manifest.scorerGraph?.inputs ?? SCORER_INPUTS.map((name) => ({ name, shape: [1, manifest.features.historyLength] }));
  return graphFeeds(inputs, goldenSlots(g, manifest.features.historyLength), tablesFor(inputs, model.items, manifest.dim, model.signals, manifest.features.tokenBuckets));
}

export interface GraphScores {
  explore_scores: ArrayLike<number>;
  repeat_scores: ArrayLike<number>;
  all_scores: ArrayLike<number>;
}

/** top10 (all scores), explore10 (explore scores without the case's purchases) and repeat (the repeat head over the case's own products). */
export function goldenRankings(g: GoldenCase, skus: readonly string[], out: GraphScores): Pick<GoldenCase['expected'], 'top10' | 'explore10' | 'repeat'> {
  const index = rowsOf(skus);
  const sku = (i: number) => skus[i]!;
  const bought = new Set(g.events.filter((e) => e.kind === 'purchase').flatMap((e) => (index.has(e.sku) ? [index.get(e.sku)!] : [])));
  const repeat = out.repeat_scores;
  const owned = g.expected.ids.filter((id) => id >= 0);
  return {
    top10: topK(Float32Array.from(out.all_scores), 10).map(sku),
    explore10: topK(Float32Array.from(out.explore_scores), 10, bought).map(sku),
    repeat: [...owned].sort((a, b) => repeat[b]! - repeat[a]! || a - b).map(sku),
  };
}

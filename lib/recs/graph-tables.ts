/**
 * The scorer graph's catalogue tables (lib/recs/manifest.ts SCORER_TABLES), built from what a runtime already holds
 * of a version: its rows and its item signals. The graph itself then holds no product (issue 33): the app, the
 * worker and Node feed the whole catalogue's tables, or a device's local catalogue of parts (lib/recs/parts.ts).
 * Pure, so every runtime builds the same feeds.
 */
import type { ScorerTable } from './manifest';
import type { ItemSignals } from './signals';

export interface GraphTable {
  data: Float32Array;
  shape: number[];
}

/** The most name-word buckets any product has, at least 1 (the width of item_tokens). */
export function tokenWidth(s: ItemSignals): number {
  let T = 1;
  for (let i = 0; i < s.n; i++) T = Math.max(T, s.tokenOffsets[i + 1]! - s.tokenOffsets[i]!);
  return T;
}

/**
 * Every table the graph reads, by input name: `T` words per product (a version's graph fixes it: the manifest's
 * item_tokens shape), padded with the bucket `pad` (features.tokenBuckets: one the graph keeps at share 0).
 * item_community only where the catalogue has communities.
 */
export function graphTables(items: Float32Array, dim: number, s: ItemSignals, T: number, pad: number): Partial<Record<ScorerTable, GraphTable>> {
  const { n } = s;
  const m = s.neighboursPerItem;
  const v = s.vectors;
  const tokens = new Float32Array(n * T).fill(pad);
  const mask = new Float32Array(n * T);
  for (let i = 0; i < n; i++)
    for (let k = s.tokenOffsets[i]!, j = 0; k < s.tokenOffsets[i + 1]! && j < T; k++, j++) {
      tokens[i * T + j] = s.tokens[k]!;
      mask[i * T + j] = 1;
    }
  const vec = (x: Float32Array): GraphTable => ({ data: x, shape: [n] });
  return {
    item_rows: { data: items, shape: [n, dim] },
    item_pop30: vec(v.pop30),
    item_pop7: vec(v.pop7),
    item_trend: vec(v.trend),
    item_fresh: vec(v.fresh),
    item_repeat_rate: vec(v.repeatRate),
    item_interval: vec(v.interval),
    item_log_price: vec(v.logPrice),
    item_category: vec(Float32Array.from(s.category)),
    item_neighbours: { data: Float32Array.from(s.neighbours), shape: [n, m] },
    item_neighbour_weights: { data: s.neighbourWeights, shape: [n, m] },
    item_tokens: { data: tokens, shape: [n, T] },
    item_token_mask: { data: mask, shape: [n, T] },
    ...(s.community ? { item_community: vec(Float32Array.from(s.community)) } : {}),
  };
}

/** A graph input as a version's manifest describes it ('n' and 'batch': the caller's sizes). */
export interface GraphInput {
  name: string;
  shape: readonly (number | string)[];
}

/**
 * Every input the graph reads, by name, as the manifest lists them: the history's four slot arrays [1, L] (`slots`,
 * by name) and the catalogue's tables (`tables`; built once per model: graphTables). A version from before the
 * tables lists only the slots, and gets only those.
 */
export function graphFeeds(inputs: readonly GraphInput[], slots: Readonly<Record<string, Float32Array>>, tables: Partial<Record<string, GraphTable>>): Record<string, GraphTable> {
  return Object.fromEntries(
    inputs.map((t) => {
      const slot = slots[t.name];
      if (slot) return [t.name, { data: slot, shape: [1, slot.length] }];
      const table = tables[t.name];
      if (!table) throw new Error(`the scorer graph reads ${t.name}, which no table here provides`);
      return [t.name, table];
    }),
  );
}

/** The tables a version's graph reads, for a catalogue's rows and signals: its word width from the manifest's item_tokens. */
export function tablesFor(inputs: readonly GraphInput[], items: Float32Array, dim: number, s: ItemSignals, tokenBuckets: number): Partial<Record<ScorerTable, GraphTable>> {
  const tokens = inputs.find((t) => t.name === 'item_tokens');
  if (!tokens) return {};
  return graphTables(items, dim, s, Number(tokens.shape[1]), tokenBuckets);
}

/**
 * The one feature pipeline: history → model inputs, and product → item features. Training, evaluation,
 * the browser worker, the edge ranker and the exported models all call these functions; the parameters
 * travel in the manifest (`FeatureSpec`), never as constants at a call site.
 */
import { z } from 'zod';

/** The feature settings, as the manifest carries them (one definition: the type is inferred from it). */
export const FeatureSpecSchema = z.object({
  /** Distinct products kept from a history, most recent first; the rest is padding. */
  historyLength: z.number().int().positive(),
  /** Index used for padding slots (their weight is 0). */
  paddingId: z.number().int(),
  /** An event's weight halves every this many days. */
  halfLifeDays: z.number().positive(),
  /** What an event of each kind counts for, relative to a purchase. */
  kindWeights: z.object({ purchase: z.number(), cart: z.number(), view: z.number() }),
  /** Upper edges (GBP) of the price buckets; a price above the last edge is the last bucket + 1. */
  priceEdges: z.array(z.number()),
  /** Buckets for hashed name tokens. */
  tokenBuckets: z.number().int().positive(),
});
export type FeatureSpec = z.infer<typeof FeatureSpecSchema>;

export type EventKind = keyof FeatureSpec['kindWeights'];

export interface HistoryEvent {
  sku: string;
  /** Milliseconds since the epoch. */
  at: number;
  kind: EventKind;
}

export const DEFAULT_FEATURE_SPEC: FeatureSpec = {
  historyLength: 50,
  paddingId: -1,
  halfLifeDays: 180,
  kindWeights: { purchase: 1, cart: 0.5, view: 0.25 },
  priceEdges: [0.5, 0.85, 1.25, 1.75, 2.5, 4, 6, 10],
  tokenBuckets: 1024,
};

const DAY = 86_400_000;

export interface HistoryInputs {
  /** Item indices, most recently touched first, `paddingId` after the last. */
  ids: Int32Array;
  /** Recency- and kind-weighted sum of each item's events; 0 on padding. */
  weights: Float32Array;
  /** Kind-weighted count of each item's events, not decayed (a purchase 1, a view 0.25); 0 on padding. */
  counts: Float32Array;
  /** Days from each item's last event to `now`; 0 on padding. */
  ages: Float32Array;
}

/**
 * Events → the user tower's inputs. One slot per distinct product: its weight is the sum over its events
 * of kind weight × 0.5^(age / half-life), so a product bought often and lately weighs most. Events for
 * products the model does not know, and events from the future, are ignored.
 */
export function historyInputs(events: readonly HistoryEvent[], index: ReadonlyMap<string, number>, now: number, spec: FeatureSpec): HistoryInputs {
  const byItem = new Map<number, { weight: number; count: number; last: number }>();
  for (const e of events) {
    const id = index.get(e.sku);
    if (id === undefined || e.at > now) continue;
    const w = spec.kindWeights[e.kind] * Math.pow(0.5, (now - e.at) / DAY / spec.halfLifeDays);
    const slot = byItem.get(id);
    if (slot) {
      slot.weight += w;
      slot.count += spec.kindWeights[e.kind];
      if (e.at > slot.last) slot.last = e.at;
    } else byItem.set(id, { weight: w, count: spec.kindWeights[e.kind], last: e.at });
  }
  const ordered = [...byItem.entries()].sort((a, b) => b[1].last - a[1].last || a[0] - b[0]).slice(0, spec.historyLength);
  const ids = new Int32Array(spec.historyLength).fill(spec.paddingId);
  const weights = new Float32Array(spec.historyLength);
  const counts = new Float32Array(spec.historyLength);
  const ages = new Float32Array(spec.historyLength);
  ordered.forEach(([id, s], i) => {
    ids[i] = id;
    weights[i] = s.weight;
    counts[i] = s.count;
    ages[i] = (now - s.last) / DAY;
  });
  return { ids, weights, counts, ages };
}

export function priceBucket(price: number, edges: readonly number[]): number {
  const i = edges.findIndex((e) => price <= e);
  return i === -1 ? edges.length : i;
}

// FNV-1a: stable across runtimes, no dependencies.
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const STOP = new Set(['of', 'and', 'in', 'the', 'with', 'a', 'set', 'pack', 'assorted', 'design']);

/** Hashed word buckets of a product name: the content feature that lets rare products borrow from similar ones. */
export function nameTokens(name: string, buckets: number): number[] {
  const words = name.toLowerCase().replace(/[^a-z]+/g, ' ').trim().split(' ');
  const out = new Set<number>();
  for (const w of words) if (w.length > 1 && !STOP.has(w)) out.add(fnv1a(w) % buckets);
  return [...out].sort((a, b) => a - b);
}

export interface ItemFeatures {
  category: number;
  priceBucket: number;
  tokens: number[];
}

export function itemFeatures(p: { name: string; price: number; category: string }, categories: readonly string[], spec: FeatureSpec): ItemFeatures {
  return {
    category: Math.max(0, categories.indexOf(p.category)),
    priceBucket: priceBucket(p.price, spec.priceEdges),
    tokens: nameTokens(p.name, spec.tokenBuckets),
  };
}

/**
 * "Frequently bought together": products that share invoices (baskets) with the ones in hand. Trained by
 * `npm run models` (models/complements.ts) and shipped with the model version as `complements.bin`, hashed in
 * the manifest: the best few neighbours per product, not a dense matrix. Pure, so the worker, the edge and
 * the evaluation rank with the same code.
 *
 * A basket's score for product b: S(b) = Σ over the basket's products a of w(a, b) (basket co-occurrences,
 * decayed by age), divided by (the best S + `evidence`), plus popularity × (`popularityWeight` +
 * `categoryWeight` for products of the basket's categories, 0.2 of it for others). `evidence` is a
 * shrinkage in co-occurrences: a basket whose best pair was seen a handful of times leans on what sells now,
 * one seen hundreds of times on its pairs (chosen on the rolling backtests, models/backtest.ts); with
 * `evidence` and `popularityWeight` 0 the co-occurrences are scaled to [0, 1] by the best, as before.
 *
 * Layout (little-endian), small because every first visit downloads it: float32 [n] each product's best
 * weight; uint16 [n][neighboursPerItem] neighbour ids (65535 = none; uint32 and 2³²−1 from 65,535 products on:
 * `idBytes`), best first; uint8 [n][neighboursPerItem]
 * each weight as a share of its row's best (× 255). Encoding is lossy, so the pipeline measures the decoded
 * model (`roundTrip`), the one that ships.
 */
import { z } from 'zod';
import { groupOrder, topKGrouped } from './rank';

export const ComplementSpecSchema = z.object({
  neighboursPerItem: z.number().int().positive(),
  /** Basket co-occurrences count half after this many days (null: never decay). */
  halfLifeDays: z.number().positive().nullable(),
  /** Weight of the basket-category popularity prior. */
  categoryWeight: z.number().nonnegative(),
  /** Co-occurrences added to the best score's denominator: how much evidence a basket needs before its pairs outrank what sells. */
  evidence: z.number().nonnegative().default(0),
  /** Weight of popularity for every product, whatever its category. */
  popularityWeight: z.number().nonnegative().default(0),
});
export type ComplementSpec = z.infer<typeof ComplementSpecSchema>;

export interface Complements {
  spec: ComplementSpec;
  n: number;
  neighbours: Int32Array;
  weights: Float32Array;
}

/**
 * Neighbour ids are 16 bits in a catalogue of fewer than 65,535 products (what every first visit downloads
 * stays small), 32 bits above it; the width follows from n, so the file and its readers agree without saying so.
 * The largest id value of the width means "none".
 */
export const idBytes = (n: number): 2 | 4 => (n < 0xffff ? 2 : 4);

export function encodeComplements(c: Complements): Uint8Array {
  const { n } = c;
  const m = c.spec.neighboursPerItem;
  const wide = idBytes(n) === 4;
  const none = wide ? 0xffffffff : 0xffff;
  const scales = new Float32Array(n);
  const ids = wide ? new Uint32Array(n * m) : new Uint16Array(n * m);
  const shares = new Uint8Array(n * m);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 0; k < m; k++) best = Math.max(best, c.weights[i * m + k]!);
    scales[i] = best;
    for (let k = 0; k < m; k++) {
      const id = c.neighbours[i * m + k]!;
      ids[i * m + k] = id < 0 ? none : id;
      shares[i * m + k] = id < 0 || best <= 0 ? 0 : Math.round((c.weights[i * m + k]! / best) * 255);
    }
  }
  const idLength = idBytes(n) * n * m;
  const out = new Uint8Array(4 * n + idLength + n * m);
  out.set(new Uint8Array(scales.buffer), 0);
  out.set(new Uint8Array(ids.buffer), 4 * n);
  out.set(shares, 4 * n + idLength);
  return out;
}

export function decodeComplements(bytes: Uint8Array, n: number, spec: ComplementSpec): Complements {
  const m = spec.neighboursPerItem;
  const wide = idBytes(n) === 4;
  const none = wide ? 0xffffffff : 0xffff;
  const idLength = idBytes(n) * n * m;
  const want = 4 * n + idLength + n * m;
  if (bytes.byteLength !== want) throw new Error(`${bytes.byteLength} bytes, expected ${want} for ${n} × ${m}`);
  const copy = bytes.slice().buffer; // aligned
  const scales = new Float32Array(copy, 0, n);
  const ids = wide ? new Uint32Array(copy, 4 * n, n * m) : new Uint16Array(copy, 4 * n, n * m);
  const shares = new Uint8Array(copy, 4 * n + idLength, n * m);
  const neighbours = new Int32Array(n * m);
  const weights = new Float32Array(n * m);
  for (let j = 0; j < n * m; j++) {
    const id = ids[j]!;
    if (id !== none && id >= n) throw new Error(`neighbour id ${id} out of range`);
    neighbours[j] = id === none ? -1 : id;
    weights[j] = id === none ? 0 : (shares[j]! / 255) * scales[Math.floor(j / m)]!;
  }
  return { spec, n, neighbours, weights };
}

/** What a runtime gets back from the shipped file: the model the evaluation must measure. */
export function roundTrip(c: Complements): Complements {
  return decodeComplements(encodeComplements(c), c.n, c.spec);
}

/** The popularity prior the scores lean on: the model's cold-start prior and each product's category. */
export interface ComplementPrior {
  popularity: Float32Array;
  category: Uint8Array;
}

/** Σ w(a, b) over the basket's products a into `sums` (float32, in the file's order), each b it reached added to `touched`. */
function addNeighbours(c: Complements, basket: readonly number[], sums: Float32Array, touched?: Set<number>): void {
  const m = c.spec.neighboursPerItem;
  for (const a of basket) {
    for (let k = 0; k < m; k++) {
      const b = c.neighbours[a * m + k]!;
      if (b < 0) break;
      touched?.add(b);
      sums[b]! += c.weights[a * m + k]!;
    }
  }
}

/**
 * A product's score from its summed co-occurrences (0 where no basket product lists it), given the best sum:
 * scaled by the best plus `evidence`, then popularity weighted by whether its category is one of the basket's.
 */
function basketScorer(c: Complements, prior: ComplementPrior, basket: readonly number[], best: number): (i: number, sum: number) => number {
  const { evidence, popularityWeight } = c.spec;
  const scale = best + evidence > 0 ? 1 / (best + evidence) : 0;
  const cats = new Set(basket.map((a) => prior.category[a]!));
  const w = c.spec.categoryWeight;
  return (i, sum) => {
    const pop = prior.popularity[i]!;
    return sum * scale + w * (cats.has(prior.category[i]!) ? 1 : 0.2) * pop + 1e-6 * pop + (popularityWeight ? popularityWeight * pop : 0);
  };
}

/** Every product's score for `basket` (product indexes); the basket's own products are left for the caller to exclude. */
export function complementScores(c: Complements, prior: ComplementPrior, basket: readonly number[]): Float32Array {
  const s = new Float32Array(c.n);
  addNeighbours(c, basket, s);
  let best = 0;
  for (let i = 0; i < c.n; i++) if (s[i]! > best) best = s[i]!;
  const score = basketScorer(c, prior, basket, best);
  for (let i = 0; i < c.n; i++) s[i] = score(i, s[i]!);
  return s;
}

/**
 * topK(complementScores(c, prior, basket), k, exclude), the same list, without scoring the whole catalogue: a
 * product no basket product lists scores its popularity times a weight set by its category alone, so only the
 * listed products and each category's most popular few can reach the top (lib/recs/rank.ts, topKGrouped).
 * `order` is groupOrder(prior.popularity, prior.category), built once per prior.
 */
export function complementRanker(c: Complements, prior: ComplementPrior, order: readonly Int32Array[] = groupOrder(prior.popularity, prior.category)) {
  const sums = new Float32Array(c.n);
  return (basket: readonly number[], k: number, exclude?: ReadonlySet<number>): number[] => {
    const touched = new Set<number>();
    addNeighbours(c, basket, sums, touched);
    let best = 0;
    for (const b of touched) if (sums[b]! > best) best = sums[b]!;
    const score = basketScorer(c, prior, basket, best);
    const out = topKGrouped(order, touched, (i) => Math.fround(score(i, sums[i]!)), k, exclude);
    for (const b of touched) sums[b] = 0;
    return out;
  };
}

/** The basket product that contributes most to `item`'s score ("Often bought with …"), or undefined if none does. */
export function strongestAnchor(c: Complements, basket: readonly number[], item: number): number | undefined {
  const m = c.spec.neighboursPerItem;
  let best: number | undefined;
  let bestW = 0;
  for (const a of basket) {
    for (let k = 0; k < m; k++) {
      const b = c.neighbours[a * m + k]!;
      if (b < 0) break;
      if (b === item && c.weights[a * m + k]! > bestW) {
        bestW = c.weights[a * m + k]!;
        best = a;
      }
    }
  }
  return best;
}

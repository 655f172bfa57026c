/**
 * The complement model ("frequently bought together", issue 16): basket co-occurrence with an age decay,
 * the best few neighbours per product, and a basket-category popularity prior for rare pairs
 * (lib/recs/complements.ts scores it). Its settings are chosen on the tuning split by leave-one-out inside
 * baskets; `basketLeaveOneOut` is the measure, for it and for the basket baselines.
 */
import { complementRanker, roundTrip, type ComplementPrior, type Complements, type ComplementSpec } from '../lib/recs/complements';
import { dotAll, groupOrder, topK, topKGrouped, topKOf } from '../lib/recs/rank';
import { metricsFor } from './evaluate';
import { rng } from './random';
import { DAY, toMillis } from './time';
import { sampleBy, SAMPLE_CAPS } from './sample';

export const COMPLEMENT_NEIGHBOURS = 10;

export interface Basketish {
  invoice: string;
  sku: string;
  date: string;
}

export interface Basket {
  items: number[];
  at: number;
}

/** Invoices in [from, to) as sets of distinct known products. */
export function basketsOf(purchases: readonly Basketish[], index: ReadonlyMap<string, number>, from: number, to: number): Basket[] {
  const by = new Map<string, { items: Set<number>; at: number }>();
  for (const p of purchases) {
    const t = toMillis(p.date);
    if (t < from || t >= to) continue;
    const id = index.get(p.sku);
    if (id === undefined) continue;
    let b = by.get(p.invoice);
    if (!b) by.set(p.invoice, (b = { items: new Set(), at: t }));
    b.items.add(id);
  }
  return [...by.values()].map((b) => ({ items: [...b.items], at: b.at }));
}

/**
 * Pair counts over `baskets` (each basket's pairs once, weighted by its age), the best `m` per product, as the
 * shipped file gives them back (its weights are stored as shares of each row's best).
 */
/** The complement settings a fit takes (the scoring's evidence and popularity weights default to 0). */
export type ComplementSettings = Pick<ComplementSpec, 'halfLifeDays' | 'categoryWeight'> & Partial<Pick<ComplementSpec, 'evidence' | 'popularityWeight'>>;

/** The settings with the scoring's defaults filled in (no shrinkage, no popularity for all). */
export const scoringSettings = (settings: ComplementSettings): Omit<ComplementSpec, 'neighboursPerItem'> => ({ evidence: 0, popularityWeight: 0, ...settings });

export function fitComplements(baskets: readonly Basket[], n: number, now: number, settings: ComplementSettings, m = COMPLEMENT_NEIGHBOURS): Complements {
  const spec = scoringSettings(settings);
  const weight = Float64Array.from(baskets, (b) => (spec.halfLifeDays === null ? 1 : 0.5 ** ((now - b.at) / DAY / spec.halfLifeDays)));
  // Product → the baskets holding it, in basket order (CSR): each product's row is summed in one dense array
  // (a Map of Maps over every pair took gigabytes at 100k products), in the same order, so the same sums.
  const offsets = new Int32Array(n + 1);
  for (const b of baskets) for (const a of b.items) offsets[a + 1]! += 1;
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
  const holding = new Int32Array(offsets[n]!);
  const at = offsets.slice(0, n);
  baskets.forEach((b, k) => b.items.forEach((a) => (holding[at[a]!++] = k)));
  const neighbours = new Int32Array(n * m).fill(-1);
  const weights = new Float32Array(n * m);
  const sums = new Float64Array(n);
  const seen = new Uint8Array(n);
  for (let a = 0; a < n; a++) {
    const touched: number[] = [];
    for (let h = offsets[a]!; h < offsets[a + 1]!; h++) {
      const k = holding[h]!;
      for (const c of baskets[k]!.items) {
        if (c === a) continue;
        if (!seen[c]) {
          seen[c] = 1;
          touched.push(c);
        }
        sums[c]! += weight[k]!;
      }
    }
    topKOf(touched, (c) => sums[c]!, m).forEach((c, j) => {
      neighbours[a * m + j] = c;
      weights[a * m + j] = sums[c]!;
    });
    for (const c of touched) {
      sums[c] = 0;
      seen[c] = 0;
    }
  }
  return roundTrip({ spec: { ...spec, neighboursPerItem: m }, n, neighbours, weights });
}

export interface BasketMetrics {
  'ndcg@10': number;
  'hitrate@10': number;
  baskets: number;
}

/** The k best products for a basket's `rest`, none of `exclude`, best first (ties to the lower index). */
export type BasketRanker = (rest: number[], k: number, exclude: ReadonlySet<number>) => number[];

/** A ranker from scores over the whole catalogue. */
export const denseRanker =
  (score: (rest: number[]) => Float32Array): BasketRanker =>
  (rest, k, exclude) =>
    topK(score(rest), k, exclude);

/**
 * Leave-one-out inside baskets of two or more products: hide one (chosen by a seeded draw, the same for every
 * model), rank the full catalogue from the rest with the basket's products removed, NDCG@10 and HitRate@10.
 */
export function basketLeaveOneOut(baskets: readonly Basket[], rank: BasketRanker, seed = 16): BasketMetrics {
  const draw = rng(seed);
  let ndcg = 0;
  let hit = 0;
  let count = 0;
  for (const { items } of testBaskets(baskets)) {
    const h = Math.floor(draw() * items.length);
    const rest = items.filter((_, i) => i !== h);
    const m = metricsFor(rank(rest, 10, new Set(rest)), new Set([items[h]!]));
    ndcg += m['ndcg@10'];
    hit += m['hitrate@10'];
    count++;
  }
  const r = (x: number) => Math.round((x / Math.max(count, 1)) * 10_000) / 10_000;
  return { 'ndcg@10': r(ndcg), 'hitrate@10': r(hit), baskets: count };
}

/**
 * The baskets leave-one-out scores: those of two or more products, past the cap a sample of them (models/sample.ts;
 * each ranks the whole catalogue), keyed by time and contents so every scorer gets the same ones.
 */
export function testBaskets(baskets: readonly Basket[]): Basket[] {
  return sampleBy(baskets.filter((b) => b.items.length >= 2), (b) => `${b.at}:${b.items.join(',')}`, SAMPLE_CAPS.baskets).items;
}

/**
 * The basket baselines: popularity of the last 30 days, the same with the basket's categories first, and the
 * two-tower's item-to-item cosine. The first two rank by popularity within groups (topKGrouped), so a basket
 * costs a few hundred products, not the catalogue.
 */
export function basketBaselines(pop30: Float32Array, category: Uint8Array, items: Float32Array, dim: number): Record<string, BasketRanker> {
  const n = pop30.length;
  const unit = new Float32Array(items.length);
  for (let i = 0; i < items.length / Math.max(dim, 1); i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += items[i * dim + k]! ** 2;
    const inv = 1 / (Math.sqrt(s) || 1);
    for (let k = 0; k < dim; k++) unit[i * dim + k] = items[i * dim + k]! * inv;
  }
  const none = new Set<number>();
  const byPopularity = groupOrder(pop30, new Uint8Array(n));
  const byCategory = groupOrder(pop30, category);
  return {
    'popularity-30d': (_rest, k, exclude) => topKGrouped(byPopularity, none, (i) => pop30[i]!, k, exclude),
    'same-category': (rest, k, exclude) => {
      const cats = new Set(rest.map((a) => category[a]!));
      return topKGrouped(byCategory, none, (i) => Math.fround(pop30[i]! + (cats.has(category[i]!) ? 1e6 : 0)), k, exclude);
    },
    // Σ over the basket of cos(a, i) = (Σ_a unit_a) · unit_i: one pass over the catalogue, not one per product.
    'two-tower-cosine': denseRanker((rest) => {
      const sum = new Float32Array(dim);
      for (const a of rest) for (let k = 0; k < dim; k++) sum[k]! += unit[a * dim + k]!;
      return dotAll(sum, unit, dim);
    }),
  };
}

/**
 * The basket table of `npm run models` and `npm run eval`: the complement model and every basket baseline,
 * each by leave-one-out on the same baskets. `pop30` is the popularity of the 30 days before the baskets.
 */
export function basketTable(
  baskets: readonly Basket[],
  complements: Complements,
  prior: ComplementPrior,
  pop30: Float32Array,
  items: Float32Array,
  dim: number,
): Record<string, BasketMetrics> {
  const rankers = { complement: complementRanker(complements, prior), ...basketBaselines(pop30, prior.category, items, dim) };
  return Object.fromEntries(Object.entries(rankers).map(([name, rank]) => [name, basketLeaveOneOut(baskets, rank)]));
}

/** Builds the item signals (lib/recs/signals.ts) from the purchases before `now`. */
import type { Product } from '../lib/catalog/types';
import { nameTokens, type FeatureSpec } from '../lib/recs/features';
import type { ItemSignals } from '../lib/recs/signals';
import { eventsByCustomer, type Purchaseish } from './data';
import { DAY, toMillis } from './time';
import { CATEGORY_ORDER } from './two-tower';
import { communitiesOf } from './communities';
import { topKOf } from '../lib/recs/rank';
import { charge } from './stage-clock';

export const NEIGHBOURS_PER_ITEM = 10;
/** Pseudo-buyers of the catalogue's average added to each product's repeat rate and interval. */
const SHRINK = 5;

/** Distinct customers per item who bought it at or after `since`, from each customer's purchase times per item. */
function buyersSince(byCustomer: readonly ReadonlyMap<number, readonly number[]>[], n: number, since: number): Float32Array {
  const out = new Float32Array(n);
  for (const times of byCustomer) for (const [id, t] of times) if (t.some((x) => x >= since)) out[id]! += 1;
  return out;
}

const scaledLog = (counts: Float32Array) => {
  const logs = counts.map((c) => Math.log1p(c));
  // A loop, not Math.max(...logs): a spread of 100k arguments overflows the stack.
  const max = logs.reduce((m, x) => Math.max(m, x), 1e-9);
  return logs.map((x) => x / max);
};

/** Each product's category as its index in CATEGORY_ORDER. */
export const productCategories = (products: readonly Product[]): Uint8Array => Uint8Array.from(products, (p) => Math.max(0, CATEGORY_ORDER.indexOf(p.category)));

export function buildSignals(products: readonly Product[], history: readonly Purchaseish[], now: number, spec: FeatureSpec): ItemSignals {
  return charge('signals', () => {
    const n = products.length;
    const index = new Map(products.map((p, i) => [p.sku, i]));
    // Per customer and product: the purchase times. Gives recent buyers, repeat rates, repurchase gaps and co-purchases.
    const byCustomer = [...eventsByCustomer(history).values()].map((events) => {
      const times = new Map<number, number[]>();
      for (const e of events) {
        const id = index.get(e.sku);
        if (id === undefined) continue;
        const t = times.get(id) ?? [];
        if (!t.includes(e.at)) t.push(e.at);
        times.set(id, t);
      }
      return times;
    });
    const b30 = buyersSince(byCustomer, n, now - 30 * DAY);
    const b7 = buyersSince(byCustomer, n, now - 7 * DAY);
    const trend = new Float32Array(n);
    for (let i = 0; i < n; i++) trend[i] = Math.log1p((b7[i]! * 30) / 7) - Math.log1p(b30[i]!);

    const first = new Float64Array(n).fill(Infinity);
    for (const p of history) {
      const id = index.get(p.sku);
      if (id !== undefined) first[id] = Math.min(first[id]!, toMillis(p.date));
    }
    // A product not sold before `now` is unknown at `now` (the catalogue is built from the whole log, so
    // marking it "new" would tell the model it is about to sell): 0, like a product sold long ago.
    const fresh = Float32Array.from(first, (t) => (Number.isFinite(t) ? Math.exp(-(now - t) / DAY / 60) : 0));

    const buyers = new Float32Array(n);
    const again = new Float32Array(n);
    const gaps: number[][] = Array.from({ length: n }, () => []);
    for (const times of byCustomer)
      for (const [id, t] of times) {
        buyers[id]! += 1;
        if (t.length > 1) again[id]! += 1;
        t.sort((a, b) => a - b);
        for (let k = 1; k < t.length; k++) gaps[id]!.push((t[k]! - t[k - 1]!) / DAY);
      }
    const totalAgain = again.reduce((a, b) => a + b, 0);
    const totalBuyers = Math.max(buyers.reduce((a, b) => a + b, 0), 1);
    const repeatRate = Float32Array.from(buyers, (b, i) => (again[i]! + (SHRINK * totalAgain) / totalBuyers) / (b + SHRINK));
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length ? s[Math.floor(s.length / 2)]! : NaN;
    };
    const allGaps = median(gaps.flat());
    const globalGap = Number.isFinite(allGaps) ? allGaps : 60;
    const interval = Float32Array.from(gaps, (g) => (g.length ? (g.length * median(g) + SHRINK * globalGap) / (g.length + SHRINK) : globalGap));

    const owned = byCustomer.map((times) => Int32Array.from(times.keys()));
    const m = NEIGHBOURS_PER_ITEM;
    const { neighbours, neighbourWeights } = copurchaseNeighbours(owned, buyers, m);
    const communities = communitiesOf(owned, n);
    const tokenLists = products.map((p) => nameTokens(p.name, spec.tokenBuckets));
    const tokenOffsets = new Int32Array(n + 1);
    tokenLists.forEach((t, i) => (tokenOffsets[i + 1] = tokenOffsets[i]! + t.length));
    return {
      n,
      vectors: {
        pop30: scaledLog(b30),
        pop7: scaledLog(b7),
        trend,
        fresh,
        repeatRate,
        interval,
        logPrice: Float32Array.from(products, (p) => Math.log(p.price)),
      },
      neighboursPerItem: m,
      neighbours,
      neighbourWeights,
      tokenOffsets,
      tokens: Uint16Array.from(tokenLists.flat()),
      category: productCategories(products),
      categories: CATEGORY_ORDER.length,
      ...(communities.count > 0 ? { community: communities.community } : {}),
    };
  });
}

/**
 * Co-purchase: cosine over customers (who bought both / √(buyers of each)), the best `m` per product. Each
 * product's row is counted in one dense array over the customers who bought it (a Map of Maps over every
 * pair took gigabytes at 100k products); the counts are whole numbers, so the same row in any order.
 */
function copurchaseNeighbours(owned: readonly Int32Array[], buyers: Float32Array, m: number): { neighbours: Int32Array; neighbourWeights: Float32Array } {
  const n = buyers.length;
  const offsets = new Int32Array(n + 1);
  for (const ids of owned) for (const a of ids) offsets[a + 1]! += 1;
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
  const buyersOf = new Int32Array(offsets[n]!);
  const at = offsets.slice(0, n);
  owned.forEach((ids, c) => ids.forEach((a) => (buyersOf[at[a]!++] = c)));
  const neighbours = new Int32Array(n * m).fill(-1);
  const neighbourWeights = new Float32Array(n * m);
  const counts = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    const touched: number[] = [];
    for (let h = offsets[a]!; h < offsets[a + 1]!; h++)
      for (const b of owned[buyersOf[h]!]!) {
        if (b === a) continue;
        if (counts[b] === 0) touched.push(b);
        counts[b]! += 1;
      }
    const weight = (b: number) => counts[b]! / Math.sqrt(buyers[a]! * buyers[b]!);
    topKOf(touched, weight, m).forEach((b, k) => {
      neighbours[a * m + k] = b;
      neighbourWeights[a * m + k] = weight(b);
    });
    for (const b of touched) counts[b] = 0;
  }
  return { neighbours, neighbourWeights };
}

/**
 * The baselines the shipped scorer must beat, each scoring the full catalogue from the same history
 * (higher first, ties to the lower index, as every ranker here). Defined in one line each in the model card.
 */
import { topK } from '../lib/recs/rank';
import type { EvalUser, Scorer } from './evaluate';
import { DAY, toMillis } from './time';
import type { Purchaseish } from './data';


/** Orders (distinct invoices) per item, optionally only those at or after `since`. */
export function orderCounts(history: readonly Purchaseish[], index: ReadonlyMap<string, number>, n: number, since = -Infinity): Float32Array {
  const seen = new Set<string>();
  const counts = new Float32Array(n);
  for (const p of history) {
    const id = index.get(p.sku);
    if (id === undefined || toMillis(p.date) < since) continue;
    const key = `${p.invoice}\0${id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    counts[id]! += 1;
  }
  return counts;
}

export function recentPopularity(history: readonly Purchaseish[], index: ReadonlyMap<string, number>, n: number, now: number, days = 30): Float32Array {
  return orderCounts(history, index, n, now - days * DAY);
}

/** The same scores for everyone. */
export function popularity(counts: Float32Array): Scorer {
  return () => counts;
}

/** Per product in one history: orders (distinct timestamps: one invoice, one time), the last one, and a decayed count. */
export interface OwnStats {
  count: number;
  last: number;
  decayed: number;
}

export function ownStats(u: EvalUser, index: ReadonlyMap<string, number>, now: number, halfLifeDays = Infinity): Map<number, OwnStats> {
  const out = new Map<number, OwnStats & { seen: Set<number> }>();
  for (const e of u.history) {
    const id = index.get(e.sku);
    if (id === undefined) continue;
    const s = out.get(id) ?? { count: 0, last: 0, decayed: 0, seen: new Set<number>() };
    if (!s.seen.has(e.at)) {
      s.seen.add(e.at);
      s.count++;
      s.decayed += Math.pow(0.5, (now - e.at) / DAY / halfLifeDays);
    }
    s.last = Math.max(s.last, e.at);
    out.set(id, s);
  }
  return out;
}

/**
 * Scores from two orderings: the customer's own products in `own` order first, then everything else by the
 * fill (30-day popularity), whose scores are the same for everyone (`fillScores`). Ranks as integers, exact in
 * float32. Written into one array per scorer, reused customer after customer (the evaluation reads each
 * customer's scores before it asks for the next).
 */
function ownThenFill(own: readonly number[], fill: Float32Array, out: Float32Array): Float32Array {
  const n = fill.length;
  out.set(fill);
  own.forEach((id, pos) => (out[id] = 2 * n - pos));
  return out;
}

/** Every product by 30-day popularity (ties to the lower index): the fill and tie-break of the frequency baselines. */
function popularityOrder(recent: Float32Array): number[] {
  return topK(recent, recent.length);
}

/** The fill's scores: n − position in the popularity order. */
function fillScores(order: readonly number[], n: number): Float32Array {
  const scores = new Float32Array(n);
  order.forEach((id, pos) => (scores[id] = n - pos));
  return scores;
}

/** P-TopFreq: own products by how many times bought, ties to the most recent; then 30-day popularity. */
export function pTopFreq(index: ReadonlyMap<string, number>, recent: Float32Array, now: number): Scorer {
  const fill = fillScores(popularityOrder(recent), recent.length);
  const out = new Float32Array(recent.length);
  return (u) => {
    const stats = ownStats(u, index, now);
    const own = [...stats.entries()].sort((a, b) => b[1].count - a[1].count || b[1].last - a[1].last || a[0] - b[0]).map(([id]) => id);
    return ownThenFill(own, fill, out);
  };
}

/** GP-TopFreq: own products by how many times bought, ties by 30-day popularity; then 30-day popularity. */
export function gpTopFreq(index: ReadonlyMap<string, number>, recent: Float32Array, now: number): Scorer {
  const order = popularityOrder(recent);
  const fill = fillScores(order, recent.length);
  const rankOf = new Int32Array(recent.length);
  order.forEach((id, pos) => (rankOf[id] = pos));
  const out = new Float32Array(recent.length);
  return (u) => {
    const stats = ownStats(u, index, now);
    const own = [...stats.entries()].sort((a, b) => b[1].count - a[1].count || rankOf[a[0]]! - rankOf[b[0]]!).map(([id]) => id);
    return ownThenFill(own, fill, out);
  };
}

/** Time-decayed personal frequency: own products by Σ 0.5^(age / half-life) over their orders, ties by 30-day popularity; then 30-day popularity. */
export function decayedFrequency(index: ReadonlyMap<string, number>, recent: Float32Array, now: number, halfLifeDays: number): Scorer {
  const order = popularityOrder(recent);
  const fill = fillScores(order, recent.length);
  const rankOf = new Int32Array(recent.length);
  order.forEach((id, pos) => (rankOf[id] = pos));
  const out = new Float32Array(recent.length);
  return (u) => {
    const stats = ownStats(u, index, now, halfLifeDays);
    const own = [...stats.entries()].sort((a, b) => b[1].decayed - a[1].decayed || rankOf[a[0]]! - rankOf[b[0]]!).map(([id]) => id);
    return ownThenFill(own, fill, out);
  };
}

/**
 * Item-item cosine over customers (who bought both / √(buyers of each)), summed over the history. The
 * co-occurrence rows are counted when a history first needs them (a dense products × products table is 40 GB
 * at 100k products) and kept while they fit a budget; the scores are the same bits as the dense table gave.
 */
export function itemKnn(history: readonly Purchaseish[], index: ReadonlyMap<string, number>, n: number): Scorer {
  const byCustomer = new Map<string, Set<number>>();
  for (const p of history) {
    const id = index.get(p.sku);
    if (id === undefined || !p.customerId) continue;
    const set = byCustomer.get(p.customerId) ?? new Set<number>();
    set.add(id);
    byCustomer.set(p.customerId, set);
  }
  const baskets = [...byCustomer.values()].map((set) => Int32Array.from(set));
  const buyersOf: number[][] = Array.from({ length: n }, () => []);
  baskets.forEach((ids, c) => ids.forEach((a) => buyersOf[a]!.push(c)));
  const buyers = Float32Array.from(buyersOf, (b) => b.length);
  const counts = new Float32Array(n);
  const rows = new Map<number, { ids: Int32Array; counts: Float32Array }>();
  let cached = 0;
  const row = (j: number) => {
    let r = rows.get(j);
    if (r) return r;
    const touched: number[] = [];
    for (const c of buyersOf[j]!)
      for (const i of baskets[c]!) {
        if (counts[i] === 0) touched.push(i);
        counts[i]! += 1;
      }
    // In any order: each product appears once in a row, so its score adds the same terms in the same order.
    r = { ids: Int32Array.from(touched), counts: Float32Array.from(touched, (i) => counts[i]!) };
    for (const i of touched) counts[i] = 0;
    // A budget of 48M cached pairs (about 400 MB: every row of 35k products); the oldest rows go first.
    for (const [k, old] of rows) {
      if (cached + r.ids.length <= 48_000_000) break;
      rows.delete(k);
      cached -= old.ids.length;
    }
    rows.set(j, r);
    cached += r.ids.length;
    return r;
  };
  // One array reused customer after customer: only the last customer's entries are set back to 0.
  const scores = new Float32Array(n);
  let written: number[] = [];
  return (u) => {
    for (const i of written) scores[i] = 0;
    written = [];
    for (const j of u.owned) {
      if (buyers[j] === 0) continue;
      const r = row(j);
      for (let k = 0; k < r.ids.length; k++) {
        const i = r.ids[k]!;
        if (scores[i] === 0) written.push(i);
        scores[i]! += r.counts[k]! / Math.sqrt(buyers[i]! * buyers[j]!);
      }
    }
    return scores;
  };
}

export interface TifuParams {
  /** Baskets per group. */
  groupSize: number;
  /** Decay of a basket within its group, per basket back in time. */
  withinDecay: number;
  /** Decay of a group, per group back in time. */
  groupDecay: number;
  /** Nearest customers blended in. */
  neighbours: number;
  /** Weight of the customer's own vector (1 − alpha: the neighbours' mean). */
  alpha: number;
}

type Sparse = Map<number, number>;

/** Baskets (one per order time) of item ids, oldest first. */
function baskets(events: readonly { sku: string; at: number }[], index: ReadonlyMap<string, number>): number[][] {
  const byTime = new Map<number, Set<number>>();
  for (const e of events) {
    const id = index.get(e.sku);
    if (id === undefined) continue;
    const b = byTime.get(e.at) ?? new Set<number>();
    b.add(id);
    byTime.set(e.at, b);
  }
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => [...b]);
}

/** TIFU's personal vector: groups of baskets, each basket and each group decayed by its distance from the newest. */
export function tifuVector(bs: readonly number[][], p: Pick<TifuParams, 'groupSize' | 'withinDecay' | 'groupDecay'>): Sparse {
  const groups: number[][][] = [];
  // The oldest group may be short: the newest baskets always fill whole groups.
  for (let end = bs.length; end > 0; end -= p.groupSize) groups.unshift(bs.slice(Math.max(0, end - p.groupSize), end));
  const v: Sparse = new Map();
  groups.forEach((g, gi) => {
    const gw = Math.pow(p.groupDecay, groups.length - 1 - gi) / groups.length;
    g.forEach((b, bi) => {
      const w = (gw * Math.pow(p.withinDecay, g.length - 1 - bi)) / g.length;
      for (const id of b) v.set(id, (v.get(id) ?? 0) + w);
    });
  });
  return v;
}

/**
 * TIFU-KNN (Hu, Rosenfeld and others, "Modeling Personalized Item Frequency Information for Next-basket
 * Recommendation", SIGIR 2020): the customer's time-decayed item-frequency vector blended with the mean
 * vector of the `neighbours` most similar customers (cosine), over every customer with a history before `now`.
 */
export function tifuKnn(history: readonly Purchaseish[], index: ReadonlyMap<string, number>, n: number, p: TifuParams, vectorsOf = tifuVectors(tifuCustomers(history), index, n, p)): Scorer {
  const { customers, vectors, norms, offsets, postCustomer, postWeight } = vectorsOf;
  const position = new Map(customers.map((c, i) => [c, i]));
  // Only customers who share a product with the history have a similarity above 0 (the rest never make the
  // neighbours): their dots are kept in a stamped array, not one as long as the customer list per history.
  const dots = new Float32Array(customers.length);
  const stamp = new Int32Array(customers.length);
  let epoch = 0;
  // The scores, one array reused customer after customer (only the entries last written go back to 0).
  const scores = new Float32Array(n);
  let written: number[] = [];
  return (u) => {
    const mine = tifuVector(baskets(u.history, index), p);
    const myNorm = Math.sqrt([...mine.values()].reduce((s, x) => s + x * x, 0)) || 1;
    const self = position.get(u.customer);
    const touched: number[] = [];
    epoch++;
    mine.forEach((w, id) => {
      for (let k = offsets[id]!; k < offsets[id + 1]!; k++) {
        const c = postCustomer[k]!;
        if (stamp[c] !== epoch) {
          stamp[c] = epoch;
          dots[c] = 0;
          touched.push(c);
        }
        dots[c]! += w * postWeight[k]!;
      }
    });
    // Ties to the lower index, as topK() ranks them.
    for (const c of touched) dots[c] = c === self ? -1 : dots[c]! / (norms[c]! * myNorm);
    const near = touched
      .filter((c) => dots[c]! > 0)
      .sort((a, b) => dots[b]! - dots[a]! || a - b)
      .slice(0, p.neighbours);
    for (const i of written) scores[i] = 0;
    written = [];
    const add = (id: number, x: number) => {
      if (scores[id] === 0) written.push(id);
      scores[id]! += x;
    };
    mine.forEach((w, id) => add(id, p.alpha * w));
    const share = near.length ? (1 - p.alpha) / near.length : 0;
    for (const c of near) {
      const v = vectors[c]!;
      for (let k = 0; k < v.ids.length; k++) add(v.ids[k]!, share * v.weights[k]!);
    }
    return scores;
  };
}

/** Each customer's purchases as (product, time), in log order: what every TIFU setting's vectors are built from. */
export function tifuCustomers(history: readonly Purchaseish[]): Map<string, { sku: string; at: number }[]> {
  const byCustomer = new Map<string, { sku: string; at: number }[]>();
  for (const e of history) {
    if (!e.customerId) continue;
    const list = byCustomer.get(e.customerId) ?? [];
    list.push({ sku: e.sku, at: toMillis(e.date) });
    byCustomer.set(e.customerId, list);
  }
  return byCustomer;
}

/** Every customer's TIFU vector and the inverted index over them (CSR), built once per grouping and decay setting. */
export function tifuVectors(byCustomer: ReadonlyMap<string, readonly { sku: string; at: number }[]>, index: ReadonlyMap<string, number>, n: number, p: Pick<TifuParams, 'groupSize' | 'withinDecay' | 'groupDecay'>) {
  const customers = [...byCustomer.keys()];
  const maps = customers.map((c) => tifuVector(baskets(byCustomer.get(c)!, index), p));
  const norms = maps.map((v) => Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0)) || 1);
  // Each vector as two arrays in the map's order (summing a neighbour's vector walks it once per history).
  const vectors = maps.map((v) => ({ ids: Int32Array.from(v.keys()), weights: Float64Array.from(v.values()) }));
  const offsets = new Int32Array(n + 1);
  for (const v of maps) for (const id of v.keys()) offsets[id + 1]! += 1;
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
  const at = offsets.slice(0, n);
  const postCustomer = new Int32Array(offsets[n]!);
  const postWeight = new Float64Array(offsets[n]!);
  maps.forEach((v, c) =>
    v.forEach((w, id) => {
      postCustomer[at[id]!] = c;
      postWeight[at[id]!++] = w;
    }),
  );
  return { customers, vectors, norms, offsets, postCustomer, postWeight };
}

export const TIFU_GRID: TifuParams[] = [];
// 48 settings around the paper's best ones for grocery-like data (about 25 s on the tuning split).
for (const groupSize of [2, 4, 8])
  for (const withinDecay of [0.9, 1])
    for (const groupDecay of [0.8, 1])
      for (const neighbours of [50, 200])
        for (const alpha of [0.7, 0.9]) TIFU_GRID.push({ groupSize, withinDecay, groupDecay, neighbours, alpha });

export const DECAY_GRID = [7, 14, 30, 60, 120, 240];

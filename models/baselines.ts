/** The baselines the two-tower model must beat, each ranking the full catalogue from the same history. */
import { topK } from '../lib/recs/rank';
import { K, type EvalUser } from './evaluate';
import { toMillis, type Purchaseish } from './train';

const DAY = 86_400_000;

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

export type Ranker = (u: EvalUser) => number[];

export function popularity(counts: Float32Array): Ranker {
  const ranked = topK(counts, K);
  return () => ranked;
}

export function recentPopularity(history: readonly Purchaseish[], index: ReadonlyMap<string, number>, n: number, now: number, days = 30): Float32Array {
  return orderCounts(history, index, n, now - days * DAY);
}

/** The customer's own products by how often they bought them (then most recent), then recent best sellers. */
export function repeatThenPopular(index: ReadonlyMap<string, number>, recent: Float32Array): Ranker {
  const fallback = topK(recent, K * 3);
  return (u) => {
    const freq = new Map<number, { n: number; last: number }>();
    for (const e of u.history) {
      const id = index.get(e.sku);
      if (id === undefined) continue;
      const f = freq.get(id) ?? { n: 0, last: 0 };
      f.n++;
      f.last = Math.max(f.last, e.at);
      freq.set(id, f);
    }
    const own = [...freq.entries()].sort((a, b) => b[1].n - a[1].n || b[1].last - a[1].last || a[0] - b[0]).map(([id]) => id);
    const out = own.slice(0, K);
    for (const id of fallback) {
      if (out.length >= K) break;
      if (!out.includes(id)) out.push(id);
    }
    return out;
  };
}

/** Item-item cosine over customers (who bought both / √(buyers of each)), summed over the history. */
export function itemKnn(history: readonly Purchaseish[], index: ReadonlyMap<string, number>, n: number): Ranker {
  const byCustomer = new Map<string, Set<number>>();
  for (const p of history) {
    const id = index.get(p.sku);
    if (id === undefined || !p.customerId) continue;
    const set = byCustomer.get(p.customerId) ?? new Set<number>();
    set.add(id);
    byCustomer.set(p.customerId, set);
  }
  const co = new Float32Array(n * n);
  const buyers = new Float32Array(n);
  for (const set of byCustomer.values()) {
    const ids = [...set];
    for (const a of ids) {
      buyers[a]! += 1;
      for (const b of ids) co[a * n + b]! += 1;
    }
  }
  return (u) => {
    const mine = new Set<number>();
    for (const e of u.history) {
      const id = index.get(e.sku);
      if (id !== undefined) mine.add(id);
    }
    const scores = new Float32Array(n);
    for (const j of mine) {
      if (buyers[j] === 0) continue;
      for (let i = 0; i < n; i++) {
        const c = co[j * n + i]!;
        if (c > 0) scores[i]! += c / Math.sqrt(buyers[i]! * buyers[j]!);
      }
    }
    return topK(scores, K);
  };
}

/**
 * Next-period purchase prediction. For each customer with purchases before and after the cutoff:
 * history = their purchases before it, targets = the distinct products bought after it (until `end`).
 * Every model ranks the full catalogue; bought products are not removed (re-buying is real here).
 */
import type { HistoryEvent } from '../lib/recs/features';
import { eventsByCustomer, toMillis, type Purchaseish } from './train';

export const K = 10;

export interface EvalUser {
  customer: string;
  history: HistoryEvent[];
  targets: Set<number>;
}

export interface Metrics {
  'recall@10': number;
  'ndcg@10': number;
  'hitrate@10': number;
}

export function evalUsers(history: readonly Purchaseish[], future: readonly Purchaseish[], index: ReadonlyMap<string, number>): EvalUser[] {
  const before = eventsByCustomer(history);
  const targets = new Map<string, Set<number>>();
  for (const p of future) {
    const id = index.get(p.sku);
    if (!p.customerId || id === undefined || !before.has(p.customerId)) continue;
    const set = targets.get(p.customerId) ?? new Set<number>();
    set.add(id);
    targets.set(p.customerId, set);
  }
  return [...targets.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([customer, t]) => ({ customer, history: before.get(customer)!, targets: t }));
}

export function splitAt<T extends Purchaseish>(purchases: readonly T[], cutoff: number, end = Infinity): { history: T[]; future: T[] } {
  const history = purchases.filter((p) => toMillis(p.date) < cutoff);
  const future = purchases.filter((p) => {
    const t = toMillis(p.date);
    return t >= cutoff && t < end;
  });
  return { history, future };
}

export function metricsFor(ranked: readonly number[], targets: ReadonlySet<number>): Metrics {
  let hits = 0;
  let dcg = 0;
  ranked.slice(0, K).forEach((id, i) => {
    if (targets.has(id)) {
      hits++;
      dcg += 1 / Math.log2(i + 2);
    }
  });
  let idcg = 0;
  for (let i = 0; i < Math.min(K, targets.size); i++) idcg += 1 / Math.log2(i + 2);
  return { 'recall@10': hits / targets.size, 'ndcg@10': idcg > 0 ? dcg / idcg : 0, 'hitrate@10': hits > 0 ? 1 : 0 };
}

export function evaluate(users: readonly EvalUser[], rank: (u: EvalUser) => number[]): Metrics {
  const sum: Metrics = { 'recall@10': 0, 'ndcg@10': 0, 'hitrate@10': 0 };
  for (const u of users) {
    const m = metricsFor(rank(u), u.targets);
    sum['recall@10'] += m['recall@10'];
    sum['ndcg@10'] += m['ndcg@10'];
    sum['hitrate@10'] += m['hitrate@10'];
  }
  const n = Math.max(users.length, 1);
  const round = (x: number) => Math.round((x / n) * 10_000) / 10_000;
  return { 'recall@10': round(sum['recall@10']), 'ndcg@10': round(sum['ndcg@10']), 'hitrate@10': round(sum['hitrate@10']) };
}

export function formatTable(users: number, rows: Record<string, Metrics>): string {
  const names = Object.keys(rows);
  const w = Math.max(...names.map((n) => n.length), 5);
  const lines = [`${'model'.padEnd(w)}  recall@10  ndcg@10  hitrate@10   (${users} customers)`];
  for (const n of names) {
    const m = rows[n]!;
    lines.push(`${n.padEnd(w)}  ${m['recall@10'].toFixed(4).padStart(9)}  ${m['ndcg@10'].toFixed(4).padStart(7)}  ${m['hitrate@10'].toFixed(4).padStart(10)}`);
  }
  return lines.join('\n');
}

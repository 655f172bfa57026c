/**
 * Next-period purchase prediction. For each customer with purchases before and after the cutoff:
 * history = their purchases before it, targets = the distinct products bought after it (until `end`).
 * Three measures (`MEASURES`), each over the full catalogue:
 *   all      every target; bought products stay in the ranking (re-buying is real here);
 *   explore  customers with a target they never bought; their history is removed from the ranking, and the
 *            targets are those new products (what "Recommended for you" must find);
 *   repeat   customers who bought something again; only their own history is ranked, and the targets are
 *            the products bought again (what "Buy it again" must order).
 */
import type { HistoryEvent } from '../lib/recs/features';
import { topK, topKOf } from '../lib/recs/rank';
import { eventsByCustomer, type Purchaseish } from './data';
import { toMillis } from './time';
import { charge } from './stage-clock';

export const K = 10;

export interface EvalUser {
  customer: string;
  history: HistoryEvent[];
  targets: Set<number>;
  /** Every product in the history (not only the newest slots the tower sees). */
  owned: Set<number>;
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
    .map(([customer, t]) => {
      const history = before.get(customer)!;
      const owned = new Set<number>();
      for (const e of history) {
        const id = index.get(e.sku);
        if (id !== undefined) owned.add(id);
      }
      return { customer, history, targets: t, owned };
    });
}

export const MEASURES = ['all', 'explore', 'repeat'] as const;
export type Measure = (typeof MEASURES)[number];

/** Scores over the whole catalogue for one customer: higher ranks first, ties to the lower index. */
export type Scorer = (u: EvalUser) => Float32Array;

/** A measure's targets for one customer (empty: the customer does not count for it). */
export function measureTargets(measure: Measure, u: EvalUser): Set<number> {
  if (measure === 'all') return u.targets;
  return new Set([...u.targets].filter((t) => u.owned.has(t) === (measure === 'repeat')));
}

/** The top K a measure ranks: the catalogue, the catalogue without the history, or the history alone. */
export function rankFor(measure: Measure, scores: Float32Array, u: EvalUser, k = K): number[] {
  if (measure === 'all') return topK(scores, k);
  if (measure === 'explore') return topK(scores, k, u.owned);
  return topKOf([...u.owned], (i) => scores[i]!, k);
}

/**
 * Scorers from each customer's lists, ranked elsewhere beforehand (a runtime that runs asynchronously): the
 * scores they return make rankFor() give exactly those lists back. Keeping the lists, not the scores, keeps a
 * window's customers × products floats out of memory.
 */
export function listScorers(n: number, lists: ReadonlyMap<string, Record<Measure, readonly number[]>>): Record<Measure, Scorer> {
  const scorer = (m: Measure): Scorer => (u) => {
    const list = lists.get(u.customer)![m];
    const scores = new Float32Array(n).fill(-Infinity);
    list.forEach((i, pos) => (scores[i] = list.length - pos));
    return scores;
  };
  return { all: scorer('all'), explore: scorer('explore'), repeat: scorer('repeat') };
}

export interface MeasureMetrics {
  'ndcg@10': number;
  'recall@10': number;
  users: number;
  /** The standard error of ndcg@10's mean over those users (what a sample of customers can resolve). */
  se: number;
}

/** The eval line's row for one model: the all-targets metrics, and explore and repeat beside them. */
export interface ModelMetrics extends Metrics {
  /** The standard error of the all-targets ndcg@10. */
  se: number;
  explore: MeasureMetrics;
  repeat: MeasureMetrics;
}

/**
 * All three measures for one model. `scorer` may be one function, or one per measure (a model with heads:
 * the shipped scorer ranks "Buy it again" and "Recommended for you" with heads trained for each).
 */
export function evaluateMeasures(users: readonly EvalUser[], scorer: Scorer | Record<Measure, Scorer>): ModelMetrics {
  return charge('evaluation', () => {
    const byMeasure = typeof scorer === 'function' ? { all: scorer, explore: scorer, repeat: scorer } : scorer;
    const sums = Object.fromEntries(MEASURES.map((m) => [m, { ndcg: 0, ndcg2: 0, recall: 0, hit: 0, users: 0 }])) as Record<Measure, { ndcg: number; ndcg2: number; recall: number; hit: number; users: number }>;
    for (const u of users) {
      let shared: Float32Array | undefined;
      for (const m of MEASURES) {
        const targets = measureTargets(m, u);
        if (targets.size === 0) continue;
        const scores = byMeasure[m] === byMeasure.all ? (shared ??= byMeasure.all(u)) : byMeasure[m](u);
        const r = metricsFor(rankFor(m, scores, u), targets);
        const s = sums[m];
        s.ndcg += r['ndcg@10'];
        s.ndcg2 += r['ndcg@10'] ** 2;
        s.recall += r['recall@10'];
        s.hit += r['hitrate@10'];
        s.users++;
      }
    }
    const round = (x: number, n: number) => Math.round((x / Math.max(n, 1)) * 10_000) / 10_000;
    const se = (m: Measure) => {
      const { ndcg, ndcg2, users: n } = sums[m];
      return n < 2 ? 0 : Math.round(Math.sqrt(Math.max(0, ndcg2 - (ndcg * ndcg) / n) / (n - 1) / n) * 10_000) / 10_000;
    };
    const part = (m: Measure): MeasureMetrics => ({ 'ndcg@10': round(sums[m].ndcg, sums[m].users), 'recall@10': round(sums[m].recall, sums[m].users), users: sums[m].users, se: se(m) });
    const a = sums.all;
    return { 'recall@10': round(a.recall, a.users), 'ndcg@10': round(a.ndcg, a.users), 'hitrate@10': round(a.hit, a.users), se: se('all'), explore: part('explore'), repeat: part('repeat') };
  });
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

/** The evaluation table; `of` (customers before sampling, models/sample.ts) adds what the sample can resolve. */
export function formatTable(users: number, rows: Record<string, ModelMetrics>, of = users): string {
  const names = Object.keys(rows);
  const w = Math.max(...names.map((n) => n.length), 5);
  const first = rows[names[0]!]!;
  const lines = [
    `${''.padEnd(w)}  ${'all'.padEnd(31)}  ${'explore'.padEnd(18)}  repeat`,
    `${'model'.padEnd(w)}  recall@10  ndcg@10  hitrate@10  ndcg@10  recall@10  ndcg@10  recall@10`,
  ];
  for (const n of names) {
    const m = rows[n]!;
    const f = (x: number, width: number) => x.toFixed(4).padStart(width);
    lines.push(`${n.padEnd(w)}  ${f(m['recall@10'], 9)}  ${f(m['ndcg@10'], 7)}  ${f(m['hitrate@10'], 10)}  ${f(m.explore['ndcg@10'], 7)}  ${f(m.explore['recall@10'], 9)}  ${f(m.repeat['ndcg@10'], 7)}  ${f(m.repeat['recall@10'], 9)}`);
  }
  lines.push(`(customers: all ${users}, explore ${first.explore.users}, repeat ${first.repeat.users})`);
  if (of > users) lines.push(`(a sample of ${users.toLocaleString('en-GB')} of ${of.toLocaleString('en-GB')} customers, the same for every row: standard errors of ndcg@10 all ${first.se}, explore ${first.explore.se}, repeat ${first.repeat.se})`);
  return lines.join('\n');
}

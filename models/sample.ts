/**
 * Evaluation samples for big shops. Every measure here ranks the full catalogue for every customer (order,
 * basket) of a window, so its cost grows with customers × products: at 100k products and 28k customers a
 * month, one pass of one ranker is 3·10⁹ scores. Past a cap, a window is measured on a sample instead:
 * the units whose id hashes lowest (murmur3, so the same customers in every run, every window and every
 * ranker: comparisons between rankers stay paired), and the table says so with the standard error of the mean.
 *
 * The caps sit above what the shop of 3,450 products has (at most 929 customers, 1,716 orders and 552 baskets
 * a window; 727 customers in the tuning split and in a second-stage window), so it is always measured whole.
 * `TANDEM_EVAL_CUSTOMERS` raises (or lowers) the evaluation windows' cap for a run that can afford it.
 */
import { murmur3 } from '../lib/experiments/assign';

export const SAMPLE_CAPS = {
  /**
   * Customers per evaluation window (validation, each backtest window): 3,000 resolve an NDCG@10 of 0.05 to about
   * ±0.003, and eight rankers over 100k products cost about 13 ms a customer (models/README.md, training a bigger shop).
   */
  customers: Number(process.env.TANDEM_EVAL_CUSTOMERS) > 0 ? Number(process.env.TANDEM_EVAL_CUSTOMERS) : 3_000,
  /**
   * Customers per second-stage training window: the heads have 16 weights each, and each customer brings 400
   * sampled negatives to 150 full-batch epochs (the heads' training was a third of a ×3 run at 1,800 a window).
   */
  stage: 1_000,
  /** Orders per cold-start window (each ranks the catalogue with no history; the weights' tuning runs 16 passes). */
  orders: 3_000,
  /** Baskets per basket-backtest fortnight (leave-one-out ranks the catalogue once per basket). */
  baskets: 3_000,
  /** Customers per baseline-tuning split: it only chooses settings, on TIFU-KNN's grid of 48. */
  tuning: 1_000,
} as const;

export interface Sampled<T> {
  items: T[];
  /** How many there were before sampling. */
  of: number;
}

/** At most `cap` of `items`, by lowest murmur3(key), in their original order; all of them when they fit. */
export function sampleBy<T>(items: readonly T[], key: (t: T, i: number) => string, cap: number): Sampled<T> {
  if (items.length <= cap) return { items: [...items], of: items.length };
  const ranked = items.map((t, i) => ({ i, h: murmur3(key(t, i)) })).sort((a, b) => a.h - b.h || a.i - b.i);
  const keep = ranked.slice(0, cap).map((r) => r.i).sort((a, b) => a - b);
  return { items: keep.map((i) => items[i]!), of: items.length };
}

/** Standard error of the mean of `values` (0 for fewer than two). */
export function standardError(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) / n);
}

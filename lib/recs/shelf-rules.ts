/**
 * The rules a shelf applies around a ranking, in one place: what it never shows (exclusions, category,
 * blocks), what it shows first (pins), and how many. The worker, the cold-start ranker and the server's
 * static list all call these, so a rule is written once. Pure: no I/O, no config reading (the plan,
 * lib/shelf/plan.ts, decides the rules from the config and the visitor's variants; these apply them).
 */
import type { HistoryEvent } from './features';
import { topK } from './rank';

/**
 * Which ranking a shelf asks for (lib/recs/score.ts): 'explore' (products the shopper never bought;
 * "Recommended for you", product and cart shelves), 'repeat' ("Buy it again": only products they bought),
 * 'all' (the two merged), 'complement' (bought together with the basket: lib/recs/complements.ts).
 */
export type Ranking = 'explore' | 'repeat' | 'all' | 'complement';

/** "Recommended for you" and the other explore shelves never show what the shopper viewed this recently: it would only echo them. */
export const RECENT_VIEW_WINDOW_MS = 30 * 60_000;

/** A shelf's rules: plain data, sent to the worker as they are. */
export interface ShelfRules {
  ranking: Ranking;
  k: number;
  /** The product on screen (product pages): never shown, and the category filter is relative to it. */
  anchorSku?: string;
  /** Keep only the anchor's category ("similar"), or leave it out ("complete the set"). */
  category?: 'same' | 'other';
  /** Merchandising: shown first, in this order, when the product exists in the model. */
  pin: string[];
  /** Merchandising: never shown. */
  block: string[];
  /** Leave out what the shopper bought. */
  excludePurchased: boolean;
  /** Leave out what the shopper viewed this recently (ms). */
  excludeViewedWithinMs?: number;
  /**
   * The standing holdback's arm (lib/experiments/holdback.ts): rank by this baseline instead of the model (the
   * best sellers of the last 30 days), every other rule the same.
   */
  baseline?: 'popularity-30d';
}

/** What the device (or the session, at the edge) knows about the shopper when the rules run. */
export interface ShopperState {
  history: readonly HistoryEvent[];
  /** Product codes in the cart (the device only: the edge never sees the cart). */
  cart: readonly string[];
  now: number;
}

/** The catalogue as the rules need it: code → row, and each row's category (by row: the category rule reads every one). */
export interface RuleCatalogue {
  index: ReadonlyMap<string, number>;
  categories: ArrayLike<string | undefined>;
  n: number;
}

/**
 * The rows a shelf must never show, for this shopper: a few codes (blocked, the cart, the product on screen, the
 * history's), as a set. A category rule rules out most of the catalogue, so it is `categoryFilter`'s instead.
 */
export function excludedRows(rules: ShelfRules, shopper: ShopperState, items: RuleCatalogue): Set<number> {
  const out = new Set<number>();
  const add = (sku: string) => {
    const i = items.index.get(sku);
    if (i !== undefined) out.add(i);
  };
  rules.block.forEach(add);
  shopper.cart.forEach(add);
  if (rules.anchorSku) add(rules.anchorSku);
  for (const e of shopper.history) {
    if (rules.excludePurchased && e.kind === 'purchase') add(e.sku);
    if (rules.excludeViewedWithinMs !== undefined && e.kind === 'view' && shopper.now - e.at <= rules.excludeViewedWithinMs) add(e.sku);
  }
  return out;
}

/**
 * The category rule (the anchor's category, or every other one), for inCategory to test rows against, or
 * undefined where the shelf has none. Not rows in the exclusion set: at 100k products a category leaves out tens of thousands, and
 * building that set cost a product page's shelf 18 ms at the edge (issue 33).
 */
export function categoryFilter(rules: ShelfRules, items: RuleCatalogue): CategoryFilter | undefined {
  const anchorCategory = rules.anchorSku && rules.category ? items.categories[items.index.get(rules.anchorSku) ?? -1] : undefined;
  if (!anchorCategory) return undefined;
  return { categories: items.categories, anchorCategory, same: rules.category === 'same' };
}

interface CategoryFilter {
  categories: ArrayLike<string | undefined>;
  anchorCategory: string;
  same: boolean;
}

/** Whether a row passes the category rule. */
export const inCategory = (f: CategoryFilter, row: number): boolean => (f.categories[row] === f.anchorCategory) === f.same;

/** Pinned rows first, in their order, then the ranked ones not already shown; `k` in all. */
export function withPins(ranked: readonly number[], pins: readonly number[], k: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (const i of [...pins, ...ranked]) {
    if (out.length === k) break;
    if (seen.has(i)) continue;
    seen.add(i);
    out.push(i);
  }
  return out;
}

/**
 * The shelf from scores over every row: pins first (known products the shelf may show: an exclusion beats a pin), then the top scores not excluded; `k` in all.
 * `select`: topK, or the same selection in the ranking kernel (lib/recs/rank-wasm.ts).
 */
export function selectShelf(rules: ShelfRules, scores: Float32Array, shopper: ShopperState, items: RuleCatalogue, select: typeof topK = topK): number[] {
  const exclude = excludedRows(rules, shopper, items);
  const filter = categoryFilter(rules, items);
  const allowed = (i: number) => !exclude.has(i) && (!filter || inCategory(filter, i));
  const pins = rules.pin.map((s) => items.index.get(s)).filter((i): i is number => i !== undefined && allowed(i));
  // Outside the category, a score below every other: the same top k among the rest (ties to the lower row, as
  // topK keeps them). A row at −∞ (outside the category, or another storefront's: score.ts isCandidate) never
  // fills a shelf the others cannot.
  const pool = filter ? masked(scores, filter) : scores;
  const ranked = select(pool, rules.k, exclude).filter((i) => pool[i] !== -Infinity);
  return withPins(ranked, pins, rules.k);
}

/** A copy of `scores`, −∞ where a row fails the category rule. */
function masked(scores: Float32Array, filter: CategoryFilter): Float32Array {
  const out = new Float32Array(scores.length);
  for (let i = 0; i < out.length; i++) out[i] = inCategory(filter, i) ? scores[i]! : -Infinity;
  return out;
}

/**
 * "Buy it again" from the repeat scores of the history slots (best first): only products the shopper
 * bought (a view or a cart line is not something to buy "again"), minus the exclusions; no pins (a pinned
 * product the shopper never bought would break the shelf's promise).
 */
export function selectRepeat(rules: ShelfRules, ranked: readonly (readonly [number, number])[], shopper: ShopperState, items: RuleCatalogue): number[] {
  const bought = new Set(shopper.history.filter((e) => e.kind === 'purchase').map((e) => items.index.get(e.sku)));
  const exclude = excludedRows(rules, shopper, items);
  const filter = categoryFilter(rules, items);
  return ranked
    .filter(([i]) => bought.has(i) && !exclude.has(i) && (!filter || inCategory(filter, i)))
    .slice(0, rules.k)
    .map(([i]) => i);
}

/** The static list (the last resort) under the same rules: blocked and excluded codes out, `k` at most. */
export function staticShelf<T extends { sku: string }>(rules: Pick<ShelfRules, 'block' | 'k' | 'anchorSku'>, list: readonly T[]): T[] {
  const blocked = new Set([...rules.block, ...(rules.anchorSku ? [rules.anchorSku] : [])]);
  return list.filter((p) => !blocked.has(p.sku)).slice(0, rules.k);
}

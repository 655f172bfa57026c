/**
 * One shelf, ranked: the pipeline the device's worker (lib/device/worker.ts) and the edge's cold-start ranker
 * (lib/coldstart/rank.ts) both run, so a shelf's rules, basket, blend, reasons and rounding are written once.
 * They differ only in what they hand it: how the user vector's dot products are obtained (ONNX and the SIMD
 * kernel on the device, the TypeScript tower at the edge) and what is known of the shopper (the edge has the
 * session's views, never a cart or purchases; `cart: null` says so). Pure: Node, the worker and the edge.
 */
import { complementScores, type Complements } from './complements';
import { historyInputs, type FeatureSpec, type HistoryEvent, type HistoryInputs } from './features';
import type { ItemMeta } from './item-meta';
import { dotAll, dotRows, type topK } from './rank';
import { reasonFor, type Reason, type ReasonSources } from './reasons';
import { candidateRows, communitiesOf, rankingScores, repeatFromGraph, ruleOutCommunities, repeatScores, scoreParts, userContext, type DenseKernel, type GraphHeads, type ScorerSpec, type UserContext } from './score';
import { selectRepeat, selectShelf, type RuleCatalogue, type ShelfRules, type ShopperState } from './shelf-rules';
import type { ItemSignals } from './signals';

/** What a shelf ranks with: one model version's items, as every runtime loads them. */
export interface ShelfModel {
  skus: readonly string[];
  /** Code → row (lib/recs/items.ts rowsOf: one map per model). */
  index: ReadonlyMap<string, number>;
  meta: ItemMeta;
  /** Row-major [n, dim], L2-normalised. */
  items: Float32Array;
  dim: number;
  prior: Float32Array;
  signals: ItemSignals;
  scorer: ScorerSpec;
  features: FeatureSpec;
  complements: Complements;
}

/** The shopper as the ranker sees them. `cart: null`: not known (the edge), so the session's views stand in for a basket. */
export interface ShelfShopper {
  history: readonly HistoryEvent[];
  cart: readonly string[] | null;
  now: number;
}

/** The user tower's inputs for a shelf: the history with the product on screen as a purchase (its strongest signal). */
export function towerHistory(model: Pick<ShelfModel, 'index' | 'features'>, shopper: ShelfShopper, anchorSku: string | undefined): HistoryInputs {
  const anchored = anchorSku !== undefined && model.index.has(anchorSku);
  const events = anchored ? [...shopper.history, { sku: anchorSku, at: shopper.now, kind: 'purchase' as const }] : shopper.history;
  return historyInputs(events, model.index, shopper.now, model.features);
}

/** The history slots the tower read (no padding), most recent first. */
export const slotIds = (h: HistoryInputs): number[] => [...h.ids].filter((i) => i >= 0);

/**
 * What the ranker made of the shopper for one anchor: the tower's inputs, the scorer's user context, and the
 * user vector's dot products with every item (a fresh array per call: the scorer writes over it).
 * `noHistory`, where given, ranks a shopper with no history at all instead of the tower (the edge's
 * context-lifted prior, lib/coldstart/context.ts).
 */
export interface ShelfUser {
  inputs: HistoryInputs;
  ctx: UserContext;
  dots: () => Float32Array;
  noHistory?: () => Float32Array;
  /** The scorer graph's outputs, where the runtime ran the whole graph: the rankings read them instead of scoring. */
  heads?: GraphHeads;
}

export function shelfUser(model: Pick<ShelfModel, 'signals'>, inputs: HistoryInputs, dots: () => Float32Array, noHistory?: () => Float32Array): ShelfUser {
  return { inputs, ctx: userContext(model.signals, inputs), dots, ...(noHistory ? { noHistory } : {}) };
}

/**
 * The user vector's dot products for a shelf, in a fresh array, computed one row at a time (the edge's
 * TypeScript tower): where communities rule products out (score.ts isCandidate), only for the rows the
 * rankings can show, as the others score −∞ whatever theirs (a thirtieth of the work in a shop of 30
 * storefronts, the same scores to the bit).
 */
export function shelfDots(model: Pick<ShelfModel, 'items' | 'dim' | 'signals'>, ctx: UserContext, user: Float32Array): Float32Array {
  const out = new Float32Array(model.signals.n);
  const rows = candidateRows(model.signals, ctx);
  return rows ? dotRows(user, model.items, model.dim, rows, out) : dotAll(user, model.items, model.dim, out);
}

/** A shopper scored by the scorer graph: no dot products or features computed here, the graph's three outputs read instead. */
export function graphUser(model: Pick<ShelfModel, 'signals'>, inputs: HistoryInputs, heads: GraphHeads): ShelfUser {
  const noDots = () => {
    throw new Error('a graph-scored shopper has no dot products: read heads');
  };
  return { inputs, ctx: userContext(model.signals, inputs), dots: noDots, heads };
}

/** Every product's "all" score for a shopper: the graph's output where it ran, else the scorer over the dot products (the probe times this). */
export function allScores(model: Pick<ShelfModel, 'signals' | 'scorer'>, user: ShelfUser, kernel: ShelfKernel = {}): Float32Array {
  return user.heads?.all ?? rankingScores('all', model.scorer, model.signals, user.ctx, user.dots(), kernel.dense);
}

/** The ranking kernel's hooks (lib/recs/rank-wasm.ts), where the runtime has one. */
export interface ShelfKernel {
  dense?: DenseKernel;
  topK?: typeof topK;
}

/** How much the shopper's own explore ranking (scaled to [0, 1]) adds to a complement score (itself in [0, 1]): ties, not order. */
export const TASTE_WEIGHT = 0.3;

/**
 * Scores scaled to [0, 1] (all 0 when they are equal); a product ruled out (−∞: another storefront's, score.ts
 * isCandidate) stays −∞ and does not stretch the scale (it made every score NaN on a shop with communities).
 */
export function minMax(x: Float32Array): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (v === -Infinity) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo || 1;
  return x.map((v) => (v === -Infinity ? v : (v - lo) / span));
}

/** A complement score plus the shopper's taste: complement + TASTE_WEIGHT × minMax(explore), or the complement alone without taste. */
export function blendTaste(complement: Float32Array, taste: Float32Array | undefined): Float32Array {
  return taste ? Float32Array.from(complement, (c, i) => c + TASTE_WEIGHT * taste[i]!) : complement;
}

/** The basket a complement shelf completes: the product on screen, else the cart's lines, else (cart unknown) the session's views. */
export function basketOf(model: Pick<ShelfModel, 'index'>, rules: Pick<ShelfRules, 'anchorSku'>, shopper: ShelfShopper): number[] {
  const anchor = rules.anchorSku === undefined ? [] : knownRows(model.index, [rules.anchorSku]);
  return anchor.length > 0 ? anchor : knownRows(model.index, shopper.cart ?? shopper.history.map((e) => e.sku));
}

/** The rows of the codes the model knows, in order (unknown codes left out). */
const knownRows = (index: ReadonlyMap<string, number>, codes: readonly string[]): number[] => codes.flatMap((s) => (index.has(s) ? [index.get(s)!] : []));

/** One recommended product as every shelf answer carries it. */
export interface ShelfItem {
  sku: string;
  name: string;
  price: number;
  /** Rounded to six decimals: enough to order by, no float noise in an answer. */
  score: number;
  reason: Reason;
  /** Placed by a merchandising rule, not by the ranker. */
  pinned?: true;
  /** The score's parts (the debug panel), when asked for. */
  parts?: Record<string, number>;
}

/** A ranking's rows in shelf order, with how to score and explain each. */
interface Ranked {
  top: number[];
  scoreOf: (i: number) => number;
  partsOf: (i: number) => Record<string, number>;
  basket: number[];
}

function rankRows(model: ShelfModel, rules: ShelfRules, shopper: ShelfShopper, user: ShelfUser, kernel: ShelfKernel, withParts: boolean): Ranked {
  const { signals, scorer } = model;
  const state: ShopperState = { history: shopper.history, cart: shopper.cart ?? [], now: shopper.now };
  const catalogue = { index: model.index, categories: model.meta.categories, n: model.skus.length };
  const none = user.noHistory && slotIds(user.inputs).length === 0 ? user.noHistory : undefined;
  if (rules.baseline) return baselineRows(model, rules, state, catalogue, kernel);
  if (rules.ranking === 'complement') {
    const basket = basketOf(model, rules, shopper);
    const complement = complementScores(model.complements, { popularity: model.prior, category: signals.category }, basket);
    // Only the storefronts of the basket and the history (as isCandidate rules for the other rankings): a
    // popular product of another storefront is no complement, however well it sells there.
    ruleOutCommunities(signals, communitiesOf(signals, [...basket, ...slotIds(user.inputs)]), complement);
    // The shopper's own explore ranking breaks ties among complements, wherever they have a history.
    const taste = shopper.history.length > 0 ? minMax(user.heads?.explore ?? rankingScores('explore', scorer, signals, user.ctx, user.dots(), kernel.dense)) : undefined;
    const scores = blendTaste(complement, taste);
    return {
      top: selectShelf(rules, scores, state, catalogue, kernel.topK),
      scoreOf: (i) => scores[i]!,
      partsOf: (i) => ({ complement: complement[i]!, ...(taste ? { 'your taste': TASTE_WEIGHT * taste[i]! } : {}) }),
      basket,
    };
  }
  const ranking = rules.ranking;
  if (user.heads && !none) return graphRows(model, rules, state, catalogue, user.ctx, user.heads, kernel);
  const dots = none ? undefined : user.dots();
  // The dot products, kept for the debug panel's parts when it asks (the scorer writes over them).
  const dotOf = withParts && dots ? new Float32Array(dots) : undefined;
  const partsOf = (i: number) => (dotOf ? scoreParts(ranking, scorer, signals, user.ctx, dotOf[i]!, i) : {});
  if (ranking === 'repeat') {
    const ranked = dots ? repeatScores(scorer, signals, user.ctx, dots) : [];
    const byId = new Map(ranked);
    return { top: selectRepeat(rules, ranked, state, catalogue), scoreOf: (i) => byId.get(i) ?? 0, partsOf, basket: [] };
  }
  const scores = none ? none() : rankingScores(ranking, scorer, signals, user.ctx, dots!, kernel.dense);
  return { top: selectShelf(rules, scores, state, catalogue, kernel.topK), scoreOf: (i) => scores[i]!, partsOf, basket: [] };
}

/**
 * A holdback shelf (lib/experiments/holdback.ts): the baseline's list under the same rules. The best sellers of the
 * last 30 days order every product; "Buy it again" keeps its promise (only what the shopper bought), ordered so.
 */
function baselineRows(model: ShelfModel, rules: ShelfRules, state: ShopperState, catalogue: RuleCatalogue, kernel: ShelfKernel): Ranked {
  const pop = model.signals.vectors.pop30;
  const scoreOf = (i: number) => pop[i]!;
  const partsOf = (i: number) => ({ 'best sellers (30 days)': pop[i]! });
  if (rules.ranking === 'repeat') {
    const bought = [...new Set(state.history.filter((e) => e.kind === 'purchase').map((e) => catalogue.index.get(e.sku)))].filter((i): i is number => i !== undefined);
    const ranked = bought.map((i) => [i, pop[i]!] as const).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    return { top: selectRepeat(rules, ranked, state, catalogue), scoreOf, partsOf, basket: [] };
  }
  // A copy: the kernel's selection may write over the scores it is given.
  return { top: selectShelf(rules, new Float32Array(pop), state, catalogue, kernel.topK), scoreOf, partsOf, basket: [] };
}

/**
 * rankRows for a shopper the graph scored: the rankings are its outputs. The graph gives no dot products, but a
 * score is its parts added up and every part but the two-tower one is the shopper's context (computed here
 * as for any shelf), so the debug panel's two-tower part is what the graph's score leaves: the same parts,
 * adding up to the graph's own score.
 */
function graphRows(model: ShelfModel, rules: ShelfRules, state: ShopperState, catalogue: RuleCatalogue, ctx: UserContext, heads: GraphHeads, kernel: ShelfKernel): Ranked {
  const ranking = rules.ranking === 'complement' ? 'explore' : rules.ranking;
  const partsFor = (score: (i: number) => number) => (i: number) => {
    const parts = scoreParts(ranking, model.scorer, model.signals, ctx, 0, i);
    const rest = Object.entries(parts).reduce((sum, [name, v]) => (name === 'two-tower' ? sum : sum + v), 0);
    return { ...parts, 'two-tower': score(i) - rest };
  };
  if (ranking === 'repeat') {
    const ranked = repeatFromGraph(ctx, heads.repeat);
    const byId = new Map(ranked);
    const scoreOf = (i: number) => byId.get(i) ?? 0;
    return { top: selectRepeat(rules, ranked, state, catalogue), scoreOf, partsOf: partsFor(scoreOf), basket: [] };
  }
  const scores = heads[ranking];
  const scoreOf = (i: number) => scores[i]!;
  return { top: selectShelf(rules, scores, state, catalogue, kernel.topK), scoreOf, partsOf: partsFor(scoreOf), basket: [] };
}

/** How many times each product was bought, on the shelves that show owned products ("You bought this"). */
function boughtCounts(rules: ShelfRules, shopper: ShelfShopper, index: ReadonlyMap<string, number>): Map<number, number> {
  const bought = new Map<number, number>();
  for (const e of rules.ranking === 'explore' ? [] : shopper.history) {
    const i = e.kind === 'purchase' ? index.get(e.sku) : undefined;
    if (i !== undefined) bought.set(i, (bought.get(i) ?? 0) + 1);
  }
  return bought;
}

/**
 * The shelf: the ranking its rules ask for, the rules applied (lib/recs/shelf-rules.ts), a reason under every
 * card (computed here, never sent anywhere: it can name a product from the history), pins marked.
 */
export function rankShelf(model: ShelfModel, rules: ShelfRules, shopper: ShelfShopper, user: ShelfUser, opts: { kernel?: ShelfKernel; parts?: boolean } = {}): ShelfItem[] {
  const ranked = rankRows(model, rules, shopper, user, opts.kernel ?? {}, opts.parts ?? false);
  const pinned = new Set(knownRows(model.index, rules.pin));
  const reasons: ReasonSources = {
    names: model.meta.names,
    items: model.items,
    dim: model.dim,
    // A baseline's list owes nothing to the history or the basket: its reasons say so ("popular").
    history: rules.baseline ? [] : slotIds(user.inputs),
    pinned,
    ...(rules.ranking === 'complement' && !rules.baseline ? { complements: { model: model.complements, basket: ranked.basket } } : {}),
    bought: boughtCounts(rules, shopper, model.index),
  };
  return ranked.top.map((i) => ({
    sku: model.skus[i]!,
    name: model.meta.names[i]!,
    price: model.meta.prices[i]!,
    score: Math.round(ranked.scoreOf(i) * 1e6) / 1e6,
    reason: reasonFor(i, reasons),
    ...(pinned.has(i) ? { pinned: true as const } : {}),
    ...(opts.parts ? { parts: ranked.partsOf(i) } : {}),
  }));
}

/**
 * The shipped scorer: the two-tower dot product and a learned second stage, in three heads.
 *
 *   score_h(i) = Σ_f weight_h[f] · feature_f(user, i)
 *
 * The features (`FEATURE_TABLE`) come from the user embedding, the history slots (lib/recs/features.ts)
 * and the item signals (lib/recs/signals.ts). Two heads weigh them for two questions:
 *   explore  which product they never bought will they buy ("Recommended for you", product and cart
 *            shelves: the shelf leaves owned products out, so the owned-only features carry no weight);
 *   repeat   which of their own products will they buy again ("Buy it again": only owned products).
 * The "all" ranking (what will they buy next, new or not) merges them: an owned product scores
 * ownedOffset + its repeat score, any other its explore score.
 * Weights are trained by `npm run models` (models/second-stage.ts) and live in the manifest's `scorer`.
 * The worker, the edge function and `npm run eval` all compute exactly this (the exported ONNX and Core ML
 * graphs hold only the user tower: the second stage runs here). No I/O; the four caches (token buckets,
 * postings, design stamps, constant terms) are WeakMaps keyed by a model's own arrays, so an answer depends
 * only on the arguments and a new model version starts with none.
 * A catalogue with communities (models/communities.ts) ranks a shopper only the products of the communities
 * their history is in (isCandidate): the others score −∞ in explore and "all".
 */
import { z } from 'zod';
import type { HistoryInputs } from './features';
import type { ItemSignals } from './signals';

type Slot = UserContext['slots'][number];
/** A feature every item has, from the user context and the item's signals. */
interface ItemFeature {
  name: string;
  group: 'explore';
  doc: string;
  of: (s: ItemSignals, ctx: UserContext, i: number, dot: number) => number;
}
/** A feature only the history's own products have (0 for every other item). */
interface OwnedFeature {
  name: string;
  group: 'owned';
  doc: string;
  of: (s: ItemSignals, slot: Slot) => number;
}

const due = (age: number, interval: number) => Math.exp(-Math.abs(Math.log((age + 1) / (interval + 1))));

/**
 * The second stage's features, one row each: name, group and how it is computed. Everything positional
 * derives from this table (the manifest's feature list, the heads' weight order, `FX`'s indexes, the
 * feature matrix's columns, the kernel's weights); the code addresses features by name. Reordering it
 * changes the manifest's list, so a model trained in the old order is refused on load (checkSpec), and the
 * order is pinned by a test. Every 'explore' feature comes before every 'owned' one.
 */
export const FEATURE_TABLE = [
  { name: 'dot', group: 'explore', doc: 'u · e_i: the two-tower match', of: (_s, _c, _i, dot) => dot },
  { name: 'pop30', group: 'explore', doc: 'purchases in the last 30 days (signals)', of: (s, _c, i) => s.vectors.pop30[i]! },
  { name: 'pop7', group: 'explore', doc: 'purchases in the last 7 days (signals)', of: (s, _c, i) => s.vectors.pop7[i]! },
  { name: 'trend', group: 'explore', doc: 'pop7 against pop30 (signals)', of: (s, _c, i) => s.vectors.trend[i]! },
  { name: 'fresh', group: 'explore', doc: 'new in the catalogue (signals)', of: (s, _c, i) => s.vectors.fresh[i]! },
  { name: 'copurchase', group: 'explore', doc: 'log(1 + Σ over history slots of count × co-purchase cosine(slot item, i))', of: (_s, c, i) => Math.log1p(c.copurchase.get(i) ?? 0) },
  { name: 'category', group: 'explore', doc: "the share of the history (by count) in i's category", of: (s, c, i) => c.categoryShare[s.category[i]!]! },
  { name: 'price', group: 'explore', doc: "−|log price_i − the history's mean log price|; 0 without a history", of: (s, c, i) => (c.hasHistory ? -Math.abs(s.vectors.logPrice[i]! - c.meanLogPrice) : 0) },
  { name: 'design', group: 'explore', doc: 'the largest share of history items that carry one of i\'s name words (a design series: "Retrospot")', of: (s, c, i) => design(s, c, i) },
  { name: 'owned', group: 'owned', doc: '1 for a history product', of: () => 1 },
  { name: 'count', group: 'owned', doc: 'log(1 + count)', of: (_s, slot) => Math.log1p(slot.count) },
  { name: 'decayed', group: 'owned', doc: 'log(1 + recency-decayed weight)', of: (_s, slot) => Math.log1p(slot.decayed) },
  { name: 'recency', group: 'owned', doc: 'exp(−days since last / 30)', of: (_s, slot) => Math.exp(-slot.age / 30) },
  { name: 'due', group: 'owned', doc: "exp(−|log((days since last + 1) / (i's repurchase interval + 1))|): due again", of: (s, slot) => due(slot.age, s.vectors.interval[slot.id]!) },
  { name: 'ownedPop', group: 'owned', doc: 'pop30 of an owned product', of: (s, slot) => s.vectors.pop30[slot.id]! },
  { name: 'ownedRepeatRate', group: 'owned', doc: 'repeatRate of an owned product', of: (s, slot) => s.vectors.repeatRate[slot.id]! },
] as const satisfies readonly (ItemFeature | OwnedFeature)[];

export type StageFeature = (typeof FEATURE_TABLE)[number]['name'];
export const STAGE_FEATURES: readonly StageFeature[] = FEATURE_TABLE.map((f) => f.name);
export const F = STAGE_FEATURES.length;
/** Each feature's index in the weight vectors and the matrix's rows, by name. */
export const FX = Object.fromEntries(STAGE_FEATURES.map((f, k) => [f, k])) as Readonly<Record<StageFeature, number>>;
/** Whether each feature (by index) belongs to every item ('explore') or to owned products only. */
export const isOwnedFeature = (k: number): boolean => FEATURE_TABLE[k]!.group === 'owned';
const ITEM_FEATURES: readonly ItemFeature[] = FEATURE_TABLE.filter((f): f is Extract<(typeof FEATURE_TABLE)[number], { group: 'explore' }> => f.group === 'explore');
const OWNED_FEATURES: readonly OwnedFeature[] = FEATURE_TABLE.filter((f): f is Extract<(typeof FEATURE_TABLE)[number], { group: 'owned' }> => f.group === 'owned');
const OWNED_FROM = ITEM_FEATURES.length;

export const HEADS = ['explore', 'repeat'] as const;
export type Head = (typeof HEADS)[number];

/** The shipped scorer as the manifest carries it (one definition: the type is inferred from it). */
export const ScorerSchema = z.object({
  kind: z.literal('two-stage'),
  /** The features in weight order (always STAGE_FEATURES; checked on load by checkSpec). */
  features: z.array(z.string()),
  /** A weight per feature per head. */
  heads: z.object({ explore: z.array(z.number()), repeat: z.array(z.number()) }),
  /** Added to an owned product's repeat score in the "all" ranking. */
  ownedOffset: z.number(),
});
export type ScorerSpec = z.infer<typeof ScorerSchema>;

/** What the history says about the shopper, computed once per ranking. */
export interface UserContext {
  /** Σ count × neighbour weight, for the items some history slot names as a neighbour (at most slots × neighbours). */
  copurchase: Map<number, number>;
  categoryShare: Float32Array;
  meanLogPrice: number;
  hasHistory: boolean;
  /** Per token bucket: the share of history items whose name has it. */
  tokenShare: Float32Array;
  /** The history's words (token buckets), largest share first: the only words a 'design' feature can come from. */
  words: { tokens: Int32Array; shares: Float32Array };
  /** The history slots (no padding). */
  slots: { id: number; count: number; decayed: number; age: number }[];
  /**
   * Per community (lib/recs/signals.ts `community`), 1 where the history has a product of it; community 0 (none)
   * always 1. Null where nothing is ruled out: a catalogue without communities, or a history in none of them.
   */
  allowed: Uint8Array | null;
}

export function userContext(s: ItemSignals, h: HistoryInputs): UserContext {
  const copurchase = new Map<number, number>();
  const categoryShare = new Float32Array(s.categories);
  const slots: UserContext['slots'] = [];
  const tokenCounts = new Map<number, number>();
  let total = 0;
  let logPrice = 0;
  const m = s.neighboursPerItem;
  for (let j = 0; j < h.ids.length; j++) {
    const id = h.ids[j]!;
    if (id < 0 || id >= s.n) continue;
    const count = h.counts[j]!;
    slots.push({ id, count, decayed: h.weights[j]!, age: h.ages[j]! });
    total += count;
    categoryShare[s.category[id]!]! += count;
    logPrice += count * s.vectors.logPrice[id]!;
    for (let k = 0; k < m; k++) {
      const nb = s.neighbours[id * m + k]!;
      if (nb < 0) break;
      copurchase.set(nb, (copurchase.get(nb) ?? 0) + count * s.neighbourWeights[id * m + k]!);
    }
    for (let t = s.tokenOffsets[id]!; t < s.tokenOffsets[id + 1]!; t++) tokenCounts.set(s.tokens[t]!, (tokenCounts.get(s.tokens[t]!) ?? 0) + 1);
  }
  if (total > 0) for (let c = 0; c < categoryShare.length; c++) categoryShare[c]! /= total;
  const tokenShare = new Float32Array(tokenBuckets(s));
  for (const [t, c] of tokenCounts) tokenShare[t] = c / slots.length;
  const byShare = [...tokenCounts.keys()].sort((a, b) => tokenShare[b]! - tokenShare[a]! || a - b);
  const words = { tokens: Int32Array.from(byShare), shares: Float32Array.from(byShare, (t) => tokenShare[t]!) };
  return { copurchase, categoryShare, meanLogPrice: total > 0 ? logPrice / total : 0, hasHistory: total > 0, tokenShare, words, slots, allowed: communitiesOf(s, slots.map((slot) => slot.id)) };
}

/**
 * Per community, 1 where one of `rows` is in it, with 0 (none) always 1; null where nothing is ruled out (a
 * catalogue without communities, or rows in none of them).
 */
export function communitiesOf(s: ItemSignals, rows: Iterable<number>): Uint8Array | null {
  const c = s.community;
  if (!c) return null;
  const allowed = new Uint8Array(communityCount(s) + 1);
  allowed[0] = 1;
  let tagged = false;
  for (const row of rows) {
    const k = c[row]!;
    if (k > 0) {
      allowed[k] = 1;
      tagged = true;
    }
  }
  return tagged ? allowed : null;
}

/**
 * Whether the explore and "all" rankings may show product i to this shopper: not when it belongs to a community
 * (a part of the catalogue no customer crosses: models/communities.ts) that none of the history's products is in.
 * Its twin in the shopper's own storefront is the one they can buy.
 */
export function isCandidate(s: ItemSignals, ctx: UserContext, i: number): boolean {
  return ctx.allowed === null || ctx.allowed[s.community![i]!] === 1;
}

/** The products of communities `allowed` leaves out (isCandidate's rule), scored −∞ in place (one pass, only where it leaves any out). */
export function ruleOutCommunities(s: ItemSignals, allowed: Uint8Array | null, scores: Float32Array): void {
  if (allowed === null) return;
  const c = s.community!;
  for (let i = 0; i < scores.length; i++) if (allowed[c[i]!] !== 1) scores[i] = -Infinity;
}

const communityLists = new WeakMap<ItemSignals, Int32Array[]>();
/**
 * The rows isCandidate keeps for this shopper (community by community), or null where no community rules any
 * out. Training samples its negatives from them (models/second-stage.ts); the others score −∞ whatever their dot
 * product, so a runtime that computes dot products row by row (the edge's TypeScript tower) needs only these: at
 * 100k products in 30 storefronts, a thirtieth of the work, and the same scores to the bit.
 */
export function candidateRows(s: ItemSignals, ctx: UserContext): Int32Array | null {
  const { allowed } = ctx;
  if (allowed === null) return null;
  let lists = communityLists.get(s);
  if (!lists) {
    const rows: number[][] = Array.from({ length: communityCount(s) + 1 }, () => []);
    s.community!.forEach((k, i) => rows[k]!.push(i));
    lists = rows.map((r) => Int32Array.from(r));
    communityLists.set(s, lists);
  }
  const kept = lists.filter((_, k) => allowed[k] === 1);
  const out = new Int32Array(kept.reduce((n, l) => n + l.length, 0));
  let at = 0;
  for (const l of kept) {
    out.set(l, at);
    at += l.length;
  }
  return out;
}

const communityCounts = new WeakMap<ItemSignals, number>();
/** The highest community a catalogue tags (computed once per signals). */
function communityCount(s: ItemSignals): number {
  let n = communityCounts.get(s);
  if (n === undefined) {
    n = 0;
    for (const x of s.community ?? []) if (x > n) n = x;
    communityCounts.set(s, n);
  }
  return n;
}

const bucketCounts = new WeakMap<ItemSignals, number>();
/** One more than the largest token bucket any item uses, at least 1 (computed once per signals; the kernel sizes its shares by it). */
export function tokenBuckets(s: ItemSignals): number {
  let n = bucketCounts.get(s);
  if (n === undefined) {
    n = 1;
    for (const t of s.tokens) if (t >= n) n = t + 1;
    bucketCounts.set(s, n);
  }
  return n;
}

/** The 'design' feature: the largest history share among the item's own words. */
function design(s: ItemSignals, ctx: UserContext, i: number): number {
  let best = 0;
  for (let t = s.tokenOffsets[i]!; t < s.tokenOffsets[i + 1]!; t++) {
    const share = ctx.tokenShare[s.tokens[t]!]!;
    if (share > best) best = share;
  }
  return best;
}

/** The owned-only features of one slot, in table order. */
const ownedFeatures = (s: ItemSignals, slot: Slot): number[] => OWNED_FEATURES.map((f) => f.of(s, slot));

/**
 * Every item's feature row, row-major [n, F] (training and the parity tests; a ranking uses scoreHead,
 * which computes the same sums without the matrix).
 */
export function featureMatrix(s: ItemSignals, ctx: UserContext, dots: Float32Array): Float32Array {
  const X = new Float32Array(s.n * F);
  for (let i = 0; i < s.n; i++) {
    const o = i * F;
    for (let k = 0; k < OWNED_FROM; k++) X[o + k] = ITEM_FEATURES[k]!.of(s, ctx, i, dots[i]!);
  }
  for (const slot of ctx.slots) ownedFeatures(s, slot).forEach((x, k) => (X[slot.id * F + OWNED_FROM + k] = x));
  return X;
}

/**
 * The feature rows of `ids` alone, [ids.length, F]: featureMatrix's rows for those items, without a
 * catalogue-long matrix (training reads a few hundred rows per customer; the catalogue may have 100k).
 */
export function featureRows(s: ItemSignals, ctx: UserContext, dot: (i: number) => number, ids: readonly number[]): Float32Array {
  const X = new Float32Array(ids.length * F);
  const slots = new Map(ctx.slots.map((slot) => [slot.id, slot]));
  ids.forEach((i, r) => {
    const o = r * F;
    const di = dot(i);
    for (let k = 0; k < OWNED_FROM; k++) X[o + k] = ITEM_FEATURES[k]!.of(s, ctx, i, di);
    const slot = slots.get(i);
    if (slot) ownedFeatures(s, slot).forEach((x, k) => (X[o + OWNED_FROM + k] = x));
  });
  return X;
}

/**
 * A head's dense pass as data, for a kernel that runs it elsewhere (lib/recs/rank-wasm.ts runs it in
 * WebAssembly, one pass over the items): what scoreHead computes before the owned terms, with the same
 * operations in the same order, so a kernel's scores are these to the bit (tested).
 */
export interface DensePass {
  signals: ItemSignals;
  /** The head's weighted constant features per item (pop30, pop7, trend, fresh). */
  constant: Float32Array;
  wDot: number;
  wCat: number;
  wPrice: number;
  wDesign: number;
  ctx: UserContext;
  /** The co-purchase terms (weight × log(1 + Σ)), items ascending. */
  co: { ids: Int32Array; terms: Float64Array };
}
/** Runs a DensePass over `dots` in place and says true, or says false (then scoreHead runs it in JavaScript). */
export type DenseKernel = (pass: DensePass, dots: Float32Array) => boolean;

/**
 * One head's scores for every item, written over `dots` in place (the array the dot products arrived in:
 * no second n-sized buffer). Equal to featureMatrix · weights up to float rounding (tested). `kernel`, when
 * it can, runs the dense terms instead of the loops here.
 */
export function scoreHead(weights: readonly number[], s: ItemSignals, ctx: UserContext, dots: Float32Array, kernel?: DenseKernel): Float32Array {
  // The dense terms in one pass over the items (a million at the bench's largest); the sparse ones, which
  // only the history's neighbours, words and own products have, after it.
  const constant = constantTerms(weights, s);
  const [wDot, wCo, wCat, wPrice, wDesign] = [weights[FX.dot]!, weights[FX.copurchase]!, weights[FX.category]!, weights[FX.price]!, weights[FX.design]!];
  const n = s.n;
  if (!kernel?.({ signals: s, constant, wDot, wCat, wPrice, wDesign, ctx, co: coTerms(wCo, ctx) }, dots)) {
    if (ctx.hasHistory) {
      const { categoryShare, meanLogPrice } = ctx;
      const { category } = s;
      const logPrice = s.vectors.logPrice;
      for (let i = 0; i < n; i++) dots[i] = wDot * dots[i]! + constant[i]! + wCat * categoryShare[category[i]!]! - wPrice * Math.abs(logPrice[i]! - meanLogPrice);
    } else {
      // No history: category share and price fit are 0 for every item (and there are no words or neighbours).
      for (let i = 0; i < n; i++) dots[i] = wDot * dots[i]! + constant[i]!;
    }
    for (const [i, co] of ctx.copurchase) dots[i]! += wCo * Math.log1p(co);
    if (wDesign !== 0) addDesign(wDesign, s, ctx, dots);
  }
  for (const slot of ctx.slots) dots[slot.id]! += ownedTerms(weights, s, slot);
  ruleOutCommunities(s, ctx.allowed, dots);
  return dots;
}

function coTerms(wCo: number, ctx: UserContext): DensePass['co'] {
  const ids = Int32Array.from(ctx.copurchase.keys()).sort();
  return { ids, terms: Float64Array.from(ids, (i) => wCo * Math.log1p(ctx.copurchase.get(i)!)) };
}

const stamps = new WeakMap<ItemSignals, { seen: Uint32Array; epoch: number }>();
/**
 * 'design' = the largest share among the item's words. Walk the history's words' item lists (an inverted
 * index, built once per model), largest share first, so an item's first visit carries its feature and later
 * ones are skipped by a stamp (no per-ranking clearing). In JavaScript, reading every item's own words in the
 * dense pass measured slower: its short inner loop of 1 to 7 words cost more than these lists, even at 100k
 * items. The WebAssembly kernel does read them in its dense pass: there the loop is cheap and the lists'
 * random writes are not (docs/performance.md).
 */
function addDesign(w: number, s: ItemSignals, ctx: UserContext, dots: Float32Array): void {
  let st = stamps.get(s);
  if (!st) stamps.set(s, (st = { seen: new Uint32Array(s.n), epoch: 0 }));
  const epoch = ++st.epoch;
  const { seen } = st;
  const { offsets, items } = postings(s);
  const { tokens, shares } = ctx.words;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    const add = w * shares[k]!;
    for (let p = offsets[t]!; p < offsets[t + 1]!; p++) {
      const i = items[p]!;
      if (seen[i] !== epoch) {
        seen[i] = epoch;
        dots[i]! += add;
      }
    }
  }
}

const postingCache = new WeakMap<ItemSignals, { offsets: Int32Array; items: Int32Array }>();
/** Token bucket → the items whose name has it (CSR), built once per signals. */
function postings(s: ItemSignals): { offsets: Int32Array; items: Int32Array } {
  let p = postingCache.get(s);
  if (p) return p;
  const buckets = tokenBuckets(s);
  const offsets = new Int32Array(buckets + 1);
  for (const t of s.tokens) offsets[t + 1]! += 1;
  for (let t = 0; t < buckets; t++) offsets[t + 1]! += offsets[t]!;
  const items = new Int32Array(s.tokens.length);
  const at = offsets.slice(0, buckets);
  for (let i = 0; i < s.n; i++) for (let k = s.tokenOffsets[i]!; k < s.tokenOffsets[i + 1]!; k++) items[at[s.tokens[k]!]!++] = i;
  postingCache.set(s, (p = { offsets, items }));
  return p;
}

/**
 * The weighted sum of the features that never change for an item (pop30, pop7, trend, fresh), per head:
 * computed once per model and head, so a ranking reads one float per item for them instead of four.
 */
const constants = new WeakMap<readonly number[], { signals: ItemSignals; values: Float32Array }>();
function constantTerms(w: readonly number[], s: ItemSignals): Float32Array {
  const hit = constants.get(w);
  if (hit?.signals === s) return hit.values;
  const v = s.vectors;
  const values = new Float32Array(s.n);
  const [w30, w7, wTrend, wFresh] = [w[FX.pop30]!, w[FX.pop7]!, w[FX.trend]!, w[FX.fresh]!];
  for (let i = 0; i < s.n; i++) values[i] = w30 * v.pop30[i]! + w7 * v.pop7[i]! + wTrend * v.trend[i]! + wFresh * v.fresh[i]!;
  constants.set(w, { signals: s, values });
  return values;
}

/**
 * The features every item has (from 'dot' to 'design'), weighted, by name: the debug panel shows them, and
 * itemTerms adds them up (in this order, so the sum is the score to the last bit).
 */
function itemParts(w: readonly number[], s: ItemSignals, ctx: UserContext, dot: number, i: number): Record<'two-tower' | 'popularity' | 'co-purchase' | 'category' | 'price' | 'words', number> {
  return {
    'two-tower': w[FX.dot]! * dot,
    popularity: constantTerms(w, s)[i]!,
    'co-purchase': w[FX.copurchase]! * Math.log1p(ctx.copurchase.get(i) ?? 0),
    category: w[FX.category]! * ctx.categoryShare[s.category[i]!]!,
    price: ctx.hasHistory ? -(w[FX.price]! * Math.abs(s.vectors.logPrice[i]! - ctx.meanLogPrice)) : 0,
    words: w[FX.design]! * design(s, ctx, i),
  };
}

function itemTerms(w: readonly number[], s: ItemSignals, ctx: UserContext, dot: number, i: number): number {
  const p = itemParts(w, s, ctx, dot, i);
  return p['two-tower'] + p.popularity + p['co-purchase'] + p.category + p.price + p.words;
}

function ownedTerms(w: readonly number[], s: ItemSignals, slot: Slot): number {
  let z = 0;
  ownedFeatures(s, slot).forEach((x, k) => (z += w[OWNED_FROM + k]! * x));
  return z;
}

/** One item's score under a head, from its feature row (the repeat head over a few owned slots). */
export function scoreRow(weights: readonly number[], X: Float32Array, i: number): number {
  let z = 0;
  for (let f = 0; f < F; f++) z += weights[f]! * X[i * F + f]!;
  return z;
}

/**
 * The repeat head for the history slots only: [item, score] per slot, best first (ties to the lower
 * index). "Buy it again" ranks these; the other products never need a repeat score.
 */
export function repeatScores(spec: ScorerSpec, s: ItemSignals, ctx: UserContext, dots: Float32Array): [number, number][] {
  return repeatScoresBy(spec, s, ctx, (i) => dots[i]!);
}

/** repeatScores with each slot's dot product from `dot` (a caller that has no catalogue-long array: training). */
export function repeatScoresBy(spec: ScorerSpec, s: ItemSignals, ctx: UserContext, dot: (i: number) => number): [number, number][] {
  const w = spec.heads.repeat;
  const out = ctx.slots.map((slot): [number, number] => [slot.id, itemTerms(w, s, ctx, dot(slot.id), slot.id) + ownedTerms(w, s, slot)]);
  return out.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
}

/**
 * What the scorer graph (scorer.onnx: models/export/scorer-onnx.ts) outputs, by ranking: explore_scores,
 * repeat_scores, all_scores. The same numbers as rankingScores('explore'), repeatScores and rankingScores('all'),
 * computed inside the graph (pinned by golden.json), for a runtime that runs the graph instead.
 */
export interface GraphHeads {
  explore: Float32Array;
  repeat: Float32Array;
  all: Float32Array;
}

/** repeatScores' list from the graph's repeat scores: the history's products, best first (ties to the lower index). */
export function repeatFromGraph(ctx: UserContext, repeat: Float32Array): [number, number][] {
  return ctx.slots.map((slot): [number, number] => [slot.id, repeat[slot.id]!]).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
}

/**
 * A ranking's scores, in place over `dots`: 'explore' or 'all' (explore everywhere, then every owned
 * product replaced by ownedOffset + its repeat score). 'repeat' is repeatScores: it ranks owned products only.
 */
export function rankingScores(kind: 'explore' | 'all', spec: ScorerSpec, s: ItemSignals, ctx: UserContext, dots: Float32Array, kernel?: DenseKernel): Float32Array {
  const repeat = kind === 'all' ? repeatScores(spec, s, ctx, dots) : [];
  scoreHead(spec.heads.explore, s, ctx, dots, kernel);
  for (const [i, z] of repeat) dots[i] = spec.ownedOffset + z;
  return dots;
}

/**
 * The "all" ranking's top k from its two parts, without a full score array: the explore ranking's best (owned
 * products left out) and the owned products' repeat scores lifted by `offset`, merged best first (ties to the
 * lower index). The same rule as rankingScores('all') (its list up to the float32 rounding of the stored
 * scores; tested): training tunes the offset with it, computing each customer's two parts once.
 */
export function mergeAllTop(exploreTop: readonly (readonly [number, number])[], repeat: readonly (readonly [number, number])[], offset: number, k: number): number[] {
  return [...exploreTop, ...repeat.map(([i, z]): [number, number] => [i, z + offset])]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, k)
    .map(([i]) => i);
}

/**
 * One item's score in named parts that add up to it (the debug panel shows them, so a wrong recommendation can
 * be traced to its cause): the two-tower dot product, popularity (pop30, pop7, trend, freshness), co-purchase,
 * category, price, name words, the owned-product terms of a history product, and under 'all' the offset.
 */
export function scoreParts(kind: 'explore' | 'all' | 'repeat', spec: ScorerSpec, s: ItemSignals, ctx: UserContext, dot: number, i: number): Record<string, number> {
  const slot = ctx.slots.find((x) => x.id === i);
  // An owned product ranks by the repeat head under 'all' and 'repeat'; under 'explore' the explore head's
  // owned terms still apply to it (scoreHead adds them for every history slot).
  const repeatHead = slot !== undefined && kind !== 'explore';
  const w = repeatHead ? spec.heads.repeat : spec.heads.explore;
  const parts: Record<string, number> = itemParts(w, s, ctx, dot, i);
  if (slot) parts.owned = ownedTerms(w, s, slot);
  if (slot && kind === 'all') parts.offset = spec.ownedOffset;
  return parts;
}

/** Checks a manifest's scorer against this code: the same features, a weight for each. */
export function checkSpec(spec: ScorerSpec): void {
  if (spec.features.length !== F || spec.features.some((f, k) => f !== STAGE_FEATURES[k])) throw new Error(`scorer features ${spec.features.join(',')} are not this code's ${STAGE_FEATURES.join(',')}`);
  for (const h of HEADS) if (spec.heads[h].length !== F) throw new Error(`scorer head ${h} has ${spec.heads[h].length} weights, not ${F}`);
}

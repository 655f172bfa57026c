/**
 * Training the second stage (lib/recs/score.ts): two linear heads over the stage features, each with a
 * listwise softmax loss on one kind of target, and the offset that merges them into the "all" ranking.
 *
 *   explore  softmax over the products the customer never bought (all of them that are targets, and
 *            SAMPLED_NEGATIVES others drawn uniformly, weighted up to stand for the rest), targets = the new
 *            products they bought in the window;
 *   repeat   softmax over the customer's own products, targets = those bought again, over one of
 *            REPEAT_FEATURE_SETS (the one that does best on the newest training window held out);
 *   all      owned products score ownedOffset + repeat head, the rest the explore head; the offset is the
 *            grid value with the best NDCG@10 on the training windows (it decides how many re-buys lead).
 *
 * Gradients by hand (the loss of a linear softmax is two lines of calculus); `second-stage.test.ts` checks
 * them against finite differences (in `models/baselines.test.ts`). Adam (models/optim.ts), full batch, deterministic.
 */
import type { HistoryInputs } from '../lib/recs/features';
import { topK, topKOf } from '../lib/recs/rank';
import { candidateRows, F, featureRows, isCandidate, isOwnedFeature, mergeAllTop, repeatScores, repeatScoresBy, scoreHead, STAGE_FEATURES, userContext, type ScorerSpec, type StageFeature } from '../lib/recs/score';
import type { ItemSignals } from '../lib/recs/signals';
import { adamStep, logSumExp, moments, type AdamSettings } from './optim';
import { K, measureTargets, metricsFor, type EvalUser } from './evaluate';
import { rng } from './random';
import { charge } from './stage-clock';

export const SAMPLED_NEGATIVES = 400;
export const OFFSET_GRID = [-2, -1, 0, 1, 2, 3, 4, 6, 10, 1000];
const EPOCHS = 150;
const L2 = 1e-3;

/** One training list: candidate rows (features), their log importance weights, and which are targets. */
export interface ListExample {
  X: Float32Array;
  logWeight: Float32Array;
  targets: number[];
}

/**
 * A window's customers with what the scorer needs for them: history inputs and the two-tower dot products,
 * computed when asked (a window's customers × a catalogue of 100k products would not fit in memory).
 */
export interface WindowUser {
  user: EvalUser;
  history: HistoryInputs;
  /** u · e_i for every product. */
  dots: () => Float32Array;
  /** u · e_i for one product: the same float32 as dots()[i]. */
  dot: (i: number) => number;
}

export function examplesFor(head: 'explore' | 'repeat', users: readonly WindowUser[], s: ItemSignals, seed: number): ListExample[] {
  const rand = rng(seed);
  const out: ListExample[] = [];
  for (const w of users) {
    const { owned, targets } = w.user;
    const ctx = userContext(s, w.history);
    // Explore: only products the ranking can show (lib/recs/score.ts isCandidate) are targets or negatives.
    const wanted = [...targets].filter((t) => owned.has(t) === (head === 'repeat') && (head === 'repeat' || isCandidate(s, ctx, t)));
    if (wanted.length === 0) continue;
    let ids: number[];
    let logWeight: number[];
    if (head === 'repeat') {
      ids = [...owned];
      logWeight = ids.map(() => 0);
    } else {
      const others = new Set<number>();
      // Drawn from the shopper's candidates: the whole catalogue, or their communities' products.
      const from = candidateRows(s, ctx);
      const size = from ? from.length : s.n;
      const pool = size - owned.size - wanted.length;
      for (let tries = 0; others.size < Math.min(SAMPLED_NEGATIVES, pool) && tries < SAMPLED_NEGATIVES * 4; tries++) {
        const r = Math.floor(rand() * size);
        const i = from ? from[r]! : r;
        if (!owned.has(i) && !targets.has(i)) others.add(i);
      }
      ids = [...wanted, ...others];
      const up = Math.log(Math.max(pool, 1) / Math.max(others.size, 1));
      logWeight = ids.map((_, k) => (k < wanted.length ? 0 : up));
    }
    out.push({ X: featureRows(s, ctx, w.dot, ids), logWeight: Float32Array.from(logWeight), targets: ids.flatMap((id, k) => (targets.has(id) ? [k] : [])) });
  }
  return out;
}

/** Mean negative log-likelihood of the targets, plus L2; the gradient into `grad` when given. Shapes: each example's X [m, F], logWeight [m]. */
export function listLoss(w: Float64Array, examples: readonly ListExample[], grad?: Float64Array): number {
  // The feature count as a local (read through the module binding in the inner loops it cost a third of the
  // heads' training time: fitStage 54 → 36 s here, the same weights). One buffer for every list's logits.
  const nF = F;
  let loss = 0;
  grad?.fill(0);
  let z = new Float64Array(0);
  for (const e of examples) {
    const m = e.logWeight.length;
    if (z.length < m) z = new Float64Array(m);
    const X = e.X;
    for (let r = 0; r < m; r++) {
      let s = e.logWeight[r]!;
      const o = r * nF;
      // Unrolled by four, summed in the same order (the heads' training was most of a big shop's second stage).
      let f = 0;
      for (; f + 4 <= nF; f += 4) {
        s += w[f]! * X[o + f]!;
        s += w[f + 1]! * X[o + f + 1]!;
        s += w[f + 2]! * X[o + f + 2]!;
        s += w[f + 3]! * X[o + f + 3]!;
      }
      for (; f < nF; f++) s += w[f]! * X[o + f]!;
      z[r] = s;
    }
    const { logZ } = logSumExp(z, m);
    for (const t of e.targets) loss -= (z[t]! - e.logWeight[t]! - logZ) / e.targets.length;
    if (!grad) continue;
    // d/dw of −(z_t − logZ) = −x_t + E_p[x], averaged over the targets (E_p[x] is shared).
    for (let r = 0; r < m; r++) {
      const p = Math.exp(z[r]! - logZ);
      const o = r * nF;
      let f = 0;
      for (; f + 4 <= nF; f += 4) {
        grad[f]! += p * X[o + f]!;
        grad[f + 1]! += p * X[o + f + 1]!;
        grad[f + 2]! += p * X[o + f + 2]!;
        grad[f + 3]! += p * X[o + f + 3]!;
      }
      for (; f < nF; f++) grad[f]! += p * X[o + f]!;
    }
    for (const t of e.targets) for (let f = 0; f < nF; f++) grad[f]! -= X[t * nF + f]! / e.targets.length;
  }
  const n = Math.max(examples.length, 1);
  loss /= n;
  for (let f = 0; f < nF; f++) loss += 0.5 * L2 * w[f]! * w[f]!;
  if (grad) for (let f = 0; f < nF; f++) grad[f] = grad[f]! / n + L2 * w[f]!;
  return loss;
}

const ADAM: AdamSettings = { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, form: 'textbook', lazy: false };

/** Adam on the full batch. `mask` zeroes features out (the ablation, and the owned-only ones for explore). */
export function trainHead(examples: readonly ListExample[], mask: readonly boolean[]): Float64Array {
  const w = new Float64Array(F);
  const state = moments(F);
  const g = new Float64Array(F);
  for (let step = 1; step <= EPOCHS; step++) {
    listLoss(w, examples, g);
    adamStep(w, g, state, step, ADAM, (f) => !mask[f]);
  }
  return w;
}

/**
 * The feature sets the repeat head may use. Re-buy lists are short and few (about 160 to 230 customers a
 * month), and with every feature the head learned the explore features' noise: trained on two windows and
 * scored on the next, the full set lost to the small ones (repeat NDCG@10 0.311 against 0.321 and 0.325).
 * Which set ships is decided the same way in every fit (`chooseRepeatFeatures`), never on validation.
 */
export const REPEAT_FEATURE_SETS: Record<string, readonly StageFeature[]> = {
  all: STAGE_FEATURES,
  habits: ['count', 'decayed', 'recency', 'ownedPop'],
  'count-popularity': ['count', 'ownedPop'],
};

/** What fitStage decided beside the weights: the repeat head's feature set and how each set did when held out. */
export interface StageFit {
  scorer: ScorerSpec;
  repeatFeatures: string;
  /** Repeat NDCG@10 on the newest window of each set trained on the older ones. */
  repeatHoldout: Record<string, number>;
}

const mask = (features: readonly StageFeature[], drop?: number, ownedFeaturesToo = true) =>
  STAGE_FEATURES.map((f, k) => k !== drop && features.includes(f) && (ownedFeaturesToo || !isOwnedFeature(k)));

const round = (x: Float64Array) => [...x].map((v) => Math.round(v * 1e6) / 1e6);

function repeatHead(windows: readonly (readonly WindowUser[])[], signals: readonly ItemSignals[], features: readonly StageFeature[], drop?: number): number[] {
  return round(trainHead(windows.flatMap((users, i) => examplesFor('repeat', users, signals[i]!, 2000 + i)), mask(features, drop)));
}

/** Mean repeat NDCG@10 of a repeat head over one window's customers who bought something again (as `npm run eval` ranks it). */
export function repeatNdcg(users: readonly WindowUser[], s: ItemSignals, weights: number[]): number {
  const spec: ScorerSpec = { kind: 'two-stage', features: [...STAGE_FEATURES], heads: { explore: weights, repeat: weights }, ownedOffset: 0 };
  let sum = 0;
  let count = 0;
  for (const { user, history, dot } of users) {
    const targets = measureTargets('repeat', user);
    if (targets.size === 0) continue;
    // Ranked as rankFor('repeat') ranks the eval's repeat scores (float32; owned products beyond the history slots
    // lowest), without a catalogue-long array per customer.
    const slot = new Map(repeatScoresBy(spec, s, userContext(s, history), dot).map(([i, z]) => [i, Math.fround(z)]));
    const ranked = topKOf([...user.owned], (i) => slot.get(i) ?? Math.fround(-1e9), K);
    sum += metricsFor(ranked, targets)['ndcg@10'];
    count++;
  }
  return sum / Math.max(count, 1);
}

/** The repeat feature set that does best on the newest window when trained on the older ones. */
export function chooseRepeatFeatures(windows: readonly (readonly WindowUser[])[], signals: readonly ItemSignals[], drop?: number): Pick<StageFit, 'repeatFeatures' | 'repeatHoldout'> {
  const last = windows.length - 1;
  const repeatHoldout: Record<string, number> = {};
  let best = { name: 'all', ndcg: -1 };
  for (const [name, features] of Object.entries(REPEAT_FEATURE_SETS)) {
    const ndcg = repeatNdcg(windows[last]!, signals[last]!, repeatHead(windows.slice(0, last), signals.slice(0, last), features, drop));
    repeatHoldout[name] = Math.round(ndcg * 10_000) / 10_000;
    if (ndcg > best.ndcg) best = { name, ndcg };
  }
  return { repeatFeatures: best.name, repeatHoldout };
}

/** The whole second stage from training windows (each with its signals, oldest first); `drop` leaves one feature out (ablation). */
export function fitStage(windows: readonly (readonly WindowUser[])[], signals: readonly ItemSignals[], drop?: number): StageFit {
  return charge('heads', () => {
    const choice = chooseRepeatFeatures(windows, signals, drop);
    const explore = round(
      trainHead(
        windows.flatMap((users, i) => examplesFor('explore', users, signals[i]!, 1000 + i)),
        mask(STAGE_FEATURES, drop, false),
      ),
    );
    const heads = { explore, repeat: repeatHead(windows, signals, REPEAT_FEATURE_SETS[choice.repeatFeatures]!, drop) };
    return { scorer: { kind: 'two-stage', features: [...STAGE_FEATURES], heads, ownedOffset: bestOffset(windows, signals, heads) }, ...choice };
  });
}


/**
 * The offset with the best mean NDCG@10 of the "all" ranking over the windows. Each customer's explore
 * ranking and repeat scores are computed once; an offset only changes how the two lists merge.
 */
export function bestOffset(windows: readonly (readonly WindowUser[])[], signals: readonly ItemSignals[], heads: ScorerSpec['heads']): number {
  const lists = windows.flatMap((users, w) =>
    users.map(({ user, history, dots: dotsOf }) => {
      const s = signals[w]!;
      const ctx = userContext(s, history);
      const spec: ScorerSpec = { kind: 'two-stage', features: [...STAGE_FEATURES], heads, ownedOffset: 0 };
      const dots = dotsOf();
      const repeat = repeatScores(spec, s, ctx, dots);
      const slots = new Set(repeat.map(([i]) => i));
      const base = scoreHead(heads.explore, s, ctx, dots.slice());
      const top = topK(base, K, slots).map((i): [number, number] => [i, base[i]!]);
      return { repeat, top, targets: user.targets };
    }),
  );
  let best = { offset: OFFSET_GRID[0]!, ndcg: -1 };
  for (const offset of OFFSET_GRID) {
    let sum = 0;
    for (const l of lists) {
      sum += metricsFor(mergeAllTop(l.top, l.repeat, offset, K), l.targets)['ndcg@10'];
    }
    const ndcg = sum / Math.max(lists.length, 1);
    if (ndcg > best.ndcg) best = { offset, ndcg };
  }
  return best.offset;
}

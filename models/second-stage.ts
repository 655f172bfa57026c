/**
 * Training the second stage (lib/recs/score.ts): two linear heads over the stage features, each with a
 * listwise softmax loss on one kind of target, and the offset that merges them into the "all" ranking.
 *
 *   explore  softmax over the products the customer never bought (all of them that are targets, and
 *            SAMPLED_NEGATIVES others drawn uniformly, weighted up to stand for the rest), targets = the new
 *            products they bought in the window;
 *   repeat   softmax over the customer's own products, targets = those bought again;
 *   all      owned products score ownedOffset + repeat head, the rest the explore head; the offset is the
 *            grid value with the best NDCG@10 on the training windows (it decides how many re-buys lead).
 *
 * Gradients by hand (the loss of a linear softmax is two lines of calculus); `second-stage.test.ts` checks
 * them against finite differences. Adam, full batch, deterministic.
 */
import type { HistoryInputs } from '../lib/recs/features';
import { topK } from '../lib/recs/rank';
import { F, featureMatrix, repeatScores, scoreHead, STAGE_FEATURES, userContext, type ScorerSpec } from '../lib/recs/score';
import type { ItemSignals } from '../lib/recs/signals';
import { K, metricsFor, type EvalUser } from './evaluate';
import { rng } from './train';

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

/** A window's customers with what the scorer needs for them: history inputs, user embedding dots. */
export interface WindowUser {
  user: EvalUser;
  history: HistoryInputs;
  dots: Float32Array;
}

function rows(X: Float32Array, ids: readonly number[]): Float32Array {
  const out = new Float32Array(ids.length * F);
  ids.forEach((id, r) => out.set(X.subarray(id * F, id * F + F), r * F));
  return out;
}

export function examplesFor(head: 'explore' | 'repeat', users: readonly WindowUser[], s: ItemSignals, seed: number): ListExample[] {
  const rand = rng(seed);
  const out: ListExample[] = [];
  for (const w of users) {
    const { owned, targets } = w.user;
    const wanted = [...targets].filter((t) => owned.has(t) === (head === 'repeat'));
    if (wanted.length === 0) continue;
    const X = featureMatrix(s, userContext(s, w.history), w.dots);
    let ids: number[];
    let logWeight: number[];
    if (head === 'repeat') {
      ids = [...owned];
      logWeight = ids.map(() => 0);
    } else {
      const others = new Set<number>();
      const pool = s.n - owned.size - wanted.length;
      for (let tries = 0; others.size < Math.min(SAMPLED_NEGATIVES, pool) && tries < SAMPLED_NEGATIVES * 4; tries++) {
        const i = Math.floor(rand() * s.n);
        if (!owned.has(i) && !targets.has(i)) others.add(i);
      }
      ids = [...wanted, ...others];
      const up = Math.log(Math.max(pool, 1) / Math.max(others.size, 1));
      logWeight = ids.map((_, k) => (k < wanted.length ? 0 : up));
    }
    out.push({ X: rows(X, ids), logWeight: Float32Array.from(logWeight), targets: ids.flatMap((id, k) => (targets.has(id) ? [k] : [])) });
  }
  return out;
}

/** Mean negative log-likelihood of the targets, plus L2; the gradient into `grad` when given. */
export function listLoss(w: Float64Array, examples: readonly ListExample[], grad?: Float64Array): number {
  let loss = 0;
  grad?.fill(0);
  for (const e of examples) {
    const m = e.logWeight.length;
    const z = new Float64Array(m);
    let max = -Infinity;
    for (let r = 0; r < m; r++) {
      let s = e.logWeight[r]!;
      for (let f = 0; f < F; f++) s += w[f]! * e.X[r * F + f]!;
      z[r] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let r = 0; r < m; r++) sum += Math.exp(z[r]! - max);
    const logZ = max + Math.log(sum);
    for (const t of e.targets) loss -= (z[t]! - e.logWeight[t]! - logZ) / e.targets.length;
    if (!grad) continue;
    // d/dw of −(z_t − logZ) = −x_t + E_p[x], averaged over the targets (E_p[x] is shared).
    for (let r = 0; r < m; r++) {
      const p = Math.exp(z[r]! - logZ);
      for (let f = 0; f < F; f++) grad[f]! += p * e.X[r * F + f]!;
    }
    for (const t of e.targets) for (let f = 0; f < F; f++) grad[f]! -= e.X[t * F + f]! / e.targets.length;
  }
  const n = Math.max(examples.length, 1);
  loss /= n;
  for (let f = 0; f < F; f++) loss += 0.5 * L2 * w[f]! * w[f]!;
  if (grad) for (let f = 0; f < F; f++) grad[f] = grad[f]! / n + L2 * w[f]!;
  return loss;
}

/** Adam on the full batch. `mask` zeroes features out (the ablation, and the owned-only ones for explore). */
export function trainHead(examples: readonly ListExample[], mask: readonly boolean[]): Float64Array {
  const w = new Float64Array(F);
  const m = new Float64Array(F);
  const v = new Float64Array(F);
  const g = new Float64Array(F);
  for (let step = 1; step <= EPOCHS; step++) {
    listLoss(w, examples, g);
    for (let f = 0; f < F; f++) {
      if (!mask[f]) continue;
      m[f] = 0.9 * m[f]! + 0.1 * g[f]!;
      v[f] = 0.999 * v[f]! + 0.001 * g[f]! * g[f]!;
      w[f]! -= (0.05 * (m[f]! / (1 - 0.9 ** step))) / (Math.sqrt(v[f]! / (1 - 0.999 ** step)) + 1e-8);
    }
  }
  return w;
}

/** The whole second stage from training windows (each with its signals); `drop` leaves one feature out (ablation). */
export function fitStage(windows: readonly (readonly WindowUser[])[], signals: readonly ItemSignals[], drop?: number): ScorerSpec {
  const keep = (explore: boolean) => STAGE_FEATURES.map((_, k) => k !== drop && !(explore && k >= OWNED_FROM));
  const train = (head: 'explore' | 'repeat', seed: number) =>
    trainHead(
      windows.flatMap((users, i) => examplesFor(head, users, signals[i]!, seed + i)),
      keep(head === 'explore'),
    );
  const round = (x: Float64Array) => [...x].map((v) => Math.round(v * 1e6) / 1e6);
  const heads = { explore: round(train('explore', 1000)), repeat: round(train('repeat', 2000)) };
  return { kind: 'two-stage', features: [...STAGE_FEATURES], heads, ownedOffset: bestOffset(windows, signals, heads) };
}

const OWNED_FROM = STAGE_FEATURES.indexOf('owned');

/**
 * The offset with the best mean NDCG@10 of the "all" ranking over the windows. Each customer's explore
 * ranking and repeat scores are computed once; an offset only changes how the two lists merge.
 */
export function bestOffset(windows: readonly (readonly WindowUser[])[], signals: readonly ItemSignals[], heads: ScorerSpec['heads']): number {
  const lists = windows.flatMap((users, w) =>
    users.map(({ user, history, dots }) => {
      const s = signals[w]!;
      const ctx = userContext(s, history);
      const spec: ScorerSpec = { kind: 'two-stage', features: [...STAGE_FEATURES], heads, ownedOffset: 0 };
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
      const merged = [...l.top, ...l.repeat.map(([i, z]): [number, number] => [i, z + offset])].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      sum += metricsFor(
        merged.slice(0, K).map(([i]) => i),
        l.targets,
      )['ndcg@10'];
    }
    const ndcg = sum / Math.max(lists.length, 1);
    if (ndcg > best.ndcg) best = { offset, ndcg };
  }
  return best.offset;
}

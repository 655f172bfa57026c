/**
 * Two-tower training with hand-written gradients (checked against finite differences in train.test.ts).
 * Why by hand: the towers are a weighted mean, one d×d layer and two L2 normalisations; the gradient is
 * a page of code, runs in plain Float64Arrays on 2 cores in well under a minute, and needs no native
 * tensor runtime in the install.
 *
 * Item tower:  r_i = Eid[i] + Ecat[cat_i] + Eprice[bucket_i] + mean_t Etok[t],   e_i = r_i / ‖r_i‖
 * User tower:  see lib/recs/tower.ts (weighted mean of history e's → W, b → L2 norm)
 * Loss:        sampled softmax over the batch's targets, logits (u·e)/τ − log q (popularity correction),
 *              each example weighted by 0.5^(age / trainHalfLifeDays).
 */
import { historyInputs, type FeatureSpec, type HistoryEvent, type ItemFeatures } from '../lib/recs/features';
import { denseNormInto, EPS, poolInto } from '../lib/recs/tower';
import { adamFlushRows, adamStep, adamStepRows, moments, type AdamSettings, type Moments } from './optim';
import { batchProducts } from './train-kernel';
import { epochBatches, mixedShare } from './batches';
import { gaussian, rng } from './random';
import { DAY } from './time';

export interface TrainConfig {
  dim: number;
  temperature: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Older training examples count less: the season and the assortment drift. */
  trainHalfLifeDays: number;
  /**
   * Older examples are kept with a probability equal to their weight (then weigh 1), instead of all kept at a
   * fraction of a weight: the same expected gradient from a third of the steps on this log (a year of data at a
   * half-life of 120 days), so training grows more slowly with the log (buildExamples).
   */
  sampleByWeight: boolean;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  dim: 32,
  temperature: 0.1,
  epochs: 8,
  batchSize: 256,
  learningRate: 0.02,
  seed: 42,
  trainHalfLifeDays: 120,
  sampleByWeight: true,
};

export interface ItemTable {
  count: number;
  features: ItemFeatures[];
  categoryCount: number;
  priceBucketCount: number;
  tokenBuckets: number;
}

export interface Params {
  dim: number;
  Eid: Float64Array;
  Ecat: Float64Array;
  Eprice: Float64Array;
  Etok: Float64Array;
  W: Float64Array;
  b: Float64Array;
}

const KEYS = ['Eid', 'Ecat', 'Eprice', 'Etok', 'W', 'b'] as const;

export function initParams(items: ItemTable, dim: number, seed: number): Params {
  const rand = rng(seed);
  const randn = (n: number, s: number) => Float64Array.from({ length: n }, () => gaussian(rand) * s);
  const W = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) W[i * dim + i] = 1;
  return {
    dim,
    Eid: randn(items.count * dim, 0.1),
    Ecat: randn(items.categoryCount * dim, 0.1),
    Eprice: randn(items.priceBucketCount * dim, 0.1),
    Etok: randn(items.tokenBuckets * dim, 0.1),
    W,
    b: new Float64Array(dim),
  };
}

export function zerosLike(p: Params): Params {
  return { dim: p.dim, Eid: new Float64Array(p.Eid.length), Ecat: new Float64Array(p.Ecat.length), Eprice: new Float64Array(p.Eprice.length), Etok: new Float64Array(p.Etok.length), W: new Float64Array(p.W.length), b: new Float64Array(p.b.length) };
}

/** Unnormalised item vector r_i into `out` at `off`. */
function itemRaw(p: Params, f: ItemFeatures, id: number, out: Float64Array, off: number): void {
  const d = p.dim;
  const t = f.tokens.length;
  const [idRow, catRow, priceRow] = [id * d, f.category * d, f.priceBucket * d];
  // The name words' rows summed into `out` first, word by word (each element in word order, as a per-element
  // loop over the words sums it), then the mean added to the three other rows.
  for (let k = 0; k < d; k++) out[off + k] = 0;
  for (const tok of f.tokens) {
    const row = tok * d;
    for (let k = 0; k < d; k++) out[off + k]! += p.Etok[row + k]!;
  }
  for (let k = 0; k < d; k++) {
    const s = p.Eid[idRow + k]! + p.Ecat[catRow + k]! + p.Eprice[priceRow + k]!;
    out[off + k] = t > 0 ? s + out[off + k]! / t : s;
  }
}

/** All item embeddings e_i (row-major n × d, float32), as shipped. */
export function itemEmbeddings(p: Params, items: ItemTable): Float32Array {
  const d = p.dim;
  const raw = new Float64Array(d);
  const out = new Float32Array(items.count * d);
  for (let i = 0; i < items.count; i++) {
    itemRaw(p, items.features[i]!, i, raw, 0);
    let n = 0;
    for (let k = 0; k < d; k++) n += raw[k]! * raw[k]!;
    n = Math.max(Math.sqrt(n), EPS);
    for (let k = 0; k < d; k++) out[i * d + k] = raw[k]! / n;
  }
  return out;
}

export interface Example {
  ids: Int32Array;
  weights: Float32Array;
  target: number;
  weight: number;
}

/**
 * One example per (customer, basket, product) where the customer had bought something before:
 * history = everything before that basket, target = the product. With `sample` (TrainConfig.sampleByWeight),
 * each is kept with probability equal to its weight and then weighs 1: one draw per example in this order,
 * and a basket's history is computed only when one of its examples is kept (it was most of the work).
 */
export function buildExamples(events: Map<string, HistoryEvent[]>, index: ReadonlyMap<string, number>, spec: FeatureSpec, cutoff: number, trainHalfLifeDays: number, sample?: () => number): Example[] {
  const out: Example[] = [];
  for (const list of events.values()) {
    let i = 0;
    while (i < list.length) {
      const at = list[i]!.at;
      let j = i;
      const basket = new Set<number>();
      while (j < list.length && list[j]!.at === at) {
        const id = index.get(list[j]!.sku);
        if (id !== undefined) basket.add(id);
        j++;
      }
      if (i > 0 && at < cutoff) {
        const weight = Math.pow(0.5, (cutoff - at) / DAY / trainHalfLifeDays);
        const targets = sample ? [...basket].filter(() => sample() < weight) : [...basket];
        if (targets.length > 0) {
          const h = historyInputs(list.slice(0, i), index, at, spec);
          for (const target of targets) out.push({ ids: h.ids, weights: h.weights, target, weight: sample ? 1 : weight });
        }
      }
      i = j;
    }
  }
  return out;
}

/**
 * One step's buffers, allocated once per training run so a step allocates nothing (the collector took a
 * tenth of a step), and the batch's items by a stamp array instead of a Map. Shapes: up to `cap` items a batch
 * touches (targets and history rows, each through the item tower once), B examples, rows of d.
 */
interface Workspace {
  d: number;
  B: number;
  /** Item id → its row among the touched, valid where stamp[id] === epoch (no clearing between steps). */
  slot: Int32Array;
  stamp: Int32Array;
  epoch: number;
  /** Touched row → item id, in first-touch order; `count` of them. */
  ids: Int32Array;
  count: number;
  /** e_i = r_i / ‖r_i‖ per touched row [cap, d]; max(‖r_i‖, ε) [cap]; dL/de [cap, d]. */
  e: Float64Array;
  rnorm: Float64Array;
  de: Float64Array;
  /** dL/dEid per touched row [cap, d]: the item table's gradient, sparse (models/optim.ts adamStepRows). */
  gEid: Float64Array;
  /** Example k's target embedding [B, d] and its touched row [B]. */
  targets: Float64Array;
  targetRow: Int32Array;
  /** The user tower per example: pooled, u [B, d]; the pooling's denominator max(Σ w, ε) and max(‖z‖, ε) [B]. */
  pooled: Float64Array;
  u: Float64Array;
  totals: Float64Array;
  znorm: Float64Array;
  /** u · target for every pair [B, B]; the logits' gradient / τ and its transpose [B, B]; one row of logits [B]. */
  S: Float64Array;
  G: Float64Array;
  Gt: Float64Array;
  logits: Float64Array;
  /** exp(logit − max) of that row [B]. */
  exps: Float64Array;
  /** dL/du, dL/dtarget [B, d]; per-example scratch dz, dp [d]. */
  dU: Float64Array;
  dT: Float64Array;
  dz: Float64Array;
  dp: Float64Array;
}

function workspace(n: number, d: number, B: number, historyLength: number): Workspace {
  const cap = B * (historyLength + 1);
  const f = (k: number) => new Float64Array(k);
  return {
    d, B, slot: new Int32Array(n), stamp: new Int32Array(n), epoch: 0, ids: new Int32Array(cap), count: 0,
    e: f(cap * d), rnorm: f(cap), de: f(cap * d), gEid: f(cap * d), targets: f(B * d), targetRow: new Int32Array(B),
    pooled: f(B * d), u: f(B * d), totals: f(B), znorm: f(B), S: f(B * B), G: f(B * B), Gt: f(B * B), logits: f(B), exps: f(B),
    dU: f(B * d), dT: f(B * d), dz: f(d), dp: f(d),
  };
}

/** The gradients of the small tables, dense (the item table's is `Workspace.gEid`, by touched row). */
type SmallGrads = Pick<Params, 'Ecat' | 'Eprice' | 'Etok' | 'W' | 'b'>;
const SMALL = ['Ecat', 'Eprice', 'Etok', 'W', 'b'] as const;

/** Every item the batch touches (its target, then its history's rows with weight) through the item tower once. */
function embedBatchItems(ws: Workspace, p: Params, items: ItemTable, batch: readonly Example[]): void {
  const d = p.dim;
  const epoch = ++ws.epoch;
  ws.count = 0;
  const { stamp, slot, ids } = ws;
  for (const ex of batch) {
    for (let j = -1; j < ex.ids.length; j++) {
      // j = −1: the target first, then the history's rows with weight (the first-touch order of the rows).
      const id = j < 0 ? ex.target : ex.ids[j]!;
      if (j >= 0 && (id < 0 || ex.weights[j]! <= 0)) continue;
      if (stamp[id] === epoch) continue;
      stamp[id] = epoch;
      slot[id] = ws.count;
      ids[ws.count++] = id;
    }
  }
  const { e, rnorm } = ws;
  for (let li = 0; li < ws.count; li++) {
    const id = ws.ids[li]!;
    itemRaw(p, items.features[id]!, id, e, li * d);
    let n = 0;
    for (let k = 0; k < d; k++) n += e[li * d + k]! ** 2;
    n = Math.max(Math.sqrt(n), EPS);
    rnorm[li] = n;
    for (let k = 0; k < d; k++) e[li * d + k]! /= n;
  }
  batch.forEach((ex, kk) => {
    const li = ws.slot[ex.target]!;
    ws.targetRow[kk] = li;
    ws.targets.set(e.subarray(li * d, li * d + d), kk * d);
  });
}

/** Each example through the user tower (lib/recs/tower.ts's forward pass, in float64). */
function embedBatchUsers(ws: Workspace, p: Params, batch: readonly Example[]): void {
  const d = p.dim;
  ws.pooled.fill(0, 0, batch.length * d);
  const row = (id: number) => ws.slot[id]! * d;
  batch.forEach((ex, bi) => {
    ws.totals[bi] = poolInto(ws.pooled, bi * d, ws.e, row, d, ex.ids, ex.weights);
    ws.znorm[bi] = denseNormInto(ws.u, bi * d, ws.pooled, bi * d, p.W, p.b, d);
  });
}

/**
 * Example bi's logits against every target in the batch (the in-batch negatives), into `ws.logits` [B], from
 * the batch's products S = U·Tᵀ: (u_bi · e_target) / τ, then the two corrections TFRS names as layers:
 * accidental hits removed (another example with the same target is not a negative: −∞) and the logQ
 * correction (− log q_target, undoing the popularity bias of in-batch sampling).
 */
function inBatchLogits(ws: Workspace, bi: number, batch: readonly Example[], logQ: Float64Array, tau: number): void {
  const B = batch.length;
  const own = batch[bi]!.target;
  for (let kk = 0; kk < B; kk++) {
    const target = batch[kk]!.target;
    ws.logits[kk] = kk !== bi && target === own ? -Infinity : ws.S[bi * B + kk]! / tau - logQ[target]!;
  }
}

/** The backward pass from the logits' gradient / τ (`ws.G`, and its transpose `ws.Gt`) through both towers. */
function backward(ws: Workspace, p: Params, items: ItemTable, batch: readonly Example[], grads: SmallGrads): void {
  const d = p.dim;
  const B = batch.length;
  // dU = G·T and dT = Gᵀ·U, both [B, d]: the WebAssembly kernel (models/train-kernel.ts).
  const k = batchProducts();
  k.mix(ws.G, B, B, ws.targets, d, ws.dU);
  k.mix(ws.Gt, B, B, ws.u, d, ws.dT);
  const { de } = ws;
  de.fill(0, 0, ws.count * d);
  for (let kk = 0; kk < B; kk++) {
    const t = ws.targetRow[kk]! * d;
    for (let j = 0; j < d; j++) de[t + j]! += ws.dT[kk * d + j]!;
  }
  for (let bi = 0; bi < B; bi++) {
    userBackward(ws, p, bi, grads);
    historyBackward(ws, batch[bi]!, ws.totals[bi]!, d);
  }
  backItems(ws, items, d, grads);
}

/** Example bi's du through u = z / ‖z‖ and z = pooled · W + b: W's and b's gradients, and the pooled vector's into `ws.dp`. */
function userBackward(ws: Workspace, p: Params, bi: number, grads: SmallGrads): void {
  const d = p.dim;
  const { u, dU, dz, dp } = ws;
  const ub = bi * d;
  let dot = 0;
  for (let k = 0; k < d; k++) dot += u[ub + k]! * dU[ub + k]!;
  const zn = ws.znorm[bi]!;
  for (let k = 0; k < d; k++) dz[k] = (dU[ub + k]! - u[ub + k]! * dot) / zn;
  for (let ii = 0; ii < d; ii++) {
    const pv = ws.pooled[ub + ii]!;
    const row = ii * d;
    let s = 0;
    for (let jj = 0; jj < d; jj++) {
      grads.W[row + jj]! += pv * dz[jj]!;
      s += p.W[row + jj]! * dz[jj]!;
    }
    dp[ii] = s;
  }
  for (let k = 0; k < d; k++) grads.b[k]! += dz[k]!;
}

/** Through the weighted mean of one example's history into its items' embeddings `ws.de`. */
function historyBackward(ws: Workspace, ex: Example, total: number, d: number): void {
  const { de, dp } = ws;
  for (let j = 0; j < ex.ids.length; j++) {
    const id = ex.ids[j]!;
    const w = ex.weights[j]!;
    if (id < 0 || w === 0) continue;
    const li = ws.slot[id]! * d;
    const c = w / total;
    for (let k = 0; k < d; k++) de[li + k]! += c * dp[k]!;
  }
}

/** Through e = r / ‖r‖ into the item tower's tables: the small ones dense, Eid by touched row (`ws.gEid`). */
function backItems(ws: Workspace, items: ItemTable, d: number, grads: SmallGrads): void {
  const { e, de, gEid } = ws;
  for (let li = 0; li < ws.count; li++) {
    const f = items.features[ws.ids[li]!]!;
    const row = li * d;
    let dot = 0;
    for (let k = 0; k < d; k++) dot += e[row + k]! * de[row + k]!;
    const [catRow, priceRow, norm] = [f.category * d, f.priceBucket * d, ws.rnorm[li]!];
    for (let k = 0; k < d; k++) {
      const dr = (de[row + k]! - e[row + k]! * dot) / norm;
      gEid[row + k] = dr;
      grads.Ecat[catRow + k]! += dr;
      grads.Eprice[priceRow + k]! += dr;
    }
    // Each word's row takes its share of dr (each element once per item: the order of the loops changes no sum).
    const t = f.tokens.length;
    for (const tok of f.tokens) {
      const tokRow = tok * d;
      for (let k = 0; k < d; k++) grads.Etok[tokRow + k]! += gEid[row + k]! / t;
    }
  }
}

/**
 * One batch's loss: the example-weighted sampled softmax over in-batch targets; with `grads`, adds the small
 * tables' gradients there and leaves the item table's in `ws.gEid`. Forward: items, users, the products
 * U·Tᵀ (the kernel), logits with the corrections, log-sum-exp; then the backward pass.
 */
function stepLoss(ws: Workspace, p: Params, items: ItemTable, batch: readonly Example[], logQ: Float64Array, tau: number, grads: SmallGrads | null): number {
  const d = p.dim;
  const B = batch.length;
  embedBatchItems(ws, p, items, batch);
  embedBatchUsers(ws, p, batch);
  batchProducts().gram(ws.u, B, ws.targets, B, d, ws.S);
  const weightSum = batch.reduce((s, ex) => s + ex.weight, 0) || 1;
  let loss = 0;
  for (let bi = 0; bi < B; bi++) {
    inBatchLogits(ws, bi, batch, logQ, tau);
    // models/optim.ts logSumExp's sums, with each exp kept for the gradient (the same numbers, one exp each).
    const { logits, exps } = ws;
    let max = -Infinity;
    for (let kk = 0; kk < B; kk++) if (logits[kk]! > max) max = logits[kk]!;
    let sum = 0;
    for (let kk = 0; kk < B; kk++) sum += exps[kk] = Math.exp(logits[kk]! - max);
    const logZ = Math.log(sum) + max;
    const scale = batch[bi]!.weight / weightSum;
    loss += scale * (logZ - logits[bi]!);
    if (!grads) continue;
    for (let kk = 0; kk < B; kk++) {
      const g = (scale * (exps[kk]! / sum - (kk === bi ? 1 : 0))) / tau;
      ws.G[bi * B + kk] = g;
      ws.Gt[kk * B + bi] = g;
    }
  }
  if (grads) backward(ws, p, items, batch, grads);
  return loss;
}

/**
 * Loss of one batch; with `grads`, adds its gradient there (every table dense: the finite-difference test's
 * form; training keeps the item table's sparse).
 */
export function batchLoss(p: Params, items: ItemTable, batch: readonly Example[], logQ: Float64Array, tau: number, grads: Params | null): number {
  const ws = workspace(items.count, p.dim, batch.length, Math.max(1, ...batch.map((ex) => ex.ids.length)));
  const loss = stepLoss(ws, p, items, batch, logQ, tau, grads);
  if (grads) for (let li = 0; li < ws.count; li++) for (let k = 0; k < p.dim; k++) grads.Eid[ws.ids[li]! * p.dim + k]! += ws.gEid[li * p.dim + k]!;
  return loss;
}

/** log q_i: how often each item is a target, smoothed; subtracted from logits to undo in-batch sampling bias. */
export function logQ(examples: readonly Example[], n: number): Float64Array {
  const counts = new Float64Array(n).fill(1);
  for (const ex of examples) counts[ex.target]! += 1;
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => Math.log(c / total));
}

export interface TrainResult {
  params: Params;
  losses: { epoch: number; step: number; loss: number }[];
}

/**
 * Trains both towers. `groups` (each example's community, models/batches.ts) draws most batches from one
 * community at a time; without it every batch is a random slice of the shuffled examples.
 */
export function train(
  items: ItemTable,
  examples: readonly Example[],
  config: TrainConfig,
  onStep: (done: number, total: number, loss: number) => void = () => {},
  groups?: Int32Array,
): TrainResult {
  if (config.dim % 4 !== 0) throw new Error(`train: dim ${config.dim} must be a multiple of 4 (the kernel reads rows in aligned pairs)`);
  const d = config.dim;
  const p = initParams(items, d, config.seed);
  const state = Object.fromEntries(KEYS.map((key) => [key, moments(p[key].length)])) as Record<(typeof KEYS)[number], Moments>;
  const q = logQ(examples, items.count);
  const rand = rng(config.seed + 1);
  const order = Array.from({ length: examples.length }, (_, i) => i);
  const share = groups ? mixedShare(groups) : 0;
  // Whole batches only: a final batch of a handful of examples is a near-trivial softmax and a noisy step.
  // The shuffle changes which few examples sit out each epoch.
  const stepsPerEpoch = Math.max(1, Math.floor(examples.length / config.batchSize));
  const total = stepsPerEpoch * config.epochs;
  const losses: TrainResult['losses'] = [];
  const adam: AdamSettings = { lr: config.learningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, form: 'folded', lazy: true };
  const ws = workspace(items.count, d, Math.min(config.batchSize, examples.length), examples[0]?.ids.length ?? 1);
  const g: SmallGrads = { Ecat: new Float64Array(p.Ecat.length), Eprice: new Float64Array(p.Eprice.length), Etok: new Float64Array(p.Etok.length), W: new Float64Array(p.W.length), b: new Float64Array(p.b.length) };
  // The step each item row was last moved at (models/optim.ts adamStepRows).
  const lastMoved = new Int32Array(items.count);
  let step = 0;
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const batches = groups && examples.length >= config.batchSize ? epochBatches(order, groups, config.batchSize, rand, share) : Array.from({ length: stepsPerEpoch }, (_, s) => order.slice(s * config.batchSize, (s + 1) * config.batchSize));
    for (const indices of batches) {
      const batch = indices.map((i) => examples[i]!);
      for (const key of SMALL) g[key].fill(0);
      const loss = stepLoss(ws, p, items, batch, q, config.temperature, g);
      step++;
      for (const key of SMALL) adamStep(p[key], g[key], state[key], step, adam); // untouched rows stay put (lazy)
      adamStepRows(p.Eid, ws.gEid, ws.ids, ws.count, d, state.Eid, step, adam, lastMoved);
      losses.push({ epoch, step, loss });
      onStep(step, total, loss);
    }
  }
  adamFlushRows(p.Eid, state.Eid, d, step, adam, lastMoved);
  return { params: p, losses };
}

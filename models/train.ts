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
import { EPS } from '../lib/recs/tower';

export interface TrainConfig {
  dim: number;
  temperature: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Older training examples count less: the season and the assortment drift. */
  trainHalfLifeDays: number;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  dim: 32,
  temperature: 0.1,
  epochs: 8,
  batchSize: 256,
  learningRate: 0.01,
  seed: 42,
  trainHalfLifeDays: 120,
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

/** mulberry32: a small, seedable PRNG, so training is reproducible bit for bit. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

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
  for (let k = 0; k < d; k++) {
    let s = p.Eid[id * d + k]! + p.Ecat[f.category * d + k]! + p.Eprice[f.priceBucket * d + k]!;
    if (t > 0) {
      let m = 0;
      for (const tok of f.tokens) m += p.Etok[tok * d + k]!;
      s += m / t;
    }
    out[off + k] = s;
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

export interface Purchaseish {
  sku: string;
  invoice: string;
  date: string;
  customerId: string | null;
}

export const toMillis = (date: string) => Date.parse(`${date.replace(' ', 'T')}:00Z`);

/** Customer → their purchase events, time-ordered (guest rows without a customer id are skipped). */
export function eventsByCustomer(purchases: readonly Purchaseish[]): Map<string, HistoryEvent[]> {
  const out = new Map<string, HistoryEvent[]>();
  for (const p of purchases) {
    if (!p.customerId) continue;
    const list = out.get(p.customerId) ?? [];
    list.push({ sku: p.sku, at: toMillis(p.date), kind: 'purchase' });
    out.set(p.customerId, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.at - b.at);
  return out;
}

/**
 * One example per (customer, basket, product) where the customer had bought something before:
 * history = everything before that basket, target = the product.
 */
export function buildExamples(events: Map<string, HistoryEvent[]>, index: ReadonlyMap<string, number>, spec: FeatureSpec, cutoff: number, trainHalfLifeDays: number): Example[] {
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
        const h = historyInputs(list.slice(0, i), index, at, spec);
        const weight = Math.pow(0.5, (cutoff - at) / 86_400_000 / trainHalfLifeDays);
        for (const target of basket) out.push({ ids: h.ids, weights: h.weights, target, weight });
      }
      i = j;
    }
  }
  return out;
}

/** Loss of one batch; with `grads`, adds its gradient there. */
export function batchLoss(p: Params, items: ItemTable, batch: readonly Example[], logQ: Float64Array, tau: number, grads: Params | null): number {
  const d = p.dim;
  // Items this batch touches, computed once each.
  const local = new Map<number, number>();
  const touch = (id: number) => {
    if (!local.has(id)) local.set(id, local.size);
  };
  for (const ex of batch) {
    touch(ex.target);
    for (let j = 0; j < ex.ids.length; j++) if (ex.ids[j]! >= 0 && ex.weights[j]! > 0) touch(ex.ids[j]!);
  }
  const L = local.size;
  const e = new Float64Array(L * d);
  const rnorm = new Float64Array(L);
  for (const [id, li] of local) {
    itemRaw(p, items.features[id]!, id, e, li * d);
    let n = 0;
    for (let k = 0; k < d; k++) n += e[li * d + k]! ** 2;
    n = Math.max(Math.sqrt(n), EPS);
    rnorm[li] = n;
    for (let k = 0; k < d; k++) e[li * d + k]! /= n;
  }

  const B = batch.length;
  const pooled = new Float64Array(B * d);
  const u = new Float64Array(B * d);
  const znorm = new Float64Array(B);
  const totals = new Float64Array(B);
  for (let bi = 0; bi < B; bi++) {
    const ex = batch[bi]!;
    let total = 0;
    for (let j = 0; j < ex.ids.length; j++) {
      const id = ex.ids[j]!;
      const w = ex.weights[j]!;
      if (id < 0 || w === 0) continue;
      total += w;
      const li = local.get(id)!;
      for (let k = 0; k < d; k++) pooled[bi * d + k]! += w * e[li * d + k]!;
    }
    totals[bi] = Math.max(total, EPS);
    for (let k = 0; k < d; k++) pooled[bi * d + k]! /= totals[bi]!;
    let n = 0;
    for (let jj = 0; jj < d; jj++) {
      let s = p.b[jj]!;
      for (let ii = 0; ii < d; ii++) s += pooled[bi * d + ii]! * p.W[ii * d + jj]!;
      u[bi * d + jj] = s;
      n += s * s;
    }
    n = Math.max(Math.sqrt(n), EPS);
    znorm[bi] = n;
    for (let k = 0; k < d; k++) u[bi * d + k]! /= n;
  }

  const tgt = batch.map((ex) => local.get(ex.target)!);
  const weightSum = batch.reduce((s, ex) => s + ex.weight, 0) || 1;
  let loss = 0;
  const dlogit = grads ? new Float64Array(B * B) : null;
  const logits = new Float64Array(B);
  for (let bi = 0; bi < B; bi++) {
    let max = -Infinity;
    for (let kk = 0; kk < B; kk++) {
      // Another example with the same target is not a negative.
      if (kk !== bi && batch[kk]!.target === batch[bi]!.target) {
        logits[kk] = -Infinity;
        continue;
      }
      let s = 0;
      for (let k = 0; k < d; k++) s += u[bi * d + k]! * e[tgt[kk]! * d + k]!;
      logits[kk] = s / tau - logQ[batch[kk]!.target]!;
      if (logits[kk]! > max) max = logits[kk]!;
    }
    let z = 0;
    for (let kk = 0; kk < B; kk++) z += Math.exp(logits[kk]! - max);
    const scale = batch[bi]!.weight / weightSum;
    loss += scale * (Math.log(z) + max - logits[bi]!);
    if (dlogit) for (let kk = 0; kk < B; kk++) dlogit[bi * B + kk] = scale * (Math.exp(logits[kk]! - max) / z - (kk === bi ? 1 : 0));
  }
  if (!grads || !dlogit) return loss;

  const de = new Float64Array(L * d);
  const du = new Float64Array(d);
  const dz = new Float64Array(d);
  const dp = new Float64Array(d);
  for (let bi = 0; bi < B; bi++) {
    du.fill(0);
    for (let kk = 0; kk < B; kk++) {
      const g = dlogit[bi * B + kk]! / tau;
      if (g === 0) continue;
      const t = tgt[kk]!;
      for (let k = 0; k < d; k++) {
        du[k]! += g * e[t * d + k]!;
        de[t * d + k]! += g * u[bi * d + k]!;
      }
    }
    // Through u = z / ‖z‖.
    let dot = 0;
    for (let k = 0; k < d; k++) dot += u[bi * d + k]! * du[k]!;
    for (let k = 0; k < d; k++) dz[k] = (du[k]! - u[bi * d + k]! * dot) / znorm[bi]!;
    // Through z = pooled · W + b.
    for (let ii = 0; ii < d; ii++) {
      const pv = pooled[bi * d + ii]!;
      let s = 0;
      for (let jj = 0; jj < d; jj++) {
        grads.W[ii * d + jj]! += pv * dz[jj]!;
        s += p.W[ii * d + jj]! * dz[jj]!;
      }
      dp[ii] = s;
    }
    for (let k = 0; k < d; k++) grads.b[k]! += dz[k]!;
    // Through the weighted mean into the history's item embeddings.
    const ex = batch[bi]!;
    for (let j = 0; j < ex.ids.length; j++) {
      const id = ex.ids[j]!;
      const w = ex.weights[j]!;
      if (id < 0 || w === 0) continue;
      const li = local.get(id)!;
      const c = w / totals[bi]!;
      for (let k = 0; k < d; k++) de[li * d + k]! += c * dp[k]!;
    }
  }
  // Through e = r / ‖r‖ into the item tower's tables.
  for (const [id, li] of local) {
    let dot = 0;
    for (let k = 0; k < d; k++) dot += e[li * d + k]! * de[li * d + k]!;
    const f = items.features[id]!;
    const t = f.tokens.length;
    for (let k = 0; k < d; k++) {
      const dr = (de[li * d + k]! - e[li * d + k]! * dot) / rnorm[li]!;
      grads.Eid[id * d + k]! += dr;
      grads.Ecat[f.category * d + k]! += dr;
      grads.Eprice[f.priceBucket * d + k]! += dr;
      for (const tok of f.tokens) grads.Etok[tok * d + k]! += dr / t;
    }
  }
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

export function train(
  items: ItemTable,
  examples: readonly Example[],
  config: TrainConfig,
  onStep: (done: number, total: number, loss: number) => void = () => {},
): TrainResult {
  const p = initParams(items, config.dim, config.seed);
  const m = zerosLike(p);
  const v = zerosLike(p);
  const q = logQ(examples, items.count);
  const rand = rng(config.seed + 1);
  const order = Array.from({ length: examples.length }, (_, i) => i);
  // Whole batches only: a final batch of a handful of examples is a near-trivial softmax and a noisy step.
  // The shuffle changes which few examples sit out each epoch.
  const stepsPerEpoch = Math.max(1, Math.floor(examples.length / config.batchSize));
  const total = stepsPerEpoch * config.epochs;
  const losses: TrainResult['losses'] = [];
  const [b1, b2] = [0.9, 0.999];
  let step = 0;
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let s = 0; s < stepsPerEpoch; s++) {
      const batch = order.slice(s * config.batchSize, (s + 1) * config.batchSize).map((i) => examples[i]!);
      const g = zerosLike(p);
      const loss = batchLoss(p, items, batch, q, config.temperature, g);
      step++;
      const lr = (config.learningRate * Math.sqrt(1 - b2 ** step)) / (1 - b1 ** step);
      for (const key of KEYS) {
        const P = p[key];
        const G = g[key];
        const M = m[key];
        const V = v[key];
        for (let k = 0; k < P.length; k++) {
          const gk = G[k]!;
          if (gk === 0 && M[k] === 0) continue; // untouched rows stay put (lazy Adam)
          M[k] = b1 * M[k]! + (1 - b1) * gk;
          V[k] = b2 * V[k]! + (1 - b2) * gk * gk;
          P[k]! -= (lr * M[k]!) / (Math.sqrt(V[k]!) + 1e-8);
        }
      }
      losses.push({ epoch, step, loss });
      onStep(step, total, loss);
    }
  }
  return { params: p, losses };
}

/**
 * The user tower's reference forward pass, in plain TypeScript. The exported ONNX and Core ML models
 * compute exactly this; the golden vectors and parity tests hold them to it.
 *
 *   pooled = Σ_j w_j · e[ids_j] / max(Σ_j w_j, ε)      (weighted mean of the history's item embeddings)
 *   z      = pooled · W + b                              (d × d, b: d)
 *   u      = z / max(‖z‖, ε)
 */
export const EPS = 1e-6;

export interface UserTowerWeights {
  dim: number;
  /** Row-major d × d: z[j] = Σ_i pooled[i] · W[i·d + j] + b[j]. */
  W: Float32Array;
  b: Float32Array;
}

/** Float32 in the runtimes, float64 in training: the same operations, rounded where each stores. */
type Vec = Float32Array | Float64Array;

/**
 * The weighted mean of the history's rows into out[off, off + dim): Σ_j w_j · table[row(id_j)] / max(Σ_j w_j, ε),
 * padding and zero weights skipped. Returns the denominator (training's backward pass divides by it).
 */
export function poolInto(out: Vec, off: number, table: Vec, row: (id: number) => number, dim: number, ids: Int32Array, weights: Float32Array): number {
  let total = 0;
  for (let j = 0; j < ids.length; j++) {
    const id = ids[j]!;
    const w = weights[j]!;
    if (id < 0 || w === 0) continue;
    total += w;
    const at = row(id);
    for (let k = 0; k < dim; k++) out[off + k]! += w * table[at + k]!;
  }
  const denom = Math.max(total, EPS);
  for (let k = 0; k < dim; k++) out[off + k]! /= denom;
  return denom;
}

/** u = z / max(‖z‖, ε) with z = pooled · W + b, into out[off, off + d). Returns max(‖z‖, ε) (training's backward pass divides by it). */
export function denseNormInto(out: Vec, off: number, pooled: Vec, poolOff: number, W: Vec, b: Vec, d: number): number {
  for (let j = 0; j < d; j++) {
    let s = b[j]!;
    for (let i = 0; i < d; i++) s += pooled[poolOff + i]! * W[i * d + j]!;
    out[off + j] = s;
  }
  let norm = 0;
  for (let j = 0; j < d; j++) norm += out[off + j]! * out[off + j]!;
  norm = Math.max(Math.sqrt(norm), EPS);
  for (let j = 0; j < d; j++) out[off + j]! /= norm;
  return norm;
}

/** Weighted mean of the given item embeddings (rows of `table`, row-major n × d); padding ids are skipped. */
export function poolHistory(table: Float32Array, dim: number, ids: Int32Array, weights: Float32Array): Float32Array {
  const pooled = new Float32Array(dim);
  poolInto(pooled, 0, table, (id) => id * dim, dim, ids, weights);
  return pooled;
}

export function userTower(weights: UserTowerWeights, pooled: Float32Array): Float32Array {
  const z = new Float32Array(weights.dim);
  denseNormInto(z, 0, pooled, 0, weights.W, weights.b, weights.dim);
  return z;
}

/**
 * The exported tower's inputs for a batch of histories: row-major [batch, historyLength, dim] embeddings
 * (zeros on padding) and [batch, historyLength] weights. Every runtime that feeds the ONNX model uses this.
 */
export function towerInputs(
  items: Float32Array,
  dim: number,
  histories: readonly { ids: Int32Array; weights: Float32Array }[],
  historyLength: number,
): { embeddings: Float32Array; weights: Float32Array } {
  const embeddings = new Float32Array(histories.length * historyLength * dim);
  const weights = new Float32Array(histories.length * historyLength);
  histories.forEach((h, b) => {
    for (let j = 0; j < historyLength; j++) {
      const id = h.ids[j] ?? -1;
      if (id < 0) continue;
      weights[b * historyLength + j] = h.weights[j]!;
      embeddings.set(items.subarray(id * dim, id * dim + dim), (b * historyLength + j) * dim);
    }
  });
  return { embeddings, weights };
}

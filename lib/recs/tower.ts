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

/** Weighted mean of the given item embeddings (rows of `table`, row-major n × d); padding ids are skipped. */
export function poolHistory(table: Float32Array, dim: number, ids: Int32Array, weights: Float32Array): Float32Array {
  const pooled = new Float32Array(dim);
  let total = 0;
  for (let j = 0; j < ids.length; j++) {
    const id = ids[j]!;
    const w = weights[j]!;
    if (id < 0 || w === 0) continue;
    total += w;
    const off = id * dim;
    for (let k = 0; k < dim; k++) pooled[k]! += w * table[off + k]!;
  }
  const denom = Math.max(total, EPS);
  for (let k = 0; k < dim; k++) pooled[k]! /= denom;
  return pooled;
}

export function userTower(weights: UserTowerWeights, pooled: Float32Array): Float32Array {
  const d = weights.dim;
  const z = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    let s = weights.b[j]!;
    for (let i = 0; i < d; i++) s += pooled[i]! * weights.W[i * d + j]!;
    z[j] = s;
  }
  let norm = 0;
  for (let j = 0; j < d; j++) norm += z[j]! * z[j]!;
  norm = Math.max(Math.sqrt(norm), EPS);
  for (let j = 0; j < d; j++) z[j]! /= norm;
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

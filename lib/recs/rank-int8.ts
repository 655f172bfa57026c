/**
 * Dot products over int8 item embeddings (one float32 scale per row, lib/recs/quantize.ts): a quarter of
 * the bytes to stream per item, which is what bounds ranking large catalogues. Measured by `npm run bench`
 * against the float32 path; the validation metrics of int8 are in the manifest.
 */
export function dotAllInt8(user: Float32Array, q: Int8Array, scales: Float32Array, dim: number): Float32Array {
  const n = scales.length;
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const off = i * dim;
    for (let k = 0; k < dim; k++) s += user[k]! * q[off + k]!;
    scores[i] = s * scales[i]!;
  }
  return scores;
}

/**
 * The shipped scorer over int8 item embeddings (one float32 scale per row, lib/recs/quantize.ts): a
 * quarter of the bytes to stream per item, which is what bounds ranking large catalogues. Measured by
 * `npm run bench` against the float32 path; the validation metrics of int8 are in the manifest.
 */
import { addRepeatTerm, type ScorerSpec } from './rank';

export function scoreAllInt8(
  spec: ScorerSpec,
  x: { user: Float32Array; q: Int8Array; scales: Float32Array; dim: number; prior: Float32Array; history: { ids: Int32Array; weights: Float32Array } },
): Float32Array {
  const n = x.prior.length;
  const d = x.dim;
  const { user, q, scales, prior } = x;
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const off = i * d;
    for (let k = 0; k < d; k++) s += user[k]! * q[off + k]!;
    scores[i] = s * scales[i]! + spec.priorWeight * prior[i]!;
  }
  addRepeatTerm(scores, spec, x.history);
  return scores;
}

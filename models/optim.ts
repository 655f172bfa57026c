/**
 * The training maths both learners share (the towers, models/train.ts; the second stage's heads,
 * models/second-stage.ts): a numerically safe softmax and Adam. Written once so a fix reaches both.
 */

/** log Σ_k exp(x_k) over x[0, n), by its pieces: the max and Σ exp(x_k − max) (no term overflows; −∞ entries count 0). */
export function logSumExp(x: Float64Array, n = x.length): { max: number; sum: number; logZ: number } {
  let max = -Infinity;
  for (let k = 0; k < n; k++) if (x[k]! > max) max = x[k]!;
  let sum = 0;
  for (let k = 0; k < n; k++) sum += Math.exp(x[k]! - max);
  return { max, sum, logZ: Math.log(sum) + max };
}

/**
 * Adam (Kingma & Ba, 2015). Two forms of the same update, kept because each learner's settings were tuned with its own:
 *   'folded'   the bias corrections folded into the step size, ε added to √v (the paper's §2 efficient form): the towers;
 *   'textbook' ε added to √v̂ (Algorithm 1): the heads.
 * `lazy`: a parameter whose gradient and first moment are both 0 is left as it is (rows a batch never touched,
 * in the towers' embedding tables).
 */
export interface AdamSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  form: 'folded' | 'textbook';
  lazy: boolean;
}

/** First and second moments of one parameter array. */
export interface Moments {
  m: Float64Array;
  v: Float64Array;
}

export const moments = (n: number): Moments => ({ m: new Float64Array(n), v: new Float64Array(n) });

/** One Adam step (`step` counts from 1) on `p` along the gradient `g`; `skip(k)` leaves a parameter out (a mask). */
export function adamStep(p: Float64Array, g: Float64Array, s: Moments, step: number, a: AdamSettings, skip?: (k: number) => boolean): void {
  const { beta1: b1, beta2: b2 } = a;
  const { m, v } = s;
  const c1 = 1 - b1 ** step;
  const c2 = 1 - b2 ** step;
  const folded = (a.lr * Math.sqrt(c2)) / c1;
  for (let k = 0; k < p.length; k++) {
    if (skip?.(k)) continue;
    const gk = g[k]!;
    if (a.lazy && gk === 0 && m[k] === 0) continue;
    m[k] = b1 * m[k]! + (1 - b1) * gk;
    v[k] = b2 * v[k]! + (1 - b2) * gk * gk;
    if (a.form === 'folded') p[k]! -= (folded * m[k]!) / (Math.sqrt(v[k]!) + a.eps);
    else p[k]! -= (a.lr * (m[k]! / c1)) / (Math.sqrt(v[k]! / c2) + a.eps);
  }
}

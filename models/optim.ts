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
  const c = corrections(step, a);
  for (let k = 0; k < p.length; k++) {
    if (skip?.(k)) continue;
    adamUpdate(p, s, k, g[k]!, a, c);
  }
}

/**
 * Adam on the rows of a table a step touched, at the cost of those rows only. A dense step over an item table
 * costs the whole catalogue every step, which made training grow with products × purchases; plain lazy Adam
 * (TensorFlow Addons' LazyAdam) also changes the model, because dense Adam keeps moving a row on its decaying
 * momentum for the steps after its gradient stops (about ten steps' worth at β1 = 0.9). So each row catches up
 * those steps when it is next touched (`last` holds the step it was last moved at), in closed form: the
 * moments decay as β1^s and β2^s, and the row moves by Σ_j m·β1^j / √(v·β2^j) (ε and the slow drift of the
 * bias correction over the gap left out). `adamFlushRows` catches every row up at the end of training.
 */
export function adamStepRows(p: Float64Array, g: Float64Array, rows: Int32Array, count: number, d: number, s: Moments, step: number, a: AdamSettings, last: Int32Array): void {
  const c = corrections(step, a);
  for (let r = 0; r < count; r++) {
    const row = rows[r]!;
    const base = row * d;
    if (last[row]! > 0) catchUp(p, s, base, d, last[row]!, step - 1 - last[row]!, a);
    last[row] = step;
    for (let k = 0; k < d; k++) adamUpdate(p, s, base + k, g[r * d + k]!, a, c);
  }
}

/** Every row moved by adamStepRows caught up to `step` (the end of training), as dense Adam would have moved it. */
export function adamFlushRows(p: Float64Array, s: Moments, d: number, step: number, a: AdamSettings, last: Int32Array): void {
  for (let row = 0; row < last.length; row++) if (last[row]! > 0) catchUp(p, s, row * d, d, last[row]!, step - last[row]!, a);
}

/**
 * The `gap` steps after step `from` a row sat out, with no gradient: its moments decayed and its momentum's
 * moves applied. The step size is the first skipped step's: the moves shrink by about a tenth a step, so the
 * first few carry nearly all of them.
 */
function catchUp(p: Float64Array, s: Moments, base: number, d: number, from: number, gap: number, a: AdamSettings): void {
  if (gap <= 0) return;
  // corrections(from + 1).folded, inline: this runs for thousands of rows a step, and an object each was garbage.
  const folded = (a.lr * Math.sqrt(1 - a.beta2 ** (from + 1))) / (1 - a.beta1 ** (from + 1));
  const r = a.beta1 / Math.sqrt(a.beta2);
  const tail = (r * (1 - r ** gap)) / (1 - r);
  const decay1 = a.beta1 ** gap;
  const decay2 = a.beta2 ** gap;
  for (let k = base; k < base + d; k++) {
    const m = s.m[k]!;
    if (m === 0) continue;
    p[k]! -= (folded * m * tail) / (Math.sqrt(s.v[k]!) + a.eps);
    s.m[k] = m * decay1;
    s.v[k] = s.v[k]! * decay2;
  }
}

function corrections(step: number, a: AdamSettings): { c1: number; c2: number; folded: number } {
  const c1 = 1 - a.beta1 ** step;
  const c2 = 1 - a.beta2 ** step;
  return { c1, c2, folded: (a.lr * Math.sqrt(c2)) / c1 };
}

function adamUpdate(p: Float64Array, s: Moments, k: number, gk: number, a: AdamSettings, c: { c1: number; c2: number; folded: number }): void {
  const { m, v } = s;
  if (a.lazy && gk === 0 && m[k] === 0) return;
  m[k] = a.beta1 * m[k]! + (1 - a.beta1) * gk;
  v[k] = a.beta2 * v[k]! + (1 - a.beta2) * gk * gk;
  if (a.form === 'folded') p[k]! -= (c.folded * m[k]!) / (Math.sqrt(v[k]!) + a.eps);
  else p[k]! -= (a.lr * (m[k]! / c.c1)) / (Math.sqrt(v[k]! / c.c2) + a.eps);
}

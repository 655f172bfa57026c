/**
 * The shipped scorer and top-K selection. Pure: the browser worker, the edge function and `npm run eval`
 * all rank with this file, so what is measured is what is shown.
 *
 *   score(i) = u · e_i + repeatWeight · log(1 + h_i) + priorWeight · prior_i
 *
 * h_i is the history weight of item i (0 if never touched; see features.ts), prior_i the shipped
 * recent-popularity prior (log(1 + orders in the last 30 days), scaled to [0, 1]).
 */
export interface ScorerSpec {
  kind: 'dot+repeat+prior';
  repeatWeight: number;
  priorWeight: number;
}

export interface ScoreInputs {
  user: Float32Array;
  /** Row-major n × d item embeddings. */
  items: Float32Array;
  dim: number;
  prior: Float32Array;
  history: { ids: Int32Array; weights: Float32Array };
}

export function scoreAll(spec: ScorerSpec, x: ScoreInputs): Float32Array {
  const n = x.prior.length;
  const d = x.dim;
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const off = i * d;
    for (let k = 0; k < d; k++) s += x.user[k]! * x.items[off + k]!;
    scores[i] = s + spec.priorWeight * x.prior[i]!;
  }
  addRepeatTerm(scores, spec, x.history);
  return scores;
}

/** The repeat term, added in place to scores from any dot-product path (this file, int8, the SIMD kernel). */
export function addRepeatTerm(scores: Float32Array, spec: ScorerSpec, history: ScoreInputs['history']): void {
  for (let j = 0; j < history.ids.length; j++) {
    const id = history.ids[j]!;
    if (id >= 0) scores[id]! += spec.repeatWeight * Math.log1p(history.weights[j]!);
  }
}

/**
 * Indices of the k best scores, best first; ties go to the lower index (the catalogue's best-seller
 * order), so every runtime returns the same list. Partial selection: O(n · k), no full sort.
 * `exclude` drops indices (e.g. what is already in the cart).
 */
export function topK(scores: Float32Array, k: number, exclude?: ReadonlySet<number>): number[] {
  const best: number[] = [];
  // The k-th best score so far, kept in a local: most items fail this one comparison, which halves the
  // time over a million scores (measured by `npm run bench`).
  let floor = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (best.length === k && s <= floor) continue;
    if (exclude?.has(i)) continue;
    let pos = best.length < k ? best.length : k - 1;
    while (pos > 0 && scores[best[pos - 1]!]! < s) pos--;
    best.splice(pos, 0, i);
    if (best.length > k) best.pop();
    if (best.length === k) floor = scores[best[k - 1]!]!;
  }
  return best;
}

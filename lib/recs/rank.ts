/**
 * Dot products and top-K selection: the two loops every ranking runs. Pure: the browser worker, the edge
 * function and `npm run eval` call them; the scorer built on them is lib/recs/score.ts.
 */

/** u · e_i for every row of `items` (row-major n × dim), into `out` when given. */
export function dotAll(user: Float32Array, items: Float32Array, dim: number, out?: Float32Array): Float32Array {
  const n = items.length / dim;
  const scores = out ?? new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const off = i * dim;
    for (let k = 0; k < dim; k++) s += user[k]! * items[off + k]!;
    scores[i] = s;
  }
  return scores;
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

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

/** dotAll()'s scores for `rows` alone, into `out` (the other rows left as they are). */
export function dotRows(user: Float32Array, items: Float32Array, dim: number, rows: Int32Array, out: Float32Array): Float32Array {
  for (const i of rows) {
    let s = 0;
    const off = i * dim;
    for (let k = 0; k < dim; k++) s += user[k]! * items[off + k]!;
    out[i] = s;
  }
  return out;
}

/** u · e_i for row i alone: the same float32 as dotAll()'s i-th score (for callers that need a few rows, not all). */
export function dotOne(user: Float32Array, items: Float32Array, dim: number, i: number): number {
  let s = 0;
  const off = i * dim;
  for (let k = 0; k < dim; k++) s += user[k]! * items[off + k]!;
  return Math.fround(s);
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

/**
 * The k best of `ids` by `score` (higher first, ties to the lower id): what sorting them all and keeping k gives,
 * by partial selection (a product's co-purchase row can list thousands; the rows are built for every product).
 */
export function topKOf(ids: readonly number[], score: (id: number) => number, k: number): number[] {
  const best: number[] = [];
  const vals: number[] = [];
  for (const id of ids) {
    const v = score(id);
    if (best.length === k && (v < vals[k - 1]! || (v === vals[k - 1]! && id > best[k - 1]!))) continue;
    let pos = best.length < k ? best.length : k - 1;
    while (pos > 0 && (vals[pos - 1]! < v || (vals[pos - 1]! === v && best[pos - 1]! > id))) pos--;
    best.splice(pos, 0, id);
    vals.splice(pos, 0, v);
    if (best.length > k) {
      best.pop();
      vals.pop();
    }
  }
  return best;
}

/**
 * Exactly topK(scores, k, exclude) where scores[i] = score(i), scoring a few hundred products instead of all:
 * every product outside `touched` must score no more than the one before it in its group of `groups` (each group
 * best first, ties to the lower index: `groupOrder`). Then only the touched products and, per group, the first k
 * left after exclusions (and any tied with the k-th) can reach the top k. A leave-one-out backtest ranks tens of
 * thousands of baskets a fortnight against 100k products (issue 32); this is what makes that affordable.
 */
export function topKGrouped(groups: readonly Int32Array[], touched: ReadonlySet<number>, score: (i: number) => number, k: number, exclude?: ReadonlySet<number>): number[] {
  const value = new Map<number, number>();
  for (const i of touched) if (!exclude?.has(i)) value.set(i, score(i));
  for (const group of groups) {
    let taken = 0;
    let last = Infinity;
    for (let j = 0; j < group.length; j++) {
      const i = group[j]!;
      if (touched.has(i) || exclude?.has(i)) continue;
      const v = score(i);
      if (taken >= k && v < last) break;
      value.set(i, v);
      taken++;
      last = v;
    }
  }
  return topKOf([...value.keys()], (i) => value.get(i)!, k);
}

/** Indices grouped by `group[i]` (0..255), each group by `value` descending, ties to the lower index: topKGrouped's walk order. */
export function groupOrder(value: ArrayLike<number>, group: Uint8Array): Int32Array[] {
  const lists: number[][] = [];
  for (let i = 0; i < group.length; i++) (lists[group[i]!] ??= []).push(i);
  return Array.from(lists, (list = []) => Int32Array.from(list.sort((a, b) => value[b]! - value[a]! || a - b)));
}

/**
 * The one owner of a model's code → row map: every runtime that turns a product code into a row of the
 * embeddings, signals or metadata asks here, so the map is built once per list of codes, never rebuilt.
 */
const maps = new WeakMap<readonly string[], ReadonlyMap<string, number>>();

/** Row of each code in `skus` (the model's item order). Cached per array: `skus` must not change after. */
export function rowsOf(skus: readonly string[]): ReadonlyMap<string, number> {
  let m = maps.get(skus);
  if (!m) maps.set(skus, (m = new Map(skus.map((s, i) => [s, i]))));
  return m;
}

/** Merchandising rules applied after ranking, the same way on the device and at the edge. */

/** Pinned indices first, in their order, then the ranked ones not already shown; `k` in all. */
export function withPins(ranked: readonly number[], pins: readonly number[], k: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (const i of [...pins, ...ranked]) {
    if (out.length === k) break;
    if (seen.has(i)) continue;
    seen.add(i);
    out.push(i);
  }
  return out;
}

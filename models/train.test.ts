import { describe, expect, it } from 'vitest';
import { batchLoss, initParams, logQ, zerosLike, type Example, type ItemTable, type Params } from './train';
import { rng } from './random';

// A tiny problem: 6 items, d = 4, 5 examples with histories, two sharing a target.
const items: ItemTable = {
  count: 6,
  categoryCount: 3,
  priceBucketCount: 2,
  tokenBuckets: 8,
  features: [
    { category: 0, priceBucket: 0, tokens: [1, 2] },
    { category: 1, priceBucket: 1, tokens: [3] },
    { category: 2, priceBucket: 0, tokens: [] },
    { category: 0, priceBucket: 1, tokens: [2, 5, 7] },
    { category: 1, priceBucket: 0, tokens: [4] },
    { category: 2, priceBucket: 1, tokens: [6, 1] },
  ],
};
const ex = (ids: number[], weights: number[], target: number, weight = 1): Example => ({
  ids: Int32Array.from([...ids, -1, -1]),
  weights: Float32Array.from([...weights, 0, 0]),
  target,
  weight,
});
const batch = [ex([1, 2], [1, 0.5], 0), ex([3], [2], 4, 0.5), ex([0, 5, 4], [0.2, 1, 1], 3), ex([2], [1], 0), ex([5, 1], [1, 1], 2, 0.8)];

describe('hand-written gradients', () => {
  it('match central finite differences on every parameter table', () => {
    // Perturb W away from identity so its gradient is generic.
    const p = initParams(items, 4, 7);
    const r = rng(3);
    for (let k = 0; k < p.W.length; k++) p.W[k]! += (r() - 0.5) * 0.4;
    for (let k = 0; k < p.b.length; k++) p.b[k] = (r() - 0.5) * 0.2;
    const q = logQ(batch, items.count);
    const g = zerosLike(p);
    batchLoss(p, items, batch, q, 0.5, g);

    const h = 1e-6;
    let checked = 0;
    for (const key of ['Eid', 'Ecat', 'Eprice', 'Etok', 'W', 'b'] as const) {
      const P = (p as Params)[key];
      for (let k = 0; k < P.length; k += 3) {
        const old = P[k]!;
        P[k] = old + h;
        const up = batchLoss(p, items, batch, q, 0.5, null);
        P[k] = old - h;
        const down = batchLoss(p, items, batch, q, 0.5, null);
        P[k] = old;
        const numeric = (up - down) / (2 * h);
        expect(g[key][k]!).toBeCloseTo(numeric, 6);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
    // The check is not vacuous: some gradients are clearly non-zero.
    expect(Math.max(...g.Eid.map(Math.abs))).toBeGreaterThan(1e-3);
  });
});

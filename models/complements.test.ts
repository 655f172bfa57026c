import { describe, expect, it } from 'vitest';
import { complementRanker, complementScores, decodeComplements, encodeComplements, strongestAnchor } from '../lib/recs/complements';
import { topK } from '../lib/recs/rank';
import { basketBaselines, basketLeaveOneOut, basketsOf, denseRanker, fitComplements, type Basket } from './complements';
import { rng } from './random';

// A hand-made basket log: invoices 1..3 hold A+B, A+B+C, B+C; D sells alone.
const index = new Map(['A', 'B', 'C', 'D'].map((s, i) => [s, i]));
const log = [
  { invoice: '1', sku: 'A', date: '2011-01-01 10:00' },
  { invoice: '1', sku: 'B', date: '2011-01-01 10:00' },
  { invoice: '1', sku: 'B', date: '2011-01-01 10:00' }, // the same product twice on one invoice counts once
  { invoice: '2', sku: 'A', date: '2011-01-02 10:00' },
  { invoice: '2', sku: 'B', date: '2011-01-02 10:00' },
  { invoice: '2', sku: 'C', date: '2011-01-02 10:00' },
  { invoice: '3', sku: 'B', date: '2011-01-03 10:00' },
  { invoice: '3', sku: 'C', date: '2011-01-03 10:00' },
  { invoice: '4', sku: 'D', date: '2011-01-03 11:00' },
  { invoice: '5', sku: 'X', date: '2011-01-03 12:00' }, // not in the catalogue
];
const NOW = Date.UTC(2011, 0, 4);
const prior = { popularity: Float32Array.from([0.5, 1, 0.6, 0.9]), category: Uint8Array.from([0, 0, 1, 1]) };

describe('complements from baskets', () => {
  it('counts each pair once per invoice and keeps the best neighbours per product', () => {
    const baskets = basketsOf(log, index, 0, Infinity);
    expect(baskets.map((b) => b.items)).toEqual([[0, 1], [0, 1, 2], [1, 2], [3]]);
    const c = fitComplements(baskets, 4, NOW, { halfLifeDays: null, categoryWeight: 0 }, 2);
    expect([...c.neighbours]).toEqual([1, 2, 0, 2, 1, 0, -1, -1]); // A: B(2) C(1); B: A(2) C(2) (tie: lower id); C: B(2) A(1); D: none
    // Stored as shares of each row's best (× 255): 1 of 2 comes back as 128/255 × 2.
    expect([...c.weights].map((w) => Math.round(w * 1000) / 1000)).toEqual([2, 1.004, 2, 2, 2, 1.004, 0, 0]);
    // Round trip through the shipped file.
    const back = decodeComplements(encodeComplements(c), 4, c.spec);
    expect([...back.neighbours]).toEqual([...c.neighbours]);
    expect(() => decodeComplements(encodeComplements(c).subarray(8), 4, c.spec)).toThrow(/32 bytes, expected 40 for 4 × 2/);
  });

  it('older baskets count less with a half-life', () => {
    const c = fitComplements(basketsOf(log, index, 0, Infinity), 4, Date.UTC(2011, 0, 3, 10), { halfLifeDays: 1, categoryWeight: 0 }, 2);
    // A–B: 0.25 (two days old) + 0.5 (one day old); A–C: 0.5.
    expect(c.weights[0]).toBeCloseTo(0.75, 6);
    expect(c.weights[1]).toBeCloseTo(0.5, 2);
  });

  it('scores a basket: neighbours scaled by the best, then the category prior; the reason is the strongest anchor', () => {
    const c = fitComplements(basketsOf(log, index, 0, Infinity), 4, NOW, { halfLifeDays: null, categoryWeight: 0.1 }, 2);
    const s = complementScores(c, prior, [0]); // basket: A
    expect(s[1]).toBeCloseTo(1 + 0.1 * 1 + 1e-6, 5); // B: 2/2, same category as A
    expect(s[2]).toBeCloseTo(0.502 + 0.1 * 0.2 * 0.6 + 0.6e-6, 3); // C: 1/2 (as stored), other category
    expect(s[3]).toBeCloseTo(0.1 * 0.2 * 0.9 + 0.9e-6, 6); // D: never with A, popularity only
    expect(strongestAnchor(c, [0, 2], 1)).toBe(0); // B: A (2) ties C (2): the first
    expect(strongestAnchor(c, [0], 3)).toBeUndefined();
  });

  it('leave-one-out: a scorer that knows the hidden product scores 1, one that ranks it last scores less', () => {
    const baskets = basketsOf(log, index, 0, Infinity);
    const oracle = basketLeaveOneOut(baskets, denseRanker((rest) => Float32Array.from([0, 1, 2, 3], (i) => (rest.includes(i) ? 0 : [0, 1, 2].includes(i) ? 10 : 0))));
    expect(oracle.baskets).toBe(3); // the one-product basket is left out
    expect(oracle['hitrate@10']).toBe(1);
    // The hidden product always last among the candidates: still in a top 10 of four products, but lower.
    const last = basketLeaveOneOut(baskets, denseRanker((rest) => Float32Array.from([0, 1, 2, 3], (i) => (rest.includes(i) ? 0 : [0, 1, 2].includes(i) ? -10 : 10))));
    expect(last['ndcg@10']).toBeLessThan(0.7);
  });

  it('the grouped rankers give exactly the whole-catalogue ranking, ties included (a shop copied K times ties every product K ways)', () => {
    const draw = rng(7);
    const copies = 4;
    const base = 60;
    const n = base * copies;
    // Every copy of a product has the same popularity and category; a few popularities are shared outright, some are 0.
    const pop = Array.from({ length: base }, () => (draw() < 0.2 ? 0 : draw() < 0.3 ? 0.5 : Math.round(draw() * 40) / 40));
    const shopPrior = { popularity: Float32Array.from({ length: n }, (_, i) => pop[i % base]!), category: Uint8Array.from({ length: n }, (_, i) => (i % base) % 5) };
    // Fine-grained: past 1e6 (same-category's boost) a float32 step is 0.0625, so products of different popularity tie there.
    const pop30 = Float32Array.from({ length: n }, () => draw() * 0.5);
    const baskets: Basket[] = Array.from({ length: 300 }, (_, j) => {
      const copy = j % copies;
      const items = new Set(Array.from({ length: 2 + Math.floor(draw() * 5) }, () => copy * base + Math.floor(draw() * base)));
      return { items: [...items], at: NOW - j * 3_600_000 };
    });
    const train = baskets.slice(60);
    const test = baskets.slice(0, 60).filter((b) => b.items.length >= 2);
    for (const settings of [
      { halfLifeDays: null, categoryWeight: 0.1, evidence: 0, popularityWeight: 0 },
      { halfLifeDays: 180, categoryWeight: 0.1, evidence: 5, popularityWeight: 0.3 },
      { halfLifeDays: null, categoryWeight: 0, evidence: 0, popularityWeight: 1000 },
    ]) {
      const c = fitComplements(train, n, NOW, settings, 3);
      const ranker = complementRanker(c, shopPrior);
      for (const b of test) {
        const rest = b.items.slice(1);
        for (const k of [1, 10, 25]) expect(ranker(rest, k, new Set(rest))).toEqual(topK(complementScores(c, shopPrior, rest), k, new Set(rest)));
      }
    }
    const grouped = basketBaselines(pop30, shopPrior.category, new Float32Array(0), 0);
    for (const b of test) {
      const rest = b.items.slice(1);
      const exclude = new Set(rest);
      const cats = new Set(rest.map((a) => shopPrior.category[a]!));
      expect(grouped['popularity-30d']!(rest, 10, exclude)).toEqual(topK(pop30, 10, exclude));
      expect(grouped['same-category']!(rest, 10, exclude)).toEqual(topK(Float32Array.from(pop30, (v, i) => v + (cats.has(shopPrior.category[i]!) ? 1e6 : 0)), 10, exclude));
    }
  });
});

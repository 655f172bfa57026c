import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURE_SPEC, historyInputs, itemFeatures, nameTokens, priceBucket, type HistoryEvent } from './features';

const DAY = 86_400_000;
const now = Date.UTC(2011, 10, 24);
const index = new Map([
  ['A', 0],
  ['B', 1],
  ['C', 2],
]);
const spec = { ...DEFAULT_FEATURE_SPEC, historyLength: 4, halfLifeDays: 10 };

describe('historyInputs', () => {
  it('keeps one slot per product, most recent first, padded', () => {
    const events: HistoryEvent[] = [
      { sku: 'A', at: now - 20 * DAY, kind: 'purchase' },
      { sku: 'B', at: now - 10 * DAY, kind: 'purchase' },
      { sku: 'A', at: now - 5 * DAY, kind: 'purchase' },
    ];
    const h = historyInputs(events, index, now, spec);
    expect([...h.ids]).toEqual([0, 1, -1, -1]);
    // A: 0.5^(20/10) + 0.5^(5/10); B: 0.5^(10/10)
    expect(h.weights[0]).toBeCloseTo(0.25 + Math.SQRT1_2, 6);
    expect(h.weights[1]).toBeCloseTo(0.5, 6);
    expect([...h.weights.slice(2)]).toEqual([0, 0]);
  });

  it('weights views and cart adds below purchases', () => {
    const h = historyInputs(
      [
        { sku: 'A', at: now, kind: 'view' },
        { sku: 'B', at: now, kind: 'cart' },
        { sku: 'C', at: now, kind: 'purchase' },
      ],
      index,
      now,
      spec,
    );
    const w = new Map([...h.ids].map((id, i) => [id, h.weights[i]!]));
    expect([w.get(0), w.get(1), w.get(2)]).toEqual([0.25, 0.5, 1]);
  });

  it('ignores unknown products and events after `now`, and caps the length', () => {
    const events: HistoryEvent[] = [
      { sku: 'ZZZ', at: now - DAY, kind: 'purchase' },
      { sku: 'A', at: now + DAY, kind: 'purchase' },
      { sku: 'B', at: now - DAY, kind: 'purchase' },
    ];
    expect([...historyInputs(events, index, now, spec).ids]).toEqual([1, -1, -1, -1]);
    const many = Array.from({ length: 10 }, (_, i) => ({ sku: `S${i}`, at: now - i * DAY, kind: 'purchase' as const }));
    const big = new Map(many.map((e, i) => [e.sku, i]));
    expect([...historyInputs(many, big, now, spec).ids]).toEqual([0, 1, 2, 3]);
  });

  it('is independent of event order', () => {
    const events: HistoryEvent[] = [
      { sku: 'C', at: now - 3 * DAY, kind: 'view' },
      { sku: 'A', at: now - 2 * DAY, kind: 'purchase' },
      { sku: 'C', at: now - 1 * DAY, kind: 'purchase' },
    ];
    expect(historyInputs([...events].reverse(), index, now, spec)).toEqual(historyInputs(events, index, now, spec));
  });
});

describe('item features', () => {
  it('buckets prices by the spec edges', () => {
    expect(priceBucket(0.42, DEFAULT_FEATURE_SPEC.priceEdges)).toBe(0);
    expect(priceBucket(2.55, DEFAULT_FEATURE_SPEC.priceEdges)).toBe(5);
    expect(priceBucket(99, DEFAULT_FEATURE_SPEC.priceEdges)).toBe(DEFAULT_FEATURE_SPEC.priceEdges.length);
  });

  it('hashes name words stably, dropping filler words', () => {
    const a = nameTokens('Set of 4 Red Retrospot Heart Holders', 1024);
    expect(a).toEqual(nameTokens('RED RETROSPOT HEART HOLDERS', 1024));
    expect(a).toHaveLength(4);
    expect(a.every((t) => t >= 0 && t < 1024)).toBe(true);
    expect(itemFeatures({ name: 'Red Heart', price: 1, category: 'kitchen' }, ['christmas', 'kitchen'], DEFAULT_FEATURE_SPEC).category).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { scoreAll, topK } from './rank';

describe('topK', () => {
  it('equals a full stable sort, ties to the lower index', () => {
    const r = (() => {
      let s = 7;
      return () => ((s = (s * 16807) % 2147483647) / 2147483647);
    })();
    const scores = Float32Array.from({ length: 500 }, () => Math.round(r() * 50) / 10); // many ties
    const sorted = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]! || a - b);
    expect(topK(scores, 10)).toEqual(sorted.slice(0, 10));
    expect(topK(scores, 1)).toEqual(sorted.slice(0, 1));
    expect(topK(Float32Array.of(1, 2), 5)).toEqual([1, 0]);
  });

  it('drops excluded items', () => {
    expect(topK(Float32Array.of(5, 4, 3, 2), 2, new Set([0]))).toEqual([1, 2]);
  });
});

describe('scoreAll', () => {
  it('adds the dot product, the repeat term on history items and the prior', () => {
    const scores = scoreAll(
      { kind: 'dot+repeat+prior', repeatWeight: 2, priorWeight: 0.5 },
      {
        user: Float32Array.of(1, 0),
        items: Float32Array.of(0.5, 0.5, 0, 1, -1, 0),
        dim: 2,
        prior: Float32Array.of(0, 1, 0.2),
        history: { ids: Int32Array.of(2, -1), weights: Float32Array.of(Math.E - 1, 0) },
      },
    );
    expect(scores[0]).toBeCloseTo(0.5, 6);
    expect(scores[1]).toBeCloseTo(0.5, 6);
    expect(scores[2]).toBeCloseTo(-1 + 0.1 + 2, 6);
  });
});

describe('int8 scorer', () => {
  it('matches the float32 scorer on dequantised rows', async () => {
    const { quantizeRows, dequantizeRows } = await import('./quantize');
    const { scoreAllInt8 } = await import('./rank-int8');
    const d = 4;
    const items = Float32Array.of(0.5, -0.5, 0.5, 0.5, 0.9, 0.1, -0.3, 0.2, -0.7, 0.7, 0.1, 0.1);
    const { q, scales } = quantizeRows(items, 3, d);
    const spec = { kind: 'dot+repeat+prior' as const, repeatWeight: 2, priorWeight: 0.5 };
    const common = { user: Float32Array.of(0.1, 0.2, -0.3, 0.9), dim: d, prior: Float32Array.of(0.1, 0.5, 1), history: { ids: Int32Array.of(1, -1), weights: Float32Array.of(0.5, 0) } };
    const a = scoreAllInt8(spec, { ...common, q, scales });
    const b = scoreAll(spec, { ...common, items: dequantizeRows(q, scales, d) });
    for (let i = 0; i < 3; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
  });
});

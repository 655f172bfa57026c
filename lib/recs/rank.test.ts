import { describe, expect, it } from 'vitest';
import { rng } from '../../models/random';
import { dotAll, topK, topKOf } from './rank';

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

describe('dotAll', () => {
  it('is u · e_i for every row', () => {
    const scores = dotAll(Float32Array.of(1, 2), Float32Array.of(0.5, 0.5, 0, 1, -1, 0), 2);
    expect([...scores]).toEqual([1.5, 2, -1]);
  });
});

describe('int8 dot products', () => {
  it('match the float32 ones on dequantised rows', async () => {
    const { quantizeRows, dequantizeRows } = await import('./quantize');
    const { dotAllInt8 } = await import('./rank-int8');
    const d = 4;
    const items = Float32Array.of(0.5, -0.5, 0.5, 0.5, 0.9, 0.1, -0.3, 0.2, -0.7, 0.7, 0.1, 0.1);
    const { q, scales } = quantizeRows(items, 3, d);
    const user = Float32Array.of(0.1, 0.2, -0.3, 0.9);
    const a = dotAllInt8(user, q, scales, d);
    const b = dotAll(user, dequantizeRows(q, scales, d), d);
    for (let i = 0; i < 3; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
  });
});

describe('topKOf', () => {
  it('keeps what sorting every id and cutting to k keeps, ties to the lower id', () => {
    const r = rng(21);
    for (let trial = 0; trial < 50; trial++) {
      const ids = Array.from({ length: 1 + Math.floor(r() * 60) }, () => Math.floor(r() * 100));
      const unique = [...new Set(ids)];
      // Few distinct scores, so ties are common.
      const scores = new Map(unique.map((id) => [id, Math.floor(r() * 5) / 4]));
      const k = 1 + Math.floor(r() * 12);
      const want = [...unique].sort((a, b) => scores.get(b)! - scores.get(a)! || a - b).slice(0, k);
      expect(topKOf(unique, (id) => scores.get(id)!, k)).toEqual(want);
    }
  });
});

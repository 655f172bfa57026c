import { describe, expect, it } from 'vitest';
import { poolHistory, towerInputs } from './tower';

describe('towerInputs', () => {
  it('lays out a batch as [batch, historyLength, dim], zeros on padding', () => {
    const items = Float32Array.of(1, 2, 3, 4, 5, 6); // 3 items, d = 2
    const x = towerInputs(items, 2, [{ ids: Int32Array.of(2, -1), weights: Float32Array.of(0.5, 0) }, { ids: Int32Array.of(0, 1), weights: Float32Array.of(1, 2) }], 2);
    expect([...x.embeddings]).toEqual([5, 6, 0, 0, 1, 2, 3, 4]);
    expect([...x.weights]).toEqual([0.5, 0, 1, 2]);
  });

  it('pools to what poolHistory computes from the table directly', () => {
    const items = Float32Array.of(1, 0, 0, 1, 1, 1);
    const h = { ids: Int32Array.of(1, 2, -1), weights: Float32Array.of(1, 3, 0) };
    const x = towerInputs(items, 2, [h], 3);
    const pooledFromInputs = [0, 1].map((k) => (x.weights[0]! * x.embeddings[k]! + x.weights[1]! * x.embeddings[2 + k]!) / 4);
    expect(pooledFromInputs).toEqual([...poolHistory(items, 2, h.ids, h.weights)]);
  });
});

import { describe, expect, it } from 'vitest';
import { adamFlushRows, adamStep, adamStepRows, moments, type AdamSettings } from './optim';
import { rng } from './random';

const adam: AdamSettings = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, form: 'folded', lazy: true };

describe('Adam on the rows a step touches', () => {
  it('moves a table as dense Adam does, at the cost of the touched rows only', () => {
    // 40 rows of 4; each step touches 3 of them, rows near the end rarely. 300 steps.
    const [n, d, steps] = [40, 4, 300];
    const r = rng(7);
    const start = Float64Array.from({ length: n * d }, () => r() - 0.5);
    const dense = start.slice();
    const sparse = start.slice();
    const [sd, ss] = [moments(n * d), moments(n * d)];
    const last = new Int32Array(n);
    const plain = start.slice();
    const sp = moments(n * d);
    for (let step = 1; step <= steps; step++) {
      const rows = Int32Array.from(new Set(Array.from({ length: 3 }, () => Math.floor(n * r() ** 2))));
      const g = Float64Array.from({ length: rows.length * d }, () => r() - 0.5);
      const full = new Float64Array(n * d);
      rows.forEach((row, k) => full.set(g.subarray(k * d, k * d + d), row * d));
      adamStep(dense, full, sd, step, adam);
      adamStepRows(sparse, g, rows, rows.length, d, ss, step, adam, last);
      // Plain lazy Adam: the touched rows' update alone, no catching up.
      adamStepRows(plain, g, rows, rows.length, d, sp, step, adam, new Int32Array(n));
    }
    adamFlushRows(sparse, ss, d, steps, adam, last);
    const gap = (a: Float64Array) => Math.max(...Array.from(a, (x, k) => Math.abs(x - dense[k]!)));
    const moved = Math.max(...Array.from(dense, (x, k) => Math.abs(x - start[k]!)));
    // Catching up lands within a few per cent of dense Adam's moves; plain lazy Adam misses its momentum's tail.
    expect(gap(sparse)).toBeLessThan(0.05 * moved);
    expect(gap(plain)).toBeGreaterThan(4 * gap(sparse));
    // Rows never touched stay where they started.
    const untouched = [...Array(n).keys()].filter((row) => last[row] === 0);
    for (const row of untouched) expect(Array.from(sparse.slice(row * d, row * d + d))).toEqual(Array.from(start.slice(row * d, row * d + d)));
  });
});

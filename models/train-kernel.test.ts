import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileKernel, generatedSource } from '../scripts/build-kernel';
import { rng } from './random';
import { batchProducts, gramJs, mixJs } from './train-kernel';

const random = (n: number, seed: number, zeros = 0) => {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => (r() < zeros ? 0 : r() * 2 - 1));
};

describe('training kernel', () => {
  it('is the compiled train-kernel.wat (run `npm run kernel` after editing it)', async () => {
    expect(readFileSync('models/train-kernel.generated.ts', 'utf8')).toBe(generatedSource(await compileKernel('train'), 'train'));
  });

  it('runs as WebAssembly here', () => {
    expect(batchProducts().kind).toBe('wasm');
  });

  // Sizes that are and are not multiples of the kernel's eight columns, and a step's real shape.
  for (const [n, m, d] of [[5, 5, 4], [13, 21, 8], [256, 256, 32]] as const) {
    it(`gives the loops' bits: gram and mix at ${n}×${m}, d = ${d}`, () => {
      const k = batchProducts();
      const a = random(n * d, 1);
      const b = random(m * d, 2);
      const want = new Float64Array(n * m);
      const got = new Float64Array(n * m);
      gramJs(a, n, b, m, d, want);
      k.gram(a, n, b, m, d, got);
      expect(got).toEqual(want);
      expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(0.1);

      const g = random(n * m, 3, 0.3);
      const mixWant = new Float64Array(n * d);
      const mixGot = new Float64Array(n * d).fill(7);
      mixJs(g, n, m, b, d, mixWant);
      k.mix(g, n, m, b, d, mixGot);
      expect(mixGot).toEqual(mixWant);
    });
  }
});

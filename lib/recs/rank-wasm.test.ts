import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileKernel, generatedSource } from '../../scripts/build-kernel';
import { rng } from '../../models/train';
import { loadModel } from './artifacts';
import { quantizeRows } from './quantize';
import { scoreAll, topK } from './rank';
import { scoreAllInt8 } from './rank-int8';
import { prepareInt8Scorer, prepareScorer } from './rank-wasm';

const spec = { kind: 'dot+repeat+prior' as const, repeatWeight: 0.25, priorWeight: 0.1 };

function randomCatalogue(n: number, d: number, seed: number) {
  const r = rng(seed);
  const items = Float32Array.from({ length: n * d }, () => r() - 0.5);
  const prior = Float32Array.from({ length: n }, () => r());
  const user = Float32Array.from({ length: d }, () => 2 * r() - 1);
  const history = { ids: Int32Array.of(3, 17, -1, 250), weights: Float32Array.of(1, 4, 0, 0.5) };
  return { items, prior, user, history };
}

describe('SIMD ranking kernel', () => {
  it('is the compiled score-kernel.wat (run `npm run kernel` after editing it)', async () => {
    const generated = readFileSync(path.join('lib', 'recs', 'score-kernel.generated.ts'), 'utf8');
    expect(generated).toBe(generatedSource(await compileKernel()));
  });

  it('float32: the scores of scoreAll() within float rounding, and the same top 10', () => {
    for (const [n, d] of [[1000, 32], [777, 4], [300, 64]] as const) {
      const { items, prior, user, history } = randomCatalogue(n, d, n + d);
      const scorer = prepareScorer(items, d, prior);
      expect(scorer.kind).toBe('wasm-simd');
      const want = scoreAll(spec, { user, items, dim: d, prior, history });
      const got = scorer.score(spec, user, history);
      expect(got).toHaveLength(n);
      for (let i = 0; i < n; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5);
      expect(topK(got, 10)).toEqual(topK(want, 10));
      // A second call with another user overwrites everything: no state leaks between calls.
      const other = Float32Array.from(user, (v) => -v);
      const again = scorer.score(spec, other, history);
      expect(again[5]).toBeCloseTo(scoreAll(spec, { user: other, items, dim: d, prior, history })[5]!, 5);
    }
  });

  it('int8: the scores of the JavaScript int8 scorer within the int16 user rounding', () => {
    const n = 2000;
    const d = 32;
    const { items, prior, user, history } = randomCatalogue(n, d, 9);
    const { q, scales } = quantizeRows(items, n, d);
    const scorer = prepareInt8Scorer(q, scales, d, prior);
    expect(scorer.kind).toBe('wasm-simd');
    const want = scoreAllInt8(spec, { user, q, scales, dim: d, prior, history });
    const got = scorer.score(spec, user, history);
    for (let i = 0; i < n; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-4);
  });

  it('falls back to the JavaScript scorer where the kernel does not fit, with the same scores', () => {
    const { items, prior, user, history } = randomCatalogue(50, 6, 1);
    const scorer = prepareScorer(items, 6, prior);
    expect(scorer.kind).toBe('js');
    expect([...scorer.score(spec, user, history)]).toEqual([...scoreAll(spec, { user, items, dim: 6, prior, history })]);
    expect(prepareScorer(items, 6, prior, { js: true }).kind).toBe('js');
    const { q, scales } = quantizeRows(items, 50, 6);
    expect(prepareInt8Scorer(q, scales, 6, prior).kind).toBe('js'); // int8 lanes need d % 16 == 0
  });
});

// The shipped model: `npm test` runs `npm run data` first, so in CI it always exists.
const pointerFile = path.join('public', 'models', 'current.json');
describe.runIf(existsSync(pointerFile) || process.env.CI)('SIMD kernel on the shipped model', () => {
  it('ranks every golden case to its golden top 10', async () => {
    const pointer = JSON.parse(readFileSync(pointerFile, 'utf8')) as { manifest: string };
    const dir = path.join('public', path.dirname(pointer.manifest));
    const model = await loadModel(async (p) => new Uint8Array(await readFile(path.join(dir, p))));
    const golden = (JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as { cases: { expected: { ids: number[]; weights: number[]; userEmbedding: number[]; top10: string[] } }[] }).cases;
    const scorer = prepareScorer(model.items, model.manifest.dim, model.prior);
    expect(scorer.kind).toBe('wasm-simd');
    for (const g of golden) {
      const history = { ids: Int32Array.from(g.expected.ids), weights: Float32Array.from(g.expected.weights) };
      const top = topK(scorer.score(model.manifest.scorer, Float32Array.from(g.expected.userEmbedding), history), 10);
      expect(top.map((i) => model.skus[i])).toEqual(g.expected.top10);
    }
  });
});

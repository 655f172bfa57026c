import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileKernel, generatedSource } from '../../scripts/build-kernel';
import { rng } from '../../models/train';
import { loadModel } from './artifacts';
import { quantizeRows } from './quantize';
import { dotAll, topK } from './rank';
import { dotAllInt8 } from './rank-int8';
import { prepareInt8Scorer, prepareScorer } from './rank-wasm';
import { rankingScores, userContext } from './score';

function randomCatalogue(n: number, d: number, seed: number) {
  const r = rng(seed);
  const items = Float32Array.from({ length: n * d }, () => r() - 0.5);
  const user = Float32Array.from({ length: d }, () => 2 * r() - 1);
  return { items, user };
}

describe('SIMD ranking kernel', () => {
  it('is the compiled score-kernel.wat (run `npm run kernel` after editing it)', async () => {
    const generated = readFileSync(path.join('lib', 'recs', 'score-kernel.generated.ts'), 'utf8');
    expect(generated).toBe(generatedSource(await compileKernel()));
  });

  it('float32: the dot products of dotAll() within float rounding, and the same top 10', () => {
    for (const [n, d] of [[1000, 32], [777, 4], [300, 64]] as const) {
      const { items, user } = randomCatalogue(n, d, n + d);
      const scorer = prepareScorer(items, d);
      expect(scorer.kind).toBe('wasm-simd');
      const want = dotAll(user, items, d);
      const got = scorer.dots(user);
      expect(got).toHaveLength(n);
      for (let i = 0; i < n; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5);
      expect(topK(got, 10)).toEqual(topK(want, 10));
      // A second call with another user overwrites everything: no state leaks between calls.
      const other = Float32Array.from(user, (v) => -v);
      expect(scorer.dots(other)[5]).toBeCloseTo(dotAll(other, items, d)[5]!, 5);
    }
  });

  it('int8: the dot products of the JavaScript int8 loop within the int16 user rounding', () => {
    const n = 2000;
    const d = 32;
    const { items, user } = randomCatalogue(n, d, 9);
    const { q, scales } = quantizeRows(items, n, d);
    const scorer = prepareInt8Scorer(q, scales, d);
    expect(scorer.kind).toBe('wasm-simd');
    const want = dotAllInt8(user, q, scales, d);
    const got = scorer.dots(user);
    for (let i = 0; i < n; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-4);
  });

  it('falls back to JavaScript where the kernel does not fit, with the same dot products', () => {
    const { items, user } = randomCatalogue(50, 6, 1);
    const scorer = prepareScorer(items, 6);
    expect(scorer.kind).toBe('js');
    expect([...scorer.dots(user)]).toEqual([...dotAll(user, items, 6)]);
    expect(prepareScorer(items, 6, { js: true }).kind).toBe('js');
    const { q, scales } = quantizeRows(items, 50, 6);
    expect(prepareInt8Scorer(q, scales, 6).kind).toBe('js'); // int8 lanes need d % 16 == 0
  });
});

// The shipped model: `npm test` runs `npm run data` first, so in CI it always exists.
const pointerFile = path.join('public', 'models', 'current.json');
describe.runIf(existsSync(pointerFile) || process.env.CI)('SIMD kernel on the shipped model', () => {
  it('ranks every golden case to its golden top 10, through the kernel and lib/recs/score.ts', async () => {
    const pointer = JSON.parse(readFileSync(pointerFile, 'utf8')) as { manifest: string };
    const dir = path.join('public', path.dirname(pointer.manifest));
    const model = await loadModel(async (p) => new Uint8Array(await readFile(path.join(dir, p))));
    const golden = (JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as { cases: { expected: { ids: number[]; weights: number[]; counts: number[]; ages: number[]; userEmbedding: number[]; top10: string[] } }[] }).cases;
    const scorer = prepareScorer(model.items, model.manifest.dim);
    expect(scorer.kind).toBe('wasm-simd');
    for (const g of golden) {
      const e = g.expected;
      const history = { ids: Int32Array.from(e.ids), weights: Float32Array.from(e.weights), counts: Float32Array.from(e.counts), ages: Float32Array.from(e.ages) };
      const scores = rankingScores('all', model.manifest.scorer, model.signals, userContext(model.signals, history), scorer.dots(Float32Array.from(e.userEmbedding)));
      expect(topK(scores, 10).map((i) => model.skus[i])).toEqual(e.top10);
    }
  });
});

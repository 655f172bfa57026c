import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileKernel, generatedSource } from '../../scripts/build-kernel';
import { rng } from '../../models/random';
import { loadModel } from './artifacts';
import { quantizeRows } from './quantize';
import { dotAll, topK } from './rank';
import { dotAllInt8 } from './rank-int8';
import { HEAD_PARAMS, prepareInt8Scorer, prepareScorer } from './rank-wasm';
import { rankingScores, scoreHead, userContext, type ScorerSpec } from './score';
import type { ItemSignals } from './signals';

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

  it("passes the head its arguments by name, in score-kernel.wat's parameter order", () => {
    const wat = readFileSync(path.join('lib', 'recs', 'score-kernel.wat'), 'utf8');
    const at = wat.indexOf('(func (export "head")');
    const head = wat.slice(at, wat.indexOf('(local', at));
    expect([...head.matchAll(/\(param \$(\w+)/g)].map((m) => m[1])).toEqual([...HEAD_PARAMS]);
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

/** Signals with every part the head reads: co-purchase neighbours, 1 to 5 name tokens, 13 categories. */
function randomSignals(n: number, seed: number): ItemSignals {
  const r = rng(seed);
  const vec = () => Float32Array.from({ length: n }, () => r());
  const m = 4;
  const counts = Array.from({ length: n }, () => 1 + Math.floor(r() * 5));
  const tokenOffsets = new Int32Array(n + 1);
  counts.forEach((c, i) => (tokenOffsets[i + 1] = tokenOffsets[i]! + c));
  return {
    n,
    vectors: { pop30: vec(), pop7: vec(), trend: vec(), fresh: vec(), repeatRate: vec(), interval: Float32Array.from({ length: n }, () => 5 + 60 * r()), logPrice: Float32Array.from({ length: n }, () => 3 * r() - 1) },
    neighboursPerItem: m,
    neighbours: Int32Array.from({ length: n * m }, (_, j) => (j % m === 3 ? -1 : Math.floor(r() * n))),
    neighbourWeights: Float32Array.from({ length: n * m }, () => r()),
    tokenOffsets,
    // Few buckets, so history words are shared by many items (the 'design' term is often non-zero).
    tokens: Uint16Array.from({ length: tokenOffsets[n]! }, () => Math.floor(r() * 40)),
    category: Uint8Array.from({ length: n }, () => Math.floor(r() * 13)),
    categories: 13,
  };
}

describe('the head and the top-K in the kernel', () => {
  const n = 5003; // not a multiple of four: the top-K's tail runs one score at a time
  const d = 32;
  const { items, user } = randomCatalogue(n, d, 21);
  const signals = randomSignals(n, 22);
  const r = rng(23);
  const weights = Array.from({ length: 16 }, () => 2 * r() - 1);
  const spec: ScorerSpec = { kind: 'two-stage', features: [], heads: { explore: weights, repeat: weights.map((w) => -w) }, ownedOffset: 2 };
  const history = (len: number) => ({
    ids: Int32Array.from({ length: 50 }, (_, j) => (j < len ? Math.floor(r() * n) : -1)),
    weights: Float32Array.from({ length: 50 }, (_, j) => (j < len ? r() : 0)),
    counts: Float32Array.from({ length: 50 }, (_, j) => (j < len ? 1 + Math.floor(3 * r()) : 0)),
    ages: Float32Array.from({ length: 50 }, (_, j) => (j < len ? 100 * r() : 0)),
  });

  it('scores every item as scoreHead in JavaScript does, to the bit, with and without a history', () => {
    for (const prepared of [prepareScorer(items, d, { signals }), prepareInt8Scorer(...(Object.values(quantizeRows(items, n, d)) as [Int8Array, Float32Array]), d, { signals })]) {
      expect(prepared.kind).toBe('wasm-simd');
      for (const len of [0, 1, 7, 50]) {
        const ctx = userContext(signals, history(len));
        if (len > 1) expect(ctx.copurchase.size).toBeGreaterThan(0);
        const want = scoreHead(weights, signals, ctx, Float32Array.from(prepared.dots(user)));
        let ran = false;
        const got = scoreHead(weights, signals, ctx, prepared.dots(user), (p, dots) => (ran = prepared.dense(p, dots)));
        expect(ran).toBe(true);
        expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer))).toBe(true);
        // The 'all' ranking too: the repeat scores of owned products replace the explore ones after the head.
        const all = rankingScores('all', spec, signals, ctx, prepared.dots(user), prepared.dense);
        expect([...all]).toEqual([...rankingScores('all', spec, signals, ctx, Float32Array.from(prepared.dots(user)))]);
      }
      // A design weight of 0 leaves the words out, as JavaScript does.
      const ctx = userContext(signals, history(9));
      const w0 = weights.map((w, f) => (f === 8 ? 0 : w));
      expect([...scoreHead(w0, signals, ctx, prepared.dots(user), prepared.dense)]).toEqual([...scoreHead(w0, signals, ctx, Float32Array.from(prepared.dots(user)))]);
    }
  });

  it('declines what it was not prepared for, and JavaScript runs it', () => {
    const scorer = prepareScorer(items, d, { signals });
    const other = randomSignals(n, 99);
    const ctx = userContext(other, history(5));
    const dots = scorer.dots(user);
    expect(scorer.dense({ signals: other, constant: new Float32Array(n), wDot: 1, wCat: 0, wPrice: 0, wDesign: 0, ctx, co: { ids: new Int32Array(), terms: new Float64Array() } }, dots)).toBe(false);
    // An array that is not the kernel's own: declined too.
    expect(scorer.dense({ signals, constant: new Float32Array(n), wDot: 1, wCat: 0, wPrice: 0, wDesign: 0, ctx: userContext(signals, history(5)), co: { ids: new Int32Array(), terms: new Float64Array() } }, Float32Array.from(dots))).toBe(false);
    expect(prepareScorer(items, d).dense({ signals, constant: new Float32Array(n), wDot: 1, wCat: 0, wPrice: 0, wDesign: 0, ctx, co: { ids: new Int32Array(), terms: new Float64Array() } }, dots)).toBe(false);
    // A name of more than eight words: the kernel's rows of words would be mostly padding, so JavaScript runs the head.
    const long = randomSignals(n, 22);
    const tokenOffsets = Int32Array.from(long.tokenOffsets, (o, i) => (i === 0 ? 0 : o + 9));
    const wordy = { ...long, tokenOffsets, tokens: new Uint16Array(tokenOffsets[n]!) };
    const w = prepareScorer(items, d, { signals: wordy });
    expect(w.dense({ signals: wordy, constant: new Float32Array(n), wDot: 1, wCat: 0, wPrice: 0, wDesign: 0, ctx: userContext(wordy, history(5)), co: { ids: new Int32Array(), terms: new Float64Array() } }, w.dots(user))).toBe(false);
  });

  it('picks the top-K of JavaScript: the same items in the same order, ties to the lower index, exclusions left out', () => {
    const scorer = prepareScorer(items, d, { signals });
    const dots = scorer.dots(user);
    // Coarse scores: hundreds of ties, at the cut too.
    for (let i = 0; i < n; i++) dots[i] = Math.round(dots[i]! * 8) / 8;
    const copy = Float32Array.from(dots);
    for (const k of [1, 10, 12, 100, 1000]) {
      expect(scorer.topK(dots, k)).toEqual(topK(copy, k));
      const exclude = new Set(topK(copy, 30).filter((_, j) => j % 2 === 0));
      expect(scorer.topK(dots, k, exclude)).toEqual(topK(copy, k, exclude));
    }
    expect(scorer.topK(dots, 0)).toEqual([]);
    // More than the kernel holds, or an array of its own: JavaScript, the same answer.
    expect(scorer.topK(dots, 2000)).toEqual(topK(copy, 2000));
    expect(scorer.topK(copy, 10)).toEqual(topK(copy, 10));
    const small = prepareScorer(items.subarray(0, 6 * d), d, { signals: randomSignals(6, 1) });
    expect(small.topK(small.dots(user), 10)).toEqual(topK(dotAll(user, items.subarray(0, 6 * d), d), 10));
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
    const scorer = prepareScorer(model.items, model.manifest.dim, { signals: model.signals });
    expect(scorer.kind).toBe('wasm-simd');
    for (const g of golden) {
      const e = g.expected;
      const history = { ids: Int32Array.from(e.ids), weights: Float32Array.from(e.weights), counts: Float32Array.from(e.counts), ages: Float32Array.from(e.ages) };
      let kernelRan = false;
      const dense: typeof scorer.dense = (p, dots) => (kernelRan = scorer.dense(p, dots));
      const scores = rankingScores('all', model.manifest.scorer, model.signals, userContext(model.signals, history), scorer.dots(Float32Array.from(e.userEmbedding)), dense);
      expect(kernelRan).toBe(true);
      expect(scorer.topK(scores, 10).map((i) => model.skus[i])).toEqual(e.top10);
    }
  });
});

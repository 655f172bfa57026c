/// <reference lib="webworker" />
/**
 * `npm run bench` inside the recommender worker: loaded by a dynamic import on the first bench message, so a
 * shopper's worker never downloads it. Times the shopper's own session and scorer, then synthetic catalogues
 * up to a million items against the memory floor.
 */
import type { InferenceSession } from 'onnxruntime-web';
import { readVerified, type DeviceModel, type ReadFile } from '../recs/artifacts';
import { rowsOf } from '../recs/items';
import { topK } from '../recs/rank';
import type { ShelfUser } from '../recs/shelf';
import type { BenchRequest, BenchResult, GoldenRanking } from './protocol';
import type { HistoryInputs } from '../recs/features';
import { quantizeRows } from '../recs/quantize';
import { prepareInt8Scorer, prepareScorer, type PreparedScorer } from '../recs/rank-wasm';
import { rankingScores, repeatFromGraph, repeatScores, userContext, type DenseKernel } from '../recs/score';
import type { DeviceSource } from '../recs/shelf-source';
import type { ItemSignals } from '../recs/signals';
import { percentiles, type Percentiles } from '../recs/timing';
import { graphTables, type GraphInput, type GraphTable } from '../recs/graph-tables';

/**
 * Memory bandwidth as this worker sees it, bytes/ms: the best of several 64 MB block copies (a native
 * memcpy, so the memory system rather than a JavaScript loop sets the pace), counting bytes read and written.
 */
function readBandwidth(): number {
  const a = new Uint8Array(64 * 1024 * 1024).fill(1);
  const b = new Uint8Array(a.length);
  let best = Infinity;
  for (let pass = 0; pass < 6; pass++) {
    const t = performance.now();
    b.set(a);
    best = Math.min(best, performance.now() - t);
  }
  return (2 * a.byteLength) / Math.max(best, 0.1);
}

/** Signals for a synthetic catalogue: seeded values, three name tokens each, no co-purchase neighbours. */
export function syntheticSignals(n: number): ItemSignals {
  let seed = 777;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  const vec = () => Float32Array.from({ length: n }, rand);
  return {
    n,
    vectors: { pop30: vec(), pop7: vec(), trend: vec(), fresh: vec(), repeatRate: vec(), interval: vec(), logPrice: vec() },
    neighboursPerItem: 1,
    neighbours: new Int32Array(n).fill(-1),
    neighbourWeights: new Float32Array(n),
    tokenOffsets: Int32Array.from({ length: n + 1 }, (_, i) => 3 * i),
    tokens: Uint16Array.from({ length: 3 * n }, () => Math.floor(rand() * 1024)),
    category: Uint8Array.from({ length: n }, () => Math.floor(rand() * 13)),
    categories: 13,
  };
}

/** Seeded unit vectors: a synthetic catalogue of `n` items. */
export function syntheticItems(n: number, d: number): Float32Array {
  const out = new Float32Array(n * d);
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let k = 0; k < d; k++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const v = seed / 4294967296 - 0.5;
      out[i * d + k] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    for (let k = 0; k < d; k++) out[i * d + k]! /= norm;
  }
  return out;
}

/** What the shopper's worker lends the bench: its loaded model, scorer and queued inference of `history`. */
export interface BenchContext {
  model: DeviceModel;
  scorer: PreparedScorer;
  source: DeviceSource;
  loadMs: number;
  history: HistoryInputs;
  infer: () => Promise<InferenceSession.OnnxValueMapType>;
  /** The shopper's path as the probe times it: the tower, then the kernel's dot products and "all" scores. */
  scoreKernel: () => Promise<unknown>;
  /** The version's whole scorer graph on this bench's provider; null where it ships none. */
  openGraph: () => Promise<GraphRunner | null>;
}

/** A scorer graph session: one history in, every product's "all" score out; the model's tables, or the ones given. */
export interface GraphRunner {
  run(h: HistoryInputs, tables?: Partial<Record<string, GraphTable>>): Promise<Float32Array>;
  /** The graph's inputs, as its manifest lists them (which tables it reads). */
  inputs: readonly GraphInput[];
  release(): Promise<void>;
}

/**
 * The version's graph fed a synthetic catalogue's tables (the graph does not grow with the catalogue: issue 33),
 * timed as the kernel's ranking is (scores and top 10); null for a graph from before the tables (its items inside).
 */
async function timeSyntheticGraph(graph: GraphRunner, items: Float32Array, d: number, signals: ItemSignals, pad: number, h: HistoryInputs, runs: number, time: (fn: () => Promise<unknown>, runs: number) => Promise<Percentiles>): Promise<Percentiles | null> {
  const words = graph.inputs.find((t) => t.name === 'item_tokens');
  if (!words) return null;
  const tables = graphTables(items, d, signals, Number(words.shape[1]), pad);
  // A graph made for a catalogue with communities reads them: the synthetic one's products all stay open (0).
  if (graph.inputs.some((t) => t.name === 'item_community')) tables.item_community = { data: new Float32Array(signals.n), shape: [signals.n] };
  await graph.run(h, tables);
  return time(async () => topK(await graph.run(h, tables), 10), runs);
}

export async function runBench(req: BenchRequest, r: BenchContext): Promise<BenchResult> {
  const { manifest } = r.model;
  const { history, infer, loadMs } = r;
  const d = manifest.dim;
  const t0 = performance.now();
  const first = await infer();
  const firstInferenceMs = performance.now() - t0;
  const user = (await first[manifest.userTower.outputs[0]!.name]!.getData()) as Float32Array;

  const time = async (fn: () => unknown | Promise<unknown>, runs = req.bench.iterations) => {
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const a = performance.now();
      await fn();
      ms.push(performance.now() - a);
    }
    return percentiles(ms);
  };
  const inference = await time(infer);
  // A ranking as the shelves run it: dot products, the explore head over every item, top 10 (all three in the
  // kernel when the scorer has one; the JavaScript scorer runs the JavaScript head and top-K).
  const rankWith = (scorer: PreparedScorer, signals: ItemSignals) => () => scorer.topK(rankingScores('explore', manifest.scorer, signals, userContext(signals, history), scorer.dots(user), scorer.dense), 10);
  const ranking = await time(rankWith(r.scorer, r.model.signals));
  // The shipped catalogue scored both ways, timed alike (one history → every product's "all" score): the tower
  // then the kernel, and the whole graph, each run queued as a shelf's is.
  const shipped = await r.openGraph();
  const paths = { kernel: await time(r.scoreKernel), graph: shipped ? await time(() => shipped.run(history)) : null };
  const bandwidthBytesPerMs = readBandwidth();
  const synthetic: BenchResult['synthetic'] = [];
  for (const n of req.bench.syntheticSizes) {
    const big = syntheticItems(n, d);
    const { q, scales } = quantizeRows(big, n, d);
    const signals = syntheticSignals(n);
    // Fewer runs where one run is long: the percentiles settle long before 200 runs of a million items.
    const runs = Math.max(10, Math.min(req.bench.iterations, Math.floor(2e7 / (n * d))));
    const measure = async (scorer: PreparedScorer) => time(rankWith(scorer, signals), runs);
    // Before: the scalar JavaScript loops; after: the SIMD kernel the worker ranks with.
    const js = { float32: await measure(prepareScorer(big, d, { js: true })), int8: await measure(prepareInt8Scorer(q, scales, d, { js: true })) };
    const simd = prepareScorer(big, d, { signals });
    const wasm = { float32: await measure(simd), int8: await measure(prepareInt8Scorer(q, scales, d, { signals })) };
    const dotOnly = await time(() => simd.topK(simd.dots(user), 10), runs);
    // What must stream through memory at least once: the rows, the signals the head reads per item (five
    // float32 vectors, a category byte, token offsets and about three uint16 tokens, the co-purchase
    // vector), then the scores written and read by top-K.
    const floor = (rowBytes: number) => (n * d * rowBytes + n * (4 * 5 + 1 + 4 + 6 + 4 + 8)) / bandwidthBytesPerMs;
    const graph = shipped ? await timeSyntheticGraph(shipped, big, d, signals, manifest.features.tokenBuckets, history, runs, time).catch(() => null) : null;
    synthetic.push({ items: n, js, wasm, dotOnly, graph, floorMs: { float32: floor(4), int8: floor(1) } });
  }
  await shipped?.release();
  return { source: r.source, modelVersion: manifest.version, itemCount: manifest.itemCount, loadMs, firstInferenceMs, inference, ranking, paths, scorer: r.scorer.kind, synthetic, bandwidthBytesPerMs };
}

interface GoldenFile {
  cases: { name: string; events: { sku: string; kind: string }[]; expected: { ids: number[]; weights: number[]; counts: number[]; ages: number[] } }[];
}

/**
 * golden.json's cases through the device's own scoring (`score`: the session the worker ranks with, the tower
 * and kernel or the whole graph), ranked as models/export/artifacts.ts's goldenCases ranks the reference:
 * `top10` of all scores, `explore10` without the case's purchases, `repeat` over its own products.
 */
export async function goldenOnDevice(model: DeviceModel, read: ReadFile, score: (h: HistoryInputs) => Promise<ShelfUser>, dense: DenseKernel): Promise<GoldenRanking[]> {
  const golden = JSON.parse(new TextDecoder().decode(await readVerified(read, model.manifest.files.golden))) as GoldenFile;
  const { scorer, features } = model.manifest;
  const index = rowsOf(model.skus);
  const sku = (i: number) => model.skus[i]!;
  const out: GoldenRanking[] = [];
  for (const c of golden.cases) {
    const slot = (v: number[], pad: number) => Float32Array.from({ length: features.historyLength }, (_, j) => v[j] ?? pad);
    const h: HistoryInputs = { ids: Int32Array.from(slot(c.expected.ids, -1)), weights: slot(c.expected.weights, 0), counts: slot(c.expected.counts, 0), ages: slot(c.expected.ages, 0) };
    const user = await score(h);
    const bought = new Set(c.events.flatMap((e) => (e.kind === 'purchase' && index.has(e.sku) ? [index.get(e.sku)!] : [])));
    // The kernel's scores live in its memory, overwritten by the next call: copied.
    const explore = user.heads?.explore ?? Float32Array.from(rankingScores('explore', scorer, model.signals, user.ctx, user.dots(), dense));
    const all = user.heads?.all ?? Float32Array.from(rankingScores('all', scorer, model.signals, user.ctx, user.dots(), dense));
    const repeat = user.heads ? repeatFromGraph(user.ctx, user.heads.repeat) : repeatScores(scorer, model.signals, user.ctx, user.dots());
    out.push({ name: c.name, top10: topK(all, 10).map(sku), explore10: topK(explore, 10, bought).map(sku), repeat: repeat.map(([i]) => sku(i)) });
  }
  return out;
}

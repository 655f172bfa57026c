/// <reference lib="webworker" />
/**
 * The recommender worker: owns onnxruntime-web and the model, so the page never blocks on model work.
 * One session per worker, every run() queued (two runs in flight hang the WebGPU EP).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import { fetchBytes, fetchCatalogRows, fetchPointer, loadPointedModel, manifestLocation, pinnedPointer, type CatalogRows, type LoadedModel, type ReadFile } from './artifacts';
import { quantizeRows } from './quantize';
import { prepareInt8Scorer, prepareScorer, type PreparedScorer } from './rank-wasm';
import type { BenchRequest, BenchResponse, BenchResult, Percentiles, RankRequest, RankResponse } from './device-protocol';
import type { DeviceSource } from './shelf-source';
import { historyInputs } from './features';
import { topK } from './rank';
import { rankingScores, repeatScores, userContext } from './score';
import { selectRepeat, selectShelf } from './shelf-rules';
import type { ItemSignals } from './signals';
import { towerInputs } from './tower';

declare const self: DedicatedWorkerGlobalScope;

// Served from public/ort/<version>/ with immutable caching (scripts/copy-ort.mjs); the object form of
// wasmPaths fetches only the .wasm. The WebGPU build loads the asyncify variant.
const wasmUrl = (version: string, webgpu: boolean) => ({
  wasm: `/ort/${version}/ort-wasm-simd-threaded${webgpu ? '.asyncify' : ''}.wasm`,
});
const CACHE_PREFIX = 'tandem-model-';

interface Ready {
  model: LoadedModel;
  session: InferenceSession;
  TensorCtor: typeof Tensor;
  source: DeviceSource;
  catalog: CatalogRows['items'];
  index: Map<string, number>;
  /** The item rows, copied once into the SIMD kernel's memory (or the JavaScript scorer). */
  scorer: PreparedScorer;
  loadMs: number;
}

/** Reads a version's files through Cache Storage: fetched once per version, then served from the device. */
async function versionReader(base: string, version: string): Promise<{ read: ReadFile; discard: () => Promise<void> }> {
  const name = `${CACHE_PREFIX}${version}`;
  const cache = typeof caches !== 'undefined' ? await caches.open(name).catch(() => undefined) : undefined;
  if (cache) {
    // A new version replaces the old ones.
    for (const key of await caches.keys()) if (key.startsWith(CACHE_PREFIX) && key !== name) await caches.delete(key);
  }
  const read: ReadFile = async (path) => {
    const url = `${base}${path}`;
    const hit = await cache?.match(url);
    if (hit) return new Uint8Array(await hit.arrayBuffer());
    const bytes = await fetchBytes(url);
    await cache?.put(url, new Response(bytes.slice())).catch(() => undefined);
    return bytes;
  };
  return { read, discard: async () => void (cache && (await caches.delete(name))) };
}

async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

async function init(preferWasm: boolean, pin: string | null): Promise<Ready> {
  const started = performance.now();
  const pointer = pin ? pinnedPointer(pin) : await fetchPointer('/models/current.json', 'no-cache');
  const { read, discard } = await versionReader(manifestLocation(pointer).base, pointer.version);
  let model: LoadedModel;
  try {
    model = await loadPointedModel(read, pointer);
  } catch (e) {
    await discard(); // never keep a bad copy: the next load fetches afresh
    throw e;
  }

  const webgpu = !preferWasm && (await hasWebGpuAdapter());
  const ort = webgpu ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
  ort.env.wasm.numThreads = 1; // threads need cross-origin isolation and made this tiny tower slower
  ort.env.wasm.wasmPaths = wasmUrl(ort.env.versions.web ?? '', webgpu);
  const session = await ort.InferenceSession.create(model.userTower, { executionProviders: [webgpu ? 'webgpu' : 'wasm'] });

  const catalog = await fetchCatalogRows(model.manifest.catalogVersion);
  return {
    model,
    session,
    TensorCtor: ort.Tensor,
    source: webgpu ? 'device-webgpu' : 'device-wasm',
    catalog,
    index: new Map(model.skus.map((s, i) => [s, i])),
    scorer: prepareScorer(model.items, model.manifest.dim),
    loadMs: performance.now() - started,
  };
}

let ready: Promise<Ready> | undefined;
let readyPin: string | null = null;
let queue: Promise<unknown> = Promise.resolve();
const enqueue = <T>(job: () => Promise<T>): Promise<T> => {
  const run = queue.then(job);
  queue = run.catch(() => undefined);
  return run;
};

async function rank(req: RankRequest): Promise<RankResponse> {
  const pin = req.modelVersion ?? null;
  if (pin !== readyPin) ready = undefined; // the configuration moved the store to another version
  readyPin = pin;
  ready ??= init(req.preferWasm ?? false, pin);
  const r = await ready.catch((e: unknown) => {
    ready = undefined; // a later request retries: recovery on the next good load
    throw e;
  });
  const first = r.loadMs;
  r.loadMs = 0;
  const { manifest, items, skus } = r.model;
  const d = manifest.dim;
  const H = manifest.features.historyLength;
  const { rules } = req;
  const now = Date.now();
  const events = rules.anchorSku ? [...req.history, { sku: rules.anchorSku, at: now, kind: 'purchase' as const }] : req.history;
  const h = historyInputs(events, r.index, now, manifest.features);
  const x = towerInputs(items, d, [h], H);
  const [embName, wName] = manifest.userTower.inputs.map((t) => t.name) as [string, string];
  const outName = manifest.userTower.outputs[0]!.name;
  const t0 = performance.now();
  const out = await enqueue(() =>
    r.session.run({ [embName]: new r.TensorCtor('float32', x.embeddings, [1, H, d]), [wName]: new r.TensorCtor('float32', x.weights, [1, H]) }),
  );
  const user = (await out[outName]!.getData()) as Float32Array;
  const t1 = performance.now();
  const ctx = userContext(r.model.signals, h);
  const dots = r.scorer.dots(user);
  const shopper = { history: req.history, cart: req.cart, now };
  const catalogue = { index: r.index, category: (i: number) => r.catalog[i]?.[3], n: skus.length };
  let top: number[];
  let scoreOf: (i: number) => number;
  if (rules.ranking === 'repeat') {
    const ranked = repeatScores(manifest.scorer, r.model.signals, ctx, dots);
    const byId = new Map(ranked);
    top = selectRepeat(rules, ranked, shopper, catalogue);
    scoreOf = (i) => byId.get(i) ?? 0;
  } else {
    const scores = rankingScores(rules.ranking, manifest.scorer, r.model.signals, ctx, dots);
    top = selectShelf(rules, scores, shopper, catalogue);
    scoreOf = (i) => scores[i]!;
  }
  const t2 = performance.now();
  return {
    id: req.id,
    ok: true,
    items: top.map((i) => ({ sku: skus[i]!, name: r.catalog[i]![1], price: r.catalog[i]![2], score: scoreOf(i) })),
    source: r.source,
    modelVersion: manifest.version,
    ranking: rules.ranking,
    timings: { loadMs: Math.round(first), inferenceMs: t1 - t0, rankingMs: t2 - t1, scorer: r.scorer.kind },
    historyUsed: [...h.ids].filter((i) => i >= 0).map((i) => skus[i]!),
  };
}

function percentiles(ms: number[]): Percentiles {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p95: at(0.95), runs: s.length };
}

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
function syntheticSignals(n: number): ItemSignals {
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
function syntheticItems(n: number, d: number): Float32Array {
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

async function bench(req: BenchRequest): Promise<BenchResult> {
  const started = performance.now();
  ready ??= init(req.preferWasm ?? false, readyPin);
  const r = await ready;
  const loadMs = performance.now() - started;
  const { manifest, items } = r.model;
  const d = manifest.dim;
  const H = manifest.features.historyLength;
  const [embName, wName] = manifest.userTower.inputs.map((t) => t.name) as [string, string];
  // A full history: the best sellers, equally weighted.
  const history = { ids: Int32Array.from({ length: H }, (_, i) => i), weights: new Float32Array(H).fill(1), counts: new Float32Array(H).fill(1), ages: new Float32Array(H).fill(10) };
  const x = towerInputs(items, d, [history], H);
  const infer = () => enqueue(() => r.session.run({ [embName]: new r.TensorCtor('float32', x.embeddings.slice(), [1, H, d]), [wName]: new r.TensorCtor('float32', x.weights.slice(), [1, H]) }));
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
  // A ranking as the shelves run it: dot products, the explore head over every item, top 10.
  const rankWith = (scorer: PreparedScorer, signals: ItemSignals) => () => topK(rankingScores('explore', manifest.scorer, signals, userContext(signals, history), scorer.dots(user)), 10);
  const ranking = await time(rankWith(r.scorer, r.model.signals));
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
    const simd = prepareScorer(big, d);
    const wasm = { float32: await measure(simd), int8: await measure(prepareInt8Scorer(q, scales, d)) };
    const dotOnly = await time(() => topK(simd.dots(user), 10), runs);
    // What must stream through memory at least once: the rows, the signals the head reads per item (five
    // float32 vectors, a category byte, token offsets and about three uint16 tokens, the co-purchase
    // vector), then the scores written and read by top-K.
    const floor = (rowBytes: number) => (n * d * rowBytes + n * (4 * 5 + 1 + 4 + 6 + 4 + 8)) / bandwidthBytesPerMs;
    synthetic.push({ items: n, js, wasm, dotOnly, floorMs: { float32: floor(4), int8: floor(1) } });
  }
  return { source: r.source, modelVersion: manifest.version, itemCount: manifest.itemCount, loadMs, firstInferenceMs, inference, ranking, scorer: r.scorer.kind, synthetic, bandwidthBytesPerMs };
}

self.onmessage = (e: MessageEvent<RankRequest | BenchRequest | { crash: true }>) => {
  const msg = e.data;
  if ('crash' in msg) {
    // Fault injection (`?fault=worker-crash`): die with a request in flight, as a real crash would.
    setTimeout(() => {
      throw new Error('simulated crash');
    });
    return;
  }
  if ('bench' in msg) {
    bench(msg).then(
      (result) => self.postMessage({ id: msg.id, ok: true, bench: result } satisfies BenchResponse),
      (err: unknown) => self.postMessage({ id: msg.id, ok: false, reason: String(err) } satisfies BenchResponse),
    );
    return;
  }
  rank(msg).then(
    (res) => self.postMessage(res),
    (err: unknown) => self.postMessage({ id: msg.id, ok: false, reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err) } satisfies RankResponse),
  );
};

/// <reference lib="webworker" />
/**
 * The recommender worker: owns onnxruntime-web and the model, so the page never blocks on model work.
 * One session per worker, every run() queued (two runs in flight hang the WebGPU EP).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import { fetchBytes, fetchPointer, loadDeviceModel, loadPointedModel, manifestLocation, pinnedPointer, shelfModelOf, type DeviceModel, type ReadFile } from '../recs/artifacts';
import { prepareScorer, type PreparedScorer } from '../recs/rank-wasm';
import type { BenchRequest, BenchResponse, BenchResult, EpDecision, ExecutionChoice, RankRequest, RankResponse, RankTimings, ShelfAnswer, WorkerRequest } from './protocol';
import type { DeviceSource } from '../recs/shelf-source';
import type { HistoryInputs } from '../recs/features';
import { rankShelf, shelfUser, slotIds, towerHistory, type ShelfModel, type ShelfUser } from '../recs/shelf';
import type { ShelfRules } from '../recs/shelf-rules';
import { percentiles } from '../recs/timing';
import { towerInputs } from '../recs/tower';

declare const self: DedicatedWorkerGlobalScope;

// Served from public/ort/<version>/ with immutable caching (scripts/copy-ort.mjs); the object form of
// wasmPaths fetches only the .wasm. The WebGPU build loads the asyncify variant.
const wasmUrl = (version: string, webgpu: boolean) => ({
  wasm: `/ort/${version}/ort-wasm-simd-threaded${webgpu ? '.asyncify' : ''}.wasm`,
});
const CACHE_PREFIX = 'tandem-model-';

interface Ready {
  model: DeviceModel;
  /** The session, its runtime's Tensor and source: swapped to WebGPU when the probe finds it faster. */
  session: InferenceSession;
  TensorCtor: typeof Tensor;
  source: DeviceSource;
  /** 'auto' only: the probe's measurement for this model version, once known; `probing` while it runs. */
  decision?: EpDecision;
  probing: boolean;
  choice: ExecutionChoice;
  /** The model as the shelf pipeline (lib/recs/shelf.ts) reads it. */
  shelf: ShelfModel;
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

async function createSession(model: DeviceModel, webgpu: boolean): Promise<Pick<Ready, 'session' | 'TensorCtor' | 'source'>> {
  const ort = webgpu ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
  ort.env.wasm.numThreads = 1; // threads need cross-origin isolation and made this tiny tower slower
  ort.env.wasm.wasmPaths = wasmUrl(ort.env.versions.web ?? '', webgpu);
  const session = await ort.InferenceSession.create(model.userTower, { executionProviders: [webgpu ? 'webgpu' : 'wasm'] });
  return { session, TensorCtor: ort.Tensor, source: webgpu ? 'device-webgpu' : 'device-wasm' };
}

// The execution provider is chosen by measurement, per device and model version, and remembered here.
const EP_CACHE = 'tandem-ep';
const epKey = (version: string) => `/__tandem/ep/${version}`;
async function storedDecision(version: string): Promise<EpDecision | undefined> {
  try {
    const hit = await (await caches.open(EP_CACHE)).match(epKey(version));
    const d = hit ? ((await hit.json()) as EpDecision) : undefined;
    return d?.version === version && (d.ep === 'wasm' || d.ep === 'webgpu') ? d : undefined;
  } catch {
    return undefined;
  }
}

/**
 * 'auto' starts on WASM (its runtime is the smaller download and, for a tower this small, usually the faster)
 * unless this device already measured WebGPU faster for this model; 'wasm' and 'webgpu' force one (`?ep=`).
 */
async function init(choice: ExecutionChoice, pin: string | null): Promise<Ready> {
  const started = performance.now();
  const pointer = pin ? pinnedPointer(pin) : await fetchPointer('/models/current.json', 'no-cache');
  const { read, discard } = await versionReader(manifestLocation(pointer).base, pointer.version);
  let model: DeviceModel;
  try {
    model = await loadPointedModel(read, pointer, loadDeviceModel);
  } catch (e) {
    await discard(); // never keep a bad copy: the next load fetches afresh
    throw e;
  }

  const decision = choice === 'auto' ? await storedDecision(model.manifest.version) : undefined;
  const webgpu = (choice === 'webgpu' || decision?.ep === 'webgpu') && (await hasWebGpuAdapter());
  const session = await createSession(model, webgpu);
  return {
    model,
    ...session,
    decision,
    probing: false,
    choice,
    shelf: shelfModelOf(model),
    scorer: prepareScorer(model.items, model.manifest.dim, { signals: model.signals }),
    loadMs: performance.now() - started,
  };
}

/** A full history, the best sellers equally weighted: the fixed input the probe and the bench time. */
function bestSellerHistory(H: number): HistoryInputs {
  return { ids: Int32Array.from({ length: H }, (_, i) => i), weights: new Float32Array(H).fill(1), counts: new Float32Array(H).fill(1), ages: new Float32Array(H).fill(10) };
}

/**
 * An inference of `h`, queued behind any other (read when the job runs, so a swapped session is the one used);
 * the returned function may run it again (the probe and the bench time repeats).
 */
function queuedInference(model: DeviceModel, s: Pick<Ready, 'session' | 'TensorCtor'>, h: HistoryInputs) {
  const { manifest, items } = model;
  const d = manifest.dim;
  const H = manifest.features.historyLength;
  const x = towerInputs(items, d, [h], H);
  const [embName, wName] = manifest.userTower.inputs.map((t) => t.name) as [string, string];
  return () => enqueue(() => s.session.run({ [embName]: new s.TensorCtor('float32', x.embeddings.slice(), [1, H, d]), [wName]: new s.TensorCtor('float32', x.weights.slice(), [1, H]) }));
}

/**
 * The one-time probe, after the first ranking answered (never in a shelf's way): where a WebGPU adapter
 * exists, a WebGPU session runs the same inputs as the WASM one, a few warm-ups then 15 timed runs each,
 * each run queued like a shelf's; the faster median wins and is remembered for this model version. No
 * adapter: WASM, remembered without fetching the WebGPU runtime.
 */
async function probe(r: Ready): Promise<void> {
  const version = r.model.manifest.version;
  const history = bestSellerHistory(r.model.manifest.features.historyLength);
  const timeRuns = async (s: Pick<Ready, 'session' | 'TensorCtor'>) => {
    const infer = queuedInference(r.model, s, history);
    const ms: number[] = [];
    for (let i = 0; i < 18; i++) {
      const t = performance.now();
      await infer();
      if (i >= 3) ms.push(performance.now() - t);
    }
    return percentiles(ms).p50;
  };
  let decision: EpDecision;
  const gpu = (await hasWebGpuAdapter()) ? await createSession(r.model, true).catch(() => undefined) : undefined;
  const wasmMs = await timeRuns(r);
  if (!gpu) decision = { version, ep: 'wasm', wasmMs, webgpuMs: null };
  else {
    const webgpuMs = await timeRuns(gpu).catch(() => Infinity);
    decision = { version, ep: webgpuMs < wasmMs ? 'webgpu' : 'wasm', wasmMs, webgpuMs: Number.isFinite(webgpuMs) ? webgpuMs : null };
    if (decision.ep === 'webgpu') Object.assign(r, gpu);
    else await gpu.session.release().catch(() => undefined);
  }
  r.decision = decision;
  try {
    await (await caches.open(EP_CACHE)).put(epKey(version), Response.json(decision));
  } catch {
    // no Cache Storage: the next visit probes again
  }
}

let ready: Promise<Ready> | undefined;
let readyPin: string | null = null;
let readyChoice: ExecutionChoice = 'auto';
let queue: Promise<unknown> = Promise.resolve();
const enqueue = <T>(job: () => Promise<T>): Promise<T> => {
  const run = queue.then(job);
  queue = run.catch(() => undefined);
  return run;
};

/** The model for this provider and version, loaded once; another provider or version asked for loads afresh. */
function readyFor(choice: ExecutionChoice, pin: string | null): Promise<Ready> {
  if (pin !== readyPin || choice !== readyChoice) ready = undefined;
  readyPin = pin;
  readyChoice = choice;
  ready ??= init(choice, pin);
  return ready.catch((e: unknown) => {
    ready = undefined; // a later request retries: recovery on the next good load
    throw e;
  });
}

async function rank(req: RankRequest): Promise<RankResponse> {
  const r = await readyFor(req.ep ?? 'auto', req.modelVersion ?? null);
  const first = r.loadMs;
  r.loadMs = 0;
  const now = Date.now();
  // One tower run per anchor: a product page's shelves share theirs, home's have none.
  const towers = new Map<string, Promise<Tower>>();
  const shelves: ShelfAnswer[] = [];
  for (const rules of req.shelves) {
    const anchor = rules.anchorSku ?? '';
    const fresh = !towers.has(anchor);
    if (fresh) towers.set(anchor, runTower(r, req, rules.anchorSku, now));
    const tower = await towers.get(anchor)!;
    shelves.push(answerShelf(r, req, rules, tower, { loadMs: shelves.length === 0 ? Math.round(first) : 0, ...(fresh ? { inferenceMs: tower.inferenceMs } : { inferenceMs: 0, sharedTower: true as const }) }, now));
  }
  if (r.choice === 'auto' && !r.decision && !r.probing) {
    r.probing = true;
    // After this answer is posted: the probe's runs queue behind it, never ahead of it.
    setTimeout(() => void probe(r).finally(() => (r.probing = false)), 0);
  }
  return { id: req.id, ok: true, shelves };
}

/** The user tower's run for one anchor (the history with the product on screen as a purchase), shared by that anchor's shelves. */
interface Tower {
  user: ShelfUser;
  inferenceMs: number;
}

async function runTower(r: Ready, req: RankRequest, anchorSku: string | undefined, now: number): Promise<Tower> {
  const { manifest } = r.model;
  const h = towerHistory(r.shelf, { history: req.history, cart: req.cart, now }, anchorSku);
  const t0 = performance.now();
  const out = await queuedInference(r.model, r, h)();
  const vector = (await out[manifest.userTower.outputs[0]!.name]!.getData()) as Float32Array;
  return { user: shelfUser(r.shelf, h, () => r.scorer.dots(vector)), inferenceMs: performance.now() - t0 };
}

function answerShelf(r: Ready, req: RankRequest, rules: ShelfRules, tower: Tower, t: Pick<RankTimings, 'loadMs' | 'inferenceMs' | 'sharedTower'>, now: number): ShelfAnswer {
  const t1 = performance.now();
  r.scorer.headRan();
  const items = rankShelf(r.shelf, rules, { history: req.history, cart: req.cart, now }, tower.user, { kernel: r.scorer, parts: true });
  const head = r.scorer.headRan();
  return {
    items,
    source: r.source,
    modelVersion: r.model.manifest.version,
    ranking: rules.ranking,
    timings: { ...t, rankingMs: performance.now() - t1, scorer: r.scorer.kind, ...(head ? { head } : {}) },
    historyUsed: slotIds(tower.user.inputs).map((i) => r.model.skus[i]!),
    ...(r.decision ? { epDecision: r.decision } : {}),
  };
}

/** The bench code loads only when a bench asks (`/?bench=1`): never part of a shopper's worker download. */
async function benchHere(req: BenchRequest): Promise<BenchResult> {
  const started = performance.now();
  const r = await readyFor(req.ep ?? 'auto', readyPin);
  const loadMs = performance.now() - started;
  const { runBench } = await import('./worker-bench');
  const history = bestSellerHistory(r.model.manifest.features.historyLength);
  return runBench(req, { model: r.model, scorer: r.scorer, source: r.source, loadMs, history, infer: queuedInference(r.model, r, history) });
}

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const msg = e.data;
  switch (msg.type) {
    case 'crash':
      // Fault injection (`?fault=worker-crash`): die with a request in flight, as a real crash would.
      setTimeout(() => {
        throw new Error('simulated crash');
      });
      return;
    case 'bench':
      benchHere(msg).then(
        (result) => self.postMessage({ id: msg.id, ok: true, bench: result } satisfies BenchResponse),
        (err: unknown) => self.postMessage({ id: msg.id, ok: false, reason: String(err) } satisfies BenchResponse),
      );
      return;
    case 'rank':
      rank(msg).then(
        (res) => self.postMessage(res),
        (err: unknown) => self.postMessage({ id: msg.id, ok: false, reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err) } satisfies RankResponse),
      );
  }
};

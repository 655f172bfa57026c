/// <reference lib="webworker" />
/**
 * The recommender worker: owns onnxruntime-web and the model, so the page never blocks on model work.
 * One session per worker, every run() queued (two runs in flight hang the WebGPU EP).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import { ArtifactError, fetchBytes, fetchPointer, loadDeviceModel, loadPointedModel, manifestLocation, pinnedPointer, readVerified, shelfModelOf, type DeviceModel, type ReadFile } from '../recs/artifacts';
import { SCORER_INPUTS, SCORER_OUTPUTS, type Pointer } from '../recs/manifest';
import { prepareScorer, type PreparedScorer } from '../recs/rank-wasm';
import type { BenchRequest, BenchResponse, BenchResult, EpDecision, ExecutionChoice, GoldenRequest, GoldenResponse, RankRequest, RankResponse, RankTimings, ScoringPath, ShelfAnswer, VersionFallback, WorkerRequest } from './protocol';
import type { DeviceSource } from '../recs/shelf-source';
import type { HistoryInputs } from '../recs/features';
import { allScores, graphUser, rankShelf, shelfUser, slotIds, towerHistory, type ShelfModel, type ShelfUser } from '../recs/shelf';
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

interface Ready extends Session {
  model: DeviceModel;
  /** The version's files, through its cache: the scorer graph is read only when a path needs it. */
  read: ReadFile;
  /** 'auto' only: the probe's measurement for this model version, once known; `probing` while it runs. */
  decision?: EpDecision;
  probing: boolean;
  choice: ExecutionChoice;
  /** The model as the shelf pipeline (lib/recs/shelf.ts) reads it. */
  shelf: ShelfModel;
  /** The item rows, copied once into the SIMD kernel's memory (or the JavaScript scorer). */
  scorer: PreparedScorer;
  loadMs: number;
  /** The version asked for failed its checks: this is the previous one this device used. */
  fellBackFrom?: VersionFallback;
}

/** An onnxruntime-web session, its runtime's Tensor and source, and what it runs: swapped when the probe finds another faster. */
interface Session {
  session: InferenceSession;
  TensorCtor: typeof Tensor;
  source: DeviceSource;
  path: ScoringPath;
}

/** Reads a version's files through Cache Storage: fetched once per version, then served from the device. */
async function versionReader(base: string, version: string): Promise<{ read: ReadFile; discard: () => Promise<void> }> {
  const name = `${CACHE_PREFIX}${version}`;
  const cache = typeof caches !== 'undefined' ? await caches.open(name).catch(() => undefined) : undefined;
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

/**
 * The versions this device used, newest first, at most KEEP_VERSIONS: a model experiment's arms, or a rollback,
 * switch between two versions without a download. Remembered beside the files (Cache Storage), so it is the
 * device's, never sent anywhere.
 */
const KEEP_VERSIONS = 2;
const usedKey = '/__tandem/used-versions';
async function usedVersions(): Promise<string[]> {
  try {
    const hit = await (await caches.open(EP_CACHE)).match(usedKey);
    const list: unknown = hit ? await hit.json() : [];
    return Array.isArray(list) ? list.filter((v): v is string => typeof v === 'string' && /^[0-9a-f]{12}$/.test(v)) : [];
  } catch {
    return [];
  }
}

/** `version` loaded and checked: it becomes the newest used; the files of versions past the newest two are deleted. */
async function rememberUse(version: string): Promise<void> {
  if (typeof caches === 'undefined') return;
  try {
    const keep = [version, ...(await usedVersions()).filter((v) => v !== version)].slice(0, KEEP_VERSIONS);
    await (await caches.open(EP_CACHE)).put(usedKey, Response.json(keep));
    for (const key of await caches.keys()) if (key.startsWith(CACHE_PREFIX) && !keep.includes(key.slice(CACHE_PREFIX.length))) await caches.delete(key);
  } catch {
    // no Cache Storage: nothing kept, nothing to delete
  }
}

/**
 * The version `pointer` names, checked (sizes, hashes, version); a version that fails is deleted from the device
 * and the previous version this device used is loaded instead, saying why (the shelves report it as a fallback).
 * Never a wrong ranking: the previous version passed the same checks, or nothing loads and the edge ranks.
 */
async function loadVersion(pointer: Pointer): Promise<{ model: DeviceModel; read: ReadFile; fellBackFrom?: VersionFallback }> {
  const first = await versionReader(manifestLocation(pointer).base, pointer.version);
  try {
    const model = await loadPointedModel(first.read, pointer, loadDeviceModel);
    await rememberUse(model.manifest.version);
    return { model, read: first.read };
  } catch (e) {
    await first.discard(); // never keep a bad copy: the next load fetches afresh
    const previous = (await usedVersions()).find((v) => v !== pointer.version);
    if (!previous) throw e;
    const back = pinnedPointer(previous);
    const second = await versionReader(manifestLocation(back).base, previous);
    const model = await loadPointedModel(second.read, back, loadDeviceModel).catch(() => {
      throw e;
    });
    await rememberUse(previous);
    return { model, read: second.read, fellBackFrom: { version: pointer.version, reason: e instanceof Error ? e.message : String(e) } };
  }
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

/**
 * The scorer graph's bytes, checked like every file (size, sha256), and its interface checked against the names
 * this worker feeds and reads: a version without one, or with another interface, is an ArtifactError (the kernel
 * path, or the edge, ranks instead: never a wrong ranking).
 */
async function graphBytes(model: DeviceModel, read: ReadFile): Promise<Uint8Array> {
  const { files, scorerGraph, features, itemCount } = model.manifest;
  if (!files.scorer || !scorerGraph) throw new ArtifactError('this version ships no scorer graph');
  const names = (ts: { name: string; shape: (number | string)[] }[]) => ts.map((t) => `${t.name}[${t.shape}]`).join();
  const want = { inputs: SCORER_INPUTS.map((name) => ({ name, shape: [1, features.historyLength] })), outputs: SCORER_OUTPUTS.map((name) => ({ name, shape: [1, itemCount] })) };
  if (names(scorerGraph.inputs) !== names(want.inputs) || names(scorerGraph.outputs) !== names(want.outputs)) throw new ArtifactError(`scorer graph: interface ${names(scorerGraph.inputs)} → ${names(scorerGraph.outputs)} is not the one this worker runs`);
  return readVerified(read, files.scorer);
}

async function createSession(model: DeviceModel, read: ReadFile, path: ScoringPath, webgpu: boolean): Promise<Session> {
  return openSession(path === 'graph' ? await graphBytes(model, read) : model.userTower, webgpu, path);
}

async function openSession(bytes: Uint8Array, webgpu: boolean, path: ScoringPath): Promise<Session> {
  const ort = webgpu ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
  ort.env.wasm.numThreads = 1; // threads need cross-origin isolation and made this tiny tower slower
  ort.env.wasm.wasmPaths = wasmUrl(ort.env.versions.web ?? '', webgpu);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [webgpu ? 'webgpu' : 'wasm'] });
  return { session, TensorCtor: ort.Tensor, source: webgpu ? 'device-webgpu' : 'device-wasm', path };
}

// The path and provider are chosen by measurement, per device and model version, and remembered here.
const EP_CACHE = 'tandem-ep';
const epKey = (version: string) => `/__tandem/ep/${version}`;
async function storedDecision(version: string): Promise<EpDecision | undefined> {
  try {
    const hit = await (await caches.open(EP_CACHE)).match(epKey(version));
    const d = hit ? ((await hit.json()) as EpDecision) : undefined;
    // A decision from before the graph was a candidate has no path: measured again.
    return d?.version === version && (d.ep === 'wasm' || d.ep === 'webgpu') && (d.path === 'kernel' || d.path === 'graph') ? d : undefined;
  } catch {
    return undefined;
  }
}

const forcedPath = (choice: ExecutionChoice): { path: ScoringPath; ep: 'wasm' | 'webgpu' } | undefined =>
  choice === 'auto' ? undefined : { path: choice.startsWith('graph-') ? 'graph' : 'kernel', ep: choice.endsWith('webgpu') ? 'webgpu' : 'wasm' };

/**
 * 'auto' starts with the tower on WASM and the kernel (the smallest download, and the fastest path measured on
 * the machines we have) unless this device already measured another path faster for this model; the other
 * choices force one (`?ep=`). A remembered graph path that fails to start falls back to the kernel.
 */
async function init(choice: ExecutionChoice, pin: string | null): Promise<Ready> {
  const started = performance.now();
  const pointer = pin ? pinnedPointer(pin) : await fetchPointer('/models/current.json', 'no-cache');
  const { model, read, fellBackFrom } = await loadVersion(pointer);

  const decision = choice === 'auto' ? await storedDecision(model.manifest.version) : undefined;
  const want = forcedPath(choice) ?? decision ?? { path: 'kernel' as const, ep: 'wasm' as const };
  const webgpu = want.ep === 'webgpu' && (await hasWebGpuAdapter());
  const session = await createSession(model, read, want.path, webgpu).catch((e: unknown) => {
    if (forcedPath(choice) || want.path === 'kernel') throw e;
    return createSession(model, read, 'kernel', false);
  });
  return {
    model,
    read,
    ...session,
    decision,
    probing: false,
    choice,
    shelf: shelfModelOf(model),
    scorer: prepareScorer(model.items, model.manifest.dim, { signals: model.signals }),
    loadMs: performance.now() - started,
    ...(fellBackFrom ? { fellBackFrom } : {}),
  };
}

/** A full history, the best sellers equally weighted: the fixed input the probe and the bench time. */
function bestSellerHistory(H: number): HistoryInputs {
  return { ids: Int32Array.from({ length: H }, (_, i) => i), weights: new Float32Array(H).fill(1), counts: new Float32Array(H).fill(1), ages: new Float32Array(H).fill(10) };
}

/** A session's feeds for `h`: the tower's embeddings and weights, or the graph's four slot arrays. */
function feeds(model: DeviceModel, s: Session, h: HistoryInputs): InferenceSession.FeedsType {
  const { manifest, items } = model;
  const H = manifest.features.historyLength;
  const T = s.TensorCtor;
  if (s.path === 'graph') {
    const slots = [Float32Array.from(h.ids), h.weights, h.counts, h.ages];
    return Object.fromEntries(SCORER_INPUTS.map((name, k) => [name, new T('float32', Float32Array.from(slots[k]!), [1, H])]));
  }
  const d = manifest.dim;
  const x = towerInputs(items, d, [h], H);
  const [embName, wName] = manifest.userTower.inputs.map((t) => t.name) as [string, string];
  return { [embName]: new T('float32', x.embeddings, [1, H, d]), [wName]: new T('float32', x.weights, [1, H]) };
}

/**
 * A scoring of `h`, queued behind any other (the session and its path read when the job runs, so a swapped
 * session is the one used); the returned function may run it again (the probe and the bench time repeats).
 */
function queuedInference(model: DeviceModel, s: Session, h: HistoryInputs) {
  return () => enqueue(() => s.session.run(feeds(model, s, h)));
}

/**
 * Every product scored for `h`, as a shelf needs: the graph's three outputs read back; or the tower's vector,
 * then the kernel's dot products (and, with `head`, its "all" ranking: what the graph computes in one run).
 */
async function scoreUser(r: Pick<Ready, 'model' | 'shelf' | 'scorer'>, s: Session, h: HistoryInputs, head = false): Promise<ShelfUser> {
  const out = await queuedInference(r.model, s, h)();
  if (out[SCORER_OUTPUTS[2]]) {
    const [explore, repeat, all] = (await Promise.all(SCORER_OUTPUTS.map((name) => out[name]!.getData()))) as Float32Array[];
    return graphUser(r.shelf, h, { explore: explore!, repeat: repeat!, all: all! });
  }
  const vector = (await out[r.model.manifest.userTower.outputs[0]!.name]!.getData()) as Float32Array;
  const user = shelfUser(r.shelf, h, () => r.scorer.dots(vector));
  if (head) allScores(r.shelf, user, r.scorer);
  return user;
}

/**
 * The one-time probe, after the first ranking answered (never in a shelf's way): every candidate this device
 * can run (the tower then the kernel, the whole graph; each on WASM and, where an adapter exists, WebGPU)
 * scores the same history, a few warm-ups then 15 timed runs each, each run queued like a shelf's and timed
 * the same way, to every product's "all" score; the fastest median wins and is remembered for this model
 * version. No adapter: the WebGPU runtime is never fetched.
 */
async function probe(r: Ready): Promise<void> {
  const { version } = r.model.manifest;
  const history = bestSellerHistory(r.model.manifest.features.historyLength);
  const timeRuns = async (s: Session) => {
    const ms: number[] = [];
    for (let i = 0; i < 18; i++) {
      const t = performance.now();
      await scoreUser(r, s, history, true);
      if (i >= 3) ms.push(performance.now() - t);
    }
    return percentiles(ms).p50;
  };
  const gpu = await hasWebGpuAdapter();
  // Measuring the graph costs its download once per version (about 470 KB brotli): not where the shopper asked to save data.
  const saveData = (navigator as Navigator & { connection?: { saveData?: boolean } }).connection?.saveData === true;
  const paths = saveData ? (['kernel'] as const) : (['kernel', 'graph'] as const);
  const candidates = paths.flatMap((path) => [{ path, ep: 'wasm' as const }, ...(gpu ? [{ path, ep: 'webgpu' as const }] : [])]);
  const own = (c: { path: ScoringPath; ep: string }) => c.path === r.path && `device-${c.ep}` === r.source;
  const measured: { path: ScoringPath; ep: 'wasm' | 'webgpu'; ms: number; s?: Session }[] = [];
  for (const c of candidates) {
    const s = own(c) ? r : await createSession(r.model, r.read, c.path, c.ep === 'webgpu').catch(() => undefined);
    const ms = s ? await timeRuns(s).catch(() => Infinity) : Infinity;
    measured.push({ ...c, ms, ...(s && !own(c) ? { s } : {}) });
  }
  const best = measured.reduce((a, b) => (b.ms < a.ms ? b : a));
  const msOf = (path: ScoringPath, ep: string) => {
    const m = measured.find((x) => x.path === path && x.ep === ep)?.ms;
    return m !== undefined && Number.isFinite(m) ? m : null;
  };
  const decision: EpDecision = { version, path: best.path, ep: best.ep, wasmMs: msOf('kernel', 'wasm') ?? Infinity, webgpuMs: msOf('kernel', 'webgpu'), graphWasmMs: msOf('graph', 'wasm'), graphWebgpuMs: msOf('graph', 'webgpu') };
  const before = r.session;
  if (best.s) Object.assign(r, best.s);
  // Released once no queued run can still reach them (the release itself queues behind those runs).
  for (const old of [...measured.filter((m) => m.s && m !== best).map((m) => m.s!.session), ...(best.s ? [before] : [])]) await enqueue(() => old.release()).catch(() => undefined);
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

/** The scoring for one anchor (the history with the product on screen as a purchase), shared by that anchor's shelves. */
interface Tower {
  user: ShelfUser;
  inferenceMs: number;
}

async function runTower(r: Ready, req: RankRequest, anchorSku: string | undefined, now: number): Promise<Tower> {
  const h = towerHistory(r.shelf, { history: req.history, cart: req.cart, now }, anchorSku);
  const t0 = performance.now();
  const user = await scoreUser(r, r, h);
  return { user, inferenceMs: performance.now() - t0 };
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
    timings: { ...t, rankingMs: performance.now() - t1, scorer: tower.user.heads ? 'graph' : r.scorer.kind, ...(head ? { head } : {}) },
    historyUsed: slotIds(tower.user.inputs).map((i) => r.model.skus[i]!),
    ...(r.decision ? { epDecision: r.decision } : {}),
    ...(r.fellBackFrom ? { fellBackFrom: r.fellBackFrom } : {}),
  };
}

/** The bench code loads only when a bench asks (`/?bench=1`): never part of a shopper's worker download. */
async function benchHere(req: BenchRequest): Promise<BenchResult> {
  const started = performance.now();
  const r = await readyFor(req.ep ?? 'auto', readyPin);
  const loadMs = performance.now() - started;
  const { runBench } = await import('./worker-bench');
  const history = bestSellerHistory(r.model.manifest.features.historyLength);
  const webgpu = r.source === 'device-webgpu';
  // A graph on this bench's provider: the version's own (null where it has none) or a synthetic catalogue's.
  const openGraph = async (bytes?: Uint8Array) => {
    const graph = bytes ?? (await graphBytes(r.model, r.read).catch(() => null));
    if (!graph) return null;
    const s = await openSession(graph, webgpu, 'graph');
    // Scored as the probe and the shelves score (scoreUser: the same feeds, the three outputs read back).
    return { run: async (h: HistoryInputs) => (await scoreUser(r, s, h)).heads!.all, release: () => enqueue(() => s.session.release()) };
  };
  return runBench(req, { model: r.model, scorer: r.scorer, source: r.source, loadMs, history, infer: queuedInference(r.model, r, history), scoreKernel: () => scoreUser(r, r, history, true), openGraph });
}

/** golden.json through the path `ep` names (`/?bench=1`, e2e): the device checks itself. */
async function goldenHere(req: GoldenRequest): Promise<GoldenResponse> {
  const r = await readyFor(req.ep, readyPin);
  const { goldenOnDevice } = await import('./worker-bench');
  const cases = await goldenOnDevice(r.model, r.read, (h) => scoreUser(r, r, h), r.scorer.dense);
  return { id: req.id, ok: true, source: r.source, path: r.path, cases };
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
    case 'golden':
      goldenHere(msg).then(
        (res) => self.postMessage(res),
        (err: unknown) => self.postMessage({ id: msg.id, ok: false, reason: String(err) } satisfies GoldenResponse),
      );
      return;
    case 'rank':
      rank(msg).then(
        (res) => self.postMessage(res),
        (err: unknown) => self.postMessage({ id: msg.id, ok: false, reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err) } satisfies RankResponse),
      );
  }
};

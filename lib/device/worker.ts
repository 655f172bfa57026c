/// <reference lib="webworker" />
/**
 * The recommender worker: owns onnxruntime-web and the model, so the page never blocks on model work. This
 * file loads a version and dispatches messages; the parts are modules of their own: the version's files on
 * the device (./version-cache.ts), the sessions and their one queue (./sessions.ts), the path chosen by
 * measurement (./probe.ts), a rank request's answer (./rank-handler.ts, run in Node by its tests).
 */
import { fetchPointer, pinnedPointer, shelfModelOf, type DeviceModel, type ReadFile } from '../recs/artifacts';
import { SCORER_OUTPUTS } from '../recs/manifest';
import { prepareScorer } from '../recs/rank-wasm';
import type { HistoryInputs } from '../recs/features';
import { allScores, graphUser, shelfUser, type ShelfUser } from '../recs/shelf';
import type { BenchRequest, BenchResponse, BenchResult, EpDecision, ExecutionChoice, GoldenRequest, GoldenResponse, RankRequest, RankResponse, WarmRequest, WorkerRequest } from './protocol';
import { forcedPath, probe, PROBE_IDLE_MS, storedDecision } from './probe';
import { answerRank, type Ranker } from './rank-handler';
import { bestSellerHistory, createSession, enqueue, graphBytes, openSession, queuedInference, webGpuAdapter, type Session } from './sessions';
import { loadVersion } from './version-cache';
import { partedModel, type PartedVersion, type PartsWanted } from '../recs/parted-model';
import type { GraphTable } from '../recs/graph-tables';

declare const self: DedicatedWorkerGlobalScope;

interface Ready extends Session, Omit<Ranker, 'score'> {
  /** The version's files, through its cache: the scorer graph is read only when a path needs it. */
  read: ReadFile;
  /** A catalogue shipped in parts: `model` is the local catalogue of the parts fetched so far. */
  parted?: PartedVersion;
  /** 'auto' only: the probe's measurement for this model version, once known; `probing` while it runs. */
  decision?: EpDecision;
  probing: boolean;
  choice: ExecutionChoice;
  loadMs: number;
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
 * 'auto' starts with the tower on WASM and the kernel (the smallest download, and the fastest path measured on
 * the machines we have) unless this device already measured another path faster for this model; the other
 * choices force one (`?ep=`). A remembered graph path that fails to start falls back to the kernel.
 */
async function init(choice: ExecutionChoice, pin: string | null): Promise<Ready> {
  const started = performance.now();
  const pointer = pin ? pinnedPointer(pin) : await fetchPointer('/models/current.json', 'no-cache');
  const { model, read, fellBackFrom, parted } = await loadVersion(pointer);

  const decision = forcedPath(choice) ? undefined : await storedDecision(model.manifest.version);
  const asked = forcedPath(choice) ?? decision ?? { path: 'kernel' as const, ep: 'wasm' as const };
  // A catalogue in parts has no whole graph to run on the device: the kernel ranks its local catalogue.
  const want = parted ? { ...asked, path: 'kernel' as const } : asked;
  const webgpu = want.ep === 'webgpu' && (await webGpuAdapter()) !== null;
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
    ...(parted ? { parted } : {}),
  };
}

/**
 * A catalogue in parts: the local catalogue with the parts this request's shelves need (the history's, the
 * cart's and the page's products, their communities' heads, a basket's complements), and the shelf model and
 * kernel rebuilt when it grew.
 */
async function withParts(r: Ready, req: Pick<RankRequest, 'history' | 'cart' | 'shelves'>): Promise<void> {
  if (!r.parted) return;
  const anchors = req.shelves.flatMap((s) => (s.anchorSku ? [s.anchorSku] : []));
  const basket = req.shelves.some((s) => s.ranking === 'complement') ? [...req.cart, ...anchors] : [];
  // Newest first (the history is): the heads kept are those of the storefronts of the shopper's latest products.
  // A pinned product is shown wherever the shelf's rules allow it, held or not: its bucket comes too.
  await grow(r, { skus: [...anchors, ...req.cart, ...req.history.map((e) => e.sku)], basket, pinned: req.shelves.flatMap((s) => s.pin) });
}

async function grow(r: Ready, wanted: PartsWanted): Promise<void> {
  if (!r.parted) return;
  const model = await partedModel(r.parted, wanted);
  if (model === r.model) return;
  r.model = model;
  r.shelf = shelfModelOf(model);
  r.scorer = prepareScorer(model.items, model.manifest.dim, { signals: model.signals });
}

/**
 * A product the shopper reached for: its page's parts now (its bucket and head, merged; its complements' buckets
 * fetched and set aside until its page's "bought together" shelf asks, so the view is not kept behind a merge).
 */
async function warm(req: WarmRequest): Promise<void> {
  const r = await ready?.catch(() => undefined);
  if (!r?.parted) return;
  await grow(r, { skus: req.skus, ahead: req.skus });
}

let ready: Promise<Ready> | undefined;
let readyPin: string | null = null;
let readyChoice: ExecutionChoice = 'auto';

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

let probeTimer: ReturnType<typeof setTimeout> | undefined;
/** The probe, once this version has no decision, after PROBE_IDLE_MS without a ranking (each one pushes it back). */
function probeWhenIdle(r: Ready): void {
  if (forcedPath(r.choice) || r.decision || r.probing) return;
  clearTimeout(probeTimer);
  probeTimer = setTimeout(() => {
    r.probing = true;
    const open = (path: 'kernel' | 'graph', webgpu: boolean) => createSession(r.model, r.read, path, webgpu);
    const probed = Object.assign(r, { open, graph: !r.parted, scoreAll: (s: Session, h: HistoryInputs) => scoreUser(r, s, h, true) });
    void probe(probed).finally(() => (r.probing = false));
  }, PROBE_IDLE_MS);
}

async function rank(req: RankRequest): Promise<RankResponse> {
  const r = await readyFor(req.ep ?? 'auto', req.modelVersion ?? null);
  const started = performance.now();
  await withParts(r, req);
  // The first request's load, and any parts this one fetched, are reported as its shelves' load time.
  const first = r.loadMs + (performance.now() - started);
  r.loadMs = 0;
  // This request's catalogue as it is now: parts another request (or a warm) brings meanwhile swap r's model,
  // shelf and kernel, never the ones this ranking is half-way through.
  const now = { model: r.model, shelf: r.shelf, scorer: r.scorer };
  const shelves = await answerRank({ ...r, ...now, score: (h) => scoreUser(now, r, h) }, req, first);
  probeWhenIdle(r);
  return { id: req.id, ok: true, shelves };
}

/** The bench code loads only when a bench asks (`/?bench=1`): never part of a shopper's worker download. */
async function benchHere(req: BenchRequest): Promise<BenchResult> {
  const started = performance.now();
  const r = await readyFor(req.ep ?? 'auto', readyPin);
  const loadMs = performance.now() - started;
  const { runBench } = await import('./worker-bench');
  const history = bestSellerHistory(r.model.manifest.features.historyLength);
  const webgpu = r.source === 'device-webgpu';
  // The version's graph on this bench's provider (null where it has none), fed its own tables or a synthetic catalogue's.
  const openGraph = async () => {
    const graph = await graphBytes(r.model, r.read).catch(() => null);
    if (!graph) return null;
    const s = await openSession(graph, webgpu, 'graph');
    const all = SCORER_OUTPUTS[2];
    return {
      run: async (h: HistoryInputs, tables?: Partial<Record<string, GraphTable>>) => (await (await queuedInference(r.model, s, h, tables)())[all]!.getData()) as Float32Array,
      inputs: r.model.manifest.scorerGraph?.inputs ?? [],
      release: () => enqueue(() => s.session.release()),
    };
  };
  return runBench(req, { model: r.model, scorer: r.scorer, source: r.source, loadMs, history, infer: queuedInference(r.model, r, history), scoreKernel: () => scoreUser(r, r, history, true), openGraph });
}

/** golden.json through the path `ep` names (`/?bench=1`, e2e): the device checks itself. */
async function goldenHere(req: GoldenRequest): Promise<GoldenResponse> {
  const r = await readyFor(req.ep, readyPin);
  if (r.parted) throw new Error('golden.json ranks the whole catalogue: a version in parts ranks the parts a device has (its recall against the whole is measured by npm run bench -- --scale)');
  const { goldenOnDevice } = await import('./worker-bench');
  const cases = await goldenOnDevice(r.model as DeviceModel, r.read, (h) => scoreUser(r, r, h), r.scorer.dense);
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
    case 'warm':
      warm(msg).catch(() => {}); // a part that cannot be had now is fetched (or reported) when a ranking needs it
      return;
    case 'rank':
      rank(msg).then(
        (res) => self.postMessage(res),
        (err: unknown) => self.postMessage({ id: msg.id, ok: false, reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err) } satisfies RankResponse),
      );
  }
};

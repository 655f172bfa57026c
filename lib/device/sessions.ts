/**
 * onnxruntime-web sessions in the worker: the runtime loaded only for the provider asked for (the WebGPU build is
 * fetched only where it will run), one queue for every run() (two runs in flight hang the WebGPU provider), and
 * a run's feeds for either path (the user tower, or the whole scorer graph).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import { ArtifactError, readVerified, type DeviceModel, type ReadFile } from '../recs/artifacts';
import type { HistoryInputs } from '../recs/features';
import { graphFeeds, tablesFor, type GraphTable } from '../recs/graph-tables';
import { SCORER_INPUTS, SCORER_OUTPUTS, SCORER_TABLES } from '../recs/manifest';
import type { DeviceSource } from '../recs/shelf-source';
import { towerInputs } from '../recs/tower';
import type { ScoringPath } from './protocol';

/** An onnxruntime-web session, its runtime's Tensor and source, and what it runs: swapped when the probe finds another faster. */
export interface Session {
  session: InferenceSession;
  TensorCtor: typeof Tensor;
  source: DeviceSource;
  path: ScoringPath;
}

// Served from public/ort/<version>/ with immutable caching (scripts/copy-ort.mjs); the object form of
// wasmPaths fetches only the .wasm. The WebGPU build loads the asyncify variant.
const wasmUrl = (version: string, webgpu: boolean) => ({
  wasm: `/ort/${version}/ort-wasm-simd-threaded${webgpu ? '.asyncify' : ''}.wasm`,
});

let queue: Promise<unknown> = Promise.resolve();
/** Every session run, one after another (the probe's and the bench's queue behind a shelf's, never ahead). */
export const enqueue = <T>(job: () => Promise<T>): Promise<T> => {
  const run = queue.then(job);
  queue = run.catch(() => undefined);
  return run;
};

interface GpuAdapterLike {
  info?: { isFallbackAdapter?: boolean; architecture?: string; description?: string; vendor?: string };
  isFallbackAdapter?: boolean;
}

/**
 * The WebGPU adapter this device offers: 'hardware', 'software' (a fallback adapter: SwiftShader, a CPU
 * rasteriser, which says nothing about a GPU) or null where there is none.
 */
export async function webGpuAdapter(): Promise<'hardware' | 'software' | null> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return null;
    const info = adapter.info ?? {};
    const software = adapter.isFallbackAdapter === true || info.isFallbackAdapter === true || /swiftshader|llvmpipe|software/i.test(`${info.architecture ?? ''} ${info.description ?? ''} ${info.vendor ?? ''}`);
    return software ? 'software' : 'hardware';
  } catch {
    return null;
  }
}

/**
 * The scorer graph's bytes, checked like every file (size, sha256), and its interface checked against the names
 * this worker feeds and reads: a version without one, or with another interface, is an ArtifactError (the kernel
 * path, or the edge, ranks instead: never a wrong ranking).
 */
export async function graphBytes(model: DeviceModel, read: ReadFile): Promise<Uint8Array> {
  const { files, scorerGraph, features, itemCount } = model.manifest;
  if (!files.scorer || !scorerGraph) throw new ArtifactError('this version ships no scorer graph');
  const names = (ts: readonly { name: string; shape: readonly (number | string)[] }[]) => ts.map((t) => `${t.name}[${t.shape}]`).join();
  const slots = scorerGraph.inputs.slice(0, SCORER_INPUTS.length);
  const tables = scorerGraph.inputs.slice(SCORER_INPUTS.length);
  // The history's slots, then only tables this worker builds (a graph from before the tables reads none; its scores are [1, itemCount]).
  const want = { inputs: SCORER_INPUTS.map((name) => ({ name, shape: [1, features.historyLength] })), outputs: SCORER_OUTPUTS.map((name) => ({ name, shape: [1, tables.length ? 'n' : itemCount] })) };
  const known = tables.every((t) => (SCORER_TABLES as readonly string[]).includes(t.name) && t.shape[0] === 'n');
  if (names(slots) !== names(want.inputs) || !known || names(scorerGraph.outputs) !== names(want.outputs)) throw new ArtifactError(`scorer graph: interface ${names(scorerGraph.inputs)} → ${names(scorerGraph.outputs)} is not the one this worker runs`);
  return readVerified(read, files.scorer);
}

export async function createSession(model: DeviceModel, read: ReadFile, path: ScoringPath, webgpu: boolean): Promise<Session> {
  return openSession(path === 'graph' ? await graphBytes(model, read) : model.userTower, webgpu, path);
}

export async function openSession(bytes: Uint8Array, webgpu: boolean, path: ScoringPath): Promise<Session> {
  const ort = webgpu ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
  ort.env.wasm.numThreads = 1; // threads need cross-origin isolation and made this tiny tower slower
  ort.env.wasm.wasmPaths = wasmUrl(ort.env.versions.web ?? '', webgpu);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [webgpu ? 'webgpu' : 'wasm'] });
  return { session, TensorCtor: ort.Tensor, source: webgpu ? 'device-webgpu' : 'device-wasm', path };
}

/** A full history, the best sellers equally weighted: the fixed input the probe and the bench time. */
export function bestSellerHistory(H: number): HistoryInputs {
  return { ids: Int32Array.from({ length: H }, (_, i) => i), weights: new Float32Array(H).fill(1), counts: new Float32Array(H).fill(1), ages: new Float32Array(H).fill(10) };
}

// The graph's catalogue tables, built once per model (ORT's tensors wrap them; nothing is copied per run).
const tablesOf = new WeakMap<DeviceModel, Partial<Record<string, GraphTable>>>();
function graphTablesOf(model: DeviceModel): Partial<Record<string, GraphTable>> {
  let t = tablesOf.get(model);
  if (!t) {
    const { manifest } = model;
    t = tablesFor(manifest.scorerGraph?.inputs ?? [], model.items, manifest.dim, model.signals, manifest.features.tokenBuckets);
    tablesOf.set(model, t);
  }
  return t;
}

/**
 * A session's feeds for `h`: the tower's embeddings and weights, or the graph's four slot arrays and the catalogue's
 * tables (the model's own; the bench feeds a synthetic catalogue's to the same graph).
 */
export function feeds(model: DeviceModel, s: Session, h: HistoryInputs, tables = graphTablesOf(model)): InferenceSession.FeedsType {
  const { manifest, items } = model;
  const T = s.TensorCtor;
  if (s.path === 'graph') {
    const slots = [Float32Array.from(h.ids), h.weights, h.counts, h.ages];
    const inputs = manifest.scorerGraph?.inputs ?? [];
    const byName = Object.fromEntries(SCORER_INPUTS.map((name, k) => [name, Float32Array.from(slots[k]!)]));
    return Object.fromEntries(Object.entries(graphFeeds(inputs, byName, tables)).map(([name, t]) => [name, new T('float32', t.data, t.shape)]));
  }
  const d = manifest.dim;
  const H = manifest.features.historyLength;
  const x = towerInputs(items, d, [h], H);
  const [embName, wName] = manifest.userTower.inputs.map((t) => t.name) as [string, string];
  return { [embName]: new T('float32', x.embeddings, [1, H, d]), [wName]: new T('float32', x.weights, [1, H]) };
}

/**
 * A scoring of `h`, queued behind any other (the session and its path read when the job runs, so a swapped
 * session is the one used); the returned function may run it again (the probe and the bench time repeats).
 */
export function queuedInference(model: DeviceModel, s: Session, h: HistoryInputs, tables?: Partial<Record<string, GraphTable>>) {
  return () => enqueue(() => s.session.run(feeds(model, s, h, tables)));
}

/**
 * The page's side of on-device ranking: starts the worker lazily (after the page is interactive, on the
 * first request), sends requests, and turns every failure into a rejected promise with a reason, so the
 * shelf falls back instead of breaking. Each distinct failure is reported to the console once.
 */
import type { HistoryEvent } from '../recs/features';
import type { ShelfRules } from '../recs/shelf-rules';
import type { BenchRequest, BenchResponse, BenchResult, CrashRequest, ExecutionChoice, GoldenRequest, GoldenResponse, RankRequest, RankResponse, ShelfAnswer, WarmRequest } from './protocol';

export type DeviceResult = ShelfAnswer;
const TIMEOUT_MS = 15_000;

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
const reported = new Set<string>();
// Requests the page stopped waiting for (a slow first load: the runtime and the model on a slow network). The
// worker still answers them; when it does, the shelves that fell back ask again and the device ranks them.
const late = new Set<number>();
const readyListeners = new Set<() => void>();

/** Called once the worker answers a request the page had given up on: it is ready now. */
export function subscribeDeviceReady(listener: () => void): () => void {
  readyListeners.add(listener);
  return () => readyListeners.delete(listener);
}

export function reportFallback(reason: string): void {
  if (reported.has(reason)) return;
  reported.add(reason);
  console.warn(`[tandem] on-device recommendations unavailable, falling back: ${reason}`);
}

function failAll(reason: string): void {
  for (const [id, p] of pending) {
    clearTimeout(p.timer);
    p.reject(new Error(reason));
    pending.delete(id);
  }
}

function getWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'tandem-recs' });
  worker.onmessage = (e: MessageEvent<RankResponse | BenchResponse | GoldenResponse>) => {
    const p = pending.get(e.data.id);
    if (!p) {
      if (late.delete(e.data.id) && e.data.ok) readyListeners.forEach((l) => l());
      return;
    }
    pending.delete(e.data.id);
    clearTimeout(p.timer);
    if (e.data.ok) p.resolve(e.data);
    else p.reject(new Error(e.data.reason));
  };
  worker.onerror = (e) => {
    e.preventDefault();
    failAll(`worker crashed: ${e.message || 'unknown error'}`);
    late.clear();
    worker?.terminate();
    worker = undefined; // the next request starts a fresh one
  };
  return worker;
}

function call<T>(msg: Omit<RankRequest, 'id'> | Omit<BenchRequest, 'id'> | Omit<GoldenRequest, 'id'>, timeoutMs: number): Promise<T> {
  if (typeof Worker === 'undefined') return Promise.reject(new Error('no Web Worker support'));
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      late.add(id);
      reject(new Error(`no answer from the worker in ${timeoutMs / 1000} s`));
    }, timeoutMs);
    // The answer to a message has that message's type: the worker echoes the id.
    pending.set(id, { resolve: (r) => resolve(r as T), reject, timer });
    try {
      getWorker().postMessage({ ...msg, id });
    } catch (e) {
      clearTimeout(timer);
      pending.delete(id);
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}

/** One shelf's request: the page's shelves that ask in the same turn of the event loop share one message. */
export interface ShelfRequest {
  history: HistoryEvent[];
  cart: string[];
  rules: ShelfRules;
  modelVersion?: string | null;
  ep?: ExecutionChoice;
}

interface Batch {
  req: Omit<RankRequest, 'id' | 'type' | 'shelves'>;
  shelves: { rules: ShelfRules; resolve: (r: DeviceResult) => void; reject: (e: Error) => void }[];
}
let batches: Batch[] = [];

/** Same history (the page's one copy of it, so length and newest event say it), cart, version and provider. */
const sameInputs = (a: Batch['req'], b: ShelfRequest) =>
  a.modelVersion === (b.modelVersion ?? null) &&
  a.ep === b.ep &&
  a.history.length === b.history.length &&
  a.history[0]?.at === b.history[0]?.at &&
  a.history[0]?.sku === b.history[0]?.sku &&
  a.cart.join() === b.cart.join();

function send(batch: Batch): void {
  call<Extract<RankResponse, { ok: true }>>({ type: 'rank', ...batch.req, shelves: batch.shelves.map((s) => s.rules) }, TIMEOUT_MS).then(
    (res) => batch.shelves.forEach((s, i) => (res.shelves[i] ? s.resolve(res.shelves[i]) : s.reject(new Error('the worker answered fewer shelves than asked')))),
    (e: Error) => batch.shelves.forEach((s) => s.reject(e)),
  );
  // Fault injection for the robustness suite: the worker dies while this request is in flight.
  if (typeof location !== 'undefined' && new URLSearchParams(location.search).get('fault') === 'worker-crash') worker?.postMessage({ type: 'crash' } satisfies CrashRequest);
}

/**
 * A shelf's ranking on the device. A view notifies every shelf of the page at once; each reads the history and
 * asks here within the same few microtasks, so the requests wait out those (never a timer: no added delay) and
 * go as one message, and the worker runs the tower once per anchor.
 */
export function rankOnDevice(req: ShelfRequest): Promise<DeviceResult> {
  return new Promise<DeviceResult>((resolve, reject) => {
    let batch = batches.find((b) => sameInputs(b.req, req));
    if (!batch) {
      batch = { req: { history: req.history, cart: req.cart, modelVersion: req.modelVersion ?? null, ep: req.ep }, shelves: [] };
      if (batches.length === 0) {
        // Three microtask hops: past the other shelves' own awaits (reading the history) in this turn.
        void Promise.resolve()
          .then(() => undefined)
          .then(() => undefined)
          .then(() => {
            const ready = batches;
            batches = [];
            ready.forEach(send);
          });
      }
      batches.push(batch);
    }
    batch.shelves.push({ rules: req.rules, resolve, reject });
  });
}

/**
 * The parts a product's page will need, fetched ahead (a catalogue in parts; else nothing). Only where the
 * worker already runs: reaching for a link never starts the model's download. The caller sends only what the
 * page prefetch would tell the server anyway (never the products of a private list: docs/recommender.md).
 */
export function warmParts(skus: string[]): void {
  if (!worker || skus.length === 0) return;
  worker.postMessage({ type: 'warm', skus } satisfies WarmRequest);
}

const FORCED: readonly ExecutionChoice[] = ['auto-any', 'wasm', 'webgpu', 'graph-wasm', 'graph-webgpu'];

/** `?ep=wasm`, `webgpu`, `graph-wasm` or `graph-webgpu` forces a path (tests, the bench), `?ep=auto-any` probes on a software adapter too; anything else lets the device measure. */
export function executionChoice(search: string): ExecutionChoice {
  const ep = new URLSearchParams(search).get('ep');
  return FORCED.find((c) => c === ep) ?? 'auto';
}

/** `npm run bench` calls this through `window.tandemBench` on `/?bench=1`. */
export async function benchOnDevice(iterations: number, syntheticSizes: number[], ep: ExecutionChoice): Promise<BenchResult> {
  const res = await call<Extract<BenchResponse, { ok: true }>>({ type: 'bench', bench: { iterations, syntheticSizes }, ep }, 300_000);
  return res.bench;
}

/** The e2e tests call this through `window.tandemGolden` on `/?bench=1`: golden.json through the path `ep` forces. */
export async function goldenOnDevice(ep: ExecutionChoice): Promise<Omit<Extract<GoldenResponse, { ok: true }>, 'id' | 'ok'>> {
  const { source, path, cases } = await call<Extract<GoldenResponse, { ok: true }>>({ type: 'golden', ep }, 120_000);
  return { source, path, cases };
}

/**
 * The page's side of on-device ranking: starts the worker lazily (after the page is interactive, on the
 * first request), sends requests, and turns every failure into a rejected promise with a reason, so the
 * shelf falls back instead of breaking. Each distinct failure is reported to the console once.
 */
import type { BenchRequest, BenchResponse, BenchResult, CrashRequest, ExecutionChoice, RankRequest, RankResponse } from './protocol';

export type DeviceResult = Extract<RankResponse, { ok: true }>;
const TIMEOUT_MS = 15_000;

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
const reported = new Set<string>();

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
  worker.onmessage = (e: MessageEvent<RankResponse | BenchResponse>) => {
    const p = pending.get(e.data.id);
    if (!p) return;
    pending.delete(e.data.id);
    clearTimeout(p.timer);
    if (e.data.ok) p.resolve(e.data);
    else p.reject(new Error(e.data.reason));
  };
  worker.onerror = (e) => {
    e.preventDefault();
    failAll(`worker crashed: ${e.message || 'unknown error'}`);
    worker?.terminate();
    worker = undefined; // the next request starts a fresh one
  };
  return worker;
}

function call<T>(msg: Omit<RankRequest, 'id'> | Omit<BenchRequest, 'id'>, timeoutMs: number): Promise<T> {
  if (typeof Worker === 'undefined') return Promise.reject(new Error('no Web Worker support'));
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
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

export function rankOnDevice(req: Omit<RankRequest, 'id' | 'type'>): Promise<DeviceResult> {
  const result = call<DeviceResult>({ type: 'rank', ...req }, TIMEOUT_MS);
  // Fault injection for the robustness suite: the worker dies while this request is in flight.
  if (typeof location !== 'undefined' && new URLSearchParams(location.search).get('fault') === 'worker-crash') worker?.postMessage({ type: 'crash' } satisfies CrashRequest);
  return result;
}

/** `?ep=wasm` or `?ep=webgpu` forces a provider (tests, the bench); anything else lets the device measure. */
export function executionChoice(search: string): ExecutionChoice {
  const ep = new URLSearchParams(search).get('ep');
  return ep === 'wasm' || ep === 'webgpu' ? ep : 'auto';
}

/** `npm run bench` calls this through `window.tandemBench` on `/?bench=1`. */
export async function benchOnDevice(iterations: number, syntheticSizes: number[], ep: ExecutionChoice): Promise<BenchResult> {
  const res = await call<Extract<BenchResponse, { ok: true }>>({ type: 'bench', bench: { iterations, syntheticSizes }, ep }, 300_000);
  return res.bench;
}

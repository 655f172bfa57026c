/**
 * Which path this device scores with, chosen by measurement and remembered per device and model version
 * (Cache Storage). The tower on WASM with the SIMD kernel needs no download beyond what the shelves need; the
 * other candidates (the tower on WebGPU, the whole scorer graph on either provider) cost their download (the
 * WebGPU runtime, about 4 MB; the graph, about 470 KB a version), so they are timed only where a hardware
 * WebGPU adapter exists (a software one, SwiftShader, says nothing about a GPU: where it wins nothing would),
 * never under the browser's data saver, and only once the page has been idle for a while.
 */
import { percentiles } from '../recs/timing';
import type { HistoryInputs } from '../recs/features';
import type { ShelfUser } from '../recs/shelf';
import type { EpDecision, ExecutionChoice, ScoringPath } from './protocol';
import { bestSellerHistory, enqueue, webGpuAdapter, type Session } from './sessions';
import { DEVICE_CACHE } from './version-cache';

const epKey = (version: string) => `/__tandem/ep/${version}`;

/** How long the page must have asked for no ranking before the probe downloads and times anything. */
export const PROBE_IDLE_MS = 5_000;

export async function storedDecision(version: string): Promise<EpDecision | undefined> {
  try {
    const hit = await (await caches.open(DEVICE_CACHE)).match(epKey(version));
    const d = hit ? ((await hit.json()) as EpDecision) : undefined;
    // A decision from before the graph was a candidate has no path: measured again.
    return d?.version === version && (d.ep === 'wasm' || d.ep === 'webgpu') && (d.path === 'kernel' || d.path === 'graph') ? d : undefined;
  } catch {
    return undefined;
  }
}

/** The path a forced choice names (`?ep=`), or undefined where the device measures ('auto', 'auto-any'). */
export const forcedPath = (choice: ExecutionChoice): { path: ScoringPath; ep: 'wasm' | 'webgpu' } | undefined =>
  choice === 'auto' || choice === 'auto-any' ? undefined : { path: choice.startsWith('graph-') ? 'graph' : 'kernel', ep: choice.endsWith('webgpu') ? 'webgpu' : 'wasm' };

/** What the probe reads and may swap: the running session, and how to open and score with another. */
export interface Probed extends Session {
  model: { manifest: { version: string; features: { historyLength: number } } };
  decision?: EpDecision;
  choice: ExecutionChoice;
  /** Whether the whole scorer graph is a candidate (not for a catalogue in parts). */
  graph: boolean;
  open: (path: ScoringPath, webgpu: boolean) => Promise<Session>;
  /** Every product's "all" score for `h` through session `s`, as a shelf computes it. */
  scoreAll: (s: Session, h: HistoryInputs) => Promise<ShelfUser>;
}

/** The candidates this device may time: the current one always; the others only with a GPU to run them on. */
export async function candidates(choice: ExecutionChoice, graph: boolean): Promise<{ path: ScoringPath; ep: 'wasm' | 'webgpu' }[]> {
  const adapter = await webGpuAdapter();
  // 'auto-any': a software adapter counts (the probe's own tests, on machines without a GPU).
  const gpu = adapter === 'hardware' || (adapter === 'software' && choice === 'auto-any');
  const saveData = (navigator as Navigator & { connection?: { saveData?: boolean } }).connection?.saveData === true;
  if (!gpu || saveData) return [{ path: 'kernel', ep: 'wasm' }];
  return [
    { path: 'kernel', ep: 'wasm' },
    { path: 'kernel', ep: 'webgpu' },
    // A catalogue in parts is ranked on the device from the parts it has: the whole graph is for the others.
    ...(graph ? [{ path: 'graph' as const, ep: 'wasm' as const }, { path: 'graph' as const, ep: 'webgpu' as const }] : []),
  ];
}

/**
 * Every candidate scores the same history, a few warm-ups then 15 timed runs each, each run queued like a
 * shelf's and timed the same way, to every product's "all" score; the fastest median wins and is remembered for
 * this model version. `r` is swapped to the winner's session.
 */
export async function probe(r: Probed): Promise<void> {
  const { version } = r.model.manifest;
  const history = bestSellerHistory(r.model.manifest.features.historyLength);
  const timeRuns = async (s: Session) => {
    const ms: number[] = [];
    for (let i = 0; i < 18; i++) {
      const t = performance.now();
      await r.scoreAll(s, history);
      if (i >= 3) ms.push(performance.now() - t);
    }
    return percentiles(ms).p50;
  };
  const own = (c: { path: ScoringPath; ep: string }) => c.path === r.path && `device-${c.ep}` === r.source;
  const measured: { path: ScoringPath; ep: 'wasm' | 'webgpu'; ms: number; s?: Session }[] = [];
  for (const c of await candidates(r.choice, r.graph)) {
    const s = own(c) ? r : await r.open(c.path, c.ep === 'webgpu').catch(() => undefined);
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
    await (await caches.open(DEVICE_CACHE)).put(epKey(version), Response.json(decision));
  } catch {
    // no Cache Storage: the next visit probes again
  }
}

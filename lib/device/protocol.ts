/** Messages between the page (lib/device/client.ts) and the recommender worker (lib/device/worker.ts). */
import type { HistoryEvent } from '../recs/features';
import type { ScorerKind } from '../recs/rank-wasm';
import type { DeviceSource } from '../recs/shelf-source';
import type { ShelfItem } from '../recs/shelf';
import type { Ranking, ShelfRules } from '../recs/shelf-rules';
import type { Percentiles } from '../recs/timing';

export type { Ranking, Percentiles };


/**
 * How a device scores: 'auto' measures (lib/device/probe.ts); 'auto-any' measures as if a software WebGPU adapter
 * (SwiftShader) were a GPU (`?ep=auto-any`: the probe's own tests, on machines without one); the others force one
 * path (`?ep=`, for tests and the bench): 'wasm' and 'webgpu' run the user tower on that onnxruntime-web provider
 * and the SIMD kernel after it, 'graph-wasm' and 'graph-webgpu' run the whole scorer graph (scorer.onnx) on that provider.
 */
export type ExecutionChoice = 'auto' | 'auto-any' | 'wasm' | 'webgpu' | 'graph-wasm' | 'graph-webgpu';

/** Who computes the scores: the user tower then the SIMD kernel (lib/recs/rank-wasm.ts), or the whole scorer graph. */
export type ScoringPath = 'kernel' | 'graph';

/** What the one-time probe measured on this device for one model version (kept in Cache Storage). */
export interface EpDecision {
  version: string;
  /** The winner: its path and its provider. */
  path: ScoringPath;
  ep: 'wasm' | 'webgpu';
  /**
   * Median time, ms, to score every product for one history on each candidate, timed the same way in the same
   * worker: the tower on WASM or WebGPU then the kernel (`wasmMs`, `webgpuMs`), the graph on WASM or WebGPU.
   * null where the candidate could not run here (no WebGPU adapter, no graph in this version, a failed session)
   * or was not measured (the graph, under the browser's data saver: measuring it means downloading it).
   */
  wasmMs: number;
  webgpuMs: number | null;
  graphWasmMs: number | null;
  graphWebgpuMs: number | null;
}

/**
 * A view (or a cart change) on a page: every shelf of the page that ranks on the device, in one message with
 * the history once; the worker runs the tower once per anchor (a product page's shelves share theirs).
 */
export interface RankRequest {
  type: 'rank';
  id: number;
  history: HistoryEvent[];
  /** Product codes in the cart: never recommended. */
  cart: string[];
  /** Each shelf's ranking, size, anchor and merchandising (lib/shelf/plan.ts), applied by lib/recs/shelf-rules.ts. */
  shelves: ShelfRules[];
  /** A version pinned by configuration; otherwise the one public/models/current.json names. */
  modelVersion?: string | null;
  /** The path and provider: 'auto' (the tower on WASM and the kernel until this device measured another faster), or forced (`?ep=`). */
  ep?: ExecutionChoice;
}

/** One recommended product: the shelf pipeline's item (lib/recs/shelf.ts), with its score's parts. */
export type RankedItem = ShelfItem;

export interface RankTimings {
  /** First request only: artifacts, runtime and session. */
  loadMs: number;
  inferenceMs: number;
  /** The tower ran once for an earlier shelf of the same message, with the same anchor: this one reused it (inferenceMs 0). */
  sharedTower?: true;
  rankingMs: number;
  /** Who computed the scores: the SIMD kernel, the JavaScript fallback, or the scorer graph (inside inferenceMs). */
  scorer: ScorerKind | 'graph';
  /** Who ran the second stage's dense pass, where one ran: the kernel, or JavaScript where the kernel declined it. */
  head?: ScorerKind;
}

/** One shelf's answer. */
export interface ShelfAnswer {
  items: RankedItem[];
  source: DeviceSource;
  modelVersion: string;
  ranking: Ranking;
  timings: RankTimings;
  historyUsed: string[];
  /** The probe's measurement, once it has run (the debug panel shows it). */
  epDecision?: EpDecision;
  /** The version asked for failed its checks on this device; modelVersion is the previous one it used. */
  fellBackFrom?: VersionFallback;
}

/** A version that failed its checks on the device, and why. */
export interface VersionFallback {
  version: string;
  reason: string;
}

/** The answers in the order of the request's shelves, or why none could be ranked. */
export type RankResponse = { id: number; ok: true; shelves: ShelfAnswer[] } | { id: number; ok: false; reason: string };

/** `npm run bench`: timings measured inside the worker, on the same session and scorer as real requests. */
export interface BenchRequest {
  type: 'bench';
  id: number;
  bench: { iterations: number; syntheticSizes: number[] };
  ep?: ExecutionChoice;
}

/**
 * The version's golden cases (golden.json) through the device's own path (`?bench=1`, the e2e tests): each case's
 * recorded slots scored by the session `ep` names, ranked as the goldens rank. Every runtime checks itself this way.
 */
export interface GoldenRequest {
  type: 'golden';
  id: number;
  ep: ExecutionChoice;
}

export interface GoldenRanking {
  name: string;
  top10: string[];
  explore10: string[];
  repeat: string[];
}

export type GoldenResponse = { id: number; ok: true; source: DeviceSource; path: ScoringPath; cases: GoldenRanking[] } | { id: number; ok: false; reason: string };

/** Fault injection (`?fault=worker-crash`): the worker dies with a request in flight, as a real crash would. */
export interface CrashRequest {
  type: 'crash';
}

/**
 * A shopper reached for a product (pointer over its card, focus, a finger down): a catalogue in parts fetches
 * that product's bucket, its community's head and its complements' buckets now, so its page's shelves, and the
 * shelves after the view, rank without a download. No answer; nothing happens until the worker has a version.
 */
export interface WarmRequest {
  type: 'warm';
  skus: string[];
}

/** Every message the page sends the worker, told apart by `type`. */
export type WorkerRequest = RankRequest | BenchRequest | GoldenRequest | CrashRequest | WarmRequest;


export interface RowTypes<T> {
  float32: T;
  int8: T;
}

export interface BenchResult {
  source: DeviceSource;
  modelVersion: string;
  itemCount: number;
  /** Artifacts, runtime and session, before the first inference. */
  loadMs: number;
  firstInferenceMs: number;
  inference: Percentiles;
  ranking: Percentiles;
  /** Who ranks the real catalogue (the shipped path). */
  scorer: ScorerKind;
  /**
   * Score + top-10 per catalogue size, float32 and int8 rows, by the scalar JavaScript scorer (before)
   * and the SIMD kernel (after), with the physical floor beside each. `dotOnly`: the SIMD kernel's dot
   * products and top-10 with no second stage, the shape of the scorer before issue 13 (dot + per-item terms
   * folded into the kernel), measured in the same run so the head's cost is stated against it. `graph`: the whole
   * scorer graph of that synthetic catalogue on this run's provider, scores and top-10 (null where the bench
   * served none).
   */
  synthetic: { items: number; js: RowTypes<Percentiles>; wasm: RowTypes<Percentiles>; dotOnly: Percentiles; graph: Percentiles | null; floorMs: RowTypes<number> }[];
  /**
   * The shipped catalogue, one history to every product's "all" score, timed alike in the same run: the tower then
   * the SIMD kernel (the probe's kernel candidate), and the whole scorer graph on this run's provider.
   */
  paths: { kernel: Percentiles; graph: Percentiles | null };
  /** Memory read bandwidth measured in the same worker, bytes per ms (the floors divide by it). */
  bandwidthBytesPerMs: number;
}

export type BenchResponse = { id: number; ok: true; bench: BenchResult } | { id: number; ok: false; reason: string };

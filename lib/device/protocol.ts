/** Messages between the page (lib/device/client.ts) and the recommender worker (lib/device/worker.ts). */
import type { HistoryEvent } from '../recs/features';
import type { ScorerKind } from '../recs/rank-wasm';
import type { DeviceSource } from '../recs/shelf-source';
import type { ShelfItem } from '../recs/shelf';
import type { Ranking, ShelfRules } from '../recs/shelf-rules';
import type { Percentiles } from '../recs/timing';

export type { Ranking, Percentiles };


export type ExecutionChoice = 'auto' | 'wasm' | 'webgpu';

/** What the one-time probe measured on this device for one model version (kept in Cache Storage). */
export interface EpDecision {
  version: string;
  ep: 'wasm' | 'webgpu';
  /** Median inference, ms, on each provider; null where WebGPU had no adapter or failed. */
  wasmMs: number;
  webgpuMs: number | null;
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
  /** The execution provider: 'auto' (WASM, WebGPU only where this device measured it faster), or forced (`?ep=`). */
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
  /** Who computed the dot products: the SIMD kernel, or the JavaScript fallback. */
  scorer: ScorerKind;
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

/** Fault injection (`?fault=worker-crash`): the worker dies with a request in flight, as a real crash would. */
export interface CrashRequest {
  type: 'crash';
}

/** Every message the page sends the worker, told apart by `type`. */
export type WorkerRequest = RankRequest | BenchRequest | CrashRequest;


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
   * folded into the kernel), measured in the same run so the head's cost is stated against it.
   */
  synthetic: { items: number; js: RowTypes<Percentiles>; wasm: RowTypes<Percentiles>; dotOnly: Percentiles; floorMs: RowTypes<number> }[];
  /** Memory read bandwidth measured in the same worker, bytes per ms (the floors divide by it). */
  bandwidthBytesPerMs: number;
}

export type BenchResponse = { id: number; ok: true; bench: BenchResult } | { id: number; ok: false; reason: string };

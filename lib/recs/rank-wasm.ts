/**
 * A ranking in a WebAssembly SIMD kernel (score-kernel.wat): the dot products (lib/recs/rank.ts dotAll),
 * the head's dense pass (lib/recs/score.ts DensePass) and the top-K (rank.ts topK). The item rows and the
 * signals the head reads are copied into the kernel's memory once, when a model loads; every ranking then
 * streams them with four (float32) or sixteen (int8) multiply-adds per instruction, and the scores never
 * leave the kernel's memory until the k best are picked. Where WebAssembly SIMD is missing, or the dimension
 * does not fit the kernel's lanes, the same interface runs the JavaScript code, so callers never branch.
 */
import { dotAll, topK } from './rank';
import { dotAllInt8 } from './rank-int8';
import { tokenBuckets, type DenseKernel, type DensePass } from './score';
import { SCORE_KERNEL_BASE64 } from './score-kernel.generated';
import type { ItemSignals } from './signals';

export type ScorerKind = 'wasm-simd' | 'js';

export interface PreparedScorer {
  kind: ScorerKind;
  /**
   * u · e_i for every item, as dotAll() computes them. Under WebAssembly the array is a view of the
   * kernel's memory: use it (the scorer writes over it in place) before the next call.
   */
  dots(user: Float32Array): Float32Array;
  /** The head's dense pass in the kernel, over the array dots() returned (rankingScores' `kernel`). */
  dense: DenseKernel;
  /** topK() of rank.ts, in the kernel when `scores` is the array dots() returned: the same list. */
  topK(scores: Float32Array, k: number, exclude?: ReadonlySet<number>): number[];
  /** Who ran the head's dense pass since the last call ('js' where the kernel declined), or null if no head ran; resets. */
  headRan(): ScorerKind | null;
}

/**
 * The head's arguments by name, in the order of score-kernel.wat's `$head` parameters (a test reads the .wat
 * and holds this list to it): addresses in the kernel's memory, counts, the head's weights by feature name.
 */
export const HEAD_PARAMS = [
  'out', 'n', 'constant', 'category', 'logPrice', 'words', 'width', 'catShare', 'tokenShare',
  'coIds', 'coTerms', 'coCount', 'wDot', 'wCat', 'wPrice', 'wDesign', 'mean', 'history', 'design',
] as const;
export type HeadArgs = Record<(typeof HEAD_PARAMS)[number], number>;
const callHead = (k: KernelExports, a: HeadArgs) => k.head(...HEAD_PARAMS.map((p) => a[p]));

interface KernelExports {
  memory: WebAssembly.Memory;
  score_f32(items: number, n: number, d: number, user: number, out: number): void;
  score_i8(q: number, scales: number, n: number, d: number, uq: number, userScale: number, out: number): void;
  head(...args: number[]): void;
  top_k(scores: number, n: number, k: number, idx: number, val: number): number;
}

/** Int32 sums of int8 × int16 products stay exact up to this dimension (lanes of ≤ d/4 pairs). */
const MAX_INT8_DIM = 512;
/** The most co-purchase terms a ranking passes the kernel (a history's slots × neighbours is far fewer). */
const MAX_CO = 65536;
/** The most name words per item the kernel's head takes (product names have 1 to 7). */
const MAX_WORDS = 8;
/** The longest top-K the kernel picks (a shelf is 12; exclusions add to it, lib/recs/shelf-rules.ts). */
const MAX_K = 1024;

let compiled: WebAssembly.Module | null | undefined;

function kernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = Uint8Array.from(atob(SCORE_KERNEL_BASE64), (c) => c.charCodeAt(0));
    // validate() is false where SIMD is unsupported; the module is about 1 KB, within every engine's
    // limit for synchronous compilation.
    compiled = typeof WebAssembly !== 'undefined' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/** A fresh kernel instance whose memory holds `bytes`. */
function instantiate(bytes: number): KernelExports | null {
  const mod = kernelModule();
  if (!mod) return null;
  try {
    const k = new WebAssembly.Instance(mod).exports as unknown as KernelExports;
    const need = Math.ceil(bytes / 65536) - k.memory.buffer.byteLength / 65536;
    if (need > 0) k.memory.grow(need);
    return k;
  } catch {
    return null; // out of memory: the JavaScript scorer needs no second copy
  }
}

/** Memory layout: named regions laid end to end, each 16-byte aligned. */
function layout<K extends string>(sizes: Record<K, number>): { at: Record<K, number>; total: number } {
  const at = {} as Record<K, number>;
  let end = 0;
  for (const [name, size] of Object.entries(sizes) as [K, number][]) {
    at[name] = end;
    end += Math.ceil(size / 16) * 16;
  }
  return { at, total: end };
}

/** What the head and the top-K need besides the rows: sizes, then the copy once the kernel exists. */
function rankingRegions(n: number, given: ItemSignals | undefined) {
  // The kernel reads each item's words as a row of `width` (the longest name's count), padded with one bucket
  // past the last, whose share stays 0. Past MAX_WORDS a row would be mostly padding: the head stays in
  // JavaScript then, as it does without the model's signals (the regions are empty).
  let width = 1;
  if (given?.n === n) for (let i = 0; i < n; i++) width = Math.max(width, given.tokenOffsets[i + 1]! - given.tokenOffsets[i]!);
  const signals = given?.n === n && width <= MAX_WORDS ? given : undefined;
  // The user context's word shares have this length (lib/recs/score.ts), the padding bucket is one past.
  const buckets = signals ? tokenBuckets(signals) : 0;
  const m = signals ? n : 0;
  const co = Math.min(MAX_CO, m);
  return {
    signals,
    buckets,
    width,
    co,
    sizes: {
      top: 8 * MAX_K,
      constant: 4 * m,
      category: m,
      logPrice: 4 * m,
      words: 2 * width * m,
      catShare: 4 * (signals?.categories ?? 0),
      // The padding bucket is the last.
      tokenShare: signals ? 4 * (buckets + 1) : 0,
      coIds: 4 * co,
      coTerms: 8 * co,
    },
  };
}

/**
 * The dense pass and the top-K over the kernel's `out` region. The signals go in now; a head's constant
 * terms when a ranking first uses that head (one array per head and model, cached by score.ts).
 */
function rankingKernel(k: KernelExports, outAt: number, n: number, r: ReturnType<typeof rankingRegions>, at: Record<keyof ReturnType<typeof rankingRegions>['sizes'], number>): Pick<PreparedScorer, 'dense' | 'topK' | 'headRan'> {
  const mine = (scores: Float32Array) => scores.buffer === k.memory.buffer && scores.byteOffset === outAt && scores.length === n;
  const topAt = at.top;
  const select: PreparedScorer['topK'] = (scores, want, exclude) => {
    // The k best of the rest are among the best k + |exclude| of all (one order over every item).
    const take = Math.min(n, want + (exclude?.size ?? 0));
    if (!mine(scores) || want <= 0 || take > MAX_K) return topK(scores, want, exclude);
    const got = k.top_k(outAt, n, take, topAt, topAt + 4 * MAX_K);
    const ids = new Int32Array(k.memory.buffer, topAt, got);
    const out: number[] = [];
    for (const i of ids) if (out.length < want && !exclude?.has(i)) out.push(i);
    return out;
  };
  let ran: ScorerKind | null = null;
  const headRan = () => {
    const was = ran;
    ran = null;
    return was;
  };
  const s = r.signals;
  if (!s) return { dense: () => ((ran = 'js'), false), topK: select, headRan };
  const mem = () => k.memory.buffer;
  new Uint8Array(mem(), at.category, n).set(s.category);
  new Float32Array(mem(), at.logPrice, n).set(s.vectors.logPrice);
  const words = new Uint16Array(mem(), at.words, r.width * n).fill(r.buckets);
  for (let i = 0; i < n; i++) words.set(s.tokens.subarray(s.tokenOffsets[i]!, s.tokenOffsets[i + 1]!), i * r.width);
  let constantIn: Float32Array | undefined;
  const dense: DenseKernel = (p: DensePass, dots) => {
    const { ctx } = p;
    ran = 'js';
    if (p.signals !== s || !mine(dots) || p.co.ids.length > r.co || ctx.categoryShare.length !== s.categories || ctx.tokenShare.length > r.buckets) return false;
    if (constantIn !== p.constant) {
      new Float32Array(mem(), at.constant, n).set(p.constant);
      constantIn = p.constant;
    }
    new Float32Array(mem(), at.catShare, s.categories).set(ctx.categoryShare);
    const shares = new Float32Array(mem(), at.tokenShare, r.buckets + 1);
    shares.fill(0);
    shares.set(ctx.tokenShare);
    new Int32Array(mem(), at.coIds, p.co.ids.length).set(p.co.ids);
    new Float64Array(mem(), at.coTerms, p.co.terms.length).set(p.co.terms);
    const design = p.wDesign !== 0 && ctx.words.tokens.length > 0;
    callHead(k, {
      out: outAt, n, constant: at.constant, category: at.category, logPrice: at.logPrice, words: at.words, width: r.width, catShare: at.catShare, tokenShare: at.tokenShare,
      coIds: at.coIds, coTerms: at.coTerms, coCount: p.co.ids.length, wDot: p.wDot, wCat: p.wCat, wPrice: p.wPrice, wDesign: p.wDesign, mean: ctx.meanLogPrice, history: ctx.hasHistory ? 1 : 0, design: design ? 1 : 0,
    });
    ran = 'wasm-simd';
    return true;
  };
  return { dense, topK: select, headRan };
}

function noKernel(dots: PreparedScorer['dots']): PreparedScorer {
  let ran = false;
  return {
    kind: 'js',
    dots,
    dense: () => ((ran = true), false),
    topK,
    headRan: () => {
      const was = ran;
      ran = false;
      return was ? 'js' : null;
    },
  };
}

/** Float32 rows (n × dim, row-major); `signals` (the model's) lets the kernel run the head too. */
export function prepareScorer(items: Float32Array, dim: number, opts: { js?: boolean; signals?: ItemSignals } = {}): PreparedScorer {
  const n = items.length / dim;
  const js = noKernel((user) => dotAll(user, items, dim));
  if (opts.js || dim % 4 !== 0 || !Number.isInteger(n)) return js;
  const r = rankingRegions(n, opts.signals);
  const { at, total } = layout({ user: dim * 4, items: n * dim * 4, out: n * 4, ...r.sizes });
  const k = instantiate(total);
  if (!k) return js;
  new Float32Array(k.memory.buffer, at.items, n * dim).set(items);
  return {
    kind: 'wasm-simd',
    dots(user) {
      new Float32Array(k.memory.buffer, at.user, dim).set(user);
      k.score_f32(at.items, n, dim, at.user, at.out);
      return new Float32Array(k.memory.buffer, at.out, n);
    },
    ...rankingKernel(k, at.out, n, r, at),
  };
}

/** Int8 rows with one scale per row (lib/recs/quantize.ts). */
export function prepareInt8Scorer(q: Int8Array, scales: Float32Array, dim: number, opts: { js?: boolean; signals?: ItemSignals } = {}): PreparedScorer {
  const n = scales.length;
  const js = noKernel((user) => dotAllInt8(user, q, scales, dim));
  if (opts.js || dim % 16 !== 0 || dim > MAX_INT8_DIM || q.length !== n * dim) return js;
  const r = rankingRegions(n, opts.signals);
  const { at, total } = layout({ user: dim * 2, q: n * dim, scales: n * 4, out: n * 4, ...r.sizes });
  const k = instantiate(total);
  if (!k) return js;
  new Int8Array(k.memory.buffer, at.q, n * dim).set(q);
  new Float32Array(k.memory.buffer, at.scales, n).set(scales);
  return {
    kind: 'wasm-simd',
    dots(user) {
      // The user vector in int16: one scale, 1/32767 of its largest component, far below int8's own error.
      let max = 0;
      for (let i = 0; i < dim; i++) max = Math.max(max, Math.abs(user[i]!));
      const userScale = max > 0 ? max / 32767 : 1;
      const uq = new Int16Array(k.memory.buffer, at.user, dim);
      for (let i = 0; i < dim; i++) uq[i] = Math.round(user[i]! / userScale);
      k.score_i8(at.q, at.scales, n, dim, at.user, userScale, at.out);
      return new Float32Array(k.memory.buffer, at.out, n);
    },
    ...rankingKernel(k, at.out, n, r, at),
  };
}

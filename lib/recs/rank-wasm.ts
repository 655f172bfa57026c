/**
 * The dot products of every ranking (lib/recs/rank.ts dotAll) in a WebAssembly SIMD kernel
 * (score-kernel.wat): the item rows are copied into the kernel's memory once, when a model loads, and
 * every ranking then streams them with four (float32) or sixteen (int8) multiply-adds per instruction.
 * Where WebAssembly SIMD is missing, or the dimension does not fit the kernel's lanes, the same
 * interface runs the JavaScript scorer, so callers never branch.
 */
import { dotAll } from './rank';
import { dotAllInt8 } from './rank-int8';
import { SCORE_KERNEL_BASE64 } from './score-kernel.generated';

export type ScorerKind = 'wasm-simd' | 'js';

export interface PreparedScorer {
  kind: ScorerKind;
  /**
   * u · e_i for every item, as dotAll() computes them. Under WebAssembly the array is a view of the
   * kernel's memory: use it (the scorer writes over it in place) before the next call.
   */
  dots(user: Float32Array): Float32Array;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  score_f32(items: number, n: number, d: number, user: number, out: number): void;
  score_i8(q: number, scales: number, n: number, d: number, uq: number, userScale: number, out: number): void;
}

/** Int32 sums of int8 × int16 products stay exact up to this dimension (lanes of ≤ d/4 pairs). */
const MAX_INT8_DIM = 512;

let compiled: WebAssembly.Module | null | undefined;

function kernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = Uint8Array.from(atob(SCORE_KERNEL_BASE64), (c) => c.charCodeAt(0));
    // validate() is false where SIMD is unsupported; the module is 460 bytes, within every engine's
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

/** Memory layout: regions laid end to end, each 16-byte aligned. */
function layout(sizes: number[]): { offsets: number[]; total: number } {
  const offsets: number[] = [];
  let at = 0;
  for (const s of sizes) {
    offsets.push(at);
    at += Math.ceil(s / 16) * 16;
  }
  return { offsets, total: at };
}

/** Float32 rows (n × dim, row-major). */
export function prepareScorer(items: Float32Array, dim: number, opts: { js?: boolean } = {}): PreparedScorer {
  const n = items.length / dim;
  const js: PreparedScorer = { kind: 'js', dots: (user) => dotAll(user, items, dim) };
  if (opts.js || dim % 4 !== 0 || !Number.isInteger(n)) return js;
  const { offsets, total } = layout([dim * 4, n * dim * 4, n * 4]);
  const [userAt, itemsAt, outAt] = offsets as [number, number, number];
  const k = instantiate(total);
  if (!k) return js;
  new Float32Array(k.memory.buffer, itemsAt, n * dim).set(items);
  return {
    kind: 'wasm-simd',
    dots(user) {
      new Float32Array(k.memory.buffer, userAt, dim).set(user);
      k.score_f32(itemsAt, n, dim, userAt, outAt);
      return new Float32Array(k.memory.buffer, outAt, n);
    },
  };
}

/** Int8 rows with one scale per row (lib/recs/quantize.ts). */
export function prepareInt8Scorer(q: Int8Array, scales: Float32Array, dim: number, opts: { js?: boolean } = {}): PreparedScorer {
  const n = scales.length;
  const js: PreparedScorer = { kind: 'js', dots: (user) => dotAllInt8(user, q, scales, dim) };
  if (opts.js || dim % 16 !== 0 || dim > MAX_INT8_DIM || q.length !== n * dim) return js;
  const { offsets, total } = layout([dim * 2, n * dim, n * 4, n * 4]);
  const [userAt, qAt, scalesAt, outAt] = offsets as [number, number, number, number];
  const k = instantiate(total);
  if (!k) return js;
  new Int8Array(k.memory.buffer, qAt, n * dim).set(q);
  new Float32Array(k.memory.buffer, scalesAt, n).set(scales);
  return {
    kind: 'wasm-simd',
    dots(user) {
      // The user vector in int16: one scale, 1/32767 of its largest component, far below int8's own error.
      let max = 0;
      for (let i = 0; i < dim; i++) max = Math.max(max, Math.abs(user[i]!));
      const userScale = max > 0 ? max / 32767 : 1;
      const uq = new Int16Array(k.memory.buffer, userAt, dim);
      for (let i = 0; i < dim; i++) uq[i] = Math.round(user[i]! / userScale);
      k.score_i8(qAt, scalesAt, n, dim, userAt, userScale, outAt);
      return new Float32Array(k.memory.buffer, outAt, n);
    },
  };
}

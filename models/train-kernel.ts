/**
 * The training step's dense products (models/train-kernel.wat), behind two functions that copy in and out of
 * the kernel's memory. `gramJs` and `mixJs` are the same sums in plain loops: the reference the kernel is
 * tested against bit for bit, and what runs where WebAssembly SIMD is missing.
 */
import { TRAIN_KERNEL_BASE64 } from './train-kernel.generated';

/** out[i·m + j] = Σ_k a[i·d + k] · b[j·d + k] (k ascending): every row of `a` against every row of `b`. */
export function gramJs(a: Float64Array, n: number, b: Float64Array, m: number, d: number, out: Float64Array): void {
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += a[i * d + k]! * b[j * d + k]!;
      out[i * m + j] = s;
    }
}

/** out[r·d + k] = Σ_c g[r·cols + c] · x[c·d + k] (c ascending, zero g skipped): the rows of `x` mixed by `g`. */
export function mixJs(g: Float64Array, rows: number, cols: number, x: Float64Array, d: number, out: Float64Array): void {
  out.fill(0, 0, rows * d);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const w = g[r * cols + c]!;
      if (w === 0) continue;
      for (let k = 0; k < d; k++) out[r * d + k]! += w * x[c * d + k]!;
    }
}

interface Exports {
  memory: WebAssembly.Memory;
  gram: (a: number, n: number, bt: number, m: number, d: number, out: number) => void;
  mix: (g: number, rows: number, cols: number, x: number, d: number, out: number) => void;
}

export interface BatchProducts {
  gram: typeof gramJs;
  mix: typeof mixJs;
  /** 'wasm' or 'js': which one runs (the tests check both give the same bits). */
  kind: 'wasm' | 'js';
}

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

function wasmProducts(): BatchProducts | null {
  if (typeof WebAssembly === 'undefined') return null;
  const bytes = Uint8Array.from(Buffer.from(TRAIN_KERNEL_BASE64, 'base64'));
  if (!WebAssembly.validate(bytes)) return null;
  const k = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Exports;
  const reserve = (total: number) => {
    const need = Math.ceil(total / 65_536) - k.memory.buffer.byteLength / 65_536;
    if (need > 0) k.memory.grow(need);
    return new Float64Array(k.memory.buffer);
  };
  return {
    kind: 'wasm',
    gram(a, n, b, m, d, out) {
      // The kernel reads b transposed, its columns padded to a multiple of 8 (four two-lane accumulators).
      const mp = Math.ceil(m / 8) * 8;
      const at = 0;
      const bt = align(at + n * d * 8);
      const o = align(bt + d * mp * 8);
      const mem = reserve(o + n * mp * 8);
      mem.set(a.subarray(0, n * d), at / 8);
      const base = bt / 8;
      mem.fill(0, base, base + d * mp);
      for (let j = 0; j < m; j++) for (let kk = 0; kk < d; kk++) mem[base + kk * mp + j] = b[j * d + kk]!;
      k.gram(at, n, bt, mp, d, o);
      const view = new Float64Array(k.memory.buffer, o, n * mp);
      if (mp === m) out.set(view);
      else for (let i = 0; i < n; i++) out.set(view.subarray(i * mp, i * mp + m), i * m);
    },
    mix(g, rows, cols, x, d, out) {
      const gp = 0;
      const xp = align(gp + rows * cols * 8);
      const o = align(xp + cols * d * 8);
      const mem = reserve(o + rows * d * 8);
      mem.set(g.subarray(0, rows * cols), gp / 8);
      mem.set(x.subarray(0, cols * d), xp / 8);
      k.mix(gp, rows, cols, xp, d, o);
      out.set(new Float64Array(k.memory.buffer, o, rows * d));
    },
  };
}

let products: BatchProducts | undefined;

/** The kernel where WebAssembly SIMD runs (Node 20 and later), else the loops; one instance per thread. */
export function batchProducts(): BatchProducts {
  // TANDEM_TRAIN_KERNEL=js runs the loops instead (a profiler, or to time the kernel against them).
  products ??= (process.env.TANDEM_TRAIN_KERNEL === 'js' ? null : wasmProducts()) ?? { kind: 'js', gram: gramJs, mix: mixJs };
  return products;
}

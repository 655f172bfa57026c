/**
 * A reference interpreter for the Core ML neural-network layers the scorer uses, reading the decoded model: the
 * Linux-side proof that the file we write computes the scorer (Core ML itself only runs on Apple systems). Each
 * layer follows the text of NeuralNetwork.proto (specification 4, exact array mapping): numpy broadcasting,
 * negative axes from the end, gather along an axis and scatter at multi-indices, negative indices allowed, unary functions applied
 * to scale·x + shift (scale 0 read as 1), a reduction to nothing keeping rank ≥ 1. Anything outside that text (an
 * axis out of range, shapes that do not fit, a parameter left out) throws rather than guessing, so a wrong file
 * fails its parity test instead of passing by luck.
 */
import { ModelMessage, type LayerKind } from './coreml-schema';
import type { CoreMlLayer } from './coreml';

export interface NdArray {
  shape: number[];
  data: Float32Array;
}

type Params = Record<string, unknown>;

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const strides = (shape: number[]) => shape.map((_, i) => size(shape.slice(i + 1)));

function axis(a: unknown, rank: number, what: string): number {
  const x = Number(a);
  const k = x < 0 ? x + rank : x;
  if (!Number.isInteger(k) || k < 0 || k >= rank) throw new Error(`${what}: axis ${a} is outside rank ${rank}`);
  return k;
}

/** Elementwise f over inputs broadcast numpy-style to one shape. */
function broadcast(xs: NdArray[], f: (v: number[]) => number, what: string): NdArray {
  const rank = Math.max(...xs.map((x) => x.shape.length));
  const padded = xs.map((x) => [...new Array<number>(rank - x.shape.length).fill(1), ...x.shape]);
  const shape = Array.from({ length: rank }, (_, k) => {
    const dims = new Set(padded.map((s) => s[k]!).filter((d) => d !== 1));
    if (dims.size > 1) throw new Error(`${what}: shapes ${xs.map((x) => `[${x.shape}]`).join(', ')} do not broadcast`);
    return dims.size ? [...dims][0]! : 1;
  });
  const so = strides(shape);
  const sx = padded.map(strides);
  const data = new Float32Array(size(shape));
  const v = new Array<number>(xs.length);
  for (let i = 0; i < data.length; i++) {
    for (let j = 0; j < xs.length; j++) {
      let at = 0;
      for (let k = 0; k < rank; k++) if (padded[j]![k] !== 1) at += (Math.floor(i / so[k]!) % shape[k]!) * sx[j]![k]!;
      v[j] = xs[j]!.data[at]!;
    }
    data[i] = f(v);
  }
  return { shape, data };
}

function reduce(x: NdArray, p: Params, f: 'sum' | 'l2' | 'max', what: string): NdArray {
  const rank = x.shape.length;
  const listed = (p.axes as unknown[] | undefined) ?? [];
  if (!p.reduceAll && listed.length === 0) throw new Error(`${what}: no axes to reduce`);
  const axes = new Set(p.reduceAll ? x.shape.map((_, k) => k) : listed.map((a) => axis(a, rank, what)));
  const kept = x.shape.map((s, i) => (axes.has(i) ? 1 : s));
  const acc = new Float64Array(size(kept)).fill(f === 'max' ? -Infinity : 0);
  const [sx, sk] = [strides(x.shape), strides(kept)];
  for (let i = 0; i < x.data.length; i++) {
    let j = 0;
    for (let k = 0; k < rank; k++) if (!axes.has(k)) j += (Math.floor(i / sx[k]!) % x.shape[k]!) * sk[k]!;
    const v = x.data[i]!;
    acc[j] = f === 'max' ? Math.max(acc[j]!, v) : acc[j]! + (f === 'l2' ? v * v : v);
  }
  const data = Float32Array.from(acc, (v) => (f === 'l2' ? Math.sqrt(v) : v));
  const squeezed = x.shape.filter((_, i) => !axes.has(i));
  return { shape: p.keepDims ? kept : squeezed.length ? squeezed : [1], data };
}

function index(v: number, dim: number, what: string): number {
  const k = v < 0 ? v + dim : v;
  if (!Number.isInteger(k) || k < 0 || k >= dim) throw new Error(`${what}: index ${v} outside [0, ${dim})`);
  return k;
}

/** output = data.shape[:axis] + indices.shape + data.shape[axis+1:], output[..., i..j, ...] = data[..., indices[i..j], ...]. */
function gather(data: NdArray, idx: NdArray, p: Params, what: string): NdArray {
  const ax = axis(p.axis ?? 0, data.shape.length, what);
  const outer = size(data.shape.slice(0, ax));
  const inner = size(data.shape.slice(ax + 1));
  const dim = data.shape[ax]!;
  const out = new Float32Array(outer * idx.data.length * inner);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < idx.data.length; i++) {
      const from = (o * dim + index(idx.data[i]!, dim, what)) * inner;
      out.set(data.data.subarray(from, from + inner), (o * idx.data.length + i) * inner);
    }
  return { shape: [...data.shape.slice(0, ax), ...idx.shape, ...data.shape.slice(ax + 1)], data: out };
}

/**
 * output = container; for each multi-index (i..j) of indices' leading dimensions, output[indices[i..j, :], ...]
 * (op)= updates[i..j, ...]: indices [I..., K] point into the container's first K dimensions, updates' shape is
 * [I...] + container.shape[K:].
 */
function scatterND(container: NdArray, idx: NdArray, updates: NdArray, p: Params, what: string): NdArray {
  const K = idx.shape.at(-1)!;
  if (idx.shape.length < 1 || K < 1 || K > container.shape.length) throw new Error(`${what}: indices [${idx.shape}] do not point into [${container.shape}]`);
  const lead = idx.shape.slice(0, -1);
  const expected = [...lead, ...container.shape.slice(K)];
  if (expected.join() !== updates.shape.join()) throw new Error(`${what}: updates [${updates.shape}] should be [${expected}]`);
  const mode = p.mode ?? 'SCATTER_UPDATE';
  if (mode !== 'SCATTER_ADD' && mode !== 'SCATTER_UPDATE') throw new Error(`${what}: scatter mode ${String(mode)} not supported by the reference interpreter`);
  const inner = size(container.shape.slice(K));
  const cs = strides(container.shape);
  const out = Float32Array.from(container.data);
  for (let i = 0; i < size(lead); i++) {
    let to = 0;
    for (let k = 0; k < K; k++) to += index(idx.data[i * K + k]!, container.shape[k]!, what) * cs[k]!;
    for (let e = 0; e < inner; e++) out[to + e] = mode === 'SCATTER_ADD' ? out[to + e]! + updates.data[i * inner + e]! : updates.data[i * inner + e]!;
  }
  return { shape: container.shape, data: out };
}

/** Two rank-2 inputs, either transposed on the fly (the only form the scorer uses). */
function matmul(a: NdArray, b: NdArray, p: Params, what: string): NdArray {
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error(`${what}: the reference interpreter multiplies rank-2 inputs only`);
  const [m, k] = p.transposeA ? [a.shape[1]!, a.shape[0]!] : (a.shape as [number, number]);
  const [k2, n] = p.transposeB ? [b.shape[1]!, b.shape[0]!] : (b.shape as [number, number]);
  if (k !== k2) throw new Error(`${what}: inner dimensions ${k} and ${k2} differ`);
  const A = (i: number, j: number) => (p.transposeA ? a.data[j * m + i]! : a.data[i * k + j]!);
  const B = (i: number, j: number) => (p.transposeB ? b.data[j * k + i]! : b.data[i * n + j]!);
  const data = new Float32Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += A(i, t) * B(t, j);
      data[i * n + j] = s;
    }
  return { shape: [m, n], data };
}

function unary(x: NdArray, p: Params, what: string): NdArray {
  const scale = Number(p.scale ?? 0) || 1;
  const shift = Number(p.shift ?? 0);
  const f: Record<string, (v: number) => number> = { LOG: Math.log, EXP: Math.exp, ABS: Math.abs, SQRT: Math.sqrt };
  const fn = f[String(p.type ?? 'SQRT')];
  if (!fn) throw new Error(`${what}: unary ${String(p.type)} not supported by the reference interpreter`);
  return { shape: x.shape, data: x.data.map((v) => fn(scale * v + shift)) };
}

function reshape(x: NdArray, shape: number[], what: string): NdArray {
  if (size(shape) !== x.data.length || shape.some((d) => !(d > 0))) throw new Error(`${what}: cannot reshape [${x.shape}] to [${shape}]`);
  return { shape, data: x.data };
}

function expandDims(x: NdArray, p: Params, what: string): NdArray {
  const rank = x.shape.length + ((p.axes as unknown[]) ?? []).length;
  const axes = ((p.axes as unknown[]) ?? []).map((a) => axis(a, rank, what)).sort((a, b) => a - b);
  if (!axes.length) throw new Error(`${what}: no axes to expand`);
  const shape = [...x.shape];
  for (const a of axes) shape.splice(a, 0, 1);
  return { shape, data: x.data };
}

const ARITHMETIC: Partial<Record<LayerKind, (v: number[]) => number>> = {
  addBroadcastable: ([a, b]) => a! + b!,
  subtractBroadcastable: ([a, b]) => a! - b!,
  multiplyBroadcastable: ([a, b]) => a! * b!,
  divideBroadcastable: ([a, b]) => a! / b!,
  maxBroadcastable: (v) => Math.max(...v),
  whereBroadcastable: ([c, x, y]) => (c !== 0 ? x! : y!),
};
const ARITY: Partial<Record<LayerKind, number>> = { whereBroadcastable: 3, scatterND: 3, loadConstantND: 0, gather: 2, batchedMatmul: 2 };

function run(layer: CoreMlLayer, kind: LayerKind, p: Params, inputs: NdArray[]): NdArray {
  const what = `${layer.name} (${kind})`;
  const arity = ARITY[kind] ?? (kind in ARITHMETIC ? 2 : kind === 'greaterThan' ? inputs.length : 1);
  if (inputs.length !== arity || (kind === 'greaterThan' && arity !== 1 && arity !== 2)) throw new Error(`${what}: ${inputs.length} inputs`);
  const [x, y, z] = inputs as [NdArray, NdArray, NdArray];
  const fn = ARITHMETIC[kind];
  if (fn) return broadcast(inputs, fn, what);
  switch (kind) {
    case 'greaterThan':
      return inputs.length === 2 ? broadcast(inputs, ([a, b]) => (a! > b! ? 1 : 0), what) : { shape: x.shape, data: x.data.map((v) => (v > Number(p.alpha ?? 0) ? 1 : 0)) };
    case 'loadConstantND': {
      const shape = ((p.shape as unknown[]) ?? []).map(Number);
      const values = ((p.data as { floatValue?: number[] } | undefined)?.floatValue ?? []) as number[];
      if (!shape.length || size(shape) !== values.length) throw new Error(`${what}: ${values.length} values for shape [${shape}]`);
      return { shape, data: Float32Array.from(values) };
    }
    case 'gather':
      return gather(x, y, p, what);
    case 'scatterND':
      return scatterND(x, y, z, p, what);
    case 'batchedMatmul':
      return matmul(x, y, p, what);
    case 'unary':
      return unary(x, p, what);
    case 'reduceSum':
      return reduce(x, p, 'sum', what);
    case 'reduceL2':
      return reduce(x, p, 'l2', what);
    case 'reduceMax':
      return reduce(x, p, 'max', what);
    case 'reshapeStatic':
      return reshape(x, ((p.targetShape as unknown[]) ?? []).map(Number), what);
    case 'expandDims':
      return expandDims(x, p, what);
    default:
      throw new Error(`${what}: layer kind not supported by the reference interpreter`);
  }
}

export interface DecodedModel {
  description: { input: { name: string }[]; output: { name: string }[] };
  neuralNetwork: { layers: (CoreMlLayer & { layer?: LayerKind })[] };
}

export const decodeCoreMl = (bytes: Uint8Array) =>
  ModelMessage.toObject(ModelMessage.decode(bytes), { longs: Number, enums: String, arrays: true, oneofs: true }) as DecodedModel;

/** Runs a decoded model's neural network on named inputs; returns every named output. */
export function runDecoded(model: DecodedModel, inputs: Record<string, NdArray>): Record<string, NdArray> {
  const blobs = new Map(Object.entries(inputs));
  for (const layer of model.neuralNetwork.layers) {
    const kind = layer.layer;
    if (!kind) throw new Error(`${layer.name}: no layer parameters`);
    const ins = layer.input.map((n) => {
      const v = blobs.get(n);
      if (!v) throw new Error(`${layer.name}: input ${n} is not defined yet`);
      return v;
    });
    blobs.set(layer.output[0]!, run(layer, kind, (layer[kind] ?? {}) as Params, ins));
  }
  return Object.fromEntries(
    model.description.output.map((o) => {
      const v = blobs.get(o.name);
      if (!v) throw new Error(`output ${o.name} is never computed`);
      return [o.name, v];
    }),
  );
}

/** Decodes a .mlmodel and runs its neural network on named inputs; returns every named output. */
export const runCoreMl = (bytes: Uint8Array, inputs: Record<string, NdArray>) => runDecoded(decodeCoreMl(bytes), inputs);

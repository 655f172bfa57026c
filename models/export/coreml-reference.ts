/**
 * A reference interpreter for the Core ML layers the user tower uses, reading the decoded model: the
 * Linux-side proof that the file we write computes the tower (Core ML itself only runs on Apple
 * systems). Semantics follow NeuralNetwork.proto: numpy broadcasting, negative axes from the end,
 * inner product weights [outputChannels, inputChannels].
 */
import { ModelMessage } from './coreml-schema';

export interface NdArray {
  shape: number[];
  data: Float32Array;
}

type Params = Record<string, unknown>;
interface Layer {
  name: string;
  input: string[];
  output: string[];
  [kind: string]: unknown;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const strides = (shape: number[]) => shape.map((_, i) => size(shape.slice(i + 1)));
const axis = (a: number | string, rank: number) => (Number(a) < 0 ? Number(a) + rank : Number(a));

function broadcast(x: NdArray, y: NdArray, f: (a: number, b: number) => number): NdArray {
  const rank = Math.max(x.shape.length, y.shape.length);
  const pad = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const xs = pad(x.shape);
  const ys = pad(y.shape);
  const shape = xs.map((a, i) => {
    const b = ys[i]!;
    if (a !== b && a !== 1 && b !== 1) throw new Error(`shapes ${x.shape} and ${y.shape} do not broadcast`);
    return Math.max(a, b);
  });
  const [sx, sy, so] = [strides(xs), strides(ys), strides(shape)];
  const data = new Float32Array(size(shape));
  for (let i = 0; i < data.length; i++) {
    let ix = 0;
    let iy = 0;
    for (let k = 0; k < rank; k++) {
      const c = Math.floor(i / so[k]!) % shape[k]!;
      ix += (xs[k] === 1 ? 0 : c) * sx[k]!;
      iy += (ys[k] === 1 ? 0 : c) * sy[k]!;
    }
    data[i] = f(x.data[ix]!, y.data[iy]!);
  }
  return { shape, data };
}

function reduce(x: NdArray, p: Params, f: 'sum' | 'l2'): NdArray {
  const rank = x.shape.length;
  const axes = new Set(((p.axes as (number | string)[]) ?? []).map((a) => axis(a, rank)));
  const kept = x.shape.map((s, i) => (axes.has(i) ? 1 : s));
  const acc = new Float64Array(size(kept));
  const [sx, sk] = [strides(x.shape), strides(kept)];
  for (let i = 0; i < x.data.length; i++) {
    let j = 0;
    for (let k = 0; k < rank; k++) if (!axes.has(k)) j += (Math.floor(i / sx[k]!) % x.shape[k]!) * sk[k]!;
    const v = x.data[i]!;
    acc[j]! += f === 'l2' ? v * v : v;
  }
  const data = Float32Array.from(acc, (v) => (f === 'l2' ? Math.sqrt(v) : v));
  return { shape: p.keepDims ? kept : x.shape.filter((_, i) => !axes.has(i)), data };
}

function run(layer: Layer, inputs: NdArray[]): NdArray {
  const [x, y] = inputs as [NdArray, NdArray];
  if (layer.expandDims) {
    const shape = [...x.shape];
    const axes = ((layer.expandDims as Params).axes as (number | string)[]).map((a) => axis(a, x.shape.length + 1)).sort((a, b) => a - b);
    for (const a of axes) shape.splice(a, 0, 1);
    return { shape, data: x.data };
  }
  if (layer.multiplyBroadcastable) return broadcast(x, y, (a, b) => a * b);
  if (layer.divideBroadcastable) return broadcast(x, y, (a, b) => a / b);
  if (layer.reduceSum) return reduce(x, layer.reduceSum as Params, 'sum');
  if (layer.reduceL2) return reduce(x, layer.reduceL2 as Params, 'l2');
  if (layer.clip) {
    const { minVal = 0, maxVal = 0 } = layer.clip as { minVal?: number; maxVal?: number };
    return { shape: x.shape, data: x.data.map((v) => Math.min(Math.max(v, minVal), maxVal)) };
  }
  if (layer.innerProduct) {
    const p = layer.innerProduct as { inputChannels: number; outputChannels: number; hasBias?: boolean; weights: { floatValue: number[] }; bias?: { floatValue: number[] } };
    const [cin, cout] = [Number(p.inputChannels), Number(p.outputChannels)];
    if (x.shape.at(-1) !== cin) throw new Error(`${layer.name}: last dimension ${x.shape.at(-1)} ≠ inputChannels ${cin}`);
    const rows = x.data.length / cin;
    const data = new Float32Array(rows * cout);
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < cout; o++) {
        let s = p.hasBias ? p.bias!.floatValue[o]! : 0;
        for (let i = 0; i < cin; i++) s += x.data[r * cin + i]! * p.weights.floatValue[o * cin + i]!;
        data[r * cout + o] = s;
      }
    return { shape: [...x.shape.slice(0, -1), cout], data };
  }
  throw new Error(`${layer.name}: layer type not supported by the reference interpreter`);
}

/** Decodes a .mlmodel and runs its neural network on named inputs; returns every named output. */
export function runCoreMl(bytes: Uint8Array, inputs: Record<string, NdArray>): Record<string, NdArray> {
  const model = ModelMessage.toObject(ModelMessage.decode(bytes), { longs: Number, defaults: true, oneofs: true }) as {
    description: { output: { name: string }[] };
    neuralNetwork: { layers: Layer[] };
  };
  const blobs = new Map(Object.entries(inputs));
  for (const layer of model.neuralNetwork.layers) {
    const ins = layer.input.map((n) => {
      const v = blobs.get(n);
      if (!v) throw new Error(`${layer.name}: input ${n} is not defined yet`);
      return v;
    });
    blobs.set(layer.output[0]!, run(layer, ins));
  }
  return Object.fromEntries(model.description.output.map((o) => [o.name, blobs.get(o.name)!]));
}

/** Writes the user tower (lib/recs/tower.ts) as an ONNX model: opset 17, named inputs, dynamic batch. */
import { onnxRoot, AttributeType, DataType } from './onnx-schema';

export const OPSET = 17;
// IR 8 is what onnx 1.12 wrote for opset 17; every runtime that reads opset 17 reads it.
const IR_VERSION = 8;

export interface TensorSpec {
  name: string;
  /** 'batch' and 'n' (the catalogue's size) for the dimensions the caller chooses. */
  shape: (number | 'batch' | 'n')[];
  dtype: 'float32';
}

export interface UserTowerIO {
  inputs: [TensorSpec, TensorSpec];
  outputs: [TensorSpec];
}

export function userTowerIO(historyLength: number, dim: number): UserTowerIO {
  return {
    inputs: [
      { name: 'history_embeddings', shape: ['batch', historyLength, dim], dtype: 'float32' },
      { name: 'history_weights', shape: ['batch', historyLength], dtype: 'float32' },
    ],
    outputs: [{ name: 'user_embedding', shape: ['batch', dim], dtype: 'float32' }],
  };
}

export const f32 = (name: string, dims: number[], data: Float32Array) => ({
  name,
  dims,
  dataType: DataType.FLOAT,
  rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
});
export const i64 = (name: string, values: ArrayLike<number>, dims: number[] = [values.length]) => {
  const buf = BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
  return { name, dims, dataType: DataType.INT64, rawData: new Uint8Array(buf.buffer) };
};
export const valueInfo = (t: TensorSpec) => ({
  name: t.name,
  type: {
    tensorType: {
      elemType: DataType.FLOAT,
      shape: { dim: t.shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
    },
  },
});
/** A node attribute: one of an int, ints or a string (./onnx-schema.ts's AttributeType). */
export interface Attribute {
  name: string;
  type: (typeof AttributeType)[keyof typeof AttributeType];
  i?: number;
  ints?: number[];
  s?: Uint8Array;
}
export const node = (opType: string, input: string[], output: string[], attribute: Attribute[] = []) => ({ opType, input, output, name: output[0], attribute });

/** A model around a graph: this opset and IR version, our producer name, string metadata. */
export function encodeModel(graph: object, metadata: Record<string, string>): Uint8Array {
  const ModelProto = onnxRoot.lookupType('onnx.ModelProto');
  const model = ModelProto.fromObject({
    irVersion: IR_VERSION,
    producerName: 'tandem',
    producerVersion: '1',
    graph,
    opsetImport: [{ domain: '', version: OPSET }],
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  return ModelProto.encode(model).finish();
}

export function userTowerOnnx(opts: {
  historyLength: number;
  dim: number;
  W: Float32Array;
  b: Float32Array;
  eps: number;
  metadata: Record<string, string>;
}): Uint8Array {
  const io = userTowerIO(opts.historyLength, opts.dim);
  const [emb, w] = io.inputs.map((t) => t.name) as [string, string];
  const out = io.outputs[0].name;
  const graph = {
    name: 'user_tower',
    docString: 'Weighted mean of history item embeddings → linear → L2 normalisation (lib/recs/tower.ts).',
    input: io.inputs.map(valueInfo),
    output: io.outputs.map(valueInfo),
    initializer: [
      f32('W', [opts.dim, opts.dim], opts.W),
      f32('b', [opts.dim], opts.b),
      f32('eps', [], Float32Array.of(opts.eps)),
      i64('axis1', [1]),
      i64('axis2', [2]),
    ],
    node: [
      node('Unsqueeze', [w, 'axis2'], ['weights_3d']),
      node('Mul', [emb, 'weights_3d'], ['weighted']),
      node('ReduceSum', ['weighted', 'axis1'], ['summed'], [{ name: 'keepdims', type: AttributeType.INT, i: 0 }]),
      node('ReduceSum', [w, 'axis1'], ['weight_total'], [{ name: 'keepdims', type: AttributeType.INT, i: 1 }]),
      node('Max', ['weight_total', 'eps'], ['weight_denominator']),
      node('Div', ['summed', 'weight_denominator'], ['pooled']),
      node('MatMul', ['pooled', 'W'], ['projected']),
      node('Add', ['projected', 'b'], ['z']),
      // ReduceL2 + Div rather than LpNormalization: the latter has no WebGPU kernel in ORT's JSEP path.
      node('ReduceL2', ['z'], ['z_norm'], [
        { name: 'axes', type: AttributeType.INTS, ints: [1] },
        { name: 'keepdims', type: AttributeType.INT, i: 1 },
      ]),
      node('Max', ['z_norm', 'eps'], ['norm_denominator']),
      node('Div', ['z', 'norm_denominator'], [out]),
    ],
  };
  return encodeModel(graph, opts.metadata);
}

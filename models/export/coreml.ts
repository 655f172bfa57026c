/**
 * The user tower as a Core ML model (TwoTower.mlmodel): the same graph as the ONNX export, written from
 * TypeScript with protobufjs against the published specification (./coreml-schema.ts), no Python.
 *
 * A neural-network model (specification version 4, exact N-d array mapping) is one protobuf file, so it
 * ships as `.mlmodel`, which Xcode compiles and wraps in a generated class named after the file:
 * `TwoTower`. (`.mlpackage` is a folder meant for ML programs with external weight files; it would add
 * a folder manifest outside the published specification and nothing for a 4 KB tower.)
 *
 * Inputs and outputs have the ONNX model's names and shapes with the batch fixed at 1: the app ranks for
 * one shopper at a time.
 */
import { userTowerIO } from './onnx';
import { FLOAT32, ModelMessage, SPECIFICATION_VERSION } from './coreml-schema';

export const COREML_FILE = 'TwoTower.mlmodel';
/** Clip's upper bound: "no upper bound" for a positive float32 denominator. */
const FLOAT_MAX = 3.4028234663852886e38;

export function userTowerCoreMl(opts: {
  historyLength: number;
  dim: number;
  /** Row-major d × d as in lib/recs/tower.ts: z[j] = Σ_i pooled[i] · W[i·d + j] + b[j]. */
  W: Float32Array;
  b: Float32Array;
  eps: number;
  version: string;
  metadata: Record<string, string>;
}): Uint8Array {
  const d = opts.dim;
  const io = userTowerIO(opts.historyLength, d);
  const shapeOf = (shape: (number | 'batch')[]) => shape.map((s) => (s === 'batch' ? 1 : s));
  const feature = (t: (typeof io.inputs)[number] | (typeof io.outputs)[number], doc: string) => ({
    name: t.name,
    shortDescription: doc,
    type: { multiArrayType: { shape: shapeOf(t.shape), dataType: FLOAT32 } },
  });
  const [emb, w] = io.inputs.map((t) => t.name) as [string, string];
  const out = io.outputs[0].name;
  // Core ML's inner product stores its weights as [outputChannels, inputChannels]: the transpose of W.
  const weightsOutIn = new Array<number>(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) weightsOutIn[j * d + i] = opts.W[i * d + j]!;
  const layer = (name: string, input: string[], output: string, params: object) => ({ name, input, output: [output], ...params });

  const model = ModelMessage.fromObject({
    specificationVersion: SPECIFICATION_VERSION,
    description: {
      input: [
        feature(io.inputs[0], `Item embeddings of the shopper's history, newest first, zero rows for padding: [1, ${opts.historyLength}, ${d}].`),
        feature(io.inputs[1], `Recency × kind weight of each history row, 0 for padding: [1, ${opts.historyLength}].`),
      ],
      output: [feature(io.outputs[0], `L2-normalised user embedding: score items by dot product with their embeddings: [1, ${d}].`)],
      metadata: {
        shortDescription: 'Tandem two-tower recommender: user tower (weighted mean of history embeddings, linear, L2 norm).',
        versionString: opts.version,
        author: 'Tandem',
        userDefined: Object.entries(opts.metadata).map(([key, value]) => ({ key, value })),
      },
    },
    neuralNetwork: {
      arrayInputShapeMapping: 1, // EXACT_ARRAY_MAPPING
      layers: [
        layer('weights_3d', [w], 'weights_3d', { expandDims: { axes: [-1] } }),
        layer('weighted', [emb, 'weights_3d'], 'weighted', { multiplyBroadcastable: {} }),
        layer('summed', ['weighted'], 'summed', { reduceSum: { axes: [1], keepDims: false } }),
        layer('weight_total', [w], 'weight_total', { reduceSum: { axes: [1], keepDims: true } }),
        layer('weight_denominator', ['weight_total'], 'weight_denominator', { clip: { minVal: opts.eps, maxVal: FLOAT_MAX } }),
        layer('pooled', ['summed', 'weight_denominator'], 'pooled', { divideBroadcastable: {} }),
        layer('z', ['pooled'], 'z', {
          innerProduct: { inputChannels: d, outputChannels: d, hasBias: true, weights: { floatValue: weightsOutIn }, bias: { floatValue: Array.from(opts.b) } },
        }),
        layer('z_norm', ['z'], 'z_norm', { reduceL2: { axes: [-1], keepDims: true } }),
        layer('norm_denominator', ['z_norm'], 'norm_denominator', { clip: { minVal: opts.eps, maxVal: FLOAT_MAX } }),
        layer(out, ['z', 'norm_denominator'], out, { divideBroadcastable: {} }),
      ],
    },
  });
  return ModelMessage.encode(model).finish();
}

/**
 * The whole scorer as a Core ML model (TwoTower.mlmodel): the ONNX graph of ./scorer-onnx.ts translated node by
 * node into neural-network layers of specification version 4 (exact N-d array mapping), written from TypeScript
 * with protobufjs against the published specification (./coreml-schema.ts), no Python. One graph, two encodings:
 * what the browser and Node run is what the app runs.
 *
 * A neural-network model is one protobuf file, so it ships as `.mlmodel`, which Xcode compiles and wraps in a
 * generated class named after the file: `TwoTower` (the seed's name, kept so the app's class stays). Constants
 * are LoadConstantND layers; ONNX's int64 index constants become float32 (Core ML's arrays are float; indices
 * below 2^24 are exact). Inputs and outputs have the ONNX graph's names and shapes ([1, L] in, [1, n] out).
 */
import { DataType } from './onnx-schema';
import type { Attribute } from './onnx';
import { FLOAT32, ModelMessage, SPECIFICATION_VERSION, type LayerKind } from './coreml-schema';
import type { GraphConstant, GraphNode, ScorerGraph } from './scorer-onnx';

export const COREML_FILE = 'TwoTower.mlmodel';

/** A Core ML layer as the schema's object form: one parameter message under its kind's name. */
export type CoreMlLayer = { name: string; input: string[]; output: string[] } & Partial<Record<LayerKind, Record<string, unknown>>>;

const BINARY: Record<string, LayerKind> = { Add: 'addBroadcastable', Sub: 'subtractBroadcastable', Mul: 'multiplyBroadcastable', Div: 'divideBroadcastable', Max: 'maxBroadcastable', Greater: 'greaterThan' };
const UNARY: Record<string, 'LOG' | 'EXP' | 'ABS'> = { Log: 'LOG', Exp: 'EXP', Abs: 'ABS' };
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function constantValues(c: GraphConstant): number[] {
  const raw = c.rawData;
  if (c.dataType === DataType.FLOAT) return Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)));
  const ints = Array.from(new BigInt64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)), Number);
  if (ints.some((v) => Math.abs(v) >= 2 ** 24)) throw new Error(`${c.name}: an index constant too large for float32`);
  return ints;
}

function broadcastShape(shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, k) => Math.max(...shapes.map((s) => s[s.length - rank + k] ?? 1)));
}

/** A tensor's shape with the catalogue's size `n` for the dimension the graph leaves to the caller. */
const concrete = (shape: readonly (number | string)[], n: number) => shape.map((d) => (typeof d === 'string' ? n : d));

/**
 * Translates the graph's nodes in order; constants become LoadConstantND layers where first read. `n` stands for
 * the catalogue's size while shapes are worked out: no layer writes it down (the tables are inputs), so the file
 * ranks a catalogue of any size.
 */
export function translateGraph(g: ScorerGraph, n: number): CoreMlLayer[] {
  const layers: CoreMlLayer[] = [];
  const shapes = new Map<string, number[]>(g.io.inputs.map((t) => [t.name, concrete(t.shape, n)]));
  const constants = new Map(g.initializer.map((c) => [c.name, { shape: c.dims.length ? c.dims : [1], values: constantValues(c) }]));
  const alias = new Map<string, string>();
  const attr = (n: GraphNode, name: string): Attribute | undefined => n.attribute.find((a) => a.name === name);
  const staticValues = (name: string) => {
    const c = constants.get(name);
    if (!c) throw new Error(`${name}: expected a constant`);
    return c.values;
  };
  /** A tensor's Core ML name, loading it as a constant the first time a layer reads it. */
  const ref = (name: string): string => {
    const n = alias.get(name) ?? name;
    const c = constants.get(n);
    if (c && !shapes.has(n)) {
      layers.push({ name: n, input: [], output: [n], loadConstantND: { shape: c.shape, data: { floatValue: c.values } } });
      shapes.set(n, c.shape);
    }
    if (!shapes.has(n)) throw new Error(`${name}: used before it is computed`);
    return n;
  };
  const shapeOf = (name: string) => shapes.get(ref(name))!;
  const emit = (n: GraphNode, kind: LayerKind, params: Record<string, unknown>, inputs: string[], shape: number[]) => {
    const out = n.output[0]!;
    layers.push({ name: out, input: inputs.map(ref), output: [out], [kind]: params });
    shapes.set(out, shape);
  };
  for (const n of g.node) {
    const [a, b, c] = n.input as [string, string, string];
    const axisOf = (rank: number) => {
      const x = Number(attr(n, 'axis')?.i ?? 0);
      return x < 0 ? x + rank : x;
    };
    if (n.opType === 'Identity' || n.opType === 'Cast') alias.set(n.output[0]!, ref(a)); // Core ML arrays are float; indices too
    else if (BINARY[n.opType]) emit(n, BINARY[n.opType]!, {}, [a, b], broadcastShape([shapeOf(a), shapeOf(b)]));
    else if (n.opType === 'Neg') {
      if (!constants.has('zero')) throw new Error('Neg needs the graph constant "zero"');
      emit(n, 'subtractBroadcastable', {}, ['zero', a], shapeOf(a));
    } else if (UNARY[n.opType]) emit(n, 'unary', { type: UNARY[n.opType], shift: 0, scale: 1 }, [a], shapeOf(a));
    else if (n.opType === 'Where') emit(n, 'whereBroadcastable', {}, [a, b, c], broadcastShape([shapeOf(a), shapeOf(b), shapeOf(c)]));
    else if (n.opType === 'Reshape') {
      const target = staticValues(b);
      const known = size(target.filter((d) => d !== -1));
      const shape = target.map((d) => (d === -1 ? size(shapeOf(a)) / known : d));
      emit(n, 'reshapeStatic', { targetShape: shape }, [a], shape);
    } else if (n.opType === 'Unsqueeze') {
      const axes = staticValues(b);
      const shape = [...shapeOf(a)];
      for (const x of [...axes].sort((p, q) => p - q)) shape.splice(x, 0, 1);
      emit(n, 'expandDims', { axes }, [a], shape);
    } else if (n.opType === 'Gather') {
      const [data, idx] = [shapeOf(a), shapeOf(b)];
      const axis = axisOf(data.length);
      emit(n, 'gather', { axis }, [a, b], [...data.slice(0, axis), ...idx, ...data.slice(axis + 1)]);
    } else if (n.opType === 'ScatterND') {
      // ONNX's ScatterND and Core ML's ScatterND have the same indexing; "add" is Core ML's SCATTER_ADD.
      if (new TextDecoder().decode(attr(n, 'reduction')?.s) !== 'add') throw new Error(`${n.name}: only a scatter-add translates`);
      emit(n, 'scatterND', { mode: 'SCATTER_ADD' }, [a, b, c], shapeOf(a));
    } else if (n.opType === 'MatMul' || n.opType === 'Gemm') {
      const transposeB = Number(attr(n, 'transB')?.i ?? 0) === 1;
      if (n.input.length > 2 || attr(n, 'alpha') || attr(n, 'beta') || attr(n, 'transA')) throw new Error(`${n.name}: only a plain product translates`);
      const [x, y] = [shapeOf(a), shapeOf(b)];
      if (x.length !== 2 || y.length !== 2) throw new Error(`${n.name}: only rank-2 products translate`);
      emit(n, 'batchedMatmul', { transposeB }, [a, b], [x[0]!, transposeB ? y[0]! : y[1]!]);
    } else if (n.opType === 'ReduceSum' || n.opType === 'ReduceL2' || n.opType === 'ReduceMax') {
      const x = shapeOf(a);
      const axes = (n.opType === 'ReduceSum' ? staticValues(b) : attr(n, 'axes')!.ints!).map((v) => (v < 0 ? v + x.length : v));
      // Core ML arrays have rank ≥ 1: a reduction to a scalar keeps its one dimension ([1] broadcasts as a scalar does).
      const keepDims = Number(attr(n, 'keepdims')?.i ?? 1) === 1 || axes.length === x.length;
      const kind = n.opType === 'ReduceSum' ? 'reduceSum' : n.opType === 'ReduceL2' ? 'reduceL2' : 'reduceMax';
      emit(n, kind, { axes, keepDims }, [a], keepDims ? x.map((d, k) => (axes.includes(k) ? 1 : d)) : x.filter((_, k) => !axes.includes(k)));
    } else throw new Error(`${n.name}: no Core ML translation for ${n.opType}`);
  }
  for (const t of g.io.outputs) {
    if (alias.has(t.name) || shapes.get(t.name)?.join() !== concrete(t.shape, n).join()) throw new Error(`${t.name}: the translated graph does not produce it as [${t.shape}]`);
  }
  return layers;
}

/**
 * `n`: the version's catalogue size, the default of every flexible dimension (the tables' first and the outputs'
 * second): the app passes its own tables, of any size (shapeRange 1…unbounded).
 */
export function scorerCoreMl(g: ScorerGraph, opts: { version: string; metadata: Record<string, string>; n: number }): Uint8Array {
  const feature = (t: ScorerGraph['io']['inputs'][number], doc: string) => ({
    name: t.name,
    shortDescription: doc,
    type: {
      multiArrayType: {
        shape: concrete(t.shape, opts.n),
        dataType: FLOAT32,
        ...(t.shape.some((d) => typeof d === 'string') ? { shapeRange: { sizeRanges: t.shape.map((d) => (typeof d === 'string' ? { lowerBound: 1, upperBound: -1 } : { lowerBound: d, upperBound: d })) } } : {}),
      },
    },
  });
  const L = g.io.inputs[0]!.shape[1];
  const n = 'n';
  const docs: Record<string, string> = {
    history_ids: `One slot per product the shopper touched, most recent first: its row in items.json; −1 for an empty slot: [1, ${L}].`,
    history_weights: `Each slot's Σ kind weight × 0.5^(age / half-life) over its events (lib/recs/features.ts); 0 when empty: [1, ${L}].`,
    history_counts: `Each slot's Σ kind weight over its events, not decayed (a purchase 1, a view 0.25); 0 when empty: [1, ${L}].`,
    history_ages: `Days from each slot's last event to now; 0 when empty: [1, ${L}].`,
    explore_scores: `Explore head: every product's score for discovery: [1, ${n}].`,
    repeat_scores: `Repeat head: every product's score for buying again (meaningful for the history's products): [1, ${n}].`,
    all_scores: `Explore, with the history's products at the repeat head's score plus the model's offset: rank these: [1, ${n}].`,
    item_rows: 'Every product\'s embedding as the version\'s runtimes use it (manifest.embeddings.use: items.f32.bin, or items.i8.bin × its per-row scales), row-major [n, dim]: n is the catalogue the app ranks.',
    item_pop30: 'Per product: signals.bin\'s pop30 [n].',
    item_pop7: 'Per product: signals.bin\'s pop7 [n].',
    item_trend: 'Per product: signals.bin\'s trend [n].',
    item_fresh: 'Per product: signals.bin\'s fresh [n].',
    item_repeat_rate: 'Per product: signals.bin\'s repeatRate [n].',
    item_interval: 'Per product: signals.bin\'s interval [n].',
    item_log_price: 'Per product: signals.bin\'s logPrice [n].',
    item_category: 'Per product: its category index [n].',
    item_neighbours: 'Per product: its co-purchase neighbours\' rows, best first, −1 for none [n, m].',
    item_neighbour_weights: 'Their cosine weights [n, m].',
    item_tokens: 'Per product: its name-word buckets, padded with features.tokenBuckets [n, T].',
    item_token_mask: '1 where item_tokens holds a word, 0 on padding [n, T].',
    item_community: 'Per product: its community, 0 for none [n] (a catalogue with communities only).',
  };
  const model = ModelMessage.fromObject({
    specificationVersion: SPECIFICATION_VERSION,
    description: {
      input: g.io.inputs.map((t) => feature(t, docs[t.name] ?? t.name)),
      output: g.io.outputs.map((t) => feature(t, docs[t.name] ?? t.name)),
      metadata: {
        shortDescription: 'Tandem two-tower recommender, the whole scorer: history slots in; explore, repeat and all scores for every product out.',
        versionString: opts.version,
        author: 'Tandem',
        userDefined: Object.entries(opts.metadata).map(([key, value]) => ({ key, value })),
      },
    },
    neuralNetwork: { arrayInputShapeMapping: 1 /* EXACT_ARRAY_MAPPING */, layers: translateGraph(g, opts.n) },
  });
  return ModelMessage.encode(model).finish();
}

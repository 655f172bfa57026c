import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadModel } from '../lib/recs/artifacts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { PointerSchema, SCORER_INPUTS, SCORER_OUTPUTS } from '../lib/recs/manifest';
import { DEFAULT_FEATURE_SPEC } from '../lib/recs/features';
import { writeArtifacts, type GoldenCase } from './export/artifacts';
import { ModelMessage, LAYER_KINDS, type LayerKind } from './export/coreml-schema';
import { decodeCoreMl, runDecoded, type DecodedModel } from './export/coreml-reference';
import { goldenFeeds, goldenRankings } from './export/golden-ranks';
import { rng } from './random';
import { emptyMetrics, syntheticComplements, syntheticProducts, syntheticScorer, syntheticSignals } from './test-model';
import type { TrainedModel } from './two-tower';

interface Decoded {
  specificationVersion: number;
  description: {
    input: { name: string; type: { multiArrayType: { shape: number[]; dataType: number } } }[];
    output: { name: string; type: { multiArrayType: { shape: number[]; dataType: number } } }[];
    metadata: { userDefined: { key: string; value: string }[] };
  };
  neuralNetwork: { arrayInputShapeMapping: number; layers: { name: string }[] };
}

const decode = (bytes: Uint8Array) => ModelMessage.toObject(ModelMessage.decode(bytes), { longs: Number, enums: Number, defaults: true }) as Decoded;

/**
 * The Core ML file held to onnxruntime-node's run of scorer.onnx on a version's goldens: every output [1, n] and
 * within 1e-4 of ONNX's, and the three golden rankings exactly. 'ok', or what failed (the interpreter's error too).
 */
async function verdict(dir: string, model: DecodedModel): Promise<string> {
  const version = await loadModel((p) => readFile(path.join(dir, p)));
  const { manifest, skus } = version;
  const golden = (JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as { cases: GoldenCase[] }).cases;
  const session = await ort.InferenceSession.create(readFileSync(path.join(dir, manifest.files.scorer!.path)));
  for (const g of golden) {
    // The slots and the version's catalogue tables: the same inputs for both runtimes.
    const feeds = goldenFeeds(g, version);
    let fromCoreMl: Record<string, { shape: number[]; data: Float32Array }>;
    try {
      fromCoreMl = runDecoded(model, feeds);
    } catch (e) {
      return `${g.name}: ${(e as Error).message}`;
    }
    const fromOnnx = await session.run(Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, new ort.Tensor('float32', t.data, t.shape)])));
    for (const name of SCORER_OUTPUTS) {
      const [a, b] = [fromCoreMl[name]!, fromOnnx[name]!.data as Float32Array];
      if (a.shape.join() !== `1,${skus.length}`) return `${g.name}: ${name} is [${a.shape}]`;
      // Equal infinities (a product another community's, ruled out) differ by nothing; anything else by its distance.
      const worst = a.data.reduce((w, v, i) => (v === b[i] || Math.abs(v - b[i]!) < 1e-4 ? w : Math.max(w, Number.isNaN(v - b[i]!) ? Infinity : Math.abs(v - b[i]!))), 0);
      if (worst > 0) return `${g.name}: ${name} differs from onnxruntime-node by ${worst}`;
    }
    const { top10, explore10, repeat } = g.expected;
    const ranked = goldenRankings(g, skus, { explore_scores: fromCoreMl.explore_scores!.data, repeat_scores: fromCoreMl.repeat_scores!.data, all_scores: fromCoreMl.all_scores!.data });
    if (JSON.stringify(ranked) !== JSON.stringify({ top10, explore10, repeat })) return `${g.name}: rankings differ from golden.json`;
  }
  return 'ok';
}

/** `communities`: products 0–11 one community, 12–23 another, 24–29 in none (models/communities.ts). */
function synthetic(opts: { communities?: boolean } = {}): { dir: string; model: TrainedModel } {
  const r = rng(3);
  const n = 30;
  const dim = 8;
  const spec = { ...DEFAULT_FEATURE_SPEC, historyLength: 5 };
  const unit = (v: Float32Array) => {
    const s = Math.hypot(...v);
    return v.map((x) => x / s);
  };
  const items = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) items.set(unit(Float32Array.from({ length: dim }, () => r() - 0.5)), i * dim);
  const model: TrainedModel = {
    dim,
    skus: Array.from({ length: n }, (_, i) => `C${100 + i}`),
    items,
    // Not symmetric, so a transposed weight matrix would show.
    W: Float32Array.from({ length: dim * dim }, (_, i) => (i % dim < i / dim ? 0.9 : -0.2) + (r() - 0.5) * 0.3),
    b: Float32Array.from({ length: dim }, () => (r() - 0.5) * 0.2),
    prior: new Float32Array(n),
    signals: { ...syntheticSignals(n), ...(opts.communities ? { community: Uint16Array.from({ length: n }, (_, i) => (i < 12 ? 1 : i < 24 ? 2 : 0)) } : {}) },
    scorer: syntheticScorer(),
    spec,
    now: Date.UTC(2011, 10, 24),
  };
  const at = (d: number) => model.now - d * 86_400_000;
  const golden = [
    { name: 'one', events: [{ sku: 'C104', at: at(2), kind: 'view' as const }] },
    {
      name: 'mixed',
      events: [
        { sku: 'C101', at: at(1), kind: 'purchase' as const },
        { sku: 'C101', at: at(30), kind: 'purchase' as const },
        { sku: 'C120', at: at(40), kind: 'cart' as const },
        { sku: 'C107', at: at(400), kind: 'view' as const },
        { sku: 'C104', at: at(5), kind: 'purchase' as const },
      ],
    },
    { name: 'full', events: Array.from({ length: 9 }, (_, k) => ({ sku: `C${100 + ((k * 7) % 30)}`, at: at(k * 3 + 1), kind: k % 3 === 0 ? ('purchase' as const) : ('view' as const) })) },
    { name: 'empty', events: [] },
  ];
  const { dir } = writeArtifacts(mkdtempSync(path.join(tmpdir(), 'tandem-coreml-')), model, {
    catalogVersion: 'test', products: syntheticProducts(model.skus), complements: syntheticComplements(model.skus.length),
    metrics: emptyMetrics(),
    training: {},
    golden,
    coldStart: { format: 1, timeZone: 'Europe/London', weights: { country: 0, daypart: 0 }, countries: {}, dayparts: [] },
  });
  return { dir, model };
}

type Layer = DecodedModel['neuralNetwork']['layers'][number];
/**
 * One mistake per layer kind the graph uses, each of the sort a hand-written exporter makes (a wrong axis, a
 * transposed constant, swapped or rewired inputs, a wrong function): the parity check must catch every one.
 */
const MISTAKES: Record<LayerKind, { layer: string; mistake: string; apply: (l: Layer) => void }> = {
  loadConstantND: { layer: 'W', mistake: 'the tower weights stored transposed', apply: (l) => transposeConstant(l) },
  gather: { layer: 'hist_cat', mistake: 'gathers along an axis the category table does not have', apply: (l) => void (l.gather!.axis = -2) },
  scatterND: { layer: 'co_sum', mistake: 'scatters in update mode, not add', apply: (l) => void (l.scatterND!.mode = 'SCATTER_UPDATE') },
  batchedMatmul: { layer: 'z_lin', mistake: 'multiplies by the tower weights transposed', apply: (l) => void (l.batchedMatmul!.transposeB = true) },
  reduceSum: { layer: 'w_total', mistake: 'sums over axis 1 of a rank-1 array', apply: (l) => void (l.reduceSum!.axes = [1]) },
  reduceL2: { layer: 'z_norm', mistake: 'normalises over the batch axis', apply: (l) => void (l.reduceL2!.axes = [0]) },
  reduceMax: { layer: 'f_design', mistake: 'takes the maximum over items, not name words', apply: (l) => void (l.reduceMax!.axes = [0]) },
  unary: { layer: 'f_copurchase', mistake: 'log(1 + x) shifted once more', apply: (l) => void (l.unary!.shift = 1) },
  greaterThan: { layer: 'filled_bool', mistake: 'compares the wrong way round', apply: (l) => l.input.reverse() },
  whereBroadcastable: { layer: 'all_flat', mistake: 'picks explore where repeat belongs', apply: (l) => void ([l.input[1], l.input[2]] = [l.input[2]!, l.input[1]!]) },
  addBroadcastable: { layer: 'z', mistake: 'adds the tower output to itself, not the bias', apply: (l) => void (l.input[1] = l.input[0]!) },
  subtractBroadcastable: { layer: 'lp_neg', mistake: 'subtracts the wrong way round', apply: (l) => l.input.reverse() },
  multiplyBroadcastable: { layer: 'w', mistake: 'weights by the weights, not the filled mask', apply: (l) => void (l.input[1] = l.input[0]!) },
  divideBroadcastable: { layer: 'pooled', mistake: 'divides the wrong way round', apply: (l) => l.input.reverse() },
  maxBroadcastable: { layer: 'w_denom', mistake: 'loses the epsilon (0/0 on an empty history)', apply: (l) => void (l.input[1] = l.input[0]!) },
  expandDims: { layer: 'all_scores', mistake: 'adds the unit axis last', apply: (l) => void (l.expandDims!.axes = [1]) },
  reshapeStatic: { layer: 'co_at', mistake: 'lays the neighbour indices out as a row, not a column', apply: (l) => void (l.reshapeStatic!.targetShape = [...(l.reshapeStatic!.targetShape as number[])].reverse()) },
};

function transposeConstant(l: Layer) {
  const p = l.loadConstantND as { shape: number[]; data: { floatValue: number[] } };
  const [rows, cols] = p.shape as [number, number];
  const v = p.data.floatValue;
  p.data.floatValue = v.map((_, k) => v[(k % rows) * cols + Math.floor(k / rows)]!);
}

describe('Core ML export (TwoTower.mlmodel): the scorer graph, translated', () => {
  it('decodes with the specification schema: version, names, shapes, types, metadata; the interface is the scorer graph’s', () => {
    const { dir } = synthetic();
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.files.coreml.path).toBe('TwoTower.mlmodel');
    expect(manifest.coreml).toMatchObject({ format: 'mlmodel', className: 'TwoTower', specificationVersion: 4 });
    const m = decode(readFileSync(path.join(dir, 'TwoTower.mlmodel')));
    expect(m.specificationVersion).toBe(4);
    expect(m.neuralNetwork.arrayInputShapeMapping).toBe(1); // EXACT_ARRAY_MAPPING
    const described = (fs: Decoded['description']['input']) => fs.map((f) => ({ name: f.name, shape: f.type.multiArrayType.shape, dataType: f.type.multiArrayType.dataType }));
    // The history's slots, then the catalogue's tables: sized for this catalogue (30) by default, any size allowed.
    const inputs = manifest.scorerGraph.inputs as { name: string; shape: (number | string)[] }[];
    expect(inputs.slice(0, 4).map((t) => t.name)).toEqual([...SCORER_INPUTS]);
    expect(inputs.map((t) => t.name)).toContain('item_rows');
    const sized = (shape: (number | string)[]) => shape.map((d) => (d === 'n' ? 30 : d));
    expect(described(m.description.input)).toEqual(inputs.map((t) => ({ name: t.name, shape: sized(t.shape), dataType: 65568 })));
    expect(described(m.description.output)).toEqual(SCORER_OUTPUTS.map((name) => ({ name, shape: [1, 30], dataType: 65568 })));
    const rows = m.description.input.find((f) => f.name === 'item_rows')!.type.multiArrayType as { shapeRange?: { sizeRanges: { lowerBound: number; upperBound: number }[] } };
    expect(rows.shapeRange?.sizeRanges.map((r) => [Number(r.lowerBound), Number(r.upperBound)])).toEqual([[1, -1], [8, 8]]);
    const slot = m.description.input.find((f) => f.name === 'history_ids')!.type.multiArrayType as { shapeRange?: unknown };
    expect(slot.shapeRange).toBeUndefined();
    // The app feeds what the browser and Node feed the ONNX graph.
    expect(manifest.coreml.inputs).toEqual(manifest.scorerGraph.inputs);
    expect(manifest.coreml.outputs).toEqual(manifest.scorerGraph.outputs);
    expect(Object.fromEntries(m.description.metadata.userDefined.map((e) => [e.key, e.value]))).toMatchObject({ catalogVersion: 'test', itemIdsFile: 'items.json' });
  });

  it('computes the scorer: within 1e-4 of onnxruntime-node on scorer.onnx, and every golden ranking exactly', async () => {
    const { dir } = synthetic();
    const model = decodeCoreMl(readFileSync(path.join(dir, 'TwoTower.mlmodel')));
    expect(new Set(model.neuralNetwork.layers.map((l) => l.layer))).toEqual(new Set(LAYER_KINDS));
    expect(await verdict(dir, model)).toBe('ok');
  });

  it('ranks a catalogue of another size than the one it was exported with: ONNX and Core ML agree on 60 products fed to a file made for 30', async () => {
    const { dir } = synthetic();
    const version = await loadModel((p) => readFile(path.join(dir, p)));
    const model = decodeCoreMl(readFileSync(path.join(dir, 'TwoTower.mlmodel')));
    const session = await ort.InferenceSession.create(readFileSync(path.join(dir, version.manifest.files.scorer!.path)));
    const golden = (JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as { cases: GoldenCase[] }).cases;
    const twice = (t: { data: Float32Array; shape: number[] }) => ({ data: Float32Array.from([...t.data, ...t.data]), shape: [t.shape[0]! * 2, ...t.shape.slice(1)] });
    const feeds = Object.fromEntries(Object.entries(goldenFeeds(golden[1]!, version)).map(([name, t]) => [name, name.startsWith('item_') ? twice(t) : t]));
    const fromCoreMl = runDecoded(model, feeds);
    const fromOnnx = await session.run(Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, new ort.Tensor('float32', t.data, t.shape)])));
    for (const name of SCORER_OUTPUTS) {
      expect(fromCoreMl[name]!.shape, name).toEqual([1, 60]);
      const onnx = fromOnnx[name]!.data as Float32Array;
      expect(onnx.length).toBe(60);
      fromCoreMl[name]!.data.forEach((v, i) => expect(Math.abs(v - onnx[i]!), `${name}[${i}]`).toBeLessThan(1e-4));
    }
  });

  it('rules out the products of communities the history is not in, as the reference does: in ONNX and Core ML alike', async () => {
    const { dir, model } = synthetic({ communities: true });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.signals.communities).toBe(2);
    expect(await verdict(dir, decodeCoreMl(readFileSync(path.join(dir, 'TwoTower.mlmodel'))))).toBe('ok');
    // Not vacuous: a history in community 1 (C101, C104, C107) never sees community 2 among its top ten.
    const golden = (JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as { cases: GoldenCase[] }).cases;
    const mixed = golden.find((g) => g.name === 'one')!;
    const community = (sku: string) => model.signals.community![model.skus.indexOf(sku)]!;
    expect(mixed.expected.top10.length).toBeGreaterThan(0);
    expect(mixed.expected.top10.map(community)).not.toContain(2);
    expect(mixed.expected.top10.map(community)).toContain(0);
  });

  it.each(Object.entries(MISTAKES))('fails the parity check with a %s layer gone wrong', async (kind, { layer, mistake, apply }) => {
    const { dir } = synthetic();
    const model = decodeCoreMl(readFileSync(path.join(dir, 'TwoTower.mlmodel')));
    const target = model.neuralNetwork.layers.find((l) => l.name === layer);
    expect(target?.layer, layer).toBe(kind);
    apply(target!);
    const found = await verdict(dir, model);
    expect(found, mistake).not.toBe('ok');
  });
});

const pointerFile = path.join('public', 'models', 'current.json');
describe.runIf(existsSync(pointerFile) || process.env.CI)('shipped Core ML model', () => {
  it('matches onnxruntime-node on the shipped scorer.onnx within 1e-4, with every golden ranking exact', async () => {
    const pointer = PointerSchema.parse(JSON.parse(readFileSync(pointerFile, 'utf8')));
    const dir = path.join('public', path.dirname(pointer.manifest));
    expect(await verdict(dir, decodeCoreMl(readFileSync(path.join(dir, 'TwoTower.mlmodel'))))).toBe('ok');
  }, 60_000);
});

import { existsSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { PointerSchema } from '../lib/recs/manifest';
import { DEFAULT_FEATURE_SPEC } from '../lib/recs/features';
import { towerInputs } from '../lib/recs/tower';
import { writeArtifacts, type GoldenCase } from './export/artifacts';
import { ModelMessage } from './export/coreml-schema';
import { runCoreMl } from './export/coreml-reference';
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

/** Runs the golden histories through the decoded Core ML model and through onnxruntime-node. */
async function parity(dir: string, items: Float32Array, dim: number, historyLength: number) {
  const golden = (JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as { cases: GoldenCase[] }).cases;
  const coreml = readFileSync(path.join(dir, 'TwoTower.mlmodel'));
  const session = await ort.InferenceSession.create(readFileSync(path.join(dir, 'user-tower.onnx')));
  let worst = 0;
  for (const g of golden) {
    const x = towerInputs(items, dim, [{ ids: Int32Array.from(g.expected.ids), weights: Float32Array.from(g.expected.weights) }], historyLength);
    const fromCoreMl = runCoreMl(coreml, {
      history_embeddings: { shape: [1, historyLength, dim], data: x.embeddings },
      history_weights: { shape: [1, historyLength], data: x.weights },
    }).user_embedding!;
    const fromOnnx = (
      await session.run({
        history_embeddings: new ort.Tensor('float32', x.embeddings, [1, historyLength, dim]),
        history_weights: new ort.Tensor('float32', x.weights, [1, historyLength]),
      })
    ).user_embedding!.data as Float32Array;
    expect(fromCoreMl.shape).toEqual([1, dim]);
    for (let k = 0; k < dim; k++) {
      worst = Math.max(worst, Math.abs(fromCoreMl.data[k]! - fromOnnx[k]!), Math.abs(fromCoreMl.data[k]! - g.expected.userEmbedding[k]!));
    }
  }
  expect(worst).toBeLessThan(1e-4);
  return golden.length;
}

function synthetic(): { dir: string; model: TrainedModel } {
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
    signals: syntheticSignals(n),
    scorer: syntheticScorer(),
    spec,
    now: Date.UTC(2011, 10, 24),
  };
  const at = (d: number) => model.now - d * 86_400_000;
  const golden = [
    { name: 'one', events: [{ sku: 'C104', at: at(2), kind: 'view' as const }] },
    { name: 'mixed', events: [{ sku: 'C101', at: at(1), kind: 'purchase' as const }, { sku: 'C120', at: at(40), kind: 'cart' as const }, { sku: 'C107', at: at(400), kind: 'view' as const }] },
    { name: 'empty', events: [] },
  ];
  const metrics = emptyMetrics();
  const { dir } = writeArtifacts(mkdtempSync(path.join(tmpdir(), 'tandem-coreml-')), model, {
    catalogVersion: 'test', products: syntheticProducts(model.skus), complements: syntheticComplements(model.skus.length),
    metrics,
    training: {},
    golden,
    coldStart: { format: 1, timeZone: 'Europe/London', weights: { country: 0, daypart: 0 }, countries: {}, dayparts: [] },
  });
  return { dir, model };
}

describe('Core ML export (TwoTower.mlmodel)', () => {
  it('decodes with the specification schema: version, names, shapes, types, layers', () => {
    const { dir } = synthetic();
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.files.coreml.path).toBe('TwoTower.mlmodel');
    expect(manifest.coreml).toMatchObject({ format: 'mlmodel', className: 'TwoTower', specificationVersion: 4 });
    const m = decode(readFileSync(path.join(dir, 'TwoTower.mlmodel')));
    expect(m.specificationVersion).toBe(4);
    expect(m.neuralNetwork.arrayInputShapeMapping).toBe(1); // EXACT_ARRAY_MAPPING
    const described = (fs: Decoded['description']['input']) => fs.map((f) => ({ name: f.name, shape: f.type.multiArrayType.shape, dataType: f.type.multiArrayType.dataType }));
    expect(described(m.description.input)).toEqual([
      { name: 'history_embeddings', shape: [1, 5, 8], dataType: 65568 },
      { name: 'history_weights', shape: [1, 5], dataType: 65568 },
    ]);
    expect(described(m.description.output)).toEqual([{ name: 'user_embedding', shape: [1, 8], dataType: 65568 }]);
    // Same names as the ONNX model, so the app and the browser feed the same tensors.
    expect(manifest.coreml.inputs.map((t: { name: string }) => t.name)).toEqual(manifest.userTower.inputs.map((t: { name: string }) => t.name));
    expect(m.neuralNetwork.layers.at(-1)!.name).toBe('user_embedding');
    expect(Object.fromEntries(m.description.metadata.userDefined.map((e) => [e.key, e.value]))).toMatchObject({ catalogVersion: 'test', itemsFile: 'items.f32.bin' });
  });

  it('computes the tower: the decoded weights match onnxruntime-node and the golden vectors within 1e-4', async () => {
    const { dir, model } = synthetic();
    expect(await parity(dir, model.items, model.dim, model.spec.historyLength)).toBe(3);
  });
});

const pointerFile = path.join('public', 'models', 'current.json');
describe.runIf(existsSync(pointerFile) || process.env.CI)('shipped Core ML model', () => {
  it('matches onnxruntime-node on the shipped golden vectors within 1e-4', async () => {
    const pointer = PointerSchema.parse(JSON.parse(readFileSync(pointerFile, 'utf8')));
    const dir = path.join('public', path.dirname(pointer.manifest));
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const raw = readFileSync(path.join(dir, manifest.files.itemsFloat32.path));
    const items = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    expect(await parity(dir, items, manifest.dim, manifest.features.historyLength)).toBeGreaterThanOrEqual(3);
  });
});

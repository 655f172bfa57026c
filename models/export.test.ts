import { spawnSync } from 'node:child_process';
import { rowsOf } from '../lib/recs/items';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ArtifactError, loadDeviceModel, loadModel, loadPointedModel, manifestLocation, type LoadedModel } from '../lib/recs/artifacts';
import { DEFAULT_FEATURE_SPEC } from '../lib/recs/features';
import { PointerSchema } from '../lib/recs/manifest';
import { poolHistory, userTower } from '../lib/recs/tower';
import { goldenCases, writeArtifacts, type GoldenCase } from './export/artifacts';
import { onnxUserEmbeddings } from './compare';
import { initParams, itemEmbeddings } from './train';
import { rng } from './random';
import { emptyMetrics, syntheticComplements, syntheticProducts, syntheticScorer, syntheticSignals } from './test-model';
import type { TrainedModel } from './two-tower';

const DAY = 86_400_000;

/** A small random model: the export path does not care whether the weights were trained. */
function syntheticModel(): TrainedModel {
  const n = 40;
  const dim = 8;
  const spec = { ...DEFAULT_FEATURE_SPEC, historyLength: 6 };
  const items = { count: n, categoryCount: 3, priceBucketCount: 9, tokenBuckets: 16, features: Array.from({ length: n }, (_, i) => ({ category: i % 3, priceBucket: i % 9, tokens: [i % 16, (i * 7) % 16] })) };
  const p = initParams(items, dim, 1);
  const r = rng(9);
  return {
    dim,
    skus: Array.from({ length: n }, (_, i) => `P${1000 + i}`),
    items: itemEmbeddings(p, items),
    W: Float32Array.from({ length: dim * dim }, () => r() - 0.5),
    b: Float32Array.from({ length: dim }, () => (r() - 0.5) * 0.1),
    prior: Float32Array.from({ length: n }, (_, i) => 1 - i / n),
    signals: syntheticSignals(n),
    scorer: syntheticScorer(),
    spec,
    now: Date.UTC(2011, 10, 24),
  };
}

function exportSynthetic(embeddings: 'float32' | 'int8' = 'float32', complements = syntheticComplements(40)): { dir: string; model: TrainedModel; version: string } {
  const model = syntheticModel();
  const at = (d: number) => model.now - d * DAY;
  const golden = [
    { name: 'two', events: [{ sku: 'P1003', at: at(3), kind: 'purchase' as const }, { sku: 'P1010', at: at(1), kind: 'view' as const }] },
    { name: 'long', events: Array.from({ length: 12 }, (_, i) => ({ sku: `P${1000 + ((i * 5) % 40)}`, at: at(i * 9), kind: 'purchase' as const })) },
    { name: 'empty', events: [] },
  ];
  const metrics = emptyMetrics();
  const { dir, manifest } = writeArtifacts(mkdtempSync(path.join(tmpdir(), 'tandem-models-')), model, { catalogVersion: 'test', products: syntheticProducts(model.skus), complements, embeddings, metrics, training: {}, golden, coldStart: { format: 1, timeZone: 'Europe/London', weights: { country: 0.1, daypart: 0 }, countries: {}, dayparts: [] } });
  return { dir, model, version: manifest.version };
}

const reader = (dir: string) => (p: string) => readFile(path.join(dir, p));

/** Runs the golden cases through the exported ONNX and through the TypeScript reference. */
async function checkGolden(loaded: LoadedModel, golden: GoldenCase[]) {
  const index = rowsOf(loaded.skus);
  const inputs = golden.map((g) => ({ ids: Int32Array.from(g.expected.ids), weights: Float32Array.from(g.expected.weights), counts: Float32Array.from(g.expected.counts), ages: Float32Array.from(g.expected.ages) }));
  const fromOnnx = await onnxUserEmbeddings(loaded, inputs);
  golden.forEach((g, i) => {
    expect(g.events.every((e) => index.has(e.sku))).toBe(true);
    // Needs the tower's weights, which only the ONNX file carries: compare ONNX with the golden file's
    // reference embedding, computed by lib/recs/tower.ts at export time.
    const expected = g.expected.userEmbedding;
    const got = [...fromOnnx[i]!];
    expect(got).toHaveLength(expected.length);
    for (let k = 0; k < expected.length; k++) expect(Math.abs(got[k]! - expected[k]!)).toBeLessThan(1e-4);
  });
}

describe('exported artifacts', () => {
  it('list every file with its real size and sha256, and load back', async () => {
    const { dir, model } = exportSynthetic();
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    for (const f of Object.values(manifest.files) as { path: string; bytes: number; sha256: string }[]) {
      const bytes = readFileSync(path.join(dir, f.path));
      expect(bytes.byteLength).toBe(f.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
    }
    const loaded = await loadModel(reader(dir));
    expect(loaded.skus).toEqual(model.skus);
    expect(loaded.items).toEqual(model.items);
    expect(loaded.manifest.userTower.inputs.map((t) => t.name)).toEqual(['history_embeddings', 'history_weights']);
    expect(loaded.manifest.userTower.inputs[0]!.shape).toEqual(['batch', 6, 8]);
  });

  it('names a new version when only a setting a runtime ranks by changes (the complement scoring), the same one otherwise', () => {
    const base = syntheticComplements(40);
    const a = exportSynthetic('float32', base).version;
    expect(exportSynthetic('float32', base).version).toBe(a);
    // complements.bin is byte for byte the same: only the manifest's settings differ.
    expect(exportSynthetic('float32', { ...base, spec: { ...base.spec, evidence: 10 } }).version).not.toBe(a);
  });

  it('ONNX user tower matches the TypeScript reference within 1e-4 on the golden vectors, batched', async () => {
    const { dir, model } = exportSynthetic();
    const loaded = await loadModel(reader(dir));
    const golden = (JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as { cases: GoldenCase[] }).cases;
    expect(golden.map((g) => g.name)).toEqual(['two', 'long', 'empty']);
    // The golden file itself agrees with a fresh reference computation.
    expect(goldenCases(model, golden.map((g) => ({ name: g.name, events: g.events.map((e) => ({ ...e, at: Date.parse(e.at) })) })))).toEqual(golden);
    const ref = golden.map((g) => userTower({ dim: model.dim, W: model.W, b: model.b }, poolHistory(model.items, model.dim, Int32Array.from(g.expected.ids), Float32Array.from(g.expected.weights))));
    expect(ref.map((r) => [...r])).toEqual(golden.map((g) => g.expected.userEmbedding));
    await checkGolden(loaded, golden);
  });

  it('ship names, prices and categories in the model order, checked against the manifest\'s catalogue', async () => {
    const { dir, model } = exportSynthetic();
    const loaded = await loadModel(reader(dir));
    const products = syntheticProducts(model.skus);
    expect(loaded.meta.names).toEqual(products.map((p) => p.name));
    expect(loaded.meta.prices).toEqual(products.map((p) => p.price));
    expect(loaded.meta.categories).toEqual(products.map((p) => p.category));
    // Rows from another catalogue, or one row short, never name a product on a shelf.
    const metaFile = path.join(dir, 'items-meta.json');
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    const manifestFile = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    const rewrite = (value: unknown) => {
      const bytes = Buffer.from(JSON.stringify(value));
      writeFileSync(metaFile, bytes);
      writeFileSync(manifestFile, JSON.stringify({ ...manifest, files: { ...manifest.files, itemMeta: { path: 'items-meta.json', bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') } } }));
    };
    rewrite({ ...meta, catalogVersion: 'other' });
    await expect(loadModel(reader(dir))).rejects.toThrow(/items-meta\.json: catalog other, manifest says test/);
    rewrite({ ...meta, items: meta.items.slice(1) });
    await expect(loadModel(reader(dir))).rejects.toThrow(/items-meta\.json: \d+ rows, expected \d+/);
    rewrite({ ...meta, items: [['x', -1, 'other'], ...meta.items.slice(1)] });
    await expect(loadModel(reader(dir))).rejects.toThrow(/items-meta\.json: not item metadata: items\.0\.1/);
  });

  it('with int8 shipped, every runtime ranks the dequantised rows: the int8 files, the float32 file and the goldens agree', async () => {
    const { dir, model } = exportSynthetic('int8');
    const loaded = await loadModel(reader(dir));
    expect(loaded.manifest.embeddings.use).toBe('int8');
    const raw = readFileSync(path.join(dir, 'items.f32.bin'));
    const floatFile = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    expect([...loaded.items]).toEqual([...floatFile]);
    expect(loaded.items).not.toEqual(model.items); // quantised, so not the trained values
    for (let i = 0; i < model.items.length; i++) expect(Math.abs(loaded.items[i]! - model.items[i]!)).toBeLessThan(0.01);
    const golden = (JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as { cases: GoldenCase[] }).cases;
    expect(goldenCases({ ...model, items: loaded.items }, golden.map((g) => ({ name: g.name, events: g.events.map((e) => ({ ...e, at: Date.parse(e.at) })) })))).toEqual(golden);
    await checkGolden(loaded, golden);
  });

  it('ONNX model is opset 17 with a dynamic batch dimension', async () => {
    const { dir } = exportSynthetic();
    const session = await ort.InferenceSession.create(readFileSync(path.join(dir, 'user-tower.onnx')));
    expect(session.inputNames).toEqual(['history_embeddings', 'history_weights']);
    expect(session.outputNames).toEqual(['user_embedding']);
    const out = await session.run({
      history_embeddings: new ort.Tensor('float32', new Float32Array(3 * 6 * 8).fill(0.1), [3, 6, 8]),
      history_weights: new ort.Tensor('float32', new Float32Array(3 * 6).fill(1), [3, 6]),
    });
    expect(out.user_embedding!.dims).toEqual([3, 8]);
  });

  it('rejects a corrupted, truncated or mis-described artifact with a clear error', async () => {
    const { dir } = exportSynthetic();
    const file = path.join(dir, 'items.f32.bin');
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    flipped[17] = flipped[17]! ^ 0xff;
    writeFileSync(file, flipped);
    await expect(loadModel(reader(dir))).rejects.toThrow(ArtifactError);
    await expect(loadModel(reader(dir))).rejects.toThrow(/items\.f32\.bin: sha256 .* \(corrupted\)/);
    writeFileSync(file, good.subarray(0, 100));
    await expect(loadModel(reader(dir))).rejects.toThrow(/items\.f32\.bin: 100 bytes, manifest says \d+ \(truncated or replaced\)/);
    writeFileSync(file, good);
    await expect(loadModel(reader(dir))).resolves.toBeTruthy();

    const manifestFile = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, dim: 'eight' }));
    await expect(loadModel(reader(dir))).rejects.toThrow(/manifest manifest\.json is invalid: dim/);
    writeFileSync(manifestFile, '{"oops"');
    await expect(loadModel(reader(dir))).rejects.toThrow(/not readable JSON/);
  });

  it('loads the version a pointer names, and rejects a manifest of another version', async () => {
    const { dir } = exportSynthetic();
    const { version } = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const pointer = { version, manifest: `/models/${version}/manifest.json`, inputsHash: '' };
    expect(manifestLocation(pointer)).toEqual({ base: `/models/${version}/`, file: 'manifest.json' });
    await expect(loadPointedModel(reader(dir), pointer, loadModel)).resolves.toMatchObject({ manifest: { version } });
    await expect(loadPointedModel(reader(dir), { ...pointer, version: 'aaaaaaaaaaaa' }, loadModel)).rejects.toThrow(/manifest is version [0-9a-f]{12}, pointer names aaaaaaaaaaaa/);
  });

  it('the browser loads every file it ranks with and not the tower weights, which only a runtime without ONNX needs', async () => {
    const { dir } = exportSynthetic();
    const read: string[] = [];
    const device = await loadDeviceModel((p) => (read.push(p), readFile(path.join(dir, p))));
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { files: Record<string, { path: string }> };
    expect(read).not.toContain(manifest.files.towerWeights!.path);
    expect(read).toContain(manifest.files.userTower!.path);
    expect(device).not.toHaveProperty('tower');
    const full = await loadModel(reader(dir));
    expect(full.tower.W).toHaveLength(full.manifest.dim * full.manifest.dim);
    expect(device.items).toEqual(full.items);
  });
});

// The shipped model: `npm test` runs `npm run data` first, so in CI it always exists.
const pointerFile = path.join('public', 'models', 'current.json');
describe.runIf(existsSync(pointerFile) || process.env.CI)('shipped model (public/models/current.json)', () => {
  it('loads with every hash verified and matches its golden vectors through onnxruntime-node', async () => {
    const pointer = PointerSchema.parse(JSON.parse(readFileSync(pointerFile, 'utf8')));
    const dir = path.join('public', path.dirname(pointer.manifest));
    const loaded = await loadModel(reader(dir));
    expect(loaded.manifest.version).toBe(pointer.version);
    expect(loaded.manifest.userTower.opset).toBeGreaterThanOrEqual(17);
    const golden = (JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as { cases: GoldenCase[] }).cases;
    expect(golden.length).toBeGreaterThanOrEqual(3);
    await checkGolden(loaded, golden);
    // The shipped validation result shows the model ahead of every baseline on NDCG@10.
    const models = loaded.manifest.metrics.validation.models;
    for (const [name, m] of Object.entries(models)) if (name !== 'two-tower') expect(models['two-tower']!['ndcg@10']).toBeGreaterThan(m['ndcg@10']);
  });

  it('`npm run eval -- --test FILE` ends with the metrics JSON line on a file it has never seen', () => {
    const csv = [
      'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
      '600001,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2011-12-05 10:00,2.55,17850,United Kingdom',
      '600001,22423,REGENCY CAKESTAND 3 TIER,1,2011-12-05 10:00,12.75,17850,United Kingdom',
      '600002,84879,ASSORTED COLOUR BIRD ORNAMENT,8,2011-12-06 11:00,1.69,13047,United Kingdom',
      'C600003,84879,ASSORTED COLOUR BIRD ORNAMENT,-8,2011-12-06 12:00,1.69,13047,United Kingdom',
    ].join('\n');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tandem-eval-')), 'later.csv');
    writeFileSync(file, csv);
    const run = spawnSync('npx', ['tsx', 'models/eval-cli.ts', '--test', file], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const last = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(last.users).toBe(2);
    expect(Object.keys(last.models).sort()).toEqual(['decayed-frequency', 'gp-topfreq', 'item-knn', 'p-topfreq', 'popularity', 'popularity-30d', 'tifu-knn', 'two-tower']);
    for (const m of Object.values(last.models) as Record<string, Record<string, number>>[]) {
      // The contract's keys, and each ndcg@10's standard error beside it (`se`: models/sample.ts).
      expect(Object.keys(m).sort()).toEqual(['explore', 'hitrate@10', 'ndcg@10', 'recall@10', 'repeat', 'se']);
      expect(Object.keys(m.explore!).sort()).toEqual(['ndcg@10', 'recall@10', 'se', 'users']);
      expect(Object.keys(m.repeat!).sort()).toEqual(['ndcg@10', 'recall@10', 'se', 'users']);
    }
  }, 120_000);
});

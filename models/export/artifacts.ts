/** Writes one model version: ONNX and Core ML user tower, item embeddings (float32 + int8), signals, prior, ids, item names and prices, golden vectors, manifest. */
import { rowsOf } from '../../lib/recs/items';
import type { ColdStartContext } from '../../lib/coldstart/context';
import type { Product } from '../../lib/catalog/types';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyInputs, type HistoryEvent } from '../../lib/recs/features';
import type { FileEntry, Manifest } from '../../lib/recs/manifest';
import { encodeComplements, type Complements } from '../../lib/recs/complements';
import { encodeItemMeta } from '../../lib/recs/item-meta';
import { dequantizeRows, quantizeRows } from '../../lib/recs/quantize';
import { dotAll, topK } from '../../lib/recs/rank';
import { rankingScores, repeatScores, userContext } from '../../lib/recs/score';
import { encodeSignals, signalsLayout } from '../../lib/recs/signals';
import { EPS } from '../../lib/recs/tower';
import { userEmbedding, type TrainedModel } from '../two-tower';
import { COREML_FILE, scorerCoreMl } from './coreml';
import { SPECIFICATION_VERSION } from './coreml-schema';
import { OPSET, userTowerIO, userTowerOnnx } from './onnx';
import { encodeScorerOnnx, graphModel, scorerGraph, scorerIO, tableShape } from './scorer-onnx';
import { catalogueParts } from './parts';
import { PARTS_FROM_ITEMS } from '../../lib/recs/parts';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const bytesOf = (a: Float32Array | Int8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export interface GoldenCase {
  name: string;
  now: string;
  events: { sku: string; at: string; kind: HistoryEvent['kind'] }[];
  expected: {
    ids: number[];
    weights: number[];
    counts: number[];
    ages: number[];
    userEmbedding: number[];
    /** The "all" ranking's top 10. */
    top10: string[];
    /** The explore ranking's top 10 without the products bought (what "Recommended for you" shows, before its cart and recent-view rules). */
    explore10: string[];
    /** The repeat head over the history slots, best first ("Buy it again"). */
    repeat: string[];
  };
}

/** What every runtime must reproduce: inputs, user embedding and the three rankings for a few histories. */
export function goldenCases(model: TrainedModel, histories: { name: string; events: HistoryEvent[] }[]): GoldenCase[] {
  const index = rowsOf(model.skus);
  return histories.map(({ name, events }) => {
    const h = historyInputs(events, index, model.now, model.spec);
    const user = userEmbedding(model, h);
    const ctx = userContext(model.signals, h);
    const dots = () => dotAll(user, model.items, model.dim);
    const bought = new Set(events.filter((e) => e.kind === 'purchase').flatMap((e) => (index.has(e.sku) ? [index.get(e.sku)!] : [])));
    const sku = (i: number) => model.skus[i]!;
    return {
      name,
      now: new Date(model.now).toISOString(),
      events: events.map((e) => ({ sku: e.sku, at: new Date(e.at).toISOString(), kind: e.kind })),
      expected: {
        ids: [...h.ids],
        weights: [...h.weights],
        counts: [...h.counts],
        ages: [...h.ages],
        userEmbedding: [...user],
        top10: topK(rankingScores('all', model.scorer, model.signals, ctx, dots()), 10).map(sku),
        explore10: topK(rankingScores('explore', model.scorer, model.signals, ctx, dots()), 10, bought).map(sku),
        repeat: repeatScores(model.scorer, model.signals, ctx, dots()).map(([i]) => sku(i)),
      },
    };
  });
}

/** What a shelf shows of a product: the columns of items-meta.json. */
export type ShelfProduct = Pick<Product, 'sku' | 'name' | 'price' | 'category'>;

/**
 * The version is the content: the files and every manifest setting a runtime ranks by (the scorer's weights, the
 * complement scoring's settings, the feature and signal layouts), so a device that cached a version never ranks it
 * with another's settings. Any of them changed, a new folder. (Metrics and the date are left out.)
 */
function versionOf(entries: Manifest['files'], ranksBy: Record<string, unknown>): string {
  return sha256(Object.values(entries).map((e) => e.sha256).join('') + JSON.stringify(ranksBy)).slice(0, 12);
}

/** The exported graphs: the user tower in ONNX (the browser's), the whole scorer in ONNX and, the same graph, Core ML. */
function exportedGraphs(model: TrainedModel, catalogVersion: string): { onnx: Uint8Array; coreml: Uint8Array; scorerGraph: Uint8Array } {
  const onnx = userTowerOnnx({
    historyLength: model.spec.historyLength,
    dim: model.dim,
    W: model.W,
    b: model.b,
    eps: EPS,
    metadata: { producer: 'tandem models/pipeline.ts', catalogVersion: catalogVersion },
  });
  const graph = scorerGraph(graphModel({ historyLength: model.spec.historyLength, dim: model.dim, tower: { W: model.W, b: model.b }, signals: model.signals, scorer: model.scorer, tokenBuckets: model.spec.tokenBuckets, metadata: {} }));
  const scorer = encodeScorerOnnx(graph, { producer: 'tandem models/pipeline.ts', catalogVersion: catalogVersion });
  const coreml = scorerCoreMl(graph, {
    // The model version is a hash of the files, this one included: the file names what it was made from instead.
    version: `trained until ${new Date(model.now).toISOString().slice(0, 10)}, catalog ${catalogVersion}`,
    metadata: { producer: 'tandem models/pipeline.ts', catalogVersion: catalogVersion, itemIdsFile: 'items.json' },
    n: model.skus.length,
  });
  return { onnx, coreml, scorerGraph: scorer };
}

export function writeArtifacts(
  root: string,
  trained: TrainedModel,
  info: {
    catalogVersion: string;
    /** Every product the model ranks, for items-meta.json. */
    products: readonly ShelfProduct[];
    /** Basket complements (models/complements.ts). */
    complements: Complements;
    /** Which embeddings the runtimes rank with (the pipeline picks int8 only where validation shows no loss). */
    embeddings?: Manifest['embeddings']['use'];
    metrics: Manifest['metrics'];
    training: Record<string, unknown>;
    golden: { name: string; events: HistoryEvent[] }[];
    coldStart: ColdStartContext;
    /** Ship the catalogue in parts whatever its size (tests; by default from PARTS_FROM_ITEMS products). */
    parts?: boolean;
  },
): { dir: string; manifest: Manifest } {
  const n = trained.skus.length;
  const d = trained.dim;
  const use = info.embeddings ?? 'float32';
  const { q, scales } = quantizeRows(trained.items, n, d);
  // With int8 shipped every runtime ranks the dequantised rows, so the goldens and the float32 file (the iOS
  // app's) hold exactly those values: web, edge and app agree with each other and with the eval.
  const model: TrainedModel = use === 'int8' ? { ...trained, items: dequantizeRows(q, scales, d) } : trained;
  const bySku = new Map(info.products.map((p) => [p.sku, p]));
  const metaRows = model.skus.map((sku) => {
    const p = bySku.get(sku);
    if (!p) throw new Error(`writeArtifacts: no product ${sku} in the catalogue`);
    return [p.name, p.price, p.category] as [string, number, string];
  });
  const { onnx, coreml, scorerGraph } = exportedGraphs(model, info.catalogVersion);
  const files: Partial<Record<keyof Manifest['files'], { path: string; data: Uint8Array }>> = {
    userTower: { path: 'user-tower.onnx', data: onnx },
    scorer: { path: 'scorer.onnx', data: scorerGraph },
    coreml: { path: COREML_FILE, data: coreml },
    itemsFloat32: { path: 'items.f32.bin', data: bytesOf(model.items) },
    itemsInt8: { path: 'items.i8.bin', data: bytesOf(q) },
    itemsInt8Scales: { path: 'items.i8-scales.f32.bin', data: bytesOf(scales) },
    prior: { path: 'prior.f32.bin', data: bytesOf(model.prior) },
    signals: { path: 'signals.bin', data: encodeSignals(model.signals) },
    towerWeights: { path: 'tower.f32.bin', data: bytesOf(Float32Array.from([...model.W, ...model.b])) },
    itemIds: { path: 'items.json', data: new TextEncoder().encode(JSON.stringify(model.skus)) },
    itemMeta: { path: 'items-meta.json', data: encodeItemMeta(info.catalogVersion, metaRows) },
    complements: { path: 'complements.bin', data: encodeComplements(info.complements) },
    golden: { path: 'golden.json', data: new TextEncoder().encode(JSON.stringify({ cases: goldenCases(model, info.golden) }, null, 1)) },
    coldStart: { path: 'coldstart.json', data: new TextEncoder().encode(JSON.stringify(info.coldStart)) },
  };
  // A big catalogue in parts for the device (lib/recs/parts.ts): the index is a file of the version, so its hash
  // (every part's hash inside) is in the version's.
  const parts = (info.parts ?? n >= PARTS_FROM_ITEMS) ? catalogueParts(model, use === 'int8' ? q : null, scales, metaRows, info.complements) : undefined;
  if (parts) Object.assign(files, { parts: { path: 'parts.bin', data: parts.index } });
  const entries = Object.fromEntries(
    Object.entries(files).map(([k, f]) => [k, { path: f.path, bytes: f.data.byteLength, sha256: sha256(f.data) } satisfies FileEntry]),
  ) as Manifest['files'];
  const version = versionOf(entries, { catalogVersion: info.catalogVersion, trainedUntil: new Date(model.now).toISOString(), dim: d, itemCount: n, features: model.spec, scorer: model.scorer, signals: signalsLayout(model.signals), complements: info.complements.spec, embeddings: use });
  const io = userTowerIO(model.spec.historyLength, d);
  const manifest: Manifest = {
    formatVersion: 1,
    version,
    createdAt: new Date().toISOString(),
    catalogVersion: info.catalogVersion,
    trainedUntil: new Date(model.now).toISOString(),
    dim: d,
    itemCount: n,
    features: model.spec,
    scorer: model.scorer,
    signals: signalsLayout(model.signals),
    complements: info.complements.spec,
    embeddings: { use, layout: 'row-major [itemCount, dim], little-endian', int8Scale: 'per-row: value = int8 × scale[row]' },
    userTower: { format: 'onnx', opset: OPSET, inputs: io.inputs, outputs: io.outputs },
    scorerGraph: { format: 'onnx', opset: OPSET, ...scorerIO(model.spec.historyLength, tableShape(d, model.signals)) },
    coreml: {
      format: 'mlmodel',
      specificationVersion: SPECIFICATION_VERSION,
      className: 'TwoTower',
      ...scorerIO(model.spec.historyLength, tableShape(d, model.signals)),
    },
    files: entries,
    ...(parts ? { parts: parts.spec } : {}),
    metrics: info.metrics,
    training: info.training,
  };
  const dir = path.join(root, version);
  mkdirSync(dir, { recursive: true });
  for (const f of Object.values(files)) writeFileSync(path.join(dir, f.path), f.data);
  if (parts) {
    mkdirSync(path.join(dir, parts.spec.dir), { recursive: true });
    for (const f of parts.files) writeFileSync(path.join(dir, parts.spec.dir, f.name), f.data);
  }
  writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir, manifest };
}

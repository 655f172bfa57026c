/**
 * `npx tsx scripts/device-recall.ts [--root DIR] [--shoppers N]` (TANDEM_DATASET names the log): how much of the
 * exact full-catalogue top ten a device ranking from parts shows (issue 33's recall@10 against exact). The
 * version's validation model (data/models/validation) is cut into parts as the export cuts them
 * (models/export/parts.ts), and for each sampled validation shopper the parts a device would fetch (the
 * buckets of their history, their communities' heads) are merged (lib/recs/parts.ts) and ranked with the same
 * code as the whole catalogue: explore ("Recommended for you") and "all". Prints, and writes
 * bench-results/device-recall.json: the mean recall@10 against exact, the share of shoppers whose ten are
 * exactly the exact ten, and the parts and products a device held. And what a new version costs a returning
 * shopper on the wire (brotli, as the server sends them): the version's own files a device reads before any part
 * (pointer, manifest, user tower, parts index: the shipped version's, under public/models) and the parts their
 * history needs again (every part is new with a new version: its rows are retrained). The ORT runtime and the page
 * are not in it: a model version ships without a deploy, and they are cached under names that do not change.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { brotliCompressSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadModel } from '../lib/recs/artifacts';
import { HEADS_KEPT } from '../lib/recs/parted-model';
import { historyInputs } from '../lib/recs/features';
import { bucketOf, decodePart, mergeParts, storefrontMask } from '../lib/recs/parts';
import { dotAll, topK } from '../lib/recs/rank';
import { rankingScores, userContext } from '../lib/recs/score';
import { poolHistory, userTower } from '../lib/recs/tower';
import { ManifestSchema, PointerSchema } from '../lib/recs/manifest';
import { percentiles } from '../lib/recs/timing';
import { catalogueParts } from '../models/export/parts';
import { brotliParams, FILE_QUALITY, PARTS_QUALITY } from './brotli-settings.mjs';
import { evalUsers, splitAt } from '../models/evaluate';
import { readPurchases } from '../models/pipeline';
import { sampleBy } from '../models/sample';
import { toMillis } from '../models/time';
import { rowsOf } from '../lib/recs/items';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const root = path.resolve(arg('--root') ?? '.');
const shoppers = Number(arg('--shoppers') ?? 1000);
const dir = path.join(root, 'data', 'models', 'validation');
const pointer = PointerSchema.parse(JSON.parse(readFileSync(path.join(dir, 'current.json'), 'utf8')));
const vdir = path.join(dir, pointer.version);
const model = await loadModel((p) => readFile(path.join(vdir, p)));
const { manifest } = model;
const d = manifest.dim;
const n = model.skus.length;
const q = manifest.embeddings.use === 'int8' ? new Int8Array(readFileSync(path.join(vdir, manifest.files.itemsInt8.path)).buffer.slice(0)) : null;
const scales = manifest.embeddings.use === 'int8' ? new Float32Array(readFileSync(path.join(vdir, manifest.files.itemsInt8Scales.path)).buffer.slice(0)) : new Float32Array(0);
const meta = model.skus.map((_, i) => [model.meta.names[i]!, model.meta.prices[i]!, model.meta.categories[i]!] as [string, number, string]);
const trained = { ...model, dim: d, W: model.tower.W, b: model.tower.b, spec: manifest.features, now: Date.parse(manifest.trainedUntil), scorer: manifest.scorer };
const cut = catalogueParts(trained, q, scales, meta, model.complements);
const parts = cut.files.map((f) => decodePart(f.data, d, manifest.signals.neighboursPerItem, manifest.complements.neighboursPerItem));
const sizes = cut.files.map((f) => f.data.byteLength);
// As the server sends them: the brotli copies precompress.mjs writes, with its settings.
const brotli = (b: Uint8Array, quality: number) => brotliCompressSync(b, { params: brotliParams(quality, b.byteLength) }).byteLength;
const wireSizes = cut.files.map((f) => brotli(f.data, PARTS_QUALITY));
// The shipped version's own files (its parts are cut as the validation model's are: the same sizes, about).
const shippedDir = path.join(root, 'public', 'models');
const shipped = PointerSchema.parse(JSON.parse(readFileSync(path.join(shippedDir, 'current.json'), 'utf8')));
const shippedManifest = ManifestSchema.parse(JSON.parse(readFileSync(path.join(shippedDir, shipped.version, 'manifest.json'), 'utf8')));
const fixedFiles = [path.join(shippedDir, 'current.json'), path.join(shippedDir, shipped.version, 'manifest.json'), ...[shippedManifest.files.userTower, shippedManifest.files.parts].flatMap((f) => (f ? [path.join(shippedDir, shipped.version, f.path)] : []))];
const fixedWire = fixedFiles.reduce((a, f) => a + brotli(readFileSync(f), FILE_QUALITY), 0);
const returning: number[] = [];
const { heads, buckets } = cut.spec;

const purchases = readPurchases(root);
const now = Date.parse(manifest.trainedUntil);
const end = toMillis(purchases.at(-1)!.date) + 60_000;
const { history, future } = splitAt(purchases, now, end);
const index = rowsOf(model.skus);
const users = sampleBy(evalUsers(history, future, index), (u) => u.customer, shoppers).items;

const sum = { explore: 0, all: 0, exploreExact: 0, allExact: 0, parts: 0, products: 0, bytes: 0, count: 0 };
for (const u of users) {
  const h = historyInputs(u.history, index, now, manifest.features);
  const slots = [...h.ids].filter((i) => i >= 0);
  if (slots.length === 0) continue;
  // The whole catalogue: the exact ten.
  const user = userTower(model.tower, poolHistory(model.items, d, h.ids, h.weights));
  const ctx = userContext(model.signals, h);
  const exactExplore = topK(rankingScores('explore', manifest.scorer, model.signals, ctx, dotAll(user, model.items, d)), 10, u.owned).map((i) => model.skus[i]!);
  const exactAll = topK(rankingScores('all', manifest.scorer, model.signals, ctx, dotAll(user, model.items, d)), 10).map((i) => model.skus[i]!);
  // What a device holds: the history's buckets and its communities' heads (lib/recs/parted-model.ts).
  const skus = slots.map((i) => model.skus[i]!);
  // Slots are newest first: the heads of the newest products' storefronts, HEADS_KEPT at most, and the products of
  // every storefront the history is in (and of none), as the device keeps (parted-model.ts).
  const storefronts = [...new Set(slots.map((i) => model.signals.community?.[i] ?? 0).filter((c) => c > 0))];
  const held = [...new Set([...(storefronts.length > 0 ? storefronts.slice(0, HEADS_KEPT) : [0]), ...skus.map((s) => heads + bucketOf(s, buckets))])];
  const local = mergeParts(held.map((k) => parts[k]!), d, manifest.signals, manifest.complements, storefrontMask(heads, storefronts));
  const localIndex = rowsOf(local.skus);
  const lh = historyInputs(u.history, localIndex, now, manifest.features);
  const lu = userTower(model.tower, poolHistory(local.items, d, lh.ids, lh.weights));
  const lctx = userContext(local.signals, lh);
  const owned = new Set([...u.owned].flatMap((i) => (localIndex.has(model.skus[i]!) ? [localIndex.get(model.skus[i]!)!] : [])));
  const deviceExplore = topK(rankingScores('explore', manifest.scorer, local.signals, lctx, dotAll(lu, local.items, d)), 10, owned).map((i) => local.skus[i]!);
  const deviceAll = topK(rankingScores('all', manifest.scorer, local.signals, lctx, dotAll(lu, local.items, d)), 10).map((i) => local.skus[i]!);
  const recall = (device: string[], exact: string[]) => exact.filter((s) => device.includes(s)).length / Math.max(exact.length, 1);
  sum.explore += recall(deviceExplore, exactExplore);
  sum.all += recall(deviceAll, exactAll);
  sum.exploreExact += deviceExplore.join() === exactExplore.join() ? 1 : 0;
  sum.allExact += deviceAll.join() === exactAll.join() ? 1 : 0;
  sum.parts += held.length;
  sum.products += local.skus.length;
  sum.bytes += held.reduce((a, k) => a + sizes[k]!, 0);
  returning.push(fixedWire + held.reduce((a, k) => a + wireSizes[k]!, 0));
  sum.count++;
}
const c = Math.max(sum.count, 1);
const largest = (from: number[], count: number) => [...from].sort((a, b) => b - a).slice(0, count).reduce((a, b) => a + b, 0);
const bound = fixedWire + largest(wireSizes.slice(heads), manifest.features.historyLength) + largest(wireSizes.slice(0, heads), HEADS_KEPT);
const result = {
  version: pointer.version,
  products: n,
  heads,
  buckets,
  shoppers: sum.count,
  recallAt10: { explore: +(sum.explore / c).toFixed(4), all: +(sum.all / c).toFixed(4) },
  sameTen: { explore: +(sum.exploreExact / c).toFixed(4), all: +(sum.allExact / c).toFixed(4) },
  held: { parts: +(sum.parts / c).toFixed(1), products: Math.round(sum.products / c), rawKB: Math.round(sum.bytes / c / 1024) },
  /** A new version, for a returning shopper: KB on the wire (its own files, then the parts their history needs). */
  // bound: the most any history can need (historyLength buckets, the largest, and HEADS_KEPT heads, the largest).
  newVersionKB: { bound: Math.round(bound / 1024), fixed: Math.round(fixedWire / 1024), mean: Math.round(returning.reduce((a, b) => a + b, 0) / c / 1024), p95: Math.round(percentiles(returning).p95 / 1024), max: Math.round(Math.max(0, ...returning) / 1024) },
};
console.log(JSON.stringify(result));
mkdirSync(path.join(process.cwd(), 'bench-results'), { recursive: true });
writeFileSync(path.join(process.cwd(), 'bench-results', `device-recall-${n}.json`), `${JSON.stringify(result, null, 2)}\n`);

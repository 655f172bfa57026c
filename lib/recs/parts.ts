/**
 * A big catalogue on the device, in parts (issue 33). A first visit cannot download 100k products (about 93
 * bytes each after brotli: 9.6 MB), and a shopper's shelves need few of them: on the scale data sets, the
 * exact full-catalogue top ten of the explore and "all" rankings lie among the shopper's own products and the
 * community's most popular ones for ≥ 99% of validation shoppers (docs/performance.md). So a version above
 * PARTS_FROM_ITEMS products also ships its catalogue in parts, each a public, immutable file named by its
 * content's hash:
 *
 *   head parts    one per community (0: the whole catalogue, for a history in none): the HEAD_SIZE products of
 *                 that community and of none with the highest cold-start prior, without their own lists (`lite`);
 *   buckets       every product, in BUCKETS_OF(n) buckets by fnv1a(code): a device finds the bucket of any code
 *                 it holds (its history, the cart, the page's product) with no directory.
 *
 * A part holds, for its products, everything the scorer and the shelves read of them (lib/recs/artifacts.ts
 * DeviceModel's columns), with neighbour references as catalogue rows. The device merges the parts it has into
 * one local catalogue (`mergeParts`) and ranks it with the same code as the whole catalogue: a product in it
 * gets exactly its whole-catalogue score (its co-purchase term comes from the history's own neighbour lists), so
 * the shelves equal the exact ranking wherever its top products are in the parts the device has. The rows are
 * the version's own (int8 and a scale where it ranks int8, else float32).
 *
 * What a part request says about the shopper: a bucket is one of about BUCKET_SIZE products, and the device asks
 * for the buckets of products it was shown (their pages, the cart) and of the complements of those; a head is
 * one per community, a part of the shop the shopper's pages already were in. The request carries no cookie,
 * no history and no query: the same file for everyone, cacheable anywhere. Every product a bucket is fetched for
 * is one whose page (or cart) the shopper already requested from this server, so the server learns at most a
 * coarser version of what those requests told it; a shared cache in between learns less (it never saw the pages).
 *
 * Layout of a part (little-endian): u32 magic "TPRT", u32 the JSON's bytes, the JSON ({"skus", "meta", "rows",
 * "lite"}), then, each array starting on a 4-byte boundary: i32 rows [k] (the products' catalogue rows), i8
 * [k][dim] embedding and f32 [k] scale (f32 [k][dim] where "rows" is float32), f32 [k] prior, f32
 * [SIGNAL_VECTORS][k], i32 [k][m] co-purchase neighbours (rows, −1 none) and f32 [k][m] their weights (not in
 * a lite part), i32 [k + 1] token offsets, u16 [tokens] tokens, u8 [k] category, u16 [k] community, and (not in
 * a lite part) i32 [k][mc] complement neighbours (rows), u16 [k][mc] each one's bucket, f32 [k][mc] weights.
 */
import { z } from 'zod';
import type { Complements, ComplementSpec } from './complements';
import { fnv1a } from './features';
import type { ItemMeta } from './item-meta';
import { SIGNAL_VECTORS, type ItemSignals, type SignalVector } from './signals';

/** A catalogue of at least this many products ships parts (below it, the whole version is one small download). */
export const PARTS_FROM_ITEMS = 20_000;
/**
 * Products per bucket, about. What a returning shopper downloads for a new version is one bucket per product of
 * their history (50 at most) and their storefronts' heads: at ×30, 100 a bucket cost up to 1,285 KB, 50 cost 841
 * (scripts/device-recall.ts). A request for a bucket says no more than the page that asked for it (above),
 * whatever its size; smaller still would be more requests for little (the heads are then most of the bytes).
 */
export const BUCKET_SIZE = 50;
/** Products in a head part. */
export const HEAD_SIZE = 1_500;

export const bucketCount = (n: number): number => Math.max(1, Math.ceil(n / BUCKET_SIZE));
export const bucketOf = (sku: string, buckets: number): number => fnv1a(sku) % buckets;

/** The manifest's description of the parts: the index file (each part's hash) and how many of each. */
export const PartsSchema = z.object({
  /** Heads: one per community 0…communities (0: the whole catalogue). */
  heads: z.number().int().positive(),
  buckets: z.number().int().positive(),
  headSize: z.number().int().positive(),
  /** Where the part files are, relative to the version folder: `<dir>/<hash>.bin`. */
  dir: z.string().regex(/^[\w-]+$/),
});
export type PartsSpec = z.infer<typeof PartsSchema>;

/** The index file: 8 bytes of each part's sha256, heads first then buckets; a part's file is named by them in hex. */
export const partName = (index: Uint8Array, k: number): string => [...index.subarray(8 * k, 8 * k + 8)].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * One part's products: every column a device ranks and shows them by. A head is `lite`: its products' own
 * co-purchase and complement lists are left out (a candidate's score reads the history's lists, never its own;
 * a product becomes history only once its page was shown, and then its bucket, with the lists, is fetched).
 */
export interface Part {
  lite: boolean;
  rows: Int32Array;
  skus: string[];
  meta: [string, number, string][];
  /** The rows the version ranks with: int8 with a scale per row where its manifest says int8, else float32 (`f32`). */
  q: Int8Array;
  scales: Float32Array;
  f32?: Float32Array;
  prior: Float32Array;
  vectors: Record<SignalVector, Float32Array>;
  neighbours: Int32Array;
  neighbourWeights: Float32Array;
  tokenOffsets: Int32Array;
  tokens: Uint16Array;
  category: Uint8Array;
  community: Uint16Array;
  complements: Int32Array;
  complementBuckets: Uint16Array;
  complementWeights: Float32Array;
}

const MAGIC = 0x54525054; // "TPRT"
const pad4 = (x: number) => (x + 3) & ~3;

type Typed = Int32Array | Int8Array | Float32Array | Uint16Array | Uint8Array;

export function encodePart(p: Part): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify({ skus: p.skus, meta: p.meta, rows: p.f32 ? 'float32' : 'int8', lite: p.lite }));
  const lists: Typed[] = p.lite ? [] : [p.neighbours, p.neighbourWeights];
  const complementLists: Typed[] = p.lite ? [] : [p.complements, p.complementBuckets, p.complementWeights];
  const arrays: Typed[] = [p.rows, ...(p.f32 ? [p.f32] : [p.q, p.scales]), p.prior, ...SIGNAL_VECTORS.map((v) => p.vectors[v]), ...lists, p.tokenOffsets, p.tokens, p.category, p.community, ...complementLists];
  let size = pad4(8 + json.byteLength);
  for (const a of arrays) size = pad4(size + a.byteLength);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, json.byteLength, true);
  out.set(json, 8);
  let at = pad4(8 + json.byteLength);
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at = pad4(at + a.byteLength);
  }
  return out;
}

const PartJsonSchema = z.object({ skus: z.array(z.string()), meta: z.array(z.tuple([z.string(), z.number(), z.string()])), rows: z.enum(['int8', 'float32']), lite: z.boolean() });

/** A part's arrays back (copies, aligned), checked against the version's dimension and neighbour counts. */
export function decodePart(bytes: Uint8Array, dim: number, m: number, mc: number): Part {
  const buf = bytes.slice().buffer;
  const view = new DataView(buf);
  if (bytes.byteLength < 8 || view.getUint32(0, true) !== MAGIC) throw new Error('not a catalogue part');
  const jsonLength = view.getUint32(4, true);
  const head = PartJsonSchema.parse(JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 8, jsonLength))));
  const k = head.skus.length;
  if (head.meta.length !== k) throw new Error(`${head.meta.length} meta rows for ${k} products`);
  let at = pad4(8 + jsonLength);
  const take = <T extends Typed>(make: (b: ArrayBuffer, o: number, len: number) => T, len: number, size: number): T => {
    if (at + len * size > buf.byteLength) throw new Error('a catalogue part ends early');
    const a = make(buf, at, len);
    at = pad4(at + len * size);
    return a;
  };
  const i32 = (len: number) => take((b, o, l) => new Int32Array(b, o, l), len, 4);
  const f32 = (len: number) => take((b, o, l) => new Float32Array(b, o, l), len, 4);
  const u16 = (len: number) => take((b, o, l) => new Uint16Array(b, o, l), len, 2);
  const rows = i32(k);
  const float = head.rows === 'float32' ? f32(k * dim) : undefined;
  const q = float ? new Int8Array(0) : take((b, o, l) => new Int8Array(b, o, l), k * dim, 1);
  const scales = float ? new Float32Array(0) : f32(k);
  const prior = f32(k);
  const vectors = Object.fromEntries(SIGNAL_VECTORS.map((v) => [v, f32(k)])) as Record<SignalVector, Float32Array>;
  const lite = head.lite;
  const neighbours = lite ? new Int32Array(0) : i32(k * m);
  const neighbourWeights = lite ? new Float32Array(0) : f32(k * m);
  const tokenOffsets = i32(k + 1);
  const tokens = u16(tokenOffsets[k]!);
  const category = take((b, o, l) => new Uint8Array(b, o, l), k, 1);
  const community = u16(k);
  const complements = lite ? new Int32Array(0) : i32(k * mc);
  const complementBuckets = lite ? new Uint16Array(0) : u16(k * mc);
  const complementWeights = lite ? new Float32Array(0) : f32(k * mc);
  if (at !== buf.byteLength) throw new Error(`a catalogue part has ${buf.byteLength - at} bytes too many`);
  return { lite, rows, skus: head.skus, meta: head.meta, q, scales, ...(float ? { f32: float } : {}), prior, vectors, neighbours, neighbourWeights, tokenOffsets, tokens, category, community, complements, complementBuckets, complementWeights };
}

/** The parts a device has, merged into one local catalogue: the columns of a DeviceModel, in local rows. */
export interface LocalCatalogue {
  /** Local row → catalogue row. */
  rows: Int32Array;
  skus: string[];
  items: Float32Array;
  prior: Float32Array;
  signals: ItemSignals;
  meta: ItemMeta;
  complements: Complements;
}

/**
 * The copy of each product mergeParts keeps, in catalogue order (so ties rank as in the whole catalogue): `order`
 * its rows, `srcPart`/`srcK` where its copy is, `at` catalogue row → local row.
 */
function keptCopies(parts: readonly Part[], storefronts: Uint8Array | null): { order: Int32Array; srcPart: Int32Array; srcK: Int32Array; at: Map<number, number>; n: number } {
  // Work in the products the parts hold, never in the catalogue's rows: a device re-merges whenever a part
  // arrives (a view of a product in a new bucket), mostly before V8 has optimised this code, and three arrays
  // by catalogue row (1.2 MB at ×30, filled and scanned each time) made that merge 5–10 ms in the worker.
  // Each copy a part offers is one sort key, row first, then a bucket's copy (with its lists) before a head's,
  // then the earlier part: the first key of each row is the copy kept.
  let perPart = 1;
  for (const part of parts) perPart = Math.max(perPart, part.rows.length);
  const perLite = parts.length * perPart;
  const perRow = 2 * perLite;
  let offered = 0;
  for (const part of parts) offered += part.rows.length;
  const keys = new Float64Array(offered);
  let e = 0;
  parts.forEach((part, p) => {
    const lite = part.lite ? perLite : 0;
    for (let k = 0; k < part.rows.length; k++) {
      if (storefronts && storefronts[part.community[k]!] !== 1) continue;
      const row = part.rows[k]!;
      if (row * perRow > Number.MAX_SAFE_INTEGER - perRow) throw new Error(`catalogue row ${row}: too large to merge ${parts.length} parts`);
      keys[e++] = row * perRow + lite + p * perPart + k;
    }
  });
  const sorted = keys.subarray(0, e).sort();
  const order = new Int32Array(e);
  const srcPart = new Int32Array(e);
  const srcK = new Int32Array(e);
  const at = new Map<number, number>();
  let n = 0;
  for (let i = 0; i < e; i++) {
    const key = sorted[i]!;
    const row = Math.floor(key / perRow);
    if (n > 0 && order[n - 1] === row) continue;
    const copy = (key - row * perRow) % perLite;
    order[n] = row;
    srcPart[n] = Math.floor(copy / perPart);
    srcK[n] = copy % perPart;
    at.set(row, n++);
  }
  return { order, srcPart, srcK, at, n };
}

/** mergeParts' `storefronts`: 1 for community 0 and each of `storefronts` (of `communities` + 1), or null (keep all) where there are none. */
export function storefrontMask(communities: number, storefronts: Iterable<number>): Uint8Array | null {
  const kept = [...storefronts];
  if (kept.length === 0) return null;
  const mask = new Uint8Array(communities);
  for (const c of [0, ...kept]) mask[c] = 1;
  return mask;
}

/**
 * The union of `parts` (a product in several parts once), neighbour references turned into local rows; a
 * neighbour the device has no part of is dropped from its list (lists stay best first, −1 after the last), as
 * it could never be shown. The rows are the dequantised int8 rows every runtime ranks with. `storefronts`, where
 * given (1 per community kept, community 0 always), leaves out the products of the others: a bucket is BUCKET_SIZE
 * products from anywhere in the shop, and in a shop of 30 storefronts 29 in 30 of them could only score −∞ for
 * this shopper (lib/recs/score.ts isCandidate), yet cost the merge and the ranking as much as the rest.
 */
export function mergeParts(parts: readonly Part[], dim: number, signals: { neighboursPerItem: number; categories: number; communities?: number }, complementSpec: ComplementSpec, storefronts: Uint8Array | null = null): LocalCatalogue {
  const { order, srcPart, srcK, at, n } = keptCopies(parts, storefronts);
  const m = signals.neighboursPerItem;
  const mc = complementSpec.neighboursPerItem;
  const items = new Float32Array(n * dim);
  const prior = new Float32Array(n);
  const vectors = Object.fromEntries(SIGNAL_VECTORS.map((v) => [v, new Float32Array(n)])) as Record<SignalVector, Float32Array>;
  const neighbours = new Int32Array(n * m).fill(-1);
  const neighbourWeights = new Float32Array(n * m);
  const complements = new Int32Array(n * mc).fill(-1);
  const complementWeights = new Float32Array(n * mc);
  const category = new Uint8Array(n);
  const community = new Uint16Array(n);
  const tokenOffsets = new Int32Array(n + 1);
  const skus: string[] = new Array<string>(n);
  const meta: ItemMeta = { names: new Array<string>(n), prices: new Array<number>(n), categories: new Array<string>(n) };
  const relink = (from: Int32Array, weights: Float32Array, width: number, k: number, to: Int32Array, toWeights: Float32Array, i: number) => {
    if (from.length === 0) return; // a head's product: no lists of its own
    let j = 0;
    for (let c = 0; c < width; c++) {
      const li = at.get(from[k * width + c]!);
      if (li === undefined) continue;
      to[i * width + j] = li;
      toWeights[i * width + j++] = weights[k * width + c]!;
    }
  };
  for (let i = 0; i < n; i++) {
    const part = parts[srcPart[i]!]!;
    const k = srcK[i]!;
    // lib/recs/quantize.ts dequantizeRows's product, so the same float32 rows as the whole version's.
    if (part.f32) items.set(part.f32.subarray(k * dim, k * dim + dim), i * dim);
    else for (let c = 0; c < dim; c++) items[i * dim + c] = part.q[k * dim + c]! * part.scales[k]!;
    prior[i] = part.prior[k]!;
    for (const v of SIGNAL_VECTORS) vectors[v][i] = part.vectors[v][k]!;
    relink(part.neighbours, part.neighbourWeights, m, k, neighbours, neighbourWeights, i);
    relink(part.complements, part.complementWeights, mc, k, complements, complementWeights, i);
    category[i] = part.category[k]!;
    community[i] = part.community[k]!;
    tokenOffsets[i + 1] = tokenOffsets[i]! + part.tokenOffsets[k + 1]! - part.tokenOffsets[k]!;
    skus[i] = part.skus[k]!;
    const [name, price, cat] = part.meta[k]!;
    meta.names[i] = name;
    meta.prices[i] = price;
    meta.categories[i] = cat;
  }
  const tokens = new Uint16Array(tokenOffsets[n]!);
  for (let i = 0; i < n; i++) {
    const part = parts[srcPart[i]!]!;
    const k = srcK[i]!;
    tokens.set(part.tokens.subarray(part.tokenOffsets[k]!, part.tokenOffsets[k + 1]!), tokenOffsets[i]!);
  }
  const merged: ItemSignals = {
    n,
    vectors,
    neighboursPerItem: m,
    neighbours,
    neighbourWeights,
    tokenOffsets,
    tokens,
    category,
    categories: signals.categories,
    ...(signals.communities ? { community } : {}),
  };
  return { rows: order.slice(0, n), skus, items, prior, signals: merged, meta, complements: { spec: complementSpec, n, neighbours: complements, weights: complementWeights } };
}

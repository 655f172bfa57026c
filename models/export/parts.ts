/** The catalogue in parts for the device (lib/recs/parts.ts says why and how): heads per community, buckets by code. */
import { createHash } from 'node:crypto';
import type { Complements } from '../../lib/recs/complements';
import { bucketCount, bucketOf, encodePart, HEAD_SIZE, type Part, type PartsSpec } from '../../lib/recs/parts';
import { topK } from '../../lib/recs/rank';
import { SIGNAL_VECTORS, type SignalVector } from '../../lib/recs/signals';
import type { TrainedModel } from '../two-tower';

export const PARTS_DIR = 'parts';

/** The columns `part` takes of the products at catalogue rows `rows`. */
function partOf(model: TrainedModel, q: Int8Array | null, scales: Float32Array, meta: [string, number, string][], complements: Complements, buckets: number, rows: readonly number[], lite: boolean): Part {
  const d = model.dim;
  const s = model.signals;
  const m = s.neighboursPerItem;
  const mc = complements.spec.neighboursPerItem;
  const pick = <T extends Float32Array | Int32Array | Int8Array | Uint16Array | Uint8Array>(make: (len: number) => T, from: ArrayLike<number>, width: number): T => {
    const out = make(rows.length * width);
    rows.forEach((row, k) => {
      for (let c = 0; c < width; c++) out[k * width + c] = from[row * width + c]!;
    });
    return out;
  };
  const tokens = rows.map((row) => [...s.tokens.subarray(s.tokenOffsets[row]!, s.tokenOffsets[row + 1]!)]);
  const tokenOffsets = new Int32Array(rows.length + 1);
  tokens.forEach((t, k) => (tokenOffsets[k + 1] = tokenOffsets[k]! + t.length));
  const complementRows = pick((l) => new Int32Array(l), complements.neighbours, mc);
  return {
    lite,
    rows: Int32Array.from(rows),
    skus: rows.map((row) => model.skus[row]!),
    meta: rows.map((row) => meta[row]!),
    ...(q ? { q: pick((l) => new Int8Array(l), q, d), scales: pick((l) => new Float32Array(l), scales, 1) } : { q: new Int8Array(0), scales: new Float32Array(0), f32: pick((l) => new Float32Array(l), model.items, d) }),
    prior: pick((l) => new Float32Array(l), model.prior, 1),
    vectors: Object.fromEntries(SIGNAL_VECTORS.map((v) => [v, pick((l) => new Float32Array(l), s.vectors[v], 1)])) as Record<SignalVector, Float32Array>,
    neighbours: pick((l) => new Int32Array(l), s.neighbours, m),
    neighbourWeights: pick((l) => new Float32Array(l), s.neighbourWeights, m),
    tokenOffsets,
    tokens: Uint16Array.from(tokens.flat()),
    category: pick((l) => new Uint8Array(l), s.category, 1),
    community: s.community ? pick((l) => new Uint16Array(l), s.community, 1) : new Uint16Array(rows.length),
    complements: complementRows,
    complementBuckets: Uint16Array.from(complementRows, (row) => (row < 0 ? 0 : bucketOf(model.skus[row]!, buckets))),
    complementWeights: pick((l) => new Float32Array(l), complements.weights, mc),
  };
}

/**
 * Every part of the version: heads (community 0 = the whole catalogue, then each community with the products in
 * none), then buckets; the index (8 bytes of each part's sha256, in that order) and the manifest's description.
 * `q` and `scales`: the int8 rows where the version ranks int8; null for float32 (the parts carry `model.items`).
 */
export function catalogueParts(model: TrainedModel, q: Int8Array | null, scales: Float32Array, meta: [string, number, string][], complements: Complements): { spec: PartsSpec; index: Uint8Array; files: { name: string; data: Uint8Array }[] } {
  const n = model.skus.length;
  const buckets = bucketCount(n);
  // A complement's bucket is a uint16 in its part: 3.2 million products at BUCKET_SIZE 50.
  if (buckets > 0xffff) throw new Error(`${n} products make ${buckets} buckets: more than a part's 16-bit bucket numbers hold`);
  const community = model.signals.community;
  let communities = 0;
  for (const c of community ?? []) if (c > communities) communities = c;
  const byPrior = topK(model.prior, n);
  const heads = Array.from({ length: communities + 1 }, (_, g) => byPrior.filter((i) => g === 0 || !community || community[i] === 0 || community[i] === g).slice(0, HEAD_SIZE).sort((a, b) => a - b));
  const members: number[][] = Array.from({ length: buckets }, () => []);
  model.skus.forEach((sku, row) => members[bucketOf(sku, buckets)]!.push(row));
  const parts = [...heads.map((rows) => partOf(model, q, scales, meta, complements, buckets, rows, true)), ...members.map((rows) => partOf(model, q, scales, meta, complements, buckets, rows, false))].map(encodePart);
  const index = new Uint8Array(8 * parts.length);
  const files = parts.map((data, k) => {
    const digest = createHash('sha256').update(data).digest();
    index.set(digest.subarray(0, 8), 8 * k);
    return { name: `${digest.subarray(0, 8).toString('hex')}.bin`, data };
  });
  return { spec: { heads: heads.length, buckets, headSize: HEAD_SIZE, dir: PARTS_DIR }, index, files };
}

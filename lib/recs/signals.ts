/**
 * Item signals: what the second stage knows about each product besides its embedding, computed by
 * `npm run models` at the end of the training data and shipped as one binary file (`signals.bin`, hashed
 * in the manifest). Aggregates over all shoppers only: no customer's history is in it.
 *
 * Layout (little-endian, in this order, each part starting where the previous ends):
 *   float32 [SIGNAL_VECTORS.length][n]     the per-item vectors below, one after another
 *   int32   [n][neighboursPerItem]          co-purchase neighbours (−1 = none), best first
 *   float32 [n][neighboursPerItem]          their cosine weights
 *   int32   [n + 1]                         token offsets: item i's name tokens are tokens[off[i] .. off[i+1])
 *   uint16  [tokenCount]                    hashed name-token buckets (lib/recs/features.ts nameTokens)
 *   uint16  [n]                             community, 1… or 0 for none (models/communities.ts); only in a
 *                                           catalogue that has communities (layout.communities > 0)
 *   uint8   [n]                             category index
 */
export const SIGNAL_VECTORS = [
  /** log(1 + distinct buyers in the last 30 days), scaled to [0, 1]. */
  'pop30',
  /** The same over the last 7 days. */
  'pop7',
  /** log(1 + 7-day buyers × 30/7) − log(1 + 30-day buyers): rising (> 0) or fading. */
  'trend',
  /** exp(−days since the first sale / 60): 1 for a product new this week. */
  'fresh',
  /** Share of its buyers who bought it more than once, shrunk toward the catalogue's share. */
  'repeatRate',
  /** Typical days between two purchases of it by one customer (median, shrunk toward the catalogue's). */
  'interval',
  /** log(price in GBP). */
  'logPrice',
] as const;
export type SignalVector = (typeof SIGNAL_VECTORS)[number];

export interface ItemSignals {
  n: number;
  vectors: Record<SignalVector, Float32Array>;
  neighboursPerItem: number;
  neighbours: Int32Array;
  neighbourWeights: Float32Array;
  tokenOffsets: Int32Array;
  tokens: Uint16Array;
  category: Uint8Array;
  categories: number;
  /**
   * Each product's community (models/communities.ts: parts of the catalogue no customer crosses), 0 for none;
   * absent in a catalogue without communities. The scorer ranks a shopper only their own communities' products.
   */
  community?: Uint16Array;
}

/** What the manifest says about the file, so a reader can check and cut it. */
export interface SignalsLayout {
  neighboursPerItem: number;
  tokenCount: number;
  categories: number;
  /** How many communities the file tags (absent: none, and no community array in the file). */
  communities?: number;
}

export function signalsLayout(s: ItemSignals): SignalsLayout {
  let communities = 0;
  for (const c of s.community ?? []) if (c > communities) communities = c;
  return { neighboursPerItem: s.neighboursPerItem, tokenCount: s.tokens.length, categories: s.categories, ...(communities > 0 ? { communities } : {}) };
}

function byteLength(n: number, l: SignalsLayout): number {
  const m = l.neighboursPerItem;
  return 4 * (SIGNAL_VECTORS.length * n + 2 * n * m + n + 1) + 2 * l.tokenCount + (l.communities ? 2 * n : 0) + n;
}

export function encodeSignals(s: ItemSignals): Uint8Array {
  const { n } = s;
  const out = new Uint8Array(byteLength(n, signalsLayout(s)));
  let at = 0;
  const put = (a: Float32Array | Int32Array | Uint16Array | Uint8Array) => {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  };
  for (const v of SIGNAL_VECTORS) put(s.vectors[v]);
  put(s.neighbours);
  put(s.neighbourWeights);
  put(s.tokenOffsets);
  put(s.tokens);
  if (signalsLayout(s).communities) put(s.community!);
  put(s.category);
  return out;
}

/** Cuts the file into its arrays (copies, so the views are aligned); throws when the size does not match the layout. */
export function decodeSignals(bytes: Uint8Array, n: number, l: SignalsLayout): ItemSignals {
  const expected = byteLength(n, l);
  if (bytes.byteLength !== expected) throw new Error(`signals: ${bytes.byteLength} bytes, the manifest's layout needs ${expected}`);
  const buf = bytes.slice().buffer;
  let at = 0;
  const take = <T>(make: (b: ArrayBuffer, o: number, len: number) => T, len: number, size: number): T => {
    const v = make(buf, at, len);
    at += len * size;
    return v;
  };
  const f32 = (len: number) => take((b, o, k) => new Float32Array(b, o, k), len, 4);
  const vectors = Object.fromEntries(SIGNAL_VECTORS.map((v) => [v, f32(n)])) as Record<SignalVector, Float32Array>;
  const m = l.neighboursPerItem;
  const neighbours = take((b, o, k) => new Int32Array(b, o, k), n * m, 4);
  const neighbourWeights = f32(n * m);
  const tokenOffsets = take((b, o, k) => new Int32Array(b, o, k), n + 1, 4);
  const tokens = take((b, o, k) => new Uint16Array(b, o, k), l.tokenCount, 2);
  const community = l.communities ? take((b, o, k) => new Uint16Array(b, o, k), n, 2) : undefined;
  const category = take((b, o, k) => new Uint8Array(b, o, k), n, 1);
  if (tokenOffsets[n] !== l.tokenCount) throw new Error('signals: token offsets do not end at the token count');
  if (community?.some((c) => c > l.communities!)) throw new Error(`signals: a community above the layout's ${l.communities}`);
  return { n, vectors, neighboursPerItem: m, neighbours, neighbourWeights, tokenOffsets, tokens, category, categories: l.categories, ...(community ? { community } : {}) };
}

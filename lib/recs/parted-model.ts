/**
 * A version shipped in parts (lib/recs/parts.ts), as a device holds it: the manifest, the user tower and the
 * parts index, loaded once; the parts its shelves need, fetched as they are needed and checked against the
 * index; the local catalogue (every part it has, merged) as the DeviceModel the shelves and the kernel rank.
 * Web APIs only: the worker runs it, and Node's tests and the bench's recall measurement run the same code.
 */
import { ArtifactError, readVerified, sha256Hex, type DeviceModel, type ReadFile } from './artifacts';
import type { Manifest } from './manifest';
import { bucketOf, decodePart, mergeParts, partName, storefrontMask, type Part, type PartsSpec } from './parts';

export interface PartedVersion {
  manifest: Manifest & { parts: PartsSpec };
  userTower: Uint8Array;
  index: Uint8Array;
  read: ReadFile;
  /** The parts this device has, by number (heads first, then buckets). */
  have: Map<number, Part>;
  /** Parts on their way: a ranking that needs one a warm is already fetching waits for the same download. */
  pending: Map<number, Promise<Part>>;
  /** Parts fetched ahead (a product's complements, when its link is reached for), merged once a ranking needs them. */
  aside: Map<number, Part>;
  /** When each part held was last needed (a count of partedModel calls), and the calls still running. */
  lastNeeded: Map<number, number>;
  calls: { stamp: number; running: Set<number> };
  /** LOCAL_PRODUCTS, unless a test asks for fewer. */
  localProducts: number;
  /**
   * The storefronts (communities) of every code a ranking wanted so far: the local catalogue holds only their
   * products and those in none (mergeParts `storefronts`), all of them while this is empty (a history in none).
   */
  storefronts: Set<number>;
  /** The local catalogue of `have`, rebuilt when `have` changes (`changes` counts them; `merged` is the count it was built at). */
  model?: DeviceModel;
  changes: number;
  merged: number;
}

/**
 * Products the local catalogue keeps, about, beyond the parts a running ranking needs: parts needed longest ago
 * go first (the complements' buckets of pages left, another storefront's head). Every part that arrives is merged
 * with the rest (a pass over the parts' products), so their number is what a new part costs; and a shopper of one
 * storefront needs about 4,000 (50 history buckets of BUCKET_SIZE and a head), fewer after the storefronts' filter.
 */
export const LOCAL_PRODUCTS = 8_000;
/** The heads of the communities of the shopper's most recent products, at most this many (a head is 1,500 products). */
export const HEADS_KEPT = 2;

export const isParted = (m: Manifest): m is Manifest & { parts: PartsSpec } => m.parts !== undefined && m.files.parts !== undefined;

/** The manifest's own files a parted version needs before any part: the user tower and the index. */
export async function openParted(manifest: Manifest & { parts: PartsSpec }, read: ReadFile, opts: { localProducts?: number } = {}): Promise<PartedVersion> {
  const [userTower, index] = await Promise.all([readVerified(read, manifest.files.userTower), readVerified(read, manifest.files.parts!)]);
  if (index.byteLength !== 8 * (manifest.parts.heads + manifest.parts.buckets)) throw new ArtifactError(`${manifest.files.parts!.path}: ${index.byteLength} bytes for ${manifest.parts.heads} heads and ${manifest.parts.buckets} buckets`);
  return { manifest, userTower, index, read, have: new Map(), pending: new Map(), aside: new Map(), lastNeeded: new Map(), calls: { stamp: 0, running: new Set() }, localProducts: opts.localProducts ?? LOCAL_PRODUCTS, storefronts: new Set(), changes: 0, merged: -1 };
}

/** Part k, fetched (through `read`, so a device's cache answers it the second time), its hash checked against the index. */
async function fetchPart(v: PartedVersion, k: number): Promise<Part> {
  const name = partName(v.index, k);
  const path = `${v.manifest.parts.dir}/${name}.bin`;
  let bytes: Uint8Array;
  try {
    bytes = await v.read(path);
  } catch (e) {
    throw new ArtifactError(`${path}: cannot be read (${(e as Error).message})`);
  }
  if ((await sha256Hex(bytes)).slice(0, 16) !== name) throw new ArtifactError(`${path}: not the part the index names (corrupted)`);
  const { manifest } = v;
  try {
    return decodePart(bytes, manifest.dim, manifest.signals.neighboursPerItem, manifest.complements.neighboursPerItem);
  } catch (e) {
    throw new ArtifactError(`${path}: ${(e as Error).message}`);
  }
}

/** What a ranking holds of the shopper: the codes its parts must have (the page's product and the cart, then the history, newest first). */
export interface PartsWanted {
  skus: readonly string[];
  /** Complement shelves rank the neighbours of these codes: their buckets are fetched too. */
  basket?: readonly string[];
  /** Codes whose complements' buckets are fetched ahead, not merged until a ranking asks for them as `basket`. */
  ahead?: readonly string[];
  /** Codes a shelf pins (the same for everyone the config shows them to): their buckets, and nothing of their storefronts. */
  pinned?: readonly string[];
}

/** Parts fetched ahead and not yet needed, kept at most (the oldest go). */
const ASIDE_PARTS = 64;

/** Part k's download: the one on its way, or a new one (listed in `pending` until it settles). */
function fetching(v: PartedVersion, k: number): Promise<Part> {
  let p = v.pending.get(k);
  if (!p) {
    p = fetchPart(v, k).finally(() => v.pending.delete(k));
    v.pending.set(k, p);
  }
  return p;
}

/** The parts missing from `have`, fetched once however many rankings ask at the same time. */
async function ensure(v: PartedVersion, parts: Iterable<number>): Promise<void> {
  const missing = [...new Set(parts)].filter((k) => !v.have.has(k));
  const got = await Promise.all(
    missing.map((k) => {
      const early = v.aside.get(k);
      if (early) {
        v.aside.delete(k);
        return early;
      }
      return fetching(v, k);
    }),
  );
  missing.forEach((k, i) => {
    // A part fetched ahead and needed before it came was also set aside by fetchAhead: held now, not aside.
    v.aside.delete(k);
    if (v.have.has(k)) return; // another ranking's ensure put it there first
    v.have.set(k, got[i]!);
    v.changes++;
  });
}

/**
 * Starts fetching `parts` that are neither held, on their way nor aside; each one is set aside when it comes,
 * with no merge (a merge blocks the worker: the view that follows the reach should not wait behind one for parts
 * only its product page's "bought together" shelf reads). A failure is left to the ranking that needs the part.
 */
function fetchAhead(v: PartedVersion, parts: Iterable<number>): void {
  for (const k of new Set(parts)) {
    if (v.have.has(k) || v.pending.has(k) || v.aside.has(k)) continue;
    fetching(v, k).then(
      (part) => {
        if (v.have.has(k)) return;
        v.aside.set(k, part);
        for (const old of [...v.aside.keys()].slice(0, Math.max(0, v.aside.size - ASIDE_PARTS))) v.aside.delete(old);
      },
      () => {},
    );
  }
}

/** Parts held beyond LOCAL_PRODUCTS, least recently needed first, dropped; never one a running call needs (its stamp or a later one). */
function evict(v: PartedVersion): void {
  let held = 0;
  for (const part of v.have.values()) held += part.skus.length;
  if (held <= v.localProducts) return;
  const oldestRunning = Math.min(...v.calls.running);
  const old = [...v.have.keys()].filter((k) => (v.lastNeeded.get(k) ?? 0) < oldestRunning).sort((a, b) => (v.lastNeeded.get(a) ?? 0) - (v.lastNeeded.get(b) ?? 0) || a - b);
  for (const k of old) {
    if (held <= v.localProducts) break;
    held -= v.have.get(k)!.skus.length;
    v.have.delete(k);
    v.lastNeeded.delete(k);
    v.changes++;
  }
}

/**
 * The local catalogue with every part `wanted` needs: the buckets of its codes, then the heads of the
 * communities those products are in (the whole catalogue's head for codes in none), and for a basket the buckets
 * of its products' complements. Parts already here (or on their way) are not fetched again; the merge is redone
 * only when the parts held changed. Heads: those of the storefronts of the newest products (HEADS_KEPT); beyond
 * LOCAL_PRODUCTS, the parts needed longest ago are dropped.
 */
export async function partedModel(v: PartedVersion, wanted: PartsWanted): Promise<DeviceModel> {
  const stamp = ++v.calls.stamp;
  v.calls.running.add(stamp);
  const need = (parts: number[]) => {
    for (const k of parts) v.lastNeeded.set(k, stamp);
    return ensure(v, parts);
  };
  try {
    const { parts: spec } = v.manifest;
    const bucket = (sku: string) => spec.heads + bucketOf(sku, spec.buckets);
    await need([...wanted.skus, ...(wanted.basket ?? []), ...(wanted.pinned ?? [])].map(bucket));
    const find = (sku: string) => {
      const p = v.have.get(bucket(sku));
      const k = p?.skus.indexOf(sku) ?? -1;
      return p && k >= 0 ? { p, k } : undefined;
    };
    const storefronts = (skus: readonly string[]) => new Set(skus.flatMap((sku) => {
      const f = find(sku);
      return f && f.p.community[f.k]! > 0 && f.p.community[f.k]! < spec.heads ? [f.p.community[f.k]!] : [];
    }));
    // The storefronts of the shopper's most recent products (a shopper of one needs one head, not one per storefront ever seen).
    const communities = storefronts(wanted.skus);
    const heads = communities.size > 0 ? [...communities].slice(0, HEADS_KEPT) : [0];
    // Every storefront a ranking's history is in keeps its products (the rankings may show them); a pinned one too.
    for (const c of [...communities, ...storefronts(wanted.pinned ?? [])]) {
      if (v.storefronts.has(c)) continue;
      v.storefronts.add(c);
      v.changes++;
    }
    const complementBuckets = (basket: readonly string[]) => basket.flatMap((sku) => {
      const f = find(sku);
      if (!f) return [];
      const mc = v.manifest.complements.neighboursPerItem;
      return [...f.p.complementBuckets.subarray(f.k * mc, f.k * mc + mc)].filter((_, c) => f.p.complements[f.k * mc + c]! >= 0).map((b) => spec.heads + b);
    });
    fetchAhead(v, complementBuckets(wanted.ahead ?? []));
    await need([...heads, ...complementBuckets(wanted.basket ?? [])]);
    evict(v);
    if (!v.model || v.merged !== v.changes) {
      v.model = localModel(v);
      v.merged = v.changes;
    }
    return v.model;
  } finally {
    v.calls.running.delete(stamp);
  }
}

/** The local catalogue of the parts this device has so far (none yet: an empty one, until a ranking asks for parts). */
export function localModel(v: PartedVersion): DeviceModel {
  const { manifest } = v;
  const local = mergeParts([...v.have.values()], manifest.dim, manifest.signals, manifest.complements, storefrontMask(manifest.parts.heads, v.storefronts));
  return { manifest, userTower: v.userTower, items: local.items, prior: local.prior, signals: local.signals, skus: local.skus, meta: local.meta, complements: local.complements };
}

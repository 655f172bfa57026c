/**
 * A version shipped in parts (lib/recs/parts.ts), as a device holds it: the manifest, the user tower and the
 * parts index, loaded once; the parts its shelves need, fetched as they are needed and checked against the
 * index; the local catalogue (every part it has, merged) as the DeviceModel the shelves and the kernel rank.
 * Web APIs only: the worker runs it, and Node's tests and the bench's recall measurement run the same code.
 */
import { ArtifactError, readVerified, sha256Hex, type DeviceModel, type ReadFile } from './artifacts';
import type { Manifest } from './manifest';
import { bucketOf, decodePart, mergeParts, partName, type Part, type PartsSpec } from './parts';

export interface PartedVersion {
  manifest: Manifest & { parts: PartsSpec };
  userTower: Uint8Array;
  index: Uint8Array;
  read: ReadFile;
  /** The parts this device has, by number (heads first, then buckets). */
  have: Map<number, Part>;
  /** The local catalogue of `have`, rebuilt when `have` grows. */
  model?: DeviceModel;
}

export const isParted = (m: Manifest): m is Manifest & { parts: PartsSpec } => m.parts !== undefined && m.files.parts !== undefined;

/** The manifest's own files a parted version needs before any part: the user tower and the index. */
export async function openParted(manifest: Manifest & { parts: PartsSpec }, read: ReadFile): Promise<PartedVersion> {
  const [userTower, index] = await Promise.all([readVerified(read, manifest.files.userTower), readVerified(read, manifest.files.parts!)]);
  if (index.byteLength !== 8 * (manifest.parts.heads + manifest.parts.buckets)) throw new ArtifactError(`${manifest.files.parts!.path}: ${index.byteLength} bytes for ${manifest.parts.heads} heads and ${manifest.parts.buckets} buckets`);
  return { manifest, userTower, index, read, have: new Map() };
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

/** What a ranking holds of the shopper: the codes its parts must have (history, cart, the page's product). */
export interface PartsWanted {
  skus: readonly string[];
  /** Complement shelves rank the neighbours of these codes: their buckets are fetched too. */
  basket?: readonly string[];
}

async function ensure(v: PartedVersion, parts: Iterable<number>): Promise<boolean> {
  const missing = [...new Set(parts)].filter((k) => !v.have.has(k));
  const got = await Promise.all(missing.map((k) => fetchPart(v, k)));
  missing.forEach((k, i) => v.have.set(k, got[i]!));
  return missing.length > 0;
}

/**
 * The local catalogue with every part `wanted` needs: the buckets of its codes, then the heads of the
 * communities those products are in (the whole catalogue's head for codes in none), and for a basket the buckets
 * of its products' complements. Parts already here are not fetched again; the merge is redone only when one came.
 */
export async function partedModel(v: PartedVersion, wanted: PartsWanted): Promise<DeviceModel> {
  const { parts: spec } = v.manifest;
  const bucket = (sku: string) => spec.heads + bucketOf(sku, spec.buckets);
  let changed = await ensure(v, [...wanted.skus, ...(wanted.basket ?? [])].map(bucket));
  const find = (sku: string) => {
    const p = v.have.get(bucket(sku));
    const k = p?.skus.indexOf(sku) ?? -1;
    return p && k >= 0 ? { p, k } : undefined;
  };
  const communities = new Set(wanted.skus.flatMap((sku) => {
    const f = find(sku);
    return f && f.p.community[f.k]! > 0 && f.p.community[f.k]! < spec.heads ? [f.p.community[f.k]!] : [];
  }));
  const heads = communities.size > 0 ? [...communities] : [0];
  const complementBuckets = (wanted.basket ?? []).flatMap((sku) => {
    const f = find(sku);
    if (!f) return [];
    const mc = v.manifest.complements.neighboursPerItem;
    return [...f.p.complementBuckets.subarray(f.k * mc, f.k * mc + mc)].filter((_, c) => f.p.complements[f.k * mc + c]! >= 0).map((b) => spec.heads + b);
  });
  changed = (await ensure(v, [...heads, ...complementBuckets])) || changed;
  if (!v.model || changed) v.model = localModel(v);
  return v.model;
}

/** The local catalogue of the parts this device has so far (none yet: an empty one, until a ranking asks for parts). */
export function localModel(v: PartedVersion): DeviceModel {
  const { manifest } = v;
  const local = mergeParts([...v.have.values()], manifest.dim, manifest.signals, manifest.complements);
  return { manifest, userTower: v.userTower, items: local.items, prior: local.prior, signals: local.signals, skus: local.skus, meta: local.meta, complements: local.complements };
}

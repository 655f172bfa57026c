/**
 * Loading a model version: manifest, then every file checked for size and sha256 before it is decoded.
 * Web APIs only (crypto.subtle, typed arrays), so the browser worker, the edge and Node share it; the
 * caller passes how to read a path (fetch, Cache Storage, or the file system).
 */
import { ManifestSchema, PointerSchema, type FileEntry, type Manifest, type Pointer } from './manifest';
import { decodeComplements, type Complements } from './complements';
import { decodeItemMeta, type ItemMeta } from './item-meta';
import { rowsOf } from './items';
import { dequantizeRows } from './quantize';
import { checkSpec } from './score';
import type { ShelfModel } from './shelf';
import { decodeSignals, type ItemSignals } from './signals';
import type { UserTowerWeights } from './tower';

export class ArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactError';
  }
}

export type ReadFile = (path: string) => Promise<Uint8Array>;

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function loadManifest(read: ReadFile, path = 'manifest.json'): Promise<Manifest> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(await read(path)));
  } catch (e) {
    throw new ArtifactError(`manifest ${path} is not readable JSON: ${(e as Error).message}`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) throw new ArtifactError(`manifest ${path} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The file's bytes, or an ArtifactError naming the file and what is wrong with it. */
export async function readVerified(read: ReadFile, entry: FileEntry): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await read(entry.path);
  } catch (e) {
    throw new ArtifactError(`${entry.path}: cannot be read (${(e as Error).message})`);
  }
  if (bytes.byteLength !== entry.bytes) throw new ArtifactError(`${entry.path}: ${bytes.byteLength} bytes, manifest says ${entry.bytes} (truncated or replaced)`);
  const hash = await sha256Hex(bytes);
  if (hash !== entry.sha256) throw new ArtifactError(`${entry.path}: sha256 ${hash.slice(0, 12)}…, manifest says ${entry.sha256.slice(0, 12)}… (corrupted)`);
  return bytes;
}

/** `decode()`'s result, or its error as an ArtifactError that names the file. */
function decoded<T>(entry: FileEntry, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    throw new ArtifactError(`${entry.path}: ${(e as Error).message}`);
  }
}

// Copy first: a view into a larger buffer may not be 4-byte aligned.
const asFloat32 = (b: Uint8Array) => new Float32Array(b.slice().buffer);

/** What every runtime that ranks needs (the browser worker loads only this: it runs the tower in ONNX). */
export interface DeviceModel {
  manifest: Manifest;
  userTower: Uint8Array;
  /** Item embeddings the scorer uses (dequantised when the manifest says int8). */
  items: Float32Array;
  prior: Float32Array;
  signals: ItemSignals;
  skus: string[];
  /** Name, price and category of each item, in the same order. */
  meta: ItemMeta;
  /** Basket complements ("frequently bought together"). */
  complements: Complements;
}

export interface LoadedModel extends DeviceModel {
  /** The user tower's layer, for runtimes without ONNX (the edge: lib/recs/tower.ts). */
  tower: UserTowerWeights;
}

/** The rows a runtime ranks with: the int8 file and its scales where the manifest says int8, else float32. */
export function rowFiles(manifest: Manifest): FileEntry[] {
  const f = manifest.files;
  return manifest.embeddings.use === 'int8' ? [f.itemsInt8, f.itemsInt8Scales] : [f.itemsFloat32];
}

/** Every file a runtime reads of a version besides the rows: the browser's, or with the tower's weights the edge's. */
export function versionFiles(manifest: Manifest, withTower: boolean): FileEntry[] {
  const f = manifest.files;
  return [f.userTower, f.prior, f.itemIds, f.signals, f.itemMeta, f.complements, ...(withTower ? [f.towerWeights] : [])];
}

/** Every file of a version, each verified (the edge, `npm run eval`, the tests). */
export function loadModel(read: ReadFile, manifestPath = 'manifest.json'): Promise<LoadedModel> {
  return load(read, manifestPath, true);
}

/** The files the browser needs: all but the tower's weights, which only a runtime without ONNX uses. */
export function loadDeviceModel(read: ReadFile, manifestPath = 'manifest.json'): Promise<DeviceModel> {
  return load(read, manifestPath, false);
}

async function load(read: ReadFile, manifestPath: string, withTower: true): Promise<LoadedModel>;
async function load(read: ReadFile, manifestPath: string, withTower: false): Promise<DeviceModel>;
async function load(read: ReadFile, manifestPath: string, withTower: boolean): Promise<DeviceModel | LoadedModel> {
  const manifest = await loadManifest(read, manifestPath);
  const { files, itemCount: n, dim: d } = manifest;
  const expect = (name: string, got: number, want: number) => {
    if (got !== want) throw new ArtifactError(`${name}: decodes to ${got} values, expected ${want}`);
  };
  try {
    checkSpec(manifest.scorer);
  } catch (e) {
    throw new ArtifactError(`manifest scorer: ${(e as Error).message}`);
  }
  const [userTower, prior, ids, signalBytes, metaBytes, complementBytes, towerBytes] = (await Promise.all(versionFiles(manifest, withTower).map((f) => readVerified(read, f)))) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array | undefined];
  const signals = decoded(files.signals, () => decodeSignals(signalBytes, n, manifest.signals));
  let items: Float32Array;
  const [rows, s] = await Promise.all(rowFiles(manifest).map((f) => readVerified(read, f)));
  if (manifest.embeddings.use === 'int8') {
    expect(files.itemsInt8.path, rows!.byteLength, n * d);
    const scales = asFloat32(s!);
    expect(files.itemsInt8Scales.path, scales.length, n);
    items = dequantizeRows(new Int8Array(rows!.slice().buffer), scales, d);
  } else {
    items = asFloat32(rows!);
    expect(files.itemsFloat32.path, items.length, n * d);
  }
  const priorValues = asFloat32(prior);
  expect(files.prior.path, priorValues.length, n);
  const skus = JSON.parse(new TextDecoder().decode(ids)) as unknown;
  if (!Array.isArray(skus) || skus.length !== n || !skus.every((s) => typeof s === 'string')) throw new ArtifactError(`${files.itemIds.path}: expected ${n} product codes`);
  const meta = decoded(files.itemMeta, () => decodeItemMeta(metaBytes, n, manifest.catalogVersion));
  const complements = decoded(files.complements, () => decodeComplements(complementBytes, n, manifest.complements));
  const model: DeviceModel = { manifest, userTower, items, prior: priorValues, signals, skus: skus as string[], meta, complements };
  if (!towerBytes) return model;
  const towerValues = asFloat32(towerBytes);
  expect(files.towerWeights.path, towerValues.length, d * d + d);
  return { ...model, tower: { dim: d, W: towerValues.subarray(0, d * d), b: towerValues.subarray(d * d) } };
}

/** A loaded version as the shelf pipeline reads it (lib/recs/shelf.ts). */
export function shelfModelOf(m: DeviceModel): ShelfModel {
  const { manifest } = m;
  return { skus: m.skus, index: rowsOf(m.skus), meta: m.meta, items: m.items, dim: manifest.dim, prior: m.prior, signals: m.signals, scorer: manifest.scorer, features: manifest.features, complements: m.complements };
}

/**
 * A URL's bytes, or an ArtifactError naming the URL and the status. Without cookies: a model file is public and
 * the same for everyone, so its request carries nothing of the shopper (not even the visitor cookie a
 * same-origin fetch would send).
 */
export async function fetchBytes(url: string | URL): Promise<Uint8Array> {
  const res = await fetch(url, { credentials: 'omit' });
  if (!res.ok) throw new ArtifactError(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The pointer to the active version (public/models/current.json), with the cache mode the caller's runtime needs. */
export async function fetchPointer(url: string | URL, cache: RequestCache): Promise<Pointer> {
  const res = await fetch(url, { cache });
  if (!res.ok) throw new ArtifactError(`${url}: HTTP ${res.status}`);
  const parsed = PointerSchema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new ArtifactError(`${url}: not a model pointer`);
  return parsed.data;
}

/** The version folder of the pointer's manifest (ending in '/'), and the manifest's file name. */
export function manifestLocation(pointer: Pointer): { base: string; file: string } {
  const cut = pointer.manifest.lastIndexOf('/') + 1;
  return { base: pointer.manifest.slice(0, cut), file: pointer.manifest.slice(cut) };
}

/**
 * The version the pointer names; `read` resolves paths inside that version's folder. Another version is
 * rejected. `loader`: loadModel (every file) or loadDeviceModel.
 */
export async function loadPointedModel<M extends DeviceModel>(read: ReadFile, pointer: Pointer, loader: (read: ReadFile, manifestPath: string) => Promise<M>): Promise<M> {
  const model = await loader(read, manifestLocation(pointer).file);
  if (model.manifest.version !== pointer.version) throw new ArtifactError(`manifest is version ${model.manifest.version}, pointer names ${pointer.version}`);
  return model;
}

/** A pointer to a version named by configuration (Edge Config's modelVersion) instead of current.json. */
export function pinnedPointer(version: string): Pointer {
  return { version, manifest: `/models/${version}/manifest.json`, inputsHash: 'pinned' };
}

/**
 * A model version's files on the device (Cache Storage): fetched once per version, checked (sizes, hashes,
 * version) before anything ranks with them, and at most VERSIONS_KEPT versions kept. Which versions this device
 * used is remembered beside the files, so it is the device's, never sent anywhere.
 */
import { ArtifactError, fetchBytes, loadDeviceModel, loadManifest, loadPointedModel, manifestLocation, pinnedPointer, type DeviceModel, type ReadFile } from '../recs/artifacts';
import { isParted, localModel, openParted, type PartedVersion } from '../recs/parted-model';
import { VERSIONS_KEPT, type Pointer } from '../recs/manifest';
import type { VersionFallback } from './protocol';

const CACHE_PREFIX = 'tandem-model-';
/** Where the device keeps its own small facts (the versions it used, the path the probe chose). */
export const DEVICE_CACHE = 'tandem-ep';
const usedKey = '/__tandem/used-versions';

/** Reads a version's files through Cache Storage: fetched once per version, then served from the device. */
export async function versionReader(base: string, version: string): Promise<{ read: ReadFile; discard: () => Promise<void> }> {
  const name = `${CACHE_PREFIX}${version}`;
  const cache = typeof caches !== 'undefined' ? await caches.open(name).catch(() => undefined) : undefined;
  const read: ReadFile = async (path) => {
    const url = `${base}${path}`;
    const hit = await cache?.match(url);
    if (hit) return new Uint8Array(await hit.arrayBuffer());
    const bytes = await fetchBytes(url);
    // Stored behind the caller's back: the write took 3 ms of every part fetched on a view's path (×30, this
    // machine), and a failed write only means fetching again next time. A version discarded meanwhile deletes
    // the cache, so a late write lands in the deleted one, never in the next copy.
    void cache?.put(url, new Response(bytes.slice())).catch(() => undefined);
    return bytes;
  };
  return { read, discard: async () => void (cache && (await caches.delete(name))) };
}

/** The versions this device used, newest first, at most VERSIONS_KEPT. */
export async function usedVersions(): Promise<string[]> {
  try {
    const hit = await (await caches.open(DEVICE_CACHE)).match(usedKey);
    const list: unknown = hit ? await hit.json() : [];
    return Array.isArray(list) ? list.filter((v): v is string => typeof v === 'string' && /^[0-9a-f]{12}$/.test(v)) : [];
  } catch {
    return [];
  }
}

/** `version` loaded and checked: it becomes the newest used; the files of versions past the newest VERSIONS_KEPT are deleted. */
async function rememberUse(version: string): Promise<void> {
  if (typeof caches === 'undefined') return;
  try {
    const keep = [version, ...(await usedVersions()).filter((v) => v !== version)].slice(0, VERSIONS_KEPT);
    await (await caches.open(DEVICE_CACHE)).put(usedKey, Response.json(keep));
    for (const key of await caches.keys()) if (key.startsWith(CACHE_PREFIX) && !keep.includes(key.slice(CACHE_PREFIX.length))) await caches.delete(key);
  } catch {
    // no Cache Storage: nothing kept, nothing to delete
  }
}

/**
 * The version `pointer` names, checked; a version that fails is deleted from the device and the previous version
 * this device used is loaded instead, saying why (the shelves report it as a fallback). Never a wrong ranking:
 * the previous version passed the same checks, or nothing loads and the edge ranks.
 */
export async function loadVersion(pointer: Pointer): Promise<LoadedVersion & { fellBackFrom?: VersionFallback }> {
  const first = await versionReader(manifestLocation(pointer).base, pointer.version);
  try {
    const loaded = await loadPointed(first.read, pointer);
    await rememberUse(pointer.version);
    return loaded;
  } catch (e) {
    await first.discard(); // never keep a bad copy: the next load fetches afresh
    const previous = (await usedVersions()).find((v) => v !== pointer.version);
    if (!previous) throw e;
    const back = pinnedPointer(previous);
    const second = await versionReader(manifestLocation(back).base, previous);
    const loaded = await loadPointed(second.read, back).catch(() => {
      throw e;
    });
    await rememberUse(previous);
    return { ...loaded, fellBackFrom: { version: pointer.version, reason: e instanceof Error ? e.message : String(e) } };
  }
}

/**
 * A version on the device: the whole model, or for a catalogue shipped in parts (lib/recs/parts.ts) its
 * manifest, user tower and parts index, the local catalogue then built from the parts each ranking needs.
 */
export type LoadedVersion = { read: ReadFile } & ({ model: DeviceModel; parted?: undefined } | { parted: PartedVersion; model: DeviceModel });

async function loadPointed(read: ReadFile, pointer: Pointer): Promise<LoadedVersion> {
  const manifest = await loadManifest(read, manifestLocation(pointer).file);
  if (manifest.version !== pointer.version) throw new ArtifactError(`manifest is version ${manifest.version}, pointer names ${pointer.version}`);
  if (!isParted(manifest)) return { read, model: await loadPointedModel(read, pointer, loadDeviceModel) };
  const parted = await openParted(manifest, read);
  // No part yet: the first ranking fetches the ones its shopper needs (lib/device/worker.ts withParts).
  return { read, parted, model: localModel(parted) };
}

